"""Lessons on the real pages: the player's logic (plain Python) and the app (AppTest through app.py's
navigation, on the shipped models).

Every step of every shipped lesson, walked with Next, opens on its own page with exactly its view in the URL
and in the session, the lesson's panel docked there, and no exception; a link names a step on any page;
questions block Next until answered, then explain; an attention question's answer is the model's own
argmax; teacher's notes only with the toggle; bad links fall back with a note; a teacher's lessons never
render HTML, and a broken lesson file is named with its line.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from explorer import lessons
from explorer.lessons import LESSONS_ENV, check, measure, player
from explorer.lessons.schema import Option, Problem, Question
from explorer.state import keys, link, owner
from explorer.state.pages import BY_NAME
from explorer.state.view import LINK_FIELDS, ViewState, link_params
from explorer.ui.common import components
from explorer.ui.common.markdown import authored_markdown, escape_markdown
from explorer.ui.lessons import dock as lesson_dock
from explorer.ui.lessons import text as lesson_text
from explorer.ui.shell import presentation
from tests.app_fixtures import column_rows, ok
from tests.hostile import UNESCAPED, problems
from tests.lesson_fixtures import (
    LESSONS_SCRIPT,
    answer,
    click,
    lesson_app,
    open_link,
    page_path,
    panel,
    panel_label,
    step_query,
    url,
)

ROOT = Path(__file__).resolve().parent.parent
STATIC_HTML = (presentation.CSS,)
ELSEWHERE = lesson_dock.ELSEWHERE.split("{")[0]  # "This step is on the "
SHIPPED, _ = lessons.catalog([lessons.SHIPPED_DIR])
FIRST = SHIPPED["1-why-attention"]

torch.set_num_threads(1)  # small models, a busy 2-core machine


@pytest.fixture(scope="module", autouse=True)
def shipped_models():
    """The shipped registry (pretrained/), with Streamlit's caches emptied once: another test module may
    have cached translators of a test registry under the same names."""
    import streamlit as st

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ATTENTION_EXPLORER_PRETRAINED", raising=False)
        patch.delenv(LESSONS_ENV, raising=False)
        st.cache_resource.clear()
        st.cache_data.clear()
        yield
    st.cache_resource.clear()
    st.cache_data.clear()


def bodies(at, kind: str) -> list[str]:
    return [el.value for el in at.get(kind)]


def charts(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def keyboards(at) -> list[dict]:
    return [
        json.loads(el.proto.json)
        for el in at.get("bidi_component")
        if el.proto.component_name == components.KEYBOARD_NAME
    ]


# -- the logic -------------------------------------------------------------------------------------
LESSON = lessons.Lesson(
    "demo",
    "Demo",
    "anyone",
    10,
    "",
    (
        lessons.Step("One", "text", "decode", {"task": "reverse"}),
        lessons.Step("Two", "text", "compare", {}, question=Question("choice", "?", (Option("a", True, "why"),))),
        lessons.Step("Three", "text", "models", {}),
    ),
)
DEMO = {"demo": LESSON}


@pytest.mark.parametrize(
    ("query", "position", "noted"),
    [
        ({}, player.Position(), False),
        ({"lesson": "demo"}, player.Position("demo", 0), False),
        ({"lesson": "demo", "at": "2"}, player.Position("demo", 1), False),
        ({"lesson": "demo", "at": " 3 "}, player.Position("demo", 2), False),
        ({"lesson": "demo", "at": "0"}, player.Position("demo", 0), True),
        ({"lesson": "demo", "at": "-4"}, player.Position("demo", 0), True),
        ({"lesson": "demo", "at": "999"}, player.Position("demo", 2), True),
        ({"lesson": "demo", "at": "9" * 5000}, player.Position("demo", 0), True),  # too long for int()
        ({"lesson": "demo", "at": "9" * 40}, player.Position("demo", 2), True),
        ({"lesson": "demo", "at": "abc"}, player.Position("demo", 0), True),
        ({"lesson": "demo", "at": "1.5"}, player.Position("demo", 0), True),
        ({"lesson": "nope", "at": "1"}, player.Position(), True),
        ({"lesson": "../../etc/passwd"}, player.Position(), True),
        ({"lesson": "x" * 10_000}, player.Position(), True),
        ({"at": "2"}, player.Position(), True),
    ],
)
def test_locate_reads_the_url_with_a_note_for_each_refused_value(query, position, noted):
    found, notes = player.locate(query, DEMO)
    assert found == position
    assert bool(notes) == noted
    assert all(len(note) < 200 for note in notes)  # a 10,000-character value is not repeated


def test_the_link_round_trips_through_every_pages_url():
    for index in range(3):
        assert player.locate(player.link_params("demo", index), DEMO) == (player.Position("demo", index), ())
        session: dict = {}
        player.go(session, "demo", index)
        beside = link.beside_view(session)  # what every page's URL carries beside its view
        assert beside == player.link_params("demo", index) == {"lesson": "demo", "at": str(index + 1)}
    assert player.link_params(None) == {} and link.beside_view({}) == {}
    # a page's own view ignores them; the Lessons page's parameters keep them
    assert link.flat({"task": "reverse", "lesson": "demo", "at": "2"}) == {"task": "reverse"}


def at(step: int) -> dict[str, str]:
    """A URL's lesson parameters at the demo lesson's `step` (from 1)."""
    return {"lesson": "demo", "at": str(step)}


def test_a_link_moves_the_lesson_once_and_opens_its_steps_page():
    session: dict = {}
    assert player.follow_link(session, at(2), DEMO, page="lessons") == ()
    assert player.where(session) == player.Position("demo", 1)
    assert player.pending(session, "lessons", "compare", at(2))  # step 2 is on Compare: open it
    assert not player.pending(session, "compare", "compare", at(2))  # the run on Compare: arrived, once
    assert not player.pending(session, "compare", "compare", at(2))
    assert player.running(session, DEMO) == (LESSON, 1)
    player.move(session, "demo", 2)  # Next
    # Its run still has the old URL (at=2) until the page writes the new one: no move back
    assert player.follow_link(session, at(2), DEMO, page="compare") == ()
    assert player.where(session) == player.Position("demo", 2) and player.pending(session, "compare", "models", at(2))
    assert not player.pending(session, "models", "models", {**at(3), "task": "dates"})  # arrived (beside a view)
    assert player.running(session, DEMO) == (LESSON, 2)
    # The browser's Back (or a shared link) names another step: the lesson goes there
    assert player.follow_link(session, {"lesson": ["demo", "demo"], "at": ["3", "1"]}, DEMO, page="models") == ()
    assert player.where(session) == player.Position("demo", 0) and player.pending(session, "models", "decode", at(3))
    assert not player.pending(session, "decode", "decode", at(1))  # step 1: Decode, reached
    # A link on the step's own page: the page reads its view itself, nothing to open
    assert player.follow_link(session, {**at(1), "task": "dates"}, DEMO, page="decode") == ()
    assert not player.pending(session, "decode", "decode", at(1))  # same (lesson, at) as last read: not a new link
    assert player.follow_link(session, at(3), DEMO, page="models") == ()
    assert player.where(session) == player.Position("demo", 2)
    assert not player.pending(session, "models", "models", at(3))


def test_a_switch_that_a_browser_rerun_took_the_place_of_is_made_again():
    """Streamlit folds a rerun the browser asks for (the tab's memory as a page opens, a click) into a
    switch_page's, the browser's page and URL winning: the run that follows can be on the old page or carry the
    old step's link. The move still waits, and that URL is not read as a link back."""
    session: dict = {}
    player.follow_link(session, at(1), DEMO, page="lessons")
    assert player.pending(session, "lessons", "decode", at(1))  # the switch is asked for
    assert player.pending(session, "lessons", "decode", at(1))  # the run came on Lessons again: switch again
    assert not player.pending(session, "decode", "decode", at(1))  # on Decode at last
    # That run was cut short by a rerun the browser asked for on Lessons before it heard of the switch, the URL still
    # naming the step (issue 62: the Timelapse step stayed on the list): switch again, until a second run on Decode
    assert player.pending(session, "lessons", "decode", at(1))
    assert not player.pending(session, "decode", "decode", at(1))
    assert not player.pending(session, "decode", "decode", at(1))  # the browser is on Decode: over
    assert not player.pending(session, "lessons", "decode", at(1))  # the list again (the browser's Back): it stays
    player.follow_link(session, at(2), DEMO, page="lessons")  # a link to step 2 (Compare), read on Lessons
    assert player.pending(session, "lessons", "compare", at(2))
    assert not player.pending(session, "compare", "compare", at(2))  # arrived: one run on Compare
    assert not player.pending(session, "lessons", "compare", {})  # the sidebar's Lessons (no step in its URL): stays
    assert not player.pending(session, "lessons", "compare", at(2))  # and its next runs, which name the step
    player.move(session, "demo", 1)  # Next, then Back: a step on the page it is on
    player.move(session, "demo", 0)
    assert player.pending(session, "decode", "decode", at(1))  # the switch for the step's view
    assert player.follow_link(session, at(2), DEMO, page="decode") == ()  # a stale URL, not a link back
    assert player.where(session) == player.Position("demo", 0)
    assert player.pending(session, "decode", "decode", at(2))  # the old step's link: switch again
    assert not player.pending(session, "decode", "decode", at(1))  # the step's own link: over
    player.move(session, None)  # End: the list of lessons
    assert player.pending(session, "decode", player.PAGE, at(1))
    assert not player.pending(session, player.PAGE, player.PAGE, {})


def test_a_bad_link_is_noted_while_the_lesson_stands_where_it_led():
    session: dict = {}
    notes = player.follow_link(session, {"lesson": "demo", "at": "99"}, DEMO, page="lessons")
    assert len(notes) == 1 and "99" in notes[0]
    assert player.running(session, DEMO) == (LESSON, 2) and player.link_notes(session) == notes
    player.move(session, "demo", 1)  # Back: the note has gone
    assert player.link_notes(session) == () and player.pending(session, "lessons", "compare", at(99))
    assert not player.pending(session, "compare", "compare", at(2))
    assert player.follow_link(session, {"lesson": "nope", "at": "1"}, DEMO)
    assert player.where(session) == player.Position()
    assert not player.pending(session, None, player.PAGE, {})  # the list, where it is: no switch
    assert player.running(session, DEMO) == (None, 0)


def test_a_lesson_that_shrank_ends_on_its_last_step_and_one_removed_ends():
    session: dict = {}
    player.go(session, "demo", 7)  # a step the lesson no longer has
    assert player.running(session, DEMO) == (LESSON, 2) and player.where(session) == player.Position("demo", 2)
    assert link.beside_view(session) == {"lesson": "demo", "at": "3"}
    assert player.running(session, {}) == (None, 0)  # its file has gone
    assert player.where(session) == player.Position() and link.beside_view(session) == {}


def test_next_waits_for_the_answer_and_the_last_step():
    session: dict = {}
    assert player.can_go_next(LESSON, 0, answered=False)  # no question
    assert not player.can_go_next(LESSON, 1, answered=False)
    player.check(session, "demo", 1, "widget")  # nothing picked: nothing recorded
    assert player.answer(session, "demo", 1) is None
    session["widget"] = True  # not an option's index
    player.check(session, "demo", 1, "widget")
    assert player.answer(session, "demo", 1) is None
    session["widget"] = 0
    player.check(session, "demo", 1, "widget")
    assert player.answer(session, "demo", 1) == 0
    assert player.can_go_next(LESSON, 1, answered=True)
    assert not player.can_go_next(LESSON, 2, answered=True)  # the last step
    assert player.progress(1, 3) == ("Step 2 of 3", 2 / 3)


def test_answers_are_judged_against_the_file_and_the_model():
    question = Question("choice", "?", (Option("a", False, "no"), Option("b", True, "yes"), Option("c", True, "yes")))
    assert player.judge_choice(question, 0) == player.ChoiceResult(False, 0, (1, 2))
    assert player.judge_choice(question, 2).right
    assert player.judge_attention([0.1, 0.7, 0.2], 1) == player.AttentionResult(True, 1, 1, 0.7)
    assert player.judge_attention([0.5, 0.5], 1).answer == 0  # a tie: the first


def test_a_steps_link_is_its_pages_share_link():
    view = ViewState("reverse", "dot", "a&b c", step=3, model="")
    for page, path in (
        ("decode", "Decode"),
        ("compare", "Compare"),
        ("states", "Hidden_states"),
        ("beam", "Beam_search"),
    ):
        step = lessons.Step("t", "x", page, {})
        script, params = player.step_link(step, view)
        assert script == lessons.PAGES[page] and params == link_params(view, page)
        assert player.step_url(step, view) == f"{path}?{urllib.parse.urlencode(params)}"
    for page in ("models", "train", "timelapse"):
        assert player.step_link(lessons.Step("t", "x", page, {}), view) == (lessons.PAGES[page], {})
        assert player.step_url(lessons.Step("t", "x", page, {}), view) == page.capitalize()
    assert player.page_label("states") == "Hidden states"
    lab = lessons.Step("t", "x", "lab", {"task": "reverse", "view": "split"})
    script, params = player.step_link(lab, view)
    assert script == "app_pages/9_Lab.py" and params == {**link_params(view, "lab"), "view": "split"}
    assert player.step_url(lab, view).startswith("Lab?") and player.page_label("lab") == "Lab"
    problem = Problem(lessons.SHIPPED_DIR / "x.toml", 3, "bad")
    assert player.problem_text(problem) == "lessons/x.toml:3: bad"


def test_authored_markdown_keeps_markdown_and_drops_html_and_script_links():
    hostile = "<script>alert(1)</script> [x](javascript:alert(1)) [y](JavaScript:z) [e](java&#115;cript:z)"
    hostile += "\n[d]: javascript:alert(1)\n<img src=x onerror=alert(1)> [ok](https://example.org) `</s>`"
    out = authored_markdown(hostile)
    assert not UNESCAPED.search(out)
    assert "[ok](https://example.org)" in out and "`</s>`" in out  # web links and code spans stay
    assert authored_markdown("**bold** _it_ `code` [r](Decode?task=reverse)") == (
        "**bold** _it_ `code` [r](Decode?task=reverse)"
    )
    assert authored_markdown(r"\<b> \\<b>") == r"\<b> \\\<b>"  # an escaped mark stays escaped once


# -- the app: the list, Start, All lessons ---------------------------------------------------------------
def test_the_list_shows_every_lesson_and_start_opens_step_1_on_its_page():
    at = lesson_app({})
    assert page_path(at) == "Lessons" and panel(at) is None
    assert bodies(at, "subheader") == [escape_markdown(player.own_text(lesson, "title")) for lesson in SHIPPED.values()]
    for lesson in SHIPPED.values():
        assert escape_markdown(player.lesson_line(lesson)) in bodies(at, "caption")
    assert [b.label for b in at.main.button] == ["Start"] * len(SHIPPED)
    assert url(at) == {} and not at.warning and problems(at, allowed_html=STATIC_HTML) == []
    assert keyboards(at) == []  # no lesson runs: no clicker keys
    click(at, f"lesson_start_{FIRST.id}")
    assert page_path(at) == "Decode" and url(at) == step_query(FIRST, 0)
    assert panel(at).label == panel_label(FIRST, 0)
    click(at, "lesson_leave")  # All lessons: the list again, the lesson has ended
    assert page_path(at) == "Lessons" and url(at) == {} and panel(at) is None


# -- the app: every step of every shipped lesson, walked with Next ------------------------------------
def assert_the_steps_view(at: AppTest, step) -> None:
    """The page shows exactly the step's view: its share link's fields, the Lab's open view, Timelapse's task."""
    view = check.step_view(step)
    assert not view.notes, view.notes  # a shipped step's view opens as written
    shown = at.session_state[owner.VIEW]
    if step.page in LINK_FIELDS:
        assert link_params(shown, step.page) == link_params(view, step.page)
    if step.page == "lab":
        assert owner.own(at.session_state, "lab").get("view", "step") == step.view.get("view", "step")
    if step.page == "timelapse" and "task" in step.view:
        assert shown.task == step.view["task"]


@pytest.mark.parametrize("lesson_id", list(SHIPPED))
def test_every_step_opens_on_its_own_page_with_exactly_its_view(lesson_id, monkeypatch):
    from streamlit.elements.lib import policies

    warned = []  # Streamlit's warnings about widget state, logged (once a process) rather than shown
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda message, *args, **_: warned.append(message % args))
    lesson = SHIPPED[lesson_id]
    at = lesson_app(player.link_params(lesson_id, 0))
    for index, step in enumerate(lesson.steps):
        where = f"{lesson_id} step {index + 1}"
        assert page_path(at) == BY_NAME[step.page].url_path, where
        query = step_query(lesson, index)  # the step's share link: all of a view page's URL, on others a part
        assert url(at) == query if step.page in LINK_FIELDS else query.items() <= url(at).items(), where
        assert_the_steps_view(at, step)
        dock = panel(at)
        assert dock.label == panel_label(lesson, index), where
        shown = lesson_text.filled(step, check.step_view(step))  # its numbers measured, as the panel shows them
        assert dock.subheader[0].value == escape_markdown(shown.title), where
        assert not any(ELSEWHERE in body for body in bodies(dock, "info")), where
        assert not any("Teacher's notes" in body for body in bodies(dock, "info")), where  # a student's view
        assert problems(at, allowed_html=STATIC_HTML) == [], where
        (lesson_keys,) = [k for k in keyboards(at) if "lesson_next" in k["bindings"].values()]
        bound = {"PageDown", "PageUp"} | (set() if step.page == "decode" else {"ArrowRight", "ArrowLeft"})
        assert set(lesson_keys["bindings"]) == bound, where  # on Decode the arrows step the decode
        if step.figure is not None:
            (figure,) = [c for c in charts(at) if "Exact match by source length" in c["layout"]["title"]["text"]]
            assert [trace["name"] for trace in figure["data"]] == list(step.figure.scorers)
        if step.question is not None and at.button(key="lesson_next").disabled:  # an unanswerable one does not block
            answer(at, lesson, index)
            said = bodies(panel(at), "success") + bodies(panel(at), "error")
            judged = ("Right",) if step.question.kind == "choice" else ("Right", "You picked")
            assert any(body.startswith(judged) for body in said), where
        if index < len(lesson.steps) - 1:
            assert not at.button(key="lesson_next").disabled, where
            click(at, "lesson_next")
    assert at.button(key="lesson_next").disabled and "This is the end of the lesson." in bodies(panel(at), "success")
    assert warned == []  # the Train step's task box was set by the step and had a default too


