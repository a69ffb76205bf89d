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
    method_label,
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
from seq2seq.lab.names import IMPORTANCES


def scorer_table(results: Mapping | None) -> dict | None:
    """The task's stored scorer table (seq2seq.lab.table.scorer_table), or None. Each row carries, as
    "alignment", its model's stored alignment AER by method (the alignment experiment: the argmax of attention
    and of each importance against the gold; {} when not stored), so that the table's reading says where the
    importances' top lies beside attention's (`table_reading`)."""
    value = results.get("table") if isinstance(results, Mapping) else None
    if not (isinstance(value, Mapping) and isinstance(value.get("rows"), list)):
        return None
    rows = []
    for row in value["rows"]:
        found = experiment(results, row.get("model", ""), "alignment") if isinstance(row, Mapping) else None
        aer = ((found or {}).get("summary") or {}).get("aer")
        rows.append(
            {**row, "alignment": dict(aer) if isinstance(aer, Mapping) else {}} if isinstance(row, Mapping) else row
        )
    return {**value, "rows": rows}


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
            # aligned, yet τ below "somewhat alike": worth saying both (explorer.views.lab_scales), and what
            # the importances' own top says (the alignment experiment), so as not to read a low τ as "the
            # prediction rests elsewhere" where the importances' top is the aligned token too.
            if best["aer"] < lab_scales.ALIGNED_AER and tau is not None and tau < lab_scales.TAU.bound("somewhat"):
                line = _aligned_yet_low_tau(best, aer, tau)
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


def _aer_list(aer: Mapping, methods: Sequence[str]) -> str:
    """ "gradient × input 0.003, leave-one-out 0.005": each method's AER, lowest first."""
    ordered = sorted(methods, key=lambda m: aer[m])
    return _(", ").join(_("{method} {aer}").format(method=method_label(m), aer=i18n.number(aer[m], 3)) for m in ordered)


def _aligned_yet_low_tau(row: Mapping, aer: str, tau: float) -> str:
    """The reading of a row whose attention sits on the gold token while τ(attention, IG) is low: where the
    importances' own largest values lie (its stored alignment AER by method) decides what follows."""
    found = row.get("alignment") if isinstance(row.get("alignment"), Mapping) else {}
    measured = [m for m in IMPORTANCES if isinstance(found.get(m), int | float)]
    aligned = [m for m in measured if found[m] < lab_scales.ALIGNED_AER]
    elsewhere = [m for m in measured if m not in aligned]
    head = _(
        "Attention closest to the gold alignment: {model} (AER {aer}), yet its attention and integrated gradients "
        "{agreement} (mean τ {tau})"
    ).format(model=row["model"], aer=aer, agreement=tau_words(tau), tau=i18n.number(tau, 2))
    if not measured:
        return _(
            "{head}. τ counts the order of every source token; whether the importances' largest value is the "
            "aligned token too is the alignment experiment's question, not stored for this model."
        ).format(head=head)
    if not aligned:
        return _(
            "{head}, and the importances' largest values sit on the aligned token less often (AER {elsewhere}): "
            "attention's top is not always what the prediction rests on."
        ).format(head=head, elsewhere=_aer_list(found, elsewhere))
    if not elsewhere:
        return _(
            "{head}. The importances' largest values sit on the aligned token too (AER {aligned}): they agree on "
            "the top token, and differ in how they order the rest, which τ counts as much."
        ).format(head=head, aligned=_aer_list(found, aligned))
    return _(
        "{head}. The largest values of some importances sit on the aligned token too (AER {aligned}), those of "
        "others less often (AER {elsewhere}): they agree on the top token only in part, and differ in how "
        "they order the rest."
    ).format(head=head, aligned=_aer_list(found, aligned), elsewhere=_aer_list(found, elsewhere))


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
