"""Live classes, the students' side: "Join a class" on the home page (or a join link), following the teacher
(the banner that says whom and whether live; "Explore on my own", "Follow the teacher", "Leave the class"),
and the Decode follower (its fragment draws the teacher's steps; the banner and the question's panel are the whole
page's, answering a question: explorer.ui.classes.answers).

A follower opens the teacher's link: `follow_page` (called by explorer.ui.frame.page before the page reads
its URL) switches to the teacher's page and writes the teacher's link into the URL, so the page takes it
as a link just opened and validates it like one. The follower's fragment holds the class_follow component
(explorer.ui.classes.push), which listens to the room's event stream: on Decode it draws each of the
teacher's steps in the browser (no Python run); anything else the teacher changes reruns the fragment
once, and a new page or view reruns the follower's page. With ATTENTION_EXPLORER_CLASS_PUSH=0 the
fragment polls the room every follow.POLL_SECONDS instead. A session is one member for its whole life
(joining again after leaving, or by the link again, is the same member). A follower who moves a widget
of its own is exploring on its own from then on (explorer.ui.classes.teacher's publish listener tells). No
student text exists: answers are option numbers, counted anonymously.
"""

from __future__ import annotations

import time

import streamlit as st

from explorer.classrooms import follow
from explorer.classrooms.attempts import JoinAttempts
from explorer.classrooms.codes import normalise_code
from explorer.classrooms.store import ClassError, CookiesNeeded, NoSuchClass, Presence, StoreUnavailable, Waiting
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import keys, link, owner
from explorer.ui.classes import members as class_members
from explorer.ui.classes import push as class_push
from explorer.ui.classes.answers import answer_panel, current_question
from explorer.ui.classes.memory import browser_member, in_browser
from explorer.ui.classes.state import (
    Student,
    client,
    following,
    ids,
    joined,
    keeper,
    leave,
    peek,
    rooms,
    show_problem,
    tab,
    teaching,
    usable,
)
from explorer.ui.common import sharing
from explorer.ui.decode import sections as decode_sections
from explorer.views import decode as decode_view
from explorer.views.decode import TABS
from seq2seq.inputs import MAX_OUTPUT_TOKENS
from seq2seq.messages import Message


def _attempts() -> JoinAttempts:
    mine = tab(st.session_state)
    if not isinstance(mine.attempts, JoinAttempts):
        limits = rooms().limits
        mine.attempts = JoinAttempts(limits.join_attempts, limits.join_window_seconds)
    return mine.attempts


def _mine() -> Student:
    """The student's part of this session (in a member's sections, callbacks and fragments)."""
    return tab(st.session_state).student


WAIT_POLL_SECONDS = 3.0  # a waiting page asks this often (and is seen: its place in the waiting room stays)


def _member(session) -> str | None:
    """This session's member id: the one it had, or the one the server issued this browser (its HttpOnly cookie);
    a run without a browser (AppTest's: no request, no cookie) gets a fresh one the server issues now. Never the
    client's word. None: the store cannot be reached (`ids`), or a browser sent no cookie (`join` says which)."""
    member = (found.member if (found := peek(session)) is not None else None) or browser_member()
    if member is None and not in_browser() and (issued := ids()) is not None:
        member = issued.issue()
    return member


def join(raw: object) -> ClassError | Message | None:
    """Join the class whose code is `raw` (as typed or from a link); None when joined, else the problem (Waiting:
    the class's teacher lets newcomers in, and this session waits, `waiting_room`).
    Rate-limited per session; an unknown, ended or malformed code all get the same answer."""
    ss = st.session_state
    if teaching(ss):
        return Message(N_("You are teaching a class; end it before you join one."))
    attempts = _attempts()
    try:
        attempts.check()
    except ClassError as error:
        return error
    code = normalise_code(raw)
    # One session is one member for its whole life: leaving and joining again (or a join link opened again)
    # is the same member, with the answers it gave, never a fresh one who votes again.
    member = _member(ss)
    if member is None:  # the store away, or a browser that keeps no cookie: its stream would be refused for ever
        return StoreUnavailable() if ids() is None else CookiesNeeded()
    mine = tab(ss)
    mine.member = member
    try:
        rooms().join(raw, member, client(), strikes=attempts.strikes())  # the store counts a wrong code
    except NoSuchClass as error:
        attempts.failed()
        return error
    except Waiting as error:
        mine.waiting = code
        return error
    except ClassError as error:  # full, or the store cannot be reached: not the student's fault
        mine.waiting = None
        return error
    attempts.succeeded()
    leave(ss)
    mine.waiting = None
    mine.join(code, member)
    return None


