"""How the Lab says its numbers, in every view: the methods' and pairs' names, Kendall's tau in words
(the bands of explorer.views.lab_scales), the papers' numbers beside ours, a median with its interval, a
task metric's name and value.

The papers' numbers come from seq2seq/lab/papers.toml (seq2seq.lab.papers), never typed here: each is
said with its paper, table, setting and row ("Jain & Wallace 2019, Table 2, BiLSTM text classifier,
per-class mean, <row>: …"), so that no number measured on another kind of model reads as if measured on
ours. Pairs without a quoted number get none, and a table without any gets no paper column.

Text returned here is in the current language (explorer.i18n); module constants are marked with N_ and
translated where they are shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from babel.numbers import format_percent

from explorer import i18n
from explorer.i18n import N_, _
from explorer.views import lab_scales
from seq2seq.lab import papers

# Attention and each of seq2seq.lab.names.IMPORTANCES as the tables say them (translated where shown: `method_label`).
METHOD_LABELS = {
    "attention": N_("attention"),
    "grad_x_input": N_("gradient × input"),
    "integrated_gradients": N_("integrated gradients"),
    "leave_one_out": N_("leave-one-out"),
}


def method_label(name: str) -> str:
    """ "grad_x_input" -> "gradient × input", in the current language."""
    return _(METHOD_LABELS[name])


# How leave-one-out took a token out (seq2seq.lab.names.LOO_METHODS), after "leave-one-out".
LOO_LABELS = {"deletion": N_("by deletion"), "unk": N_("by <unk>")}
# The two definitions of the importances (seq2seq.lab.names.MEASURES), as the step view's switch says them.
MEASURE_LABELS = {"signed": N_("signed"), "jain-wallace": N_("Jain & Wallace")}


def loo_label(loo: str) -> str:
    """ "deletion" -> "leave-one-out by deletion", "unk" -> "leave-one-out by <unk>" (current language)."""
    # Translators: "leave-one-out" followed by how it took the token out ("by deletion", "by <unk>").
    return _("{method} {how}").format(method=method_label("leave_one_out"), how=_(LOO_LABELS[loo]))


def p_text(p: float | None) -> str:
    """A p-value as a table shows it: "0.012", "< 0.001", "–" when undefined."""
    if p is None or not math.isfinite(float(p)):
        return "–"
    if p < lab_scales.P_SHOWN:
        return f"< {i18n.number(lab_scales.P_SHOWN, 3)}"
    return i18n.number(float(p), 3)


def significant_digits(value: float, digits: int = 2, most: int = 10) -> str:
    """A small positive number with `digits` significant digits (0.0031, 0.12, 1.5), at most `most` decimals."""
    if not math.isfinite(value) or value == 0:
        return i18n.number(0.0, 0) if value == 0 else "–"
    decimals = min(most, max(0, digits - 1 - math.floor(math.log10(abs(value)))))
    return i18n.number(value, decimals)


def pair_label(pair: str) -> str:
    """ "attention~grad_x_input" -> "attention ~ gradient × input"."""
    a, b = pair.split("~")
    return f"{method_label(a)} ~ {method_label(b)}"


def tau_words(tau: float | None) -> str:
    """What two rankings with Kendall's tau `tau` do, as a verb phrase ("attention and X ..."): the band
    of explorer.views.lab_scales.TAU it falls in."""
    return lab_scales.tau_words(tau)


def agreement_clause(taus: Mapping[str, float | None], label: str = "τ") -> str | None:
    """Attention's agreement with the importances in words, from their taus by pair ("attention~x" keys;
    `label` names the values: "τ", "median τ"), or None without one defined.

    The words are each pair's band, as the tables' reading column says them: one clause when every pair
    falls in the same band, else the closest and the farthest pair each with their own."""
    defined = {
        pair: float(tau)
        for pair, tau in taus.items()
        if pair.startswith("attention~") and tau is not None and math.isfinite(float(tau))
    }
    if not defined:
        return None
    high = max(defined, key=defined.__getitem__)
    low = min(defined, key=defined.__getitem__)
    if len({lab_scales.TAU.band(tau).key for tau in defined.values()}) == 1:
        if len(defined) == 1:
            return _pair_clause(high, defined[high], label)
        return _("attention and the importances {agreement} ({label} {low} to {high})").format(
            agreement=tau_words(defined[high]),
            label=label,
            low=i18n.number(defined[low], 2),
            high=i18n.number(defined[high], 2),
        )
    # Translators: two clauses of one sentence, "attention and X rank the tokens …, while attention and Y …".
    return _("{first}, while {second}").format(
        first=_pair_clause(high, defined[high], label), second=_pair_clause(low, defined[low], label)
    )


def _pair_clause(pair: str, tau: float, label: str) -> str:
    return _("attention and {method} {agreement} ({label} {tau})").format(
        method=method_label(pair.split("~")[1]), agreement=tau_words(tau), label=label, tau=i18n.number(tau, 2)
    )


# -- the papers' numbers (seq2seq/lab/papers.toml) --------------------------------------------------------
def paper_column() -> str:
    """The tables' column of the papers' numbers, in the current language."""
    return _("reported in papers, on their models")


def quoted_value(quote: papers.Quote) -> str:
    """ "0.40 ± 0.21", or "0.40" where the paper gives no standard deviation."""
    value = i18n.number(quote.value, 2)
    return value if quote.std is None else f"{value} ± {i18n.number(quote.std, 2)}"


def citation(quote: papers.Quote) -> str:
    """One quoted number with where it was read and on what kind of model, in the current language."""
    if quote.file:
        # Translators: "Jain & Wallace 2019, published outputs graph_outputs/…/x.csv, row al, BiLSTM text
        # classifier …, <data set>: 0.40 ± 0.21".
        return _("{cite}, published outputs {file}, row {row}, {setting}, {label}: {value}").format(
            cite=quote.paper.cite,
            file=quote.file,
            row=quote.row,
            setting=_(quote.setting),
            label=quote.label,
            value=quoted_value(quote),
        )
    # Translators: "Jain & Wallace 2019, Table 2, BiLSTM text classifier, per-class mean, SST, class 0: 0.40 ± 0.21".
    return _("{cite}, {table}, {setting}, {row}: {value}").format(
        cite=quote.paper.cite, table=quote.table, setting=_(quote.setting), row=quote.row, value=quoted_value(quote)
    )


def paper_value(pair: str) -> str:
    """The quoted numbers that stand beside the lab's pair `pair`, each with its citation ("" for none)."""
    # Translators: between two quoted numbers of one table cell.
    return _("; ").join(citation(q) for q in papers.load().for_pair(pair))


