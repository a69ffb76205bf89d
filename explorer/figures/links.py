"""Alignment links: source tokens above target tokens, one line per attention weight."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from explorer.figures.common import CHOSEN_COLOR, OTHER_COLOR, check_row, hover, plotly_text, position_labels
from explorer.i18n import _


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
        check_row(f"row {t} weights", row, source_tokens)
    n_src, n_tgt = len(source_tokens), len(target_tokens)
    xs = [(i + 0.5) / max(n_src, 1) for i in range(n_src)]
    xt = [(i + 0.5) / max(n_tgt, 1) for i in range(n_tgt)]
    figure = go.Figure()
    weight_hover = _("weight {weight}")
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
                    hovertemplate=hover(weight_hover, weight=f"{w:.3f}"),
                )
            )
    for y, x, tokens, name in ((1, xs, source_tokens, _("source")), (0, xt, target_tokens, _("target"))):
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
                hovertemplate="%{text}<extra>" + plotly_text(name) + "</extra>",
            )
        )
    figure.update_layout(
        xaxis={"visible": False, "range": [-0.02, 1.02]},
        yaxis={"visible": False, "range": [-0.35, 1.35]},
        height=height or 260,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure
