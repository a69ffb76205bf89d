"""Models page logic: the comparison table, model cards and training curves, as plain data.

Files are only found through the registry (a model name resolves to its folder inside the
registry root); nothing the user picks is joined into a path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from explorer.state.catalog import Entry, shown_metric
from explorer.views import timelapse
from seq2seq.registry import CheckpointError, default_root, resolve

CARD_FILE, PROBES_FILE, INDEX_FILE = "README.md", "probes.json", "README.md"
MAX_CARD_BYTES = 200_000  # a model card longer than this is cut


# The test-split metrics the manifest keeps per model ("test"), as table columns: key, title
# (fractions are shown in %: catalog.shown_metric).
METRIC_COLUMNS = (
    ("exact_match", "exact %"),
    ("char_accuracy", "chars %"),
    ("alignment_accuracy", "aligned %"),
    ("gold_mass", "gold mass %"),
    ("entropy", "entropy"),
    ("bleu", "BLEU"),
    ("bleu_beam5", "BLEU beam 5"),
    ("chrf", "chrF"),
)
# What each column means, for the table's header tooltips.
COLUMN_HELP = {
    "exact %": "Outputs equal to the reference (test split)",
    "chars %": "Output characters equal to the reference's, position by position",
    "aligned %": "Target characters whose most-attended source position lies in their gold span "
    "(forced decoding of the reference)",
    "gold mass %": "Mean attention weight on the gold span",
    "entropy": "Mean entropy of an attention row, in nats (0 = all on one position)",
    "BLEU": "sacreBLEU, greedy, on the whole multi-reference test split",
    "BLEU beam 5": "sacreBLEU, beam 5, on the whole test split (the card says how many sentences)",
    "chrF": "sacreBLEU chrF, greedy, whole test split",
    "train min": "Minutes of training (the machine is in the model's card)",
}


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
        text = text[:MAX_CARD_BYTES] + "\n\n…(cut)"
    return text


def model_card(name: str) -> str | None:
    """README.md of registered model `name`, None when it has none (or is not registered)."""
    try:
        return _read_text(resolve(name) / CARD_FILE)
    except CheckpointError:
        return None


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


def comparison_readme() -> str | None:
    """pretrained/README.md (the comparison written at release time), if there is one."""
    return _read_text(default_root() / INDEX_FILE)


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
    for name, (_, history) in histories.items():
        epochs = [e["epoch"] for e in history]
        losses.append({"name": name, "epochs": epochs, "values": [_number(e["loss"]) for e in history]})
        metric = chosen[name]
        if metric is not None:
            label = name if len(unique) == 1 else f"{name} ({metric})"
            values = [_number(e["valid"].get(metric)) for e in history]
            metrics.append({"name": label, "epochs": epochs, "values": values})
    return losses, metrics, ", ".join(unique) or "validation metric"
