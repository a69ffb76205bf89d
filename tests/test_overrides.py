"""Attention overrides of the step API: finite, non-negative, one per source token, summing to 1."""

from __future__ import annotations

import math

import pytest

from seq2seq.inputs import OVERRIDE_TOLERANCE, InputError, check_override
from tests.helpers import tiny_translator

SOURCE = "abcd"  # 5 source tokens with </s>


@pytest.fixture(scope="module")
def translator():
    return tiny_translator(scorer="general")


@pytest.mark.parametrize(
    "weights,rule",
    [
        ([2.0, 0.0, 0.0, 0.0, 0.0], "must sum to 1"),
        ([0.5, 0.0, 0.0, 0.0, 0.0], "must sum to 1"),
        ([0.0] * 5, "must sum to 1"),
        ([1.5, -0.5, 0.0, 0.0, 0.0], "non-negative"),
        ([math.nan, 1.0, 0.0, 0.0, 0.0], "finite"),
        ([math.inf, 0.0, 0.0, 0.0, 0.0], "finite"),
        ([-math.inf, 1.0, 0.0, 0.0, 0.0], "finite"),
        ([0.25] * 4, "has 4 weights; the source has 5"),
        ([0.2] * 6, "has 6 weights; the source has 5"),
        ([], "has 0 weights; the source has 5"),
        (["a", 1.0, 0.0, 0.0, 0.0], "must be numbers"),
        ([None, 1.0, 0.0, 0.0, 0.0], "must be numbers"),
        ([0.2, 0.2, 0.2, 0.2, 0.2 + 2 * OVERRIDE_TOLERANCE], "must sum to 1"),
    ],
)
def test_bad_overrides_are_refused_naming_the_rule(translator, weights, rule):
    state = translator.start(SOURCE)
    with pytest.raises(InputError, match=rule):
        translator.step(state, attention=weights)


def test_sum_message_gives_the_sum():
    with pytest.raises(InputError, match=r"they sum to 2$"):
        check_override([2.0, 0.0], 2)


@pytest.mark.parametrize(
    "weights",
    [
        [1.0, 0.0, 0.0, 0.0, 0.0],
        [0.2] * 5,
        [0.1, 0.0, 0.6, 0.3, 0.0],
        [0.2, 0.2, 0.2, 0.2, 0.2 + OVERRIDE_TOLERANCE / 2],  # within the tolerance
    ],
)
def test_valid_overrides_are_used(translator, weights):
    step = translator.step(translator.start(SOURCE), attention=weights)
    assert step.overridden
    assert step.attention == pytest.approx(weights, abs=1e-7)


def test_an_override_on_a_model_without_attention_is_refused():
    translator = tiny_translator(scorer="none")
    with pytest.raises(InputError, match="no attention"):
        translator.step(translator.start(SOURCE), attention=[0.2] * 5)


def test_nan_can_no_longer_reach_the_output(translator):
    """Before validation, NaN weights gave p = nan and an arbitrary token."""
    state = translator.start(SOURCE)
    with pytest.raises(InputError):
        translator.step(state, attention=[math.nan] * 5)
    assert not math.isnan(translator.step(state, attention=[0.2] * 5).prob)
