"""The fast decoding path against the decode written out the plain way.

`Translator.greedy` skips work that does not change a number: the encoder runs unpacked for a
single sentence, the decoder RNN calls its cell function directly, `concat` projects the keys
(U_a h_s) once per sentence, and each step converts its vectors to Python floats in one go.
These tests decode the plain way (packed encoder, the RNN module, keys projected at every step,
one conversion per field) and require the same tokens and the same numbers.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seq2seq.attention import Scorer, attend
from seq2seq.checkpoint import load_checkpoint, save_checkpoint
from seq2seq.config import CELLS, SCORERS
from seq2seq.tokenizers import EOS
from tests.helpers import SHAPES, teacher_batch, tiny_translator

TOL = 1e-6
TEXTS = ("abc", "hgfe dcba", "a")


def reference_greedy(translator, text: str) -> list[dict]:
    """Greedy decoding as plainly as it can be written: the numbers every Step must carry."""
    model, config = translator.model, translator.config
    encoder, decoder = model.encoder, model.decoder
    ids = translator.encode_source(text)
    steps = []
    with torch.no_grad():
        src = torch.tensor([ids])
        packed = pack_padded_sequence(encoder.embedding(src), torch.tensor([len(ids)]), batch_first=True)
        outputs, hidden = encoder.rnn(packed)
        memory, _ = pad_packed_sequence(outputs, batch_first=True)  # (1, S, H)
        if isinstance(hidden, tuple):
            hidden = tuple(encoder._join_directions(h) for h in hidden)
        else:
            hidden = encoder._join_directions(hidden)
        feed = torch.zeros(1, config.hidden_size)
        prev = config.bos_id
        for _ in range(config.max_target_len):
            embedded = decoder.embedding(torch.tensor([prev]))
            output, hidden = decoder.rnn(torch.cat([embedded, feed], dim=-1).unsqueeze(1), hidden)
            query = output[:, 0]  # (1, H)
            if translator.has_attention:
                scores = decoder.scorer(query, memory)  # keys projected here, at every step
                weights = attend(scores, torch.zeros(1, len(ids), dtype=torch.bool))
                context = torch.bmm(weights.unsqueeze(1), memory)[:, 0]
            else:
                scores = weights = None
                context = torch.zeros_like(query)
            attentional = torch.tanh(decoder.W_c(torch.cat([context, query], dim=-1)))
            logits = decoder.W_o(attentional)[0]
            probs = torch.softmax(logits, dim=-1)
            token = int(logits.argmax())
            top_p, top_i = probs.topk(min(translator.topk, probs.numel()))
            steps.append(
                {
                    "token_id": token,
                    "prob": float(probs[token]),
                    "topk_ids": top_i.tolist(),
                    "topk_probs": top_p.tolist(),
                    "scores": None if scores is None else scores[0].tolist(),
                    "attention": None if weights is None else weights[0].tolist(),
                    "context": context[0].tolist(),
                    "decoder_state": query[0].tolist(),
                    "attentional_state": attentional[0].tolist(),
                }
            )
            feed, prev = attentional, token
            if token == EOS:
                break
    return steps


def _close(actual, expected) -> None:
    torch.testing.assert_close(torch.tensor(actual), torch.tensor(expected), rtol=0, atol=TOL)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("scorer", SCORERS)
def test_greedy_equals_the_plain_decode(scorer, cell):
    num_layers, bidirectional = SHAPES[cell]
    translator = tiny_translator(seed=3, scorer=scorer, cell=cell, num_layers=num_layers, bidirectional=bidirectional)
    for text in TEXTS:
        trace = translator.greedy(text)
        expected = reference_greedy(translator, text)
        assert [s.token_id for s in trace.steps] == [e["token_id"] for e in expected]
        for step, ref in zip(trace.steps, expected, strict=True):
            assert [i for _, i, _ in step.topk] == ref["topk_ids"]
            assert step.prob == pytest.approx(ref["prob"], abs=TOL)
            _close([p for _, _, p in step.topk], ref["topk_probs"])
            for name in ("context", "decoder_state", "attentional_state"):
                _close(getattr(step, name), ref[name])
            for name in ("scores", "attention"):
                if ref[name] is None:
                    assert getattr(step, name) is None
                else:
                    _close(getattr(step, name), ref[name])
            # the Step fields keep their plain-data types
            assert isinstance(step.prob, float) and all(isinstance(x, float) for x in step.context)
            assert isinstance(step.topk, tuple) and isinstance(step.context, tuple)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_the_cell_steps_are_the_module(cell, num_layers):
    """The decoder's cell functions, with the first input product split into the token's part
    (`token_inputs`) and the feed's, give what the module gives for one step (within 2e-6)."""
    decoder = tiny_translator(seed=5, cell=cell, num_layers=num_layers).model.decoder
    H, E = decoder.config.hidden_size, decoder.config.embedding_size
    torch.manual_seed(0)
    for batch in (1, 3):
        x = torch.randn(batch, E + H)  # [embed(y); h~]
        if cell == "lstm":
            hidden = (torch.randn(num_layers, batch, H), torch.randn(num_layers, batch, H))
        else:
            hidden = torch.randn(num_layers, batch, H)
        with torch.inference_mode():
            token_part = torch.nn.functional.linear(x[:, :E], decoder.rnn.weight_ih_l0[:, :E], decoder.rnn.bias_ih_l0)
            output, new_hidden = decoder._cell_steps(x[:, E:], hidden, decoder._feed_layers(), token_part)
            expected_output, expected_hidden = decoder.rnn(x.unsqueeze(1), hidden)
        torch.testing.assert_close(output, expected_output[:, 0], rtol=0, atol=2e-6)
        states = (new_hidden, expected_hidden) if cell == "lstm" else ((new_hidden,), (expected_hidden,))
        for a, b in zip(*states, strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=2e-6)