def paper_cells(pairs: Sequence[str]) -> dict[str, dict[str, str]]:
    """Pair -> its row's paper column ({} for every pair when none of `pairs` has a quoted number)."""
    if not any(papers.load().for_pair(pair) for pair in pairs):
        return {pair: {} for pair in pairs}
    return {pair: {paper_column(): paper_value(pair) or "–"} for pair in pairs}


def paper_note(compares: str) -> str | None:
    """A sentence quoting the papers' mean τ of one kind ("attention~gradient", seq2seq.lab.papers.COMPARES)
    read in their tables, each with its setting, or None when none is quoted (the figures of Jain & Wallace's
    output files stand in the table of their measures only: `their_cells`)."""
    quotes = [q for q in papers.load().quotes if q.compares == compares and not q.file and q.statistic == "tau_mean"]
    if not quotes:
        return None
    return _("Reported in papers, on other kinds of model: {citations}.").format(
        citations=_("; ").join(citation(q) for q in quotes)
    )


# -- Jain & Wallace's published outputs beside the lab's table of their measures (`Papers.outputs`) -----
def their_columns() -> dict[str, str]:
    """seq2seq.lab.papers.STATISTICS -> the J&W column that shows it, in the current language."""
    return {
        # Translators: "J&W" is Jain & Wallace; a column of their published figures beside the lab's own.
        "tau_mean": _("J&W: mean τ ± std, per instance"),
        # Translators: "Sig. Frac." is Jain & Wallace's own name for the share, as their paper writes it.
        "sig_frac": _("J&W: Sig. Frac., per instance"),
    }


def their_figure(quote: papers.Quote) -> str:
    """ "<data set> 0.12 ± 0.03", "<data set> 0.45": a figure of their outputs after its data set, with the two
    decimals of their files (a Sig. Frac. as they write it, never turned into a percentage)."""
    return f"{quote.label} {quoted_value(quote)}"


def their_cells(pairs: Sequence[str]) -> dict[str, dict[str, str]]:
    """Pair -> its J&W columns under Jain & Wallace's measures ({} for every pair when none of `pairs` is one
    of theirs with a quoted figure); "–" for a pair of the lab's that is not theirs (integrated gradients)."""
    found = papers.load()
    columns = their_columns()
    if not any(found.outputs(pair, statistic) for pair in pairs for statistic in columns):
        return {pair: {} for pair in pairs}
    # Translators: between two quoted figures of one table cell ("<data set> 0.12 ± 0.03; <data set> 0.45 ± 0.06").
    join = _("; ").join
    return {
        pair: {
            column: join(their_figure(q) for q in found.outputs(pair, statistic)) or "–"
            for statistic, column in columns.items()
        }
        for pair in pairs
    }


