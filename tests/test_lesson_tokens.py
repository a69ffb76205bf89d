"""Tokens a lesson names are placeholders of the step's view (issue 64): filled from its own decode, as code spans."""

from __future__ import annotations

from pathlib import Path

from explorer.lessons import placeholders, read
from explorer.lessons.check import _load, step_view
from explorer.lessons.placeholders import Token, code, fill, form_problem

ROOT = Path(__file__).resolve().parent.parent


def test_a_token_is_a_code_span_shown_as_written():
    assert fill("look at {view.attended}.", {"view.attended": Token("u")}) == "look at `u`."
    assert code("a`b") == "``a`b``" and code("`") == "`` ` ``"  # a backtick cannot end the span early
    assert fill("{view.token}", {"view.token": Token("**x**")}) == "`**x**`"  # never read as Markdown
    assert (
        form_problem("{view.token:.2f}", {})
        == "{view.token:.2f}: a token is written as it is, or as the page's piece with :piece"
    )
    assert form_problem("{view.output.3}", {}) is None and form_problem("{view.nothing}", {}) is not None


def test_lesson_one_names_the_letters_its_views_decode():
    lesson = read(ROOT / "lessons" / "1-why-attention.toml")
    step = lesson.steps[3]  # reverse/dot at step 5 of the alphabet: the next letter is u, and it looks at u
    numbers = placeholders.step_values(step.claims, step_view(step), _load, step)
    assert numbers["view.token"] == Token("u", "u") and numbers["view.attended"] == Token("u", "u")
    assert fill(step.question.explain, numbers).endswith(
        "start of the output: `u`. The model has learnt to look exactly there."
    )
    first = lesson.steps[0]
    numbers = placeholders.step_values(first.claims, step_view(first), _load, first)
    assert "reverses `hello`: press **Step** and watch it write `olleh`." in fill(first.text, numbers)


def test_a_piece_keeps_its_word_mark_where_the_text_asks_for_it():
    numbers = {"view.output.0": Token("J", "▁J")}
    assert fill("{view.output.0}, {view.output.0:piece}", numbers) == "`J`, `▁J`"
    assert form_problem("{view.output.0:piece}", {}) is None
