"""Explain this cell: the chart's legend names every colour its bars are drawn in, the explained cell's red
included, and places each entry past the text of the one before."""

from __future__ import annotations

from explorer import i18n
from explorer.figures import svg_bars
from explorer.figures.common import CHOSEN_COLOR, OTHER_COLOR, SCORE_COLOR


def test_the_legend_has_the_explained_cells_red_beside_the_weights_and_the_shares():
    data = svg_bars.shares_payload(["a", "b", "c"], [0.2, 0.7, 0.1], [0.3, 0.5, 0.2], highlight=1)
    legend = data["legend"]
    assert [entry["color"] for entry in legend] == [OTHER_COLOR, SCORE_COLOR, CHOSEN_COLOR]
    assert {data["colors"][name] for name in ("weight", "share", "chosen")} == {e["color"] for e in legend}
    assert legend[2]["text"] == "the cell explained"
    assert [entry["x"] for entry in legend] == [0, 120, 120 + 7 * 12 + 40]  # "share of c_t": 12 columns


def test_without_an_explained_cell_no_red_is_drawn_or_named():
    data = svg_bars.shares_payload(["a", "b"], [0.5, 0.5], [0.5, 0.5])
    assert CHOSEN_COLOR not in {entry["color"] for entry in data["legend"]} and len(data["legend"]) == 2


def test_the_legend_in_chinese_is_placed_by_display_width():
    with i18n.using("zh"):
        data = svg_bars.shares_payload(["我", "爱"], [0.5, 0.5], [0.5, 0.5], highlight=0)
    legend = data["legend"]
    assert legend[2]["text"] == "所解释的格子"
    for before, after in zip(legend, legend[1:], strict=False):
        assert after["x"] - before["x"] >= 7 * svg_bars.display_width(before["text"]) + 40
