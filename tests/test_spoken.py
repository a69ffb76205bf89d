"""The Decode page's attention in words (explorer.views.spoken): each step's announcement and the table view."""

from __future__ import annotations

import math

import pytest

from explorer import i18n
from explorer.figures.common import position_labels
from explorer.views import spoken
from tests.helpers import tiny_translator

SOURCE = ["我", "爱", "你", "。", "</s>"]


def test_a_step_names_its_token_and_the_source_token_it_looks_at_most() -> None:
    text = spoken.step_announcement(2, "▁love", SOURCE, [0.05, 0.83, 0.04, 0.03, 0.05])
    assert text == "Step 2: love — looks most at 爱 (0.83)"


def test_the_weight_is_rounded_to_two_decimals() -> None:
    assert spoken.step_announcement(1, "a", ["x", "y"], [0.004, 0.996]).endswith("looks most at y (1.00)")
    assert spoken.step_announcement(1, "a", ["x", "y"], [0.675, 0.325]).endswith("looks most at x (0.68)")


def test_a_tie_names_the_first_source_token() -> None:
    assert "looks most at x (0.50)" in spoken.step_announcement(3, "a", ["x", "y"], [0.5, 0.5])


def test_step_zero_and_a_model_without_attention() -> None:
    assert spoken.step_announcement(0, None, SOURCE, None) == "Step 0: nothing produced yet"
    assert spoken.step_announcement(4, "▁you", SOURCE, None) == "Step 4: you"


def test_a_broken_row_names_no_source_token() -> None:
    assert spoken.step_announcement(1, "a", ["x", "y"], [math.nan, math.nan]) == "Step 1: a"
    assert spoken.step_announcement(1, "a", ["x", "y"], [math.nan, 0.2]) == "Step 1: a — looks most at y (0.20)"


@pytest.mark.parametrize(
    ("piece", "said"),
    [("▁love", "love"), ("ing", "ing"), ("▁", "▁"), ("</s>", "end of sentence"), ("爱", "爱"), ("2", "2")],
)
def test_tokens_are_said_without_the_word_start_mark(piece: str, said: str) -> None:
    assert spoken.spoken_token(piece) == said


def test_chinese_announcement() -> None:
    with i18n.using("zh"):
        text = spoken.step_announcement(2, "▁love", SOURCE, [0.05, 0.83, 0.04, 0.03, 0.05])
        end = spoken.spoken_token("</s>")
    assert text == "第 2 步：love，最关注 爱（0.83）"
    assert end == "句子结束"


def test_announcements_follow_the_pages_step_numbers() -> None:
    """Index k is the page at "Step k of n": row k - 1 of the heatmap, the k-th output token."""
    data = tiny_translator(scorer="general").greedy("abc").plain("tiny")
    texts = spoken.announcements(data)
    assert len(texts) == data.num_steps + 1
    assert texts[0] == "Step 0: nothing produced yet"
    for k, row in enumerate(data.steps, start=1):
        top = max(range(len(row.attention)), key=row.attention.__getitem__)
        expected = f"Step {k}: {spoken.spoken_token(row.token)} — looks most at {data.source_tokens[top]}"
        assert texts[k] == f"{expected} ({row.attention[top]:.2f})"


def test_table_rows_are_the_matrix_with_headers_both_ways() -> None:
    columns, index, cells = spoken.table_rows(["a", "a"], ["x", "y"], [[0.126, 0.874], [1.0, 0.0]])
    assert columns == position_labels(["a", "a"]) and columns[0] != columns[1]  # a repeated token keeps its column
    assert index == position_labels(["x", "y"])
    assert cells == [["0.13", "0.87"], ["1.00", "0.00"]]


def test_table_rows_refuse_a_matrix_of_the_wrong_height() -> None:
    with pytest.raises(ValueError, match="2 attention rows for 1 output tokens"):
        spoken.table_rows(["a"], ["x"], [[1.0], [1.0]])
