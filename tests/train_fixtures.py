"""Tiny *trained* models (with probes.json) and stand-in jobs for the Train and Timelapse tests.

Each model is trained for real with seq2seq.train.train for two short epochs (hidden 16,
256 pairs), so probes.json holds epochs 0, 1 and 2 with attention that changes between them.
`trained_registry()` builds it once per test process (a few seconds) and removes it at exit.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import threading
from pathlib import Path

from explorer import training_jobs as tj
from seq2seq.checkpoint import load_checkpoint, write_manifest
from seq2seq.config import TrainConfig
from seq2seq.train import train

MODELS = (("reverse", "none"), ("reverse", "dot"), ("reverse", "general"), ("dates", "general"))
TINY = {
    "reverse": {"train_size": 512, "valid_size": 32, "max_len": 32},
    "dates": {"train_size": 512, "valid_size": 32, "max_len": 40},
}


def tiny_config(task: str, scorer: str, out: Path, **overrides) -> TrainConfig:
    settings = dict(
        task=task, scorer=scorer, hidden_size=16, embedding_size=8, batch_size=64, epochs=2, lr=1e-2,
        threads=1, out=str(out), **TINY[task],
    )  # fmt: skip
    return TrainConfig(**(settings | overrides))


def make_trained_registry(root: Path) -> Path:
    """Train MODELS into root/<task>/<scorer> and write root/manifest.json."""
    entries = []
    for task, scorer in MODELS:
        folder = train(tiny_config(task, scorer, root / task / scorer), progress=False)
        translator = load_checkpoint(folder)
        entries.append(
            {
                "name": f"{task}/{scorer}", "path": f"{task}/{scorer}", "task": task, "scorer": scorer,
                "cell": "gru", "parameters": translator.model.num_parameters(),
                "metric": {"name": "exact_match", "value": 0.0},
            }
        )  # fmt: skip
    write_manifest(entries, root)
    return root


@functools.cache
def trained_registry() -> Path:
    root = Path(tempfile.mkdtemp(prefix="ae-trained-registry-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return make_trained_registry(root)


class FakeProcess:
    """Stands in for a multiprocessing.Process: alive until terminated."""

    def __init__(self, alive: bool = True) -> None:
        self.alive, self.exitcode = alive, None if alive else 0

    def is_alive(self) -> bool:
        return self.alive

    def terminate(self) -> None:
        self.alive, self.exitcode = False, -15

    kill = terminate

    def join(self, timeout: float | None = None) -> None:
        pass


def fake_job(tmp_path: Path, session: str, alive: bool = True) -> tj.Job:
    folder = tmp_path / session
    folder.mkdir()
    return tj.Job(session, tj.JobSettings(), folder, FakeProcess(alive), threading.Event(), status="running")
