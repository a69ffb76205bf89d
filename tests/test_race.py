"""The scorer race (seq2seq.race): the referee's stop and first-to-pass logic, the interleaved loop on a tiny
real training with scripted validation scores, the views' split by scorer, and saving a race as a set."""

from __future__ import annotations

import json
import math

import pytest

import seq2seq.trainer as trainer_module
from explorer.training import saving as tsave
from explorer.training import settings as ts
from explorer.views import race as race_view
from seq2seq.config import TrainConfig
from seq2seq.race import ALL_PASSED, BUDGET, RACE_JSON, STOPPED, Pass, Referee, race
from seq2seq.registry import model_sets, registry

# The scorers these tests race and script, in race order: a scorer added to the library changes none of them.
RACED = ("none", "dot", "general", "concat", "scaled_dot", "location")


# -- the referee ---------------------------------------------------------------------------------------
def test_the_referee_waits_for_every_scorer_with_attention_and_names_the_first():
    referee = Referee(RACED, bar=0.95)
    assert referee.contenders == ["dot", "general", "concat", "scaled_dot", "location"]
    assert referee.record("dot", 0.94, 100, 3.0, 20.0) is None  # below the bar
    assert referee.record("general", 0.95, 200, 6.5, 41.0) == Pass("general", 200, 6.5, 41.0, 0.95)
    assert referee.record("general", 0.99, 300, 9.0, 60.0) is None  # passes once
    assert referee.record("none", float("nan"), 300, 9.0, 60.0) is None  # NaN never passes
    assert referee.racing() == ["none", "dot", "concat", "scaled_dot", "location"]  # general stopped
    for scorer in ("dot", "concat", "scaled_dot"):
        referee.record(scorer, 0.96, 300, 9.0, 61.0)
    assert not referee.done() and referee.first().scorer == "general"
    referee.record("location", 1.0, 400, 12.0, 80.0)
    assert referee.done() and referee.racing() == ["none"]
    assert referee.first() == Pass("general", 200, 6.5, 41.0, 0.95)


def test_a_tie_in_steps_goes_to_fewer_own_seconds_then_to_the_race_order():
    referee = Referee(["dot", "general", "concat"], bar=0.5)
    referee.record("concat", 0.6, 100, 4.0, 30.0)
    referee.record("general", 0.7, 100, 3.5, 29.0)
    assert referee.first().scorer == "general"
    referee.record("dot", 0.6, 100, 3.5, 28.0)
    assert referee.first().scorer == "dot"  # same steps and seconds as general: earlier in the order
    assert race_view.first_to_pass([{"scorer": s, **vars(p)} for s, p in referee.passed.items()],
                                   ["dot", "general", "concat"]) == "dot"  # fmt: skip


def test_a_race_without_contenders_is_never_done_by_passing():
    referee = Referee(["none"], bar=0.0)
    referee.record("none", 1.0, 10, 1.0, 1.0)
    assert referee.contenders == [] and not referee.done()


# -- the loop ------------------------------------------------------------------------------------------
def tiny(tmp_path, **overrides) -> TrainConfig:
    """Reverse with 2 steps of 64 pairs per epoch, a model of hidden size 16."""
    settings = dict(task="reverse", hidden_size=16, embedding_size=8, batch_size=64, lr=1e-2, train_size=128,
                    valid_size=8, max_len=32, threads=1, epochs=500, out=str(tmp_path / "race"))  # fmt: skip
    return TrainConfig(**(settings | overrides))


@pytest.fixture
def scripted(monkeypatch):
    """Validation scores by scorer, one per validation (epoch 0 first), then the last repeated.

    The race's translators are named after their folder, <out>/<scorer>: the fake knows whose it is."""
    scores = {
        "none": [0.0, 0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3],
        "dot": [0.0, 0.5, 0.96],  # passes at its 2nd epoch: step 4
        "general": [0.0, 0.97],  # passes at its 1st epoch: step 2, first
        "concat": [0.0, 0.2, 0.5, 0.95],  # step 6, the last to pass
        "scaled_dot": [0.0, 0.99],  # step 2 too: a tie with general, decided by own seconds
        "location": [0.0, 0.3, 0.96],  # step 4
    }
    calls = {s: 0 for s in scores}

    def validate(translator, data):
        name = translator.name
        value = scores[name][min(calls[name], len(scores[name]) - 1)]
        calls[name] += 1
        return {"exact_match": value}

    monkeypatch.setattr(trainer_module, "validate", validate)
    return calls


