"""Live classes in the pages: "Start a class" and the teacher's room in the sidebar, "Join a class" on the
home page, the follower's banner, and the Decode page's questions (ask, answer, reveal).

Roles live in the session (explorer.state.keys CLASS_*): a teacher holds the class's code and its secret
token; a student holds the code and a member id, and follows the teacher or explores on its own.

- The teacher publishes: every page writes its view into the URL through explorer.state.link.publish,
  which tells `_published` here; a teacher's session sends that link (and Decode's open tab) to the room.
- A follower opens the teacher's link: `follow` (called by explorer.ui.frame.page before the page reads
  its URL) switches to the teacher's page and writes the teacher's link into the URL, so the page takes
  it as a link just opened and validates it like one. On the Decode page a small fragment polls the room
  every follow.POLL_SECONDS and draws the teacher's step from the decode the page already has (no page
  run); anything else the teacher changes reruns the follower's page once. A follower who moves a
  widget of its own is exploring on its own from then on (the page's publish tells).
- Everything the store returns went through its own validation; the teacher's link goes through the
  page's (parse_query). No student text exists: answers are option numbers, counted anonymously.
"""

from __future__ import annotations

import io
import time
import urllib.parse

import segno
import streamlit as st

from explorer.classes import follow
from explorer.classes.attempts import JoinAttempts
from explorer.classes.codes import new_member_id, normalise_code
from explorer.classes.export import questions_csv
from explorer.classes.store import PAGES, ClassError, NoSuchClass, NotTeacher, Question, StoreUnavailable, open_store
from explorer.i18n import N_, _, ngettext
from explorer.i18n.errors import message_of
from explorer.state import keys, link
from explorer.state.view import Note
from explorer.ui.markdown import escape_markdown

ROOM_PARAM = "room"  # the join link's query parameter: /?room=CODE
TEACHER_REFRESH_SECONDS = 2.0  # the teacher's room panel: counts and answers, live
KIND_LABELS = {
    "attend": N_("Where will the next token look? (click a source token)"),
    "token": N_("Which token comes next? (pick a candidate)"),
}


@st.cache_resource(show_spinner=False)
def _open_store():
    """One room store per server process: the embedded one, or Redis (ATTENTION_EXPLORER_REDIS_URL)."""
    return open_store()


def store():
    """The room store, or None after saying why it cannot be opened (a malformed Redis URL)."""
    try:
        return _open_store()
    except ValueError as error:
        st.error(_("Live classes are off: {error}").format(error=escape_markdown(str(error))))
        return None


# -- roles --------------------------------------------------------------------------------------
def teaching(session) -> bool:
    return bool(session.get(keys.CLASS_TOKEN) and session.get(keys.CLASS_CODE))


def joined(session) -> bool:
    return bool(session.get(keys.CLASS_MEMBER) and session.get(keys.CLASS_CODE)) and not teaching(session)


def following(session) -> bool:
    return joined(session) and bool(session.get(keys.CLASS_FOLLOWING))


def _leave(session, problem: ClassError | Note | None = None) -> None:
    """Forget the class (ended, expired, left); `problem` is shown once on the next run."""
    for key in (keys.CLASS_CODE, keys.CLASS_TOKEN, keys.CLASS_MEMBER, keys.CLASS_FOLLOWING, keys.CLASS_SEEN,
                keys.CLASS_HEARTBEAT, keys.CLASS_PUBLISHED):  # fmt: skip
        session.pop(key, None)
    if problem is not None:
        session[keys.CLASS_PROBLEM] = problem


def _show_problem(box=st) -> None:
    problem = st.session_state.pop(keys.CLASS_PROBLEM, None)
    if problem is not None:
        box.warning(message_of(problem))


# -- the teacher publishes ------------------------------------------------------------------------
def _decode_tab(session) -> str | None:
    """The name (explorer.ui.decode_sections.TABS) of the Decode tab the session has open."""
    from explorer.ui.decode_sections import TABS

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
    rooms = _open_store()
    try:
        rooms.publish(session[keys.CLASS_CODE], session[keys.CLASS_TOKEN], page, params)
    except StoreUnavailable as error:
        session[keys.CLASS_PROBLEM] = error
        return
    except (NotTeacher, NoSuchClass) as error:
        _leave(session, error)
        return
    session[keys.CLASS_PUBLISHED] = (page, params)


link.on_publish(_published)


# -- the sidebar ----------------------------------------------------------------------------------
def sidebar(page: str | None) -> None:
    """The sidebar's class section: "Start a class" on a view page; the teacher's room; a student's class."""
    ss = st.session_state
    if teaching(ss):
        _teacher_room()
    elif joined(ss):
        st.sidebar.caption(_("You are in class {code}.").format(code=ss[keys.CLASS_CODE]))
        st.sidebar.button(_("Leave the class"), key="class_leave", on_click=_leave_class)
    elif page in PAGES:
        st.sidebar.button(
            _("Start a class"),
            key="class_start",
            on_click=_start,
            help=_("Students join with a code, a link or a QR code and follow what you show, step by step."),
        )


