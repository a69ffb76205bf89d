"""AppTest of the Train and Timelapse pages: a tiny real training, Stop, Save, and scrubbing epochs."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from explorer import catalog
from explorer import training_jobs as tj
from seq2seq.checkpoint import load_model
from tests.app_fixtures import column_rows
from tests.train_fixtures import FakeProcess, fake_job, trained_registry

APP = Path(__file__).resolve().parent.parent / "app.py"
TIMEOUT = 60
# 10 steps of 64 pairs per epoch; no early stopping, so that only Stop (or the budget) ends a run.
TINY = {"train_size": 640, "valid_size": 16, "max_len": 32, "patience": 10_000}


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(trained_registry()))
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(tmp_path / "user"))
    monkeypatch.setattr(tj, "TASK_SETTINGS", {"reverse": TINY, "dates": TINY | {"max_len": 40}})
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def manager(monkeypatch):
    manager = tj.JobManager(max_jobs=2)
    monkeypatch.setattr(tj, "shared_manager", lambda: manager)
    yield manager
    manager.shutdown()


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures by title (the first word of it for heatmaps: 'attention', 'reverse/dot', ...)."""
    found = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = ((spec["layout"].get("title") or {}).get("text")) or ""
        found[title] = spec
    return found


def heatmaps(at: AppTest) -> list[dict]:
    """Single heatmaps (the Play animation, a figure with frames, is left out)."""
    specs = [json.loads(element.proto.spec) for element in at.get("plotly_chart")]
    return [s for s in specs if s["data"] and s["data"][0]["type"] == "heatmap" and not s.get("frames")]


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def train_page(**settings) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page("pages/6_Train.py").run()  # from app.py, so that page links resolve
    ok(at)
    at.selectbox(key="train_task").set_value("reverse")
    at.select_slider(key="train_hidden").set_value(16)
    at.select_slider(key="train_lr").set_value(1e-2)
    for key, value in settings.items():
        at.number_input(key=key).set_value(value)
    return at


