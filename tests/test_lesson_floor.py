"""Rankings too small to read are said so, and no lesson reads one (issue 64).

Lesson 7 step 2 said of dates/general's saturated `0` that integrated gradients and leave-one-out "are not
local and still measure something", where f(x) − f(x′) is 0.0018 nats and the largest leave-one-out 0.0006,
and the Lab's own warning there says all three rankings are too small to read; step 3 read gradient × input's
top on reverse/dot's `d`, whose largest gradient × input is below 0.001. The floor is
seq2seq.lab.names.READABLE: the Lab's warning names the measures below it, and the checker refuses an
importance or τ claim on one.
"""

from __future__ import annotations

import dataclasses

import pytest

from explorer import i18n
from explorer.lessons import lesson_files, placeholders, read
from explorer.lessons.check import _importance_problem, _load, step_view
from explorer.lessons.placeholders import fill
from explorer.lessons.schema import Claim
from seq2seq.lab.names import READABLE

SHIPPED = {p.name[:2]: p for p in lesson_files() if p.parent.name == "lessons"}
MAY = "Wednesday, May 9, 2018"


@pytest.fixture(scope="module")
def dates():
    return _load("dates/general")


def claim(**values) -> Claim:
    base = Claim(kind="importance", model="dates/general", sentence=MAY, step=5, method="leave_one_out")
    return dataclasses.replace(base, **values)


def test_the_saturated_zero_has_nothing_to_rank(dates):
    from explorer.lessons.measure import claim_importance

    imp = claim_importance(dates, claim())
    assert imp.saturated and abs(imp.change) < READABLE
    assert imp.below_floor == ("grad_x_input", "integrated_gradients", "leave_one_out")


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "importance", "method": "leave_one_out", "token": "M"},
        {"kind": "importance", "method": "integrated_gradients", "token": "M"},
        {"kind": "tau", "statistic": "attention~integrated_gradients", "at_least": -1.0, "at_most": 1.0},
    ],
)
def test_the_checker_refuses_a_claim_that_reads_a_ranking_below_the_floor(dates, changes):
    problem = _importance_problem(claim(**changes), dates)
    assert problem and "below the floor of a readable ranking" in problem


def test_the_checker_refuses_gradient_x_input_on_reverse_dots_saturated_d():
    found = Claim(
        kind="importance", model="reverse/dot", sentence="hello world", step=0, method="grad_x_input", token="d"
    )
    problem = _importance_problem(found, _load("reverse/dot"))
    assert problem and "grad_x_input is below the floor" in problem


def test_lesson_7_step_2_says_the_rankings_cannot_be_read_in_both_languages():
    step = read(SHIPPED["7-"]).steps[1]
    numbers = placeholders.step_values(step.claims, step_view(step), _load)
    english = fill(step.text, numbers)
    with i18n.using("zh"):
        chinese = fill(dict(step.translated)["text_zh"], numbers)
    assert "still measure something" not in english and "none of\nthe rankings can be read" in english
    assert "仍然量得到东西" not in chinese and "没有一种排序可以解读" in chinese
    assert numbers["zero_change"].value < READABLE and numbers["zero_loo"].value < READABLE
    assert "0.0018" in english and "0.0018" in chinese