@st.fragment(run_every=WAIT_POLL_SECONDS)
def waiting_room() -> None:
    """A newcomer waiting for its teacher to let it in: its tag (which the teacher's list shows), asked again
    every WAIT_POLL_SECONDS; in as soon as the teacher admits it."""
    ss = st.session_state
    _page_fragment("waiting")
    mine = tab(ss)
    code = mine.waiting
    if code is None or joined(ss):
        return
    problem = join(code)
    if problem is None:
        st.rerun(scope="app")  # in: follow the teacher
    if not isinstance(problem, Waiting):
        mine.waiting, mine.link_problem = None, problem
        st.rerun(scope="app")
    st.info(
        message_of(problem) + " " + _("Your tag: {tag}").format(tag=class_members.tag(mine.member)),
        icon=":material/hourglass_top:",
    )
    st.button(_("Stop waiting"), key="class_stop_waiting", on_click=_stop_waiting)


def _stop_waiting() -> None:
    tab(st.session_state).waiting = None


def join_from_link() -> None:
    """A join link (?room=CODE) joins at once, before the page draws anything (then follows the teacher).

    A link that cannot join (a mistyped, ended or locked class) says why, and keeps saying it on the page's
    next runs (the link itself is gone from the address bar by then: a component's first value reruns the
    page at once), until a join succeeds or the Join a class box is used."""
    ss = st.session_state
    if not usable():  # a malformed Redis URL: the page says so instead
        return
    raw = st.query_params.get(follow.ROOM_PARAM)
    if raw is not None:
        del st.query_params[follow.ROOM_PARAM]
        problem = join(raw)
        if problem is None or isinstance(problem, Waiting):
            tab(ss).link_problem = None
            st.rerun()  # follow at once (frame.page takes the student to the teacher's page), or wait
        tab(ss).link_problem = problem
    problem = found.link_problem if (found := peek(ss)) is not None else None
    if problem is not None and not joined(ss):
        st.warning(message_of(problem), icon=":material/link_off:")


def join_box(heading: bool = True) -> None:
    """The home page's "Class code" box and "Join a class" button (`heading`: under a subheader of its own)."""
    ss = st.session_state
    if joined(ss) or teaching(ss) or not usable():
        return
    if (found := peek(ss)) is not None and found.waiting:
        waiting_room()
        return
    if heading:
        st.subheader(_("Join a class"))
    else:
        st.markdown(_("**Join** your teacher's class"))
    code_box, button_box = st.columns([3, 2], vertical_alignment="bottom")
    code_box.text_input(
        _("Class code"), key=keys.CLASS_JOIN_CODE, max_chars=12, placeholder="ABC234",
        help=_("The six letters and digits your teacher shows."),
    )  # fmt: skip
    if button_box.button(_("Join a class"), key="class_join"):
        problem = join(ss.get(keys.CLASS_JOIN_CODE, ""))
        tab(ss).link_problem = None  # the box answers for itself now
        if problem is None or isinstance(problem, Waiting):
            st.rerun()
        st.warning(message_of(problem))


def _poll(session):
    """(the teacher's view or None, a problem to show or None). Tells the room this member is here
    (at most every follow.HEARTBEAT_SECONDS); forgets a class that ended or expired."""
    store, mine = rooms(), tab(session)
    student, code, member = mine.student, mine.student.code, mine.member
    try:
        now = time.monotonic()
        if now - student.heartbeat >= follow.HEARTBEAT_SECONDS:
            try:
                presence = store.heartbeat(code, member, student.following)
            except NoSuchClass:  # away long enough to have given its place (Limits.gone_seconds): back in
                store.join(code, member, client())
                presence = store.heartbeat(code, member, student.following)
            student.heartbeat, student.presence = now, presence
        return store.view(code), None
    except StoreUnavailable as error:
        return None, error
    except ClassError as error:
        leave(
            session, Message(N_("The class {code} has ended."), code=code) if isinstance(error, NoSuchClass) else error
        )
        return None, error


