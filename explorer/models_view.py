"""Models page logic: the comparison table, model cards and training curves, as plain data.

Files are only found through the registry (a model name resolves to its folder inside the
registry root); nothing the user picks is joined into a path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from explorer.catalog import Entry
from seq2seq.checkpoint import CheckpointError, default_root, resolve

CARD_FILE, PROBES_FILE, INDEX_FILE = "README.md", "probes.json", "README.md"
MAX_CARD_BYTES = 200_000  # a model card longer than this is cut


def table_rows(entries: Sequence[Entry]) -> list[dict]:
    """One row per registered model, for a sortable st.dataframe."""
    return [
        {
            "name": e.name,
            "task": e.task,
            "scorer": e.scorer,
            "cell": e.cell,
            "parameters": e.parameters,
            "metric": e.metric.get("name", ""),
            "value": e.metric.get("value"),
        }
        for e in entries
    ]


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
    """Per-epoch {"epoch", "loss", "valid"} of a probes.json (probe outputs left out)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    epochs = data.get("epochs") if isinstance(data, dict) else None
    if not isinstance(epochs, list):
        return []
    return [
        {"epoch": e.get("epoch", i), "loss": e.get("loss"), "valid": e.get("valid") or {}}
        for i, e in enumerate(epochs)
        if isinstance(e, dict)
    ]


def _number(value) -> float | None:
    """A finite float, or None (epoch 0 has no loss; NaN draws no point)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def metric_name(entry: Entry, history: Sequence[dict]) -> str | None:
    """The validation metric to plot: the headline metric if recorded, else the first one."""
    keys = [k for e in history for k in e["valid"]]
    if entry.metric.get("name") in keys:
        return entry.metric["name"]
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
