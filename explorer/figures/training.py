"""Figures for the Train and Timelapse pages: curves with an epoch marker, probe heatmaps, animation.

Pure functions like explorer.figures.heatmaps: plain data in (the event records of seq2seq.train's
callback and probes.json), go.Figure out. Tokens are escaped with figures.plotly_text, since
plotly reads "</s>" or "<b>" as markup.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.heatmaps import HEATMAP_COLORS, attention_heatmap, plotly_text, position_labels

MARKER_COLOR = "#d62728"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


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
    for index, (name, (x, y)) in enumerate(series.items()):
        if len(x) != len(y):
            raise ValueError(f"series {name!r} has {len(x)} x values but {len(y)} y values")
        figure.add_trace(
            go.Scatter(
                x=list(x), y=list(y), name=plotly_text(name), mode="lines+markers",
                line={"color": PALETTE[index % len(PALETTE)]}, marker={"size": 5},
            )
        )  # fmt: skip
    if marker_x is not None:
        figure.add_vline(
            x=marker_x, line={"color": MARKER_COLOR, "dash": "dash", "width": 2},
            annotation_text=plotly_text(marker_label) if marker_label else None, annotation_position="top",
        )  # fmt: skip
    xaxis = {"title": x_title, **(_whole_ticks(series) if whole_x else {})}
    yaxis = {"title": y_title, **({"range": list(y_range)} if y_range else {})}
    figure.update_layout(
        title=title, height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10}, xaxis=xaxis, yaxis=yaxis,
        legend={"orientation": "h", "y": -0.25}, showlegend=len(series) > 1,
    )  # fmt: skip
    return figure


def _whole_ticks(series: Mapping[str, tuple[Sequence[float], Sequence]]) -> dict:
    """Ticks on whole numbers, about ten of them (plotly would label epoch 0.5)."""
    largest = max((x for xs, _ in series.values() for x in xs), default=1)
    return {"tick0": 0, "dtick": max(1, math.ceil(largest / 10))}


def probe_heatmap(probe: Mapping, title: str | None = None, height: int | None = None) -> go.Figure | None:
    """The attention heatmap of one probe record (seq2seq.train.probe_record); None without attention."""
    if not probe.get("attention"):
        return None
    return attention_heatmap(
        probe["source_tokens"], probe["target_tokens"], probe["attention"], title=title, height=height
    )


def timelapse_animation(
    panels: Mapping[str, Sequence[Mapping | None]],
    epochs: Sequence[int],
    columns: int = 3,
    height_per_row: int | None = None,
) -> go.Figure:
    """Every panel's heatmap, one animation frame per epoch, with Play and a slider (runs in the browser).

    panels: name -> one probe record per entry of `epochs` (None where that model has no
    attention). Axes are numeric with token tick labels, so that a frame can change the number
    of target rows (the output changes while the model learns).
    """
    names = [name for name, records in panels.items() if any(r and r.get("attention") for r in records)]
    if not names:
        raise ValueError("no panel has attention weights to animate")
    for name in names:
        if len(panels[name]) != len(epochs):
            raise ValueError(f"panel {name!r} has {len(panels[name])} records for {len(epochs)} epochs")
    rows = -(-len(names) // columns)
    longest = max((len(r.get("target_tokens") or []) for n in names for r in panels[n] if r), default=1)
    height_per_row = height_per_row or max(300, 80 + 14 * longest)  # about 14 px per target token
    below = -45 / (rows * height_per_row)  # Play and the slider sit 45 px under the plots (paper units)
    cols = min(columns, len(names))
    figure = make_subplots(
        rows=rows, cols=cols, subplot_titles=[plotly_text(n) for n in names],
        horizontal_spacing=0.06, vertical_spacing=0.18 / max(rows, 1),
    )  # fmt: skip

    def traces_and_axes(index: int) -> tuple[list[go.Heatmap], dict]:
        traces, axes = [], {}
        for k, name in enumerate(names):
            record = panels[name][index] or {"source_tokens": [], "target_tokens": [], "attention": None}
            source, target = record.get("source_tokens") or [], record.get("target_tokens") or []
            z = record.get("attention") or [[0.0] * len(source) for _ in target]
            traces.append(
                go.Heatmap(
                    z=z, x=list(range(len(source))), y=list(range(len(target))), zmin=0.0, zmax=1.0,
                    colorscale=HEATMAP_COLORS, showscale=k == 0, colorbar={"title": {"text": "weight"}},
                    hovertemplate="weight %{z:.3f}<extra></extra>",
                )
            )  # fmt: skip
            suffix = "" if k == 0 else str(k + 1)
            axes[f"xaxis{suffix}"] = {
                "tickvals": list(range(len(source))), "range": [-0.5, len(source) - 0.5],
                "ticktext": [plotly_text(t) for t in position_labels(source)],  # below: titles are on top
            }  # fmt: skip
            axes[f"yaxis{suffix}"] = {
                "tickvals": list(range(len(target))), "range": [len(target) - 0.5, -0.5],
                "ticktext": [plotly_text(t) for t in position_labels(target)],
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
        height=rows * height_per_row + 160,
        margin={"l": 10, "r": 10, "t": 60, "b": 110},
        updatemenus=[
            {
                "type": "buttons", "direction": "left", "x": 0.0, "y": below, "xanchor": "left", "yanchor": "top",
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, {
                        "frame": {"duration": 700, "redraw": True}, "transition": {"duration": 0},
                        "fromcurrent": True, "mode": "immediate"}]},
                    {"label": "❚❚ Pause", "method": "animate", "args": [[None], step_args]},
                ],
            }
        ],
        sliders=[
            {
                "active": 0, "x": 0.15, "y": below, "len": 0.85, "currentvalue": {"prefix": "epoch "},
                "steps": [
                    {"label": str(e), "method": "animate", "args": [[str(e)], step_args]} for e in epochs
                ],
            }
        ],
    )  # fmt: skip
    return figure
