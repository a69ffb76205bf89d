"""A fine-tuned model's two stages in its record (`train --init`, zh-en's second stage).

A fine-tuned run keeps what its first stage was (`first_stage` in config.json) and continues that
stage's probes.json epochs up to the weights it started from (B, `first_stage_epochs`), its own epoch k
recorded as B + k (`seq2seq.trainer.Trainer.probes_json`), so the Timelapse runs through both stages.
"""

from __future__ import annotations

import json
from pathlib import Path


def recorded_epoch(config: dict, record: dict) -> int | None:
    """The probes.json epoch that holds a checkpoint's own weights: its `best_epoch`, shifted by
    `first_stage_epochs` (B) for a fine-tuned model, whose epoch k is recorded as B + k (`Trainer.probes_json`).
    None without a best epoch."""
    best = config.get("best_epoch")
    if not isinstance(best, int):
        return None
    offset = record.get("first_stage_epochs", 0)
    return best + (offset if isinstance(offset, int) else 0)


def first_stage_record(metadata: dict) -> dict:
    """What a fine-tuned model's card keeps of the --init model it started from: its training time,
    best epoch, validation metrics and data (the whole cost of the model is both stages')."""
    train = metadata.get("train", {})
    return {
        "training_seconds": metadata.get("training_seconds"),
        "best_epoch": metadata.get("best_epoch"),
        "valid": metadata.get("metrics", {}).get("valid"),
        "dictionary": train.get("dictionary"),
        "init": train.get("init"),
    }


def first_stage_epochs(folder: Path, first: dict) -> list[dict]:
    """The --init model's probes.json epochs up to its best (the weights a fine-tuning run starts from),
    [] when it has no readable record or no best epoch."""
    return recorded_history(folder, first)[1]


def recorded_history(folder: Path, config: dict) -> tuple[dict, list[dict]]:
    """(the folder's probes.json record without its epochs, its finished epochs up to the one that holds the
    weights of `config`: its best as recorded, `recorded_epoch`, so B' + best for a model that was fine-tuned
    itself); ({}, []) when there is no readable record, (record, []) when there is no best epoch."""
    try:
        data = json.loads((folder / "probes.json").read_text(encoding="utf-8"))
        epochs = data.pop("epochs")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, []
    best = recorded_epoch(config, data)
    if best is None or not isinstance(epochs, list):
        return data, []
    return data, [
        e
        for e in epochs
        if isinstance(e, dict) and not e.get("partial") and isinstance(e.get("epoch"), int) and e["epoch"] <= best
    ]


def stage_chain(folder: Path, config: dict) -> list[dict]:
    """Every stage a checkpoint went through, the first first: its --init's, that one's --init's and so on while
    their folders can be read, then the oldest one's `first_stage` record; an average met on the way (the folder
    itself, or an --init) gives its recorded `stages` as the chain up to it. Each: its dictionary file (None: the
    corpus alone), best epoch, epochs run and training seconds, so a card can give a many-stage model's cost."""
    from .checkpoint import CheckpointError, read_config

    chain, seen = [], set()
    while True:
        recorded = config.get("stages")
        if config.get("average") and isinstance(recorded, list):  # an average keeps its chain: the stages before it
            return recorded + chain[::-1]  # (zh-en's second round starts from the first round's average)
        train = config.get("train") or {}
        chain.append({
            "dictionary": train.get("dictionary"),
            "best_epoch": config.get("best_epoch"),
            "epochs_run": config.get("epochs_run"),
            "training_seconds": config.get("training_seconds"),
        })  # fmt: skip
        seen.add(folder.resolve())
        init = train.get("init")
        earlier = None
        if isinstance(init, str) and init and Path(init).resolve() not in seen:
            try:
                earlier = read_config(init)
            except (CheckpointError, OSError):
                earlier = None
        if earlier is None:  # the oldest readable stage: its own record of the one before, if it keeps one
            first = config.get("first_stage")
            if isinstance(first, dict):
                chain.append({key: first.get(key) for key in ("dictionary", "best_epoch", "training_seconds")})
            return chain[::-1]
        folder, config = Path(init), earlier