# -- the app: links and other pages ----------------------------------------------------------------------
def test_a_link_on_a_steps_own_page_stays_there_and_one_elsewhere_opens_it():
    index = 2  # lesson 1 step 3: Decode
    query = step_query(FIRST, index)
    at = lesson_app(query, script=BY_NAME["decode"].script)
    assert page_path(at) == "Decode" and url(at) == query and panel(at).label == panel_label(FIRST, index)
    open_link(at, BY_NAME["models"].script, player.link_params(FIRST.id, 4))  # step 5 is on Compare
    assert page_path(at) == "Compare" and url(at) == step_query(FIRST, 4)


def test_the_panel_on_another_page_says_where_the_step_is_and_opens_it():
    at = lesson_app(player.link_params(FIRST.id, 2))  # Decode
    open_link(at, BY_NAME["models"].script, {})  # the reader picks Models in the sidebar
    assert page_path(at) == "Models" and player.link_params(FIRST.id, 2).items() <= url(at).items()  # still in it
    assert panel(at).label == panel_label(FIRST, 2)
    assert "This step is on the Decode page." in bodies(panel(at), "info")
    assert at.button(key="lesson_open_page").label == "Open Decode"
    click(at, "lesson_open_page")
    assert page_path(at) == "Decode" and url(at) == step_query(FIRST, 2)
    assert_the_steps_view(at, FIRST.steps[2])