def to_teachers_page(page: str | None) -> None:
    """A following student on `page` (a view name, or None for a page no class shows) whose teacher is on another
    page goes there now, before this page draws anything; any other run goes on (follow_page does the rest). The
    room is read again there: a move that comes in between is followed there, as before."""
    ss = st.session_state
    if not joined(ss) or not _mine().following:
        return
    view, _problem = _poll(ss)
    if view is None or view.page not in follow.PAGE_FILES or view.page == page or not joined(ss):
        return
    _follow_lesson(ss, follow.lesson_of(view))  # the teacher's lesson and step, before its page opens with them
    _mine().opened = False
    _to_page(ss, view)


def _to_page(session, view) -> None:
    """Open the teacher's `view` on its page (this run ends here)."""
    _mine().seen = view
    st.switch_page(follow.PAGE_FILES[view.page], query_params={**follow.link_of(view), **link.beside_view(session)})


def follow_page(page: str | None) -> None:
    """Before a page reads its URL: a follower goes to the teacher's page and view; the banner says whom
    it follows and whether it is live, with "Explore on my own" / "Follow the teacher"."""
    ss = st.session_state
    ss[DRAWN] = set()  # a whole run: the fragments it draws are noted as they are drawn (_page_fragment)
    show_problem()
    if not joined(ss):
        return
    _hold_seat(ss)
    st.sidebar.caption(_("You are in class {code}.").format(code=_mine().code))
    class_members.own_tag()
    st.sidebar.button(_("Leave the class"), key="class_leave", on_click=_leave_class)
    with st.sidebar:
        _runs_on_reconnect()
    if not _mine().following:
        _exploring_banner()
        return
    view, problem = _poll(ss)
    if not joined(ss):  # the class ended
        st.rerun()
    if view is not None:  # the teacher's lesson and step are the follower's (before its page opens with them)
        _follow_lesson(ss, follow.lesson_of(view))
    _mine().opened = False
    if view is not None and view.page in follow.PAGE_FILES:
        wanted = follow.link_of(view)
        if view.page != page:  # the teacher moved again since to_teachers_page read the room
            _to_page(ss, view)
        if link.flat(st.query_params.to_dict()) != wanted or ss.get(keys.page_url(page)) != wanted:
            owner.reopen(ss)  # the page takes the URL for a link just opened
            st.query_params.from_dict({**wanted, **link.beside_view(ss)})
            _mine().opened = True  # what the page publishes now is its reading of the teacher's view (send_view)
        _mine().seen = view
        if page == "decode":
            _open_teachers_tab(view)
    if page != "decode":  # the Decode page follows in its own fragment, which draws the teacher's steps
        if class_push.enabled():
            _follower_pushed(view, problem)
        else:
            _follower_poller(problem)


# A page whose replica died reconnects to another, to a new session that has not run: a click there is its first
# run, before the tab memory has read the class back (explorer.ui.classes.memory), and Streamlit calls no widget's
# callback in a session's first run (none is registered yet), so "Explore on my own" or an answer did nothing
# (tests/e2e/test_class_failover_browser). Streamlit's page runs its script again as soon as its websocket
# reconnects when it has a fragment on a timer (the frontend's handleConnectionStateChanged: autoRerunIntervals),
# so a member's page has one, which draws nothing and runs on its own this rarely.
RECONNECT_FRAGMENT_SECONDS = 600


@st.fragment(run_every=RECONNECT_FRAGMENT_SECONDS)
def _runs_on_reconnect() -> None:
    """Nothing: its timer makes the page run again when it reconnects to a new session (above)."""


