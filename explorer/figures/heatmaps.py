"""Heatmaps: a model's attention, the difference of two, a grid of scorers, gold alignments, probes over epochs,
and the Lab's named rows over one source (attention beside the importances)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.common import (
    TITLE_LINE_PX,
    TOKEN_TICKS,
    check_row,
    has_cjk,
    heatmap_colors,
    hover,
    plotly_text,
    position_labels,
    wrap_title,
)
from explorer.i18n import N_, _
from seq2seq.display_width import display_width

# The hover of a cell: both tokens and its value (the value's placeholder is plotly's, filled in `hover`).
CELL_HOVER = N_("target {target} ← source {source}<br>weight {weight}")
CELL_TOKENS = {"target": "%{customdata[1]}", "source": "%{customdata[0]}"}


def attention_heatmap(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    weights: Sequence[Sequence[float]],
    title: str | None = None,
    zmin: float = 0.0,
    zmax: float = 1.0,
    colorscale: str | None = None,
    height: int | None = None,
    highlight_row: int | None = None,
    cell_notes: Sequence[Sequence[str]] | None = None,
    width: int | None = None,
) -> go.Figure:
    """Alignment heatmap: one row per target token, one column per source token.

    weights: (T, S) nested lists, T = len(target_tokens), S = len(source_tokens). The colour
    scale is fixed (default 0–1) so that pictures of different steps and models compare; its
    colours are `colorscale` (a plotly scale), by default the one the viewer chose (common.heatmap_colors).
    Hover shows both tokens and the weight, and a cell's line of `cell_notes` (T, S) when given
    (the words view's pieces and their own weights, explorer.views.words; lines split by "\n").
    A `height` (and a `width`, where the page knows its column's) too small for a label per row (column)
    labels every second, third, … one (`thin_labels`), so that labels never overlap.
    """
    colorscale = colorscale or heatmap_colors()
    rows = [list(r) for r in weights]
    if len(rows) != len(target_tokens):
        raise ValueError(f"weights have {len(rows)} rows but there are {len(target_tokens)} target tokens")
    for t, row in enumerate(rows):
        if len(row) != len(source_tokens):
            raise ValueError(f"row {t} has {len(row)} weights but there are {len(source_tokens)} source tokens")
    # Labels and hover text are escaped: plotly would read "</s>" as a tag and draw nothing.
    custom = [[[plotly_text(s), plotly_text(t)] for s in source_tokens] for t in target_tokens]
    template = hover(_(CELL_HOVER), weight="%{z:.3f}", **CELL_TOKENS)
    if cell_notes is not None:
        if [len(r) for r in cell_notes] != [len(source_tokens)] * len(rows):
            raise ValueError("cell_notes must have the shape of the weights (T, S)")
        for t, notes in enumerate(cell_notes):
            for s, note in enumerate(notes):
                custom[t][s].append("<br>".join(plotly_text(line) for line in note.split("\n")))
        template = template.replace("<extra>", "<br>%{customdata[2]}<extra>", 1)
    grid = token_grid(rows, source_tokens, position_labels(target_tokens), (zmin, zmax), colorscale, custom, template)
    figure = go.Figure(grid.update(colorbar={"title": {"text": _("weight")}}))
    title, extra_lines = wrap_title(title)
    row_title = _("target")
    figure.update_layout(
        title=title,
        xaxis={"title": _("source"), "side": "top", **token_ticks(source_tokens)},
        yaxis={"autorange": "reversed", "type": "category", "dtick": 1},
        margin={
            "l": row_title_margin(row_title, position_labels(target_tokens)),
            "r": 10,
            "t": (60 if title else 40) + TITLE_LINE_PX * extra_lines,
            "b": 10,
        },
        height=(height or max(220, 60 + 28 * max(len(target_tokens), 1))) + TITLE_LINE_PX * extra_lines,
    )
    figure.add_annotation(ROW_TITLE, text=row_title)
    thin_labels(figure, position_labels(source_tokens), position_labels(target_tokens), height, width)
    if highlight_row is not None and 0 <= highlight_row < len(target_tokens):
        figure.add_shape(
            type="rect",
            xref="paper",
            x0=0,
            x1=1,
            yref="y",
            y0=highlight_row - 0.5,
            y1=highlight_row + 0.5,
            line={"color": "#d62728", "width": 2},
        )
    return figure


# The rows' axis title ("target", 目标) stands level in the corner above the row labels: plotly always turns
# an axis title on the y axis a quarter, and Chinese is never written on its side.
ROW_TITLE = {"xref": "paper", "yref": "paper", "x": 0, "y": 1, "xanchor": "right", "yanchor": "bottom",
             "showarrow": False, "xshift": -4, "name": "row_title"}  # fmt: skip


def row_title_margin(row_title: str, row_labels: Sequence[str]) -> int:
    """The left margin that leaves the row title room where it is wider than the row labels under it
    (CHAR_PX a display column; plotly widens the margin for the labels, not for an annotation)."""
    return max(10, round(CHAR_PX * (display_width(row_title) - max(map(display_width, row_labels), default=0))) + 14)


def token_ticks(source_tokens: Sequence[str]) -> dict:
    """The column axis's tick settings: TOKEN_TICKS, never turned when the labels are CJK (they are written in
    two lines then, number over token: `column_labels`)."""
    if any(has_cjk(label) for label in position_labels(source_tokens)):
        return {"type": "category", "dtick": 1, "tickangle": 0}
    return dict(TOKEN_TICKS)


def column_labels(source_tokens: Sequence[str]) -> list[str]:
    """The column axis's labels, escaped: "01 t", or "01<br>我" (number over token) when any is CJK."""
    labels = position_labels(source_tokens)
    if not any(has_cjk(label) for label in labels):
        return [plotly_text(label) for label in labels]
    return ["<br>".join(plotly_text(part) for part in label.split(" ", 1)) for label in labels]


LABEL_PX = 18  # the room a tick label needs across its axis: 12 px type (a 16 px box) and a little air
CHAR_PX = 7  # about how long a character of a tick label is (12 px type), for the labels turned upright
COLORBAR_PX = 90  # the colour bar and its title, right of the plot


def label_step(count: int, span_px: float) -> int:
    """Label every how many-th of `count` ticks so that each has LABEL_PX on an axis `span_px` long."""
    return max(1, math.ceil(count * LABEL_PX / max(span_px, 1.0)))


def thin_labels(
    figure: go.Figure,
    source_labels: Sequence[str],
    target_labels: Sequence[str],
    height: int | None,
    width: int | None,
) -> go.Figure:
    """Fewer tick labels where a label per row (column) would not fit: every `label_step`-th, the first
    included (each label carries its position, so the reader still knows which row is which).

    The plot's own span is the figure's less what plotly puts around it: the margins, the column labels
    turned upright above the plot (`source_labels`, CHAR_PX a character) and their title, the row labels
    (`target_labels`) and the colour bar beside it. Without a `height` every row gets its 28 px; without a `width` the
    columns are left as they are (the page's column is as wide as the page).
    """
    longest = max((len(label) for label in source_labels), default=0)
    if height:
        above = max(figure.layout.margin.t or 0, 30 + CHAR_PX * longest) + (figure.layout.margin.b or 0)
        step = label_step(len(target_labels), height - above)
        if step > 1:
            figure.update_yaxes(dtick=step, tick0=0)
    if width:
        widest = max((len(label) for label in target_labels), default=0)
        beside = CHAR_PX * widest + 40 + (0 if figure.data and figure.data[0].showscale is False else COLORBAR_PX)
        step = label_step(len(source_labels), width - beside)
        if step > 1:
            figure.update_xaxes(dtick=step, tick0=0)
    return figure


DIFFERENCE_COLORS = "RdBu"  # diverging, white at 0


GOLD_COLORS = "Greens"


# -- Compare ---------------------------------------------------------------------------------
def difference_heatmap(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    first: Sequence[Sequence[float]],
    second: Sequence[Sequence[float]],
    names: tuple[str, str] = ("A", "B"),
    height: int | None = None,
) -> go.Figure:
    """first − second, cell by cell, on a diverging scale fixed to −1..1 (white = equal).

    first, second: (T, S) attention matrices over the same source and target tokens.
    """
    if len(first) != len(second) or any(len(a) != len(b) for a, b in zip(first, second, strict=False)):
        raise ValueError(
            f"the two matrices differ in shape: {len(first)} and {len(second)} rows; "
            "a difference needs both models forced on the same target"
        )
    diff = [[a - b for a, b in zip(ra, rb, strict=True)] for ra, rb in zip(first, second, strict=True)]
    label = f"{names[0]} − {names[1]}"
    figure = attention_heatmap(
        source_tokens,
        target_tokens,
        diff,
        title=_("difference: {label}").format(label=label),
        zmin=-1.0,
        zmax=1.0,
        colorscale=DIFFERENCE_COLORS,
        height=height,
    )
    figure.update_traces(
        zmid=0.0,
        colorbar={"title": {"text": _("difference")}},
        hovertemplate=hover(
            _("target {target} ← source {source}<br>{label} {difference}"),
            label=plotly_text(label),
            difference="%{z:+.3f}",
            **CELL_TOKENS,
        ),
    )
    return figure


DENSE_SOURCE = 16  # source tokens beyond which a grid cell's column labels shrink


DENSE_TICK_FONT = {"size": 9}


def grid_heatmap(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    weights: Sequence[Sequence[float]],
    title: str,
    cell_notes: Sequence[Sequence[str]] | None = None,
) -> go.Figure:
    """An attention heatmap for a grid cell: the fixed 0–1 scale without its colour bar (the page says it once)."""
    figure = attention_heatmap(source_tokens, target_tokens, weights, title=title, cell_notes=cell_notes)
    figure.update_traces(showscale=False)
    return _fit_grid_cell(figure, len(source_tokens))


def _fit_grid_cell(figure: go.Figure, source_length: int) -> go.Figure:
    """Smaller column labels past DENSE_SOURCE source tokens.

    A grid cell is a third of the page wide, so a long source's column labels (each turned upright,
    about a font size wide) overlapped at the default size.
    """
    if source_length > DENSE_SOURCE:
        figure.update_xaxes(tickfont=DENSE_TICK_FONT)
    return figure


def gold_heatmap(
    source_tokens: Sequence[str], target_tokens: Sequence[str], gold: Sequence[Sequence[float]]
) -> go.Figure:
    """The gold alignment as a 0/1 heatmap (rows without a gold span stay blank)."""
    title = _("gold alignment")
    figure = attention_heatmap(source_tokens, target_tokens, gold, title=title, colorscale=GOLD_COLORS)
    figure.update_traces(
        showscale=False,
        hovertemplate=hover(_("target {target} ← source {source}<br>gold {gold}"), gold="%{z:.0f}", **CELL_TOKENS),
    )
    return _fit_grid_cell(figure, len(source_tokens))


def probe_heatmap(
    probe: Mapping, title: str | None = None, height: int | None = None, width: int | None = None
) -> go.Figure | None:
    """The attention heatmap of one probe record (seq2seq.train.probe_record); None without attention."""
    if not probe.get("attention"):
        return None
    return attention_heatmap(
        probe["source_tokens"], probe["target_tokens"], probe["attention"], title=title, height=height, width=width
    )


ANIMATION_ROW_PX = 300  # a row of the timelapse animation: two rows and the controls fit one screen


def timelapse_animation(
    panels: Mapping[str, Sequence[Mapping | None]],
    epochs: Sequence[int],
    columns: int = 3,
    height_per_row: int | None = None,
) -> go.Figure:
    """Every panel's heatmap, one animation frame per epoch, with Play and a slider above (runs in the browser).

    panels: name -> one probe record per entry of `epochs` (None where that model has no
    attention). Axes are numeric with token tick labels, so that a frame can change the number
    of target rows (the output changes while the model learns).
    """
    names = [name for name, records in panels.items() if any(r and r.get("attention") for r in records)]
    if not names:  # the Timelapse page shows this message
        raise ValueError(_("no panel has attention weights to animate"))
    for name in names:
        if len(panels[name]) != len(epochs):
            raise ValueError(f"panel {name!r} has {len(panels[name])} records for {len(epochs)} epochs")
    rows = -(-len(names) // columns)
    # Fixed, so that the whole animation fits a screen: the labels thin out instead (`label_step`).
    height_per_row = height_per_row or ANIMATION_ROW_PX
    above = 1 + 50 / (rows * height_per_row)  # Play and the slider sit 50 px over the plots (paper units)
    cols = min(columns, len(names))
    row_px = height_per_row * (1 - 0.18 / max(rows, 1)) - 40  # a subplot: its share less the gap and its labels
    column_px = 900 / cols - 90  # a subplot at 1400 px: its share less its row labels and the colour bar
    figure = make_subplots(
        rows=rows, cols=cols, subplot_titles=[plotly_text(n) for n in names],
        horizontal_spacing=0.06, vertical_spacing=0.18 / max(rows, 1),
    )  # fmt: skip

    weight, weight_hover = _("weight"), hover(_("weight {weight}"), weight="%{z:.3f}")
    colors = heatmap_colors()
    # The slider's "epoch 3": the message's text around {epoch} (a language may put words after it).
    epoch_prefix, _epoch, epoch_suffix = _("epoch {epoch}").partition("{epoch}")
    slider_value = {"prefix": epoch_prefix, **({"suffix": epoch_suffix} if epoch_suffix else {})}

    def traces_and_axes(index: int) -> tuple[list[go.Heatmap], dict]:
        traces, axes = [], {}
        for k, name in enumerate(names):
            record = panels[name][index] or {"source_tokens": [], "target_tokens": [], "attention": None}
            source, target = record.get("source_tokens") or [], record.get("target_tokens") or []
            z = record.get("attention") or [[0.0] * len(source) for _row in target]
            traces.append(
                go.Heatmap(
                    z=z, x=list(range(len(source))), y=list(range(len(target))), zmin=0.0, zmax=1.0,
                    colorscale=colors, showscale=k == 0, colorbar={"title": {"text": weight}},
                    hovertemplate=weight_hover,
                )
            )  # fmt: skip
            suffix = "" if k == 0 else str(k + 1)
            x_step, y_step = label_step(len(source), column_px), label_step(len(target), row_px)
            axes[f"xaxis{suffix}"] = {
                "tickvals": list(range(len(source)))[::x_step], "range": [-0.5, len(source) - 0.5],
                "ticktext": column_labels(source)[::x_step],  # below: titles on top
                **({"tickangle": 0} if "tickangle" in token_ticks(source) else {}),
            }  # fmt: skip
            axes[f"yaxis{suffix}"] = {
                "tickvals": list(range(len(target)))[::y_step], "range": [len(target) - 0.5, -0.5],
                "ticktext": [plotly_text(t) for t in position_labels(target)][::y_step],
            }  # fmt: skip
        return traces, axes

    traces, axes = traces_and_axes(0)  # starts at the first epoch: Play runs forward from there
    for k, trace in enumerate(traces):
        figure.add_trace(trace, row=k // cols + 1, col=k % cols + 1)
    figure.update_layout(**axes)
    frames = []
    for index, epoch in enumerate(epochs):
        frame_traces, frame_axes = traces_and_axes(index)
        frames.append(go.Frame(name=str(epoch), data=frame_traces, traces=list(range(len(names))), layout=frame_axes))
    figure.frames = frames
    step_args = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    figure.update_layout(
        height=rows * height_per_row + 200,
        margin={"l": 10, "r": 10, "t": 140, "b": 60},
        updatemenus=[
            {
                "type": "buttons", "direction": "left", "x": 0.0, "y": above, "xanchor": "left", "yanchor": "bottom",
                "buttons": [
                    {"label": "▶ " + _("Play"), "method": "animate", "args": [None, {
                        "frame": {"duration": 700, "redraw": True}, "transition": {"duration": 0},
                        "fromcurrent": True, "mode": "immediate"}]},
                    {"label": "❚❚ " + _("Pause"), "method": "animate", "args": [[None], step_args]},
                ],
            }
        ],
        sliders=[
            {
                "active": 0, "x": 0.15, "y": above, "yanchor": "bottom", "len": 0.85, "currentvalue": slider_value,
                "steps": [
                    {"label": str(e), "method": "animate", "args": [[str(e)], step_args]} for e in epochs
                ],
            }
        ],
    )  # fmt: skip
    return figure


# -- Lab ---------------------------------------------------------------------------------------
IMPORTANCE_COLORS = "RdBu"  # diverging: blue raises the chosen token, red lowers it, white is nothing


def rows_heatmap(
    source_tokens: Sequence[str],
    rows: Mapping[str, Sequence[float]],
    title: str | None = None,
    normalize: bool = False,
    height: int | None = None,
) -> go.Figure:
    """Named rows over one source, aligned column by column: one row per method or per attention row.

    rows: label -> one value per source token, in order, top to bottom (labels and title drawn as typed).
    `normalize`: each row divided by its largest absolute value and drawn on a diverging scale fixed to
    −1..1 (methods on different scales compare by rank and sign; the hover keeps each raw value); else a
    0–1 scale of weights.
    """
    labels = list(rows)
    raw = [check_row(label, rows[label], source_tokens) for label in labels]
    if normalize:
        z = []
        for row in raw:
            peak = max((abs(v) for v in row if math.isfinite(v)), default=0.0)
            z.append([v / peak if peak and math.isfinite(v) else 0.0 for v in row])
        zmin, colorscale, bar_title = -1.0, IMPORTANCE_COLORS, _("share of the row's largest")
    else:
        z, zmin, colorscale, bar_title = raw, 0.0, heatmap_colors(), _("weight")
    custom = [[[plotly_text(s), f"{v:.4g}"] for s, v in zip(source_tokens, row, strict=True)] for row in raw]
    template = hover(
        _("{row} · source {source}<br>value {value}"), row="%{y}", source="%{customdata[0]}", value="%{customdata[1]}"
    )
    grid = token_grid(z, source_tokens, labels, (zmin, 1.0), colorscale, custom, template)
    figure = go.Figure(grid.update(colorbar={"title": {"text": bar_title}}))
    shown, extra_lines = wrap_title(plotly_text(title) if title else None)  # it may quote a token ("</s>")
    figure.update_layout(
        title=shown,
        xaxis={"side": "top", **token_ticks(source_tokens)},
        yaxis={"autorange": "reversed", "type": "category", "dtick": 1},
        margin={"l": 10, "r": 10, "t": (90 if title else 50) + TITLE_LINE_PX * extra_lines, "b": 10},
        height=(height or 130 + 40 * len(labels)) + TITLE_LINE_PX * extra_lines,
    )
    return figure


def token_grid(z, source_tokens, row_labels, zrange, colorscale, custom, hover) -> go.Heatmap:
    """A heatmap trace over source tokens (columns, position-labelled) and `row_labels` (rows), both
    escaped: plotly would read "</s>" as a tag and draw nothing. z: (rows, S); zrange: (zmin, zmax)."""
    return go.Heatmap(
        z=z,
        x=column_labels(source_tokens),
        y=[plotly_text(label) for label in row_labels],
        zmin=zrange[0],
        zmax=zrange[1],
        colorscale=colorscale,
        customdata=custom,
        hovertemplate=hover,
    )
