"""A lesson's options in a live class are shown as the lesson writes them (issue 62): inline code and math as
such on the phones' answer buttons and in the projected reveal, and still no HTML from a lesson file."""

from __future__ import annotations

import pytest
import torch

from explorer import lessons
from explorer.lessons import LESSONS_ENV, player
from explorer.state import keys
from explorer.ui.classes import state as class_state
from explorer.ui.classes.state import option_markdown
from explorer.ui.common.markdown import authored_markdown, escape_markdown
from tests.app_fixtures import ok
from tests.hostile import UNESCAPED
from tests.lesson_fixtures import lesson_app

torch.set_num_threads(1)
SHIPPED, _ = lessons.catalog([lessons.SHIPPED_DIR])
SCORERS = SHIPPED["2-what-a-scorer-computes"]  # step 1 asks a choice whose options hold `score − max = 0`


def test_a_lessons_option_is_its_authors_markdown_and_a_token_is_text():
    option = "so `score − max = 0` and $e^0 = 1$ <script>alert(1)</script> [x](javascript:alert(1))"
    shown = option_markdown("choice", option)
    assert "`score − max = 0`" in shown and "$e^0 = 1$" in shown  # code and math stay Markdown
    assert not UNESCAPED.search(shown)  # no tag, no script link
    assert option_markdown("attend", "`a`") == escape_markdown("`a`")  # a source token is shown as typed
    assert option_markdown("token", "<s>") == escape_markdown("<s>")


@pytest.fixture
def shipped(monkeypatch):
    import streamlit as st

    monkeypatch.delenv("ATTENTION_EXPLORER_PRETRAINED", raising=False)
    monkeypatch.delenv("ATTENTION_EXPLORER_REDIS_URL", raising=False)
    monkeypatch.delenv(LESSONS_ENV, raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    class_state.rooms.clear()
    yield
    class_state.rooms.clear()
    st.cache_resource.clear()
    st.cache_data.clear()


def _button(at, key: str):
    return next(b for b in at.button if b.key == key)


def test_a_class_reads_a_lessons_options_with_their_code_on_phones_and_in_the_reveal(shipped):
    teacher = lesson_app(player.link_params(SCORERS.id, 0))
    ok(_button(teacher, "class_start").click().run())
    code = class_state.tab(teacher.session_state).teacher.code
    ok(_button(teacher, "class_lesson_ask").click().run())
    question = class_state.rooms().current_question(code)
    assert question.kind == "choice"
    pupil = lesson_app({"room": code}, script="app.py")
    ok(pupil.run())
    pills = next(g for g in pupil.get("button_group") if g.key == f"{keys.CLASS_ANSWER}_{question.id}")
    written = [option.local("text") for option in SCORERS.steps[0].question.options]
    shown = [option.content for option in pills.proto.options]
    assert shown == [authored_markdown(text) for text in written]
    assert any("`score − max = 0`" in label for label in shown)  # the code span, not \`score − max = 0\`
    ok(pills.set_value(0).run())
    said = [i.value for i in pupil.info if i.value.startswith("Your answer: ")]  # the option ends with its own "."
    assert said == [f"Your answer: {shown[0]} Wait for the teacher to reveal; until then you can change it."]
    ok(teacher.run())
    ok(_button(teacher, "class_reveal").click().run())
    listed = [m.value for m in teacher.markdown if m.value.startswith("1. ")]
    assert listed and "`score − max = 0`" in listed[0] and "\\`" not in listed[0]
