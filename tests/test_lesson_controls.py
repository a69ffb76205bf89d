"""A lesson asks only for controls that are there: a step whose text names Step, Back, Play or Reset (in
either language) shows a decode, and the lesson player draws those controls under it.

The checker's rule (explorer.lessons.controls) runs on every shipped lesson here, in the default test run;
the page test presses the lesson's own Step and Back on every shipped step that asks for them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import lessons
from explorer.lessons import Lesson, Step, check, controls, player
from explorer.ui import lesson_player

ROOT = Path(__file__).resolve().parents[1]
SHIPPED, _ = lessons.catalog([lessons.SHIPPED_DIR])
ASKING = [
    (lesson.id, index)
    for lesson in SHIPPED.values()
    for index, step in enumerate(lesson.steps)
    if controls.step_named(step)
]
DECODE_VIEW = {"task": "reverse", "scorer": "general", "sentence": "hello"}


@pytest.fixture(autouse=True)
def shipped(monkeypatch):
    import streamlit as st

    monkeypatch.delenv("ATTENTION_EXPLORER_PRETRAINED", raising=False)
    monkeypatch.delenv(lessons.LESSONS_ENV, raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()


def lesson_of(*steps: Step) -> Lesson:
    return Lesson("t", "T", "students", 5, "s", steps, path=Path("t.toml"))


def test_the_rule_reads_both_languages_and_the_ways_a_text_asks():
    assert controls.named("press **Step** and watch it write") == {"Step"}
    assert controls.named("按 **单步**，看它写出") == {"Step"}
    assert controls.named("在按单步之前想一想") == {"Step"}
    assert controls.named("Step through it: the heatmap shows") == {"Step"}
    assert controls.named("press **Play**, then **上一步**") == {"Play", "Back"}
    assert controls.named("点击 **重置**") == {"Reset"}
    assert controls.named("The step slider and the Next button") == set()  # not a control asked for


def test_a_step_that_names_a_control_its_view_does_not_show_is_a_problem():
    compare = Step("s", "Press **Step** to see the next row.", "compare", DECODE_VIEW, line=7)
    chinese = Step("s", "Look.", "compare", DECODE_VIEW, line=9, translated=(("text_zh", "按 **播放**。"),))
    decode = Step("s", "Press **Step** to see the next row.", "decode", DECODE_VIEW, line=11)
    found = controls.problems(lesson_of(compare, chinese, decode))
    assert [(p.line, p.message.split(":")[0]) for p in found] == [(7, "step 1"), (9, "step 2")]
    assert "names Step" in found[0].message and "names Play" in found[1].message
    assert any(p.line == 7 and "names Step" in p.message for p in check.problems(lesson_of(compare), claims=False))


@pytest.mark.parametrize("lesson", SHIPPED.values(), ids=lambda lesson: lesson.id)
def test_every_shipped_lesson_asks_only_for_controls_it_shows(lesson):
    assert controls.problems(lesson) == []


@pytest.mark.parametrize(("lesson_id", "index"), ASKING, ids=[f"{lesson}:{index + 1}" for lesson, index in ASKING])
def test_the_player_draws_the_controls_a_step_asks_for_and_they_step(lesson_id, index):
    step = SHIPPED[lesson_id].steps[index]
    at = AppTest.from_file(str(ROOT / "app_pages" / "8_Lessons.py"), default_timeout=60)
    at.query_params.update(player.link_params(lesson_id, index))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    drawn = {b.key for b in at.button}
    for control in controls.step_named(step):
        assert lesson_player.STEPPER_KEYS[control] in drawn, control
    shown = check.step_view(step).step
    k, n = (at.session_state[lesson_player.STEPPER][field] for field in ("step", "n"))  # numbers, not the dict
    assert k == min(shown, n)
    if k < n:
        at.button(key=lesson_player.STEPPER_KEYS["Step"]).click().run()
        assert at.session_state[lesson_player.STEPPER]["step"] == k + 1
        assert any(f"· {k + 1} of {n} output tokens" in c.value for c in at.caption)
        at.button(key=lesson_player.STEPPER_KEYS["Back"]).click().run()
        assert at.session_state[lesson_player.STEPPER]["step"] == k
