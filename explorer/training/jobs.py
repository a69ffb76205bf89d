"""Training from the app: each run in its own process, a few at once, stopped when its browser tab closes.

torch.set_num_threads is process-global, so a training never runs inside the Streamlit server:
`JobManager.start` spawns a process (multiprocessing "spawn") that calls seq2seq.train.train with
one torch thread and appends every event it gets, one JSON object per line, to `events.jsonl` in
the job's temporary folder. The page reads that file (`Job.poll`).

A watchdog thread stops a job whose browser tab has gone, so that a closed tab does not keep a
core busy. It asks Streamlit's runtime whether the job's session (the tab, whichever page it
shows) is still connected (`streamlit_session_alive`): a session that has been disconnected for
`session_gone_timeout` seconds (a page reload, a closed tab) stops its job, and one that browses
the other pages keeps it. Where there is no runtime to ask (AppTest, a plain script), the pages
that show a job touch it every few seconds (`Job.heartbeat`) and a job silent for
`heartbeat_timeout` seconds is stopped.

One `JobManager` serves the whole server (`shared_manager()`, cached with st.cache_resource);
a lock guards its table of jobs, one job per session, at most `max_jobs` running at once.
`save_model` copies a finished run into the user models folder under a validated name and
registers it as "user/<name>". No text the user types is ever joined into a path unchecked.

What the page says about a job (why it stopped or ended, why a setting or a name is refused) is
English here, marked for translation: a `seq2seq.messages.Message` or a `Translatable` error keeps its
template and values, and the page says it in its language (`explorer.i18n.errors.message_of`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from seq2seq.config import TrainConfig
from seq2seq.messages import Message, Translatable
from seq2seq.registry import ModelEntry
from seq2seq.tasks import RACE_TASK, REGISTRY, TRAIN_PAGE_TASK, all_tasks

ROOT = Path(__file__).resolve().parents[2]
DATA_ENV, MAX_ENV = "ATTENTION_EXPLORER_DATA", "ATTENTION_EXPLORER_MAX_TRAININGS"
DATA_DIR = ROOT.parent / "shared" / "data"  # where a corpus task's DATA_FILE is looked for by default
DEFAULT_MAX_TRAININGS = 2
HEARTBEAT_TIMEOUT_S = 30.0  # without a runtime to ask: a job not touched (heartbeat()) for this long is stopped
SESSION_GONE_S = 10.0  # a job whose browser session has been disconnected this long is stopped
REFRESH_S = 2.0  # how often the Train page redraws (and so touches its job) while training
STOP_GRACE_S = 20.0  # after a Stop, how long the worker may take to finish its epoch before it is killed
KEEP_FINISHED_S = 3600.0  # a finished job nobody looked at for this long is dropped with its folder
MAX_SECONDS = 900.0  # a training from the page never runs longer than this
NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,40}")
NAME_RULE = N_("Use 1–40 letters, digits, '-' or '_' (no spaces, dots or slashes).")
EVENTS_FILE, LOG_FILE, RUN_DIR = "events.jsonl", "train.log", "run"
STOPPED_BY_USER = N_("stopped by the user")

# What the page's task choice sets besides the user's settings: each task's own (Task.train_page). Small
# "epochs" (train_size pairs each) so that validation, and so the accuracy curve and the probes, update
# every few seconds; see bench/train_speed.py for what these reach in how long.
TASK_SETTINGS = {task.name: dict(task.train_page) for task in all_tasks()}


def task_metric(task: str) -> str:
    """The validation metric the Train page draws for `task` (the task says: exact match or BLEU)."""
    from explorer.state.catalog import task_metric as metric

    return metric(task)


# -- what the page says ------------------------------------------------------------------------------
class TrainingLimitError(Translatable, RuntimeError):
    """The server already runs as many trainings as it allows."""


class SaveError(Translatable, ValueError):
    """A model cannot be saved under this name (the message says why, for the page)."""


class SettingsError(Translatable, ValueError):
    """A training setting out of range (the message says which and what it may be)."""


# -- settings ---------------------------------------------------------------------------------------
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
# A race's models are saved as user/<name>-<scorer>: the name leaves room for "-scaled_dot".
RACE_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,29}")
RACE_NAME_RULE = N_("Use 1–29 letters, digits, '-' or '_' (no spaces, dots or slashes).")


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
        return self.job_settings().train_config(out, data, threads)


def needs_data(task: str) -> bool:
    """Whether a training of `task` reads a corpus file (the task names one) instead of generating pairs."""
    from explorer.state.catalog import data_file

    return data_file(task) is not None


def data_env(task: str) -> str:
    """The environment variable naming `task`'s corpus: ATTENTION_EXPLORER_DATA_<TASK> (zh-en -> _ZH_EN)."""
    return f"{DATA_ENV}_{task.upper().replace('-', '_')}"


