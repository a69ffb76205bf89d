"""The beam search tree: every hypothesis a search expanded, kept or pruned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from explorer.figures.common import CHOSEN_COLOR, hover, plotly_text, shown_token
from explorer.i18n import _

if TYPE_CHECKING:
    from seq2seq.beam import BeamNode

KEPT_COLOR, PRUNED_COLOR = "#1f77b4", "#c7c7c7"
# Labels: pruned ones lighter, yet 4.7:1 on white (WCAG AA's 4.5:1 for text); kept ones 15.9:1.
KEPT_TEXT, PRUNED_TEXT = "#222222", "#737373"


# -- Beam search -------------------------------------------------------------------------------
def tree_layout(tree: Sequence[BeamNode]) -> dict[int, tuple[float, float]]:
    """Node id -> (x, y): x = depth, y = rank among the nodes of that depth in depth-first order.

    A beam keeps at most `width` nodes per depth, so the picture is at most `width` rows tall;
    children are visited best first (highest cumulative log-probability), so edges never cross.
    """
    children: dict[int, list[BeamNode]] = {}
    for node in tree:
        if node.parent is not None:
            children.setdefault(node.parent, []).append(node)
    positions: dict[int, tuple[float, float]] = {}
    rows: dict[int, int] = {}
    # Iterative pre-order walk: a 40-token beam is deeper than is comfortable for recursion.
    stack = [n for n in reversed(tree) if n.parent is None]
    while stack:
        node = stack.pop()
        depth = int(node.depth)
        positions[node.id] = (float(depth), float(rows.get(depth, 0)))
        rows[depth] = rows.get(depth, 0) + 1
        kids = sorted(children.get(node.id, []), key=lambda n: -n.cumulative)
        stack.extend(reversed(kids))
    return positions


def beam_tree(
    tree: Sequence[BeamNode],
    kept: set[int] | frozenset[int],
    chosen: Sequence[int] = (),
    height: int | None = None,
) -> go.Figure:
    """The whole beam search tree: every expanded node with its token and cumulative log-prob.

    tree: Trace.tree (seq2seq.beam.BeamNode: id, parent, token, cumulative, depth). kept: ids of nodes on a
    final hypothesis (the rest are drawn grey as pruned). chosen: node ids of the path to stress.
    """
    positions = tree_layout(tree)
    chosen_set = set(chosen)
    by_id = {n.id: n for n in tree}
    figure = go.Figure()
    edge_groups = {
        "pruned": ([], [], PRUNED_COLOR, 1),
        "kept": ([], [], KEPT_COLOR, 2),
        "chosen": ([], [], CHOSEN_COLOR, 4),
    }
    for node in tree:
        parent = node.parent
        if parent is None or parent not in positions:
            continue
        group = "chosen" if node.id in chosen_set else "kept" if node.id in kept else "pruned"
        xs, ys, _color, _width = edge_groups[group]
        (x0, y0), (x1, y1) = positions[parent], positions[node.id]
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
    node_hover = hover(
        _("node {node}, depth {depth}<br>{text}"), node="%{customdata[0]}", depth="%{customdata[1]}", text="%{text}"
    )
    for group, color in (("pruned", PRUNED_COLOR), ("on a final hypothesis", KEPT_COLOR)):
        nodes = [n for n in tree if (n.id in kept) == (group != "pruned")]
        name = _("pruned") if group == "pruned" else _("on a final hypothesis")  # the legend's
        if not nodes:
            continue
        text = [f"{plotly_text(shown_token(n.token))}<br>{n.cumulative:.2f}" for n in nodes]
        figure.add_trace(
            go.Scatter(
                x=[positions[n.id][0] for n in nodes],
                y=[positions[n.id][1] for n in nodes],
                mode="markers+text",
                name=name,
                text=text,
                textposition="bottom center",
                textfont={"color": PRUNED_TEXT if group == "pruned" else KEPT_TEXT, "size": 11},
                marker={
                    "size": 9,
                    "color": color,
                    "line": {"color": [CHOSEN_COLOR if n.id in chosen_set else color for n in nodes], "width": 2},
                },
                customdata=[[n.id, by_id[n.id].depth] for n in nodes],
                hovertemplate=node_hover,
            )
        )
    rows = max((y for _x, y in positions.values()), default=0)
    depth = max((x for x, _y in positions.values()), default=0)
    figure.update_layout(
        xaxis={"title": {"text": _("depth (tokens)")}, "dtick": 1, "zeroline": False, "range": [-0.5, depth + 0.5]},
        yaxis={"visible": False, "autorange": "reversed"},
        height=height or int(max(320, 140 + 64 * (rows + 1))),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.25 if rows < 3 else -0.12},
    )
    return figure
