"""A running lesson in AppTest, as the app serves it: app.py's st.navigation around the pages, so that a
lesson's Start, Back and Next open the step's real page (explorer.ui.lessons.dock) and the test can ask
which page the run ended on, what its URL holds and what the lesson's docked panel shows.

`lesson_app(query)` opens a link (/Lessons?lesson=…&at=… by default) and runs it once; later runs stay on
the page the app finished on, as a browser's reruns do. `page_path(at)` is that page's path in the address
bar ("Decode"; "Lessons"), `panel(at)` the lesson's docked expander, `step_query(step)` the URL a step's
page must show, `answer(at, lesson, index)` answers a step's question through its widgets.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from explorer.lessons import check, player
from explorer.lessons.schema import Lesson, Step
from explorer.state import keys
from explorer.ui.common.markdown import escape_markdown
from tests.app_fixtures import PAGE_TIMEOUT, app_test, ok

LESSONS_SCRIPT = "app_pages/8_Lessons.py"


def lesson_app(query: dict, script: str = LESSONS_SCRIPT, timeout: float = PAGE_TIMEOUT) -> AppTest:
    """The app opened on `script` with the link's `query`, run once (no exception)."""
    at = app_test(script, timeout)
    at.query_params.update(query)
    ok(at.run())
    stay_on_the_page(at)
    return at


def stay_on_the_page(at: AppTest) -> AppTest:
    """AppTest asks again for the page of its last switch_page on every later run; a browser reruns the page
    it shows. Forget the request: the next runs rerun the page the last run finished on."""
    at._page_hash = ""
    return at


def open_link(at: AppTest, script: str, query: dict) -> AppTest:
    """The same session opens `script` with the link's `query` (a shared link, a bookmark), run once."""
    at.switch_page(script)
    at.session_state[keys.RUN_PAGE] = ""  # an arrival, even at the page it is on: its URL is a link
    at.query_params.clear()
    at.query_params.update(query)
    ok(at.run())
    return stay_on_the_page(at)


def page_path(at: AppTest) -> str:
    """The address-bar path of the page the last run finished on ("Decode", "Hidden_states", "" for Home)."""
    return str(at._registered_pages[at._finished_page_script_hash]["url_pathname"])


def url(at: AppTest) -> dict[str, str]:
    return {key: at.query_params[key] for key in at.query_params}


def panel(at: AppTest):
    """The lesson's docked panel (its expander), None when no lesson runs."""
    found = [block for block in at.expander if _is_panel(block)]
    assert len(found) <= 1, [block.label for block in found]
    return found[0] if found else None


def _is_panel(block) -> bool:
    """The panel's label names the lesson (AppTest's expanders carry no key): "Lesson: …", "课程：…"."""
    return str(block.label).startswith(escape_markdown("Lesson: ")) or str(block.label).startswith("课程：")


def panel_label(lesson: Lesson, index: int) -> str:
    """The panel's label at step `index` (English)."""
    return escape_markdown(f"Lesson: {player.own_text(lesson, 'title')} · Step {index + 1} of {len(lesson.steps)}")


def step_query(lesson: Lesson, index: int) -> dict[str, str]:
    """What the address bar of step `index`'s page holds: the step's share link and the lesson's position."""
    step = lesson.steps[index]
    _script, params = player.step_link(step, check.step_view(step))
    return {**params, **player.link_params(lesson.id, index)}


def right_option(step: Step) -> int:
    return next(i for i, option in enumerate(step.question.options) if option.correct)


def answer(at: AppTest, lesson: Lesson, index: int, value: int | None = None) -> AppTest:
    """Answer step `index`'s question through its widgets (the right option of a choice, unless `value`;
    an attention question's source position `value`, 0 unless given), then Check."""
    question = lesson.steps[index].question
    if question.kind == "choice":
        widget = at.radio(key=keys.lesson_widget("choice", lesson.id, index))
        ok(widget.set_value(right_option(lesson.steps[index]) if value is None else value).run())
    else:
        ok(at.pills(key=keys.lesson_widget("token", lesson.id, index)).set_value(value or 0).run())
    return ok(at.button(key=keys.lesson_widget("check", lesson.id, index)).click().run())


def click(at: AppTest, key: str) -> AppTest:
    """Click the lesson's button `key` (lesson_next, lesson_back, lesson_leave, lesson_open_page) and run."""
    return ok(at.button(key=key).click().run())
