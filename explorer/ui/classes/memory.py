"""A live class that survives a reload: the browser tab keeps which class it teaches or follows.

Streamlit starts a new session when a tab reloads, or when a replica dies and the tab reconnects to
another, and a session is where the teacher's token and a student's member id live. So the tab keeps
them itself, in its sessionStorage (the tab_memory component): never in the URL, which the projector
shows, and never in another tab or browser (a cookie or localStorage would be shared). On its first
run a session asks the tab what it keeps, and the tab answers only when it keeps a class (an answer is a
run: a page opened without a class runs once, with one it runs twice); the store then decides: a token that
still drives the class makes this session its teacher again, a student joins again as the same member
(allowed in a locked class, its answers still counted once; an ended class is forgotten). A student's member
id is never the tab's: it is the browser's HttpOnly cookie, issued by the server (explorer.classrooms.member_ids,
`browser_member`), which the page's scripts cannot read and the session reads from its websocket's request.
A session that holds a class, has held one or has read one back writes what it holds on every run, so leaving
or ending a class forgets it; a session that has done none of these writes nothing, so a class the tab keeps is
never forgotten before it has been read back.
"""

from __future__ import annotations

import functools

import streamlit as st

from explorer.classrooms import identity, member_ids
from explorer.classrooms.store import ClassError
from explorer.ui.classes.state import client, ids, joined, peek, rooms, tab, teaching
from explorer.ui.common import components

NAME = "attention_explorer.tab_memory"
READ_KEY, WRITE_KEY = "class_tab_memory_read", "class_tab_memory_write"  # READ_KEY's suffix: ClassTab.nonce


@functools.cache
def component():
    """Register the tab-memory component once per process (in the page's DOM: it reads the page's
    sessionStorage, which a shadow root shares)."""
    return st.components.v2.component(NAME, js=components.source("classes/tab_memory.js"), isolate_styles=False)


def held(session) -> identity.Identity | None:
    """The class this session teaches or follows now, as the tab keeps it."""
    if teaching(session):
        teacher = tab(session).teacher
        return identity.Identity("teacher", teacher.code, teacher.token)
    if joined(session):
        return identity.Identity("student", tab(session).student.code, identity.IN_COOKIE)
    return None


def recall(session, kept: identity.Identity | None) -> None:
    """Take the role `kept` names back, when the store agrees (a session in a class already keeps its own)."""
    if kept is None or teaching(session) or joined(session):
        return
    store = rooms()
    try:
        if kept.role == "teacher":
            if store.is_teacher(kept.code, kept.secret):
                tab(session).teach(kept.code, kept.secret)
            return
        member = (found.member if (found := peek(session)) is not None else None) or browser_member()
        if member is None:  # no member id issued to this browser (cookies off): nothing to join again as
            return
        store.join(kept.code, member, client())
    except ClassError:
        return  # ended, expired, or the store away: the tab forgets it on the next write
    tab(session).join(kept.code, member)


def remember() -> None:
    """On a page's run, before the class sections: until the tab has answered, every run of a session that has been
    in no class asks it what it keeps (it answers only when it keeps a class, and the answer comes with the next
    run); a session that holds a class, has held one or has read one back writes what it holds now.

    The question's key is the session's own (READ_KEY and a random suffix): a page that reconnects to a
    new session (its replica died) keeps its widgets' old values, and an answer given to the session before
    ("nothing kept", read when it had not joined yet) would otherwise reach the new one at once, which
    would then write "nothing" over the class the tab keeps."""
    ss = st.session_state
    mine = tab(ss)
    now = held(ss)
    # A session in a class keeps its own (recall takes nothing back then): it asks nothing, then or after it leaves
    # (what the tab keeps from then on is what it wrote, and a read drawn as it left would find the class it left
    # there, and join it again). Asked on the first run of each page it opened, the tab answered with the class it
    # had just written, and the page ran twice (issue 62: the teacher's first run of a lesson's step page was
    # followed by a second, which the phones waited for).
    if now is not None:
        mine.recalled = True
    if not mine.recalled:
        with st.sidebar:
            answer = component()(
                data={"read": True}, key=f"{READ_KEY}_{mine.nonce}", default={"stored": None},
                on_stored_change=lambda: None,
            )  # fmt: skip
        stored = getattr(answer, "stored", None)
        if stored is not None:  # the tab keeps a class (no answer: it keeps none, or no browser: AppTest)
            mine.recalled = mine.writes = True  # read back: the tab may now forget it
            recall(ss, identity.read(stored))
            now = held(ss)
    if now is None and not mine.writes:
        return  # never in a class: nothing to write, and a kept class not yet read back must stay kept
    mine.writes = True
    with st.sidebar:
        component()(data={"write": None if now is None else identity.write(now)}, key=WRITE_KEY)


def in_browser() -> bool:
    """Whether this session is a browser's page: its websocket's request came with headers (a run without a
    browser, AppTest's, has none, and no cookie either)."""
    return len(st.context.headers) > 0


def browser_member() -> str | None:
    """The member id the server issued this browser (the HttpOnly cookie member_ids.COOKIE, which every tab of
    it sends with its websocket's request), when it verifies: joining again is then the same member, with its
    answers. Text of the same shape that this server did not sign is no member id (a client never chooses one)."""
    issued = ids()
    return None if issued is None else issued.verify(st.context.cookies.get(member_ids.COOKIE))
