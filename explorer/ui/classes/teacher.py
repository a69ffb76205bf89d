"""Live classes, the teacher's side: "Start a class" in the sidebar, the class's code, link and QR code, the room
(students following and exploring, the answers, the CSV), "End the class", and on the Decode page "Ask the
class" and "Reveal".

The teacher publishes: every page writes its view through explorer.ui.common.sharing.publish, into the URL and
here (`send_view`); a teacher's session sends that link (and Decode's open tab) to the room, where the
students' pages open it (explorer.ui.classes.student).
"""

from __future__ import annotations

import functools
import html
import io

import segno
import streamlit as st

from explorer.classrooms import codes, follow
from explorer.classrooms.export import questions_csv
from explorer.classrooms.flood import SOCKET_HEADER, SOCKETS
from explorer.classrooms.starts import ClassStarts
from explorer.classrooms.store import PAGES, ClassError, NoSuchClass, NotTeacher, Question, StoreUnavailable
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import keys, link, owner
from explorer.ui.classes import members as class_members
from explorer.ui.classes.memory import browser_member
from explorer.ui.classes.state import (
    KIND_LABELS,
    Teacher,
    client,
    joined,
    leave,
    rooms,
    show_problem,
    show_reveal,
    tab,
    teaching,
    usable,
)
from explorer.views.decode import TABS
from seq2seq.messages import Message

LOCAL_ONLY = N_(
    "This link opens only on this computer: the app listens on it alone. For students' devices, start the app "
    "with `make run ADDRESS=0.0.0.0` and open it by this computer's network address."
)
TEACHER_REFRESH_SECONDS = 3.0  # the teacher's room panel: counts and answers, live
QUESTION_REFRESH_SECONDS = 1.0  # an open question's answers coming in


def _decode_tab(session) -> str | None:
    """The name (explorer.ui.decode.sections.TABS) of the Decode tab the session has open. Before the tabs were
    drawn (a class started on this run) it is the first, which st.tabs opens: the view published then is the one
    the page shows, so the teacher's first Step is a step for every follower, not a new view that reruns them."""
    opened = session.get(keys.DECODE_TABS)
    names = {_(label): name for name, label in TABS.items()}
    return names.get(opened) if opened is not None else next(iter(TABS))


def send_view(session, page: str, wanted: dict[str, str]) -> None:
    """A page's view as it is published (explorer.ui.common.sharing): a teacher's goes to the room; a follower whose
    own page view left the teacher's (it moved a widget) is exploring on its own from now on.

    What a follower's page publishes in the run that opened the teacher's view is the teacher's view there: the
    page fills in what the teacher's link leaves out (issue 62: a lesson's move publishes Timelapse's step with its
    task only, and the teacher's page adds the probe and epoch a moment later; a phone that opened the short view
    was told it had changed the view itself, and missed every later question). Later runs are judged against
    that reading."""
    if joined(session) and (student := tab(session).student).following:
        seen = student.seen
        if seen is None or seen.page != page:
            return
        if student.opened:
            student.opened, student.reading = False, (page, dict(seen.params), dict(wanted))
            return
        read = student.reading
        own = read[2] if read is not None and read[:2] == (page, seen.params) else follow.link_of(seen)
        if own != dict(wanted):
            student.following = False
            tab(session).problem = Message(
                N_("You changed the view, so you are exploring on your own. “Follow the teacher” takes you back.")
            )
        return
    if not teaching(session) or page not in PAGES:
        return
    lesson = link.beside_view(session)  # a running lesson's id and step ride with the view: the class follows
    params = follow.published(wanted, _decode_tab(session) if page == "decode" else None, lesson)
    teacher = tab(session).teacher
    if teacher.published == (page, params):
        return
    store = rooms()
    try:
        store.publish(teacher.code, teacher.token, page, params)
    except StoreUnavailable as error:
        tab(session).problem = error
        return
    except (NotTeacher, NoSuchClass) as error:
        leave(session, error)
        return
    teacher.published = (page, params)


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


def _mine() -> Teacher:
    """The teacher's part of this session (in a teacher's sections, callbacks and fragments)."""
    return tab(st.session_state).teacher


def _teacher_key() -> str:
    """Who starts a class, as the store counts newcomers to a teacher's classes (Limits.teacher_joins): the browser's
    member id (its HttpOnly cookie: the same for every class it starts, after a reload too) or, without one, this
    session; hashed, so the store keeps no credential."""
    return codes.token_hash(browser_member() or tab(st.session_state).nonce)[:32]


