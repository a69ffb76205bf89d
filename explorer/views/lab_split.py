"""The Lab's split view: one model over a whole test split, from its stored results.

Agreement: tau per example (`tau_series`, the histograms, with Jain & Wallace's numbers as marks) and its
medians (`agreement_rows`); the permutation effect (`permutation_rows`) and the uniform baseline
(`uniform_rows`); and what they say in words (`split_reading`). Text is in the current language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from explorer import i18n
from explorer.i18n import _
from explorer.views.lab_readings import (
    PAPER_COLUMN,
    PAPER_GRAD_LOO,
    PAPER_TAUS,
    metric_name,
    metric_value,
    pair_label,
    paper_value,
    summary_text,
    tau_words,
)
from seq2seq.lab.names import MODEL_EXPERIMENTS

# The stored experiments this view draws: a model's length curve is drawn by the scorers view, beside the others'.
DRAWN = tuple(name for name in MODEL_EXPERIMENTS if name != "length")


def tau_series(agreement: Mapping) -> dict[str, list[float]]:
    """Pair label -> each example's mean tau (undefined ones left out): the agreement histogram's data."""
    series: dict[str, list[float]] = {}
    for pair in agreement.get("summary", {}):
        if "~" not in pair:
            continue
        values = [e.get("tau", {}).get(pair) for e in agreement.get("per_example", [])]
        series[pair_label(pair)] = [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]
    return series


def paper_marks(pairs: Sequence[str]) -> dict[str, dict[str, float]]:
    """Pair label -> Jain & Wallace's numbers for that kind of pair (label -> tau), for the histograms."""
    marks: dict[str, dict[str, float]] = {}
    for pair in pairs:
        a, b = pair.split("~")
        if a == "attention" and b in ("grad_x_input", "integrated_gradients"):
            marks[pair_label(pair)] = {f"{name} {v}": v for name, v in PAPER_TAUS.items()}
        elif (a, b) == ("grad_x_input", "leave_one_out"):
            marks[pair_label(pair)] = {f"J&W {v}": v for v in PAPER_GRAD_LOO}
    return marks


def agreement_rows(agreement: Mapping) -> list[dict]:
    """One row per pair: the median of the examples' mean tau with its interval, a reading, the paper's number."""
    rows = []
    for pair, entry in agreement.get("summary", {}).items():
        if "~" not in pair or not isinstance(entry, Mapping):
            continue
        rows.append(
            {
                _("pair"): pair_label(pair),
                _("median τ [95% interval]"): summary_text(entry),
                _("reading"): tau_words(entry.get("median")),
                PAPER_COLUMN: paper_value(pair),
            }
        )
    return rows


def permutation_rows(permutation_result: Mapping) -> list[dict]:
    """The permutation's two summaries as table rows."""
    summary = permutation_result.get("summary", {})
    measure, median = _("measure"), _("median [95% interval]")
    return [
        {measure: _("median TVD per example"), median: summary_text(summary.get("median_tvd"), 3)},
        {
            measure: _("share of shuffles that change the token"),
            median: summary_text(summary.get("fraction_changed"), percent=True),
        },
    ]


def uniform_rows(uniform: Mapping) -> list[dict]:
    """The model's metric with its own attention and with uniform attention."""
    summary = uniform.get("summary", uniform)
    metric = summary.get("metric", "")
    name = metric_name(metric)
    attention, examples = _("attention"), _("examples")
    return [
        {
            attention: _("the model's own"),
            name: metric_value(metric, summary.get("model")),
            examples: summary.get("n"),
        },
        {
            attention: _("uniform (1/S everywhere)"),
            name: metric_value(metric, summary.get("uniform")),
            examples: summary.get("n"),
        },
    ]


def split_reading(experiments: Mapping[str, Mapping | None]) -> list[str]:
    """What a model's stored numbers say, one sentence per experiment that is stored."""
    lines = []
    agreement = experiments.get("agreement")
    if agreement:
        medians = {
            p: e.get("median") for p, e in agreement.get("summary", {}).items() if "~" in p and isinstance(e, Mapping)
        }
        with_attention = [m for p, m in medians.items() if p.startswith("attention~") and m is not None]
        if with_attention:
            mean = sum(with_attention) / len(with_attention)
            lines.append(
                _(
                    "Agreement: on a typical example attention and the importances {agreement} "
                    "(medians τ {low} to {high}; Jain & Wallace's classifiers "
                    "0.13–0.44 for attention and gradients)."
                ).format(
                    agreement=tau_words(mean),
                    low=i18n.number(min(with_attention), 2),
                    high=i18n.number(max(with_attention), 2),
                )
            )
        loo = medians.get("grad_x_input~leave_one_out")
        if loo is not None:
            lines.append(
                _(
                    "The importances among themselves: gradient × input and leave-one-out {agreement} "
                    "(median τ {tau}; Jain & Wallace 0.5–0.66)."
                ).format(agreement=tau_words(loo), tau=i18n.number(loo, 2))
            )
    permutation_result = experiments.get("permutation")
    if permutation_result:
        summary = permutation_result.get("summary", {})
        tvd, changed = (summary.get(k, {}).get("median") for k in ("median_tvd", "fraction_changed"))
        if tvd is not None and changed is not None:
            if changed >= 0.2 or tvd >= 0.2:
                line = _(
                    "Permutation: shuffling a step's attention moves the output distribution by a median "
                    "{tvd} in total variation and changes the token in {changed} of shuffles on a typical "
                    "example: where attention goes matters to this model."
                )
            else:
                line = _(
                    "Permutation: shuffling a step's attention moves the output distribution by a median "
                    "{tvd} in total variation and changes the token in {changed} of shuffles on a typical "
                    "example: this model hardly minds where its attention goes."
                )
            lines.append(line.format(tvd=i18n.number(tvd, 2), changed=i18n.percent(changed, 0)))
    uniform = experiments.get("uniform")
    if uniform:
        summary = uniform.get("summary", uniform)
        name, own, flat = summary.get("metric", ""), summary.get("model"), summary.get("uniform")
        if own is not None and flat is not None:
            lost = own - flat
            scale = 1 if name == "bleu" else 100
            if name == "bleu":
                amount = _("{lost} BLEU").format(lost=i18n.number(lost * scale, 1))
            else:
                amount = _("{lost} points").format(lost=i18n.number(lost * scale, 1))
            if lost * scale >= 5:
                line = _(
                    "Uniform attention: {own} with its own attention, {flat} with uniform weights, {amount} lost: "
                    "attention carries what the model needs (Wiegreffe & Pinter found classifiers that lost little)."
                )
            else:
                line = _(
                    "Uniform attention: {own} with its own attention, {flat} with uniform weights, {amount} lost: "
                    "the model hardly needs its attention's shape here."
                )
            lines.append(line.format(own=metric_value(name, own), flat=metric_value(name, flat), amount=amount))
    return lines