def data_path(task: str) -> Path | None:
    """The corpus file of `task`; None if absent or the task generates its data.

    $ATTENTION_EXPLORER_DATA_<TASK>, else the other variables the task names (en-fr, as before:
    $ATTENTION_EXPLORER_DATA), else ../shared/data/<the task's data file>.
    """
    found = REGISTRY.get(task)
    if found is None or found.corpus is None:
        return None
    env = next((value for name in (data_env(task), *found.corpus.env) if (value := os.environ.get(name))), None)
    path = Path(env) if env else DATA_DIR / found.corpus.file
    return path if path.is_file() else None


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


# -- events -----------------------------------------------------------------------------------------
EVENT_TYPES = ("started", "step", "epoch", "done", "error", "race", "passed")
ACTIVE = ("starting", "running", "stopping")  # statuses of a job whose process holds a core


def parse_events(lines: Iterable[str]) -> list[dict]:
    """The events in JSON lines; blank, broken and unknown lines are skipped (never raised on)."""
    events = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and event.get("type") in EVENT_TYPES:
            events.append(event)
    return events


def read_new_events(path: Path, offset: int) -> tuple[list[dict], int]:
    """Events of complete lines after byte `offset`, and the offset to read from next time.

    A line the worker is still writing (no newline yet) is left for the next call.
    """
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            chunk = f.read()
    except FileNotFoundError:
        return [], offset
    end = chunk.rfind(b"\n") + 1
    return parse_events(chunk[:end].decode("utf-8", errors="replace").splitlines()), offset + end


# What of a run's trainer_state.json and TrainConfig `end_reason` reads (the done event carries them).
END_STATE = ("early_stopped", "best", "best_epoch", "bad_epochs", "steps", "seconds", "epoch")
END_CONFIG = ("task", "patience", "max_steps", "max_seconds")


def metric_words(metric: str) -> str:
    """How a validation metric reads in a sentence: "exact match", "bleu"; translated in another language."""
    from explorer.state.catalog import metric_title

    return metric_title(metric, metric.replace("_", " "))


def end_reason(state: dict, config: dict) -> str:
    """Why a run that ended by itself ended, in words for the page (in the current language).

    `state` is the run's trainer_state.json (seq2seq.train), `config` its TrainConfig as a dict.
    A model that stops improving ends early (`patience` epochs without a better validation
    metric): a small one can end after a few epochs at 0% exact match, and the page says so
    rather than leaving "finished" after 6 of 30 epochs unexplained.
    """
    from explorer import i18n
    from explorer.i18n import ngettext
    from seq2seq.train import METRIC_CEILING  # imports torch: not at this module's import

    metric = task_metric(config.get("task", ""))

    def shown(value: float) -> str:
        return i18n.number(100 * value, 1) + "%" if metric == "exact_match" else i18n.number(value, 1)

    label = metric_words(metric)
    best, best_epoch, patience = state.get("best", 0.0), state.get("best_epoch", 0), config.get("patience", 0)
    if state.get("early_stopped"):
        if best >= METRIC_CEILING[metric]:
            return _("reached the ceiling of validation {metric} ({best}) at epoch {epoch}").format(
                metric=label, best=shown(best), epoch=best_epoch
            )
        if state.get("bad_epochs", 0) >= patience:
            return ngettext(
                "stopped early: validation {metric} did not improve for {patience} epoch; "
                "the best epoch ({epoch}, {best}) is kept",
                "stopped early: validation {metric} did not improve for {patience} epochs; "
                "the best epoch ({epoch}, {best}) is kept",
                patience,
            ).format(metric=label, patience=patience, epoch=best_epoch, best=shown(best))
        return _("stopped on request; the best epoch ({epoch}, {best}) is kept").format(
            epoch=best_epoch, best=shown(best)
        )
    if config.get("max_steps") and state.get("steps", 0) >= config["max_steps"]:
        steps = config["max_steps"]
        return ngettext(
            "the step budget ({steps} step) is used up", "the step budget ({steps} steps) is used up", steps
        ).format(steps=i18n.number(steps))
    if config.get("max_seconds") and state.get("seconds", 0.0) >= config["max_seconds"]:
        minutes = config["max_seconds"] / 60
        return _("the time limit ({minutes} minutes) is reached").format(minutes=f"{minutes:g}")
    epochs = state.get("epoch", 0)
    return ngettext("all {epochs} epoch done", "all {epochs} epochs done", epochs).format(epochs=epochs)


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
            emit({"type": "error", "message": f"{type(error).__name__}: {error}", **_told(error)})
            raise SystemExit(1) from None
        emit({"type": "done", **done})


