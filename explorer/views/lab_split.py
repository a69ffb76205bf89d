"""The Lab's split view: one model over a whole test split, from its stored results.

Agreement: tau per example (`tau_series`, the histograms, with the papers' quoted numbers as marks:
`paper_marks`, `histogram_caption`) and its medians (`agreement_rows`); the permutation effect
(`permutation_rows`) and the uniform baseline (`uniform_rows`); and what they say in words
(`split_reading`), in the words of explorer.views.lab_scales' bands, as the tables say them. Text is in
the current language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from explorer import i18n
from explorer.i18n import _
from explorer.views import lab_scales
from explorer.views.lab_readings import (
    agreement_clause,
    method_label,
    metric_name,
    metric_value,
    pair_label,
    paper_cells,
    paper_note,
    sentences,
    summary_text,
    tau_words,
    their_caption,
    their_cells,
)
from seq2seq.lab import papers
from seq2seq.lab.names import (
    IG_SHARE,
    IMPORTANCES,
    MIN_RANKED,
    MODEL_EXPERIMENTS,
    READABLE,
    SATURATED,
    WHERE_THEY_APPLY,
)

# The stored experiments this view draws: a model's length curve is drawn by the scorers view, beside the others'.
DRAWN = tuple(name for name in (*MODEL_EXPERIMENTS, *WHERE_THEY_APPLY) if name != "length")
LN2 = math.log(2)  # the largest Jensen–Shannon divergence, in nats


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
    """Pair label -> the papers' quoted numbers for that pair (mark label -> value), for the histograms:
    only pairs with a number in seq2seq/lab/papers.toml."""
    marks: dict[str, dict[str, float]] = {}
    for pair in pairs:
        quotes = papers.load().for_pair(pair)
        if quotes:
            marks[pair_label(pair)] = {f"{q.label} {i18n.number(q.value, 2)}": q.value for q in quotes}
    return marks


def histogram_caption(marks: Mapping[str, Mapping[str, float]]) -> str:
    """The agreement histograms' caption: what the bars and lines are (the dotted ones only when drawn)."""
    parts = [_("Each example's mean τ over its steps. Red: our median.")]
    if any(marks.values()):
        parts.append(_("Dotted: numbers reported in papers, on other kinds of model (the table below says which)."))
    return sentences(parts)


def measure_sets(agreement: Mapping) -> list[tuple[str, Mapping]]:
    """(title, entry) of each measure set stored: the signed measures (the entry itself), then Jain &
    Wallace's (its "jain-wallace"), each shown with its own τ and chance level."""
    found = [(_("The lab's signed measures"), agreement)]
    jw = agreement.get("jain-wallace")
    if isinstance(jw, Mapping) and jw.get("summary"):
        found.append((_("Jain & Wallace's measures"), jw))
    return found


def theirs(agreement: Mapping) -> bool:
    """Whether a stored agreement entry is under Jain & Wallace's measures (its "measures")."""
    return agreement.get("measures") == "jain-wallace"


def agreement_rows(agreement: Mapping) -> list[dict]:
    """One row per pair: the median of the examples' mean tau with its interval, a reading, the share of
    steps where the two agree significantly (tau > 0, p < 0.05) beside its chance level (when stored), and
    the papers' numbers where seq2seq/lab/papers.toml quotes any: a paper's table's, and under Jain &
    Wallace's measures the J&W columns of their published outputs (explorer.views.lab_readings.their_cells)."""
    whole = agreement.get("summary", {})
    summary = {p: e for p, e in whole.items() if "~" in p and isinstance(e, Mapping)}
    shares, chance = whole.get("significant_share") or {}, whole.get("significant_chance") or {}
    cells = paper_cells(list(summary))
    if theirs(agreement):
        cells = {pair: cells[pair] | found for pair, found in their_cells(list(summary)).items()}
    rows = []
    for pair, entry in summary.items():
        row = {
            _("pair"): pair_label(pair),
            _("median τ [95% interval]"): summary_text(entry),
            _("reading"): tau_words(entry.get("median")),
        }
        if chance:  # stored since the chance level is: an older file's shares counted negative τ too
            row[_("steps agreeing (τ > 0, p < 0.05)")] = _percent(shares.get(pair))
            row[_("expected by chance")] = _percent_fine(chance.get(pair))
        rows.append(row | cells[pair])
    return rows