def _hold_seat(session) -> None:
    """This page holds its member's seat while it is open (explorer.classrooms.seats: the server's heartbeat for
    each live page; a page gone loses its seat after the store's grace)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        keeper().hold(ctx.session_id, tab(session).student.code, tab(session).member, following(session))


def _follow_lesson(session, params: dict[str, str]) -> None:
    """The lesson the teacher runs, at the teacher's step (none when the teacher runs none)."""
    from explorer.lessons import player  # the lessons' catalog is read only where a class runs one
    from explorer.lessons.listing import catalog

    if params or player.where(session).lesson is not None:
        player.follow_class(session, params, catalog()[0])


def question_moved(question) -> bool:
    """Whether the class's question (asked, revealed, replaced) is not the one the page's answer panel (the
    lesson's docked panel, explorer.ui.lessons.dock, or Decode's under the heatmap) was drawn with: the page must
    run again to show it there."""
    now = (question.id, question.revealed) if question is not None else None
    return tab(st.session_state).dock_question != now


def lesson_question_moved(question) -> bool:
    """Whether a lesson runs and its docked panel shows another question than the class's (question_moved)."""
    return owner.own(st.session_state, "lessons").get("lesson") is not None and question_moved(question)


def dock_drew(question) -> None:
    """The page's answer panel was drawn with the class's `question` (or None)."""
    tab(st.session_state).dock_question = (question.id, question.revealed) if question is not None else None


def _open_teachers_tab(view) -> None:
    """Decode's tab below the heatmap: the teacher's open one is open here too (a follower sees its name; its
    tools, whose choices are the teacher's own, open when the student explores)."""
    tab = follow.tab_of(view, list(TABS))
    if tab is not None:
        st.session_state[keys.DECODE_TABS] = _(TABS[tab])


def _teachers_tab_caption(view) -> None:
    tab = follow.tab_of(view, list(TABS)) if view is not None else None
    if tab is not None and tab != next(iter(TABS)):  # the first is open unless the teacher opens another
        st.caption(
            _("The teacher has “{tab}” open below the heatmap: explore on your own to use it.").format(tab=_(TABS[tab]))
        )


def _leave_class() -> None:
    leave(st.session_state)


def teacher_away(session) -> bool:
    """Whether the member's last heartbeat found the teacher's page gone (explorer.classrooms.store.Presence)."""
    presence = tab(session).student.presence if joined(session) else None
    return isinstance(presence, Presence) and not presence.teacher_here


def status_said(problem: ClassError | None) -> tuple[str, ...]:
    """What the banner says for `problem` (None: none), in short: not live and why, the teacher away, waiting for
    the teacher, or live."""
    if problem is not None:
        return ("not live", message_of(problem))
    if teacher_away(st.session_state):
        return ("away",)
    return ("waiting",) if _mine().seen is None else ("live",)


def _status(problem: ClassError | None) -> None:
    ss = st.session_state
    code = _mine().code
    _mine().banner = status_said(problem)
    if problem is not None:
        st.warning(
            _("Following the teacher of class {code} · not live: {problem}").format(
                code=code, problem=message_of(problem)
            )
        )
    elif teacher_away(ss):
        st.warning(
            _("Following the teacher of class {code} · the teacher is away: you keep the last view.").format(code=code),
            icon=":material/person_off:",
        )
    elif _mine().seen is None:
        st.info(_("Following the teacher of class {code} · waiting for the teacher to open a page.").format(code=code))
    else:
        st.success(_("Following the teacher of class {code} · live").format(code=code), icon=":material/sensors:")
    st.button(_("Explore on my own"), key="class_explore", on_click=_explore)


def _explore() -> None:
    """Explore on my own, from where the student is: on Decode the teacher's steps reach the page in the browser
    (pushed, no run), so the session's own step is the one it last ran with; the step the page shows is the
    room's, taken here as the session's step (issue 61: it used to start at step 0)."""
    ss = st.session_state
    if not joined(ss):  # the class ended as the button was pressed: the page says so on this run
        return
    mine = _mine()
    mine.following = False
    mine.heartbeat = 0.0  # counted as exploring at once
    try:
        now = rooms().view(mine.code)
    except ClassError:  # the store away, the class ended: the banner says so on this run
        return
    if now is not None and now.page == "decode" and follow.change(mine.seen, now) == "step":
        mine.seen = now
        owner.propose(ss, {"step": follow.step_of(now, MAX_OUTPUT_TOKENS)})  # the page fits it to its decode