def _module_forward(model, batch):
    """Luong's step written with the modules themselves (nn.Embedding, nn.GRU/LSTM/RNN over
    [embed(y); h~], nn.Linear W_o per step): what `Seq2Seq.forward` must compute."""
    encoded = model.encoder(batch.src, batch.src_lengths)
    decoder, hidden, feed = model.decoder, encoded.hidden, model.init_feed(encoded)
    logits = []
    for t in range(batch.tgt_in.size(1)):
        rnn_input = torch.cat([decoder.embedding(batch.tgt_in[:, t]), feed], dim=-1)
        output, hidden = decoder.rnn(rnn_input.unsqueeze(1), hidden)
        query = output[:, 0]
        if decoder.has_attention:
            weights = torch.softmax(
                decoder.scorer(query, encoded.memory).masked_fill(encoded.pad_mask, float("-inf")), -1
            )
            context = (weights.unsqueeze(-1) * encoded.memory).sum(1)
        else:
            context = torch.zeros_like(query)
        feed = torch.tanh(decoder.W_c(torch.cat([context, query], dim=-1)))
        logits.append(decoder.W_o(feed))
    return torch.stack(logits, dim=1)


@pytest.mark.parametrize(
    ("scorer", "cell", "num_layers"), [("concat", "gru", 2), ("general", "lstm", 2), ("none", "rnn", 1)]
)
def test_training_forward_and_gradients_are_the_modules(scorer, cell, num_layers):
    """The training forward (token parts in one product before the loop, the output layer after it)
    computes the function written with the modules step by step, and the same gradients."""
    translator = tiny_translator(seed=9, scorer=scorer, cell=cell, num_layers=num_layers)
    model, batch = translator.model, teacher_batch(translator)
    model.train()  # tiny models have no dropout: training mode is deterministic
    assert model.config.dropout == 0
    gradients = []
    for forward in (
        lambda: model(batch.src, batch.src_lengths, batch.tgt_in)[0],
        lambda: _module_forward(model, batch),
    ):
        model.zero_grad()
        logits = forward()
        torch.nn.functional.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(), ignore_index=0).backward()
        gradients.append(
            (logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
        )
    (logits, grads), (expected_logits, expected_grads) = gradients
    torch.testing.assert_close(logits, expected_logits, rtol=0, atol=1e-5)
    assert grads.keys() == expected_grads.keys()
    for name, grad in grads.items():
        torch.testing.assert_close(grad, expected_grads[name], rtol=1e-4, atol=1e-6, msg=name)


def test_single_sentence_encoder_equals_packed_batch():
    translator = tiny_translator(seed=2, cell="gru", num_layers=2, bidirectional=True)
    encoder = translator.model.encoder
    ids = translator.encode_source("hgfe dcba")
    src, lengths = torch.tensor([ids]), torch.tensor([len(ids)])
    with torch.no_grad():
        fast = encoder(src, lengths)
        padded = torch.cat([src, torch.zeros(1, 3, dtype=torch.long)], dim=1)  # padding forces packing
        packed = encoder(padded, lengths)
    torch.testing.assert_close(fast.memory, packed.memory[:, : len(ids)], rtol=0, atol=TOL)
    torch.testing.assert_close(fast.hidden, packed.hidden, rtol=0, atol=TOL)
    assert not bool(fast.pad_mask.any())


@pytest.mark.parametrize("scorer", SCORERS)
def test_projected_keys_change_no_score(scorer):
    decoder = tiny_translator(seed=1, scorer=scorer).model.decoder
    if scorer == "none":
        assert decoder.scorer.project_keys(torch.zeros(1, 3, 16)) is None
        return
    torch.manual_seed(0)
    query, keys = torch.randn(2, 16), torch.randn(2, 5, 16)
    with torch.no_grad():
        projected = decoder.scorer.project_keys(keys)
        # None exactly for the scorers that keep Scorer's project_keys (concat's U_a h_s, general's W_a h_s: not None)
        assert (projected is not None) == (type(decoder.scorer).project_keys is not Scorer.project_keys)
        assert torch.equal(decoder.scorer(query, keys, projected), decoder.scorer(query, keys))


def test_start_caches_the_projected_keys_once():
    translator = tiny_translator(scorer="concat")
    state = translator.start("abc")
    assert state.projected_keys is not None and state.projected_keys.shape == state.memory.shape
    step = translator.step(state)
    assert step.next_state.projected_keys is state.projected_keys  # shared, never recomputed
    assert tiny_translator(scorer="dot").start("abc").projected_keys is None  # nothing to precompute
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.projected_keys = None


def test_concurrent_decodes_share_one_translator():
    """Many threads decoding at once (the app's sessions) get what one thread alone gets."""
    translator = tiny_translator(seed=3, scorer="concat", cell="gru", num_layers=2)
    texts = ["abc", "hgfe dcba", "a b c", "e", "dd"] * 4
    expected = [translator.greedy(t).to_json(states=True) for t in texts]
    results: dict[int, dict] = {}

    def run(i: int) -> None:
        results[i] = translator.greedy(texts[i]).to_json(states=True)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(texts))] == expected