def test_a_page_script_run_alone_says_where_the_step_is():
    """Without app.py's navigation (a page script in AppTest) no page can be switched to: the panel says so."""
    at = AppTest.from_file(str(ROOT / LESSONS_SCRIPT), default_timeout=60)
    at.query_params.update(player.link_params(FIRST.id, 0))
    ok(at.run())
    assert panel(at).label == panel_label(FIRST, 0) and "This step is on the Decode page." in bodies(at, "info")


BAD_LINKS = {  # the link, the page it opens, its URL then, whether a note says what was refused
    "unknown lesson": ({"lesson": "no-such-lesson", "at": "1"}, "Lessons", {}, True),
    "at=0": ({"lesson": FIRST.id, "at": "0"}, "Decode", step_query(FIRST, 0), True),
    "at=999": ({"lesson": FIRST.id, "at": "999"}, "Compare", step_query(FIRST, 4), True),
    "at=abc": ({"lesson": FIRST.id, "at": "abc"}, "Decode", step_query(FIRST, 0), True),
    "10,000-character lesson": ({"lesson": "x" * 10_000, "at": "2"}, "Lessons", {}, True),
    "path lesson": ({"lesson": "../../../../etc/passwd", "at": "<script>alert(1)</script>"}, "Lessons", {}, True),
    "at without a lesson": ({"at": "3"}, "Lessons", {}, True),  # names no lesson: the list, and why
}