def agreement_caption(agreement: Mapping) -> str:
    """What the agreement table leaves out and how its shares are counted, from the stored counts."""
    summary = agreement.get("summary", {})
    parts = []
    if summary.get("significant_chance"):
        parts.append(
            _(
                "Steps agreeing: the share of steps whose τ is positive with p < 0.05, pooled over every step "
                "of every example (the steps of one sentence are not independent) and not corrected for "
                "testing many steps. Expected by chance: the share if the two rankings were unrelated, from "
                "the exact null distribution at each step's number of ranked tokens."
            )
        )
    saturated = summary.get("saturated") if isinstance(summary.get("saturated"), Mapping) else {}
    if isinstance(saturated.get("share"), int | float) and isinstance(summary.get("steps"), int):
        parts.append(
            _(
                "Saturated: {share} of the {steps} steps (the chosen token's probability above {threshold}), where "
                "gradient × input, a local slope, is flat."
            ).format(share=_share_fine(saturated["share"]), steps=summary["steps"], threshold=SATURATED)
        )
    if theirs(agreement):
        parts.extend(filter(None, [their_caption(summary)]))
    short, unconverged = summary.get("short"), (summary.get("ig") or {}).get("unconverged")
    nothing = (summary.get("ig") or {}).get("nothing")
    if isinstance(short, int) and isinstance(unconverged, int) and isinstance(nothing, int):
        # stored since issue 64: convergence judged against |f(x) − f(x′)|, and the steps with nothing to share out
        parts.append(
            _(
                "Left out: {short} of {steps} steps that rank fewer than {least} tokens (two tokens give τ = ±1 "
                "with p = 1), and from every τ with integrated gradients {nothing} steps with nothing to attribute "
                "(|f(x) − f(x′)| below {floor} nats) and {unconverged} steps whose integrated gradients did not "
                "converge (|δ| above {share} of |f(x) − f(x′)| at the cap on points)."
            ).format(
                short=short,
                steps=summary.get("steps", "–"),
                least=MIN_RANKED,
                nothing=nothing,
                floor=i18n.number(READABLE, 2),
                unconverged=unconverged,
                share=i18n.percent(IG_SHARE, 0),
            )
        )
    elif isinstance(short, int) and isinstance(unconverged, int):
        parts.append(
            _(
                "Left out: {short} of {steps} steps that rank fewer than {least} tokens (two tokens give τ = ±1 "
                "with p = 1), and "
                "{unconverged} steps whose integrated gradients did not converge, from every τ with integrated "
                "gradients."
            ).format(short=short, steps=summary.get("steps", "–"), unconverged=unconverged, least=MIN_RANKED)
        )
    return sentences(parts) if parts else ""


# What the split and scorers views draw of each stored experiment (seq2seq.lab.results), as a lesson's lab claim
# names it (explorer.lessons.measure.lab_value): a lesson may quote only these, so that every number it says
# is one the screen shows (issue 64). "<pair>" stands for any pair, "<method>" for attention or an importance;
# a summary's ".median", ".low", ".high" and ".n" are drawn with it ("0.21 [0.18, 0.25] (n 50)").
DRAWN_STATISTICS = {
    "agreement": ("<pair>", "significant_share.<pair>", "significant_chance.<pair>", "saturated.share", "steps",
                  "short", "ig.unconverged", "ig.nothing"),
    "permutation": ("median_tvd", "fraction_changed", "mean_tvd", "share_tvd_above_half", "steps"),
    "uniform": ("model", "uniform", "trained_uniform", "n"),
    "adversarial": ("steps", "mean_jsd", "jsd.p10", "jsd.p50", "jsd.p90", "share_above_half", "saturated.share",
                    "unsaturated.steps", "unsaturated.mean_jsd"),
    "seed_variance": ("n_seeds", "median_jsd", "jsd.p10", "jsd.p50", "jsd.p90", "share_above_half",
                      "identical_outputs", "adversarial.further"),
    "alignment": ("aer.<method>",),
    "length": ("<bucket>",),
    "table": ("perplexity", "exact_match", "bleu", "aer", "entropy", "tau", "tau_summary"),
}  # fmt: skip
_SUMMARY_PARTS = (".median", ".low", ".high", ".n")


