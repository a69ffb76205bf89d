"""Live classes in the pages, what the teacher's and the students' sides share: the feature's one state object
in the session, the room store, the session's role, a problem to show once, and a revealed question.

`tab(session)` is the session's `ClassTab`, made on first use, instead of loose session keys: its role in a class
(a `Teacher`: the class's code and its secret token; a `Student`: the code, following the teacher or exploring on
its own, what it drew and heard last), the member id it keeps after leaving, and its bookkeeping (join attempts,
classes started, a problem to show once, the tab memory's flags). The widgets' keys (the "Class code" box, the
teacher's question kind, a student's answer) stay Streamlit's own (explorer.state.keys). The teacher's side is
explorer.ui.classes.teacher, the students' explorer.ui.classes.student; docs/pages/classes.md tells users how it
works.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field

import streamlit as st

from explorer.classrooms import follow, member_ids
from explorer.classrooms.attempts import JoinAttempts
from explorer.classrooms.seats import SeatKeeper
from explorer.classrooms.starts import ClassStarts
from explorer.classrooms.store import ClassError, Presence, Question, RoomStore, TeacherView, client_key
from explorer.classrooms.stores import open_store
from explorer.figures.bars import class_answers
from explorer.i18n import N_, _, ngettext
from explorer.i18n.errors import message_of
from explorer.state.feature_state import held
from explorer.ui.common.markdown import authored_markdown, escape_markdown
from explorer.ui.shell import presentation
from seq2seq.messages import Message

KEY = "_class_tab"


@dataclass
class Teacher:
    """A teacher's part: the class's `code`, the secret `token` that drives it (only the teacher's session holds
    one), and the view it `published` to the room last ((page, params): the same again is not sent)."""

    code: str
    token: str
    published: tuple[str, dict[str, str]] | None = None


@dataclass
class Student:
    """A student's part: the class's `code`; `following` the teacher (False: exploring on its own); the teacher's
    view it drew last (`seen`); when it last told the room it is there (`heartbeat`, time.monotonic(); 0.0: on its
    next poll) and what that heartbeat learnt (`presence`: whether the teacher's page is there); what its banner
    said last (`banner`). Whether this whole run `opened` the teacher's view as a link, and the `reading` its page
    published of the view it opened last: (page, the teacher's parameters, the page's own), the page's defaults
    filled in where the teacher's view left them out (explorer.ui.classes.teacher.send_view)."""

    code: str
    following: bool = True
    seen: TeacherView | None = None
    heartbeat: float = 0.0
    presence: Presence | None = None
    banner: tuple[str, ...] = ()  # what the banner said last (explorer.ui.classes.student.status_said)
    opened: bool = False
    reading: tuple[str, dict[str, str], dict[str, str]] | None = None


@dataclass
class ClassTab:
    """This session's live class. Its role: `teacher` or `student` (never both; neither: in no class), and
    `member`, its member id in the rooms, kept after it leaves (joining again is the same member, with its
    answers). Joining: its join `attempts`, the code of the class whose teacher it is `waiting` for (to be let
    in), and why the join link opened last could not join (`link_problem`, kept on Home). Teaching: the classes
    it `starts` this hour. Shown once: a `problem` with the store (a ClassError, a Message). The lesson's panel:
    the (id, revealed) of the class's question it was drawn with (`dock_question`). The tab memory
    (explorer.ui.classes.memory): its question's key suffix (`nonce`), whether it has nothing left to read back from
    the tab (`recalled`: it read the tab's class back, or has been in a class of its own), and whether the session
    writes the memory (`writes`: it held a class or read one back)."""

    teacher: Teacher | None = None
    student: Student | None = None
    member: str | None = None
    attempts: JoinAttempts | None = None
    waiting: str | None = None
    link_problem: ClassError | Message | None = None
    starts: ClassStarts | None = None
    problem: ClassError | Message | None = None
    dock_question: tuple[int, bool] | None = None
    nonce: str = field(default_factory=lambda: secrets.token_hex(6))
    recalled: bool = False
    writes: bool = False

    def teach(self, code: str, token: str) -> None:
        """Teach the class `code` (a student's part is left)."""
        self.student, self.teacher = None, Teacher(code, token)

    def join(self, code: str, member: str) -> None:
        """Follow the teacher of class `code` as `member` (kept after leaving)."""
        self.teacher, self.student, self.member = None, Student(code), member

    def forget(self) -> None:
        """In no class any more (ended, expired, left): the role goes, the member id and the bookkeeping stay."""
        self.teacher = self.student = None


def tab(session: MutableMapping) -> ClassTab:
    """The session's `ClassTab` (made on first use; a value of another type there is replaced)."""
    return held(session, KEY, ClassTab)


def peek(session: Mapping) -> ClassTab | None:
    """The session's `ClassTab` when it has one (nothing is made: reading a role leaves a session as it was)."""
    found = session.get(KEY)
    return found if isinstance(found, ClassTab) else None


KIND_LABELS = {
    "attend": N_("Where will the next token look? (click a source token)"),
    "token": N_("Which token comes next? (pick a candidate)"),
}


@st.cache_resource(show_spinner=False)
def rooms() -> RoomStore:
    """One room store per server process: the embedded one, or Redis (ATTENTION_EXPLORER_REDIS_URL).
    Raises ValueError for a malformed Redis URL (`usable` says so on the page)."""
    return open_store()


_ids: list[member_ids.MemberIds] = []


def ids() -> member_ids.MemberIds | None:
    """This server's member ids (explorer.classrooms.member_ids), under the store's secret: None while the store
    cannot give it (Redis away, a malformed Redis URL); the next call tries again."""
    if not _ids:
        try:
            _ids.append(member_ids.MemberIds(rooms().member_secret()))
        except (ClassError, ValueError):
            return None
    return _ids[0]


def _page_live(page: str) -> bool:
    from streamlit.runtime import Runtime

    return Runtime.exists() and Runtime.instance().is_active_session(page)


@st.cache_resource(show_spinner=False)
def keeper() -> SeatKeeper:
    """This process's seats held by live pages (explorer.classrooms.seats): each student's page holds its own."""
    return SeatKeeper(rooms(), _page_live)


def client() -> str:
    """This session's client address as the per-client limits count it (explorer.classrooms.store.client_key).
    Behind the cluster's nginx, Streamlit's server (uvicorn) takes the address from X-Forwarded-For, which
    it trusts from loopback only."""
    return client_key(st.context.ip_address)


def usable(box=st) -> bool:
    """Whether live classes can be offered; if not (a malformed Redis URL), `box` says why."""
    try:
        rooms()
    except ValueError as error:
        box.error(_("Live classes are off: {error}").format(error=escape_markdown(str(error))))
        return False
    return True


def teaching(session) -> bool:
    found = peek(session)
    return found is not None and found.teacher is not None


def joined(session) -> bool:
    found = peek(session)
    return found is not None and found.student is not None and found.member is not None and found.teacher is None


def following(session) -> bool:
    return joined(session) and tab(session).student.following


def in_class(session) -> bool:
    """Teaching a class or following its teacher: a page the class sees (its charts drawn as every member's are)."""
    return teaching(session) or following(session)


def leave(session, problem: ClassError | Message | None = None) -> None:
    """Forget the class (ended, expired, left); `problem` is shown once on the next run."""
    if (found := peek(session)) is not None:
        found.forget()
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:  # this page holds no seat any more
        keeper().release(ctx.session_id)
    if problem is not None:
        tab(session).problem = problem


def show_problem(box=st) -> None:
    """The class's problem kept for this run (a store error, a note), once."""
    found = peek(st.session_state)
    problem = None if found is None else found.problem
    if problem is not None:
        found.problem = None
        box.warning(message_of(problem))


def option_markdown(kind: str, text: str) -> str:
    """An option as Markdown for the page: a lesson's choice as its author wrote it (inline code and math
    shown as such, no HTML: authored_markdown), a token as typed (escape_markdown)."""
    return authored_markdown(text) if kind == "choice" else escape_markdown(text)


def show_reveal(
    question: Question,
    mine: int | None,
    before: Question | None = None,
    height: int | None = None,
    projecting: bool = False,
) -> None:
    """The class's answers beside the model's, as a histogram over the options, and the share who were right;
    `before`: the first vote of a question asked again, shown beside the second; `height`: the chart's, in a
    frame; `projecting`: on a projector, with the large type of every projected figure."""

    rows = follow.reveal_rows(question, before)
    share = question.share_right()
    right = ", ".join(question.options[i] for i in question.right)
    if question.kind == "choice":  # a lesson's question: the file's answer, the options numbered as the bars
        # On a projector each option says its share itself and the chart stays out: the answers fit the frame.
        counts = [f" · **{row['share']:.0%}**" if projecting and share is not None else "" for row in rows]
        listed = "\n".join(
            f"{i}. {'✓ ' if i - 1 in question.right else ''}{option_markdown(question.kind, text)}{counts[i - 1]}"
            for i, text in enumerate(question.options, start=1)
        )
        st.markdown(listed)
    else:
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
    if before is not None and before.share_right() is not None:
        st.caption(
            _("First vote: {share} right; second vote: {now} right.").format(
                share=f"{before.share_right():.0%}", now="–" if share is None else f"{share:.0%}"
            )
        )
    if projecting and question.kind == "choice":
        return
    figure = class_answers(rows, question.kind)
    if height is not None:  # a frame: the chart shares the column with the controls
        figure.update_layout(height=height)
    if projecting:  # the back row reads its options and shares (about 11 px otherwise)
        presentation.enlarge(figure, factor=1.0)
    st.plotly_chart(figure, config={"displayModeBar": False}, key=f"class_reveal_{question.id}")
