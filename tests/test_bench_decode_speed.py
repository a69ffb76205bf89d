"""bench.decode_speed --against: greedy decoding of two checkouts timed side by side in one process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import common, decode_speed
from seq2seq.checkpoint import default_root

ROOT = Path(__file__).resolve().parent.parent


def test_against_times_this_checkout_and_another_alternately_on_the_same_weights(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(default_root()))
    decode_speed.main_against(str(ROOT), [{"name": "reverse/general", "task": "reverse"}], repeats=6, threads=1)
    record = json.loads((tmp_path / "decode_speed-against.json").read_text())
    assert record["against"] == str(ROOT)
    (result,) = record["models"]
    assert result["model"] == "reverse/general"
    assert result["same_output"] is True  # the same code on the same weights decodes the same tokens
    assert result["current"]["n"] == result["baseline"]["n"] == 6
    assert result["current"]["median_ms"] > 0 and result["baseline"]["median_ms"] > 0
    expected = result["current"]["median_ms"] / result["baseline"]["median_ms"]
    assert result["ratio_of_medians"] == pytest.approx(expected)
    table = capsys.readouterr().out
    assert "| reverse/general |" in table and "| yes |" in table


def test_against_refuses_a_folder_that_is_not_a_checkout(tmp_path):
    with pytest.raises(SystemExit, match="not a checkout of this project"):
        decode_speed.baseline_checkpoint_module(str(tmp_path))