def drawn(experiment: str, statistic: str) -> bool:
    """Whether the Lab page draws `statistic` of `experiment` (`DRAWN_STATISTICS`), as a lesson's lab claim names
    it."""
    from seq2seq.lab.names import pairs

    name = statistic.removeprefix("jain-wallace:")
    for part in _SUMMARY_PARTS:
        if name.endswith(part) and name.count(".") >= 1:
            head = name[: -len(part)]
            if head in pairs(True) or head in ("median_tvd", "fraction_changed", "median_jsd", "tau_summary"):
                name = head
                break
    for shown in DRAWN_STATISTICS.get(experiment, ()):
        if shown == name:
            return True
        if shown == "<pair>" and name in pairs(True):
            return True
        if "<pair>" in shown and name in {shown.replace("<pair>", p) for p in pairs(True)}:
            return True
        if shown == "aer.<method>" and name in {f"aer.{m}" for m in ("attention", *IMPORTANCES)}:
            return True
        if shown == "<bucket>" and all(part.isdigit() for part in name.split("-")) and "-" in name:
            return True
    return False


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
        {measure: _("mean TVD over every step"), median: _number(summary.get("mean_tvd"), 3)},
        {measure: _("share of steps with a mean TVD above 0.5"), median: _percent(summary.get("share_tvd_above_half"))},
    ]


def _number(value, digits: int) -> str:
    return i18n.number(value, digits) if isinstance(value, int | float) and math.isfinite(value) else "–"


def _percent(value) -> str:
    return i18n.percent(value, 0) if isinstance(value, int | float) and math.isfinite(value) else "–"


def _share_fine(value) -> str:
    """A share to the decimals that keep it true (0.995 is 99.5%, never 100%: i18n.share_digits)."""
    return i18n.percent(value, i18n.share_digits(value, 0)) if isinstance(value, int | float) else "–"


def _percent_fine(value) -> str:
    """A small share with one decimal (a chance level of a few percent)."""
    return i18n.percent(value, 1) if isinstance(value, int | float) and math.isfinite(value) else "–"


def adversarial_rows(adversarial: Mapping) -> list[dict]:
    """The adversarial search over the split's steps: the JSD reached within the output bound, its spread."""
    summary = adversarial.get("summary", {})
    spread = summary.get("jsd", {}) if isinstance(summary.get("jsd"), Mapping) else {}
    measure, value = _("measure"), _("value")
    return [
        {measure: _("steps searched"), value: str(spread.get("n", summary.get("steps", "–")))},
        {measure: _("mean JSD reached (nats, at most ln 2 = 0.69)"), value: _number(summary.get("mean_jsd"), 3)},
        {measure: _("median JSD [p10, p90]"), value: _spread(spread)},
        {measure: _("share of steps above half of ln 2"), value: _percent(summary.get("share_above_half"))},
        *_saturation_rows(summary),
    ]


def _saturation(summary: Mapping) -> tuple[Mapping | None, Mapping]:
    """An adversarial summary's "saturated" (None when not stored) and "unsaturated" ({} when not stored)."""
    saturated, unsaturated = summary.get("saturated"), summary.get("unsaturated")
    return (
        saturated if isinstance(saturated, Mapping) else None,
        unsaturated if isinstance(unsaturated, Mapping) else {},
    )


def _saturation_rows(summary: Mapping) -> list[dict]:
    """The searched steps where the model was already sure, and the JSD reached on the others (when stored)."""
    saturated, unsaturated = _saturation(summary)
    if saturated is None:
        return []
    measure, value = _("measure"), _("value")
    return [
        {
            measure: _("saturated steps (the chosen token's probability above {threshold})").format(
                threshold=SATURATED
            ),
            value: _percent(saturated.get("share")),
        },
        {measure: _("the other steps: how many"), value: str(unsaturated.get("steps", "–"))},
        {measure: _("the other steps: mean JSD reached"), value: _number(unsaturated.get("mean_jsd"), 3)},
    ]


def _spread(spread: Mapping) -> str:
    median, low, high = (spread.get(k) for k in ("p50", "p10", "p90"))
    if not all(isinstance(v, int | float) for v in (median, low, high)):
        return "–"
    return f"{i18n.number(median, 3)} [{i18n.number(low, 3)}, {i18n.number(high, 3)}]"


