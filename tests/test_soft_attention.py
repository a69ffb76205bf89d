"""--soft-attention-steps N: training divides the attention scores by T_t = 1 + (sqrt(H) - 1) * max(0, 1 - t/N)
(seq2seq.train.score_temperature); evaluation and decoding never do."""

from __future__ import annotations

import math

import pytest
import torch

from seq2seq.attention import attend
from seq2seq.config import TrainConfig
from seq2seq.train import train
from seq2seq.training_parts import score_temperature
from tests.helpers import tiny_translator
from tests.test_train import live_weights, max_difference, tiny


def test_the_temperature_falls_linearly_from_sqrt_h_to_one_and_stays_there():
    cfg = TrainConfig(hidden_size=16, soft_attention_steps=100)
    assert [score_temperature(cfg, t) for t in (0, 25, 50, 100, 101, 10_000)] == [4.0, 3.25, 2.5, 1.0, 1.0, 1.0]
    assert score_temperature(TrainConfig(hidden_size=256, soft_attention_steps=1500), 0) == 16.0
    assert score_temperature(TrainConfig(hidden_size=16), 0) == 1.0  # the default: off


def _step_weights(translator, temperature: float, training: bool):
    """One decoder step from a fixed state: the weights it used and the raw scores, (B, S) each."""
    model = translator.model.train(training)
    model.decoder.score_temperature = temperature
    src = torch.tensor([[5, 6, 7, 8, 3]])
    with torch.no_grad():
        encoded = model.encoder(src, torch.tensor([5]))
        out = model.decoder.step(
            torch.tensor([2]), encoded.hidden, model.init_feed(encoded), encoded.memory, encoded.pad_mask
        )
        query = out.query
        raw = model.decoder.scorer.score(query, encoded.memory)  # (1, S): h_t . h_s, unsoftened
    return out.weights, raw


@pytest.mark.parametrize("scorer", ["dot", "general", "concat", "scaled_dot", "location"])
def test_training_attends_with_softmax_of_the_scores_over_the_temperature(scorer):
    translator = tiny_translator(seed=3, scorer=scorer, max_source_len=8)  # dropout 0: train mode is deterministic
    weights, raw = _step_weights(translator, 4.0, training=True)
    torch.testing.assert_close(weights, attend(raw / 4.0, None), atol=1e-6, rtol=0)
    assert not torch.allclose(weights, attend(raw, None), atol=1e-4)  # softer than without


def test_evaluation_and_decoding_never_soften():
    translator = tiny_translator(seed=3, scorer="dot")
    weights, raw = _step_weights(translator, 4.0, training=False)
    torch.testing.assert_close(weights, attend(raw, None), atol=1e-6, rtol=0)
    translator.model.decoder.score_temperature = 16.0  # even if left over from a training
    soft = translator.greedy("abc")
    translator.model.decoder.score_temperature = 1.0
    assert translator.greedy("abc").attention == soft.attention


def test_the_trainer_sets_the_temperature_of_each_step(tmp_path, monkeypatch):
    seen: list[float] = []
    from seq2seq import trainer as trainer_module

    real = trainer_module.global_batch_loss

    def spy(model, *args, **kwargs):
        seen.append(model.decoder.score_temperature)
        return real(model, *args, **kwargs)

    monkeypatch.setattr(trainer_module, "global_batch_loss", spy)
    cfg = tiny(tmp_path / "soft", scorer="dot", soft_attention_steps=10, epochs=1)  # 12 steps of 32 pairs
    train(cfg, progress=False)
    expected = [1 + (math.sqrt(32) - 1) * max(0.0, 1 - t / 10) for t in range(len(seen))]
    assert len(seen) == 12 and seen == pytest.approx(expected, abs=1e-12)


def test_a_model_without_attention_trains_exactly_as_without_the_setting(tmp_path):
    train(tiny(tmp_path / "plain", scorer="none", epochs=1), progress=False)
    train(tiny(tmp_path / "soft", scorer="none", epochs=1, soft_attention_steps=50), progress=False)
    assert max_difference(live_weights(tmp_path / "plain"), live_weights(tmp_path / "soft")) == 0.0
    train(tiny(tmp_path / "dot", scorer="dot", epochs=1), progress=False)
    train(tiny(tmp_path / "dot-soft", scorer="dot", epochs=1, soft_attention_steps=50), progress=False)
    assert max_difference(live_weights(tmp_path / "dot"), live_weights(tmp_path / "dot-soft")) > 0.0


def test_a_negative_count_is_refused_with_the_options_name():
    with pytest.raises(ValueError, match="soft"):
        TrainConfig(soft_attention_steps=-1).validate()