def _follow_again() -> None:
    if not joined(st.session_state):
        return
    mine = _mine()
    mine.following, mine.heartbeat, mine.seen = True, 0.0, None


def _follower_pushed(view, problem: ClassError | None) -> None:
    """Any page but Decode, pushed: the banner, and the class_follow component, which listens to the room's stream
    and reruns the whole page when something moved (the page's run reads the room and follows it). Not in a fragment
    (issue 62): a fragment's rerun that the page asked for as it was left reached the server after the switch and
    ran inside the next page (the browser stopped drawing it), and a move took a run of the fragment before the
    page's own."""
    ss = st.session_state
    lesson = owner.own(ss, "lessons").get("lesson") is not None
    question = current_question() if lesson else None
    _status(problem)
    code, member = _mine().code, tab(ss).member
    class_push.follower(code, member, view, not teacher_away(ss), problem is None, question=question, asks=lesson)


def _follower_banner(first_problem: ClassError | None, pushed: bool) -> None:
    """Any page but Decode, polled: the banner, and a rerun of the page when the teacher's view moved."""
    ss = st.session_state
    _page_fragment("pushed" if pushed else "polled")
    if not following(ss):
        st.rerun(scope="app")
    view, problem = _poll(ss)
    if not joined(ss) or follow.change(_mine().seen, view) != "same":
        st.rerun(scope="app")
    lesson = owner.own(ss, "lessons").get("lesson") is not None
    question = current_question() if lesson else None
    if lesson and lesson_question_moved(question) and _fragment_run():
        st.rerun(scope="app")  # the lesson's question, asked or revealed: its panel shows it
    _status(problem or first_problem)
    if pushed:
        code, member = _mine().code, tab(ss).member
        class_push.follower(code, member, view, not teacher_away(ss), problem is None, question=question, asks=lesson)


def left_page(session, ctx) -> bool:
    """Whether the run `ctx` (Streamlit's script run context) is a fragment's that a page the session has since left
    asked for (issue 62).

    A follower's page switches while the room's stream may still ask the page it leaves to rerun its fragment (the
    teacher started a lesson and pressed Next at once: the list's component asked again for the second move). That
    request reaches the server after the switch: Streamlit runs the fragment with the old page and the old page's
    URL, whose elements the browser cannot place in the new page (it stopped drawing, 'Bad delta path index', and
    the phone stayed on a blank /Decode?lang=en). The page of the session's last whole run (explorer.ui.frame,
    keys.RUN_PAGE) is the one the browser shows."""
    if ctx is None or not ctx.fragment_ids_this_run:
        return False
    return session.get(keys.RUN_PAGE, ctx.page_script_hash) != ctx.page_script_hash


STATUS_KEY = "class_status"  # Decode's banner above the follower's fragment (one container: the fragment's place)
DRAWN = "_class_fragments"  # the follower's fragments the session's last whole run drew (their names)


def _page_fragment(name: str) -> None:
    """First thing in a follower's fragment `name`: a whole run notes it as its page's; a run of the fragment alone
    that the page the browser shows did not draw (a page left asked for it: left_page, or the new page's URL was
    already the browser's when the old page's component asked) draws nothing, and the whole app runs again (its
    follower goes to the teacher's page)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ss, ctx = st.session_state, get_script_run_ctx()
    if ctx is None or not ctx.fragment_ids_this_run:
        ss.setdefault(DRAWN, set()).add(name)
    elif name not in ss.get(DRAWN, ()) or left_page(ss, ctx):
        st.rerun(scope="app")


def _fragment_run() -> bool:
    """Whether this run is the banner's fragment alone. In a whole page's run the lesson's panel is drawn after the
    banner and shows the question itself: rerunning the page from the banner there reran it for ever (issue 62: on
    every step off Decode a phone never showed the question, its server rerunning the page again and again)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