def _start() -> None:
    store = rooms()
    ss = st.session_state
    mine = tab(ss)
    if mine.starts is None:  # this session's classes started this hour
        mine.starts = ClassStarts.from_limits(store.limits)
    try:
        mine.starts.check()  # this page alone: a school's other teachers behind its address are not held back
        code, token = store.create(client(), teacher=_teacher_key())
    except ClassError as error:  # too many starts, the server is full, or the store cannot be reached
        mine.problem = error
        return
    mine.starts.started()
    leave(ss)
    mine.teach(code, token)


def _end() -> None:
    ss, mine = st.session_state, _mine()
    try:
        rooms().end(mine.code, mine.token)
    except StoreUnavailable as error:
        tab(ss).problem = error
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


CODE_FONT_PX = 160  # capital letters over 100 px high (0.66 em): readable from the back of a lecture hall


def _show_code(code: str, url: str) -> None:
    """A dialog with the code in letters about 100 px high and, beside it, a QR code big enough to scan from
    the back of a room; the link under them."""

    def body() -> None:
        letters, qr = st.columns([3, 2], vertical_alignment="center")
        # Only letters and digits of the code alphabet (codes.normalise_code); escaped all the same.
        letters.html(
            f'<div class="ae-class-code" style="font-size:{CODE_FONT_PX}px;font-weight:700;line-height:1.1;'
            f'letter-spacing:0.02em;font-variant-numeric:tabular-nums">{html.escape(code)}</div>'
        )
        qr.image(qr_png(url, scale=18), width="stretch", alt=_("QR code of the class's join link"))
        st.code(url, language=None, wrap_lines=True)  # wrapped: a scrolling box would need the keyboard's focus

    st.dialog(_("Join the class"), width="large")(body)()  # titled in this run's language


def _teacher_room() -> None:
    code = _mine().code
    url, reachable = join_link(code)
    box = st.sidebar.container(border=True)
    box.markdown(_("**Your class** · code **{code}**").format(code=code))
    if not reachable:
        box.warning(_(LOCAL_ONLY))
    box.image(qr_png(url, scale=6), width=200, alt=_("QR code of the class's join link"))
    box.code(url, language=None, wrap_lines=True)  # wrapped: a scrolling box would need the keyboard's focus
    if box.button(_("Show the code to the room"), key="class_show_code"):
        _show_code(code, url)
    with box:
        _room_panel()
        class_members.panel()
    box.button(_("End the class"), key="class_end", on_click=_end, type="secondary")
    show_problem(box)


@st.fragment(run_every=TEACHER_REFRESH_SECONDS)
def _room_panel() -> None:
    """The answers per question and the CSV export, refreshed every few seconds (the teacher's bar counts
    the students and keeps the class alive)."""
    ss = st.session_state
    if not teaching(ss):
        return
    try:
        asked = rooms().questions(_mine().code)
    except ClassError as error:  # the bar says what is wrong, and forgets a class that ended
        st.caption(message_of(error))
        return
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
            file_name=f"class-{_mine().code}.csv",
            mime="text/csv",
            key="class_csv",
        )


def _lock(locked: bool) -> None:
    ss, mine = st.session_state, _mine()
    try:
        rooms().lock(mine.code, mine.token, locked)
    except ClassError as error:
        tab(ss).problem = error


# -- the teacher's bar -------------------------------------------------------------------------------
ASK_LABELS = {"attend": N_("where it looks"), "token": N_("next token")}  # the bar's short names of KINDS


# On a projector the bar is one line: its controls in the page's own type, its padding small (static CSS).
BAR_KEY = "class_teacher_bar"
PROJECTED_BAR_CSS = f"""<style>
.st-key-{BAR_KEY} {{padding: 0.3rem 0.75rem !important; gap: 0.5rem !important;}}
.st-key-{BAR_KEY} button {{min-height: 2.2rem !important; padding: 0 0.6rem !important;}}
.st-key-{BAR_KEY} :is(p, button p) {{font-size: 1.2rem !important;}}
</style>"""


