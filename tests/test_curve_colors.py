"""Every series of a curves chart has its own colour, however many scorers the registry holds."""

from __future__ import annotations

from explorer.figures import curves
from seq2seq.scorers import SCORERS


def _colors(count: int) -> list[str]:
    series = {f"series {i}": ([0, 1], [1.0, 0.5]) for i in range(count)}
    figure = curves.curves(series, "loss", "epoch", "loss", marker_x=1)
    return [trace.line.color for trace in figure.data]


def test_every_scorer_of_the_race_gets_its_own_colour_and_none_is_the_markers():
    """The race draws one line per scorer of the registry: a new scorer gets a new colour, not the first's."""
    for count in (len(SCORERS), len(SCORERS) + 1, 2 * len(SCORERS)):
        colors = _colors(count)
        assert len(colors) == len(set(colors)) == count
        assert curves.MARKER_COLOR not in colors


def test_past_the_palette_the_colours_stay_distinct_and_the_first_seven_are_d3s():
    colors = curves.series_colors(len(curves.PALETTE) + 40)
    assert len(set(colors)) == len(curves.PALETTE) + 40
    assert colors[:7] == ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
