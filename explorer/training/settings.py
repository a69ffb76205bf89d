"""What a training from the Train page may be: the user's choices, each task's own settings, the limits.

`JobSettings` is a single training, `RaceSettings` the scorer race (every scorer on one task at once).
Both check themselves (`check`, SettingsError with a marked message the page shows in its language)
and give the TrainConfig a job runs (`train_config`). The page's limits are narrower than
TrainConfig's: one server is shared, so a visitor's training stays small.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from explorer.i18n import N_
from explorer.training.data import data_path, needs_data
from seq2seq.config import TrainConfig
from seq2seq.messages import Message, Translatable
from seq2seq.tasks import RACE_TASK, TRAIN_PAGE_TASK, all_tasks

MAX_ENV = "ATTENTION_EXPLORER_MAX_TRAININGS"
DEFAULT_MAX_TRAININGS = 2
MAX_SECONDS = 900.0  # a training from the page never runs longer than this

# What the page's task choice sets besides the user's settings: each task's own (Task.train_page). Small
# "epochs" (train_size pairs each) so that validation, and so the accuracy curve and the probes, update
# every few seconds; see bench/train_speed.py for what these reach in how long.
TASK_SETTINGS = {task.name: dict(task.train_page) for task in all_tasks()}


def task_metric(task: str) -> str:
    """The validation metric the Train page draws for `task` (the task says: exact match or BLEU)."""
    from explorer.state.catalog import task_metric as metric

    return metric(task)


class SettingsError(Translatable, ValueError):
    """A training setting out of range (the message says which and what it may be)."""


# -- a training -------------------------------------------------------------------------------------
def embedding_size_for(hidden_size: int) -> int:
    """The Train page's embedding size for a hidden size: a quarter of it, from 4 to 64 (letters
    and digits need few dimensions, and a smaller decoder input makes every step cheaper)."""
    return max(4, min(64, hidden_size // 4))


# The Train page's own limits, narrower than TrainConfig's (one server, shared: a visitor's training
# stays small): (the setting in words, lowest, highest). Everything else a job's TrainConfig.validate checks.
PAGE_LIMITS = {
    "hidden_size": (N_("the hidden size"), 8, 512),
    "embedding_size": (N_("the embedding size"), 4, 512),
    "epochs": (N_("epochs"), 1, 500),
    "max_steps": (N_("steps"), 0, 100_000),
    "lr": (N_("the learning rate"), 1e-5, 0.1),
    "batch_size": (N_("the batch size"), 1, 512),
}


def _number(value: float) -> str:
    """A limit in plain decimals: 0.00001, 0.1, 100000."""
    return f"{value:.10f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class JobSettings:
    """What the Train page lets a user choose (the page's defaults are these).

    Every field is a TrainConfig field of the same name (`train_config` passes them on as they are,
    embedding_size as `embedding`).
    """

    task: str = TRAIN_PAGE_TASK
    # dot and a small embedding: on reverse they reach 95% in about half the steps and time that
    # general with embeddings of 64 needs (bench/train_speed.py; docs/performance.md).
    scorer: str = "dot"
    cell: str = "gru"
    hidden_size: int = 128  # encoder-state and decoder size
    embedding_size: int | None = None  # None: embedding_size_for(hidden_size), what the page uses
    epochs: int = 30  # upper bound; one epoch = TASK_SETTINGS[task]["train_size"] pairs
    max_steps: int = 0  # 0 = no step budget (epochs decide)
    lr: float = 3e-3
    batch_size: int = 64
    seed: int = 0

    @property
    def embedding(self) -> int:
        """The embedding size this job trains with."""
        return embedding_size_for(self.hidden_size) if self.embedding_size is None else self.embedding_size

    def check(self, tasks: Iterable[str]) -> None:
        """Raise ValueError with a readable message for a setting out of range: a task the page does not
        offer (`tasks`), a setting beyond PAGE_LIMITS, then anything TrainConfig.validate refuses."""
        tasks = list(tasks)
        if self.task not in tasks:
            raise SettingsError(
                N_("unknown task {task}; choose one of {tasks}"), task=repr(self.task), tasks=", ".join(tasks)
            )
        config = self.train_config("")
        for name, (words, low, high) in PAGE_LIMITS.items():
            value = getattr(config, name)
            if not low <= value <= high:  # NaN too
                raise SettingsError(
                    N_("{setting} must be from {low} to {high}, got {value}"),
                    setting=Message(words),
                    low=_number(low),
                    high=_number(high),
                    value=value,
                )
        config.validate()

    def train_config(self, out: str | Path, data: Path | None = None, threads: int = 1) -> TrainConfig:
        """The TrainConfig a job runs: the user's choices, then the task's settings (TASK_SETTINGS)."""
        chosen = {f.name: getattr(self, f.name) for f in fields(self)} | {"embedding_size": self.embedding}
        settings = chosen | dict(
            data=str(data) if data and needs_data(self.task) else None,
            schedule="plateau",  # halve the rate after an epoch without progress: settles the last percent
            patience=5,  # small epochs are noisy: stop only after 5 without progress
            max_seconds=MAX_SECONDS,
            threads=threads,
            out=str(out),
            extra={"source": "train page"},
        )
        return TrainConfig(**(settings | TASK_SETTINGS[self.task]))


# -- the scorer race ---------------------------------------------------------------------------------
# The race's own settings: every scorer of the page's task trained at once, one step of each in turn, in
# one process with one thread (one training of the server's limit). Chosen so that on reverse every scorer
# with attention passes 95% validation exact match within RACE_SECONDS on 2 cores (bench/race.py;
# docs/performance.md): a smaller model and a higher rate than a single training's defaults.
RACE_DEFAULTS = {"hidden_size": 64, "batch_size": 64, "lr": 1e-2}
RACE_SECONDS = 120.0  # the race's default budget, the wall clock of the whole race
RACE_BUDGETS = (30, 60, 120, 180, 300)  # what the page offers (seconds)
# The bar a scorer passes, by the task's validation metric (as bench/train_speed.py's TARGET); a task
# whose metric has no bar here (BLEU) races its budget and nobody passes.
RACE_BARS = {"exact_match": 0.95}


def task_bar(task: str) -> float | None:
    """The validation bar of `task`'s race: 0.95 exact match; None for a metric without one."""
    return RACE_BARS.get(task_metric(task))


@dataclass(frozen=True)
class RaceSettings:
    """A race: every scorer of `scorers` on one task with the same settings and seed, for `seconds`."""

    task: str = RACE_TASK
    cell: str = "gru"
    hidden_size: int = RACE_DEFAULTS["hidden_size"]
    lr: float = RACE_DEFAULTS["lr"]
    batch_size: int = RACE_DEFAULTS["batch_size"]
    seed: int = 0
    seconds: float = RACE_SECONDS
    scorers: tuple[str, ...] = ()  # () = every scorer (seq2seq.config.SCORERS)

    @property
    def scorer(self) -> str:
        """What a status line names as the scorer: the race's."""
        return "race"

    def racing(self) -> tuple[str, ...]:
        """The scorers that race: `scorers`, or every scorer."""
        from seq2seq.config import SCORERS

        return tuple(self.scorers) or tuple(SCORERS)

    def job_settings(self) -> JobSettings:
        """The settings every scorer of the race shares, as a single training's (its scorer is replaced)."""
        return JobSettings(task=self.task, scorer="dot", cell=self.cell, hidden_size=self.hidden_size,
                           epochs=PAGE_LIMITS["epochs"][2], lr=self.lr, batch_size=self.batch_size,
                           seed=self.seed)  # fmt: skip

    def check(self, tasks: Iterable[str]) -> None:
        """JobSettings.check of the shared settings, the budget (1 s to MAX_SECONDS), known scorers."""
        from seq2seq.config import SCORERS

        self.job_settings().check(tasks)
        if not 1 <= self.seconds <= MAX_SECONDS:
            raise SettingsError(N_("{setting} must be from {low} to {high}, got {value}"),
                                setting=Message(N_("the race's seconds")), low=1, high=_number(MAX_SECONDS),
                                value=self.seconds)  # fmt: skip
        unknown = [s for s in self.racing() if s not in SCORERS]
        if unknown:
            raise SettingsError(N_("unknown scorer {scorer}"), scorer=repr(unknown[0]))

    def train_config(self, out: str | Path, data: Path | None = None, threads: int = 1) -> TrainConfig:
        """The TrainConfig every scorer starts from (seq2seq.race gives each its scorer and folder)."""
        return self.job_settings().train_config(out, data, threads)


def available_tasks() -> list[str]:
    """The tasks the Train page offers: those with settings here that the library registers, a corpus
    task (en-fr, zh-en: a small subset) only when its data file is there."""
    from explorer.state.catalog import known_tasks

    offered = [t for t in known_tasks() if t in TASK_SETTINGS]
    return [t for t in offered if not needs_data(t) or data_path(t)]


def max_trainings() -> int:
    """$ATTENTION_EXPLORER_MAX_TRAININGS (default 2): trainings allowed at once on this server."""
    try:
        return max(1, int(os.environ.get(MAX_ENV, DEFAULT_MAX_TRAININGS)))
    except ValueError:
        return DEFAULT_MAX_TRAININGS