def bar(page: str | None, projecting: bool = False) -> None:
    """The teacher's controls in one compact bar under the page's title, inside a projector's frame (one line
    there: `projecting`): the class's code and students, the question (on Decode: its kind and Ask the class, but
    while a lesson runs its panel asks the step's question; while open: the answers coming in and Reveal; once
    revealed: Ask again), Lock, Show the code and End."""
    ss = st.session_state
    if not teaching(ss):
        return
    if projecting:
        st.html(PROJECTED_BAR_CSS)
    SOCKETS.teach(st.context.headers.get(SOCKET_HEADER))  # the teacher's clicks keep a budget of their own
    store, code = rooms(), _mine().code
    try:
        question = store.current_question(code)
        locked = store.presence(code).locked
    except StoreUnavailable as error:
        st.warning(message_of(error))
        return
    except ClassError as error:  # ended or expired: the sidebar's panel forgets it
        leave(ss, error)
        return
    open_now = question is not None and not question.revealed
    # One row that wraps: each control as wide as its words (a 1366-pixel laptop cut "Show the code" and ran
    # the question switch under "Ask the class" when six columns shared the width), the counts first.
    bar = st.container(border=True, key=BAR_KEY, horizontal=True, wrap=True, vertical_alignment="center", gap="small")
    with bar:
        with st.container(width="content", key="class_bar_counts"):
            _bar_counts()
        if open_now:
            with st.container(width="content"):
                _answers_coming(question.id)
            st.button(_("Reveal"), key="class_reveal", on_click=_reveal, args=(question.id,), type="primary")
        elif page == "decode" and not owner.own(ss, "lessons").get("lesson"):  # a lesson asks from its panel
            kinds = {name: _(label) for name, label in ASK_LABELS.items()}
            ss.setdefault(keys.CLASS_ASK_KIND, "attend")
            st.segmented_control(
                _("Question"), list(kinds), key=keys.CLASS_ASK_KIND, format_func=kinds.__getitem__, required=True,
                label_visibility="collapsed", help=" · ".join(_(text) for text in KIND_LABELS.values()),
            )  # fmt: skip
            st.button(_("Ask the class"), key="class_ask", on_click=_ask, args=(_id(question),), type="primary")
            if question is not None:  # revealed: the same question again, after a discussion
                st.button(_("Ask again"), key="class_ask_again", on_click=_ask_again, args=(question,))
        if locked:
            st.button(_("Unlock"), key="class_unlock", on_click=_lock, args=(False,), icon=":material/lock_open:")
        else:
            st.button(
                _("Lock"), key="class_lock", on_click=_lock, args=(True,), icon=":material/lock:",
                help=_("Nobody new can join; students already in stay, and get back in after a reload."),
            )  # fmt: skip
        if st.button(_("Show the code"), key="class_bar_show_code", icon=":material/qr_code_2:"):
            _show_code(code, join_link(code)[0])
        st.button(_("End"), key="class_bar_end", on_click=_end, help=_("End the class for everybody."))
    show_problem()


@st.fragment(run_every=TEACHER_REFRESH_SECONDS)
def _bar_counts() -> None:
    """The class's code and its students following and exploring, live; it keeps the class alive while
    the teacher's page is open (the students read "the teacher is away" when it stops)."""
    ss = st.session_state
    if not teaching(ss):
        return
    store, mine = rooms(), _mine()
    try:
        admission = store.admission(mine.code, mine.token)  # the teacher's call: the room stays
        roster = store.roster(mine.code)
        locked = store.presence(mine.code).locked
    except StoreUnavailable as error:
        st.caption(message_of(error))
        return
    except ClassError as error:  # expired or ended elsewhere
        leave(ss, error)
        st.rerun(scope="app")
    line = _("**Class {code}** · {following} following · {exploring} exploring").format(
        code=mine.code, following=roster.following, exploring=roster.exploring
    )
    if admission.waiting:  # newcomers wait for the teacher (the sidebar's members panel lets them in)
        line += " · " + _("{n} waiting").format(n=admission.waiting)
    st.markdown((":material/lock: " if locked else "") + line)


@st.fragment(run_every=QUESTION_REFRESH_SECONDS)
def _answers_coming(question: int) -> None:
    """An open question's answers, counted live."""
    try:
        current = rooms().current_question(_mine().code)
    except ClassError:
        return
    if current is None or current.id != question or current.revealed:
        st.rerun(scope="app")  # revealed or replaced elsewhere: the bar changes with a full run
    st.markdown(_("Question {id}: **{n}** answered").format(id=question, n=current.answers))


def _id(question: Question | None) -> int:
    """The id an Ask button replaces (0: no question yet): drawn with the button, so that a press the server gets
    twice (a stale button, or one press delivered twice) asks once (`RoomStore.ask`'s `replacing`; one press on Ask
    the class once gave a class two questions on a busy machine, its answers going to the second)."""
    return 0 if question is None else question.id