def _start() -> None:
    rooms = _open_store()
    ss = st.session_state
    try:
        code, token = rooms.create()
    except ClassError as error:  # the server is full, or the store cannot be reached
        ss[keys.CLASS_PROBLEM] = error
        return
    _leave(ss)
    ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN] = code, token


def _end() -> None:
    ss = st.session_state
    try:
        _open_store().end(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN])
    except StoreUnavailable as error:
        ss[keys.CLASS_PROBLEM] = error
        return
    except ClassError:
        pass  # ended or expired already: forget it all the same
    _leave(ss)


def _leave_class() -> None:
    _leave(st.session_state)


def join_link(code: str) -> str:
    """The link that joins class `code`: this app's home page with ?room=CODE."""
    url = st.context.url or ""
    parts = urllib.parse.urlsplit(url)
    home = urllib.parse.urlunsplit((parts.scheme or "http", parts.netloc or "localhost:8501", "/", "", ""))
    return f"{home}?{urllib.parse.urlencode({ROOM_PARAM: code})}"


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
    url = join_link(code)
    box = st.sidebar.container(border=True)
    box.markdown(_("**Your class** · code **{code}**").format(code=code))
    box.image(qr_png(url, scale=6), width=200)
    box.code(url, language=None)
    if box.button(_("Show the code to the room"), key="class_show_code"):
        _show_code(code, url)
    with box:
        _room_panel()
    box.button(_("End the class"), key="class_end", on_click=_end, type="secondary")
    _show_problem(box)


@st.fragment(run_every=TEACHER_REFRESH_SECONDS)
def _room_panel() -> None:
    """Students following now, exploring on their own, and the answers per question; the CSV export.
    Refreshed every few seconds; it also keeps the class alive while the teacher's page is open."""
    ss = st.session_state
    if not teaching(ss):
        return
    rooms = _open_store()
    try:
        rooms.touch_teacher(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN])
        roster = rooms.roster(ss[keys.CLASS_CODE])
        asked = rooms.questions(ss[keys.CLASS_CODE])
    except StoreUnavailable as error:
        st.warning(message_of(error))
        return
    except ClassError as error:  # expired or ended elsewhere
        _leave(ss, error)
        st.rerun(scope="app")
    st.markdown(
        _("{following} following · {exploring} exploring on their own").format(
            following=roster.following, exploring=roster.exploring
        )
    )
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


# -- joining ---------------------------------------------------------------------------------------
def _attempts() -> JoinAttempts:
    ss = st.session_state
    if not isinstance(ss.get(keys.CLASS_ATTEMPTS), JoinAttempts):
        limits = _open_store().limits
        ss[keys.CLASS_ATTEMPTS] = JoinAttempts(limits.join_attempts, limits.join_window_seconds)
    return ss[keys.CLASS_ATTEMPTS]


def join(raw: object) -> ClassError | Note | None:
    """Join the class whose code is `raw` (as typed or from a link); None when joined, else the problem.
    Rate-limited per session; an unknown, ended or malformed code all get the same answer."""
    ss = st.session_state
    if teaching(ss):
        return Note(N_("You are teaching a class; end it before you join one."))
    attempts = _attempts()
    try:
        attempts.check()
    except ClassError as error:
        return error
    code = normalise_code(raw)
    member = ss.get(keys.CLASS_MEMBER) or new_member_id()
    try:
        if code is None:
            raise NoSuchClass
        _open_store().join(code, member)
    except NoSuchClass as error:
        attempts.failed()
        return error
    except ClassError as error:  # full, or the store cannot be reached: not the student's fault
        return error
    attempts.succeeded()
    _leave(ss)
    ss[keys.CLASS_CODE], ss[keys.CLASS_MEMBER], ss[keys.CLASS_FOLLOWING] = code, member, True
    return None


def join_box() -> None:
    """The home page's "Class code" box and "Join a class" button; a join link (?room=CODE) joins at once."""
    ss = st.session_state
    raw = st.query_params.get(ROOM_PARAM)
    if raw is not None:
        del st.query_params[ROOM_PARAM]
        problem = join(raw)
        if problem is None:
            st.rerun()  # follow at once: frame.page takes the student to the teacher's page
        st.warning(message_of(problem))
    if joined(ss) or teaching(ss):
        return
    st.subheader(_("Join a class"))
    code_box, button_box = st.columns([2, 1], vertical_alignment="bottom")
    code_box.text_input(
        _("Class code"), key=keys.CLASS_JOIN_CODE, max_chars=12, placeholder="ABC234",
        help=_("The six letters and digits your teacher shows."),
    )  # fmt: skip
    if button_box.button(_("Join a class"), key="class_join"):
        problem = join(ss.get(keys.CLASS_JOIN_CODE, ""))
        if problem is None:
            st.rerun()
        st.warning(message_of(problem))


