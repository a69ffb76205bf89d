"""Models page logic: the comparison table, model cards and training curves, as plain data.

Files are only found through the registry (a model name resolves to its folder inside the
registry root); nothing the user picks is joined into a path. A card has a version per language
beside it (README.zh.md beside README.md): `model_card` and `comparison_readme` read the one of the
current language, the English one where it has none.

The table keeps English column names (tests and sorting read them); `column_titles` says how the
page heads them in the current language, `column_help` what each means.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

from explorer import i18n
from explorer.i18n import N_, _
from explorer.state.catalog import Entry, metric_title, shown_metric
from explorer.views import timelapse
from seq2seq.registry import CheckpointError, default_root, resolve

CARD_FILE, PROBES_FILE, INDEX_FILE = "README.md", "probes.json", "README.md"  # the English cards
MAX_CARD_BYTES = 200_000  # a model card longer than this is cut


# The test-split metrics the manifest keeps per model ("test"), as table columns: key, title
# (fractions are shown in %: catalog.shown_metric).
METRIC_COLUMNS = (
    ("exact_match", N_("exact %")),
    ("char_accuracy", N_("chars %")),
    ("alignment_accuracy", N_("aligned %")),
    ("gold_mass", N_("gold mass %")),
    ("entropy", N_("entropy")),
    ("bleu", "BLEU"),
    ("bleu_beam5", N_("BLEU beam 5")),
    ("chrf", "chrF"),
)
# The other columns of the table (English name, marked for translation).
BASE_COLUMNS = (N_("name"), N_("scorer"), N_("parameters"), N_("train min"))
# What each column means, for the table's header tooltips.
COLUMN_HELP = {
    "exact %": N_("Outputs equal to the reference (test split)"),
    "chars %": N_("Output characters equal to the reference's, position by position"),
    "aligned %": N_(
        "Target characters whose most-attended source position lies in their gold span "
        "(forced decoding of the reference)"
    ),
    "gold mass %": N_("Mean attention weight on the gold span"),
    "entropy": N_("Mean entropy of an attention row, in nats (0 = all on one position)"),
    "BLEU": N_("sacreBLEU, greedy, on the whole multi-reference test split"),
    "BLEU beam 5": N_("sacreBLEU, beam 5, on the whole test split (the card says how many sentences)"),
    "chrF": N_("sacreBLEU chrF, greedy, whole test split"),
    "train min": N_("Minutes of training (the machine is in the model's card)"),
}
# How a validation metric's key reads as an axis title or in a sentence in another language than
# English (English shows the key, or its words, as it always has); a key not listed stays as it is.


def column_titles(columns) -> dict[str, str]:
    """English column name -> how the table heads it in the current language."""
    return {column: _(column) for column in columns}


def column_help() -> dict[str, str]:
    """Column heading (in the current language) -> what the column means (in the current language)."""
    return {_(title): _(text) for title, text in COLUMN_HELP.items()}


def tasks_in_order(tasks: Sequence[str], first: str | None) -> list[str]:
    """The comparison's tasks, each once in registry order, with `first` (the task every page shares) leading
    when it has models."""
    ordered = list(dict.fromkeys(tasks))
    return [first, *(t for t in ordered if t != first)] if first in ordered else ordered


def table_rows(entries: Sequence[Entry]) -> list[dict]:
    """One row per registered model, for a sortable st.dataframe: every test metric a column.

    Numbers stay numbers (so columns sort), fractions as percentages, a metric a model lacks as
    None; a metric no model has is left out (reverse and dates have no BLEU, en-fr no gold
    alignment), and so is training time when no model records it.
    """
    present = [(key, title) for key, title in METRIC_COLUMNS if any(_shown(e, key) is not None for e in entries)]
    rows = []
    for e in entries:
        # the name carries task and cell ("en-fr/lstm-general"): the scorer is the column to sort by
        row = {"name": e.name, "scorer": e.scorer, "parameters": e.parameters}
        for key, title in present:
            row[title] = _shown(e, key)
        seconds = _number(e.training_seconds)
        row["train min"] = None if seconds is None else round(seconds / 60, 1)
        rows.append(row)
    if rows and all(row["train min"] is None for row in rows):
        for row in rows:
            del row["train min"]
    return rows


def _shown(entry: Entry, key: str) -> float | None:
    """Test metric `key` of the model's manifest entry as the table shows it (None when it has none)."""
    return shown_metric(key, entry.test.get(key))


def _read_text(path: Path) -> str | None:
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read(MAX_CARD_BYTES + 1)
    if len(text) > MAX_CARD_BYTES:
        text = text[:MAX_CARD_BYTES] + "\n\n" + _("…(cut)")
    return text


def localized(folder: Path, file: str = CARD_FILE, lang: str | None = None) -> Path:
    """`folder`/`file` in `lang` (default: the current language): README.zh.md beside README.md
    when there is one, else the English file itself. `file` is one of this module's names, never a
    user's text; `lang` one of the interface's languages."""
    lang = i18n.current() if lang is None else lang
    if lang != i18n.SOURCE and lang in i18n.LANGUAGES:
        stem, dot, suffix = file.rpartition(".")
        translated = folder / f"{stem}.{lang}.{suffix}" if dot else folder / f"{file}.{lang}"
        if translated.is_file():
            return translated
    return folder / file


