"""One checkpoint from several fine-tunings of one model: their weights averaged (`python -m seq2seq average`).

For checkpoints 1..n with weights w_i (any positive numbers), every parameter tensor of the result is

    theta = sum_i (w_i / sum_j w_j) * theta_i

elementwise. This is weight-space ensembling: fine-tunings that start from one model stay close enough in
weight space that the average of their weights is a working model, and it sits between them in what they
learned (Wortsman et al., "Robust fine-tuning of zero-shot models", CVPR 2022, WiSE-FT: theta = (1 - a)
theta_0 + a theta_1; "Model soups", ICML 2022, the uniform average of several). zh-en's names stages use it
(`train_shipped.py --names`, docs/models.md): halfway between a model and its fine-tuning on people's names,
concat keeps the fine-tuning's names and few of the names it writes for words it does not know.

Only checkpoints of one architecture and one vocabulary can be averaged: the same model settings, and the
same source and target tokenizers (a token's row means one token in all of them). Anything else is refused
with a message that names the file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

from .checkpoint import CONFIG_FILE, CheckpointError, load_checkpoint, read_config, save_checkpoint
from .messages import N_
from .stages import recorded_history, stage_chain
from .tasks import get_task
from .trainer import PROBES_FILE
from .training_parts import TaskData, probe_record, validate


def check_weights(count: int, weights: Sequence[float]) -> None:
    """ValueError unless there is one weight above 0 for each of `count` (at least one) checkpoints."""
    if len(weights) != count or not count:
        raise ValueError("average: one weight per checkpoint, and at least one checkpoint")
    if any(not weight > 0 for weight in weights):  # also refuses NaN
        raise ValueError(f"average: every weight must be above 0 (got {list(weights)})")


def averaged_state(states: Sequence[dict[str, torch.Tensor]], weights: Sequence[float]) -> dict[str, torch.Tensor]:
    """sum_i (w_i / sum w) * states[i][key] for every key, in float32; every state has the same keys and shapes.

    states: n state dicts (name -> tensor of any shape, the same shape across states); weights: n numbers > 0.
    """
    check_weights(len(states), weights)
    total = float(sum(weights))
    result = {key: torch.zeros_like(value, dtype=torch.float32) for key, value in states[0].items()}
    for state, weight in zip(states, weights, strict=True):
        for key, value in state.items():
            result[key] += value.to(torch.float32) * (weight / total)
    return result


def average(
    folders: Sequence[str | Path], weights: Sequence[float], out: str | Path, extra: dict | None = None
) -> Path:
    """Write the weighted average of the checkpoints in `folders` to `out` (a checkpoint like any other).

    Its record continues the last checkpoint's (its settings, first stage and probes.json): one more epoch
    entry holds the averaged weights, with their validation metrics (when the settings' --data file can be
    read) and probe outputs, "average" names each folder and weight, and "stages" is the last checkpoint's
    chain of stages (`stage_chain`: the averaged ones are in it when each was the --init of the next). Weights
    stored as float16 are recorded as read back (rounded), so the probes are the stored model's own outputs.
    `extra`: more keys for its config.json (scripts/choose_zh_average.py's `choice`).
    One checkpoint is written as it is, with that record: a choice among averages that kept the last stage alone
    (scripts/choose_zh_average.py) is published like the averages it was chosen over.
    CheckpointError when a checkpoint cannot be read or differs from the first in architecture or vocabulary;
    ValueError for bad weights.
    """
    folders = [Path(folder) for folder in folders]
    check_weights(len(folders), weights)  # before any file is read
    configs = [read_config(folder) for folder in folders]
    for folder, config in zip(folders[1:], configs[1:], strict=True):
        for key in ("model", "source_tokenizer", "target_tokenizer"):
            if config.get(key) != configs[0].get(key):
                raise CheckpointError(
                    N_("{path}: cannot be averaged with {first}: another model shape or vocabulary ({key})"),
                    path=folder / CONFIG_FILE,
                    first=folders[0],
                    key=key,
                )
    translators = [load_checkpoint(folder) for folder in folders]
    last = translators[-1]
    averaged = averaged_state([t.model.state_dict() for t in translators], weights)
    if configs[-1].get("weights_dtype") == "float16":  # the weights as they will be stored and read back, so that
        averaged = {k: v.half().float() for k, v in averaged.items()}  # the recorded probes are the shipped model's
    last.model.load_weights(averaged)
    parts = [{"model": str(folder), "weight": float(weight)} for folder, weight in zip(folders, weights, strict=True)]
    record, epochs = recorded_history(folders[-1], configs[-1])
    entry = {
        "epoch": (epochs[-1]["epoch"] + 1) if epochs else 0,
        "loss": None,
        "valid": _valid(last, configs[-1].get("train", {})),
        "lr": None,  # no step was taken: the last entry's counters stand
        "steps": epochs[-1].get("steps", 0) if epochs else 0,
        "seconds": epochs[-1].get("seconds", 0.0) if epochs else 0.0,
        "probes": probe_record(last, get_task(configs[-1]["task"]).probes),
        "average": parts,
    }
    metadata = {k: v for k, v in configs[-1].items() if k not in ("model", "source_tokenizer", "target_tokenizer")}
    half = metadata.pop("weights_dtype", "float32") == "float16"
    metadata.pop("format_version", None)
    offset = record.get("first_stage_epochs", 0)
    metadata |= {
        "metrics": {"valid": entry["valid"]},
        "best_epoch": entry["epoch"] - (offset if isinstance(offset, int) else 0),  # `recorded_epoch` finds it
        "average": parts,
        "stages": stage_chain(folders[-1], configs[-1]),  # what the card counts: every stage once, the first first
        **(extra or {}),
    }
    probes = json.dumps({**record, "epochs": [*epochs, entry]}).encode()
    return save_checkpoint(
        out, last.model, last.source_tokenizer, last.target_tokenizer, metadata, half=half,
        extra_files={PROBES_FILE: probes},
    )  # fmt: skip


def _valid(translator, train: dict) -> dict:
    """The validation metrics training would give these weights (`validate`, the run's own validation
    sources); {} when the settings' --data file cannot be read."""
    try:
        task = get_task(train["task"])
        refs = task.split_references("valid", train["valid_size"], train["seed"], train.get("data"))
    except (KeyError, OSError, ValueError, TypeError):
        return {}
    data = TaskData([], [(s, t[0]) for s, t in refs.items()], list(refs.values()), task.probes, task.metric.name)
    return validate(translator, data)
