"""Timelapse logic: what a model's attention looked like after each epoch, as plain data.

A history is the "epochs" list of a probes.json (seq2seq.train writes one per run):
``[{"epoch", "loss", "valid": {metric: value}, "probes": [{"source", "source_tokens",
"target_tokens", "output", "attention"}]}]``, from the untrained epoch 0 on. The same records
come live from a Train-page job's epoch events. Files are found through the registry only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from explorer.state import catalog
from explorer.state.catalog import entries
from seq2seq.registry import CheckpointError, resolve
from seq2seq.scorers import SCORERS

PROBES_FILE = "probes.json"
MAX_PROBES_BYTES = 50_000_000  # a probes.json larger than this is not read
Histories = Mapping[str, Sequence[dict]]  # panel name (a scorer, a model) -> epoch records


def read_history(path: Path) -> list[dict]:
    """The epoch records of a probes.json, sorted by epoch; [] for a missing or broken file.

    A fine-tuned model's record (zh-en) continues its first stage's epochs up to B (`first_stage_epochs`):
    each epoch after B gets "fine_tuned_after": B, so the page can say which stage an epoch is of."""
    try:
        if path.stat().st_size > MAX_PROBES_BYTES:
            return []
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    epochs = data.get("epochs") if isinstance(data, dict) else None
    if not isinstance(epochs, list):
        return []
    records = [e for e in epochs if isinstance(e, dict) and isinstance(e.get("epoch"), int)]
    start = data.get("first_stage_epochs")
    if isinstance(start, int) and not isinstance(start, bool):
        records = [{**e, "fine_tuned_after": start} if e["epoch"] > start else e for e in records]
    return sorted(records, key=lambda e: e["epoch"])


def model_history(name: str, read: Callable[[Path], Sequence[dict]] = read_history) -> list[dict]:
    """The history of registered model `name` ([] when it has no probes.json). `read`: how a probes.json is read
    (read_history, or a page's cached reader: explorer.ui.common.cached.probe_history)."""
    try:
        folder = resolve(name)
    except CheckpointError:
        return []
    return list(read(folder / PROBES_FILE))


def shipped_histories(task: str, read: Callable[[Path], Sequence[dict]] = read_history) -> dict[str, list[dict]]:
    """Scorer -> history of the shipped GRU model of `task`, in SCORERS order (user models left out); `read` as in
    model_history."""
    found = {}
    for entry in entries():
        if entry.task == task and entry.cell == "gru" and not entry.is_user:
            if entry.scorer not in found:
                history = model_history(entry.name, read)
                if history:
                    found[entry.scorer] = history
    order = {s: i for i, s in enumerate(SCORERS)}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], 99)))


def shipped_tasks() -> list[str]:
    """Tasks with at least one shipped model (the timelapse needs its probes.json)."""
    return list(dict.fromkeys(e.task for e in entries() if not e.name.startswith("user/")))


def user_models() -> list[str]:
    """Names of the models saved from the Train page ("user/<name>")."""
    return [e.name for e in entries() if e.name.startswith("user/")]


# -- picking what to draw -----------------------------------------------------------------------
def epoch_numbers(histories: Histories) -> list[int]:
    """Every epoch any history has, ascending."""
    return sorted({record["epoch"] for records in histories.values() for record in records})


def record_at(records: Sequence[dict], epoch: int) -> dict | None:
    """The record of `epoch`, or the last one before it (a model that stopped early stays put)."""
    chosen = None
    for record in records:
        if record["epoch"] <= epoch:
            chosen = record
    return chosen


def probe_sources(histories: Histories) -> list[str]:
    """The probe inputs, in the order training recorded them (the first history that has any)."""
    for records in histories.values():
        for record in records:
            sources = [p.get("source") for p in record.get("probes") or [] if isinstance(p, dict)]
            if sources:
                return [s for s in sources if isinstance(s, str)]
    return []


def default_probe_index(sources: Sequence[str], task: str | None) -> int:
    """Which probe the page opens on: the sentence every page opens on for `task` when training
    probed it ("hello world" shows reverse's anti-diagonal; the first probe, "a", is one cell),
    else the first."""
    sentence = catalog.default_sentence(task) if task else None
    return list(sources).index(sentence) if sentence in sources else 0


def probe_for(record: Mapping | None, source: str) -> dict | None:
    """The probe record of input `source` in one epoch record."""
    for probe in (record or {}).get("probes") or []:
        if isinstance(probe, dict) and probe.get("source") == source:
            return probe
    return None


def metric_name(histories: Histories) -> str | None:
    """exact_match if recorded, else BLEU, else the first validation metric there is."""
    keys = [k for records in histories.values() for r in records for k in (r.get("valid") or {})]
    for preferred in ("exact_match", "bleu"):
        if preferred in keys:
            return preferred
    return keys[0] if keys else None


def number(value) -> float | None:
    """A finite float, or None (epoch 0 has no loss; NaN draws no point)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def epoch_series(histories: Histories, metric: str | None = None) -> tuple[dict, dict]:
    """(loss series, metric series): name -> (epochs, values), for train_plots.curves."""
    losses, metrics = {}, {}
    for name, records in histories.items():
        epochs = [r["epoch"] for r in records]
        losses[name] = (epochs, [number(r.get("loss")) for r in records])
        if metric:
            metrics[name] = (epochs, [number((r.get("valid") or {}).get(metric)) for r in records])
    return losses, metrics


def live_series(steps: Sequence[dict], epochs: Sequence[dict], metric: str) -> tuple[dict, dict]:
    """A running job's curves against optimizer steps: loss every 10 steps, the metric every epoch.

    The step loss is the mean over the epoch so far (what seq2seq.train reports); the epoch loss
    points are the whole epoch's mean.
    """
    loss = {"training loss": ([s["step"] for s in steps], [number(s.get("loss")) for s in steps])}
    finished = [e for e in epochs if number(e.get("loss")) is not None]
    if finished:
        loss["epoch mean"] = ([e.get("steps", 0) for e in finished], [number(e["loss"]) for e in finished])
    valid = {
        f"validation {metric}": (
            [e.get("steps", 0) for e in epochs],
            [number((e.get("valid") or {}).get(metric)) for e in epochs],
        )
    }
    return loss, valid


def animation_panels(histories: Histories, source: str, epochs: Sequence[int]) -> dict[str, list[dict | None]]:
    """Name -> the probe of `source` at each of `epochs` (for train_plots.timelapse_animation)."""
    return {name: [probe_for(record_at(records, e), source) for e in epochs] for name, records in histories.items()}