@pytest.mark.parametrize("scorer", SCORERS)
def test_loaded_models_keep_the_decoder_matrices_column_major_with_unchanged_values(scorer, tmp_path):
    original = tiny_translator(seed=4, scorer=scorer, cell="gru")
    save_checkpoint(tmp_path / "m", original.model, original.source_tokenizer, original.target_tokenizer, {})
    loaded = load_checkpoint(tmp_path / "m")
    decoders = loaded.model.decoder, original.model.decoder
    query_layers = [f"scorer.{name}.weight" for name in loaded.model.decoder.scorer.query_layers]
    assert len(query_layers) == (scorer in ("concat", "location"))  # W_a h_t at every step
    for name in ("W_c.weight", "W_o.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", *query_layers):
        weight, expected = (decoder.get_parameter(name) for decoder in decoders)
        assert weight.stride() == (1, weight.size(0))  # W^T contiguous: the batch-1 fast kernel
        assert torch.equal(weight, expected)
    for text in TEXTS:
        steps, expected = loaded.greedy(text).steps, reference_greedy(original, text)
        assert [s.token_id for s in steps] == [e["token_id"] for e in expected]
        for step, ref in zip(steps, expected, strict=True):
            assert step.prob == pytest.approx(ref["prob"], abs=TOL)
            _close(step.attentional_state, ref["attentional_state"])
    # a loaded model saves as it was read (the Train page's "save" re-saves a loaded run)
    save_checkpoint(tmp_path / "again", loaded.model, loaded.source_tokenizer, loaded.target_tokenizer, {})
    again = load_checkpoint(tmp_path / "again").model.state_dict()
    assert all(torch.equal(v, again[k]) for k, v in original.model.state_dict().items())