_MAIN_SWAP = threading.Lock()


@contextlib.contextmanager
def _no_main_script():
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
        from seq2seq.train import STATE_JSON, train

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


def _told(error: BaseException) -> dict:
    """An error's marked template and values for the error event, if it has them (values that are not
    plain data, a path say, as their text)."""
    told = _as_data(error)
    if not isinstance(told, dict):
        return {}
    try:
        told = json.loads(json.dumps(told, default=str))
    except (TypeError, ValueError):
        return {}
    return {"kind": type(error).__name__, **told}


def _as_data(thing: object) -> object:
    """A marked message (an error, a Message) as {"template", "params"}, its values likewise; anything else as it is."""
    template, params = getattr(thing, "template", None), getattr(thing, "params", None)
    if not isinstance(template, str) or not isinstance(params, dict):
        return thing
    return {"template": template, "params": {key: _as_data(value) for key, value in params.items()}}


def _from_data(template: str, params: dict) -> Message:
    """The Message `_as_data` wrote down (KeyError, IndexError or ValueError when they do not fit)."""
    values = {
        key: _from_data(value["template"], value["params"])
        if isinstance(value, dict) and isinstance(value.get("template"), str) and isinstance(value.get("params"), dict)
        else value
        for key, value in params.items()
    }
    return Message(template, **values)


def _error_of(event: dict) -> str:
    """The error an error event reports: its message, to be said in the page's language when it can be."""
    message = event.get("message")
    if not isinstance(message, str):
        return Message(N_("unknown error"))
    template, params, kind = event.get("template"), event.get("params"), event.get("kind")
    if isinstance(template, str) and isinstance(params, dict) and isinstance(kind, str):
        try:
            told = _from_data(template, params)
        except (KeyError, IndexError, ValueError):
            return message
        words = Message("{kind}: {message}", kind=kind, message=told)  # the type's name is code: not translated
        return words if words == message else message
    return message


# -- one job ----------------------------------------------------------------------------------------
@dataclass
class JobView:
    """A copy of a job's progress for drawing (plain data, safe to keep while the job moves on)."""

    status: str  # starting | running | stopping | finished | stopped | failed
    settings: JobSettings
    steps: list[dict]
    epochs: list[dict]
    error: str | None
    stop_reason: str | None  # why the page stopped it (the user's Stop, a closed page)
    started_at: float
    end_reason: str | None = None  # why a run that ended by itself ended (end_reason(), in English)
    end_facts: dict | None = None  # what end_reason() read ({"state", "config"}), to say it again
    race: dict | None = None  # a race's "race" event (scorers, contenders, bar, metric), None for a training
    passes: list[dict] = field(default_factory=list)  # a race's "passed" events, in the order they came
    summary: dict | None = None  # a finished race's summary (seq2seq.race.race's return value)

    @property
    def is_race(self) -> bool:
        return isinstance(self.settings, RaceSettings)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def reason(self) -> str | None:
        """Why the job stopped or ended, in the current language (None while it runs)."""
        if self.active:
            return None
        if self.stop_reason:
            return message_of(self.stop_reason)
        if self.is_race:
            return None  # the race's own section says how it ended
        facts = self.end_facts
        if isinstance(facts, dict) and isinstance(facts.get("state"), dict) and isinstance(facts.get("config"), dict):
            try:
                return end_reason(facts["state"], facts["config"])
            except (KeyError, TypeError, ValueError):  # facts from another version: the English words
                pass
        return self.end_reason


