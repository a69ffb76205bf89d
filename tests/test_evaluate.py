"""`evaluate` on tiny models trained here: the metrics a model card reports, and their bounds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import TrainConfig
from seq2seq.evaluate import evaluate, forced_attention
from seq2seq.tasks import get_task
from seq2seq.train import train

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dates_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    folders = {}
    for scorer in ("general", "none"):
        cfg = TrainConfig(
            task="dates",
            scorer=scorer,
            train_size=512,
            valid_size=32,
            hidden_size=32,
            embedding_size=16,
            batch_size=64,
            epochs=1,
            threads=1,
            out=str(root / scorer),
        )
        folders[scorer] = train(cfg, progress=False)
    return folders


def test_evaluate_cli_json_reports_quality_and_attention_metrics(dates_models):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "seq2seq",
            "evaluate",
            "--model",
            str(dates_models["general"]),
            "--size",
            "64",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    metrics = json.loads(result.stdout)
    assert metrics["task"] == "dates" and metrics["split"] == "test" and metrics["examples"] == 64
    for key in ("exact_match", "char_accuracy", "alignment_accuracy", "gold_mass"):
        assert 0.0 <= metrics[key] <= 1.0
    assert 0.0 < metrics["entropy"]


def test_no_attention_model_has_no_alignment_metrics(dates_models):
    metrics = evaluate(load_checkpoint(dates_models["none"]), size=32)
    assert "alignment_accuracy" not in metrics and "exact_match" in metrics


def test_batched_forced_attention_equals_the_step_api(dates_models):
    translator = load_checkpoint(dates_models["general"])
    examples = get_task("dates").examples("test", 5, 0)
    matrices = forced_attention(translator, [(e.source, e.target) for e in examples])
    for example, matrix in zip(examples, matrices, strict=True):
        trace = translator.force(example.source, example.target)
        assert len(matrix) == len(trace.attention) == len(example.target) + 1
        for batch_row, step_row in zip(matrix, trace.attention, strict=True):
            assert batch_row == pytest.approx(step_row, abs=1e-5)
