"""Live classes, the teacher's side: "Start a class" in the sidebar, the class's code, link and QR code, the room
(students following and exploring, the answers, the CSV), "End the class", and on the Decode page "Ask the
class" and "Reveal".

The teacher publishes: every page writes its view into the URL through explorer.state.link.publish, which
tells `_published` here; a teacher's session sends that link (and Decode's open tab) to the room, where
the students' pages open it (explorer.ui.class_student).
"""

from __future__ import annotations

import functools
import io

import segno
import streamlit as st

from explorer.classes import follow
from explorer.classes.export import questions_csv
from explorer.classes.store import PAGES, ClassError, NoSuchClass, NotTeacher, StoreUnavailable
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import keys, link
from explorer.state.view import Note
from explorer.ui.class_state import (
    KIND_LABELS,
    client,
    joined,
    leave,
    rooms,
    show_problem,
    show_reveal,
    teaching,
    usable,
)
from explorer.ui.decode_sections import TABS

LOCAL_ONLY = N_(
    "This link opens only on this computer: the app listens on it alone. For students' devices, start the app "
    "with `make run ADDRESS=0.0.0.0` and open it by this computer's network address."
)
TEACHER_REFRESH_SECONDS = 3.0  # the teacher's room panel: counts and answers, live
QUESTION_REFRESH_SECONDS = 1.0  # an open question's answers coming in


def _decode_tab(session) -> str | None:
    """The name (explorer.ui.decode_sections.TABS) of the Decode tab the session has open."""
    opened = session.get(keys.DECODE_TABS)
    names = {_(label): name for name, label in TABS.items()}
    return names.get(opened) if opened is not None else None


def _published(session, page: str, wanted: dict[str, str]) -> None:
    """explorer.state.link's listener: a teacher's page view goes to the room; a follower whose own page
    view left the teacher's (it moved a widget) is exploring on its own from now on."""
    if joined(session) and session.get(keys.CLASS_FOLLOWING):
        seen = session.get(keys.CLASS_SEEN)
        if seen is not None and seen.page == page and follow.link_of(seen) != dict(wanted):
            session[keys.CLASS_FOLLOWING] = False
            session[keys.CLASS_PROBLEM] = Note(
                N_("You changed the view, so you are exploring on your own. “Follow the teacher” takes you back.")
            )
        return
    if not teaching(session) or page not in PAGES:
        return
    params = follow.published(wanted, _decode_tab(session) if page == "decode" else None)
    if session.get(keys.CLASS_PUBLISHED) == (page, params):
        return
    store = rooms()
    try:
        store.publish(session[keys.CLASS_CODE], session[keys.CLASS_TOKEN], page, params)
    except StoreUnavailable as error:
        session[keys.CLASS_PROBLEM] = error
        return
    except (NotTeacher, NoSuchClass) as error:
        leave(session, error)
        return
    session[keys.CLASS_PUBLISHED] = (page, params)


link.on_publish(_published)


# -- the sidebar ----------------------------------------------------------------------------------
def sidebar(page: str | None) -> None:
    """The sidebar's class section: "Start a class" on a view page (`page`: its class name); the teacher's room."""
    ss = st.session_state
    if teaching(ss):
        _teacher_room()
    elif page in PAGES and not joined(ss) and usable(st.sidebar):
        st.sidebar.button(
            _("Start a class"),
            key="class_start",
            on_click=_start,
            help=_("Students join with a code, a link or a QR code and follow what you show, step by step."),
        )


def _start() -> None:
    store = rooms()
    ss = st.session_state
    try:
        code, token = store.create(client())
    except ClassError as error:  # the server is full, or the store cannot be reached
        ss[keys.CLASS_PROBLEM] = error
        return
    leave(ss)
    ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN] = code, token


def _end() -> None:
    ss = st.session_state
    try:
        rooms().end(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN])
    except StoreUnavailable as error:
        ss[keys.CLASS_PROBLEM] = error
        return
    except ClassError:
        pass  # ended or expired already: forget it all the same
    leave(ss)


def join_link(code: str) -> tuple[str, bool]:
    """(the link that joins class `code`: this app's home page with ?room=CODE, whether students can open it)."""
    listening = str(st.get_option("server.address") or "")
    return follow.join_url(st.context.url or "", code, listening, follow.lan_address())


