"""Figure builders: plain data in, plotly figures out (no Streamlit, no model)."""

from __future__ import annotations

import pytest

from explorer.figures import trees
from explorer.figures.bars import topk_bars
from explorer.figures.common import plotly_text, position_labels
from explorer.figures.heatmaps import attention_heatmap
from explorer.figures.links import alignment_links

SOURCE = ["a", "b", "a", "</s>"]  # a repeated token and the end token
TARGET = ["x", "x", "</s>"]
WEIGHTS = [[0.7, 0.1, 0.1, 0.1], [0.0, 0.5, 0.5, 0.0], [0.25, 0.25, 0.25, 0.25]]


# -- labels ----------------------------------------------------------------------------------
def test_position_labels_keep_repeated_tokens_apart():
    assert position_labels(["a", "b", "a"]) == ["01 a", "02 b", "03 a"]
    assert len(set(position_labels(["x"] * 5))) == 5


def test_position_labels_widen_past_99():
    labels = position_labels(["t"] * 101)
    assert labels[0] == "001 t" and labels[99] == "100 t"


def test_plotly_text_escapes_tags_and_ampersand():
    assert plotly_text("</s>") == "&lt;/s&gt;"
    assert plotly_text("a & <b>") == "a &amp; &lt;b&gt;"
    assert plotly_text("plain") == "plain"


# -- heatmap ---------------------------------------------------------------------------------
def test_heatmap_shape_labels_and_fixed_scale():
    trace = attention_heatmap(SOURCE, TARGET, WEIGHTS).data[0]
    assert trace.type == "heatmap"
    assert len(trace.z) == len(TARGET) and all(len(row) == len(SOURCE) for row in trace.z)
    assert (trace.zmin, trace.zmax) == (0.0, 1.0)
    assert list(trace.x) == [plotly_text(label) for label in position_labels(SOURCE)]
    assert list(trace.x)[3] == "04 &lt;/s&gt;"  # escaped: plotly would draw "</s>" as nothing
    assert len(set(trace.x)) == len(SOURCE) and len(set(trace.y)) == len(TARGET)


def test_heatmap_with_no_rows_yet():
    trace = attention_heatmap(SOURCE, [], []).data[0]
    assert len(trace.z) == 0 and len(trace.x) == len(SOURCE)


def test_heatmap_refuses_wrong_shapes():
    with pytest.raises(ValueError, match="rows"):
        attention_heatmap(SOURCE, TARGET, WEIGHTS[:2])
    with pytest.raises(ValueError, match="source tokens"):
        attention_heatmap(SOURCE, TARGET[:1], [[0.5, 0.5]])


# -- one step --------------------------------------------------------------------------------
def test_topk_bars_most_probable_first_and_chosen_marked():
    figure = topk_bars([("x", 0.6), ("<unk>", 0.3), ("y", 0.1)], chosen="x")
    bar = figure.data[0]
    assert list(bar.x) == [0.6, 0.3, 0.1]
    assert list(bar.y) == ["1. x", "2. &lt;unk&gt;", "3. y"]
    assert bar.marker.color[0] == trees.CHOSEN_COLOR and bar.marker.color[1] != trees.CHOSEN_COLOR
    assert list(figure.layout.xaxis.range) == [0, 1]
    assert figure.layout.yaxis.type == "category"


# -- links -----------------------------------------------------------------------------------
def test_link_widths_are_proportional_to_weights():
    figure = alignment_links(SOURCE, TARGET, WEIGHTS, min_weight=0.0, max_width=10.0)
    lines = [d for d in figure.data if d.mode == "lines"]
    nonzero = sum(1 for row in WEIGHTS for w in row if w > 0)
    assert len(lines) == nonzero
    for line in lines:
        t, s, w = line.meta["target"], line.meta["source"], line.meta["weight"]
        assert w == WEIGHTS[t][s]
        assert line.line.width == pytest.approx(10.0 * w)
    ratios = {round(line.line.width / line.meta["weight"], 9) for line in lines}
    assert len(ratios) == 1


def test_links_drop_small_weights_and_draw_tokens_last():
    figure = alignment_links(SOURCE, TARGET, WEIGHTS, min_weight=0.2, highlight_row=0)
    lines = [d for d in figure.data if d.mode == "lines"]
    assert all(line.meta["weight"] >= 0.2 for line in lines)
    assert {line.line.color for line in lines if line.meta["target"] == 0} == {trees.CHOSEN_COLOR}
    source_row, target_row = figure.data[-2], figure.data[-1]
    assert list(source_row.text) == [plotly_text(label) for label in position_labels(SOURCE)]
    assert list(target_row.text) == [plotly_text(label) for label in position_labels(TARGET)]


def test_links_refuse_wrong_shapes():
    with pytest.raises(ValueError):
        alignment_links(SOURCE, TARGET, WEIGHTS[:1])
