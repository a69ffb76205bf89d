"""The lesson player's logic, plain Python over a session mapping (explorer.ui.lessons.dock is its Streamlit side).

A lesson runs on the real pages: each step opens its page (Decode, Compare, Lab, …) with the step's view,
and the lesson's panel is docked on that page. Here: which lesson and step a URL names (`lesson=<id>&at=<1-based
step>` beside any page's view, with a note for every value refused), the one function that builds that link
(`link_params`), where the session stands (the running step, the answers given), the moves that open a
step's page, progress, whether Next is allowed, how an answer is judged, and the link that opens a step's
view on its own page. Tested without Streamlit (tests/test_lesson_player.py).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from explorer.i18n import _, ngettext
from explorer.lessons.listing import ROOT
from explorer.lessons.schema import PAGES, Lesson, Problem, Question, Step
from explorer.state import link, owner, params
from explorer.state.feature_state import held
from explorer.state.pages import BY_NAME
from explorer.state.view import LINK_FIELDS, ViewState
from explorer.state.view import link_params as view_link_params

PAGE = "lessons"  # the page's name for explorer.state.link (the URL it wrote last, the link it came from)
SWITCHED = "switched"  # LessonTab.go once the switch to the step's page is asked for (`pending`)
ARRIVED = "arrived"  # LessonTab.go after one run on the step's page, until the browser shows it is there (`pending`)
LESSON, AT = "lesson", "at"  # the page's query parameters (explorer.state.pages declares them)


@dataclass(frozen=True)
class Position:
    """Where the player stands: a lesson id and a step index (0-based), or no lesson (the list)."""

    lesson: str | None = None
    index: int = 0


@dataclass
class LessonTab:
    """The lesson feature's one state object in the session (`tab`): the answers given (answer_key -> an option's
    index or a source position); the last lesson link's (position it led to, its notes); a move's switch to its
    step's page (None, True: asked, SWITCHED: on its way, ARRIVED: one run there, `pending`) and the page and the
    URL's (lesson, at) it left (`left`, `left_url`); the (lesson, at) the URL had when the session last read or
    wrote it (another one is a link opened, `follow_link`). The running lesson and step are the Lessons page's own
    fields, with the view's owner (`where`)."""

    answers: dict[str, int] = field(default_factory=dict)
    link_notes: tuple[Position | None, tuple[str, ...]] = (None, ())
    go: bool | str | None = None
    left: str | None = None
    left_url: tuple[tuple[str, str], ...] = ()
    url: tuple[tuple[str, str], ...] | None = None


TAB = "_lesson_tab"


def tab(session: MutableMapping) -> LessonTab:
    """The session's `LessonTab` (made on first use; a value of another type there is replaced)."""
    return held(session, TAB, LessonTab)


# -- the URL ------------------------------------------------------------------------------------------
def link_params(lesson: str | None, index: int = 0) -> dict[str, str]:
    """The query parameters of the Lessons page at `lesson`'s step `index` (0-based); {} for the list."""
    return {} if lesson is None else {LESSON: lesson, AT: str(index + 1)}


def locate(query: Mapping[str, str], lessons: Mapping[str, Lesson]) -> tuple[Position, tuple[str, ...]]:
    """The position a link names, and a note for each value refused (explorer.state.params parses the
    page's `lesson` and `at`).

    An unknown lesson opens the list; an `at` that is not a whole number opens step 1, one outside
    the lesson's steps the nearest (first or last) step. Lessons are only looked up by id.
    """
    found = params.parse(PAGE, query, lesson={lesson_id: len(lesson.steps) for lesson_id, lesson in lessons.items()})
    lesson = found.values.get(LESSON)
    if lesson is None:
        return Position(), found.notes
    return Position(str(lesson), int(found.values[AT]) - 1), found.notes


def follow_link(
    session: MutableMapping, query: Mapping, lessons: Mapping[str, Lesson], page: str | None = None
) -> tuple[str, ...]:
    """Read a lesson link on any page (`lesson` and `at`, beside the page's view: explorer.state.keys.BESIDE_VIEW).

    A (lesson, at) other than the one the session last read or wrote (LessonTab.url) is a link someone
    opened (a shared link, a reload in a new session, the browser's Back): the lesson runs from that step,
    and its page opens with the step's view unless the link is already on it (`page`: the page read it;
    `pending`). Returns the link's
    notes for the values it refused; () when no lesson link was opened on this run.
    """
    raw = _lesson_link(query)
    mine, url = tab(session), _kept(raw)
    if not raw or url == mine.url:
        return ()  # no lesson link (a step without a lesson is one: its note says so)
    if mine.go is not None and (mine.go != ARRIVED or url == mine.left_url):
        return ()  # a move's switch is on its way: this URL is the one it leaves (`pending`)
    found, notes = locate(raw, lessons)
    go(session, found.lesson, found.index)
    mine.link_notes = (found, notes)
    mine.url = url  # read once it is the position (owner.open_link's rule)
    if found.lesson is not None and lessons[found.lesson].steps[found.index].page != page:
        mine.go = True
    return notes


