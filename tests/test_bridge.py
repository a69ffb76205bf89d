"""The bridge (ModelConfig.bridge, `train --bridge`): the decoder's first state is tanh(W_b h_enc + b_b)
instead of the encoder's final state h_enc itself (both directions joined per layer)."""

from __future__ import annotations

import json

import pytest
import torch

from seq2seq.checkpoint import CONFIG_FILE, load_checkpoint, save_checkpoint
from seq2seq.config import ModelConfig, TrainConfig
from tests.helpers import tiny_translator

SOURCES = torch.tensor([[5, 6, 7, 8, 3], [9, 10, 3, 0, 0]])  # two sources, the second padded
LENGTHS = torch.tensor([5, 3])


def encode(translator):
    translator.model.eval()
    with torch.no_grad():
        return translator.model.encoder(SOURCES, LENGTHS)


def joined_final_states(encoder, embedded_lengths=(SOURCES, LENGTHS)):
    """h_enc by hand: each sentence alone (no padding), forward state at its last token, backward at its first."""
    rows = []
    for src, n in zip(*embedded_lengths, strict=True):
        memory, _ = encoder.rnn(encoder.embedding(src[: int(n)])[None])  # (1, n, H)
        half = memory.size(-1) // 2
        rows.append(torch.cat([memory[0, -1, :half], memory[0, 0, half:]]))
    return torch.stack(rows)[None]  # (1, B, H)


def test_without_a_bridge_the_decoder_starts_from_the_encoders_final_state():
    translator = tiny_translator(seed=1, scorer="dot")
    assert translator.model.config.bridge is False and translator.model.encoder.bridge is None
    encoded = encode(translator)
    with torch.no_grad():
        expected = joined_final_states(translator.model.encoder)
    torch.testing.assert_close(encoded.hidden, expected, atol=1e-6, rtol=0)


def test_a_bridge_starts_the_decoder_from_tanh_of_a_learned_map_of_that_state():
    translator = tiny_translator(seed=1, scorer="dot", bridge=True)
    encoder = translator.model.encoder
    (bridge,) = encoder.bridge
    assert bridge.weight.shape == (16, 16) and bridge.bias.shape == (16,)
    encoded = encode(translator)
    with torch.no_grad():
        h_enc = joined_final_states(encoder)
        expected = torch.tanh(h_enc @ bridge.weight.T + bridge.bias)
    torch.testing.assert_close(encoded.hidden, expected, atol=1e-6, rtol=0)
    assert not torch.allclose(encoded.hidden, h_enc, atol=1e-3)  # the map is not the identity


def test_an_lstm_bridges_its_state_and_its_cell_each_with_its_own_map():
    translator = tiny_translator(seed=2, scorer="general", cell="lstm", bridge=True)
    encoder = translator.model.encoder
    assert len(encoder.bridge) == 2
    encoded = encode(translator)
    with torch.no_grad():
        _, (h, c) = encoder.rnn(encoder.embedding(SOURCES[:1, :5]))  # the unpadded sentence alone
        for state, final, bridge in zip(encoded.hidden, (h, c), encoder.bridge, strict=True):
            joined = torch.cat([final[0], final[1]], dim=-1)  # (1, H): both directions
            torch.testing.assert_close(state[:, 0], torch.tanh(bridge(joined)), atol=1e-6, rtol=0)


def test_every_encoder_path_bridges_whole_rows_unpacked_and_padded_batches_packed():
    translator = tiny_translator(seed=3, scorer="concat", bridge=True)
    encoder = translator.model.encoder.eval()
    with torch.no_grad():
        embedded = encoder.embedding(SOURCES[:1].repeat(3, 1))  # (3, 5, E): three copies of one whole source
        whole = encoder.from_embeddings(embedded, torch.full((3,), 5))  # no padding: not packed
        packed = encoder(SOURCES, LENGTHS)  # the same source beside a padded one: packed
    torch.testing.assert_close(whole.hidden, packed.hidden[:, :1].expand(-1, 3, -1), atol=1e-6, rtol=0)


def test_a_bridged_checkpoint_round_trips_and_an_old_config_reads_as_no_bridge(tmp_path):
    translator = tiny_translator(seed=4, scorer="dot", bridge=True)
    tokenizer = translator.source_tokenizer
    folder = save_checkpoint(tmp_path / "m", translator.model, tokenizer, tokenizer, {"task": "reverse"})
    assert json.loads((folder / CONFIG_FILE).read_text())["model"]["bridge"] is True
    loaded = load_checkpoint(folder)
    assert loaded.model.encoder.bridge is not None
    assert loaded.greedy("abc").output == translator.greedy("abc").output
    old = json.loads((folder / CONFIG_FILE).read_text())["model"]
    del old["bridge"]  # config.json of a model saved before the setting existed
    assert ModelConfig.from_dict(old).bridge is False


def test_train_takes_the_bridge_as_a_model_setting():
    assert TrainConfig(bridge=True).model_settings()["bridge"] is True
    assert TrainConfig().model_settings()["bridge"] is False


@pytest.mark.parametrize("bridge", [False, True])
def test_the_bridge_changes_the_parameter_count_by_one_map_per_state(bridge):
    gru = tiny_translator(seed=0, scorer="none", bridge=bridge).model.num_parameters()
    plain = tiny_translator(seed=0, scorer="none").model.num_parameters()
    assert gru - plain == (16 * 16 + 16 if bridge else 0)