def test_the_race_steps_each_scorer_in_turn_and_stops_when_every_attention_scorer_passed(tmp_path, scripted):
    events = []
    summary = race(tiny(tmp_path), RACED, bar=0.95, max_seconds=0, callback=events.append, probe_every=2)
    assert summary["reason"] == ALL_PASSED
    # each scorer stops training once it has passed; none trains until the last contender passed
    assert summary["steps"] == {"none": 6, "dot": 4, "general": 2, "concat": 6, "scaled_dot": 2, "location": 4}
    assert {s: p["steps"] for s, p in summary["passed"].items()} == {
        "general": 2, "scaled_dot": 2, "dot": 4, "location": 4, "concat": 6}  # fmt: skip
    passes = [e for e in events if e["type"] == "passed"]
    tie = [p for p in passes if p["steps"] == 2]
    expected = min(tie, key=lambda p: (p["seconds"], RACED.index(p["scorer"])))["scorer"]
    assert summary["first"] == expected and expected in ("general", "scaled_dot")
    assert race_view.first_to_pass(passes, RACED) == summary["first"]
    # interleaved: the first step of every scorer before anyone's second (events every 10 steps: use epochs)
    epochs = [(e["scorer"], e["epoch"]) for e in events if e["type"] == "epoch"]
    assert epochs[:6] == [(s, 0) for s in RACED]
    assert epochs[6:12] == [(s, 1) for s in RACED]
    assert json.loads((tmp_path / "race" / RACE_JSON).read_text())["first"] == summary["first"]
    for scorer in RACED:  # every scorer's folder is a checkpoint
        assert (tmp_path / "race" / scorer / "config.json").is_file()
    assert scripted["none"] == 4  # epoch 0 and three epochs: no validation after it stopped


def test_the_budget_and_a_stop_end_the_race_and_close_each_unfinished_epoch(tmp_path, scripted):
    ticks = iter(range(10_000))
    summary = race(tiny(tmp_path, train_size=640), RACED, bar=0.95, max_seconds=30, clock=lambda: float(next(ticks)))
    assert summary["reason"] == BUDGET and 30 <= summary["seconds"] < 60  # the clock ticks once a call
    # epoch 1 (10 steps) closed at 16 + 10 ticks; general and scaled_dot passed there, the rest ran out of time
    assert summary["steps"] == {s: 10 for s in RACED} and set(summary["passed"]) == {"general", "scaled_dot"}
    scripted.update(dict.fromkeys(scripted, 0))  # the scores start again
    asked = iter([False, False, True])
    summary = race(tiny(tmp_path, train_size=640, out=str(tmp_path / "stopped")), RACED, bar=0.95, max_seconds=0,
                   should_stop=lambda: next(asked, True))  # fmt: skip
    # the closing validation (each scorer's second) still counts: general and scaled_dot pass there
    assert summary["reason"] == STOPPED and set(summary["passed"]) == {"general", "scaled_dot"}
    assert summary["steps"] == {s: 2 for s in RACED}  # two rounds, then the Stop
    for scorer in RACED:  # the Stop closed each unfinished epoch: validated and saved
        probes = json.loads((tmp_path / "stopped" / scorer / "probes.json").read_text())["epochs"]
        assert [e["epoch"] for e in probes] == [0, 1] and probes[1]["steps"] == 2


