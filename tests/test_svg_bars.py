"""The Decode page's current-step charts as SVG data (explorer.figures.svg_bars): what reaches the browser."""

from __future__ import annotations

import pytest

from explorer.figures import common, curves, svg_bars, svg_curves
from explorer.figures.common import position_labels
from explorer.ui.common import components
from explorer.ui.decode import stepper as decode_stepper


def test_the_scores_chart_carries_the_row_labelled_by_position():
    tokens = ["a", "b", "a", "</s>"]
    data = svg_bars.scores_payload(tokens, [1.5, -2.0, float("nan"), 0.25], [0.5, 0.1, 0.0, 0.4])
    assert data["kind"] == "scores" and data["id"] == svg_bars.SCORES_ID
    assert data["full"] == position_labels(tokens) == ["01 a", "02 b", "03 a", "04 </s>"]  # repeats kept apart
    assert data["scores"] == [1.5, -2.0, None, 0.25]  # NaN is drawn as no bar, not sent as NaN
    assert data["weights"] == [0.5, 0.1, 0.0, 0.4] and data["scale"] == 1.0
    long = svg_bars.scores_payload(["x" * 40], [1.0], [1.0])
    assert long["labels"][0].endswith("…") and long["full"][0] == "01 " + "x" * 40  # cut on the axis only
    with pytest.raises(ValueError, match="2 scores and 1 weights for 2 source tokens"):
        svg_bars.scores_payload(["a", "b"], [1.0, 2.0], [1.0])


def test_the_topk_chart_ranks_the_candidates_and_marks_the_chosen_one():
    data = svg_bars.topk_payload([("▁plage", 0.9971), ("<b>", 0.0008), ("▁fête", 1e-4)], chosen="<b>", scale=1.5)
    assert data["kind"] == "topk" and data["id"] == svg_bars.TOPK_ID and data["scale"] == 1.5
    # plain text (the script writes textContent); SentencePiece's ▁ as the word-start dot, as every token shown
    assert data["labels"] == ["1. ·plage", "2. <b>", "3. ·fête"]
    with common.using_pieces(common.RAW):  # the sidebar's raw pieces
        assert svg_bars.topk_payload([("▁plage", 0.9971)])["labels"] == ["1. ▁plage"]
    assert data["probs"] == [0.9971, 0.0008, 0.0001] and data["chosen"] == [False, True, False]


def test_the_shares_chart_puts_each_weight_beside_its_share_of_the_context():
    data = svg_bars.shares_payload(["a", "b", "c"], [0.7, 0.2, 0.1], [0.5, 0.4, 0.1], highlight=1)
    assert data["kind"] == "shares" and data["id"] == svg_bars.SHARES_ID and data["highlight"] == 1
    assert data["weights"] == [0.7, 0.2, 0.1] and data["shares"] == [0.5, 0.4, 0.1]
    assert data["full"] == ["01 a", "02 b", "03 c"]
    with pytest.raises(ValueError, match="1 weights and 3 shares for 3 source tokens"):
        svg_bars.shares_payload(["a", "b", "c"], [1.0], [0.5, 0.4, 0.1])


def test_the_drawing_scripts_never_write_html():
    for script in (components.bars_js(), decode_stepper.script(), components.source("classes/follow.js")):
        assert "innerHTML" not in script and "insertAdjacentHTML" not in script
        assert "textContent" in script


def test_every_chart_carries_its_values_in_words_for_a_screen_reader():
    """bars.js sets `label` as the chart's aria-label: an <svg role="img"> without one is unnamed."""
    tokens = ["a", "b"]
    scores = svg_bars.scores_payload(tokens, [1.0, -1.0], [0.876, 0.124])
    a, b = position_labels(tokens)
    assert scores["label"] == f"Raw scores and attention weights of this step. Weights: {a} 0.88, {b} 0.12"
    topk = svg_bars.topk_payload([("▁plage", 0.9971), ("x", float("nan"))])
    assert topk["label"] == "Next-token candidates and their probabilities: 1. ·plage 1.00, 2. x n/a"
    shares = svg_bars.shares_payload(tokens, [0.5, 0.5], [0.25, 0.75])
    assert shares["label"].endswith(f"Shares: {a} 0.25, {b} 0.75")
    assert 'aria-label": data.label' in components.bars_js()


def test_the_curves_chart_carries_each_line_with_its_gaps_ticks_and_marker():
    """A follower's Timelapse curves (explorer.figures.svg_curves): a line per series, None, NaN and inf as gaps."""
    series = {"dot": ([0, 1, 2, 3], [None, 2.0, 1.2, 0.9]), "<b>": ([0, 1, 2], [None, float("nan"), 1.4])}
    data = svg_curves.payload(series, "training loss", "epoch", "loss", "tl-loss", marker_x=2, marker_label="epoch 2")
    assert (
        data["kind"] == "curves" and data["id"] == "tl-loss" and [s["name"] for s in data["series"]] == ["dot", "<b>"]
    )
    assert data["series"][0]["y"] == [None, 2.0, 1.2, 0.9] and data["series"][1]["y"] == [None, None, 1.4]
    assert data["series"][0]["color"] != data["series"][1]["color"] != curves.MARKER_COLOR
    assert data["marker"] == {"x": 2.0, "label": "epoch 2", "color": curves.MARKER_COLOR}
    assert data["x_range"] == [0.0, 3.0] and data["x_ticks"] == [0.0, 1.0, 2.0, 3.0]
    assert data["y_range"] == [pytest.approx(0.845), pytest.approx(2.055)]  # 5% past the values each way
    assert data["y_ticks"] == [1.0, 1.5, 2.0]
    assert data["label"] == "training loss: dot 1.2, <b> 1.4"  # each line at the marked epoch, for a screen reader
    at_gap = svg_curves.payload(series, "t", "epoch", "loss", "c", marker_x=1)
    assert at_gap["label"] == "t: dot 2, <b> n/a"  # NaN there: no value
    ranged = svg_curves.payload({"a": (list(range(31)), [0.5] * 31)}, "t", "epoch", "y", "c", y_range=(0, 1.02))
    assert ranged["y_range"] == [0.0, 1.02] and ranged["x_ticks"] == [float(x) for x in range(0, 31, 3)]
    assert ranged["marker"] is None and ranged["label"] == "t: a 0.5"
    with pytest.raises(ValueError, match="series 'a' has 2 x values but 1 y values"):
        svg_curves.payload({"a": ([0, 1], [1.0])}, "t", "x", "y", "c")


def test_curve_ticks_are_round_steps_within_the_range():
    assert svg_curves.nice_ticks(0, 1.02) == [0.0, 0.5, 1.0]
    assert svg_curves.nice_ticks(-0.1, 0.1) == [-0.1, -0.05, 0.0, 0.05, 0.1]
    assert svg_curves.nice_ticks(0.77, 2.31) == [1.0, 1.5, 2.0]
    assert svg_curves.nice_ticks(3.0, 3.0) == [3.0]