@st.fragment(run_every=follow.POLL_SECONDS)
def _follower_poller(first_problem: ClassError | None = None) -> None:
    _follower_banner(first_problem, pushed=False)


@st.fragment(run_every=follow.EXPLORING_POLL_SECONDS)
def _exploring_banner() -> None:
    """While exploring: counted in the room, and a way back."""
    ss = st.session_state
    _page_fragment("exploring")
    if not joined(ss) or following(ss):
        st.rerun(scope="app")
    _view, problem = _poll(ss)
    if not joined(ss):
        st.rerun(scope="app")
    code = _mine().code
    message = _("Class {code}: you are exploring on your own.").format(code=code)
    if teacher_away(ss):
        message += " " + _("The teacher is away.")
    if problem is not None:
        message += " " + message_of(problem)
    st.info(message, icon=":material/explore:")
    st.button(_("Follow the teacher"), key="class_follow", on_click=_follow_again)


def decode_follower(data, translator, n: int) -> None:
    """The Decode page of a follower: the teacher's step drawn from this decode, in the browser from the room's
    event stream (pushed: a teacher's step costs a message, not a run) or polled in a fragment, and the
    teacher's question when one is open."""

    ss = st.session_state
    pushed = class_push.enabled() and data.has_attention
    drawn = {}  # what the whole run's fragment drew, for the class_follow component after it
    # The banner (with "Explore on my own") and the question's panel are the whole page's, never the fragment's
    # (issue 62): an answer tapped in the fragment as the page ran again (the question's own rerun, a step's report)
    # was shown chosen and never reached the server, 3 runs in 6 with a busy core (tests/e2e/test_room_screen_browser).
    # A widget outside the fragment reruns the whole page, which counts it; the fragment reruns the page when the
    # question or what the banner says moved.
    polled = _poll(ss)  # the room as the whole run reads it, once: its banner and its fragment's component agree
    if not joined(ss):  # the class ended (or this member was removed): the page says so on its next run
        st.rerun()
    with st.container(key=STATUS_KEY):
        _status(polled[1])

    @st.fragment(run_every=None if pushed else follow.POLL_SECONDS)
    def followed() -> None:
        _page_fragment("decode")
        if not following(ss):
            st.rerun(scope="app")
        view, problem = _poll(ss) if _fragment_run() else polled
        if not joined(ss):
            st.rerun(scope="app")
        mine = _mine()
        moved = follow.change(mine.seen, view)
        if moved == "view":
            st.rerun(scope="app")
        if moved == "step":
            mine.seen = view
            owner.propose(ss, {"step": follow.step_of(view, n)})
            sharing.publish("decode", decode_view.shared_link(ss))  # the address bar keeps the step shown
        question = current_question()
        if lesson_question_moved(question):
            st.rerun(scope="app")  # a lesson runs: its panel shows the question (a choice) or its reveal
        if _fragment_run() and (question_moved(question) or status_said(problem) != mine.banner):
            st.rerun(scope="app")  # the banner and the question's panel above and below are the whole page's
        merged = decode_sections.words_sides(translator)  # the stepper, in its "follow" mode: the teacher's steps
        decode_sections.heatmap(data, False, translator, merged, tabs_below=False, following=True)
        drawn.update(problem=problem, question=question)
        _teachers_tab_caption(mine.seen)

    followed()
    question = drawn.get("question")
    if question is not None and question.kind != "choice":  # a lesson's choice: in the lesson's panel
        answer_panel(question)
    if owner.own(ss, "lessons").get("lesson") is None:
        dock_drew(question)  # with a lesson, its panel notes the question it shows
    if pushed and drawn:  # the teacher's steps arrive on the stream, handed to the stepper in the browser
        # Outside the fragment (issue 62): anything but a step reruns the whole page, never a fragment that a page
        # left behind could ask for after the switch (Streamlit ran it inside the next page, which stopped drawing).
        here, live = not teacher_away(ss), drawn["problem"] is None
        class_push.follower(_mine().code, tab(ss).member, _mine().seen, here, live, data, drawn["question"])
