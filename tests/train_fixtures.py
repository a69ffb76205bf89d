"""Tiny *trained* models (with probes.json) and stand-in jobs for the Train and Timelapse tests.

Each model is trained for real with seq2seq.train.train for two short epochs (hidden 16,
256 pairs), so probes.json holds epochs 0, 1 and 2 with attention that changes between them.
`trained_registry()` builds it once per test process (a few seconds) and removes it at exit.

`en_fr_run()` trains a tiny en-fr model (SentencePiece, multi-reference validation) through
`python -m seq2seq train` in-process, on a Tatoeba-format corpus written here
(`write_en_fr_corpus`): the translation path, without ../shared/data.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import itertools
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from explorer.training import manager as tm
from explorer.training import settings as ts
from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import TrainConfig
from seq2seq.registry import write_manifest
from seq2seq.tasks import split_of
from seq2seq.train import train
from tests.app_fixtures import temporary_registry

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


def tiny_zh_fine_tuning(tmp_path: Path, corpus: str, dictionary: str, **options) -> tuple[Path, Path]:
    """A tiny zh-en first stage trained one epoch on `corpus` (cmn-eng.txt's format), then a fine-tuning
    run of no epoch from it with `dictionary` and `options` (--name-pieces, --source-characters): both
    run folders, so a test compares what the fine-tuning's start made of the first stage."""
    (tmp_path / "cmn-eng.txt").write_text(corpus, encoding="utf-8")
    (tmp_path / "words.txt").write_text(dictionary, encoding="utf-8")
    sizes = dict(task="zh-en", data=str(tmp_path / "cmn-eng.txt"), train_size=0, valid_size=8, vocab_size=40,
                 hidden_size=16, embedding_size=8, batch_size=16, threads=1, max_len=24)  # fmt: skip
    first = train(TrainConfig(**sizes, epochs=1, out=str(tmp_path / "first")), progress=False)
    fine_tuned = TrainConfig(
        **sizes, epochs=0, init=str(first), dictionary=str(tmp_path / "words.txt"), out=str(tmp_path / "ft"), **options
    )
    return first, train(fine_tuned, progress=False)


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
    """One registry of trained models per test process, removed when the process exits."""
    return temporary_registry("ae-trained-registry-", make_trained_registry)


# -- a tiny en-fr corpus and model ------------------------------------------------------------------
# Every English sentence has two or three French translations, so each split holds multi-reference
# sets; accents, apostrophes and punctuation give SentencePiece more than ASCII letters to learn.
_NOUNS = (
    ("cat", "chat", "matou"), ("dog", "chien", "toutou"), ("book", "livre", "bouquin"),
    ("car", "voiture", "auto"), ("house", "maison", "demeure"), ("tree", "arbre", "arbuste"),
    ("apple", "pomme", "fruit"), ("station", "gare", "station"),
)  # fmt: skip
_ADJECTIVES = (("red", "rouge"), ("small", "petit"), ("old", "vieux"), ("beautiful", "beau"), ("green", "vert"))
_PLACES = (("here", "ici", "là"), ("there", "là-bas", "là"), ("near the café", "près du café", "à côté du café"))
EN_FR_MAX_LEN = 40  # tokens; the long test-split line below is over it
EN_FR_BEAM_LIMIT = 4


def _long_test_sentence() -> str:
    """An English sentence of the test split far over EN_FR_MAX_LEN tokens (the first such, by number)."""
    base = "The old dog is near the café, and the small red cat is there with the beautiful green tree"
    return next(f"{base} number {k}." for k in itertools.count() if split_of(f"{base} number {k}.") == "test")


def en_fr_lines() -> list[str]:
    """The corpus, one Tatoeba line each (English<TAB>French, some with an attribution column)."""
    lines = [f"{_long_test_sentence()}\tUne phrase bien trop longue pour ce petit modèle."]
    combinations = itertools.product(_NOUNS, _ADJECTIVES, _PLACES)
    for i, ((noun, fr1, fr2), (adj, fr_adj), (place, fr_place1, fr_place2)) in enumerate(combinations):
        english = f"The {adj} {noun} is {place}."
        lines.append(f"{english}\tLe {fr1} {fr_adj} est {fr_place1}.\tCC-BY 2.0 (France) Attribution: tatoeba.org #1")
        lines.append(f"{english}\tLe {fr2} {fr_adj} est {fr_place2}.")
        if i % 2 == 0:  # a third translation for every other sentence
            lines.append(f"{english}\tÇa, c'est le {fr1} {fr_adj} : il est {fr_place1} !")
    return lines


def write_en_fr_corpus(path: Path) -> Path:
    path.write_text("".join(line + "\n" for line in en_fr_lines()), encoding="utf-8")
    return path


def en_fr_train_argv(corpus: Path, out: Path) -> list[str]:
    return [
        "train", "--task", "en-fr", "--data", str(corpus), "--out", str(out), "--scorer", "general",
        "--vocab-size", "150", "--hidden-size", "32", "--embedding-size", "16", "--batch-size", "16",
        "--epochs", "8", "--max-steps", "40", "--lr", "0.03", "--valid-size", "8",
        "--max-len", str(EN_FR_MAX_LEN), "--threads", "1", "--no-progress",
    ]  # fmt: skip


@dataclass(frozen=True)
class EnFrRun:
    corpus: Path  # the Tatoeba-format file
    folder: Path  # the checkpoint folder the run wrote
    exit_code: int  # of `python -m seq2seq train`
    stdout: str


@functools.cache
def en_fr_run() -> EnFrRun:
    """Train the tiny en-fr model once per test process, through the CLI's main (in-process)."""
    from seq2seq.cli import main

    root = Path(tempfile.mkdtemp(prefix="ae-en-fr-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    corpus, out = write_en_fr_corpus(root / "eng-fra.txt"), root / "run"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(en_fr_train_argv(corpus, out))
    return EnFrRun(corpus, out, code, stdout.getvalue())


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


def page_manager(monkeypatch):
    """A JobManager of its own for the pages (trainings.shared_manager), shut down after the test: a fixture's
    body (`yield from page_manager(monkeypatch)`)."""
    from explorer.ui.train import trainings

    manager = tm.JobManager(max_jobs=2)
    monkeypatch.setattr(trainings, "shared_manager", lambda: manager)
    yield manager
    manager.shutdown()


def fake_job(tmp_path: Path, session: str, alive: bool = True) -> tm.Job:
    folder = tmp_path / session
    folder.mkdir()
    return tm.Job(session, ts.JobSettings(), folder, FakeProcess(alive), threading.Event(), status="running")


# The Train page's task settings for tests: a few hundred pairs, so a training runs in seconds.
PAGE_TINY = {"train_size": 640, "valid_size": 16, "max_len": 32, "patience": 10_000}


def use_tiny_trainings(tmp_path: Path, monkeypatch) -> None:
    """Point the app at the small trained registry and a fresh user-models folder, with tiny Train-page
    settings and Streamlit's caches emptied."""
    import streamlit as st

    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(trained_registry()))
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(tmp_path / "user"))
    monkeypatch.setattr(ts, "TASK_SETTINGS", {"reverse": PAGE_TINY, "dates": PAGE_TINY | {"max_len": 40}})
    st.cache_resource.clear()
    st.cache_data.clear()
