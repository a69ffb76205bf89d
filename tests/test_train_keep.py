"""--keep: which finished epoch the folder's model is. `best` keeps the best validation metric and stops
early on it; `last` keeps the last finished epoch, as a fixed schedule (zh-en's cosine fine-tuning) means
it, and never stops early. Which epoch is kept never changes the training itself.

The tiny reverse run (tests/test_train_resume.py's): 12 steps an epoch.
"""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from seq2seq.config import TrainConfig
from seq2seq.train import train
from tests.test_train_resume import history, state_tensors, tiny


@pytest.fixture
def falling_metric(monkeypatch):
    """Validation that gets worse every epoch (epoch 0: 0.8, then 0.7, 0.6, …), whatever the weights."""
    import seq2seq.trainer as trainer_module

    calls = []

    def falling(translator, data):
        calls.append(len(calls))
        return {data.metric: 0.9 - 0.1 * len(calls)}

    monkeypatch.setattr(trainer_module, "validate", falling)
    return calls


def _card(folder) -> dict:
    return json.loads((folder / "config.json").read_text())


def test_keep_last_saves_the_last_epoch_even_when_an_earlier_one_validated_better(tmp_path, falling_metric):
    out = train(tiny(tmp_path / "run", epochs=3, patience=1, keep="last"), progress=False)
    card = _card(out)
    assert card["epochs_run"] == 3 and card["best_epoch"] == 3  # no early stop, though every epoch was worse
    assert card["metrics"]["valid"]["exact_match"] == pytest.approx(0.5)  # epoch 3's validation
    folder, live = load_file(str(out / "model.safetensors")), state_tensors(out, "model.")
    assert all(torch.equal(folder[k], live["model." + k].to(folder[k].dtype)) for k in folder)


def test_keep_best_saves_the_best_epoch_and_stops_on_patience(tmp_path, falling_metric):
    out = train(tiny(tmp_path / "run", epochs=3, patience=1), progress=False)
    card = _card(out)
    assert card["epochs_run"] == 2 and card["best_epoch"] == 1  # epoch 2 was worse: stopped
    folder, live = load_file(str(out / "model.safetensors")), state_tensors(out, "model.")
    assert any(not torch.equal(folder[k], live["model." + k].to(folder[k].dtype)) for k in folder)


def test_which_epoch_is_kept_never_changes_the_training(tmp_path):
    # patience above the epochs: `best` never stops early, so both runs see the same steps
    settings = dict(epochs=3, patience=5, schedule="cosine", dropout=0.2)
    train(tiny(tmp_path / "best", **settings), progress=False)
    train(tiny(tmp_path / "last", keep="last", **settings), progress=False)
    best, last = state_tensors(tmp_path / "best", "model."), state_tensors(tmp_path / "last", "model.")
    assert best.keys() == last.keys() and all(torch.equal(best[k], last[k]) for k in best)
    assert history(tmp_path / "best") == history(tmp_path / "last")


def test_keep_takes_best_or_last_only():
    with pytest.raises(ValueError, match="keep"):
        TrainConfig(task="reverse", keep="first").validate()