def running(session: MutableMapping, lessons: Mapping[str, Lesson]) -> tuple[Lesson | None, int]:
    """(the lesson running, its step index), or (None, 0). A lesson that has gone ends; a step past a lesson
    that has shrunk is its last. Remembers the (lesson, at) the URL gets (explorer.state.link.beside_view)."""
    position = where(session)
    if position.lesson not in lessons:
        if position.lesson is not None:
            go(session, None)
        return None, 0
    lesson = lessons[position.lesson]
    index = min(max(position.index, 0), len(lesson.steps) - 1)
    if index != position.index:
        go(session, lesson.id, index)
    tab(session).url = _kept(link_params(lesson.id, index))
    return lesson, index


def follow_class(session: MutableMapping, params: Mapping[str, str], lessons: Mapping[str, Lesson]) -> None:
    """A class's follower runs the teacher's lesson at the teacher's step (`params`: the lesson link the teacher
    published, explorer.classrooms.follow.lesson_of; {} when the teacher runs none), checked like any link."""
    found = locate(params, lessons)[0] if params else Position()
    if found != where(session):
        go(session, found.lesson, found.index)


def link_notes(session: Mapping) -> tuple[str, ...]:
    """The last lesson link's notes while the lesson still stands where that link led."""
    return _notes_at(session, where(session))


def where(session: Mapping) -> Position:
    """The lesson's position, as the owner holds it (the Lessons page's own fields; no lesson before any)."""
    mine = owner.own(session, PAGE)
    return Position(mine.get(LESSON), int(mine.get(AT) or 0))


def _notes_at(session: Mapping, position: Position) -> tuple[str, ...]:
    found = session.get(TAB)
    where, notes = found.link_notes if isinstance(found, LessonTab) else (None, ())
    return tuple(notes) if where == position else ()


def go(session: MutableMapping, lesson: str | None, index: int = 0) -> None:
    """Set the lesson's position (None: no lesson runs)."""
    owner.propose_own(session, PAGE, {LESSON: lesson, AT: index if lesson is not None else 0})


def move(session: MutableMapping, lesson: str | None, index: int = 0) -> None:
    """Start, Back, Next, Open the step's page, End (a button's callback): the position moves, and the next
    run opens the step's page with its view (the Lessons page's list once the lesson ends)."""
    go(session, lesson, index)
    tab(session).go = True


def pending(session: MutableMapping, here: str | None, there: str, query: Mapping) -> bool:
    """Whether this run, on page `here` with URL parameters `query`, must open `there`: the page of a move's or
    a link's step (the Lessons page once the lesson has ended).

    A move waits (LessonTab.go) until a run on `there` whose URL names the lesson's position, not just until
    the switch is asked for: Streamlit folds a rerun the browser asks for meanwhile (the tab's memory as a page
    opens, a click) into the switch's, and the browser's page and URL win, so the run that follows can be on
    the old page, or on the same page with the old step's link; this run then switches again.

    The first run on `there` may itself be cut short by a rerun the browser asked for before it heard of the
    switch: Streamlit then runs the page the switch left (`left`) with the URL naming the step, or the step's page
    with the previous step's URL, and the browser stays there (issue 62, the full lecture walk on a busy machine: a
    Timelapse step stayed on the list of lessons; a Next from one Timelapse step to the next was read back as a
    link to the step before). So the move waits one run more (ARRIVED): a second run on `there` naming the step
    ends it, such a run switches again (and `follow_link` does not read the URL left as a link), and any other
    run (the reader went elsewhere, or back to the list by the sidebar, whose URL names no step) ends it too.
    """
    mine = tab(session)
    if mine.go is None:
        return False
    position = where(session)
    linked = _lesson_link(query)
    named = linked == link_params(position.lesson, position.index)
    if mine.go == ARRIVED:
        if here == there and named:  # the browser is on the step's page
            mine.go = mine.left = None
            return False
        if here == there or (here == mine.left and named):  # asked for before the browser heard of the switch
            mine.go = SWITCHED
            return True
        mine.go = mine.left = None
        return False
    if mine.go == SWITCHED and here == there and named:
        mine.go = ARRIVED
        return False
    if mine.go is True:
        mine.left, mine.left_url = here, _kept(linked)
    mine.go = SWITCHED
    return True


