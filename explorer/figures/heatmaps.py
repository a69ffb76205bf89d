"""Plotly figure builders: plain data in, go.Figure out (no Streamlit, no model).

Like BertViz's views they validate shapes with clear messages, so a wrong call fails loudly
instead of drawing a plausible-looking but wrong picture.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

HEATMAP_COLORS = "Blues"


def position_labels(tokens: Sequence[str]) -> list[str]:
    """'03 t': the position keeps repeated tokens apart on an axis (plotly merges equal labels)."""
    width = max(2, len(str(max(len(tokens) - 1, 0))))
    return [f"{i:0{width}d} {tok}" for i, tok in enumerate(tokens)]


def plotly_text(text: str) -> str:
    """Escape &, < and > so plotly draws text as typed.

    Plotly reads a small HTML subset in every label: without this "</s>" is drawn as nothing
    (a closing strike-through tag) and a token "<b>" turns the rest of a label bold.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# An axis of tokens: every token labelled (dtick 1: plotly would otherwise drop every other label
# of a narrow chart), horizontally while the labels fit, upright once they would overlap (the
# Compare page's grid, long sentences): plotly picks between the two angles at draw time.
TOKEN_TICKS = {"type": "category", "dtick": 1, "autotickangles": [0, -90]}


def attention_heatmap(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    weights: Sequence[Sequence[float]],
    title: str | None = None,
    zmin: float = 0.0,
    zmax: float = 1.0,
    colorscale: str = HEATMAP_COLORS,
    height: int | None = None,
    highlight_row: int | None = None,
) -> go.Figure:
    """Alignment heatmap: one row per target token, one column per source token.

    weights: (T, S) nested lists, T = len(target_tokens), S = len(source_tokens). The colour
    scale is fixed (default 0–1) so that pictures of different steps and models compare.
    Hover shows both tokens and the weight.
    """
    rows = [list(r) for r in weights]
    if len(rows) != len(target_tokens):
        raise ValueError(f"weights have {len(rows)} rows but there are {len(target_tokens)} target tokens")
    for t, row in enumerate(rows):
        if len(row) != len(source_tokens):
            raise ValueError(f"row {t} has {len(row)} weights but there are {len(source_tokens)} source tokens")
    # Labels and hover text are escaped: plotly would read "</s>" as a tag and draw nothing.
    x = [plotly_text(label) for label in position_labels(source_tokens)]
    y = [plotly_text(label) for label in position_labels(target_tokens)]
    custom = [[[plotly_text(s), plotly_text(t)] for s in source_tokens] for t in target_tokens]
    figure = go.Figure(
        go.Heatmap(
            z=rows,
            x=x,
            y=y,
            zmin=zmin,
            zmax=zmax,
            colorscale=colorscale,
            customdata=custom,
            hovertemplate="target %{customdata[1]} ← source %{customdata[0]}<br>weight %{z:.3f}<extra></extra>",
            colorbar={"title": {"text": "weight"}},
        )
    )
    figure.update_layout(
        title=title,
        xaxis={"title": "source", "side": "top", **TOKEN_TICKS},
        yaxis={"title": "target", "autorange": "reversed", "type": "category", "dtick": 1},
        margin={"l": 10, "r": 10, "t": 60 if title else 40, "b": 10},
        height=height or max(220, 60 + 28 * max(len(target_tokens), 1)),
    )
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


# -- the Decode page: top-k (the attention override's before and after), links -----------------
# (The current step's bars and "Explain this cell"'s are SVG in the page: explorer.figures.svg_bars.)
CHOSEN_COLOR, OTHER_COLOR, SCORE_COLOR = "#d62728", "#1f77b4", "#7f7f7f"


def _check_row(name: str, values: Sequence[float], source_tokens: Sequence[str]) -> list[float]:
    row = [float(v) for v in values]
    if len(row) != len(source_tokens):
        raise ValueError(f"{name} have {len(row)} values but there are {len(source_tokens)} source tokens")
    return row


def topk_bars(
    candidates: Sequence[tuple[str, float]],
    chosen: str | None = None,
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """The k most probable next tokens as horizontal bars, most probable on top, x fixed to 0–1.

    candidates: (piece, probability) pairs, most probable first; `chosen` is drawn in red.
    """
    labels = [plotly_text(f"{rank}. {piece}") for rank, (piece, _) in enumerate(candidates, start=1)]
    probs = [float(p) for _, p in candidates]
    colors = [CHOSEN_COLOR if piece == chosen else OTHER_COLOR for piece, _ in candidates]
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
    figure.update_layout(
        title=title,
        xaxis={"title": "probability", "range": [0, 1]},
        yaxis={"type": "category", "autorange": "reversed"},
        height=height or max(180, 50 + 32 * len(labels)),
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
    )
    return figure


def alignment_links(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    weights: Sequence[Sequence[float]],
    min_weight: float = 0.02,
    max_width: float = 14.0,
    highlight_row: int | None = None,
    height: int | None = None,
) -> go.Figure:
    """Source tokens on top, target tokens below, a line for every weight ≥ min_weight.

    weights: (T, S) like attention_heatmap. A line's width is max_width × a_ts (proportional to
    the weight) and its `meta` holds {"target", "source", "weight"}; lines of `highlight_row`
    are red. Lines come first in `data`, then the two rows of tokens.
    """
    rows = [list(r) for r in weights]
    if len(rows) != len(target_tokens):
        raise ValueError(f"weights have {len(rows)} rows but there are {len(target_tokens)} target tokens")
    for t, row in enumerate(rows):
        _check_row(f"row {t} weights", row, source_tokens)
    n_src, n_tgt = len(source_tokens), len(target_tokens)
    xs = [(i + 0.5) / max(n_src, 1) for i in range(n_src)]
    xt = [(i + 0.5) / max(n_tgt, 1) for i in range(n_tgt)]
    figure = go.Figure()
    for t, row in enumerate(rows):
        for s, w in enumerate(row):
            if w < min_weight or w <= 0:
                continue
            color = CHOSEN_COLOR if t == highlight_row else OTHER_COLOR
            figure.add_trace(
                go.Scatter(
                    x=[xs[s], xt[t]],
                    y=[1, 0],
                    mode="lines",
                    opacity=min(1.0, 0.25 + 0.75 * w),
                    line={"width": max_width * w, "color": color},
                    showlegend=False,
                    meta={"target": t, "source": s, "weight": w},
                    hovertemplate=f"weight {w:.3f}<extra></extra>",
                )
            )
    for y, x, tokens, name in ((1, xs, source_tokens, "source"), (0, xt, target_tokens, "target")):
        labels = [plotly_text(label) for label in position_labels(tokens)]
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[y] * len(x),
                mode="markers+text",
                text=labels,
                name=name,
                showlegend=False,
                textposition="top center" if y == 1 else "bottom center",
                marker={"size": 8, "color": "#444"},
                hovertemplate="%{text}<extra>" + name + "</extra>",
            )
        )
    figure.update_layout(
        xaxis={"visible": False, "range": [-0.02, 1.02]},
        yaxis={"visible": False, "range": [-0.35, 1.35]},
        height=height or 260,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure
