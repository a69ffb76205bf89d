"""The server's trainings: each in a worker process of its own, a few at once, stopped when its tab closes.

`JobManager.start` spawns a process (explorer.training.worker) that trains with one torch thread and
appends every event it gets to `events.jsonl` in the job's temporary folder. The page reads that file
(`Job.poll`).

A watchdog thread stops a job whose browser tab has gone, so that a closed tab does not keep a
core busy. It asks Streamlit's runtime whether the job's session (the tab, whichever page it
shows) is still connected (`streamlit_session_alive`): a session that has been disconnected for
`session_gone_timeout` seconds (a page reload, a closed tab) stops its job, and one that browses
the other pages keeps it. Where there is no runtime to ask (AppTest, a plain script), the pages
that show a job touch it every few seconds (`Job.heartbeat`) and a job silent for
`heartbeat_timeout` seconds is stopped.

One `JobManager` serves the whole server (`shared_manager()`, cached with st.cache_resource);
a lock guards its table of jobs, one job per session, at most `max_jobs` running at once.
Why a job stopped is a marked `Message`: the page says it in its language (`message_of`).
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from explorer.i18n import N_
from explorer.i18n.errors import message_of
from explorer.training.data import data_path
from explorer.training.events import EVENTS_FILE, end_reason, error_of, read_new_events
from explorer.training.settings import MAX_ENV, JobSettings, RaceSettings, available_tasks, max_trainings, task_bar
from explorer.training.worker import no_main_script, run_race_worker, run_worker
from seq2seq.messages import Message, Translatable

HEARTBEAT_TIMEOUT_S = 30.0  # without a runtime to ask: a job not touched (heartbeat()) for this long is stopped
SESSION_GONE_S = 10.0  # a job whose browser session has been disconnected this long is stopped
REFRESH_S = 2.0  # how often the Train page redraws (and so touches its job) while training
STOP_GRACE_S = 20.0  # after a Stop, how long the worker may take to finish its epoch before it is killed
KEEP_FINISHED_S = 3600.0  # a finished job nobody looked at for this long is dropped with its folder
RUN_DIR = "run"  # the job folder's checkpoint (a race's: a folder per scorer)
STOPPED_BY_USER = N_("stopped by the user")
ACTIVE = ("starting", "running", "stopping")  # statuses of a job whose process holds a core


class TrainingLimitError(Translatable, RuntimeError):
    """The server already runs as many trainings as it allows."""


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
                    self.status, self.error = "failed", error_of(event)
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
        explorer.ui.train.trainings.streamlit_session_alive)."""
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
            with no_main_script():
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