def poll(at: AppTest, until, timeout: float = 60.0) -> list[dict]:
    """Rerun the page (as the fragment's timer would) until `until(at)`; the loss chart seen at each rerun."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        ok(at)
        seen.append(charts(at).get("training loss"))
        if until(at):
            return seen
        time.sleep(0.3)
    raise AssertionError(f"page never got there; last status: {[e.value for e in at.info + at.success]}")


def loss_points(spec: dict | None) -> int:
    return len(spec["data"][0]["x"]) if spec and spec["data"] else 0


def test_a_tiny_training_draws_its_curves_and_heatmap_as_it_goes(manager):
    at = train_page(train_epochs=3)
    at.button(key="train_start").click().run()
    ok(at)
    assert at.button(key="train_start").disabled and not at.button(key="train_stop").disabled
    seen = [charts(at).get("training loss")] + poll(at, lambda at: bool(at.success))  # "finished"
    counts = [loss_points(spec) for spec in seen]
    assert counts == sorted(counts) and counts[0] < counts[-1] == 3  # a point every 10 steps, 30 steps
    assert "finished" in at.success[0].value and at.success[0].value.endswith("· all 3 epochs done")
    figures = charts(at)
    assert len(figures["validation"]["data"][0]["x"]) == 4  # epochs 0..3
    assert figures["training loss"]["layout"]["shapes"][0]["x0"] == 30  # the marker sits on the last epoch
    (heatmap,) = heatmaps(at)
    assert heatmap["layout"]["title"]["text"] == "attention after epoch 3"
    assert len(heatmap["data"][0]["z"][0]) == len(heatmap["data"][0]["x"])
    assert at.selectbox(key="train_probe").value == "hello world"  # the sentence every page opens on
    assert len(heatmap["data"][0]["x"]) == len("hello world") + 1  # + </s>
    at.selectbox(key="train_probe").set_value("abc").run()
    assert len(heatmaps(at)[0]["data"][0]["x"]) == len("abc") + 1
    assert at.button(key="train_start").disabled is False


def test_stop_then_save_gives_a_model_every_page_can_load(manager):
    at = train_page(train_epochs=500)
    at.button(key="train_start").click().run()
    poll(at, lambda at: any(e["epoch"] >= 1 for e in manager.job(at.session_state["train_session"]).epochs))
    at.button(key="train_stop").click().run()
    poll(at, lambda at: bool(at.warning))  # "stopped"
    assert "stopped by the user" in at.warning[0].value
    assert manager.running() == 0

    at.text_input(key="train_name").input("no spaces please")
    at.button(key="FormSubmitter:train_save_form-Save").click().run()
    assert "letters, digits" in at.error[0].value
    at.text_input(key="train_name").input("my-reverse")
    at.button(key="FormSubmitter:train_save_form-Save").click().run()
    ok(at)
    assert "user/my-reverse" in at.success[-1].value
    assert "user/my-reverse" in [e.name for e in catalog.entries()]
    assert load_model("user/my-reverse").greedy("abc").output is not None


def test_the_limit_is_explained_on_the_page(manager, tmp_path):
    manager.max_jobs = 1
    manager._jobs = {"someone else": fake_job(tmp_path, "other")}
    at = train_page()
    at.button(key="train_start").click().run()
    ok(at)
    assert "already running on this server" in at.error[0].value
    assert manager.job(at.session_state["train_session"]) is None


def titles(at: AppTest) -> list[str]:
    """The heading above each timelapse panel ("**dot** · epoch 2")."""
    return [m.value for m in at.markdown if " · epoch " in m.value]


def timelapse(**session) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page("pages/7_Timelapse.py").run()
    ok(at)
    return at


def test_scrubbing_epochs_changes_every_heatmap_and_moves_the_marker():
    at = timelapse()
    shown = heatmaps(at)
    assert len(shown) == 2  # dot and general; "none" has no attention
    assert at.selectbox(key="tl_probe").value == "hello world"  # the sentence every page opens on
    assert titles(at) == ["**none** · epoch 2", "**dot** · epoch 2", "**general** · epoch 2"]
    assert any("No attention to draw" in c.value for c in at.caption)
    slider = at.select_slider(key="tl_epoch_Shipped models_reverse")
    assert slider.value == 2
    slider.set_value(0).run()
    ok(at)
    scrubbed = heatmaps(at)
    assert titles(at) == ["**none** · epoch 0", "**dot** · epoch 0", "**general** · epoch 0"]
    for before, after in zip(shown, scrubbed, strict=True):
        assert before["data"][0]["z"] != after["data"][0]["z"]
    assert charts(at)["training loss"]["layout"]["shapes"][0]["x0"] == 0
    at.toggle(key="tl_play").set_value(True).run()
    ok(at)
    animation = next(spec for spec in charts(at).values() if spec.get("frames"))
    assert [f["name"] for f in animation["frames"]] == ["0", "1", "2"]
    at.selectbox(key="tl_task").set_value("dates").run()
    ok(at)
    assert titles(at) == ["**general** · epoch 2"] and len(heatmaps(at)) == 1


def panel_rows(node) -> list[list[str]]:
    """The timelapse panels' titles row by row: one list per st.columns row that holds any."""
    rows = [
        [e.value for column in row for e in column if e.type == "markdown" and " · epoch " in e.value]
        for row in column_rows(node)
    ]
    return [row for row in rows if row]


def test_timelapse_panels_line_up_row_by_row():
    """Each row of panels is its own st.columns, so a short panel (none) does not pull the next up."""
    at = timelapse(presentation=True)  # two per row on a projector
    assert panel_rows(at.main) == [["**none** · epoch 2", "**dot** · epoch 2"], ["**general** · epoch 2"]]
    assert len(heatmaps(at)) == 2


def test_timelapse_of_a_saved_model_and_of_this_sessions_training(manager, tmp_path):
    tj.save_model(trained_registry() / "reverse" / "dot", "saved-dot")
    at = timelapse()
    at.radio(key="tl_origin").set_value("A saved model").run()
    ok(at)
    assert at.selectbox(key="tl_model").value == "user/saved-dot"
    assert titles(at) == ["**user/saved-dot** · epoch 2"] and len(heatmaps(at)) == 1

    history = json.loads((trained_registry() / "reverse" / "general" / "probes.json").read_text())["epochs"]
    settings = tj.JobSettings(task="reverse", scorer="general")
    job = tj.Job("me", settings, tmp_path, FakeProcess(alive=False), threading.Event())
    job.status, job.epochs = "finished", history
    manager._jobs = {"me": job}
    at = timelapse(train_session="me", tl_origin="Your training")
    assert titles(at) == ["**your reverse/general** · epoch 2"] and len(heatmaps(at)) == 1

    job.status, job.process = "running", FakeProcess(alive=True)  # still training: the page keeps it alive
    job.last_heartbeat = 0.0
    at = timelapse(train_session="me", tl_origin="Your training")
    assert job.last_heartbeat > 0.0 and any("Still training" in c.value for c in at.caption)