@pytest.mark.parametrize("name", list(BAD_LINKS))
def test_bad_links_fall_back_with_a_note(name):
    query, path, landed, noted = BAD_LINKS[name]
    at = lesson_app(query)
    assert problems(at, allowed_html=STATIC_HTML) == []
    assert page_path(at) == path and url(at) == landed  # the address bar says what is shown
    if not noted:
        assert panel(at) is None and not at.info
        return
    (note,) = player.locate(query, SHIPPED)[1]
    assert escape_markdown(note) in bodies(at, "info") and len(note) < 200  # the value cut short
    ok(at.run())  # the URL is now the page's own: the note stays while the step is the one the link led to
    assert escape_markdown(note) in bodies(at, "info")


# -- the app: a teacher's lessons: questions, notes, a shrunk file, hostile text ---------------------------
QUESTIONS = """title = "Questions"
audience = "Testers"
minutes = 5

[[steps]]
title = "A choice"
text = "Reverse *hello*."
page = "decode"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "2" }
teacher = "Only the teacher sees this."

[steps.question]
kind = "choice"
prompt = "What comes next?"
options = [
  { text = "l", correct = true, explain = "Third from the end." },
  { text = "h", explain = "h comes last." },
]

[[steps]]
title = "Predict the attention"
text = "Where does the third letter look?"
page = "decode"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "2" }

[steps.question]
kind = "attention"
prompt = "Click the source letter."
explain = "Reversing: the next letter written is the one it comes from."

[[steps]]
title = "The end"
text = "Done."
page = "models"
"""