def _ask(replacing: int) -> None:
    """Ask the class about the next step of the decode the teacher's page shows, at the step it shows, in place of
    question `replacing` (0: none; nothing is asked when another is current by now)."""
    ss = st.session_state
    trace = ss.get(keys.TRACE)
    data = trace.get("data") if isinstance(trace, dict) else None
    kind = ss.get(keys.CLASS_ASK_KIND) or "attend"
    asked = follow.question_for(data, owner.view(ss).step, kind) if data is not None else None
    if asked is None:
        tab(ss).problem = Message(NO_NEXT_STEP)
        return
    _asking(replacing, asked.kind, asked.step, asked.options, asked.right, asked.weights)


def _ask_again(question) -> None:
    """The revealed question once more, for a second vote after the class has discussed it (once: it replaces
    the revealed one)."""
    _asking(question.id, question.kind, question.step, question.options, question.right, question.weights, question.id)


def _asking(replacing: int, kind, step, options, right, weights, again_of: int = 0) -> None:
    ss, mine = st.session_state, _mine()
    try:
        rooms().ask(mine.code, mine.token, kind, step, options, right, weights, again_of, replacing=replacing)
    except ClassError as error:
        tab(ss).problem = error


NO_NEXT_STEP = N_("There is no next step to ask about (the decode is over, or this model has no attention).")


def revealed_at(step: int) -> tuple[Question, Question | None] | None:
    """The teacher's revealed question about the decode, with the first vote of a question asked again, while the
    page shows the step it was asked at (the next step clears it); None otherwise, for a lesson's choice (its
    panel shows it; its step is the lesson's, not the decode's), or for a session not teaching."""
    ss = st.session_state
    if not teaching(ss):
        return None
    try:
        asked = rooms().questions(_mine().code)
    except ClassError as error:
        st.warning(message_of(error))
        return None
    if asked and asked[-1].revealed and asked[-1].step == step and asked[-1].kind != "choice":  # a lesson's: its panel
        return asked[-1], follow.asked_before(asked, asked[-1])
    return None


def question_panel(
    revealed: tuple[Question, Question | None] | None, height: int | None = None, projecting: bool = False
) -> None:
    """Where the class looks (beside the teacher's heatmap, inside a projector's frame): a revealed question's
    answers beside the model's (`revealed_at`). `height`: the chart's, in pixels (a frame's share). The bar
    above has the question's controls and its live count."""
    if revealed is not None:
        with st.container(border=True, key="class_revealed"):
            show_reveal(revealed[0], None, revealed[1], height=height, projecting=projecting)


def lesson_question(asked: follow.Asked, show: bool = True, projecting: bool = False) -> None:
    """A teacher's side of a lesson step's question in a live class (explorer.ui.lessons.dock): Ask the class;
    while it is open, the bar above counts the answers and has Reveal; once revealed, the class's answers
    beside the right ones, here in the lesson's panel (inside the projected frame; `show` False where the page
    shows them itself: Decode's frame for an attention question), and Ask again."""
    code = _mine().code
    try:
        question = rooms().current_question(code)
        asked_before = rooms().questions(code) if question is not None else []
    except ClassError as error:
        st.warning(message_of(error))
        return
    mine = follow.is_asked(question, asked)
    if mine and question.revealed:
        if show:
            height = LESSON_REVEAL_PX[projecting]
            before = follow.asked_before(asked_before, question)
            with st.container(key=LESSON_REVEALED_KEY):  # the lesson's projected column shows it first
                show_reveal(question, None, before, height=height, projecting=projecting)
        st.button(_("Ask again"), key="class_lesson_again", on_click=_ask_again, args=(question,))
    elif mine:
        st.caption(_("Asked: the bar above counts the answers; Reveal shows them here."))
    else:
        st.button(
            _("Ask the class this question"), key="class_lesson_ask", type="primary", on_click=_asking,
            args=(_id(question), asked.kind, asked.step, asked.options, asked.right, asked.weights),
        )  # fmt: skip


# The revealed answers' chart in the lesson's panel (on a projector: inside the 1366×768 frame under the bar).
LESSON_REVEAL_PX = {False: 220, True: 180}
LESSON_REVEALED_KEY = "class_lesson_revealed"  # explorer.ui.lessons.dock's REVEALED_KEY


def _reveal(question: int) -> None:
    ss, mine = st.session_state, _mine()
    try:
        rooms().reveal(mine.code, mine.token, question)
    except ClassError as error:
        tab(ss).problem = error
