"""seq2seq/registry.py: the manifest entry is a typed record, read and written there only."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from seq2seq.registry import (
    MANIFEST_FILE,
    CheckpointError,
    Headline,
    ModelEntry,
    is_registered,
    register,
    registry,
    resolve,
    write_manifest,
)

ROOT = Path(__file__).resolve().parent.parent
PRETRAINED = ROOT / "pretrained"


def test_the_shipped_manifest_reads_and_writes_back_byte_for_byte(tmp_path):
    entries = registry(PRETRAINED)
    assert entries and all(isinstance(e, ModelEntry) for e in entries)
    general = next(e for e in entries if e.name == "dates/general")
    assert (general.task, general.scorer, general.cell, general.path) == ("dates", "general", "gru", "dates/general")
    assert general.metric.name == "exact_match" and general.metric.split == "test" and "gold_mass" in general.test
    write_manifest(entries, tmp_path)
    assert (tmp_path / MANIFEST_FILE).read_text() == (PRETRAINED / MANIFEST_FILE).read_text()


def test_a_saved_model_entry_round_trips():
    entry = ModelEntry(
        name="user/mine", path="mine", task="dates", scorer="dot", cell="lstm", parameters=1234,
        metric=Headline("exact_match", None, "valid"), source="train page", saved="2026-11-23 16:00:00",
        settings={"hidden_size": 64}, epochs_run=3, training_seconds=12.5,
    )  # fmt: skip
    assert entry.is_user and not ModelEntry("dates/dot", "dates/dot").is_user
    data = entry.to_dict()
    assert data["metric"] == {"name": "exact_match", "value": None, "split": "valid"}
    assert "test" not in data and "best_epoch" not in data  # unset fields are not written
    assert ModelEntry.from_dict(json.loads(json.dumps(data))) == entry


def test_a_hand_written_entry_is_read_leniently_and_keeps_what_it_does_not_know():
    entry = ModelEntry.from_dict(
        {"name": "x/y", "path": "x/y", "parameters": "many", "cell": 3, "metric": {"name": "bleu", "value": "high"},
         "test": [1], "training_seconds": float("nan"), "note": "mine"}
    )  # fmt: skip
    assert (entry.parameters, entry.cell, entry.test, entry.training_seconds) == (0, "gru", {}, None)
    assert entry.metric == Headline("bleu", None) and entry.extra == {"note": "mine"}
    assert entry.to_dict()["note"] == "mine"


@pytest.mark.parametrize("models", [[{"path": "x"}], [{"name": "x", "path": 3}], ["x"], {"name": "x"}])
def test_a_manifest_without_names_and_paths_is_refused(tmp_path, models):
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"models": models}))
    with pytest.raises(CheckpointError, match=r'expected \{"models"'):
        registry(tmp_path)


def test_register_adds_or_replaces_by_name(tmp_path):
    (tmp_path / "a").mkdir()
    register({"name": "t/a", "path": "a", "task": "t"}, tmp_path)  # a mapping is read as an entry first
    register(ModelEntry("t/b", "b", task="t"), tmp_path)
    register(ModelEntry("t/a", "a", task="t", scorer="dot"), tmp_path)
    assert [(e.name, e.scorer) for e in registry(tmp_path)] == [("t/b", ""), ("t/a", "dot")]
    assert is_registered("t/a", tmp_path) and not is_registered("a", tmp_path)
    assert resolve("t/a", tmp_path) == (tmp_path / "a").resolve()
    with pytest.raises(CheckpointError, match="unknown model 'a'"):
        resolve("a", tmp_path)  # a folder's name is not a model's name


def test_only_the_registry_reads_or_writes_a_manifest():
    found = []
    for folder in ("seq2seq", "explorer", "scripts", "app_pages", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "seq2seq" / "registry.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                    if node.slice.value == "models":
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(node, ast.Constant) and node.value == MANIFEST_FILE:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "manifests are read and written by seq2seq/registry.py only: " + ", ".join(found)