@pytest.fixture
def teacher_folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path))
    (tmp_path / "questions.toml").write_text(QUESTIONS, encoding="utf-8")
    return tmp_path


def test_a_choice_question_blocks_next_until_answered_then_explains(teacher_folder):
    at = lesson_app({"lesson": "questions", "at": "1"})
    check_key = keys.lesson_widget("check", "questions", 0)
    assert page_path(at) == "Decode"
    assert at.button(key="lesson_next").disabled and at.button(key=check_key).disabled
    (radio,) = panel(at).radio
    assert radio.value is None and radio.options == ["l", "h"]
    ok(radio.set_value(1).run())
    assert not at.button(key=check_key).disabled and at.button(key="lesson_next").disabled
    click(at, check_key)
    assert bodies(panel(at), "error")[0].startswith("Not this one: h")
    assert "h comes last." in bodies(panel(at), "markdown")  # the chosen option's explanation
    assert {"✓ **l**: Third from the end.", "✗ **h**: h comes last."} <= set(bodies(panel(at), "markdown"))
    assert not at.button(key="lesson_next").disabled and not panel(at).radio
    click(at, "lesson_next")
    assert page_path(at) == "Decode" and url(at)["at"] == "2" and panel(at).label.endswith("Step 2 of 3")
    click(at, "lesson_back")  # the answer is kept: Next stays open
    assert bodies(panel(at), "error") and not at.button(key="lesson_next").disabled

    right = lesson_app({"lesson": "questions", "at": "1"})
    answer(right, lessons.read(teacher_folder / "questions.toml"), 0)
    assert bodies(panel(right), "success") == ["Right: l"] and "Third from the end." in bodies(panel(right), "markdown")


