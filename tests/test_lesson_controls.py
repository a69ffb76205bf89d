"""A lesson asks only for controls its step's page shows: a step's text or teacher's notes, in either language,
that names a control of any page (in bold, or after press / click / 按 / 点击) names one its own page declares
(explorer.state.page_controls; tests/test_page_controls.py finds each drawn on its page, in both languages).

The checker's rule (explorer.lessons.controls) runs on every shipped lesson here, in the default test run, and
`python -m explorer.lessons check` fails on a file whose step names a control its page does not show.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer import lessons
from explorer.lessons import Lesson, Step, check, controls
from explorer.lessons.__main__ import main

SHIPPED, _ = lessons.catalog([lessons.SHIPPED_DIR])
DECODE_VIEW = {"task": "reverse", "scorer": "general", "sentence": "hello"}
LESSON = """title = "Controls"
audience = "Anyone"
minutes = 5
summary = "One step."

[[steps]]
title = "A step"
text = "{text}"
page = "{page}"
view = {{ task = "reverse", sentence = "hello" }}
"""


@pytest.fixture(autouse=True)
def shipped(monkeypatch):
    monkeypatch.delenv("ATTENTION_EXPLORER_PRETRAINED", raising=False)
    monkeypatch.delenv(lessons.LESSONS_ENV, raising=False)


def lesson_of(*steps: Step) -> Lesson:
    return Lesson("t", "T", "students", 5, "s", steps, path=Path("t.toml"))


def test_the_rule_reads_both_languages_and_the_ways_a_text_asks():
    assert controls.named("press **Step** and watch it write") == {"step"}
    assert controls.named("按 **单步**，看它写出") == {"单步"}
    assert controls.named("在按单步之前想一想") == {"单步"}
    assert controls.named("Step through it: the heatmap shows") == {"step"}
    assert controls.named("press **Play**, then **上一步**") == {"play", "上一步"}
    assert controls.named("点击 **重置**") == {"重置"}
    assert controls.named("Open the **Explain this cell** tab, then **What if…**") == {"explain this cell", "what if…"}
    assert controls.named("Switch the **Attention scorer**; **History of**") == {"attention scorer", "history of"}
    assert controls.named("press **Scorer A**, then press Scorer B") == {"scorer a", "scorer b"}  # not Scorer
    assert controls.named("The step slider and the Next button") == set()  # not a control asked for
    assert controls.named("**every** row, **without attention**") == set()  # emphasis, no control's label


def test_a_step_that_names_a_control_its_page_does_not_show_is_a_problem():
    compare = Step("s", "Press **Step** to see the next row.", "compare", DECODE_VIEW, line=7)
    chinese = Step("s", "Look.", "compare", DECODE_VIEW, line=9, translated=(("teacher_zh", "打开 **假如……**。"),))
    decode = Step("s", "Press **Step**, then open **What if…**.", "decode", DECODE_VIEW, line=11)
    own = Step("s", "Pick **Scorer A**; the **Models** page lists them.", "compare", DECODE_VIEW, line=13)
    found = controls.problems(lesson_of(compare, chinese, decode, own))
    assert [(p.line, p.message.split(":")[0]) for p in found] == [(7, "step 1"), (9, "step 2")]
    assert 'names "Step", which the page "compare" does not show' in found[0].message
    assert 'names "What if…" (假如……), which the page "compare" does not show' in found[1].message
    assert any(p.line == 7 and '"Step"' in p.message for p in check.problems(lesson_of(compare), claims=False))


def test_each_page_shows_only_its_own_controls():
    for page, shown in (("compare", "Scorer A"), ("timelapse", "History of"), ("lab", "Permute")):
        text = f"Press **{shown}**."
        assert not controls.missing(Step("s", text, page, {}, line=1)), page
        assert controls.missing(Step("s", text, "decode", {}, line=1)) == [shown.casefold()]
    assert not controls.missing(Step("s", "Open **Decode**, then **Presentation mode**.", "models", {}, line=1))


def write_lesson(folder: Path, page: str, text: str) -> Path:
    path = folder / "controls.toml"
    path.write_text(LESSON.format(page=page, text=text), encoding="utf-8")
    return path


def test_the_command_line_fails_on_a_step_naming_another_pages_control(tmp_path, capsys):
    path = write_lesson(tmp_path, "compare", "Open the **Explain this cell** tab: why this weight?")
    assert main(["check", "--no-claims", str(path)]) == 1
    said = capsys.readouterr().out
    assert f'{path}:6: step 1: the text names "Explain this cell", which the page "compare" does not show' in said


def test_the_command_line_passes_the_same_step_on_its_page(tmp_path, capsys):
    path = write_lesson(tmp_path, "decode", "Open the **Explain this cell** tab: why this weight?")
    assert main(["check", "--no-claims", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: ok"


@pytest.mark.parametrize("lesson", SHIPPED.values(), ids=lambda lesson: lesson.id)
def test_every_shipped_lesson_asks_only_for_controls_its_pages_show(lesson):
    assert controls.problems(lesson) == []
