"""Figure builders for the Compare, Hidden states, Beam search and Models pages.

Pure functions, plain data in and go.Figure out, like explorer.figures.heatmaps (whose heatmap and
position labels they reuse). Text drawn inside a figure (tokens) goes through `figures.plotly_text()`:
plotly reads a small HTML subset in labels, so a token such as "</s>" or "<b>" must be escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from explorer.figures.heatmaps import attention_heatmap, plotly_text, position_labels

DIFFERENCE_COLORS = "RdBu"  # diverging, white at 0
GOLD_COLORS = "Greens"
ENCODER_COLOR, DECODER_COLOR, CURRENT_COLOR = "#1f77b4", "#ff7f0e", "#d62728"
KEPT_COLOR, PRUNED_COLOR, CHOSEN_COLOR = "#1f77b4", "#c7c7c7", "#d62728"


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
        title=f"difference: {label}",
        zmin=-1.0,
        zmax=1.0,
        colorscale=DIFFERENCE_COLORS,
        height=height,
    )
    figure.update_traces(
        zmid=0.0,
        colorbar={"title": {"text": "difference"}},
        hovertemplate=f"target %{{customdata[1]}} ← source %{{customdata[0]}}<br>{label} %{{z:+.3f}}<extra></extra>",
    )
    return figure


DENSE_SOURCE = 16  # source tokens beyond which a grid cell's column labels shrink
DENSE_TICK_FONT = {"size": 9}


def grid_heatmap(
    source_tokens: Sequence[str], target_tokens: Sequence[str], weights: Sequence[Sequence[float]], title: str
) -> go.Figure:
    """An attention heatmap for a grid cell: the fixed 0–1 scale without its colour bar (the page says it once)."""
    figure = attention_heatmap(source_tokens, target_tokens, weights, title=title)
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
    figure = attention_heatmap(source_tokens, target_tokens, gold, title="gold alignment", colorscale=GOLD_COLORS)
    figure.update_traces(
        showscale=False,
        hovertemplate="target %{customdata[1]} ← source %{customdata[0]}<br>gold %{z:.0f}<extra></extra>",
    )
    return _fit_grid_cell(figure, len(source_tokens))


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
                name="reference sample",
                mode="markers",
                marker={"size": 2 if dims == 3 else 4, "color": "#bbbbbb", "opacity": 0.35},
                hoverinfo="skip",
            )
        )
    for name, coords, tokens, color in (
        ("encoder", encoder, source_tokens, ENCODER_COLOR),
        ("decoder", decoder, target_tokens, DECODER_COLOR),
    ):
        labels = [plotly_text(label) for label in position_labels(tokens)]
        figure.add_trace(
            _scatter(
                coords,
                dims,
                name=f"{name} states",
                mode="lines+markers+text",
                text=labels,
                textposition="top center",
                marker={"size": marker_size, "color": color},
                line={"color": color, "width": 1},
                hovertemplate=f"{name} %{{text}}<extra></extra>",
            )
        )
    if current is not None and 0 <= current < len(decoder):
        label = plotly_text(position_labels(target_tokens)[current])
        figure.add_trace(
            _scatter(
                [decoder[current]],
                dims,
                name="current step",
                mode="markers",
                text=[label],
                marker={
                    "size": marker_size * 2.2,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": CURRENT_COLOR, "width": 3},
                },
                hovertemplate="current step: %{text}<extra></extra>",
            )
        )
    axes = []
    for i in range(dims):
        title = f"PC{i + 1}" + (f" ({explained[i]:.0%})" if explained is not None and i < len(explained) else "")
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


# -- Beam search -------------------------------------------------------------------------------
def tree_layout(tree: Sequence[Mapping]) -> dict[int, tuple[float, float]]:
    """Node id -> (x, y): x = depth, y = rank among the nodes of that depth in depth-first order.

    A beam keeps at most `width` nodes per depth, so the picture is at most `width` rows tall;
    children are visited best first (highest cumulative log-probability), so edges never cross.
    """
    children: dict[int, list[Mapping]] = {}
    for node in tree:
        if node["parent"] is not None:
            children.setdefault(node["parent"], []).append(node)
    positions: dict[int, tuple[float, float]] = {}
    rows: dict[int, int] = {}
    # Iterative pre-order walk: a 40-token beam is deeper than is comfortable for recursion.
    stack = [n for n in reversed(tree) if n["parent"] is None]
    while stack:
        node = stack.pop()
        depth = int(node["depth"])
        positions[node["id"]] = (float(depth), float(rows.get(depth, 0)))
        rows[depth] = rows.get(depth, 0) + 1
        kids = sorted(children.get(node["id"], []), key=lambda n: -n["cumulative"])
        stack.extend(reversed(kids))
    return positions


def beam_tree(
    tree: Sequence[Mapping],
    kept: set[int] | frozenset[int],
    chosen: Sequence[int] = (),
    height: int | None = None,
) -> go.Figure:
    """The whole beam search tree: every expanded node with its token and cumulative log-prob.

    tree: Trace.tree (dicts with id, parent, token, cumulative, depth). kept: ids of nodes on a
    final hypothesis (the rest are drawn grey as pruned). chosen: node ids of the path to stress.
    """
    positions = tree_layout(tree)
    chosen_set = set(chosen)
    by_id = {n["id"]: n for n in tree}
    figure = go.Figure()
    edge_groups = {
        "pruned": ([], [], PRUNED_COLOR, 1),
        "kept": ([], [], KEPT_COLOR, 2),
        "chosen": ([], [], CHOSEN_COLOR, 4),
    }
    for node in tree:
        parent = node["parent"]
        if parent is None or parent not in positions:
            continue
        group = "chosen" if node["id"] in chosen_set else "kept" if node["id"] in kept else "pruned"
        xs, ys, _, _ = edge_groups[group]
        (x0, y0), (x1, y1) = positions[parent], positions[node["id"]]
        xs.extend([x0, x1, None])
        ys.extend([y0, y1, None])
    for group, (xs, ys, color, width) in edge_groups.items():
        if xs:
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"color": color, "width": width},
                    hoverinfo="skip",
                    showlegend=False,
                    name=f"{group} edges",
                )
            )
    for group, color in (("pruned", PRUNED_COLOR), ("on a final hypothesis", KEPT_COLOR)):
        nodes = [n for n in tree if (n["id"] in kept) == (group != "pruned")]
        if not nodes:
            continue
        text = [f"{plotly_text(n['token'])}<br>{n['cumulative']:.2f}" for n in nodes]
        figure.add_trace(
            go.Scatter(
                x=[positions[n["id"]][0] for n in nodes],
                y=[positions[n["id"]][1] for n in nodes],
                mode="markers+text",
                name=group,
                text=text,
                textposition="bottom center",
                textfont={"color": "#999999" if group == "pruned" else "#222222", "size": 11},
                marker={
                    "size": 9,
                    "color": color,
                    "line": {"color": [CHOSEN_COLOR if n["id"] in chosen_set else color for n in nodes], "width": 2},
                },
                customdata=[[n["id"], by_id[n["id"]]["depth"]] for n in nodes],
                hovertemplate="node %{customdata[0]}, depth %{customdata[1]}<br>%{text}<extra></extra>",
            )
        )
    rows = max((y for _, y in positions.values()), default=0)
    depth = max((x for x, _ in positions.values()), default=0)
    figure.update_layout(
        xaxis={"title": {"text": "depth (tokens)"}, "dtick": 1, "zeroline": False, "range": [-0.5, depth + 0.5]},
        yaxis={"visible": False, "autorange": "reversed"},
        height=height or int(max(320, 140 + 64 * (rows + 1))),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.25 if rows < 3 else -0.12},
    )
    return figure


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
    figure.update_layout(
        title=title,
        xaxis={"title": "epoch", "dtick": 1},
        yaxis={"title": y_title, "type": "log" if log_y else "linear"},
        height=380,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    return figure