def test_an_lstm_decoder_keeps_its_module_weights_and_decodes_the_same(tmp_path):
    original = tiny_translator(seed=6, cell="lstm", num_layers=2)
    save_checkpoint(tmp_path / "m", original.model, original.source_tokenizer, original.target_tokenizer, {})
    loaded = load_checkpoint(tmp_path / "m")
    assert all(w.is_contiguous() for layer in loaded.model.decoder.rnn.all_weights for w in layer)
    assert not loaded.model.decoder.W_o.weight.is_contiguous()  # the linear layers are still transposed
    for text in TEXTS:
        expected = [e["token_id"] for e in reference_greedy(original, text)]
        assert [s.token_id for s in loaded.greedy(text).steps] == expected


@pytest.mark.parametrize("cell", CELLS)
def test_the_token_input_table_is_the_first_layers_input_product_per_token(cell):
    translator = tiny_translator(seed=7, scorer="dot", cell=cell, num_layers=2)
    decoder = translator.model.decoder
    plain = [s.prob for s in translator.greedy("hgfe dcba").steps]
    decoder.precompute_token_inputs()
    w_ih, _, b_ih, _ = decoder.rnn.all_weights[0]
    E = decoder.config.embedding_size
    gates = {"gru": 3, "lstm": 4, "rnn": 1}[cell] * decoder.config.hidden_size
    table = decoder.token_input_table
    assert table.shape == (decoder.config.tgt_vocab_size, gates)
    for token in (0, 3, decoder.config.tgt_vocab_size - 1):  # row y = W_ie embed(y) + b_ih
        expected = w_ih[:, :E] @ decoder.embedding.weight[token] + b_ih
        torch.testing.assert_close(table[token], expected.detach(), rtol=0, atol=TOL)
    assert torch.equal(decoder.feed_input_weight, w_ih[:, E:])  # W_if, the feed's columns
    assert [s.prob for s in translator.greedy("hgfe dcba").steps] == pytest.approx(plain, abs=TOL)
    assert "token_input_table" not in translator.model.state_dict()  # never saved in a checkpoint
    translator.model.train()  # training changes the weights: the table must go
    assert decoder.token_input_table is None and decoder.feed_input_weight is None


def test_the_decoding_weights_are_the_modules_own_and_follow_it(tmp_path):
    """A loaded decoder's step reads its weights from one gathered record, never stale copies."""
    original = tiny_translator(seed=8, scorer="general", cell="gru", num_layers=2)
    save_checkpoint(tmp_path / "m", original.model, original.source_tokenizer, original.target_tokenizer, {})
    decoder = load_checkpoint(tmp_path / "m").model.decoder

    def assert_gathered_from_the_module() -> None:
        fast = decoder.decoding_weights
        assert fast.token_inputs is decoder.token_input_table
        assert fast.W_c is decoder.W_c.weight and fast.W_o is decoder.W_o.weight and fast.b_o is decoder.W_o.bias
        assert fast.layers[0][0] is decoder.feed_input_weight  # the token's columns come from the table
        assert all(a is b for a, b in zip(fast.layers[0][1:], decoder.rnn.all_weights[0][1:], strict=True))
        assert all(a is b for a, b in zip(fast.layers[1], decoder.rnn.all_weights[1], strict=True))

    assert_gathered_from_the_module()
    decoder.double()  # .to(dtype or device) replaces the buffers: the record follows
    assert decoder.decoding_weights.token_inputs.dtype == torch.float64
    assert_gathered_from_the_module()
    decoder.train()  # training changes the weights: the record goes with the table
    assert decoder.decoding_weights is None


@pytest.mark.parametrize("cell", CELLS)
def test_training_drops_out_between_layers_only(cell):
    """As nn.GRU/LSTM/RNN do with `dropout`: in training, each layer's output but the last is
    dropped out before the next layer; one layer has nothing to drop, and eval drops nothing."""
    H = 16
    torch.manual_seed(0)
    x, feed_hidden = torch.randn(4, H), torch.randn(2, 4, H)
    for num_layers in (1, 2):
        decoder = tiny_translator(seed=10, cell=cell, num_layers=num_layers, dropout=0.5).model.decoder
        hidden = (feed_hidden[:num_layers], feed_hidden[:num_layers]) if cell == "lstm" else feed_hidden[:num_layers]
        outputs = {}
        for training in (True, False):
            decoder.train(training)
            runs = [decoder._cell_steps(x, hidden, decoder._feed_layers())[0] for _ in range(2)]
            outputs[training] = torch.equal(*runs)
        assert outputs[False]  # eval: deterministic
        assert outputs[True] == (num_layers == 1)  # training: random only with a layer to drop between
