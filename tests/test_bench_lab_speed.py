"""bench.lab_speed in its quick mode: the Lab's per-step importances and adversarial search, and the scorer
table, timed with the code the page and `python -m seq2seq lab` run (docs/performance.md has the full run)."""

from __future__ import annotations

import json

import torch

from bench import common, lab_speed


def test_the_quick_run_times_each_measure_and_writes_its_record(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    before = torch.get_num_threads()
    try:
        lab_speed.main(["--quick"])
    finally:
        torch.set_num_threads(before)
    record = json.loads((tmp_path / "lab_speed.json").read_text())
    assert record["quick"] is True
    steps = record["steps"]
    assert (steps["model"], steps["source_tokens"], steps["output_tokens"]) == ("en-fr/general", 13, 12)
    assert steps["importances"]["n"] == 3 and steps["adversarial"]["n"] == 3
    assert steps["importances_jain_wallace"]["n"] == 3
    assert all(32 <= steps["ig_points"][m]["median"] <= 1024 for m in ("signed", "jain-wallace"))
    assert 0 < steps["importances"]["median_ms"] <= steps["importances"]["p95_ms"]
    (table,) = record["tables"]
    assert (table["task"], table["n"], table["threads"]) == ("dates", 3, 1)
    assert list(table["per_model"])[:2] == ["dates/none", "dates/dot"] and table["seconds"] > 0
    out = capsys.readouterr().out
    assert "one step's importances, signed, IG to convergence (en-fr/general, 13 source positions)" in out
    assert "integrated gradients' points per step (median / max): signed " in out
    assert "| dates | 3 | 1 |" in out
