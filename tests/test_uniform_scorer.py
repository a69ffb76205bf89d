"""The uniform scorer: Wiegreffe & Pinter's trained baseline, whose attention is frozen at 1/S.

Its context must be the mean of the encoder states over the real positions, c_t = (1/S) sum_s h_s, in a
padded batch as in a sentence decoded on its own, and training must not move it (it has no weights).
"""

from __future__ import annotations

import torch

from seq2seq import scorers
from seq2seq.attention import SCORER_CLASSES, scorer_has_weights
from tests.helpers import tiny_model, tiny_translator


def test_the_context_is_the_mean_of_the_encoder_states_on_the_real_positions():
    model = tiny_model(scorer="uniform")
    src = torch.tensor([[3, 4, 5, 6, 2], [7, 8, 2, 0, 0]])  # the second sentence padded after 3 positions
    lengths = torch.tensor([5, 3])
    encoded = model.encoder(src, lengths)
    out = model.decoder.step(
        torch.tensor([1, 1]), encoded.hidden, model.init_feed(encoded), encoded.memory, encoded.pad_mask
    )
    expected = torch.stack([encoded.memory[0, :5].mean(0), encoded.memory[1, :3].mean(0)])  # (B, H)
    torch.testing.assert_close(out.context, expected, rtol=0, atol=1e-6)
    torch.testing.assert_close(out.weights, torch.tensor([[0.2] * 5, [1 / 3] * 3 + [0.0] * 2]), rtol=0, atol=1e-7)
    assert torch.equal(out.weights[1, 3:], torch.zeros(2))  # padding gets exactly nothing


def test_every_step_of_a_decoded_sentence_weighs_each_source_token_the_same():
    trace = tiny_translator(scorer="uniform").greedy("hello")
    size = len(trace.source_tokens)
    assert trace.steps
    for row in trace.attention:
        assert row == [1.0 / size] * size or max(abs(w - 1.0 / size) for w in row) < 1e-6


def test_the_uniform_scorer_is_fixed_weightless_and_not_a_scorer_that_learns_where_to_look():
    assert "uniform" in scorers.SCORERS and SCORER_CLASSES["uniform"].fixed
    assert not scorer_has_weights("uniform")
    assert not scorers.learns_where_to_look("uniform") and not scorers.learns_where_to_look("none")
    assert all(scorers.learns_where_to_look(s) for s in ("dot", "general", "concat", "scaled_dot", "location"))


def test_the_lab_offers_the_scorers_that_learn_where_to_look_and_none_not_the_fixed_ones():
    from explorer.views.lab import lab_models

    offered = lab_models({"reverse": ["none", "dot", "uniform"], "dates": ["uniform"]})
    assert offered == {"reverse": ["none", "dot"]}