# -- following -------------------------------------------------------------------------------------
def _poll(session):
    """(the teacher's view or None, a problem to show or None). Tells the room this member is here
    (at most every follow.HEARTBEAT_SECONDS); forgets a class that ended or expired."""
    rooms = _open_store()
    code, member = session[keys.CLASS_CODE], session[keys.CLASS_MEMBER]
    try:
        now = time.monotonic()
        if now - session.get(keys.CLASS_HEARTBEAT, 0.0) >= follow.HEARTBEAT_SECONDS:
            rooms.heartbeat(code, member, bool(session.get(keys.CLASS_FOLLOWING)))
            session[keys.CLASS_HEARTBEAT] = now
        return rooms.view(code), None
    except StoreUnavailable as error:
        return None, error
    except ClassError as error:
        _leave(session, Note(N_("The class {code} has ended."), code=code) if isinstance(error, NoSuchClass) else error)
        return None, error


def follow_page(page: str | None) -> None:
    """Before a page reads its URL: a follower goes to the teacher's page and view; the banner says whom
    it follows and whether it is live, with "Explore on my own" / "Follow the teacher"."""
    ss = st.session_state
    _show_problem()
    if not joined(ss):
        return
    if not ss.get(keys.CLASS_FOLLOWING):
        _exploring_banner()
        return
    view, problem = _poll(ss)
    if not joined(ss):  # the class ended
        st.rerun()
    if view is not None and view.page in follow.PAGE_FILES:
        wanted = follow.link_of(view)
        if view.page != page:
            ss[keys.CLASS_SEEN] = view
            st.switch_page(follow.PAGE_FILES[view.page], query_params={**wanted, **link.beside_view(ss)})
        if link.flat(st.query_params.to_dict()) != wanted or ss.get(keys.page_url(page)) != wanted:
            ss.pop(keys.page_url(page), None)  # the page takes the URL for a link just opened
            st.query_params.from_dict({**wanted, **link.beside_view(ss)})
        ss[keys.CLASS_SEEN] = view
    if page != "decode":  # the Decode page polls in its own fragment, which draws the teacher's steps
        _follower_poller(problem)


def _status(problem: ClassError | None) -> None:
    ss = st.session_state
    code = ss.get(keys.CLASS_CODE, "")
    if problem is not None:
        st.warning(
            _("Following the teacher of class {code} · not live: {problem}").format(
                code=code, problem=message_of(problem)
            )
        )
    elif ss.get(keys.CLASS_SEEN) is None:
        st.info(_("Following the teacher of class {code} · waiting for the teacher to open a page.").format(code=code))
    else:
        st.success(_("Following the teacher of class {code} · live").format(code=code), icon="📡")
    st.button(_("Explore on my own"), key="class_explore", on_click=_explore)


def _explore() -> None:
    st.session_state[keys.CLASS_FOLLOWING] = False
    st.session_state[keys.CLASS_HEARTBEAT] = 0.0  # counted as exploring at once


def _follow_again() -> None:
    ss = st.session_state
    ss[keys.CLASS_FOLLOWING] = True
    ss[keys.CLASS_HEARTBEAT] = 0.0
    ss.pop(keys.CLASS_SEEN, None)


@st.fragment(run_every=follow.POLL_SECONDS)
def _follower_poller(first_problem: ClassError | None = None) -> None:
    """Any page but Decode: the banner, and a rerun of the page when the teacher's view moves."""
    ss = st.session_state
    if not following(ss):
        st.rerun(scope="app")
    view, problem = _poll(ss)
    if not joined(ss) or follow.change(ss.get(keys.CLASS_SEEN), view) != "same":
        st.rerun(scope="app")
    _status(problem or first_problem)


@st.fragment(run_every=follow.EXPLORING_POLL_SECONDS)
def _exploring_banner() -> None:
    """While exploring: counted in the room, and a way back."""
    ss = st.session_state
    if not joined(ss) or following(ss):
        st.rerun(scope="app")
    _view, problem = _poll(ss)
    if not joined(ss):
        st.rerun(scope="app")
    code = ss.get(keys.CLASS_CODE, "")
    message = _("Class {code}: you are exploring on your own.").format(code=code)
    if problem is not None:
        message += " " + message_of(problem)
    st.info(message, icon="🧭")
    st.button(_("Follow the teacher"), key="class_follow", on_click=_follow_again)


