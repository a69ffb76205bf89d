"""Training jobs: settings, events, the server-wide limit, the heartbeat watchdog, saving by name."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from explorer.training import data as td
from explorer.training import events as te
from explorer.training import manager as tm
from explorer.training import saving as tsave
from explorer.training import settings as ts
from explorer.training import worker as tw
from explorer.ui.train import trainings
from seq2seq.checkpoint import load_model
from seq2seq.config import TrainConfig
from seq2seq.registry import registry, user_root
from seq2seq.tasks import all_tasks
from tests.train_fixtures import fake_job


# -- settings and names ---------------------------------------------------------------------------
def test_the_defaults_are_valid_and_become_a_one_thread_train_config(tmp_path):
    settings = ts.JobSettings()
    settings.check(["reverse", "dates"])
    config = settings.train_config(tmp_path / "run", data=Path("/nowhere/eng-fra.txt"))
    assert isinstance(config, TrainConfig)
    assert (config.threads, config.hidden_size, config.lr, config.data) == (1, 128, 3e-3, None)
    assert (config.scorer, config.embedding_size) == ("dot", ts.embedding_size_for(128)) == ("dot", 32)
    assert config.train_size == ts.TASK_SETTINGS["dates"]["train_size"]
    assert config.max_seconds == ts.MAX_SECONDS


@pytest.mark.parametrize("hidden, embedding", [(16, 4), (32, 8), (128, 32), (256, 64), (512, 64)])
def test_the_page_derives_the_embedding_size_from_the_hidden_size(hidden, embedding):
    assert ts.embedding_size_for(hidden) == embedding
    settings = ts.JobSettings(hidden_size=hidden)  # what the page builds: no embedding size of its own
    settings.check(["dates"])
    assert settings.train_config("/nowhere/run").embedding_size == embedding


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"task": "en-fr"}, "unknown task"),
        ({"hidden_size": 15}, "even"),
        ({"lr": 1.0}, "learning rate"),
        ({"epochs": 0}, "epochs"),
        ({"scorer": "bogus"}, "scorer"),
    ],
)
def test_settings_out_of_range_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        ts.JobSettings(**changes).check(["reverse", "dates"])


def test_en_fr_is_offered_only_with_a_data_file(tmp_path, monkeypatch):
    monkeypatch.setenv(td.DATA_ENV, str(tmp_path / "missing.txt"))
    monkeypatch.setattr(td, "DATA_DIR", tmp_path / "no-data")  # nor the default files (eng-fra.txt, cmn-eng.txt)
    generated = [t.name for t in all_tasks() if not t.needs_data]  # reverse, dates and any other that needs no file
    assert ts.available_tasks() == generated
    data = tmp_path / "eng-fra.txt"
    data.write_text("Hi.\tSalut.\n")
    monkeypatch.setenv(td.DATA_ENV, str(data))
    assert ts.available_tasks() == [t.name for t in all_tasks() if t.name in generated or t.name == "en-fr"]
    assert ts.JobSettings(task="en-fr").train_config(tmp_path / "run", td.data_path("en-fr")).data == str(data)


@pytest.mark.parametrize("name", ["my-model", "dates_2", "A", "x" * 40])
def test_good_names_pass(name):
    assert tsave.check_name(name) == name


@pytest.mark.parametrize("name", ["", "a b", "../evil", "a/b", "x" * 41, "café", ".hidden", "a.b", "a\nb", "..", "~"])
def test_bad_names_are_refused_with_the_rule(name):
    with pytest.raises(tsave.SaveError, match="letters, digits"):
        tsave.check_name(name)


def test_max_trainings_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(ts.MAX_ENV, "5")
    assert ts.max_trainings() == 5
    monkeypatch.setenv(ts.MAX_ENV, "many")
    assert ts.max_trainings() == ts.DEFAULT_MAX_TRAININGS
    monkeypatch.delenv(ts.MAX_ENV)
    assert ts.max_trainings() == 2


# -- events ---------------------------------------------------------------------------------------
def test_events_are_parsed_and_junk_is_skipped():
    lines = [
        json.dumps({"type": "step", "step": 10, "loss": 2.5, "seconds": 1.0}),
        "",
        "{not json",
        json.dumps({"type": "mystery"}),
        json.dumps([1, 2]),
        json.dumps({"type": "epoch", "epoch": 0, "loss": None, "valid": {"exact_match": 0.0}, "probes": []}),
    ]
    events = te.parse_events(lines)
    assert [e["type"] for e in events] == ["step", "epoch"]
    assert events[0]["loss"] == 2.5 and events[1]["loss"] is None


def test_a_half_written_line_waits_for_the_next_read(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps({"type": "started"}) + "\n" + '{"type": "st')
    events, offset = te.read_new_events(path, 0)
    assert [e["type"] for e in events] == ["started"]
    with open(path, "a") as f:
        f.write('ep", "step": 10}\n')
    events, offset = te.read_new_events(path, offset)
    assert events == [{"type": "step", "step": 10}]
    assert te.read_new_events(path, offset) == ([], offset)
    assert te.read_new_events(tmp_path / "missing", 0) == ([], 0)


def test_poll_turns_events_into_progress_and_status(tmp_path):
    job = fake_job(tmp_path, "s1")
    lines = [
        {"type": "started", "pid": 1},
        {"type": "epoch", "epoch": 0, "loss": None, "valid": {}, "probes": []},
        {"type": "step", "step": 10, "loss": 1.0, "seconds": 0.5},
    ]
    (job.folder / te.EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in lines))
    job.poll()
    view = job.view()
    assert (view.status, len(view.epochs), len(view.steps)) == ("running", 1, 1)
    with open(job.folder / te.EVENTS_FILE, "a") as f:
        f.write(json.dumps({"type": "done", "out": "x"}) + "\n")
    job.process.alive = False
    job.poll()
    assert job.status == "finished" and not job.active


PAGE_CONFIG = {"task": "reverse", "patience": 5, "max_steps": 0, "max_seconds": 900.0}


@pytest.mark.parametrize(
    ("state", "config", "reason"),
    [
        (
            {"early_stopped": True, "best": 0.0, "best_epoch": 1, "bad_epochs": 5, "epoch": 6},
            PAGE_CONFIG,
            "stopped early: validation exact match did not improve for 5 epochs; the best epoch (1, 0.0%) is kept",
        ),
        (
            {"early_stopped": True, "best": 1.0, "best_epoch": 9, "bad_epochs": 0, "epoch": 9},
            PAGE_CONFIG,
            "reached the ceiling of validation exact match (100.0%) at epoch 9",
        ),
        (
            {"early_stopped": True, "best": 0.4321, "best_epoch": 3, "bad_epochs": 1, "epoch": 4},
            PAGE_CONFIG,
            "stopped on request; the best epoch (3, 43.2%) is kept",
        ),
        (
            {"early_stopped": False, "best": 0.9, "steps": 500, "seconds": 20.0, "epoch": 5},
            PAGE_CONFIG | {"max_steps": 500},
            "the step budget (500 steps) is used up",
        ),
        (
            {"early_stopped": False, "best": 0.9, "steps": 9000, "seconds": 900.4, "epoch": 12},
            PAGE_CONFIG,
            "the time limit (15 minutes) is reached",
        ),
        (
            {"early_stopped": False, "best": 31.26, "best_epoch": 30, "steps": 900, "seconds": 80.0, "epoch": 30},
            PAGE_CONFIG | {"task": "en-fr"},
            "all 30 epochs done",
        ),
        (
            {"early_stopped": True, "best": 12.34, "best_epoch": 2, "bad_epochs": 5, "epoch": 7},
            PAGE_CONFIG | {"task": "en-fr"},
            "stopped early: validation bleu did not improve for 5 epochs; the best epoch (2, 12.3) is kept",
        ),
    ],
)
def test_the_page_says_why_a_training_ended(state, config, reason):
    assert te.end_reason(state, config) == reason


def test_a_done_event_carries_its_end_reason_to_the_view(tmp_path):
    job = fake_job(tmp_path, "s1")
    lines = [{"type": "started", "pid": 1}, {"type": "done", "out": "x", "reason": "all 3 epochs done"}]
    (job.folder / te.EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in lines))
    job.process.alive = False
    job.poll()
    assert (job.view().status, job.view().end_reason) == ("finished", "all 3 epochs done")


def test_a_process_that_dies_silently_is_reported_as_failed(tmp_path):
    job = fake_job(tmp_path, "s1", alive=False)
    job.process.exitcode = -9
    job.poll()
    assert job.status == "failed" and "-9" in job.error


# -- the limit and the watchdog ------------------------------------------------------------------------
def test_the_limit_refuses_a_new_training_with_a_clear_message(tmp_path):
    manager = tm.JobManager(max_jobs=2)
    manager._jobs = {"a": fake_job(tmp_path, "a"), "b": fake_job(tmp_path, "b")}
    with pytest.raises(
        tm.TrainingLimitError, match=r"2 trainings are already running.*ATTENTION_EXPLORER_MAX_TRAININGS=2"
    ):
        manager.start("c", ts.JobSettings())
    assert manager.running() == 2 and manager.job("c") is None
    with pytest.raises(tm.TrainingLimitError, match="already training"):
        manager.start("a", ts.JobSettings())


def test_the_watchdog_stops_a_job_without_heartbeat_and_spares_a_watched_one(tmp_path):
    manager = tm.JobManager(max_jobs=2, heartbeat_timeout=0.3, check_every=0.05)
    quiet, watched = fake_job(tmp_path, "quiet"), fake_job(tmp_path, "watched")
    manager._jobs = {"quiet": quiet, "watched": watched}
    manager._ensure_watchdog()
    try:
        deadline = time.monotonic() + 5
        while not quiet.stop_event.is_set() and time.monotonic() < deadline:
            watched.heartbeat()
            time.sleep(0.05)
        assert quiet.stop_event.is_set() and quiet.status == "stopping"
        assert "no heartbeat" in quiet.stop_reason
        assert not watched.stop_event.is_set() and watched.status == "running"
    finally:
        manager._closed.set()


def test_a_closed_tab_stops_its_job_and_a_tab_on_another_page_keeps_its_job(tmp_path):
    """The watchdog asks whether each job's browser session is connected: a session browsing the
    Decode or Models page (no heartbeat) keeps its job; a closed or reloaded tab stops it once its
    session has been gone for session_gone_timeout (a reconnecting websocket comes back sooner)."""
    connected = {"tab-on-models-page": True, "tab-then-closed": True}
    manager = tm.JobManager(heartbeat_timeout=1.0, session_gone_timeout=5.0, session_alive=connected.get)
    browsing, closing = fake_job(tmp_path, "browsing"), fake_job(tmp_path, "closing")
    browsing.browser_session, closing.browser_session = "tab-on-models-page", "tab-then-closed"
    manager._jobs = {"browsing": browsing, "closing": closing}
    long_ago = time.monotonic() - 100.0  # neither the Train nor the Timelapse page has touched them since
    browsing.last_heartbeat = closing.last_heartbeat = long_ago

    manager.check()
    assert (browsing.status, closing.status) == ("running", "running")  # 100 s without a heartbeat
    assert browsing.last_heartbeat > long_ago + 99

    connected["tab-then-closed"] = False  # the tab closes (or reloads: a new session, a new id)
    manager.check()
    assert closing.status == "running" and not closing.stop_event.is_set()  # gone for < 5 s so far
    closing.last_heartbeat -= 6.0  # last seen alive 6 s ago
    manager.check()
    assert closing.status == "stopping" and closing.stop_event.is_set()
    assert re.fullmatch(r"stopped: the page was closed \(its browser session ended [67] s ago\)", closing.stop_reason)
    assert browsing.status == "running" and not browsing.stop_event.is_set() and browsing.stop_reason is None
    assert manager.running() == 2  # a stopping job still holds its core until it has checkpointed


@pytest.mark.parametrize("answer", [None, "yes", RuntimeError("the runtime is stopping")])
def test_without_a_runtime_that_can_tell_the_heartbeat_decides(tmp_path, answer):
    """AppTest and plain scripts have no runtime to ask (None; a mock's answer is not a bool)."""

    def session_alive(session_id: str):
        if isinstance(answer, Exception):
            raise answer
        return answer

    manager = tm.JobManager(heartbeat_timeout=30.0, session_gone_timeout=5.0, session_alive=session_alive)
    watched, silent = fake_job(tmp_path, "watched"), fake_job(tmp_path, "silent")
    for job in (watched, silent):
        job.browser_session = "some tab"
    silent.last_heartbeat = time.monotonic() - 31.0
    watched.last_heartbeat = time.monotonic() - 29.0
    manager._jobs = {"watched": watched, "silent": silent}
    manager.check()
    assert watched.status == "running" and not watched.stop_event.is_set()
    assert silent.status == "stopping" and silent.stop_reason == "stopped: the page was closed (no heartbeat for 31 s)"


def test_streamlit_session_alive_asks_the_running_streamlit_runtime(monkeypatch):
    from unittest.mock import MagicMock

    from streamlit.runtime import Runtime

    class FakeRuntime:
        def is_active_session(self, session_id: str) -> bool:
            return session_id == "open-tab"

    monkeypatch.setattr(Runtime, "_instance", None)
    assert trainings.streamlit_session_alive("open-tab") is None  # no server: nobody can tell
    monkeypatch.setattr(Runtime, "_instance", FakeRuntime())
    assert trainings.streamlit_session_alive("open-tab") is True
    assert trainings.streamlit_session_alive("closed-tab") is False
    monkeypatch.setattr(Runtime, "_instance", MagicMock(spec=Runtime))  # what AppTest installs during a run
    assert trainings.streamlit_session_alive("open-tab") is None
    assert trainings.browser_session_id() is None  # not in a script run


def test_a_stop_that_takes_too_long_ends_in_a_kill(tmp_path):
    manager = tm.JobManager(stop_grace=0.0)
    job = fake_job(tmp_path, "slow")
    manager._jobs = {"slow": job}
    job.stop()
    time.sleep(0.01)
    manager.check()
    assert not job.process.alive and job.status == "stopped"


def test_shared_manager_is_one_object_for_every_caller():
    assert trainings.shared_manager() is trainings.shared_manager()


# -- a real training process, then saving it -------------------------------------------------------
@pytest.fixture
def tiny_tasks(monkeypatch):
    tiny = {"train_size": 256, "valid_size": 16, "max_len": 32}
    monkeypatch.setattr(ts, "TASK_SETTINGS", {"reverse": tiny, "dates": tiny | {"max_len": 40}})


def wait_until(condition, job: tm.Job, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.poll()
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out; status {job.status}, log: {(job.folder / tw.LOG_FILE).read_text()[-2000:]}")


def test_a_spawned_training_reports_epochs_and_saves_as_a_user_model(tiny_tasks, tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(tmp_path / "user"))
    manager = tm.JobManager(max_jobs=1)
    settings = ts.JobSettings(task="reverse", scorer="dot", hidden_size=16, embedding_size=8, epochs=2, lr=1e-2)
    job = manager.start("session", settings)
    try:
        wait_until(lambda: not job.active, job)
        assert job.status == "finished", job.error
        assert job.view().end_reason == "all 2 epochs done"
        assert [e["epoch"] for e in job.epochs] == [0, 1, 2]
        assert job.epochs[-1]["probes"][0]["attention"]
        assert manager.running() == 0 and job.has_checkpoint()

        entry = tsave.save_model(job.run_dir, "tiny-dot")
        assert entry.name == "user/tiny-dot" and entry.task == "reverse" and entry.scorer == "dot"
        assert (user_root() / "tiny-dot" / "probes.json").is_file()
        assert "user/tiny-dot" in [e.name for e in registry()]
        assert load_model("user/tiny-dot").greedy("abc").target_tokens
        with pytest.raises(tsave.SaveError, match="exists already"):
            tsave.save_model(job.run_dir, "tiny-dot")
        with pytest.raises(tsave.SaveError, match="letters, digits"):
            tsave.save_model(job.run_dir, "../escape")
        assert not (tmp_path / "escape").exists()
    finally:
        manager.shutdown()
    assert not job.folder.exists()


def test_saving_before_the_first_epoch_is_refused(tmp_path):
    with pytest.raises(tsave.SaveError, match="no trained model"):
        tsave.save_model(tmp_path / "empty-run", "early", root=tmp_path / "user")


def test_a_spawned_training_does_not_run_the_servers_main_script_again(tiny_tasks, tmp_path, monkeypatch):
    """Under Streamlit, __main__ is the page script: a child that ran it again would run the page bare,
    and every st call in it would write a "missing ScriptRunContext" warning to the server's log."""
    import sys
    import types

    marker = tmp_path / "ran-again"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the page ran in the training process')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    manager = tm.JobManager(max_jobs=1)
    settings = ts.JobSettings(task="reverse", scorer="dot", hidden_size=16, embedding_size=8, epochs=1, lr=1e-2)
    job = manager.start("session", settings)
    try:
        wait_until(lambda: not job.active, job)
        assert job.status == "finished", job.error
        assert sys.modules["__main__"] is page  # given back after the start
        assert not marker.exists()
    finally:
        manager.shutdown()