@dataclass
class Job:
    """One training process and what it has reported so far."""

    session: str
    settings: JobSettings
    folder: Path  # temporary: events.jsonl, train.log, run/ (the checkpoint)
    process: object  # a multiprocessing Process
    stop_event: object  # a multiprocessing Event the worker polls between steps
    started_at: float = field(default_factory=time.time)
    last_heartbeat: float = field(default_factory=time.monotonic)  # last sign of life: a heartbeat or a live session
    browser_session: str | None = None  # the Streamlit session id of the tab that started it (None: unknown)
    status: str = "starting"
    steps: list[dict] = field(default_factory=list)
    epochs: list[dict] = field(default_factory=list)
    error: str | None = None
    stop_reason: str | None = None
    end_reason: str | None = None
    end_facts: dict | None = None
    race: dict | None = None
    passes: list[dict] = field(default_factory=list)
    summary: dict | None = None
    stop_requested_at: float | None = None
    _offset: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def run_dir(self) -> Path:
        return self.folder / RUN_DIR

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def heartbeat(self) -> None:
        """A page that shows this job is open (the fallback where no runtime can say so)."""
        self.last_heartbeat = time.monotonic()

    def poll(self) -> None:
        """Read the worker's new events; notice when its process has ended."""
        with self._lock:
            alive = self.process.is_alive()  # before reading: events written before the exit are seen
            events, self._offset = read_new_events(self.folder / EVENTS_FILE, self._offset)
            for event in events:
                kind = event["type"]
                if kind == "started" and self.status == "starting":
                    self.status = "running"
                elif kind == "step":
                    self.steps.append(event)
                elif kind == "epoch":
                    self.epochs.append(event)
                elif kind == "race":
                    self.race = event
                elif kind == "passed":
                    self.passes.append(event)
                elif kind == "done":
                    self.status = "stopped" if self.stop_reason else "finished"
                    self.end_reason = event.get("reason")
                    self.end_facts = event.get("facts")
                    self.summary = event.get("race")
                elif kind == "error":
                    self.status, self.error = "failed", _error_of(event)
            if self.active and not alive:
                if self.stop_reason:  # killed after a Stop that took too long
                    self.status = "stopped"
                else:
                    self.status = "failed"
                    self.error = Message(
                        N_("the training process ended with exit code {code}"), code=self.process.exitcode
                    )

    def stop(self, reason: str | None = None) -> None:
        """Ask the worker to finish the current step, validate, checkpoint and exit."""
        with self._lock:
            if not self.active or self.stop_reason:
                return
            self.stop_reason, self.stop_requested_at = reason or Message(STOPPED_BY_USER), time.monotonic()
            self.status = "stopping"
            self.stop_event.set()

    def kill(self) -> None:
        """Terminate the process now (after a Stop that took too long, or at shutdown)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
        self.poll()

    @property
    def is_race(self) -> bool:
        return isinstance(self.settings, RaceSettings)

    def has_checkpoint(self) -> bool:
        """A training's folder holds a model; a race's, at least one scorer's."""
        if self.is_race:
            return any((self.run_dir / s / "config.json").is_file() for s in self.settings.racing())
        return (self.run_dir / "config.json").is_file()

    def view(self) -> JobView:
        with self._lock:
            return JobView(
                self.status, self.settings, list(self.steps), list(self.epochs), self.error,
                self.stop_reason, self.started_at, self.end_reason, self.end_facts, self.race,
                list(self.passes), self.summary,
            )  # fmt: skip


# -- the server's jobs ------------------------------------------------------------------------------
def _nobody_can_tell(session_id: str) -> None:
    """No runtime tells whether a browser session is connected: only heartbeats count."""
    return None


