"""The teacher's hand on a class's members and rounds: how many joined, removing one, clearing a round.

Members are anonymous: each is shown by a short tag of its member id (``#a1b2c3``), which its own page
shows too ("Your tag in the class"), so a teacher can remove the one who misbehaves without anybody's
name. A removed member can no longer answer, follow or join the class again (the store refuses it). A
cleared round forgets the current question's answers and opens it again, so every member answers once
more (after a mistaken Ask, or to vote again from nothing).
"""

from __future__ import annotations

import streamlit as st

from explorer.classrooms.store import ClassError
from explorer.i18n import _, ngettext
from explorer.i18n.errors import message_of
from explorer.state import keys
from explorer.ui.classes.state import rooms, teaching

PICK_KEY = "class_member_pick"
TAG_CHARS = 6


def tag(member: str) -> str:
    """A member's short tag: ``#`` and the first hex digits of its (random) id."""
    return "#" + member[:TAG_CHARS]


def own_tag() -> None:
    """On a student's sidebar: the tag its teacher sees."""
    member = st.session_state.get(keys.CLASS_MEMBER)
    if member:
        st.sidebar.caption(_("Your tag in the class: {tag}").format(tag=tag(member)))


def panel() -> None:
    """In the teacher's sidebar: the count of members, Remove, and Clear the current question's answers."""
    ss = st.session_state
    if not teaching(ss):
        return
    code, token = ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN]
    try:
        members = rooms().members(code, token)
        question = rooms().current_question(code)
    except ClassError as error:
        st.caption(message_of(error))
        return
    with st.expander(ngettext("{n} member", "{n} members", len(members)).format(n=len(members))):
        if members:
            tags = {member: tag(member) for member in members}
            st.selectbox(
                _("Member"), list(tags), format_func=tags.__getitem__, key=PICK_KEY, index=None,
                placeholder=_("Pick a member's tag"),
            )  # fmt: skip
            st.button(_("Remove from the class"), key="class_remove", on_click=_remove, disabled=not ss.get(PICK_KEY))
        if question is not None:
            st.button(
                _("Clear the answers to question {n}").format(n=question.id), key="class_clear",
                on_click=_clear, args=(question.id,),
                help=_("Forget this question's answers and open it again: every member answers once more."),
            )  # fmt: skip


def _remove() -> None:
    ss = st.session_state
    member = ss.pop(PICK_KEY, None)
    if not isinstance(member, str):
        return
    try:
        rooms().remove(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN], member)
    except (ClassError, ValueError) as error:
        ss[keys.CLASS_PROBLEM] = error if isinstance(error, ClassError) else None


def _clear(question: int) -> None:
    ss = st.session_state
    try:
        rooms().clear(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN], question)
    except ClassError as error:
        ss[keys.CLASS_PROBLEM] = error
    except ValueError:
        return
