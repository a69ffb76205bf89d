"""Timelapse logic and figures: histories from probes.json, picking epochs and probes, curves, animation."""

from __future__ import annotations

import json
import math

import pytest

from explorer.figures import curves, heatmaps
from explorer.views import timelapse as timelapse_view
from tests.train_fixtures import trained_registry


def probe(source: str, weight: float, rows: int = 2) -> dict:
    tokens = list(source) + ["</s>"]
    row = [weight] + [(1 - weight) / (len(tokens) - 1)] * (len(tokens) - 1)
    return {
        "source": source,
        "source_tokens": tokens,
        "target_tokens": ["x"] * rows,
        "output": "x",
        "attention": [row] * rows,
    }


def record(epoch: int, loss, em: float, weight: float) -> dict:
    return {
        "epoch": epoch,
        "loss": loss,
        "valid": {"exact_match": em},
        "steps": 10 * epoch,
        "probes": [probe("ab", weight), probe("cd", weight)],
    }


def no_attention(epoch: int, loss, em: float) -> dict:
    return {**record(epoch, loss, em, 0.0), "probes": [{**probe("ab", 0.0), "attention": None}]}


HISTORIES = {
    "dot": [record(0, None, 0.0, 0.4), record(1, 1.5, 0.5, 0.7), record(2, 0.5, 0.9, 0.9)],
    "none": [no_attention(0, None, 0.0), no_attention(1, 2.0, 0.1)],
}


def test_epochs_records_and_probes_are_picked_by_number():
    assert timelapse_view.epoch_numbers(HISTORIES) == [0, 1, 2]
    assert timelapse_view.record_at(HISTORIES["dot"], 1)["epoch"] == 1
    assert timelapse_view.record_at(HISTORIES["none"], 2)["epoch"] == 1  # stopped early: stays at its last epoch
    assert timelapse_view.record_at([], 3) is None
    assert timelapse_view.probe_sources(HISTORIES) == ["ab", "cd"]
    assert timelapse_view.probe_for(HISTORIES["dot"][2], "cd")["attention"][0][0] == 0.9
    assert timelapse_view.probe_for(HISTORIES["dot"][2], "zz") is None and timelapse_view.probe_for(None, "ab") is None
    assert timelapse_view.metric_name(HISTORIES) == "exact_match"
    assert timelapse_view.metric_name({"m": [{"epoch": 0, "valid": {"bleu": 3.0, "chrf": 20.0}}]}) == "bleu"


def test_the_page_opens_on_the_probe_every_page_opens_on():
    reverse = ["a", "abc", "hello world", "racecar"]
    assert timelapse_view.default_probe_index(reverse, "reverse") == 2  # "hello world", not the one-cell "a"
    assert timelapse_view.default_probe_index(["9 may 2018", "Wednesday, May 9, 2018"], "dates") == 1
    assert timelapse_view.default_probe_index(["ab", "cd"], "reverse") == 0  # not probed: the first
    assert timelapse_view.default_probe_index(["ab", "cd"], None) == 0  # a saved model: task unknown here


def test_series_leave_gaps_for_missing_losses():
    losses, metrics = timelapse_view.epoch_series(HISTORIES, "exact_match")
    assert losses["dot"] == ([0, 1, 2], [None, 1.5, 0.5])
    assert metrics["none"] == ([0, 1], [0.0, 0.1])
    assert (
        timelapse_view.number(float("nan")) is None
        and timelapse_view.number(True) is None
        and timelapse_view.number(2) == 2.0
    )


def test_live_series_put_steps_and_epochs_on_one_axis():
    steps = [{"step": 10, "loss": 2.0, "seconds": 1.0}, {"step": 20, "loss": 1.0, "seconds": 2.0}]
    loss, valid = timelapse_view.live_series(steps, HISTORIES["dot"], "exact_match")
    assert loss["training loss"] == ([10, 20], [2.0, 1.0])
    assert loss["epoch mean"] == ([10, 20], [1.5, 0.5])  # epoch 0 has no loss
    assert valid["validation exact_match"] == ([0, 10, 20], [0.0, 0.5, 0.9])


