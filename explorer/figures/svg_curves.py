"""Curves by epoch as SVG data, drawn in the browser by explorer/ui/common/bars.js (kind ``curves``).

What a live class's follower (a phone, most often) sees of Timelapse's loss and metric curves instead of Plotly's:
a phone drew Timelapse's step in one long task of about 0.5 s on a quiet machine, 0.3 s of it the two Plotly charts
(docs/performance.md, "A phone follows a lesson's start beside busy cores"). The same series and marker as
explorer.figures.curves.curves, which the teacher's page and a student exploring alone keep (zoom, hover, PNG).

Same safety as explorer.figures.svg_bars: the series' names and the words arrive as JSON and reach the page through
``textContent`` only. The ticks are chosen here (whole epochs, about ten; about five values up the side), so the
script only maps numbers to pixels. The drawn ``<svg>`` carries ``id`` and ``data-series`` (how many lines).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from explorer.figures.curves import MARKER_COLOR, series_colors, whole_tick_step
from explorer.figures.svg_bars import page_number
from explorer.i18n import _


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round values from `low` to `high` (at most `most`), a step of 1, 2 or 5 times a power of ten apart."""
    if not high > low:
        return [low]
    rough = (high - low) / (most - 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= rough)
    first = math.ceil(low / step - 1e-9)
    return [round(k * step, 10) for k in range(first, math.floor(high / step + 1e-9) + 1)]


def payload(
    series: Mapping[str, tuple[Sequence[float], Sequence[float | None]]],
    title: str,
    x_title: str,
    y_title: str,
    chart_id: str,
    marker_x: float | None = None,
    marker_label: str | None = None,
    y_range: tuple[float, float] | None = None,
) -> dict:
    """One line per series name -> (x (N,), y (N,)), None a gap; x whole numbers (epochs), ticked on about ten of
    them from 0; a dashed red marker at `marker_x`. y runs over `y_range`, or from the smallest value to the largest
    (5% more each way)."""
    lines = []
    for (name, (x, y)), color in zip(series.items(), series_colors(len(series)), strict=True):
        if len(x) != len(y):
            raise ValueError(f"series {name!r} has {len(x)} x values but {len(y)} y values")
        lines.append({"name": str(name), "color": color, "x": [float(v) for v in x], "y": [page_number(v) for v in y]})
    values = [v for line in lines for v in line["y"] if v is not None]
    if y_range is not None:
        low, high = float(y_range[0]), float(y_range[1])
    elif values:
        pad = 0.05 * (max(values) - min(values)) or 0.5
        low, high = min(values) - pad, max(values) + pad
    else:
        low, high = 0.0, 1.0
    largest = max((v for line in lines for v in line["x"]), default=1.0)
    step = whole_tick_step(largest)
    marked = None if marker_x is None else float(marker_x)
    return {
        "kind": "curves",
        "id": chart_id,
        "title": title,
        "x_title": x_title,
        "y_title": y_title,
        "series": lines,
        "x_range": [0.0, max(largest, 1.0)],
        "x_ticks": [float(k) for k in range(0, int(largest) + 1, step)],
        "y_range": [low, high],
        "y_ticks": nice_ticks(low, high),
        "marker": None if marked is None else {"x": marked, "label": marker_label or "", "color": MARKER_COLOR},
        "label": _label(title, lines, marked),
        "scale": 1.0,
        "texts": {"none": _("n/a")},  # bars.js's word for a value it cannot draw
    }


def _label(title: str, lines: list[dict], marked: float | None) -> str:
    """The chart in words for a screen reader: each line's value at the marker (its last value without one)."""

    def value(line: dict) -> float | None:
        if marked is not None:
            return next((y for x, y in zip(line["x"], line["y"], strict=True) if x == marked), None)
        return next((y for y in reversed(line["y"]) if y is not None), None)

    listed = _(", ").join(
        f"{line['name']} {_('n/a') if (v := value(line)) is None else format(v, '.3g')}" for line in lines
    )
    return _("{title}: {values}").format(title=title, values=listed)