def seed_rows(seed: Mapping) -> list[dict]:
    """Another seed's attention beside the adversarial one, on the same output steps (JSD in nats)."""
    summary = seed.get("summary", {})
    compared = summary.get("adversarial") if isinstance(summary.get("adversarial"), Mapping) else {}
    measure, value = _("measure"), _("value")
    rows = [
        {measure: _("seed models"), value: str(summary.get("n_seeds", "–"))},
        {
            measure: _("median over sentences of each sentence's mean JSD to another seed's attention"),
            value: summary_text(summary.get("median_jsd"), 3),
        },
        {
            measure: _("per step: median JSD to another seed's attention [p10, p90]"),
            value: _spread(summary.get("jsd") if isinstance(summary.get("jsd"), Mapping) else {}),
        },
        {measure: _("per step: share above half of ln 2"), value: _percent(summary.get("share_above_half"))},
        {measure: _("outputs identical to this model's"), value: _percent(summary.get("identical_outputs"))},
    ]
    if compared:
        rows += [
            {
                measure: _("median JSD of the adversarial attention"),
                value: _spread(compared.get("adversarial", {}).get("jsd", {})),
            },
            {
                measure: _("steps where the adversarial attention is further than every seed's"),
                value: _percent(compared.get("further")),
            },
        ]
    return rows


def alignment_rows(alignment: Mapping) -> list[dict]:
    """AER of the argmax of attention and of each importance against the gold alignment (lower: closer)."""
    aer = alignment.get("summary", {}).get("aer", {})
    what, value = _("argmax of"), _("AER")
    return [
        {what: method_label(key), value: _number(aer.get(key), 3)} for key in ("attention", *IMPORTANCES) if key in aer
    ]


def uniform_rows(uniform: Mapping) -> list[dict]:
    """The model's metric with its own attention, with uniform attention swapped in, and (when stored) the
    metric of the task's model trained with uniform attention on the same examples (Wiegreffe & Pinter's
    baseline: seq2seq.lab.uniform's "trained_uniform")."""
    summary = uniform.get("summary", uniform)
    metric = summary.get("metric", "")
    name = metric_name(metric)
    attention, examples = _("attention"), _("examples")
    rows = [
        {
            attention: _("the model's own"),
            name: metric_value(metric, summary.get("model")),
            examples: summary.get("n"),
        },
        {
            attention: _("uniform (1/S everywhere), swapped in"),
            name: metric_value(metric, summary.get("uniform")),
            examples: summary.get("n"),
        },
    ]
    if summary.get("trained_uniform") is not None:
        rows.append(
            {
                attention: _("trained with uniform attention ({model})").format(
                    model=summary.get("trained_uniform_model", "–")
                ),
                name: metric_value(metric, summary["trained_uniform"]),
                examples: summary.get("n"),
            }
        )
    return rows


def _points(metric: str, value: float) -> float:
    """A difference of the metric as the readings count it: BLEU as it is, a fraction in points."""
    return value * (1 if metric == "bleu" else 100)


def _amount(metric: str, points: float) -> str:
    """ "3.8 BLEU", "57.5 points" (the absolute value, one decimal)."""
    if metric == "bleu":
        return _("{lost} BLEU").format(lost=i18n.number(abs(points), 1))
    return _("{lost} points").format(lost=i18n.number(abs(points), 1))


def uniform_reading(uniform: Mapping) -> list[str]:
    """What the model's stored uniform numbers say: the swap (does this model use its weights?) and, when
    stored, the model trained with uniform attention (does the task need a choice of where to look?), each
    with its own verdict from its own numbers (explorer.views.lab_scales.UNIFORM_LOSS, TRAINED_UNIFORM)."""
    summary = uniform.get("summary", uniform)
    name, own, flat = summary.get("metric", ""), summary.get("model"), summary.get("uniform")
    if own is None or flat is None:
        return []
    lost = _points(name, own - flat)
    lines = [
        _(
            "Uniform attention swapped in at inference: {own} with its own attention, {flat} with uniform weights, "
            "{amount} lost: {verdict}."
        ).format(
            own=metric_value(name, own),
            flat=metric_value(name, flat),
            amount=_amount(name, lost),
            verdict=lab_scales.UNIFORM_LOSS.words(lost),
        )
    ]
    trained = summary.get("trained_uniform")
    if trained is None:
        return lines
    gap = _points(name, own - trained)
    if round(gap, 1) == 0:
        difference = _("the same as this model")
    elif gap > 0:
        difference = _("{amount} below this model").format(amount=_amount(name, gap))
    else:
        difference = _("{amount} above this model").format(amount=_amount(name, gap))
    lines.append(
        _(
            "Trained with uniform attention from the start (Wiegreffe & Pinter's baseline, with which they found "
            "classifiers that lost little; the swap is not their experiment), {model} scores {trained} on the same "
            "{n} examples, {difference}: {verdict}."
        ).format(
            model=summary.get("trained_uniform_model", "–"),
            trained=metric_value(name, trained),
            n=i18n.number(summary.get("n")) if isinstance(summary.get("n"), int) else "–",
            difference=difference,
            verdict=lab_scales.TRAINED_UNIFORM.words(gap),
        )
    )
    return lines


