"""Answer keys computed from the step's view (issue 64): a question keyed "holds" is right where its option's claim
holds on the model and every other option's claim fails, and an option that names a token of the view's decode
needs a computed key. Each edit below is made in a copy of a small lesson and must fail the check, naming why."""

from __future__ import annotations

import pytest

from explorer.lessons import __main__ as cli

LESSON = """
title = "Keys"
audience = "The checker"
minutes = 10

[[steps]]
title = "What comes next"
text = "The `dot` model reverses {view.sentence}; {view.step} letters are written."
text_zh = "`dot` 模型反转 {view.sentence}；已经写出 {view.step} 个字母。"
page = "decode"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "2" }

[steps.question]
kind = "choice"
key = "holds"
prompt = "Which source letter does the row of the last letter written look at most?"
options = [
  { text = "The letter it writes.", correct = true, claim = "on_own", explain = "Right." },
  { text = "The first letter of the source.", claim = "on_first", explain = "No." },
]

[[steps.claims]]
kind = "attends"
name = "on_own"
model = "reverse/dot"
sentence = "hello"
step = 1
position = 3

[[steps.claims]]
kind = "attends"
name = "on_first"
model = "reverse/dot"
sentence = "hello"
step = 1
position = 0
"""


def _check(tmp_path, capsys, text: str, claims: bool = True) -> tuple[int, str]:
    path = tmp_path / "keys.toml"
    path.write_text(text, encoding="utf-8")
    code = cli.main(["check", str(path)] if claims else ["check", "--no-claims", str(path)])
    return code, capsys.readouterr().out


def test_the_keyed_lesson_passes(tmp_path, capsys):
    code, out = _check(tmp_path, capsys, LESSON)
    assert code == 0, out


def test_a_wrong_key_fails_on_the_model(tmp_path, capsys):
    wrong = LESSON.replace('correct = true, claim = "on_own"', 'claim = "on_own"').replace(
        'claim = "on_first"', 'correct = true, claim = "on_first"'
    )
    code, out = _check(tmp_path, capsys, wrong)
    assert code == 1 and "the claim {on_own} of the wrong option 'The letter it writes.' holds: a wrong key?" in out, (
        out
    )
    assert "attends most to source position 3, not 0" in out, out  # the option marked right: its claim fails


def test_a_keyed_question_names_a_claim_for_a_wrong_option(tmp_path, capsys):
    code, out = _check(tmp_path, capsys, LESSON.replace(', claim = "on_first"', ""), claims=False)
    assert code == 1 and "a question keyed 'holds' names a claim for a wrong option too" in out, out


@pytest.mark.parametrize("option", ["{view.token}", "{view.output}", "{view.source.0}"])
def test_an_option_naming_the_views_token_needs_a_computed_key(tmp_path, capsys, option):
    typed = LESSON.replace('key = "holds"\n', "").replace("The first letter of the source.", option)
    code, out = _check(tmp_path, capsys, typed, claims=False)
    assert code == 1 and f"an option names {option}, a token of the view's decode" in out, out


def test_the_part_of_a_date_the_model_ignores_is_computed(tmp_path, capsys):
    """Lesson 3 step 1's key is what dates/general does: another weekday leaves its output as it is, another month
    does not. Marking May right instead of Wednesday fails on the model."""
    from pathlib import Path

    shipped = Path(__file__).resolve().parent.parent / "lessons" / "3-reordering.toml"
    text = shipped.read_text(encoding="utf-8")
    right = 'text_zh = "Wednesday（星期）", correct = true, claim = "no_weekday",'
    wrong = 'text_zh = "May（月份）", claim = "no_month",'
    assert right in text and wrong in text
    text = text.replace(right, right.replace(" correct = true,", ""), 1).replace(
        wrong, wrong.replace("claim =", "correct = true, claim ="), 1
    )
    code, out = _check(tmp_path, capsys, text)
    assert code == 1 and "the claim {no_weekday} of the wrong option 'Wednesday' holds: a wrong key?" in out, out
