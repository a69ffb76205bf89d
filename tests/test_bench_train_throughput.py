"""bench.train_throughput: the shipped or the Train page's settings, and --against another checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import common, train_throughput
from explorer.training.settings import JobSettings

ROOT = Path(__file__).resolve().parent.parent


def test_page_settings_time_the_train_pages_default_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    train_throughput.main(["--quick", "--tasks", "reverse", "--settings", "page", "--threads", "1"])
    (result,) = json.loads((tmp_path / "train_throughput-page-quick.json").read_text())["tasks"]
    page = JobSettings(task="reverse")
    assert result["settings"]["scorer"] == page.scorer == "dot"
    assert result["settings"]["embedding_size"] == page.embedding
    assert result["settings"]["hidden_size"] == page.hidden_size
    assert result["step"]["n"] == 3 and result["pairs_per_s"] > 0
    assert "| reverse | emb 32, biGRU 128" in capsys.readouterr().out


def test_against_alternates_two_checkouts_on_the_same_batches(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    train_throughput.main(
        ["--tasks", "dates", "--steps", "4", "--warmup", "1", "--threads", "1", "--against", str(ROOT)]
    )
    record = json.loads((tmp_path / "train_throughput-against.json").read_text())
    assert record["against"] == str(ROOT) and record["settings"] == "shipped"
    (result,) = record["tasks"]
    assert result["task"] == "dates" and result["settings"]["scorer"] == "general"
    assert result["current"]["n"] == result["baseline"]["n"] == 4
    expected = result["current"]["median_ms"] / result["baseline"]["median_ms"]
    assert result["ratio_of_medians"] == pytest.approx(expected)
    assert "| dates | general, emb 64, hidden 128 |" in capsys.readouterr().out


def test_against_refuses_a_folder_that_is_not_a_checkout(tmp_path):
    with pytest.raises(SystemExit, match="not a checkout of this project"):
        common.import_baseline(str(tmp_path), "train")


def test_each_checkout_is_imported_once_under_a_name_of_its_own(tmp_path):
    other = tmp_path / "other"
    (other / "seq2seq").mkdir(parents=True)
    for name in ("__init__.py", "decoding.py", "config.py"):
        (other / "seq2seq" / name).write_text("ORIGIN = 'other'\n" if name == "config.py" else "")
    ours = common.import_baseline(str(ROOT), "config")
    theirs = common.import_baseline(str(other), "config")
    assert theirs.ORIGIN == "other" and not hasattr(ours, "ORIGIN")  # not the first copy again
    assert common.import_baseline(str(ROOT), "config") is ours
