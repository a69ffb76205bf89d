"""A training's own process: one torch thread, its prints into the job's log, its events into a file.

torch.set_num_threads is process-global, so a training never runs inside the Streamlit server: the
manager starts `run_worker` (a training) or `run_race_worker` (a race) in a process of its own
(multiprocessing "spawn"), and they append every event to `events.jsonl` in the job's folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path

from explorer.training.events import END_CONFIG, END_STATE, EVENTS_FILE, end_reason, error_fields
from seq2seq.config import TrainConfig

LOG_FILE = "train.log"


def _work(folder: str, job: Callable[[Callable[[dict], None]], dict]) -> None:
    """A worker process's life: its prints into the job's log, its events appended to folder/events.jsonl
    ("started", then what `job(emit)` emits, then "done" with the facts `job` returns, or "error"), one
    torch thread."""
    folder_path = Path(folder)
    # train() prints a line per epoch: into the job's log, not the server's console. Open for the
    # process's whole life.
    sys.stdout = sys.stderr = open(folder_path / LOG_FILE, "a", buffering=1)
    with open(folder_path / EVENTS_FILE, "a", encoding="utf-8") as events:

        def emit(event: dict) -> None:
            events.write(json.dumps(event) + "\n")
            events.flush()

        emit({"type": "started", "pid": os.getpid()})
        try:
            import torch

            torch.set_num_threads(1)
            done = job(emit)
        except BaseException as error:  # reported to the page, which shows it
            emit({"type": "error", "message": f"{type(error).__name__}: {error}", **error_fields(error)})
            raise SystemExit(1) from None
        emit({"type": "done", **done})


_MAIN_SWAP = threading.Lock()


@contextlib.contextmanager
def no_main_script():
    """Start a spawned process without a main script to run again.

    "spawn" runs the parent's __main__ file again in the child before it calls the target. Under
    Streamlit that __main__ is the page script (app.py), which would run there bare: every st call a
    "missing ScriptRunContext" warning in the server's log, and the home page's work for nothing.
    The swap lasts only while the process starts.
    """
    with _MAIN_SWAP:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")  # no __file__: nothing to run again
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


def run_worker(config: dict, folder: str, stop_event) -> None:
    """The training process: train(config) with one thread, events appended to folder/events.jsonl."""

    def job(emit) -> dict:
        from seq2seq.train import train
        from seq2seq.trainer import STATE_JSON

        out = train(TrainConfig(**config), progress=False, callback=emit, should_stop=stop_event.is_set)
        state = json.loads((Path(out) / STATE_JSON).read_text())
        reason = end_reason(state, config)  # in English: the page says it again in its language
        facts = {"state": {k: state.get(k) for k in END_STATE}, "config": {k: config.get(k) for k in END_CONFIG}}
        return {"out": str(out), "reason": reason, "facts": facts}

    _work(folder, job)


def run_race_worker(config: dict, folder: str, stop_event, race_args: dict) -> None:
    """The race's process: seq2seq.race.race(config, **race_args) with one thread, events as run_worker's."""

    def job(emit) -> dict:
        from seq2seq.race import race

        summary = race(TrainConfig(**config), callback=emit, should_stop=stop_event.is_set, **race_args)
        return {"out": config["out"], "reason": summary["reason"], "race": summary}

    _work(folder, job)
