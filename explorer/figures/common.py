"""What every figure shares: token labels for axes, escaping for plotly's labels, colours, shape checks."""

from __future__ import annotations

from collections.abc import Sequence

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


# -- the Decode page: top-k (the attention override's before and after), links -----------------
# (The current step's bars and "Explain this cell"'s are SVG in the page: explorer.figures.svg_bars.)
CHOSEN_COLOR, OTHER_COLOR, SCORE_COLOR = "#d62728", "#1f77b4", "#7f7f7f"


def check_row(name: str, values: Sequence[float], source_tokens: Sequence[str]) -> list[float]:
    row = [float(v) for v in values]
    if len(row) != len(source_tokens):
        raise ValueError(f"{name} have {len(row)} values but there are {len(source_tokens)} source tokens")
    return row
