"""Scatter plots of hidden states on a PCA basis: encoder and decoder states, the current step."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from explorer import i18n
from explorer.figures.common import hover, plotly_text, position_labels
from explorer.i18n import _

ENCODER_COLOR, DECODER_COLOR, CURRENT_COLOR = "#1f77b4", "#ff7f0e", "#d62728"


# -- Hidden states -----------------------------------------------------------------------------
def _scatter(coords: Sequence[Sequence[float]], dims: int, **kwargs) -> go.Scatter | go.Scatter3d:
    columns = list(zip(*coords, strict=True)) if coords else [(), (), ()]
    if dims == 3:
        return go.Scatter3d(x=list(columns[0]), y=list(columns[1]), z=list(columns[2]), **kwargs)
    return go.Scatter(x=list(columns[0]), y=list(columns[1]), **kwargs)


def state_scatter(
    encoder: Sequence[Sequence[float]],
    decoder: Sequence[Sequence[float]],
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    current: int | None = None,
    dims: int = 2,
    background: Sequence[Sequence[float]] = (),
    explained: Sequence[float] | None = None,
    ranges: Sequence[tuple[float, float]] | None = None,
    height: int = 560,
) -> go.Figure:
    """Encoder and decoder states projected on a fixed basis, one point per token.

    encoder: (S, dims) coordinates, decoder: (T, dims); lines join consecutive tokens.
    current: the decoder state to highlight (0-based target position), None for none.
    background: (N, dims) reference-sample points drawn faintly behind, for orientation.
    explained: the share of variance of each component, shown on the axis titles.
    ranges: fixed (low, high) per axis, so that frames of different sentences and steps line up;
    the camera and zoom also survive reruns (uirevision).
    """
    if dims not in (2, 3):
        raise ValueError(f"dims must be 2 or 3, got {dims}")
    for name, coords, tokens in (("encoder", encoder, source_tokens), ("decoder", decoder, target_tokens)):
        if len(coords) != len(tokens):
            raise ValueError(f"{len(coords)} {name} points but {len(tokens)} tokens")
        if any(len(c) < dims for c in coords):
            raise ValueError(f"{name} coordinates need {dims} values per point")
    encoder = [list(c[:dims]) for c in encoder]
    decoder = [list(c[:dims]) for c in decoder]
    marker_size = 5 if dims == 3 else 9
    figure = go.Figure()
    if background:
        figure.add_trace(
            _scatter(
                [list(c[:dims]) for c in background],
                dims,
                name=_("reference sample"),
                mode="markers",
                marker={"size": 2 if dims == 3 else 4, "color": "#bbbbbb", "opacity": 0.35},
                hoverinfo="skip",
            )
        )
    for name, hovered, coords, tokens, color in (
        (_("encoder states"), _("encoder {token}"), encoder, source_tokens, ENCODER_COLOR),
        (_("decoder states"), _("decoder {token}"), decoder, target_tokens, DECODER_COLOR),
    ):
        labels = [plotly_text(label) for label in position_labels(tokens)]
        figure.add_trace(
            _scatter(
                coords,
                dims,
                name=name,
                mode="lines+markers+text",
                text=labels,
                textposition="top center",
                marker={"size": marker_size, "color": color},
                line={"color": color, "width": 1},
                hovertemplate=hover(hovered, token="%{text}"),
            )
        )
    if current is not None and 0 <= current < len(decoder):
        label = plotly_text(position_labels(target_tokens)[current])
        figure.add_trace(
            _scatter(
                [decoder[current]],
                dims,
                name=_("current step"),
                mode="markers",
                text=[label],
                marker={
                    "size": marker_size * 2.2,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": CURRENT_COLOR, "width": 3},
                },
                hovertemplate=hover(_("current step: {token}"), token="%{text}"),
            )
        )
    axes = []
    for i in range(dims):
        if explained is not None and i < len(explained):  # "PC1 (50%)": the component and its share of the variance
            title = _("PC{n} ({share})").format(n=i + 1, share=i18n.percent(explained[i], 0))
        else:
            title = _("PC{n}").format(n=i + 1)
        axes.append({"title": {"text": title}} | ({"range": list(ranges[i])} if ranges is not None else {}))
    if dims == 3:
        figure.update_layout(scene={"xaxis": axes[0], "yaxis": axes[1], "zaxis": axes[2]})
    else:
        figure.update_layout(xaxis=axes[0], yaxis=axes[1])
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.08},
        uirevision="states",
    )
    return figure
