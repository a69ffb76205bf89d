"""--ema: the moving average follows its definition, is what is validated and saved, and resumes exactly.

The tiny reverse run (tests/test_train_resume.py's) has 384 pairs in batches of 32: 12 steps an epoch.
"""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from seq2seq.config import TrainConfig
from seq2seq.train import train
from seq2seq.trainer import Trainer
from tests.test_train_resume import history, state_tensors, tiny


def test_the_average_is_d_times_the_last_average_plus_1_minus_d_times_each_steps_weights(tmp_path, monkeypatch):
    decay, seen = 0.8, []
    original = Trainer.step

    def step_and_keep(self, indices, epoch_lr):
        result = original(self, indices, epoch_lr)
        seen.append({k: v.detach().clone() for k, v in self.model.state_dict().items()})
        return result

    monkeypatch.setattr(Trainer, "step", step_and_keep)
    out = train(tiny(tmp_path / "run", epochs=1, ema=decay), progress=False)
    assert len(seen) == 12
    expected = dict(seen[0])  # a_1 = w_1
    for weights in seen[1:]:
        expected = {k: decay * expected[k] + (1 - decay) * weights[k] for k in expected}
    averaged = state_tensors(out, "ema.module.")
    assert {k[len("ema.module.") :] for k in averaged} == expected.keys()
    for name, value in expected.items():
        torch.testing.assert_close(averaged["ema.module." + name], value, rtol=1e-5, atol=1e-6)
    assert float(state_tensors(out, "ema.n_averaged")["ema.n_averaged"]) == 12
    # the folder's model is the validated average (epoch 1 is the best finished epoch), not the live weights
    folder = load_file(str(out / "model.safetensors"))
    assert all(torch.equal(folder[k], averaged["ema.module." + k]) for k in folder)
    live = state_tensors(out, "model.")
    assert any(not torch.equal(folder[k], live["model." + k]) for k in folder)


def test_the_weights_validated_are_the_average_not_the_last_steps(tmp_path, monkeypatch):
    import seq2seq.trainer as trainer_module

    validated, original = [], trainer_module.validate

    def keep_and_validate(translator, data):
        validated.append({k: v.detach().clone() for k, v in translator.model.state_dict().items()})
        return original(translator, data)

    monkeypatch.setattr(trainer_module, "validate", keep_and_validate)
    out = train(tiny(tmp_path / "run", epochs=1, ema=0.8), progress=False)
    assert len(validated) == 2  # the untrained epoch 0, then epoch 1's close
    averaged, live = state_tensors(out, "ema.module."), state_tensors(out, "model.")
    assert all(torch.equal(validated[1][k], averaged["ema.module." + k]) for k in validated[1])
    assert any(not torch.equal(validated[1][k], live["model." + k]) for k in validated[1])


def test_a_run_with_an_average_paused_inside_an_epoch_resumes_exactly(tmp_path):
    settings = dict(ema=0.9, dropout=0.2)
    train(tiny(tmp_path / "full", **settings), progress=False)
    train(tiny(tmp_path / "split", max_steps=7, **settings), progress=False)
    train(tiny(tmp_path / "split", **settings), resume=True, progress=False)
    for prefix in ("model.", "best.", "ema."):
        full, split = state_tensors(tmp_path / "full", prefix), state_tensors(tmp_path / "split", prefix)
        assert full.keys() == split.keys() and full
        assert all(torch.equal(full[k], split[k]) for k in full), prefix
    assert history(tmp_path / "split") == history(tmp_path / "full")


def test_a_decay_of_one_or_more_is_refused():
    with pytest.raises(ValueError, match="ema"):
        TrainConfig(task="reverse", ema=1.0).validate()
