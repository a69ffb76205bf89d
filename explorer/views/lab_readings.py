"""How the Lab says its numbers, in every view: the methods' and pairs' names, Kendall's tau in words,
Jain & Wallace's numbers beside ours, a median with its interval, a task metric's name and value.

Text returned here is in the current language (explorer.i18n); module constants are marked with N_ and
translated where they are shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from babel.numbers import format_percent

from explorer import i18n
from explorer.i18n import N_, _

# Attention and each of seq2seq.lab.names.IMPORTANCES as the tables say them (translated where shown: `method_label`).
METHOD_LABELS = {
    "attention": N_("attention"),
    "grad_x_input": N_("gradient × input"),
    "integrated_gradients": N_("integrated gradients"),
    "leave_one_out": N_("leave-one-out"),
}
# Jain & Wallace (2019), Table 2 and section 3: on classifiers, not seq2seq models.
PAPER_TAUS = {"SST": 0.35, "IMDB": 0.44, "20News": 0.13}
PAPER_GRAD_LOO = (0.5, 0.66)


def method_label(name: str) -> str:
    """ "grad_x_input" -> "gradient × input", in the current language."""
    return _(METHOD_LABELS[name])


def pair_label(pair: str) -> str:
    """ "attention~grad_x_input" -> "attention ~ gradient × input"."""
    a, b = pair.split("~")
    return f"{method_label(a)} ~ {method_label(b)}"


def tau_words(tau: float | None) -> str:
    """What two rankings with Kendall's tau `tau` do, as a verb phrase ("attention and X ...")."""
    # Translators: each of these follows "attention and gradient × input" (or similar) in a sentence,
    # and also stands alone in a table's "reading" column.
    if tau is None or not math.isfinite(tau):
        return _("cannot be compared (one gives every token the same value)")
    if tau >= 0.6:
        return _("rank the tokens much alike")
    if tau >= 0.3:
        return _("rank the tokens somewhat alike")
    if tau >= 0.1:
        return _("barely agree")
    if tau > -0.1:
        return _("do not agree: unrelated rankings")
    return _("rank the tokens in opposite orders")


PAPER_COLUMN = "Jain & Wallace 2019"  # the tables' column of the paper's numbers (a name: never translated)


def paper_value(pair: str) -> str:
    """What Jain & Wallace (2019) report for a pair's kind, on classifiers ("" for pairs they did not compare)."""
    a, b = pair.split("~")
    if a == "attention" and b in ("grad_x_input", "integrated_gradients"):
        values = _(", ").join(f"{name} {i18n.number(v, 2)}" for name, v in PAPER_TAUS.items())
        return _("{values} (with gradients)").format(values=values)
    if a == "grad_x_input" and b == "leave_one_out":
        return f"{PAPER_GRAD_LOO[0]}–{PAPER_GRAD_LOO[1]}"
    return ""


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
    """A stats.summary as "0.35 [0.30, 0.41] (n 50)"; "–" without a median."""
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
    return format_percent(value, format="#,##0.0%", locale=i18n.locale())


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
