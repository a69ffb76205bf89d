"""AppTest of the scorer race: a tiny real race on the Train page (every scorer moves, Stop stops all),
saving it as a set and Compare offering the set, and the race in Chinese."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.i18n import _
from explorer.training import manager as tm
from explorer.training import settings as ts
from explorer.ui.train import state as train_state
from explorer.ui.train import trainings
from seq2seq.config import SCORERS
from seq2seq.registry import model_sets
from tests.i18n_fixtures import assert_chinese
from tests.train_fixtures import trained_registry, use_tiny_trainings

APP = Path(__file__).resolve().parent.parent / "app.py"
TIMEOUT = 60
# 10 steps of 64 pairs per epoch: every scorer validates (and draws its probe) every 10 of its steps.


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    use_tiny_trainings(tmp_path, monkeypatch)


@pytest.fixture
def manager(monkeypatch):
    manager = tm.JobManager(max_jobs=1)
    monkeypatch.setattr(trainings, "shared_manager", lambda: manager)
    yield manager
    manager.shutdown()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    return {e.proto.id or str(i): json.loads(e.proto.spec) for i, e in enumerate(at.get("plotly_chart"))}


def figure(at: AppTest, title: str) -> dict:
    for spec in charts(at).values():
        if ((spec["layout"].get("title") or {}).get("text")) == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def race_heatmaps(at: AppTest) -> int:
    return sum(1 for spec in charts(at).values() if spec["data"] and spec["data"][0]["type"] == "heatmap")


def poll(at: AppTest, until, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ok(at.run())
        if until(at):
            return
        time.sleep(0.3)
    raise AssertionError(f"never got there; last: {[e.value for e in [*at.info, *at.success, *at.warning]]}")


def start_race(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if lang:
        at.query_params["lang"] = lang
    at.switch_page("app_pages/6_Train.py").run()
    ok(at)
    at.selectbox(key="train_task").set_value("reverse")
    at.select_slider(key="race_hidden").set_value(16)
    at.select_slider(key="race_seconds").set_value(300)
    at.button(key="race_start").click().run()
    return ok(at)


def every_scorer_moved(at: AppTest) -> bool:
    """Each scorer has a loss point and a validation after epoch 0 (the curves have a series each)."""
    try:
        loss, valid = figure(at, _("training loss")), figure(at, _("validation"))
    except AssertionError:
        return False
    return all(len(t["x"]) >= 1 for t in loss["data"]) and all(len(t["x"]) >= 2 for t in valid["data"])


def test_a_race_moves_every_scorer_and_stop_stops_all_then_it_is_saved_as_a_set(manager):
    at = start_race()
    assert at.button(key="race_start").disabled and at.button(key="train_start").disabled
    job = manager.job(at.session_state[train_state.KEY].id)
    assert job.is_race and manager.running() == 1  # one training of the limit (max_jobs=1 here)
    with pytest.raises(tm.TrainingLimitError):
        manager.start("someone else", ts.JobSettings(task="reverse"))
    poll(at, every_scorer_moved)
    loss, valid = figure(at, "training loss"), figure(at, "validation")
    assert [t["name"] for t in loss["data"]] == list(SCORERS) == [t["name"] for t in valid["data"]]
    assert len({t["line"]["color"] for t in valid["data"]}) == len(SCORERS)  # one colour per scorer
    labels = [m.value for m in at.markdown if m.value.startswith("**")]
    assert labels[-len(SCORERS) :] == [f"**{s}**" for s in SCORERS]
    assert race_heatmaps(at) == sum(s != "none" for s in SCORERS)  # every scorer but none draws its probe
    assert "no attention" in [c.value for c in at.caption]

    at.button(key="train_stop").click().run()
    ok(at)
    poll(at, lambda at: bool(at.warning))  # the status line turns from info to warning
    job.process.join(20)
    assert not job.process.is_alive()
    assert at.warning and at.warning[0].value.startswith("**stopped** · race of reverse · stopped by the user")
    run = job.run_dir
    for scorer in SCORERS:  # every scorer's unfinished epoch was closed: a checkpoint each
        assert (run / scorer / "config.json").is_file(), scorer
    assert json.loads((run / "race.json").read_text())["reason"] == "stopped"

    assert at.subheader[-1].value == "Save this race"
    at.text_input(key="race_name").input("no spaces")
    at.button(key="FormSubmitter:race_save_form-Save").click().run()
    assert at.error[0].value.startswith("That cannot be a race's name.")
    at.text_input(key="race_name").input("class-a")
    at.button(key="FormSubmitter:race_save_form-Save").click().run()
    ok(at)
    assert at.success[-1].value == "Saved as **race/class-a**: pick it on the Compare page."
    (saved,) = model_sets()
    assert saved.models == {s: f"user/class-a-{s}" for s in SCORERS}

    compare = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    compare.switch_page("app_pages/2_Compare.py").run()
    ok(compare)
    compare.selectbox(key=next(k for k in ("cmp_task", "compare_task") if _has(compare, k))).set_value("reverse").run()
    source = compare.selectbox(key="cmp_source")
    assert source.options == ["the shipped models", "race/class-a (a race's models)"]
    assert source.value == ""  # the shipped models
    shipped = compare.dataframe[0].value
    source.set_value("race/class-a").run()
    ok(compare)
    raced = compare.dataframe[0].value
    names = ", ".join(f"user/class-a-{s}" for s in SCORERS)
    assert f"Saved from a race of the Train page: {names}." in [c.value for c in compare.caption]
    assert list(raced.iloc[:, 0]) == list(SCORERS)
    # none, dot and general come from the race now, not from the shipped models
    assert list(raced.iloc[:3, 2]) != list(shipped.iloc[:3, 2])


def _has(at: AppTest, key: str) -> bool:
    try:
        at.selectbox(key=key)
    except KeyError:
        return False
    return True


def test_the_race_in_chinese(manager):
    with i18n.using("zh"):
        at = start_race("zh")
        assert at.button(key="race_start").label == "所有打分函数赛跑"
        poll(at, every_scorer_moved)
        assert_chinese(at)
        at.button(key="train_stop").click().run()
        poll(
            at, lambda at: bool(at.subheader) and at.subheader[-1].value == "保存这场赛跑"
        )  # the save form, once stopped
        assert at.warning[0].value.startswith("**已停止** · reverse 赛跑")
        assert_chinese(at)


def test_timelapse_replays_each_scorer_of_a_race(manager, tmp_path):
    """The Timelapse page's "your training" splits a race's epochs by scorer: one history each."""
    import threading

    from tests.train_fixtures import FakeProcess

    scorers = ("none", "dot", "general")
    epochs = []
    for scorer in scorers:
        history = json.loads((trained_registry() / "reverse" / scorer / "probes.json").read_text())["epochs"]
        epochs += [{**entry, "scorer": scorer} for entry in history]
    job = tm.Job("me", ts.RaceSettings(scorers=scorers), tmp_path, FakeProcess(alive=False), threading.Event())
    job.status, job.epochs = "finished", epochs
    manager._jobs = {"me": job}
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state[train_state.KEY] = train_state.TrainTab(id="me")
    at.switch_page("app_pages/7_Timelapse.py").run()
    ok(at)
    at.radio(key="timelapse_origin").set_value("Your training").run()
    ok(at)
    panels = [m.value for m in at.markdown if m.value.startswith("**your ")]
    assert panels == [f"**your reverse/{scorer}** · epoch 2" for scorer in scorers]
