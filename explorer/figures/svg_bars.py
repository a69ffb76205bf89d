"""The data of the Decode page's per-step SVG charts: scores over weights, the top-k, explain-a-cell's shares.

Raw scores over softmax weights, the top-k next-token candidates, and "Explain this cell"'s weights
beside their shares of c_t.

Why not plotly: every Step click redraws the current step's charts, and a Chrome CPU profile of
ten clicks (docs/performance.md, "Where the time goes") showed plotly holding the browser's main
thread for them, in long tasks that a quick next click had to wait for. These three charts have
nothing to zoom; drawn here they cost next to nothing.

Same component pattern and safety as explorer.figures.svg_heatmap: one static script (explorer/ui/common/bars.js,
no user text formatted into it); the tokens arrive as JSON data and reach the page only through
``textContent`` and ``setAttribute``. The three charts are one component, told apart by ``kind``.

The words a chart draws (panel titles, legends, the words of its tooltips) come translated in the
payload's ``texts`` (`texts`); ``columns`` is the widest label in display columns
(seq2seq.display_width: a Chinese character takes two, and the label margin must fit it).

The drawn ``<svg>`` elements carry ``id`` ``decode-scores`` and ``decode-shares`` (with
``data-columns``, the source positions drawn) and ``decode-topk`` (with ``data-rows``, the
candidates drawn): what the browser tests read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from explorer.figures.common import CHOSEN_COLOR, OTHER_COLOR, SCORE_COLOR, position_labels, shown_token
from explorer.figures.svg_heatmap import axis_labels, flat_columns, label_lines
from explorer.i18n import _
from seq2seq.display_width import display_width

COMPONENT_NAME = "attention_explorer.bars"
SCORES_ID, TOPK_ID, SHARES_ID = "decode-scores", "decode-topk", "decode-shares"


def page_number(value) -> float | None:
    """A finite value rounded for the page, None for None, NaN or inf (drawn as no bar, or a gap in a line)."""
    if value is None:
        return None
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None


LEGEND_GAP_PX = 120  # the shares chart's second legend entry starts this far right of the first, at least


def texts() -> dict[str, str]:
    """The words bars.js writes, in the current language (the formulas stay as they are). A tooltip is
    a template whose {token}, {score}, {weight} and {value} the script fills with the bar's data."""
    return {
        "scores_title": _("raw scores {formula}").format(formula="score(h_t, h_s)"),
        "weights_title": _("weights {formula}").format(formula="a_t = softmax(scores)"),
        "scores_tip": _("{token}\nscore {score}\nweight {weight}"),
        "weight_legend": _("weight {symbol}").format(symbol="a_ts"),
        "share_legend": _("share of {symbol}").format(symbol="c_t"),
        "weight_tip": _("{token}\nweight {value}"),
        "share_tip": _("{token}\nshare {value}"),
        "topk_title": _("next-token candidates"),
        "none": _("n/a"),
    }


def _listed(labels: Sequence[str], values: Sequence[float | None]) -> str:
    """The values as "label value, label value …" with two decimals: a chart's values for its text alternative."""
    return _(", ").join(
        f"{label} {_('n/a') if v is None else format(v, '.2f')}" for label, v in zip(labels, values, strict=True)
    )


def _columns(labels: Sequence[str]) -> int:
    """The widest of `labels` in monospace columns (at least 1)."""
    return max([1, *(display_width(label) for label in labels)])


def _source_payload(kind: str, source_tokens: Sequence[str], rows: dict[str, Sequence[float]], **extra) -> dict:
    """A chart with one column per source token: its position-labelled tokens and `rows`, each (S,)."""
    if any(len(values) != len(source_tokens) for values in rows.values()):
        counts = " and ".join(f"{len(values)} {name}" for name, values in rows.items())
        raise ValueError(f"{counts} for {len(source_tokens)} source tokens")
    labels = axis_labels(source_tokens)
    return {
        "kind": kind,
        "labels": labels,
        "columns": _columns(labels),
        "flat": flat_columns(labels),  # CJK: written flat, number over token (explorer.figures.svg_heatmap)
        "lines": [label_lines(x) for x in labels],
        "full": position_labels(source_tokens),
        **{name: [page_number(v) for v in values] for name, values in rows.items()},
        **extra,
        "texts": texts(),
    }