def test_an_attention_question_is_judged_by_the_models_own_argmax(teacher_folder):
    from seq2seq.checkpoint import load_model

    tokens, row = measure.attention_row(load_model("reverse/dot"), ViewState("reverse", "dot", "hello", step=2))
    best = max(range(len(row)), key=row.__getitem__)
    labels = [f"{i + 1:02d} {token}" for i, token in enumerate(tokens)]
    lesson = lessons.read(teacher_folder / "questions.toml")
    at = lesson_app({"lesson": "questions", "at": "2"})
    assert panel(at).pills[0].options == [escape_markdown(label) for label in labels]
    assert at.button(key="lesson_next").disabled
    wrong = (best + 1) % len(tokens)
    answer(at, lesson, 1, wrong)
    said = f"The model looks most at {labels[best]} (weight {row[best]:.2f})."
    assert bodies(panel(at), "error") == [escape_markdown(f"You picked {labels[wrong]}. {said}")]
    assert "Reversing: the next letter written is the one it comes from." in bodies(panel(at), "markdown")
    assert not at.button(key="lesson_next").disabled

    right = lesson_app({"lesson": "questions", "at": "2"})
    answer(right, lesson, 1, best)
    assert bodies(panel(right), "success") == [escape_markdown(f"Right. {said}")]