# -- the views -----------------------------------------------------------------------------------------
def test_the_views_split_a_race_by_scorer():
    steps = [
        {"scorer": "dot", "step": 10, "loss": 2.0},
        {"scorer": "none", "step": 10, "loss": 3.0, "probe": {"source": "ab", "attention": None, "output": "x"}},
        {"scorer": "dot", "step": 20, "loss": 1.5, "probe": {"source": "ab", "attention": [[1.0]], "output": "ba"}},
    ]
    epochs = [
        {"scorer": "dot", "steps": 0, "valid": {"exact_match": 0.0}, "probes": [{"source": "ab", "output": "?"}]},
        {"scorer": "dot", "steps": 30, "valid": {"exact_match": 0.97}, "probes": [{"source": "ab", "output": "ba!"}]},
    ]
    assert race_view.loss_series(steps, ["none", "dot"]) == {"none": ([10], [3.0]), "dot": ([10, 20], [2.0, 1.5])}
    assert race_view.valid_series(epochs, ["none", "dot"], "exact_match") == {
        "none": ([], []), "dot": ([0, 30], [0.0, 0.97])}  # fmt: skip
    assert race_view.latest_probe(steps, epochs, "dot", "ab")["output"] == "ba!"  # the epoch at step 30 is newer
    assert race_view.latest_probe(steps, epochs[:1], "dot", "ab")["output"] == "ba"
    passes = [{"scorer": "dot", "steps": 30, "seconds": 1.0, "race_seconds": 5.0}]
    rows = race_view.standings(steps, epochs, passes, {"scorers": ["none", "dot"], "contenders": ["dot"]},
                               "exact_match")  # fmt: skip
    assert [(r.scorer, r.steps, r.best, r.contender, bool(r.passed_at)) for r in rows] == [
        ("none", 10, None, False, False), ("dot", 30, 0.97, True, True)]  # fmt: skip


# -- saving a race as a set ----------------------------------------------------------------------------
def test_a_race_is_saved_as_one_model_per_scorer_and_a_set(tmp_path, scripted, monkeypatch):
    root = tmp_path / "user"
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(root))
    summary = race(tiny(tmp_path), RACED, bar=0.95, max_seconds=0)
    with pytest.raises(tsave.SaveError, match="cannot be a race's name"):
        tsave.save_race(tmp_path / "race", "../escape", root=root)
    with pytest.raises(tsave.SaveError, match="cannot be a race's name"):
        tsave.save_race(tmp_path / "race", "x" * 30, root=root)  # user/<30 x>-scaled_dot would pass 40
    saved = tsave.save_race(tmp_path / "race", "class-1", summary["first"], root=root)
    assert saved.name == "race/class-1" and saved.task == "reverse" and saved.first == summary["first"]
    assert saved.models == {s: f"user/class-1-{s}" for s in RACED}
    names = {e.name: e for e in registry(root)}
    assert {f"user/class-1-{s}" for s in RACED} <= set(names)
    assert names["user/class-1-location"].scorer == "location"
    assert model_sets(root) == [saved]
    with pytest.raises(tsave.SaveError, match="exists already"):
        tsave.save_race(tmp_path / "race", "class-1", root=root)
    assert len(model_sets(root)) == 1


def test_a_set_lists_only_registered_models(tmp_path, monkeypatch):
    root = tmp_path / "user"
    root.mkdir()
    (root / "sets.json").write_text(json.dumps({"sets": [
        {"name": "race/x", "task": "reverse", "models": {"dot": "user/nope", "general": "../../etc"}},
        "junk", {"name": 3},
    ]}))  # fmt: skip
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(root))
    assert model_sets(root) == []
    (root / "sets.json").write_text("{broken")
    assert model_sets(root) == []


def test_race_settings_are_checked():
    with pytest.raises(ts.SettingsError, match="seconds"):
        ts.RaceSettings(seconds=0).check(["reverse"])
    with pytest.raises(ts.SettingsError, match="unknown scorer"):
        ts.RaceSettings(scorers=("dot", "magic")).check(["reverse"])
    ts.RaceSettings().check(["reverse"])
    assert ts.task_bar("reverse") == 0.95 and ts.task_bar("en-fr") is None
    assert not math.isnan(ts.RaceSettings().lr)
