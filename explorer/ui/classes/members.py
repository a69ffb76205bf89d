"""The teacher's hand on a class's members and rounds: who may come in, how many joined, removing many, clearing a
round.

Members are anonymous: each is shown by a short tag of its member id (``#a1b2c3``), which its own page
shows too ("Your tag in the class", and while it waits "Your tag"), so a teacher can let in the student who
reads out its tag, or remove those who misbehave, without anybody's name. **Let students in myself** makes
newcomers wait until the teacher lets them in (a waiting room: scripted joins of the code on the projector wait
there, beside the real students); **Seats** refuses joins beyond the number the teacher sets. A removed member
can no longer answer, follow or join the class again (the store refuses it), and several go at once. A cleared
round forgets the current question's answers and opens it again, so every member answers once more (after a
mistaken Ask, or to vote again from nothing).
"""

from __future__ import annotations

import hashlib

import streamlit as st

from explorer.classrooms.store import ClassError
from explorer.i18n import _, ngettext
from explorer.i18n.errors import message_of
from explorer.ui.classes.state import Teacher, joined, rooms, tab, teaching

PICK_KEY = "class_member_pick"
WAITING_PICK_KEY = "class_waiting_pick"
APPROVAL_KEY, CAP_KEY = "class_approval", "class_cap"
TAG_CHARS = 6


def tag(member: str) -> str:
    """A member's short tag: ``#`` and six hex digits of its id's SHA-256 (letters and digits a student reads out
    and Markdown shows as they are; the id itself, the credential, is never shown)."""
    return "#" + hashlib.sha256(member.encode("ascii", "replace")).hexdigest()[:TAG_CHARS]


def own_tag() -> None:
    """On a student's sidebar: the tag its teacher sees."""
    if joined(st.session_state):
        st.sidebar.caption(_("Your tag in the class: {tag}").format(tag=tag(tab(st.session_state).member)))


@st.fragment
def panel() -> None:
    """In the teacher's sidebar: who may come in (approval, seats), the waiting room, the members (remove many),
    and Clear the current question's answers. A fragment that runs again on its own Refresh (the teacher's bar
    counts those waiting live): a timer would redraw the lists under the teacher's pointer."""
    ss = st.session_state
    if not teaching(ss):
        return
    mine = _mine()
    code, token = mine.code, mine.token
    store = rooms()
    try:
        admission = store.admission(code, token)
        waiting = store.waiting(code, token) if admission.approval else []
        members = store.members(code, token)
        question = store.current_question(code)
    except ClassError as error:
        st.caption(message_of(error))
        return
    # The store's rules are the widgets' defaults (value=), never set through the session: a widget the browser
    # draws again from its element (the sidebar's expander redrawn under load) falls back to its default, and a
    # default of min_value sent back as a change once set a class's seats to 1 and turned students away.
    with st.expander(ngettext("{n} member", "{n} members", len(members)).format(n=len(members))):
        st.toggle(
            _("Let students in myself"), value=admission.approval, key=APPROVAL_KEY, on_change=_admission,
            help=_("Newcomers wait until you let them in; each reads out the tag its page shows."),
        )  # fmt: skip
        st.number_input(
            _("Seats"), min_value=1, max_value=store.limits.max_students, value=admission.cap, step=1, key=CAP_KEY,
            on_change=_admission,
            help=_("The class takes no more students than this."),
        )  # fmt: skip
        st.button(_("Refresh"), key="class_members_refresh", icon=":material/refresh:")  # reruns the fragment
        if waiting:
            st.markdown(ngettext("**{n} waiting**", "**{n} waiting**", len(waiting)).format(n=len(waiting)))
            chosen = _pick(WAITING_PICK_KEY, waiting, _("Waiting"))
            left, right = st.columns(2)
            left.button(_("Let in"), key="class_admit", on_click=_admit, args=(chosen,), disabled=not ss.get(chosen))
            right.button(
                _("Remove"), key="class_remove_waiting", on_click=_remove, args=(chosen,), disabled=not ss.get(chosen),
            )  # fmt: skip
            st.button(
                _("Remove everyone waiting"), key="class_remove_all_waiting", on_click=_remove_all, args=(waiting,)
            )
        if members:
            chosen = _pick(PICK_KEY, members, _("Members"))
            st.button(
                _("Remove from the class"), key="class_remove", on_click=_remove, args=(chosen,),
                disabled=not ss.get(chosen),
            )  # fmt: skip
        if question is not None:
            st.button(
                _("Clear the answers to question {n}").format(n=question.id), key="class_clear",
                on_click=_clear, args=(question.id,),
                help=_("Forget this question's answers and open it again: every member answers once more."),
            )  # fmt: skip


def _pick(key: str, ids: list[str], label: str) -> str:
    """A list of tags to pick many from (typed to search: a student reads its tag out): the widget's key. The key
    follows the list, so the panel's refresh leaves a list that did not change alone (its choice, an open
    dropdown), and a list that changed starts with nothing chosen."""
    tags = {member: tag(member) for member in ids}
    widget = f"{key}_{hashlib.sha256(' '.join(ids).encode('ascii', 'replace')).hexdigest()[:12]}"
    st.session_state[key] = widget  # (the tests find the widget by this)
    st.multiselect(label, list(tags), format_func=tags.__getitem__, key=widget, placeholder=_("Type or pick tags"))
    return widget


def _mine() -> Teacher:
    """The teacher's part of this session (the panel is a teacher's)."""
    return tab(st.session_state).teacher


def _problem(error: Exception) -> None:
    tab(st.session_state).problem = error if isinstance(error, ClassError) else None


def _admission() -> None:
    ss = st.session_state
    mine = _mine()
    try:
        rooms().set_admission(mine.code, mine.token, bool(ss.get(APPROVAL_KEY)), ss.get(CAP_KEY))
    except (ClassError, ValueError) as error:
        _problem(error)


def _admit(widget: str) -> None:
    ss, mine = st.session_state, _mine()
    chosen = ss.pop(widget, None) or []
    try:
        rooms().admit(mine.code, mine.token, chosen)
    except (ClassError, ValueError) as error:
        _problem(error)


def _remove(widget: str) -> None:
    ss = st.session_state
    _remove_all(ss.pop(widget, None) or [])


def _remove_all(members: list[str]) -> None:
    mine = _mine()
    try:
        rooms().remove_many(mine.code, mine.token, members)
    except (ClassError, ValueError) as error:
        _problem(error)


def _clear(question: int) -> None:
    mine = _mine()
    try:
        rooms().clear(mine.code, mine.token, question)
    except ClassError as error:
        _problem(error)
    except ValueError:
        return