def card_file(name: str, lang: str | None = None) -> str:
    """The file name of the card `model_card(name, lang)` reads ("README.md", "README.zh.md")."""
    try:
        return localized(resolve(name), CARD_FILE, lang).name
    except CheckpointError:
        return CARD_FILE


def model_card(name: str, lang: str | None = None) -> str | None:
    """The card of registered model `name` in `lang` (default: the current language; README.md, or
    README.<lang>.md beside it), None when it has none (or is not registered); its metrics table's keys
    in words (`metric_words`)."""
    try:
        text = _read_text(localized(resolve(name), CARD_FILE, lang))
    except CheckpointError:
        return None
    return metric_words(text) if text is not None else None


# A card's metrics table names each metric by its manifest key ("| exact_match | 0.9960 |"): the page shows
# these words instead, in the page's language (the card files stay as scripts/release.py writes them).
CARD_METRICS = {
    "examples": N_("test examples"),
    "sentences": N_("test sentences"),
    "too_long": N_("sentences too long for the model (skipped)"),
    "beam_sentences": N_("sentences decoded with beam 5"),
    "exact_match": N_("exact match (share of outputs)"),
    "char_accuracy": N_("character accuracy"),
    "alignment_accuracy": N_("alignment accuracy"),
    "gold_mass": N_("attention on the gold span"),
    "entropy": N_("attention entropy (nats)"),
    "bleu": "BLEU",
    "chrf": "chrF",
    "bleu_beam5": N_("BLEU, beam 5"),
    "chrf_beam5": N_("chrF, beam 5"),
    "unk_exact_match": N_("exact match, one unseen character"),
    "unk_examples": N_("examples with one unseen character"),
}
_METRIC_ROW = re.compile(r"^\| ([a-z_0-9]+) \|", re.MULTILINE)


def metric_words(card: str) -> str:
    """`card` with each metrics-table row's key ("| exact_match |") in words ("| exact match (share of outputs) |")."""

    def words(match: re.Match) -> str:
        key = match.group(1)
        return f"| {_(CARD_METRICS[key])} |" if key in CARD_METRICS else match.group(0)

    return _METRIC_ROW.sub(words, card)


def demote_headings(markdown: str, levels: int = 2) -> str:
    """`markdown` with every ATX heading `levels` deeper (at most h6), code blocks left alone.

    A card is written as a document of its own ("# en-fr/general", "## Metrics …"); shown inside
    the Models page, under the page's own "Model card" header, its headings would otherwise be the
    largest text on the page.
    """
    lines, fenced = [], False
    for line in markdown.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            marks = len(line) - len(line.lstrip("#"))
            if marks <= 6 and line[marks : marks + 1] in ("", " "):
                line = "#" * min(6, marks + levels) + line[marks:]
        lines.append(line)
    return "\n".join(lines)


def comparison_file(lang: str | None = None) -> str:
    """The file name of the comparison `comparison_readme(lang)` reads ("README.md", "README.zh.md")."""
    return localized(default_root(), INDEX_FILE, lang).name


def comparison_readme(lang: str | None = None) -> str | None:
    """pretrained/README.md (the comparison written at release time) in `lang` (default: the current
    language; README.<lang>.md where there is one), if there is one."""
    return _read_text(localized(default_root(), INDEX_FILE, lang))


def probes_path(name: str) -> Path | None:
    try:
        path = resolve(name) / PROBES_FILE
    except CheckpointError:
        return None
    return path if path.is_file() else None


def read_history(path: Path) -> list[dict]:
    """Per-epoch {"epoch", "loss", "valid"} of a probes.json (probe outputs left out); [] for a broken file."""
    return [
        {"epoch": e["epoch"], "loss": e.get("loss"), "valid": e.get("valid") or {}}
        for e in timelapse.read_history(path)
    ]


def _number(value) -> float | None:
    """A finite float, or None (epoch 0 has no loss; NaN draws no point)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def metric_name(entry: Entry, history: Sequence[dict]) -> str | None:
    """The validation metric to plot: the headline metric if recorded, else the first one."""
    keys = [k for e in history for k in e["valid"]]
    if entry.metric is not None and entry.metric.name in keys:
        return entry.metric.name
    return keys[0] if keys else None


def curves(histories: dict[str, tuple[Entry, list[dict]]]) -> tuple[list[dict], list[dict], str]:
    """Loss and validation-metric series per model, and the metric's axis title.

    histories: model name -> (entry, read_history(...)).
    """
    losses, metrics = [], []
    chosen = {name: metric_name(entry, history) for name, (entry, history) in histories.items()}
    unique = list(dict.fromkeys(m for m in chosen.values() if m is not None))
    for name, (_entry, history) in histories.items():
        epochs = [e["epoch"] for e in history]
        losses.append({"name": name, "epochs": epochs, "values": [_number(e["loss"]) for e in history]})
        metric = chosen[name]
        if metric is not None:
            label = name if len(unique) == 1 else f"{name} ({metric_title(metric)})"
            values = [_number(e["valid"].get(metric)) for e in history]
            metrics.append({"name": label, "epochs": epochs, "values": values})
    return losses, metrics, ", ".join(metric_title(m) for m in unique) or _("validation metric")