@functools.lru_cache(maxsize=64)  # drawn on every run of the teacher's page: the same link each time
def qr_png(text: str, scale: int = 12) -> bytes:
    """`text` as a QR code PNG (segno), `scale` pixels a module: scale 12 is about 450 px for a join link."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def _show_code(code: str, url: str) -> None:
    """A dialog with the code, the link and a QR code big enough to scan from the back of a room (700 px)."""

    def body() -> None:
        st.markdown(f"# {code}")  # only letters and digits of the code alphabet
        st.image(qr_png(url, scale=18), width=700)
        st.code(url, language=None)

    st.dialog(_("Join the class"), width="large")(body)()  # titled in this run's language


def _teacher_room() -> None:
    ss = st.session_state
    code = ss[keys.CLASS_CODE]
    url, reachable = join_link(code)
    box = st.sidebar.container(border=True)
    box.markdown(_("**Your class** · code **{code}**").format(code=code))
    if not reachable:
        box.warning(_(LOCAL_ONLY))
    box.image(qr_png(url, scale=6), width=200)
    box.code(url, language=None)
    if box.button(_("Show the code to the room"), key="class_show_code"):
        _show_code(code, url)
    with box:
        _room_panel()
    box.button(_("End the class"), key="class_end", on_click=_end, type="secondary")
    show_problem(box)


@st.fragment(run_every=TEACHER_REFRESH_SECONDS)
def _room_panel() -> None:
    """Students following now, exploring on their own, and the answers per question; the CSV export.
    Refreshed every few seconds; it also keeps the class alive while the teacher's page is open."""
    ss = st.session_state
    if not teaching(ss):
        return
    store = rooms()
    try:
        store.touch_teacher(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN])
        roster = store.roster(ss[keys.CLASS_CODE])
        locked = store.presence(ss[keys.CLASS_CODE]).locked
        asked = store.questions(ss[keys.CLASS_CODE])
    except StoreUnavailable as error:
        st.warning(message_of(error))
        return
    except ClassError as error:  # expired or ended elsewhere
        leave(ss, error)
        st.rerun(scope="app")
    st.markdown(
        _("{following} following · {exploring} exploring on their own").format(
            following=roster.following, exploring=roster.exploring
        )
    )
    _lock_button(locked)
    if asked:
        rows = [
            {
                _("question"): q.id,
                _("answers"): q.answers,
                _("right"): "" if q.share_right() is None else f"{q.share_right():.0%}",
            }
            for q in asked
        ]
        st.dataframe(rows, hide_index=True)
        st.download_button(
            _("Download the answers (CSV)"),
            questions_csv(asked),
            file_name=f"class-{ss[keys.CLASS_CODE]}.csv",
            mime="text/csv",
            key="class_csv",
        )


def _lock_button(locked: bool) -> None:
    """Lock (no newcomers; the students inside stay, and a reload gets back in) or Unlock, with the state."""
    if locked:
        st.caption(_(":material/lock: Locked: nobody new can join."))
        st.button(_("Unlock the class"), key="class_unlock", on_click=_lock, args=(False,))
    else:
        st.button(
            _("Lock the class"), key="class_lock", on_click=_lock, args=(True,),
            help=_("Nobody new can join; students already in stay, and get back in after a reload."),
        )  # fmt: skip


def _lock(locked: bool) -> None:
    ss = st.session_state
    try:
        rooms().lock(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN], locked)
    except ClassError as error:
        ss[keys.CLASS_PROBLEM] = error


def ask_button(data, step: int) -> None:
    """The teacher's "Ask the class" at the Decode step shown (inside the page's step fragment, so it asks
    about the step the teacher sees): the question's kind and the button."""
    ss = st.session_state
    if not teaching(ss):
        return
    with st.container(border=True):
        st.markdown(_("**Ask the class** before the next step"))
        kinds = {kind: _(label) for kind, label in KIND_LABELS.items()}
        kind = st.radio(
            _("Question"), list(kinds), key=keys.CLASS_ASK_KIND, format_func=kinds.__getitem__, horizontal=True
        )
        asked = follow.question_for(data, step, kind)
        if st.button(_("Ask the class"), key="class_ask", disabled=asked is None):
            try:
                rooms().ask(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN], asked.kind, asked.step,
                                  asked.options, asked.right, asked.weights)  # fmt: skip
            except ClassError as error:
                st.warning(message_of(error))
            else:
                st.rerun()  # the whole page: the question panel counts the answers live from now on
        if asked is None:
            st.caption(_("There is no next step to ask about (the decode is over, or this model has no attention)."))


def question_panel() -> None:
    """The teacher's open question: its answers coming in, live (every QUESTION_REFRESH_SECONDS while it
    is open: no timer otherwise, so nothing reruns beside the teacher's own clicks), and Reveal."""
    ss = st.session_state
    if not teaching(ss):
        return
    question = _current_question()
    open_now = question is not None and not question.revealed
    st.fragment(run_every=QUESTION_REFRESH_SECONDS if open_now else None)(_teacher_question)(open_now)


def _current_question():
    ss = st.session_state
    try:
        return rooms().current_question(ss[keys.CLASS_CODE])
    except ClassError as error:
        st.warning(message_of(error))
        return None


def _teacher_question(was_open: bool) -> None:
    """The open question's answers; Reveal shows them beside the model's answer."""
    ss = st.session_state
    if not teaching(ss):
        return
    question = _current_question()
    if (question is not None and not question.revealed) != was_open:
        st.rerun(scope="app")  # asked or revealed: the timer starts or stops with a full run
    if question is None:
        return
    if not question.revealed:
        st.metric(_("Answers to question {id}").format(id=question.id), question.answers)
        st.button(_("Reveal"), key="class_reveal", on_click=_reveal, args=(question.id,))
        return
    show_reveal(question, None)


def _reveal(question: int) -> None:
    ss = st.session_state
    try:
        rooms().reveal(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN], question)
    except ClassError as error:
        ss[keys.CLASS_PROBLEM] = error