def split_reading(experiments: Mapping[str, Mapping | None]) -> list[str]:
    """What a model's stored numbers say, one sentence per experiment that is stored."""
    lines = []
    agreement = experiments.get("agreement")
    if agreement:
        medians = {
            p: e.get("median") for p, e in agreement.get("summary", {}).items() if "~" in p and isinstance(e, Mapping)
        }
        clause = agreement_clause(medians, _("median τ"))
        if clause is not None:
            line = _("Agreement: on a typical example {agreement}.").format(agreement=clause)
            lines.append(sentences([line, *filter(None, [paper_note("attention~gradient")])]))
        lines += _jain_wallace_reading(agreement)
        loo = medians.get("grad_x_input~leave_one_out")
        if loo is not None:
            line = _(
                "The importances among themselves: gradient × input and leave-one-out {agreement} (median τ {tau})."
            ).format(agreement=tau_words(loo), tau=i18n.number(loo, 2))
            lines.append(sentences([line, *filter(None, [paper_note("gradient~leave_one_out")])]))
    permutation_result = experiments.get("permutation")
    if permutation_result:
        summary = permutation_result.get("summary", {})
        tvd, changed = (summary.get(k, {}).get("median") for k in ("median_tvd", "fraction_changed"))
        mean, above = summary.get("mean_tvd"), summary.get("share_tvd_above_half")
        if mean is not None and above is not None and changed is not None:
            # Over every step, not a median of examples' medians: a model can look unmoved on its typical
            # example while shuffling decides a quarter of its steps.
            lines.append(
                _(
                    "Permutation: shuffling a step's attention moves the output distribution by {mean} in total "
                    "variation on average over {steps} steps, by more than 0.5 at {above} of them, and changes "
                    "the token in a median {changed} of shuffles: {verdict}."
                ).format(
                    mean=i18n.number(mean, 2),
                    steps=summary.get("steps", "–"),
                    above=i18n.percent(above, 0),
                    changed=i18n.percent(changed, 0),
                    verdict=lab_scales.permutation_words(mean, changed, "split"),
                )
            )
        elif tvd is not None and changed is not None:
            lines.append(
                _(
                    "Permutation: shuffling a step's attention moves the output distribution by a median "
                    "{tvd} in total variation and changes the token in {changed} of shuffles on a typical "
                    "example: {verdict}."
                ).format(
                    tvd=i18n.number(tvd, 2),
                    changed=i18n.percent(changed, 0),
                    verdict=lab_scales.permutation_words(tvd, changed, "split"),
                )
            )
    uniform = experiments.get("uniform")
    if uniform:
        lines += uniform_reading(uniform)
    lines += _baseline_readings(experiments)
    return lines


def _jain_wallace_reading(agreement: Mapping) -> list[str]:
    """Attention against Jain & Wallace's gradient, in their measures, with its share of agreeing steps
    beside chance (only when the stored entry has the chance level)."""
    summary = (agreement.get("jain-wallace") or {}).get("summary") or {}
    pair = "attention~grad_x_input"
    entry, share = summary.get(pair), (summary.get("significant_share") or {}).get(pair)
    chance = (summary.get("significant_chance") or {}).get(pair)
    if not isinstance(entry, Mapping) or entry.get("median") is None or share is None or chance is None:
        return []
    return [
        _(
            "In Jain & Wallace's measures, attention and their gradient {agreement} (median τ {tau}); they agree "
            "significantly at {share} of the steps, where chance alone would give {chance}."
        ).format(
            agreement=tau_words(entry["median"]),
            tau=i18n.number(entry["median"], 2),
            share=_percent(share),
            chance=_percent_fine(chance),
        )
    ]