class JobManager:
    """Every training job of the server, one per session; at most `max_jobs` running at once."""

    def __init__(
        self,
        max_jobs: int | None = None,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT_S,
        check_every: float = 2.0,
        keep_finished: float = KEEP_FINISHED_S,
        stop_grace: float = STOP_GRACE_S,
        session_gone_timeout: float = SESSION_GONE_S,
        session_alive: Callable[[str], bool | None] | None = None,
    ) -> None:
        """`session_alive(session_id)`: True while that browser session is connected, False once it
        is not, None when nobody can tell (then only heartbeats count, the default; the app passes
        explorer.ui.trainings.streamlit_session_alive)."""
        self.max_jobs = max_jobs if max_jobs is not None else max_trainings()
        self.heartbeat_timeout = heartbeat_timeout
        self.session_gone_timeout = session_gone_timeout
        self.session_alive = session_alive or _nobody_can_tell
        self.check_every = check_every
        self.keep_finished = keep_finished
        self.stop_grace = stop_grace
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._watchdog: threading.Thread | None = None
        self._closed = threading.Event()

    def job(self, session: str) -> Job | None:
        with self._lock:
            return self._jobs.get(session)

    def running(self) -> int:
        """How many trainings are running now (a stopping one still counts: it holds a core)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.poll()
        return sum(job.active for job in jobs)

    def start(self, session: str, settings: JobSettings | RaceSettings, browser_session: str | None = None) -> Job:
        """Start `settings` for `session`; TrainingLimitError when the server is full.

        A race (RaceSettings) is one job like a training: one process, one thread, one of the limit.

        `browser_session` is the Streamlit session id of the tab (`browser_session_id()`): the job
        lives while that session is connected.
        """
        import multiprocessing

        settings.check(available_tasks())
        with self._lock:
            for job in self._jobs.values():
                job.poll()
            old = self._jobs.get(session)
            if old is not None and old.active:
                raise TrainingLimitError(N_("This session is already training: stop it before starting another."))
            running = sum(job.active for job in self._jobs.values())
            if running >= self.max_jobs:
                raise TrainingLimitError(
                    N_(
                        "{running} trainings are already running on this server, the most it allows "
                        "({variable}={limit}). Try again when one has finished."
                    ),
                    running=running, variable=MAX_ENV, limit=self.max_jobs,
                )  # fmt: skip
            folder = Path(tempfile.mkdtemp(prefix="ae-train-"))
            config = settings.train_config(folder / RUN_DIR, data_path(settings.task), threads=1)
            context = multiprocessing.get_context("spawn")
            stop_event = context.Event()
            if isinstance(settings, RaceSettings):
                race_args = {"scorers": list(settings.racing()), "bar": task_bar(settings.task) or math.inf,
                             "max_seconds": float(settings.seconds)}  # fmt: skip
                target, args = run_race_worker, (asdict(config), str(folder), stop_event, race_args)
            else:
                target, args = run_worker, (asdict(config), str(folder), stop_event)
            process = context.Process(
                target=target, args=args, daemon=True,
                name=f"attention-explorer-train-{session[:8]}",
            )  # fmt: skip
            with _no_main_script():
                process.start()
            job = Job(
                session=session, settings=settings, folder=folder, process=process, stop_event=stop_event,
                browser_session=browser_session,
            )  # fmt: skip
            self._jobs[session] = job
            if old is not None:
                shutil.rmtree(old.folder, ignore_errors=True)
            self._ensure_watchdog()
            return job

    def stop(self, session: str, reason: str | None = None) -> None:
        job = self.job(session)
        if job is not None:
            job.stop(reason)

    def _alive(self, job: Job) -> bool | None:
        """Whether the job's browser session is connected (None: no one can tell)."""
        if not job.browser_session:
            return None
        try:
            alive = self.session_alive(job.browser_session)
        except Exception:  # a liveness check that fails tells nothing: the heartbeat decides
            return None
        return alive if isinstance(alive, bool) else None

    def check(self) -> None:
        """One watchdog pass: stop jobs whose tab is gone, kill slow stoppers, forget old finished jobs."""
        now = time.monotonic()
        with self._lock:
            jobs = list(self._jobs.items())
        for session, job in jobs:
            job.poll()
            alive = self._alive(job)
            if alive:  # the tab is open, on whichever page
                job.last_heartbeat = now
            silent = now - job.last_heartbeat
            seconds = f"{silent:.0f}"
            if alive is False:
                limit, why = (
                    self.session_gone_timeout,
                    Message(N_("its browser session ended {seconds} s ago"), seconds=seconds),
                )
            else:
                limit, why = self.heartbeat_timeout, Message(N_("no heartbeat for {seconds} s"), seconds=seconds)
            if job.active and not job.stop_reason and silent > limit:
                job.stop(Message(N_("stopped: the page was closed ({why})"), why=why))
            elif job.status == "stopping" and now - (job.stop_requested_at or now) > self.stop_grace:
                job.kill()
            elif not job.active and silent > self.keep_finished:
                with self._lock:
                    if self._jobs.get(session) is job:
                        del self._jobs[session]
                shutil.rmtree(job.folder, ignore_errors=True)

    def _ensure_watchdog(self) -> None:
        if self._watchdog is None or not self._watchdog.is_alive():
            self._watchdog = threading.Thread(target=self._watch, name="training-watchdog", daemon=True)
            self._watchdog.start()

    def _watch(self) -> None:
        while not self._closed.wait(self.check_every):
            try:
                self.check()
            except Exception as error:  # the watchdog must outlive one bad pass
                print(f"training watchdog: {error!r}", file=sys.stderr)

    def shutdown(self) -> None:
        """Stop the watchdog, kill every worker and delete every job folder (tests, server exit)."""
        self._closed.set()
        with self._lock:
            jobs = list(self._jobs.values())
            self._jobs.clear()
        for job in jobs:
            job.stop_event.set()
            job.kill()
            shutil.rmtree(job.folder, ignore_errors=True)


