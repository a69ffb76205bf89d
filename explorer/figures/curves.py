"""Curves over epochs or steps: training loss and metrics, one line per model or series."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.colors
import plotly.graph_objects as go

from explorer.figures.common import HALF_TITLE_COLUMNS, TITLE_LINE_PX, plotly_text, wrap_title
from explorer.i18n import _


# -- Models -----------------------------------------------------------------------------------
def training_curves(series: Sequence[Mapping], title: str, y_title: str, log_y: bool = False) -> go.Figure:
    """One line per model: series items are {"name", "epochs", "values"} (None = no value).

    log_y: a logarithmic y axis (losses fall over orders of magnitude).
    """
    figure = go.Figure()
    for item in series:
        if len(item["epochs"]) != len(item["values"]):
            raise ValueError(f"{item['name']}: {len(item['epochs'])} epochs but {len(item['values'])} values")
        figure.add_trace(
            go.Scatter(
                x=list(item["epochs"]), y=list(item["values"]), mode="lines+markers", name=plotly_text(item["name"])
            )
        )
    title, extra_lines = wrap_title(title, HALF_TITLE_COLUMNS)  # drawn in one of two columns
    figure.update_layout(
        title=title,
        xaxis={"title": _("epoch"), "dtick": 1},
        yaxis={"title": y_title, "type": "log" if log_y else "linear"},
        height=380 + TITLE_LINE_PX * extra_lines,
        margin={"l": 10, "r": 10, "t": 50 + TITLE_LINE_PX * extra_lines, "b": 10},
    )
    return figure


MARKER_COLOR = "#d62728"


# The series' colours: plotly's qualitative D3, Dark24 and Alphabet palettes in turn, each colour once and
# never the marker's red, so a chart of every scorer (the race) gives each its own colour however many
# the registry holds (`series_colors`). The first seven are D3's, as before there were more scorers.
PALETTE = tuple(
    dict.fromkeys(
        color.lower()
        for color in (
            *plotly.colors.qualitative.D3,
            *plotly.colors.qualitative.Dark24,
            *plotly.colors.qualitative.Alphabet,
        )
        if color.lower() != MARKER_COLOR
    )
)


def series_colors(count: int) -> list[str]:
    """`count` distinct colours for `count` series: PALETTE's, then hues a golden angle apart.

    Past PALETTE's 50-odd colours the hues are spread evenly round the wheel (137.5° apart, so no two
    neighbours in the list look alike); each is a distinct CSS colour string.
    """
    extra = [f"hsl({(137.508 * i) % 360:.1f}, 60%, 45%)" for i in range(max(0, count - len(PALETTE)))]
    return [*PALETTE[:count], *extra]


def curves(
    series: Mapping[str, tuple[Sequence[float], Sequence[float | None]]],
    title: str,
    x_title: str,
    y_title: str,
    marker_x: float | None = None,
    marker_label: str | None = None,
    y_range: tuple[float, float] | None = None,
    height: int = 300,
    whole_x: bool = False,
) -> go.Figure:
    """One line per series name -> (x, y), and a dashed vertical marker at `marker_x`.

    None values in y are gaps (epoch 0 has no training loss). The first trace is the first series,
    so a test (or a browser) can count its points. `whole_x` keeps ticks on whole numbers (epochs).
    """
    figure = go.Figure()
    colors = series_colors(len(series))
    for index, (name, (x, y)) in enumerate(series.items()):
        if len(x) != len(y):
            raise ValueError(f"series {name!r} has {len(x)} x values but {len(y)} y values")
        figure.add_trace(
            go.Scatter(
                x=list(x), y=list(y), name=plotly_text(name), mode="lines+markers",
                line={"color": colors[index]}, marker={"size": 5},
            )
        )  # fmt: skip
    if marker_x is not None:
        figure.add_vline(
            x=marker_x, line={"color": MARKER_COLOR, "dash": "dash", "width": 2},
            annotation_text=plotly_text(marker_label) if marker_label else None, annotation_position="top",
        )  # fmt: skip
    xaxis = {"title": x_title, **(_whole_ticks(series) if whole_x else {})}
    yaxis = {"title": y_title, **({"range": list(y_range)} if y_range else {})}
    title, extra_lines = wrap_title(title)
    figure.update_layout(
        title=title, height=height + TITLE_LINE_PX * extra_lines, xaxis=xaxis, yaxis=yaxis,
        margin={"l": 10, "r": 10, "t": 50 + TITLE_LINE_PX * extra_lines, "b": 10},
        legend={"orientation": "h", "y": -0.25}, showlegend=len(series) > 1,
    )  # fmt: skip
    return figure


def whole_tick_step(largest: float) -> int:
    """The step between ticks on whole numbers from 0 to `largest`, about ten of them (epochs: never 0.5)."""
    return max(1, math.ceil(largest / 10))


def _whole_ticks(series: Mapping[str, tuple[Sequence[float], Sequence]]) -> dict:
    """Ticks on whole numbers, about ten of them (plotly would label epoch 0.5)."""
    largest = max((x for xs, _ys in series.values() for x in xs), default=1)
    return {"tick0": 0, "dtick": whole_tick_step(largest)}


# -- Lab ----------------------------------------------------------------------------------------
def interval_curves(
    series: Mapping[str, Mapping[str, Sequence[float | None]]],
    title: str,
    x_title: str,
    y_title: str,
    y_range: tuple[float, float] | None = None,
    marker_x: float | None = None,
    marker_label: str | None = None,
    height: int = 380,
) -> go.Figure:
    """`curves` with an error bar per point: series name -> {"x", "y", "low", "high"} (None = no value,
    a gap; a missing bound draws no bar on that side)."""
    figure = curves(
        {name: (item["x"], item["y"]) for name, item in series.items()},
        title, x_title, y_title, marker_x=marker_x, marker_label=marker_label, y_range=y_range, height=height,
    )  # fmt: skip
    for trace, item in zip(figure.data, series.values(), strict=True):
        above = [_gap(h, y) for y, h in zip(item["y"], item["high"], strict=True)]
        below = [_gap(y, lo) for y, lo in zip(item["y"], item["low"], strict=True)]
        trace.error_y = {"type": "data", "array": above, "arrayminus": below, "thickness": 1, "width": 3}
    return figure


def _gap(upper: float | None, lower: float | None) -> float | None:
    return None if upper is None or lower is None else max(float(upper) - float(lower), 0.0)
