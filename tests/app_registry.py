"""A registry of small untrained models for the page tests (the recipe of /tmp/make_devreg.py).

reverse and dates × every scorer, names like "dates/general"; untrained, so outputs are noise,
but every page, figure and table can be exercised. About 2 s to build.
"""

from __future__ import annotations

from pathlib import Path

import torch

from seq2seq.checkpoint import save_checkpoint, write_manifest
from seq2seq.config import SCORERS, TrainConfig
from seq2seq.tasks import get_task
from seq2seq.tokenizers import CharTokenizer
from seq2seq.train import build_model

TASKS = ("reverse", "dates")


def make_registry(root: Path) -> Path:
    """Write models and a manifest under `root`; return `root`."""
    root = Path(root)
    entries = []
    for task in TASKS:
        examples = get_task(task).examples("train", 3000, 0)
        source = CharTokenizer.fit(e.source for e in examples)
        target = CharTokenizer.fit(e.target for e in examples)
        for scorer in SCORERS:
            torch.manual_seed(0)
            config = TrainConfig(task=task, scorer=scorer, hidden_size=32, embedding_size=16, max_len=40)
            model = build_model(config, source, target)
            save_checkpoint(root / task / scorer, model, source, target, {"task": task, "metrics": {}})
            entries.append(
                {
                    "name": f"{task}/{scorer}",
                    "path": f"{task}/{scorer}",
                    "task": task,
                    "scorer": scorer,
                    "cell": "gru",
                    "parameters": model.num_parameters(),
                    "metric": {"name": "exact_match", "value": 0.0},
                }
            )
    write_manifest(entries, root)
    return root