def their_caption(summary: Mapping) -> str | None:
    """Under the table of Jain & Wallace's measures: where the J&W figures come from, their definitions
    beside the lab's, and how a decoder's steps differ from their classifiers' instances (`summary`: the
    stored agreement summary of those measures, for its counts). None when no figure is quoted."""
    quotes = [q for q in papers.load().quotes if q.file and q.compares in papers.THEIR_PAIRS.values()]
    if not quotes:
        return None
    folders = {q.file.rpartition("/")[0] for q in quotes}
    names = _(", ").join(dict.fromkeys(q.file.rpartition("/")[2] for q in quotes))
    files = f"{folders.pop()}/ ({names})" if len(folders) == 1 else _(", ").join(dict.fromkeys(q.file for q in quotes))
    # Each setting of their mean τ with its data sets: "BiLSTM text classifier with additive attention, mean
    # over the test set (<data set>, <data set>)".
    settings: dict[str, list[str]] = {}
    for quote in quotes:
        if quote.statistic == "tau_mean":
            settings.setdefault(quote.setting, []).append(quote.label)
    groups = _("; ").join(
        # Translators: a setting and the data sets measured in it ("BiLSTM text classifier …, mean over the
        # test set (<data set>, <data set>)").
        _("{setting} ({labels})").format(setting=_(setting), labels=_(", ").join(dict.fromkeys(labels)))
        for setting, labels in settings.items()
    )
    parts = [
        _("J&W: {cite}'s published outputs, {files}, rows {rows}: {groups}.").format(
            cite=quotes[0].paper.cite,
            files=files,
            rows=_(", ").join(sorted({q.row for q in quotes})),
            groups=groups,
        ),
        _(
            "Their Sig. Frac. and our steps agreeing are not the same share. Sig. Frac.: the share of test "
            "instances whose τ is significant, a two-sided p ≤ 0.05 of either sign, one τ per instance over "
            "its whole input. Steps agreeing: the share of decoding steps whose τ is positive with p < 0.05, "
            "one τ per output step."
        ),
    ]
    steps, examples = summary.get("steps"), summary.get("examples")
    lengths = summary.get("source_lengths") if isinstance(summary.get("source_lengths"), Mapping) else {}
    low, high = lengths.get("p10"), lengths.get("p90")
    contrast = _(
        "Their models are classifiers (and question answering and inference models): one prediction per "
        "instance, its input's tokens ranked once. A decoder predicts again at every output step and ranks "
        "the source's tokens anew for each, so our τ are many per sentence and not independent of each other."
    )
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (steps, examples, low, high)):
        contrast = _(
            "Their models are classifiers (and question answering and inference models): one prediction per "
            "instance, its input's tokens ranked once. A decoder predicts again at every output step and ranks "
            "the source's tokens anew for each: here {steps} steps of {examples} sentences, whose sources "
            "have {low} to {high} tokens (10th to 90th percentile), so our τ are many per sentence and not "
            "independent of each other."
        ).format(
            steps=i18n.number(steps),
            examples=i18n.number(examples),
            low=i18n.number(round(low)),
            high=i18n.number(round(high)),
        )
    return sentences([*parts, contrast])


def rounded(value: float | None, digits: int = 2) -> float | None:
    return round(float(value), digits) if value is not None and math.isfinite(float(value)) else None


def sentences(parts: Sequence[str]) -> str:
    """Whole sentences one after the other, as the current language writes them (a space between them in
    English, none in Chinese)."""
    text = parts[0] if parts else ""
    for sentence in parts[1:]:
        # Translators: two sentences of one paragraph, one after the other.
        text = _("{sentences} {sentence}").format(sentences=text, sentence=sentence)
    return text


def summary_text(entry: Mapping | None, digits: int = 2, percent: bool = False) -> str:
    """A stats.summary as "0.21 [0.18, 0.25] (n 50)"; "–" without a median."""
    if not isinstance(entry, Mapping) or entry.get("median") is None:
        return "–"

    def show(value) -> str:
        return i18n.percent(value, 0) if percent else i18n.number(value, digits)

    interval = f" [{show(entry['low'])}, {show(entry['high'])}]" if entry.get("low") is not None else ""
    return f"{show(entry['median'])}{interval} (n {entry.get('n', '?')})"


def metric_value(name: str, value: float | None) -> str:
    """A task metric as the app shows it: exact match in %, BLEU as it is."""
    if value is None:
        return "–"
    if name == "bleu":
        return i18n.number(value, 1)
    digits = i18n.share_digits(value, 1)  # never "100.0%" for a share short of 1
    return format_percent(value, format="#,##0." + "0" * digits + "%", locale=i18n.locale())


METRIC_NAMES = {"exact_match": N_("exact match")}
METRIC_LABELS = {"exact_match": N_("exact match %")}  # the same as seq2seq.metrics' labels


def metric_name(metric: str) -> str:
    """ "exact_match" -> "exact match", "bleu" -> "BLEU" (in the current language)."""
    if metric == "bleu":
        return "BLEU"
    return _(METRIC_NAMES[metric]) if metric in METRIC_NAMES else metric.replace("_", " ")


def metric_label(metric: str) -> str:
    """A metric's column header: "exact match %" (a fraction shown in %), "BLEU" (in the current language)."""
    if metric == "bleu":
        return "BLEU"
    return _(METRIC_LABELS[metric]) if metric in METRIC_LABELS else metric_name(metric) + " %"
