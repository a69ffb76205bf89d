"""The training-speed benchmark in its quick mode (CI): it runs the Train page's own defaults.

`python bench/train_speed.py --quick` trains each task for 10 steps on tiny data; the real
measurement (docs/performance.md, "Training in the browser") is the same code with the full settings.
"""

from __future__ import annotations

import json

from bench import train_speed
from explorer.training.settings import JobSettings, embedding_size_for


def test_train_speed_quick_runs_the_page_defaults_and_writes_its_record(tmp_path, capsys):
    assert train_speed.main(["--quick", "--out", str(tmp_path)]) in (None, 0)
    (path,) = tmp_path.glob("train_speed-*-quick.json")
    record = json.loads(path.read_text())
    assert record["quick"] is True
    assert [r["task"] for r in record["results"]] == ["reverse", "dates"]
    defaults = JobSettings()
    for result in record["results"]:
        settings = result["settings"]
        assert (settings["scorer"], settings["hidden_size"], settings["embedding_size"]) == (
            defaults.scorer,
            defaults.hidden_size,
            embedding_size_for(defaults.hidden_size),
        )
        assert (settings["lr"], settings["batch_size"], settings["threads"]) == (defaults.lr, defaults.batch_size, 1)
        steps = [point["steps"] for point in result["curve"]]
        assert steps[0] == 0 and steps[-1] == 10 and steps == sorted(steps)  # validated after each tiny epoch
        assert all(0.0 <= point["exact_match"] <= 1.0 for point in result["curve"])
        assert result["training_s"] > 0 and result["pairs_per_s"] > 0
    table = capsys.readouterr().out
    assert "| reverse | 0 | 30 s |" in table and "| dates | 0 | 60 s |" in table


def test_race_quick_runs_the_pages_race_and_writes_its_record(tmp_path, capsys):
    from bench import race as race_bench
    from explorer.training.settings import RaceSettings
    from seq2seq.config import SCORERS

    assert race_bench.main(["--quick", "--seeds", "0", "--out", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("race-*-quick.json")
    (race,) = json.loads(path.read_text())["races"]
    assert race["scorers"] == list(SCORERS) and race["reason"] in ("budget", "all passed")
    defaults = RaceSettings()
    assert (race["settings"]["hidden_size"], race["settings"]["lr"], race["settings"]["threads"]) == (
        defaults.hidden_size, defaults.lr, 1)  # fmt: skip
    assert {point["scorer"] for point in race["curve"]} == set(SCORERS)  # every scorer validated (epoch 0 at least)
    table = capsys.readouterr().out
    assert all(f"| {scorer} | " in table for scorer in SCORERS)