def test_teacher_notes_show_only_with_the_toggle(teacher_folder):
    at = lesson_app({"lesson": "questions", "at": "1"})
    assert not any("Only the teacher" in body for body in bodies(at, "info"))
    toggle = at.sidebar.toggle(key=keys.LESSON_TEACHER)
    assert toggle.label == "Teacher's notes" and toggle.value is False
    ok(toggle.set_value(True).run())
    assert "**Teacher's notes.** Only the teacher sees this." in bodies(panel(at), "info")
    answer(at, lessons.read(teacher_folder / "questions.toml"), 0)
    click(at, "lesson_next")  # kept from step to step
    assert at.sidebar.toggle(key=keys.LESSON_TEACHER).value is True


def test_presentation_mode_makes_the_panel_one_column_of_title_words_question_and_back_next(teacher_folder):
    """On a projector the panel is the frame's side column (issue 62): no columns inside it; the step's title, its
    words in their box (which scrolls), the question, Back and Next, one under the other."""
    at = lesson_app({"lesson": "questions", "at": "1"})
    assert column_rows(panel(at))  # off a projector: the words beside the question
    ok(at.sidebar.toggle(key=keys.PRESENTATION).set_value(True).run())
    dock = panel(at)
    (nav,) = column_rows(dock)  # the one row of columns left: Back | Next | All lessons
    assert [[getattr(e, "key", None) for e in column] for column in nav] == [
        ["lesson_back"],
        ["lesson_next"],
        ["lesson_leave"],
    ]
    (words,) = [block for block in dock.children.values() if getattr(block, "key", None) == lesson_dock.WORDS_KEY]
    kinds = lambda column: [getattr(e, "type", "") for e in column]  # noqa: E731
    assert "subheader" not in kinds(words) and "radio" not in kinds(words) and dock.subheader
    assert dock.radio and {"lesson_back", "lesson_next"} <= {b.key for b in dock.button}
    assert any(lesson_dock.SIDE_COLUMN in el.proto.body for el in at.get("html"))  # the column's static CSS


