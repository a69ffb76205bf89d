"""The demo tasks: character reversal, date normalization, English → French, Chinese → English.

A task is one module of this folder that builds a `Task` (seq2seq/tasks/base.py) called ``TASK``:
its label, metric, tokenizers, data and split (generated from a seed, or read from a corpus file
given with --data), gold alignments, example and default sentences, probes, the app's Train-page
settings and the shipped models' training settings. It is registered below with one line, in the
order every list shows the tasks. Callers ask the Task (`get_task(name)`) instead of testing its
name. Nothing is generated or read at import time, and nothing here imports torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import MappingProxyType

from .base import SPLITS, Corpus, Example, Pair, Shipped, Span, Task, check_split, sample_split, split_of

__all__ = [
    "DEFAULT_TASK", "RACE_TASK", "REGISTRY", "SPLITS", "TASKS", "TRAIN_PAGE_TASK", "Corpus", "Example", "Pair",
    "Shipped", "Span", "Task", "all_tasks", "check_split", "get_task", "sample_split", "split_of",
]  # fmt: skip

_registered: dict[str, Task] = {}


def _register(module: str) -> None:
    """Register the TASK of seq2seq/tasks/<module>.py under its name."""
    task = importlib.import_module(f"{__name__}.{module}").TASK
    if task.name in _registered:
        raise ValueError(f"two tasks are called {task.name!r}")
    _registered[task.name] = task


# -- the registration: one line per task ------------------------------------------------------------
_register("reverse")
_register("dates")
_register("translation")  # en-fr
_register("zh_en")

REGISTRY: Mapping[str, Task] = MappingProxyType(_registered)  # name -> Task, in registration order
TASKS: tuple[str, ...] = tuple(REGISTRY)
DEFAULT_TASK = "reverse"  # what `python -m seq2seq train` trains without --task: the simplest
TRAIN_PAGE_TASK = "dates"  # the task the app's Train page opens on
RACE_TASK = "reverse"  # the Train page's scorer race: without attention, reversing long strings fails


def all_tasks() -> tuple[Task, ...]:
    """Every registered task, in registration order."""
    return tuple(REGISTRY.values())


def get_task(name: str) -> Task:
    """The task called `name` (one of :data:`TASKS`); ValueError naming the known ones otherwise."""
    task = REGISTRY.get(name) if isinstance(name, str) else None
    if task is None:
        raise ValueError(f"unknown task {name!r}; expected one of {TASKS}")
    return task
