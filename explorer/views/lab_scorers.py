"""The Lab's scorers view: every scorer of a task, from the stored results.

The scorer table (`table_rows`, Luong et al. 2015's comparison of attention functions) and its reading
(`table_reading`); quality against source length, one curve per model (`length_series`, Bahdanau et al.
2015, Fig. 2), with a note for sources a model refused (`refused_notes`). Text is in the current language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from explorer import i18n
from explorer.i18n import _, ngettext
from explorer.state import catalog
from explorer.views import lab_scales
from explorer.views.lab_readings import (
    metric_label,
    metric_name,
    metric_value,
    paper_note,
    rounded,
    sentences,
    summary_text,
    tau_words,
)
from explorer.views.lab_stored import experiment


def scorer_table(results: Mapping | None) -> dict | None:
    """The task's stored scorer table (seq2seq.lab.table.scorer_table), or None."""
    value = results.get("table") if isinstance(results, Mapping) else None
    return value if isinstance(value, Mapping) and isinstance(value.get("rows"), list) else None


def has_gold(task: str) -> bool:
    """Whether `task` has gold alignments (reverse, dates): the scorer table's AER column."""
    found = catalog.task_of(task)
    return bool(found and found.has_alignments)


def table_rows(table: Mapping, gold: bool) -> list[dict]:
    """The scorer table's rows as the page shows them; `gold`: with the AER column (reverse, dates)."""
    metric = table.get("metric", "")
    rows = []
    for row in table.get("rows", []):
        shown = {
            _("model"): row.get("model"),
            _("cell"): row.get("cell"),
            _("perplexity"): rounded(row.get("perplexity"), 3),
            metric_label(metric): rounded(_scaled(metric, row.get(metric)), _digits(metric, row.get(metric))),
        }
        if gold:
            shown["AER"] = rounded(row.get("aer"), 3)
        shown |= {
            _("entropy (nats)"): rounded(row.get("entropy"), 3),
            _("mean τ(attention, IG)"): rounded(row.get("tau"), 3),
            _("median τ [95% interval]"): summary_text(row.get("tau_summary")),
        }
        rows.append(shown)
    return rows


def _digits(metric: str, value) -> int:
    """The decimals of the metric column: 2, more for a share that 2 would round to 0% or 100% (0.99999)."""
    if metric == "bleu" or not isinstance(value, int | float) or isinstance(value, bool):
        return 2
    return i18n.share_digits(value, 2)


def _scaled(metric: str, value) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return float(value) * (1 if metric == "bleu" else 100)


def table_reading(table: Mapping, gold: bool) -> list[str]:
    """The table's best rows in words."""
    metric = table.get("metric", "")
    rows = [r for r in table.get("rows", []) if r.get("scorer") != "none"]
    lines = []
    scored = [r for r in table.get("rows", []) if r.get("perplexity") is not None]
    if scored:
        best = min(scored, key=lambda r: r["perplexity"])
        lines.append(
            _("Lowest perplexity: {model} ({perplexity}).").format(
                model=best["model"], perplexity=i18n.number(best["perplexity"], 3)
            )
        )
    with_metric = [r for r in table.get("rows", []) if r.get(metric) is not None]
    if with_metric:
        top = max(r[metric] for r in with_metric)
        best = _(", ").join(r["model"] for r in with_metric if r[metric] == top)
        lines.append(
            _("Best {metric} ({value}): {models}.").format(
                metric=metric_name(metric), value=metric_value(metric, top), models=best
            )
        )
    if gold:
        aligned = [r for r in rows if r.get("aer") is not None]
        if aligned:
            best = min(aligned, key=lambda r: r["aer"])
            tau = best.get("tau")
            aer = i18n.number(best["aer"], 3)
            # aligned, yet τ below "somewhat alike": worth saying both (explorer.views.lab_scales)
            if best["aer"] < lab_scales.ALIGNED_AER and tau is not None and tau < lab_scales.TAU.bound("somewhat"):
                line = _(
                    "Attention closest to the gold alignment: {model} (AER {aer}), yet its attention and "
                    "integrated gradients {agreement} (mean τ {tau}): sitting on the aligned token is not the "
                    "same as being what the prediction rests on."
                ).format(model=best["model"], aer=aer, agreement=tau_words(tau), tau=i18n.number(tau, 2))
            else:
                line = _("Attention closest to the gold alignment: {model} (AER {aer}).").format(
                    model=best["model"], aer=aer
                )
            lines.append(line)
    taus = [r for r in rows if r.get("tau") is not None]
    if taus:
        best = max(taus, key=lambda r: r["tau"])
        line = _("Attention agrees most with integrated gradients in {model}: they {agreement} (mean τ {tau}).").format(
            model=best["model"], agreement=tau_words(best["tau"]), tau=i18n.number(best["tau"], 2)
        )
        lines.append(sentences([line, *filter(None, [paper_note("attention~gradient")])]))
    return lines


def refused_notes(results: Mapping | None, models: Sequence[str]) -> list[str]:
    """A line per model whose stored length experiment refused sources (too long for it): their gaps."""
    notes = []
    for model in models:
        found = experiment(results, model, "length") or {}
        refused = sum(b.get("refused") or 0 for b in found.get("buckets") or [] if isinstance(b, Mapping))
        if refused:
            note = ngettext(
                "{model} refused {n} source longer than it takes (a location "
                "scorer learns one weight per trained position): no point where a bucket had nothing else.",
                "{model} refused {n} sources longer than it takes (a location "
                "scorer learns one weight per trained position): no point where a bucket had nothing else.",
                refused,
            )
            notes.append(note.format(model=model, n=refused))
    return notes


def length_series(results: Mapping | None, task: str, models: Sequence[str]) -> tuple[dict[str, dict], dict]:
    """Model -> {"x" (each bucket's longest length), "y", "low", "high"} of the stored length experiments
    of `models` (exact match in %, BLEU as it is), and what they share: {"metric", "unit", and "trained",
    the longest training source, where the curves go past it}."""
    series: dict[str, dict] = {}
    shared: dict = {}
    for model in models:
        found = experiment(results, model, "length")
        buckets = found.get("buckets") if found else None
        if not buckets:
            continue
        scale = 1 if found.get("metric") == "bleu" else 100

        def scaled(key: str, buckets=buckets, scale=scale) -> list[float | None]:
            return [b.get(key) * scale if isinstance(b.get(key), int | float) else None for b in buckets]

        x = [b["range"][1] for b in buckets]
        series[model] = {"x": x, "y": scaled("value"), "low": scaled("low"), "high": scaled("high")}
        shared.setdefault("metric", found.get("metric", ""))
        shared.setdefault("unit", found.get("unit", ""))
        if isinstance(found.get("trained_source_tokens"), int) and goes_past_training(task):
            shared.setdefault("trained", found["trained_source_tokens"])
    return series, shared


def goes_past_training(task: str) -> bool:
    """Whether the task's length experiment adds sources longer than training (reverse's 31–50)."""
    found = catalog.task_of(task)
    return found is not None and found.longer_than_training is not None