def test_a_lesson_that_shrinks_or_goes_keeps_the_reader_somewhere(teacher_folder):
    at = lesson_app({"lesson": "questions", "at": "3"})
    assert page_path(at) == "Models" and panel(at).label.endswith("Step 3 of 3")
    path = teacher_folder / "questions.toml"
    path.write_text(QUESTIONS.rsplit("[[steps]]", 1)[0], encoding="utf-8")  # the teacher deletes step 3
    ok(at.run())
    assert panel(at).label.endswith("Step 2 of 2") and {"lesson": "questions", "at": "2"}.items() <= url(at).items()
    assert "This step is on the Decode page." in bodies(panel(at), "info")
    path.unlink()
    ok(at.run())
    assert panel(at) is None and "lesson" not in url(at)


SCRIPT, LINK = "<script>alert(1)</script>", "[x](javascript:alert(1))"
HOSTILE = f'''title = "Hostile {SCRIPT} {LINK}"
audience = "{SCRIPT}"
minutes = 5
summary = "{SCRIPT} {LINK}"

[[steps]]
title = "{SCRIPT} {LINK}"
text = "{SCRIPT} {LINK} <img src=x onerror=alert(1)>"
page = "decode"
view = {{ task = "reverse", scorer = "dot", sentence = "{SCRIPT}", step = "2" }}
teacher = "{SCRIPT} {LINK}"

[steps.question]
kind = "choice"
prompt = "{SCRIPT} {LINK}"
options = [
  {{ text = "{SCRIPT} {LINK}", correct = true, explain = "{SCRIPT} {LINK}" }},
  {{ text = "{LINK}", explain = "{SCRIPT}" }},
]

[[steps]]
title = "Attention on {LINK}"
text = "{LINK}"
page = "decode"
view = {{ task = "reverse", scorer = "dot", sentence = "{SCRIPT}", step = "2" }}

[steps.question]
kind = "attention"
prompt = "{SCRIPT}"
explain = "{LINK}"
'''
BROKEN = 'title = "Broken"\naudience = "x"\nminutes = "many"\n\n[[steps]]\ntitle = "t"\n'


def hostile_problems(at: AppTest) -> list[str]:
    found = problems(at, SCRIPT, STATIC_HTML) + problems(at, LINK, STATIC_HTML)
    labels = [option for radio in at.radio for option in radio.options] + [block.label for block in at.expander]
    labels += [option for pills in at.pills for option in pills.options] + [r.label for r in at.radio]
    return found + [f"unescaped label {label!r}" for label in labels if UNESCAPED.search(label)]


def test_a_teachers_lessons_render_no_html_and_a_broken_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path))
    (tmp_path / "hostile.toml").write_text(HOSTILE, encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    at = lesson_app({})
    assert hostile_problems(at) == []
    assert escape_markdown(f"Hostile {SCRIPT} {LINK}") in bodies(at, "subheader")  # listed beside the shipped
    (warning,) = at.warning
    assert escape_markdown(f"{broken}:3: minutes must be a whole number") in warning.value
    assert escape_markdown(f"{broken}:5:") in warning.value  # every problem of the file, each with its line

    click(at, "lesson_start_hostile")
    ok(at.sidebar.toggle(key=keys.LESSON_TEACHER).set_value(True).run())  # the teacher's notes too
    assert page_path(at) == "Decode" and hostile_problems(at) == []
    hostile = lessons.read(tmp_path / "hostile.toml")
    answer(at, hostile, 0, 1)
    assert hostile_problems(at) == []
    click(at, "lesson_next")
    assert hostile_problems(at) == []
    answer(at, hostile, 1, 0)
    assert hostile_problems(at) == [] and panel(at).label.endswith("Step 2 of 2")