def _saturation_reading(adversarial: Mapping) -> list[str]:
    """How many searched steps were saturated, and what the search reached on the others."""
    saturated, unsaturated = _saturation(adversarial)
    share, mean = (saturated or {}).get("share"), unsaturated.get("mean_jsd")
    if not isinstance(share, int | float):
        return []
    if not isinstance(mean, int | float):
        return [
            _(
                "Every searched step was saturated (the chosen token's probability above {threshold}): there is "
                "no step the model was unsure of to compare the divergence with."
            ).format(threshold=SATURATED)
        ]
    return [
        _(
            "{share} of the searched steps were saturated (the chosen token's probability above {threshold}); on "
            "the {steps} others the mean JSD reached was {mean} nats: {verdict}."
        ).format(
            share=i18n.percent(share, 0),
            threshold=SATURATED,
            steps=unsaturated.get("steps"),
            mean=i18n.number(mean, 2),
            verdict=lab_scales.ADVERSARIAL.words(mean / LN2),
        )
    ]


def _baseline_readings(experiments: Mapping[str, Mapping | None]) -> list[str]:
    """The adversarial, seed-variance and alignment sentences, for those stored."""
    lines = []
    adversarial = (experiments.get("adversarial") or {}).get("summary", {})
    mean, above = adversarial.get("mean_jsd"), adversarial.get("share_above_half")
    if isinstance(mean, int | float) and isinstance(above, int | float):
        lines.append(
            _(
                "Adversarial attention: keeping the output within a total variation of {bound}, the search moved "
                "the attention by a mean {mean} nats ({share} of the most there is), above half of it at {above} "
                "of the steps: {verdict}."
            ).format(
                bound=i18n.number(adversarial.get("tvd_bound", 0.05), 2),
                mean=i18n.number(mean, 2),
                share=i18n.percent(mean / LN2, 0),
                above=i18n.percent(above, 0),
                verdict=lab_scales.ADVERSARIAL.words(mean / LN2),
            )
        )
        lines += _saturation_reading(adversarial)
    seed = (experiments.get("seed_variance") or {}).get("summary", {})
    median = (seed.get("median_jsd") or {}).get("median") if isinstance(seed.get("median_jsd"), Mapping) else None
    further = (seed.get("adversarial") or {}).get("further") if isinstance(seed.get("adversarial"), Mapping) else None
    per_step = seed.get("jsd") if isinstance(seed.get("jsd"), Mapping) else {}
    step_median, above = per_step.get("p50"), seed.get("share_above_half")
    if isinstance(median, int | float) and isinstance(further, int | float):
        line = _(
            "Another seed: the same recipe trained with another seed attends, over a typical sentence, {median} nats "
            "away (the median of the sentences' mean JSD); the adversarial attention is further than every seed's "
            "at {further} of the steps: {verdict}."
        ).format(
            median=i18n.number(median, 2),
            further=i18n.percent(further, 0),
            verdict=lab_scales.SEED_FURTHER.words(further),
        )
        if isinstance(step_median, int | float) and isinstance(above, int | float):
            # a sentence's mean hides how its steps split: most alike, some near the most there is
            line = sentences(
                [
                    line,
                    _(
                        "Step by step the divergence splits: the median step is {p50} nats from the seed's row, "
                        "while {above} of the steps are above half of ln 2."
                    ).format(p50=i18n.number(step_median, 3), above=i18n.percent(above, 0)),
                ]
            )
        lines.append(line)
    aer = (experiments.get("alignment") or {}).get("summary", {}).get("aer", {})
    ranked = [(aer[k], k) for k in IMPORTANCES if isinstance(aer.get(k), int | float)]
    if isinstance(aer.get("attention"), int | float) and ranked:
        best, name = min(ranked)
        lines.append(
            _(
                "Alignment: the argmax of attention has an alignment error rate of {attention} against the gold; "
                "the best importance, {name}, {best}."
            ).format(attention=i18n.number(aer["attention"], 3), name=method_label(name), best=i18n.number(best, 3))
        )
    return lines