# -- saving -----------------------------------------------------------------------------------------
def check_name(name: str) -> str:
    """`name` if it is a valid model name, else SaveError with the rule."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        # The refused text is not echoed: the page shows this message as Markdown.
        raise SaveError(N_("That cannot be a model name. {rule}"), rule=Message(NAME_RULE))
    return name


def save_blocker() -> str | None:
    """Why no model can be saved now, in words for the page (None: saving can go ahead): the user
    models folder is, is inside or contains pretrained/, or its manifest cannot be read. An English
    `Message`: the page shows `message_of(...)` of it."""
    from seq2seq.registry import registry_notes

    problems = registry_notes()
    return Message(N_("Models cannot be saved: {problem}. Fix that first."), problem=problems[0]) if problems else None


def save_model(run_dir: Path, name: str, root: Path | None = None) -> ModelEntry:
    """Save the run's best model as user/<name> in the user models folder; return its registry entry.

    The checkpoint is rebuilt with save_checkpoint (atomic: built beside, then renamed in) and
    registered with register() (under the registry's lock). An existing name is refused (a model, or
    anything else at that path: a folder, a file, a link, even a dangling one: nothing is replaced), and so is
    a user models folder that is, is inside or contains pretrained/ (it would register the model
    among the shipped ones) or whose manifest cannot be read (it is never written over).
    """
    import fcntl

    from seq2seq.checkpoint import load_checkpoint, read_config, save_checkpoint
    from seq2seq.registry import CheckpointError, Headline, check_user_root, register, registry, user_root

    check_name(name)
    try:
        root = check_user_root(root) if root is not None else user_root()
    except CheckpointError as error:  # a user models folder that overlaps pretrained/
        raise SaveError(N_("Models cannot be saved: {error}."), error=error) from None
    root.mkdir(parents=True, exist_ok=True)
    destination = root / name
    if destination.resolve().parent != root.resolve():  # cannot happen with NAME_RE; kept as a guard
        raise SaveError(N_("{name} cannot be a model name. {rule}"), name=repr(name), rule=Message(NAME_RULE))
    if not (Path(run_dir) / "config.json").is_file():
        raise SaveError(N_("There is no trained model to save yet: the first epoch has not finished."))
    with open(root / ".save.lock", "a") as lock:  # "a": a file of that name is never emptied
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            known = registry(root)
        except CheckpointError as error:  # never written over: the user may want what it lists
            raise SaveError(
                N_("Models cannot be saved until the user models manifest is fixed or removed: {error}."), error=error
            ) from None
        if os.path.lexists(destination) or any(e.name == f"user/{name}" for e in known):  # a dangling link too
            raise SaveError(N_("A model named {name} exists already: choose another name."), name=f"user/{name}")
        translator = load_checkpoint(run_dir)
        config = read_config(run_dir)
        skip = ("model", "source_tokenizer", "target_tokenizer", "format_version", "weights_dtype")
        metadata = {k: v for k, v in config.items() if k not in skip} | {"name": f"user/{name}"}
        metadata["train"] = {**config.get("train", {}), "out": f"user/{name}"}  # not the temporary folder
        probes = Path(run_dir) / "probes.json"
        extra = {"probes.json": probes.read_bytes()} if probes.is_file() else {}
        save_checkpoint(
            destination, translator.model, translator.source_tokenizer, translator.target_tokenizer, metadata,
            extra_files=extra,
        )  # fmt: skip
        train_settings = config.get("train", {})
        metric = task_metric(config.get("task", ""))
        value = config.get("metrics", {}).get("valid", {}).get(metric)
        entry = ModelEntry(
            name=f"user/{name}",
            path=name,
            task=config.get("task", ""),
            scorer=translator.config.scorer,
            cell=translator.config.cell,
            parameters=translator.model.num_parameters(),
            metric=Headline(metric, round(value, 4) if value is not None else None, "valid"),
            source="train page",
            saved=time.strftime("%Y-%m-%d %H:%M:%S"),
            settings={k: train_settings.get(k) for k in ("hidden_size", "embedding_size", "lr", "batch_size")},
            epochs_run=config.get("epochs_run"),
            training_seconds=config.get("training_seconds"),
        )
        register(entry, root)
    return entry


def check_race_name(name: str) -> str:
    """`name` if a race's models can be saved under it (user/<name>-<scorer>), else SaveError with the rule."""
    if not isinstance(name, str) or not RACE_NAME_RE.fullmatch(name):
        raise SaveError(N_("That cannot be a race's name. {rule}"), rule=Message(RACE_NAME_RULE))
    return name


