"""bench.decode_speed --against: greedy decoding of two checkouts timed side by side in one process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import common, decode_speed
from seq2seq.registry import ModelEntry, default_root

ROOT = Path(__file__).resolve().parent.parent


def test_against_times_this_checkout_and_another_alternately_on_the_same_weights(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(default_root()))
    decode_speed.main_against(
        str(ROOT), [ModelEntry("reverse/general", "reverse/general", task="reverse")], repeats=6, threads=1
    )
    record = json.loads((tmp_path / "decode_speed-against.json").read_text())
    assert record["against"] == str(ROOT)
    (result,) = record["models"]
    assert result["model"] == "reverse/general"
    assert result["same_output"] is True  # the same code on the same weights decodes the same tokens
    assert result["current"]["n"] == result["baseline"]["n"] == 6
    assert result["current"]["median_ms"] > 0 and result["baseline"]["median_ms"] > 0
    expected = result["current"]["median_ms"] / result["baseline"]["median_ms"]
    assert result["ratio_of_medians"] == pytest.approx(expected)
    assert 1 < result["host_probe_us"] < 100_000  # µs of one 4000 x 256 product, not ms or seconds
    table = capsys.readouterr().out
    assert "| reverse/general |" in table and "| yes |" in table and "host probe µs |" in table


def test_each_model_row_says_how_busy_the_host_was(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    monkeypatch.setattr("sys.argv", ["decode_speed", "--models", "reverse/general", "--repeats", "5"])
    decode_speed.main()
    (result,) = json.loads((tmp_path / "decode_speed.json").read_text())["models"]
    assert result["output_tokens"] == 13  # "attention ok" reversed, then </s>
    assert {k: result[k]["n"] for k in ("step", "greedy")} == {"step": 5, "greedy": 5}
    assert 1 < result["host_probe_us"] < 100_000
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| reverse/general |"))
    assert row.rstrip(" |").rsplit("| ", 1)[-1] == f"{result['host_probe_us']:.0f}"  # the last column


def test_against_refuses_a_folder_that_is_not_a_checkout(tmp_path):
    with pytest.raises(SystemExit, match="not a checkout of this project"):
        decode_speed.baseline_checkpoint_module(str(tmp_path))
