"""Bar charts: the k most probable next tokens of one decoding step."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from explorer.figures.common import CHOSEN_COLOR, OTHER_COLOR, plotly_text


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
