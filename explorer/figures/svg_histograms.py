"""Histograms in panels as SVG data, drawn in the browser by explorer/ui/common/bars.js (kind ``histograms``).

What a live class's follower (a phone, most often) sees of the Lab's τ histograms instead of Plotly's subplots
(explorer.figures.bars.histogram_grid, which the teacher's page and a student alone keep: zoom, hover, PNG): a phone
that drew that Plotly chart at lesson 8's start showed the step about 0.3 s later under busy cores than one that drew
none (docs/performance.md, "A phone follows a lesson's start beside busy cores").

The counts are made here, by the bins Plotly draws: bin k is [start + k·size, start + (k + 1)·size), a value in bin
⌊(x − start) / size + 10⁻⁹⌋ (plotly.js's rounding), the last bin closed (bars.in_last_bin), so the two charts count
alike. Each panel has its median (a solid line) and the papers' marks (dotted, labelled). Same safety as
explorer.figures.svg_bars: names and words arrive as JSON and reach the page through ``textContent`` only. The drawn
``<svg>`` carries ``id``, ``data-panels`` and, per panel, ``data-counts`` (what the browser tests read).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

from explorer.figures.bars import HISTOGRAM_COLOR, MARK_COLOR, in_last_bin
from explorer.figures.common import CHOSEN_COLOR
from explorer.figures.svg_bars import page_number
from explorer.figures.svg_curves import nice_ticks
from explorer.i18n import _

ROUNDING = 1e-9  # plotly.js's findBin adds this before taking the floor


def bin_counts(values: Sequence[float], x_range: tuple[float, float], size: float) -> list[int]:
    """How many of `values` fall in each bin of `size` over `x_range` (T bins: ⌈(end − start) / size⌉), as Plotly
    counts them once bars.in_last_bin has moved a value at the end inside; a value outside the range is in none."""
    start, end = float(x_range[0]), float(x_range[1])
    count = max(1, round((end - start) / size))
    counts = [0] * count
    for value in in_last_bin([float(v) for v in values], end, size):
        if not math.isfinite(value):
            continue
        index = math.floor((value - start) / size + ROUNDING)
        if 0 <= index < count:
            counts[index] += 1
    return counts


def payload(
    series: Mapping[str, Sequence[float]],
    x_title: str,
    x_range: tuple[float, float],
    bin_size: float,
    chart_id: str,
    marks: Mapping[str, Mapping[str, float]] | None = None,
    scale: float = 1.0,
) -> dict:
    """A panel per series name (its values, one per example) on one x range and bins: the counts, the median
    (None without values) and `marks[name]` (label -> x, in x order). `scale`: the type and panels' size (larger on a
    projector)."""
    panels = []
    for name, values in series.items():
        finite = [float(v) for v in values if math.isfinite(float(v))]
        ordered = sorted((marks or {}).get(name, {}).items(), key=lambda mark: mark[1])
        panels.append({
            "name": str(name),
            "counts": bin_counts(finite, x_range, bin_size),
            "median": page_number(statistics.median(finite)) if finite else None,
            "marks": [{"label": str(label), "x": page_number(x)} for label, x in ordered],
        })  # fmt: skip
    return {
        "kind": "histograms",
        "id": chart_id,
        "x_title": x_title,
        "y_title": _("examples"),
        "x_range": [float(x_range[0]), float(x_range[1])],
        "bin_size": float(bin_size),
        "x_ticks": nice_ticks(float(x_range[0]), float(x_range[1]), most=5),
        "panels": panels,
        "colors": {"bar": HISTOGRAM_COLOR, "median": CHOSEN_COLOR, "mark": MARK_COLOR},
        "label": _label(x_title, panels),
        "scale": float(scale),
        "texts": {"none": _("n/a")},
    }


def _label(x_title: str, panels: list[dict]) -> str:
    """The chart in words for a screen reader: each panel's name, examples and median."""
    listed = _("; ").join(
        _("{name}: {count} examples, median {median}").format(
            name=panel["name"],
            count=sum(panel["counts"]),
            median=_("n/a") if panel["median"] is None else format(panel["median"], ".2f"),
        )
        for panel in panels
    )
    return _("{title}: {values}").format(title=x_title, values=listed)