def _kept(lesson_link: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """A URL's (lesson, at) as LessonTab keeps it (`url`, `left_url`): its pairs, sorted."""
    return tuple(sorted(lesson_link.items()))


def _lesson_link(query: Mapping) -> dict[str, str]:
    """The lesson's parameters (`lesson`, `at`) of a page's URL parameters, as `link_params` writes them."""
    return {name: value for name, value in link.flat(query, keep=(LESSON, AT)).items() if name in (LESSON, AT)}


# -- progress and answers -----------------------------------------------------------------------------
def progress(index: int, steps: int) -> tuple[str, float]:
    """("Step k of n", the share of the lesson reached) for step `index` (0-based)."""
    return _("Step {k} of {n}").format(k=index + 1, n=steps), (index + 1) / steps


def answer_key(lesson: str, index: int) -> str:
    return f"{lesson}:{index}"


def answer(session: Mapping, lesson: str, index: int) -> int | None:
    """The answer given to the step's question (an option's index or a source position), None if none yet."""
    found = session.get(TAB)
    return found.answers.get(answer_key(lesson, index)) if isinstance(found, LessonTab) else None


def record(session: MutableMapping, lesson: str, index: int, value: int) -> None:
    tab(session).answers[answer_key(lesson, index)] = value


def check(session: MutableMapping, lesson: str, index: int, widget: str) -> None:
    """The Check button's callback: the pick in `widget` (an option's index or a source position) becomes
    the step's answer; nothing is recorded while nothing is picked."""
    picked = session.get(widget)
    if isinstance(picked, int) and not isinstance(picked, bool):
        record(session, lesson, index, picked)


def can_go_next(lesson: Lesson, index: int, answered: bool) -> bool:
    """Next is allowed before the last step once the step's question (if any) is answered."""
    return index < len(lesson.steps) - 1 and (lesson.steps[index].question is None or answered)


@dataclass(frozen=True)
class ChoiceResult:
    right: bool
    chosen: int  # the option's index
    right_options: tuple[int, ...]  # every option marked correct


def judge_choice(question: Question, chosen: int) -> ChoiceResult:
    right = tuple(i for i, option in enumerate(question.options) if option.correct)
    return ChoiceResult(chosen in right, chosen, right)


@dataclass(frozen=True)
class AttentionResult:
    right: bool
    chosen: int  # the source position picked
    answer: int  # the source position with the most weight in the model's own row
    weight: float  # that weight


def judge_attention(row: Sequence[float], chosen: int) -> AttentionResult:
    """The model's answer is its row's argmax (the first one on a tie), never a value from the lesson file."""
    best = max(range(len(row)), key=row.__getitem__)
    return AttentionResult(chosen == best, chosen, best, float(row[best]))


# -- the list and the step's view on its own page -----------------------------------------------------
def own_text(lesson: Lesson, name: str) -> str:
    """The lesson's own `title`, `audience` or `summary` in the current language, as the list and the player
    show it: a date or a citation marked {=…} written in (explorer.lessons.numbers; no step fills more)."""
    from explorer.lessons.placeholders import fill

    return fill(lesson.local(name), {})


def lesson_line(lesson: Lesson) -> str:
    """The audience, duration and length of a lesson, in one line (in the current language)."""
    steps = len(lesson.steps)
    minutes = ngettext("{n} minute", "{n} minutes", lesson.minutes).format(n=lesson.minutes)
    count = ngettext("{n} step", "{n} steps", steps).format(n=steps)
    return _("For: {audience} · {minutes} · {steps}").format(
        audience=own_text(lesson, "audience"), minutes=minutes, steps=count
    )


def problem_text(problem: Problem) -> str:
    """ "file:line: problem", the file relative to the project when it is one of the shipped lessons."""
    path = Path(problem.path)
    try:
        path = path.resolve().relative_to(ROOT)
    except (OSError, ValueError):
        pass
    return f"{path}:{problem.line}: {problem.message}"


def page_label(page: str) -> str:
    """A step's page as the sidebar names it, in English: "states" -> "Hidden states" (`_()` it where shown)."""
    found = BY_NAME.get(page)
    return found.label if found else page


def step_link(step: Step, view: ViewState) -> tuple[str, dict[str, str]]:
    """(the page script, the share link's query parameters) that open exactly the step's view there.

    The view pages (explorer.state.view.LINK_FIELDS) take their share link, the Lab also its open view
    (`view`), Timelapse its task; Models and Train take no view (Train opens on the step's task:
    explorer.ui.lessons.dock).
    """
    params = view_link_params(view, step.page) if step.page in LINK_FIELDS else {}
    if step.page == "timelapse" and "task" in step.view:  # its link takes the task of the shipped models shown
        params["task"] = view.task
    if step.page == "lab" and step.view.get("view"):  # the Lab's open view (explorer.views.lab.VIEWS)
        params["view"] = step.view["view"]
    return PAGES[step.page], params


def step_url(step: Step, view: ViewState) -> str:
    """The step's share link as a URL relative to the app ("Decode?task=reverse&…")."""
    _, params = step_link(step, view)
    query = urllib.parse.urlencode(params)
    return BY_NAME[step.page].url_path + (f"?{query}" if query else "")
