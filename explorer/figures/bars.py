"""Bar charts: the k most probable next tokens of one decoding step; histograms (the Lab's tau per example)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from explorer.figures.common import (
    CHOSEN_COLOR,
    HALF_TITLE_COLUMNS,
    OTHER_COLOR,
    TITLE_LINE_PX,
    plotly_text,
    position_labels,
    wrap_title,
)
from explorer.i18n import _


def topk_bars(
    candidates: Sequence[tuple[str, float]],
    chosen: str | None = None,
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """The k most probable next tokens as horizontal bars, most probable on top, x fixed to 0–1.

    candidates: (piece, probability) pairs, most probable first; `chosen` is drawn in red.
    """
    labels = [plotly_text(f"{rank}. {piece}") for rank, (piece, _prob) in enumerate(candidates, start=1)]
    probs = [float(p) for _piece, p in candidates]
    colors = [CHOSEN_COLOR if piece == chosen else OTHER_COLOR for piece, _prob in candidates]
    figure = go.Figure(
        go.Bar(
            x=probs,
            y=labels,
            orientation="h",
            marker_color=colors,
            text=[f"{p:.3f}" for p in probs],
            textposition="auto",
            hovertemplate="%{y}<br>p = %{x:.4f}<extra></extra>",
        )
    )
    title, extra_lines = wrap_title(title, HALF_TITLE_COLUMNS)  # drawn in one of two columns
    figure.update_layout(
        title=title,
        xaxis={"title": _("probability"), "range": [0, 1]},
        yaxis={"type": "category", "autorange": "reversed"},
        height=(height or max(180, 50 + 32 * len(labels))) + TITLE_LINE_PX * extra_lines,
        margin={"l": 10, "r": 10, "t": (40 if title else 10) + TITLE_LINE_PX * extra_lines, "b": 10},
    )
    return figure


# -- Lab ---------------------------------------------------------------------------------------
HISTOGRAM_COLOR = "#1f77b4"
MARK_COLOR = "#7f7f7f"


def in_last_bin(values: Sequence[float], end: float, size: float) -> list[float]:
    """`values` with those at `end` (to a millionth of a bin) moved that much inside it: into the last bin
    [end − size, end), which Plotly counts, as a closed last bin would. Any other value is left as it is."""
    hair = size * 1e-6
    return [end - hair if abs(v - end) <= hair else v for v in values]


def histogram_grid(
    series: Mapping[str, Sequence[float]],
    x_title: str,
    x_range: tuple[float, float],
    bin_size: float,
    marks: Mapping[str, Mapping[str, float]] | None = None,
    columns: int = 3,
    title: str | None = None,
) -> go.Figure:
    """One small histogram per series name (its values, one per example), on one x range and bins, in a grid.

    Each panel has a solid line at its median and dotted `marks[name]` (label -> x: a paper's number
    beside ours). A series without values gets an empty panel saying so.

    Bins are [start + k·size, start + (k + 1)·size), the last one closed: a value at the range's end counts in the
    last bin. Plotly leaves every bin's end out, so a τ of exactly 1 fell outside the last one and was not drawn
    (the Lab's reverse/scaled_dot showed 39 of its 40 examples): such a value is given to Plotly a hair inside it
    (`in_last_bin`); the median is the values' own.
    """
    from plotly.subplots import make_subplots

    names = list(series)
    rows = max(1, -(-len(names) // columns))
    template = _("τ {tau}: {count} examples").format(tau="%{x}", count="%{y}")
    figure = make_subplots(
        rows=rows, cols=columns, subplot_titles=[plotly_text(n) for n in names], shared_xaxes=True,
        vertical_spacing=0.22 if rows > 1 else 0.1, horizontal_spacing=0.06,
    )  # fmt: skip
    bins = {"start": x_range[0], "end": x_range[1], "size": bin_size}
    for index, name in enumerate(names):
        row, col = index // columns + 1, index % columns + 1
        values = [float(v) for v in series[name]]
        figure.add_trace(
            go.Histogram(
                x=in_last_bin(values, x_range[1], bin_size), xbins=bins, marker_color=HISTOGRAM_COLOR,
                name=plotly_text(name), showlegend=False,
                hovertemplate=template + "<extra>" + plotly_text(name) + "</extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
        if values:
            median = statistics.median(values)
            figure.add_vline(x=median, line={"color": CHOSEN_COLOR, "width": 2}, row=row, col=col)
        ordered = sorted((marks or {}).get(name, {}).items(), key=lambda mark: mark[1])
        for index_mark, (label, x) in enumerate(ordered):  # labels left of their lines, the last one right
            position = "top right" if index_mark == len(ordered) - 1 else "top left"
            figure.add_vline(
                x=x, line={"color": MARK_COLOR, "dash": "dot", "width": 1}, row=row, col=col,
                annotation_text=plotly_text(label), annotation_position=position, annotation_font_size=9,
                annotation_yshift=-14 - 12 * (index_mark % 2),  # close marks on two lines
            )  # fmt: skip
    figure.update_xaxes(range=list(x_range), showticklabels=True)
    figure.update_xaxes(title_text=x_title, row=rows)
    figure.update_yaxes(title_text=_("examples"), col=1)
    title, extra_lines = wrap_title(title)
    figure.update_layout(
        title=title, height=80 + 230 * rows + TITLE_LINE_PX * extra_lines,
        margin={"l": 10, "r": 10, "t": (80 if title else 40) + TITLE_LINE_PX * extra_lines, "b": 10},
        bargap=0.05,
    )  # fmt: skip
    return figure


# -- live classes ------------------------------------------------------------------------------
CLASS_COLOR = "#ff7f0e"
FIRST_VOTE_COLOR = "#ffbb78"  # the first vote of a question asked again: the class's colour, lighter


def class_answers(rows: Sequence[Mapping], kind: str) -> go.Figure:
    """A revealed question: the class's share of answers per option beside the model's own weight (its
    attention row for "attend", its probabilities for "token"; a lesson's "choice" has none, and its options
    are numbered), bars per option, 0–1; a question asked again shows the first vote's shares too (rows'
    "before"), before the second's.

    rows: explorer.classrooms.follow.reveal_rows (option, answers, share, before, model, right); a right
    option's label is marked ✓. The legend sits under the bars, so that at a phone's 390 px it covers none.
    """
    if kind == "choice":  # a lesson's options are sentences: numbered here, listed in full above the chart
        labels = [f"{i} ✓" if row["right"] else str(i) for i, row in enumerate(rows, start=1)]
    else:
        marked = [f"{row['option']} ✓" if row["right"] else str(row["option"]) for row in rows]
        labels = [plotly_text(label) for label in position_labels(marked)]
    model = _("model's attention") if kind == "attend" else _("model's probability")
    again = any(row.get("before") is not None for row in rows)
    bars = []
    if again:
        bars.append(
            go.Bar(
                x=labels,
                y=[row["before"] or 0.0 for row in rows],
                name=_("first vote"),
                marker_color=FIRST_VOTE_COLOR,
                hovertemplate="%{x}<br>%{y:.0%}<extra></extra>",
            )
        )
    bars += [
        go.Bar(
            x=labels,
            y=[row["share"] for row in rows],
            name=_("second vote") if again else _("class's answers"),
            marker_color=CLASS_COLOR,
            customdata=[row["answers"] for row in rows],
            hovertemplate="%{x}<br>%{y:.0%} (%{customdata})<extra></extra>",
        ),
    ]
    if kind != "choice":  # a lesson's choice question has no model weights: its right options are marked ✓
        bars.append(go.Bar(x=labels, y=[row["model"] for row in rows], name=model, marker_color=OTHER_COLOR,
                           hovertemplate="%{x}<br>%{y:.3f}<extra></extra>"))  # fmt: skip
    figure = go.Figure(bars)
    figure.update_layout(
        barmode="group",
        yaxis={"range": [0, 1], "title": _("share")},
        xaxis={"type": "category"},
        height=340,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
    )
    return figure
