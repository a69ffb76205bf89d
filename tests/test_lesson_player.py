"""The Lessons page and its player (AppTest over the shipped models) and its logic (plain Python).

Every step of every shipped lesson opens in the player without exception, and its "Open in <Page>"
link opens that page with exactly the step's view; questions block Next until answered, then
explain; an attention question's answer is the model's own argmax; bad URL values give notes;
a teacher's lessons never render HTML, and a broken lesson file is named with its line.
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
from explorer.state import keys, link
from explorer.state.view import ViewState, link_params
from explorer.ui import focus, lesson_player, presentation
from explorer.ui.markdown import authored_markdown, escape_markdown
from tests.app_fixtures import column_rows
from tests.hostile import UNESCAPED, problems

ROOT = Path(__file__).resolve().parent.parent
PAGE = "app_pages/8_Lessons.py"
TIMEOUT = 60
STATIC_HTML = (presentation.CSS,)
SHIPPED, _ = lessons.catalog([lessons.SHIPPED_DIR])
STEPS = [(lesson.id, index) for lesson in SHIPPED.values() for index in range(len(lesson.steps))]

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


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_page(query: dict | None = None, script: str = PAGE, **session) -> AppTest:
    """`script` run alone (no app around it: a step's link is a plain link button)."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    for key, value in session.items():
        at.session_state[key] = value
    return ok(at.run())


def rerun(at: AppTest, query: dict) -> AppTest:
    at.query_params.clear()
    at.query_params.update(query)
    return ok(at.run())


def url(at: AppTest) -> dict[str, str]:
    return {key: at.query_params[key] for key in at.query_params}


def step_text(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def button(at: AppTest, label: str):
    """The lesson's own button `label` (Back, Next…), not the step's decode controls (lesson_player.STEPPER_KEYS)."""
    decode = set(lesson_player.STEPPER_KEYS.values())
    return next(b for b in at.button if b.label == label and b.key not in decode)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def bodies(at: AppTest, kind: str) -> list[str]:
    return [el.value for el in at.get(kind)]


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
    found, notes = player.locate(query, {"demo": LESSON})
    assert found == position
    assert bool(notes) == noted
    assert all(len(note) < 200 for note in notes)  # a 10,000-character value is not repeated


def test_the_link_round_trips():
    for index in range(3):
        found = player.locate(player.link_params("demo", index), {"demo": LESSON})
        assert found == (player.Position("demo", index), ())
    assert player.link_params(None) == {}


class QueryParams(dict):
    """st.query_params as link.publish uses it."""

    def to_dict(self) -> dict:
        return dict(self)

    def from_dict(self, values) -> None:
        self.clear()
        self.update(values)


def test_the_session_keeps_the_position_until_a_new_link_is_opened():
    session, query = {}, QueryParams({"lesson": "demo", "at": "0"})
    lesson, index, notes = player.opened(session, query.to_dict(), {"demo": LESSON})
    assert (lesson, index) == (LESSON, 0) and notes
    link.publish(session, query, player.PAGE, player.position_link(lesson, index))
    assert query == {"lesson": "demo", "at": "1"}
    assert player.opened(session, query.to_dict(), {"demo": LESSON}) == (LESSON, 0, notes)  # still there
    player.go(session, "demo", 1)  # Next
    lesson, index, notes = player.opened(session, query.to_dict(), {"demo": LESSON})
    assert (index, notes) == (1, ())  # the URL is the page's own: the session moves; the note has gone
    link.publish(session, query, player.PAGE, player.position_link(lesson, index))
    assert query == {"lesson": "demo", "at": "2"}
    assert player.opened(session, {"lesson": "demo", "at": "3"}, {"demo": LESSON})[1] == 2  # a link opened
    assert player.opened(session, {"lesson": "demo", "at": "3"}, {})[0] is None  # its lesson has gone
    player.go(session, "demo", 7)  # the lesson has shrunk
    assert player.opened(session, {"lesson": "demo", "at": "3"}, {"demo": LESSON})[1] == 2


def test_next_waits_for_the_answer_and_the_last_step():
    session = {}
    assert player.can_go_next(LESSON, 0, answered=False)  # no question
    assert not player.can_go_next(LESSON, 1, answered=False)
    player.check(session, "demo", 1, "widget")  # nothing picked: nothing recorded
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


# -- the page: the list ------------------------------------------------------------------------------
def test_the_list_shows_every_shipped_lesson():
    at = open_page()
    assert bodies(at, "subheader") == [escape_markdown(lesson.title) for lesson in SHIPPED.values()]
    captions = bodies(at, "caption")
    for lesson in SHIPPED.values():
        assert escape_markdown(player.lesson_line(lesson)) in captions
    assert [b.label for b in at.main.button] == ["Start"] * len(SHIPPED)
    assert url(at) == {} and not at.warning and problems(at, allowed_html=STATIC_HTML) == []
    first = next(iter(SHIPPED.values()))
    ok(at.main.button[0].click().run())
    assert url(at) == {"lesson": first.id, "at": "1"}
    assert step_text(at) == f"Step 1 of {len(first.steps)}"
    ok(button(at, "All lessons").click().run())
    assert url(at) == {} and at.get("progress") == []


# -- the page: every step of every shipped lesson --------------------------------------------------
_OPENED: dict[tuple, None] = {}  # target pages already run with these parameters (steps share views)


@pytest.mark.parametrize(("lesson_id", "index"), STEPS, ids=[f"{lesson}:{index + 1}" for lesson, index in STEPS])
def test_every_step_opens_and_so_does_its_view_on_its_page(lesson_id, index):
    lesson = SHIPPED[lesson_id]
    step = lesson.steps[index]
    at = open_page(player.link_params(lesson_id, index))
    assert problems(at, allowed_html=STATIC_HTML) == []
    assert step_text(at) == f"Step {index + 1} of {len(lesson.steps)}"
    assert url(at) == player.link_params(lesson_id, index)
    assert not any("Teacher's notes" in note for note in bodies(at, "info"))  # a student's view
    view = check.step_view(step)
    assert not view.notes, view.notes  # a shipped step's view opens as written
    # "Open in <Page>": exactly the step's share link
    (link_button,) = at.get("link_button")
    assert link_button.proto.label == f"Open in {player.page_label(step.page)}"
    path, _, query = link_button.proto.url.partition("?")
    script, params = player.step_link(step, view)
    assert dict(urllib.parse.parse_qsl(query)) == params and path == Path(script).stem.split("_", 1)[1]
    if step.figure is not None:
        (figure,) = [c for c in charts(at) if "Exact match by source length" in c["layout"]["title"]["text"]]
        assert [trace["name"] for trace in figure["data"]] == list(step.figure.scorers)
    if step.page == "decode" and view.step and view.scorer != "none":
        assert any(c["data"][0]["type"] == "heatmap" for c in charts(at))
    if step.question is not None:
        assert button(at, "Next").disabled
    key = (script, tuple(sorted(params.items())))
    if key not in _OPENED:  # the step's page, opened by its link alone, as a student's click opens it
        target = open_page(params, script=script)
        assert problems(target, allowed_html=STATIC_HTML) == []
        _OPENED[key] = None


def test_the_open_link_is_an_in_app_page_link_when_served_as_an_app():
    """Served as an app (here: opened from app.py), the link is st.page_link with the step's query."""
    lesson = next(iter(SHIPPED.values()))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    ok(at.run())
    at.switch_page(PAGE)
    at.query_params.update(player.link_params(lesson.id, 0))
    ok(at.run())
    script, params = player.step_link(lesson.steps[0], check.step_view(lesson.steps[0]))
    links = [el for el in at.main.get("page_link")]
    assert len(links) == 1 and links[0].proto.label.startswith("Open in ")
    assert dict(urllib.parse.parse_qsl(links[0].proto.query_string)) == params
    assert at.get("link_button") == []


# -- the page: questions, Back / Next ----------------------------------------------------------------
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
    at = open_page({"lesson": "questions", "at": "1"})
    assert button(at, "Next").disabled and button(at, "Check").disabled
    assert at.radio[0].value is None and at.radio[0].options == ["l", "h"]
    assert not any("Only the teacher" in body for body in bodies(at, "info"))  # a student's view
    ok(at.radio[0].set_value(1).run())
    assert not button(at, "Check").disabled and button(at, "Next").disabled
    ok(button(at, "Check").click().run())
    assert bodies(at, "error")[0].startswith("Not this one: h")
    assert "h comes last." in bodies(at, "markdown")  # the chosen option's explanation
    assert {"✓ **l**: Third from the end.", "✗ **h**: h comes last."} <= set(bodies(at, "markdown"))
    assert not button(at, "Next").disabled and not at.radio
    ok(button(at, "Next").click().run())
    assert step_text(at) == "Step 2 of 3" and url(at) == {"lesson": "questions", "at": "2"}
    ok(button(at, "Back").click().run())  # the answer is kept: Next stays open
    assert bodies(at, "error") and not button(at, "Next").disabled

    right = open_page({"lesson": "questions", "at": "1"})
    ok(right.radio[0].set_value(0).run())
    ok(button(right, "Check").click().run())
    assert bodies(right, "success") == ["Right: l"] and "Third from the end." in bodies(right, "markdown")


def test_an_attention_question_reveals_the_models_own_argmax(teacher_folder):
    from seq2seq.checkpoint import load_model

    view = ViewState("reverse", "dot", "hello", step=2)
    tokens, row = measure.attention_row(load_model("reverse/dot"), view)
    best = max(range(len(row)), key=row.__getitem__)
    labels = [f"{i + 1:02d} {token}" for i, token in enumerate(tokens)]
    at = open_page({"lesson": "questions", "at": "2"})
    (heatmap,) = charts(at)
    assert len(heatmap["data"][0]["y"]) == 2 and not heatmap["layout"].get("shapes")  # the first view.step rows
    assert at.pills[0].options == [escape_markdown(label) for label in labels]
    assert button(at, "Next").disabled and button(at, "Check").disabled
    wrong = (best + 1) % len(tokens)
    ok(at.pills[0].set_value(wrong).run())
    ok(button(at, "Check").click().run())
    said = f"The model looks most at {labels[best]} (weight {row[best]:.2f}), outlined in the heatmap."
    assert bodies(at, "error") == [escape_markdown(f"You picked {labels[wrong]}. {said}")]
    assert "Reversing: the next letter written is the one it comes from." in bodies(at, "markdown")
    (heatmap,) = charts(at)
    assert len(heatmap["data"][0]["y"]) == 3 and heatmap["data"][0]["z"][2] == pytest.approx(row)  # the model's row
    assert heatmap["layout"]["shapes"][0]["y0"] == 1.5  # outlined
    assert not button(at, "Next").disabled

    right = open_page({"lesson": "questions", "at": "2"})
    ok(right.pills[0].set_value(best).run())
    ok(button(right, "Check").click().run())
    assert bodies(right, "success") == [escape_markdown(f"Right. {said}")]


def test_teacher_notes_show_only_with_the_toggle(teacher_folder):
    at = open_page({"lesson": "questions", "at": "1"})
    assert at.sidebar.toggle(key=keys.LESSON_TEACHER).label == "Teacher's notes"
    ok(at.sidebar.toggle(key=keys.LESSON_TEACHER).set_value(True).run())
    assert "**Teacher's notes.** Only the teacher sees this." in bodies(at, "info")


def test_presentation_mode_sets_the_heatmap_beside_the_words_in_one_frame(teacher_folder):
    at = open_page({"lesson": "questions", "at": "2"})
    assert charts(at)[0]["layout"]["height"] == 220
    ok(at.toggle(key=keys.PRESENTATION).set_value(True).run())
    assert [el.proto.body for el in at.get("html")] == [focus.CSS, presentation.CSS]
    (chart,) = charts(at)
    assert chart["layout"]["height"] == lesson_player.FRAME_FIGURE_PX and chart["layout"]["font"]["size"] == 18
    top, (words, shown) = column_rows(at.main)[:2]
    # The lesson's progress beside Back, Next and All lessons; then the step's words beside its heatmap.
    assert [[getattr(e, "key", None) for e in column if getattr(e, "key", None)] for column in top[1:]] == [
        ["lesson_back"],
        ["lesson_next"],
        ["lesson_leave"],
    ]
    assert at.button(key="lesson_next").disabled  # the question is not answered yet
    assert any(getattr(e, "type", "") == "plotly_chart" for e in shown)
    assert not any(getattr(e, "type", "") == "plotly_chart" for e in words)
    assert not at.header  # the lesson's title is the progress bar's text


# -- the page: bad links ------------------------------------------------------------------------------
FIRST = next(iter(SHIPPED.values()))
BAD_LINKS = {
    "unknown lesson": ({"lesson": "no-such-lesson", "at": "1"}, {}),
    "at=0": ({"lesson": FIRST.id, "at": "0"}, {"lesson": FIRST.id, "at": "1"}),
    "at=999": ({"lesson": FIRST.id, "at": "999"}, {"lesson": FIRST.id, "at": str(len(FIRST.steps))}),
    "at=abc": ({"lesson": FIRST.id, "at": "abc"}, {"lesson": FIRST.id, "at": "1"}),
    "10,000-character lesson": ({"lesson": "x" * 10_000, "at": "2"}, {}),
    "path lesson": ({"lesson": "../../../../etc/passwd", "at": "<script>alert(1)</script>"}, {}),
    "at without a lesson": ({"at": "3"}, {}),
}


def test_bad_links_fall_back_with_a_note():
    at = open_page()
    for name, (query, landed) in BAD_LINKS.items():
        rerun(at, query)
        assert problems(at, allowed_html=STATIC_HTML) == [], name
        (note,) = player.locate(query, SHIPPED)[1]
        assert escape_markdown(note) in bodies(at, "info") and len(note) < 200, name  # the value cut short
        assert url(at) == landed, name  # the address bar is rewritten to what is shown
    rerun(at, {"lesson": FIRST.id, "at": "0"})
    note = escape_markdown(player.locate({"lesson": FIRST.id, "at": "0"}, SHIPPED)[1][0])
    ok(at.run())  # the URL is now the page's own: the note stays while the step is the one the link led to
    assert note in bodies(at, "info")
    ok(button(at, "All lessons").click().run())  # moved on: the note has gone
    assert not at.info


# -- the page: a teacher's folder ------------------------------------------------------------------------
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
    labels = [option for radio in at.radio for option in radio.options]
    labels += [option for pills in at.pills for option in pills.options] + [r.label for r in at.radio]
    return found + [f"unescaped label {label!r}" for label in labels if UNESCAPED.search(label)]


def test_a_teachers_lessons_render_no_html_and_a_broken_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path))
    (tmp_path / "hostile.toml").write_text(HOSTILE, encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    at = open_page()
    assert hostile_problems(at) == []
    assert escape_markdown(f"Hostile {SCRIPT} {LINK}") in bodies(at, "subheader")  # listed beside the shipped
    (warning,) = at.warning
    assert escape_markdown(f"{broken}:3: minutes must be a whole number") in warning.value
    assert escape_markdown(f"{broken}:5:") in warning.value  # every problem of the file, each with its line

    ok(at.sidebar.toggle(key=keys.LESSON_TEACHER).set_value(True).run())
    rerun(at, {"lesson": "hostile", "at": "1"})
    assert hostile_problems(at) == []
    ok(at.radio[0].set_value(1).run())
    ok(button(at, "Check").click().run())
    assert hostile_problems(at) == []
    ok(button(at, "Next").click().run())
    assert hostile_problems(at) == []
    ok(at.pills[0].set_value(0).run())
    ok(button(at, "Check").click().run())
    assert hostile_problems(at) == [] and step_text(at) == "Step 2 of 2"


def test_the_link_module_sees_the_page_as_its_own():
    """The page's last URL is remembered under the page's own name (explorer.state.link)."""
    session: dict = {}
    link.publish(session, QueryParams(), player.PAGE, player.link_params("demo", 0))
    assert session[keys.page_url(player.PAGE)] == {"lesson": "demo", "at": "1"}