def test_read_history_sorts_and_survives_broken_files(tmp_path):
    path = tmp_path / "probes.json"
    path.write_text(json.dumps({"epochs": [record(1, 1.0, 0.2, 0.5), record(0, None, 0.0, 0.3), "junk"]}))
    assert [r["epoch"] for r in timelapse_view.read_history(path)] == [0, 1]
    path.write_text("{broken")
    assert timelapse_view.read_history(path) == []
    assert timelapse_view.read_history(tmp_path / "missing.json") == []


def test_a_fine_tuned_models_epochs_after_its_first_stage_say_so(tmp_path):
    path = tmp_path / "probes.json"
    epochs = [record(e, 1.0, 0.1 * e, 0.5) for e in range(4)]
    path.write_text(json.dumps({"first_stage_epochs": 1, "epochs": epochs}))
    assert [r.get("fine_tuned_after") for r in timelapse_view.read_history(path)] == [None, None, 1, 1]
    path.write_text(json.dumps({"first_stage_epochs": "1", "epochs": epochs}))  # not a number: no stage said
    assert all("fine_tuned_after" not in r for r in timelapse_view.read_history(path))


def test_the_shipped_zh_en_timelapse_runs_through_its_stages():
    """zh-en/general: the epochs 0..B up to the first round's chosen weights (from noise on the corpus, then the
    dictionary and the names stage; B is the first round's `average` entry), the three epochs of the second
    round's ending marked B + 1..B + 3, then one for the weights chosen (`average`)."""
    history = timelapse_view.model_history("zh-en/general")
    start = next(r["fine_tuned_after"] for r in history if "fine_tuned_after" in r)
    assert [r["epoch"] for r in history] == list(range(start + 5))
    assert [r["epoch"] for r in history if "fine_tuned_after" in r] == list(range(start + 1, start + 5))
    assert [r["epoch"] for r in history if r.get("average")] == [start, start + 4]
    assert timelapse_view.probe_for(history[-1], "我爱你。")["output"] == "I love you."


def test_curves_have_one_trace_per_series_and_an_epoch_marker():
    losses, _ = timelapse_view.epoch_series(HISTORIES, "exact_match")
    figure = curves.curves(losses, "loss", "epoch", "loss", marker_x=1, marker_label="epoch 1")
    assert [t.name for t in figure.data] == ["dot", "none"]
    assert len(figure.data[0].x) == 3
    assert figure.layout.shapes[0].x0 == 1
    with pytest.raises(ValueError, match="2 y values"):
        curves.curves({"bad": ([1, 2, 3], [1, 2])}, "t", "x", "y")


def test_probe_heatmap_shows_weights_and_none_for_no_attention():
    figure = heatmaps.probe_heatmap(probe("ab", 0.8), title="t")
    assert figure.data[0].z[0][0] == 0.8
    assert heatmaps.probe_heatmap({**probe("ab", 0.8), "attention": None}) is None


def test_the_animation_has_a_frame_per_epoch_with_that_epochs_weights():
    epochs = timelapse_view.epoch_numbers(HISTORIES)
    panels = timelapse_view.animation_panels(HISTORIES, "ab", epochs)
    figure = heatmaps.timelapse_animation(panels, epochs)
    assert [f.name for f in figure.frames] == ["0", "1", "2"]
    assert len(figure.data) == 1  # "none" has no attention to draw
    assert [f.data[0].z[0][0] for f in figure.frames] == [0.4, 0.7, 0.9]
    assert figure.layout.sliders[0].active == 0 and figure.data[0].z[0][0] == 0.4  # Play starts at epoch 0
    with pytest.raises(ValueError, match="no panel"):
        heatmaps.timelapse_animation({"none": panels["none"]}, epochs)


def test_shipped_histories_come_from_the_registry_in_scorer_order(monkeypatch):
    root = trained_registry()
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(root))
    assert timelapse_view.shipped_tasks() == ["reverse", "dates"]
    histories = timelapse_view.shipped_histories("reverse")
    assert list(histories) == ["none", "dot", "general"]
    assert [r["epoch"] for r in histories["dot"]] == [0, 1, 2]
    assert timelapse_view.probe_sources(histories)[:2] == ["a", "abc"]
    first, last = (
        timelapse_view.probe_for(timelapse_view.record_at(histories["dot"], e), "abc")["attention"] for e in (0, 2)
    )
    assert not math.isclose(first[0][0], last[0][0])  # training moved the weights
    assert timelapse_view.model_history("no/such-model") == []