def save_race(run_dir: Path, name: str, first: str | None = None, root: Path | None = None):
    """Save every scorer of a finished race as user/<name>-<scorer> and the set "race/<name>"; the set.

    `run_dir` holds a folder per scorer (seq2seq.race). Every name is checked and must be free before
    any model is saved, so that a refused name leaves nothing behind.
    """
    from seq2seq.config import SCORERS
    from seq2seq.registry import (
        CheckpointError,
        ModelSet,
        check_user_root,
        model_sets,
        register_set,
        registry,
        user_root,
    )

    check_race_name(name)
    run_dir = Path(run_dir)
    scorers = [s for s in SCORERS if (run_dir / s / "config.json").is_file()]  # SCORERS: never a path from a user
    if not scorers:
        raise SaveError(N_("There is no trained model to save yet: the first epoch has not finished."))
    try:
        root = check_user_root(root) if root is not None else user_root()
        known = {e.name for e in registry(root)}
    except CheckpointError as error:
        raise SaveError(N_("Models cannot be saved: {error}."), error=error) from None
    names = {scorer: f"{name}-{scorer}" for scorer in scorers}
    taken = [n for n in names.values() if f"user/{n}" in known or os.path.lexists(root / n)]
    if taken or any(s.name == f"race/{name}" for s in model_sets(root)):
        raise SaveError(N_("A model named {name} exists already: choose another name."),
                        name=f"user/{taken[0]}" if taken else f"race/{name}")  # fmt: skip
    entries = {scorer: save_model(run_dir / scorer, model, root) for scorer, model in names.items()}
    model_set = ModelSet(f"race/{name}", entries[scorers[0]].task, {s: e.name for s, e in entries.items()}, first)
    register_set(model_set, root)
    return model_set