def scores_payload(
    source_tokens: Sequence[str], scores: Sequence[float], weights: Sequence[float], scale: float = 1.0
) -> dict:
    """One attention row in two panels: raw scores (S,) above a_t = softmax(scores) (S,) on a fixed 0–1 axis."""
    colors = {"score": SCORE_COLOR, "weight": OTHER_COLOR}
    rows = {"scores": scores, "weights": weights}
    data = _source_payload("scores", source_tokens, rows, id=SCORES_ID, colors=colors, scale=scale)
    data["label"] = _("Raw scores and attention weights of this step. Weights: {values}").format(
        values=_listed(data["full"], data["weights"])
    )
    return data


def topk_payload(candidates: Sequence[tuple[str, float]], chosen: str | None = None, scale: float = 1.0) -> dict:
    """The k most probable next tokens, most probable first, as bars on a fixed 0–1 axis; `chosen` in red."""
    labels = [f"{rank}. {shown_token(piece)}" for rank, (piece, _prob) in enumerate(candidates, start=1)]
    return {
        "kind": "topk",
        "id": TOPK_ID,
        "labels": labels,
        "columns": _columns(labels),
        "probs": [page_number(p) for _piece, p in candidates],
        "chosen": [piece == chosen for piece, _prob in candidates],
        "colors": {"chosen": CHOSEN_COLOR, "other": OTHER_COLOR},
        "scale": scale,
        "texts": texts(),
        "label": _("Next-token candidates and their probabilities: {values}").format(
            values=_listed(labels, [page_number(p) for _piece, p in candidates])
        ),
    }


def shares_payload(
    source_tokens: Sequence[str],
    weights: Sequence[float],
    shares: Sequence[float],
    highlight: int | None = None,
    scale: float = 1.0,
) -> dict:
    """Explain a cell: each weight a_ts (S,) beside its share ||a_ts h_s|| / Σ_s' ||a_ts' h_s'|| (S,) of c_t,
    on a fixed 0–1 axis; source position `highlight` (the cell explained) in red."""
    colors = {"weight": OTHER_COLOR, "share": SCORE_COLOR, "chosen": CHOSEN_COLOR}
    rows = {"weights": weights, "shares": shares}
    data = _source_payload("shares", source_tokens, rows, id=SHARES_ID, highlight=highlight, colors=colors, scale=scale)
    label = _("Each source token's attention weight and its share of the context vector. Shares: {values}")
    data["label"] = label.format(values=_listed(data["full"], data["shares"]))
    # The legend's 12 px text takes about 7 px a column (a Chinese character two): the second entry goes past the first.
    data["legend_gap"] = max(LEGEND_GAP_PX, 7 * display_width(data["texts"]["weight_legend"]) + 40)
    data["legend"] = shares_legend(data["texts"], colors, highlight is not None)
    return data


def shares_legend(texts: dict[str, str], colors: dict[str, str], highlighted: bool) -> list[dict]:
    """The shares chart's legend: an entry for every colour its bars are drawn in (the cell explained has its
    own, red), each placed past the one before (`x`, pixels at scale 1; 7 px a monospace column)."""
    names = [("weight", texts["weight_legend"]), ("share", texts["share_legend"])]
    if highlighted:
        names.append(("chosen", _("the cell explained")))
    legend, x = [], 0
    for key, name in names:
        legend.append({"text": name, "color": colors[key], "x": x})
        x += max(LEGEND_GAP_PX, 7 * display_width(name) + 40)
    return legend