def decode_follower(data, translator, n: int) -> None:
    """The Decode page of a follower: the teacher's step drawn from this decode, polled in a fragment
    (a teacher's step costs a fragment run, not a page run), and the teacher's question when one is open."""
    from explorer.ui import decode_sections as ui
    from explorer.views import decode as dv

    ss = st.session_state

    @st.fragment(run_every=follow.POLL_SECONDS)
    def followed() -> None:
        if not following(ss):
            st.rerun(scope="app")
        view, problem = _poll(ss)
        if not joined(ss) or follow.change(ss.get(keys.CLASS_SEEN), view) == "view":
            st.rerun(scope="app")
        if view is not None:
            ss[keys.CLASS_SEEN] = view
            ss[keys.DECODE_STEP] = follow.step_of(view, n)
            dv.publish(ss, st.query_params)
        _status(problem)
        step = ss.get(keys.DECODE_STEP, 0)
        merged = ui.words_sides(translator)
        ui.output_so_far(data, step, translator)
        ui.heatmap(data, step, False, translator, merged)
        _answer_panel(data)

    followed()


# -- questions -------------------------------------------------------------------------------------
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
                _open_store().ask(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN], asked.kind, asked.step,
                                  asked.options, asked.right, asked.weights)  # fmt: skip
            except ClassError as error:
                st.warning(message_of(error))
        if asked is None:
            st.caption(_("There is no next step to ask about (the decode is over, or this model has no attention)."))


def question_panel() -> None:
    """The teacher's open question: its answers coming in, live, and Reveal."""
    if teaching(st.session_state):
        _teacher_question()


@st.fragment(run_every=1.0)
def _teacher_question() -> None:
    """The open question's answers, live; Reveal shows them beside the model's answer."""
    ss = st.session_state
    if not teaching(ss):
        return
    try:
        question = _open_store().current_question(ss[keys.CLASS_CODE])
    except ClassError as error:
        st.warning(message_of(error))
        return
    if question is None:
        return
    if not question.revealed:
        st.metric(_("Answers to question {id}").format(id=question.id), question.answers)
        st.button(_("Reveal"), key="class_reveal", on_click=_reveal, args=(question.id,))
        return
    _revealed(question, None)


def _answer_panel(data) -> None:
    """A follower's side of the open question: answer once (a source token or a candidate), then the reveal."""
    ss = st.session_state
    rooms = _open_store()
    code, member = ss[keys.CLASS_CODE], ss[keys.CLASS_MEMBER]
    try:
        question = rooms.current_question(code)
        mine = rooms.answered(code, question.id, member) if question is not None else None
    except ClassError:
        return  # the banner says what is wrong
    if question is None:
        return
    with st.container(border=True):
        st.markdown(f"**{_(KIND_LABELS.get(question.kind, KIND_LABELS['token']))}**")
        if question.revealed:
            _revealed(question, mine)
        elif mine is not None:
            st.info(
                _("Your answer: {option}. Wait for the teacher to reveal.").format(
                    option=escape_markdown(question.options[mine])
                )
            )
        else:
            labels = {i: option for i, option in enumerate(question.options)}
            key = f"{keys.CLASS_ANSWER}_{question.id}"
            st.pills(
                _("Your answer"), list(labels), format_func=labels.__getitem__, key=key,
                on_change=_answer, args=(question.id, key),
            )  # fmt: skip


def _answer(question: int, key: str) -> None:
    """The answer buttons' callback: the option clicked, counted once (the store refuses a second)."""
    ss = st.session_state
    choice = ss.get(key)
    if choice is None or not joined(ss):
        return
    try:
        _open_store().answer(ss[keys.CLASS_CODE], question, ss[keys.CLASS_MEMBER], int(choice))
    except ClassError as error:
        ss[keys.CLASS_PROBLEM] = error


def _reveal(question: int) -> None:
    ss = st.session_state
    try:
        _open_store().reveal(ss[keys.CLASS_CODE], ss[keys.CLASS_TOKEN], question)
    except ClassError as error:
        ss[keys.CLASS_PROBLEM] = error


def _revealed(question: Question, mine: int | None) -> None:
    """The class's answers beside the model's, as a histogram over the options, and the share who were right."""
    from explorer.figures.bars import class_answers

    rows = follow.reveal_rows(question)
    share = question.share_right()
    right = ", ".join(question.options[i] for i in question.right)
    st.markdown(_("The model's answer: **{right}**").format(right=escape_markdown(right)))
    if share is None:
        st.caption(_("Nobody answered."))
    else:
        st.markdown(
            ngettext("{share} of {n} answer was right.", "{share} of {n} answers were right.", question.answers).format(
                share=f"{share:.0%}", n=question.answers
            )
        )
    if mine is not None:
        st.caption(_("You were right.") if mine in question.right else _("You were not right this time."))
    figure = class_answers(rows, question.kind)
    st.plotly_chart(figure, config={"displayModeBar": False}, key=f"class_reveal_{question.id}")
