"""The step API against the teacher-forced batch forward, and its promise never to mutate anything.

Stepping one sentence at a time (what the app shows) must give the numbers training optimizes
(`Seq2Seq.forward` on a padded batch); and a Translator shared by many sessions must never
change its model or a DecodeState it is handed.
"""

from __future__ import annotations

import threading

import pytest
import torch

from seq2seq.checkpoint import load_checkpoint, save_checkpoint
from seq2seq.config import CELLS, SCORERS
from seq2seq.decoding import MAX_SOURCE_TOKENS, InputError
from seq2seq.tokenizers import EOS
from tests.helpers import ATTENTION_SCORERS, PAIRS, SHAPES, changed, grid, snapshot, teacher_batch, tiny_translator

TOL = 1e-5


def _check_force_matches_forward(translator):
    model = translator.model
    batch = teacher_batch(translator)
    with torch.no_grad():
        logits, attention = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V), (B, T, S)
        probs = torch.softmax(logits, dim=-1)
        # Recompute h_t and c_t with the decoder run over the padded batch, as forward does.
        encoded = model.encoder(batch.src, batch.src_lengths)
        hidden, feed = encoded.hidden, model.init_feed(encoded)
        queries, contexts = [], []
        for t in range(batch.tgt_in.size(1)):
            out = model.decoder.step(batch.tgt_in[:, t], hidden, feed, encoded.memory, encoded.pad_mask)
            hidden, feed = out.hidden, out.attentional
            queries.append(out.query)
            contexts.append(out.context)
    assert (attention is None) == (translator.scorer == "none")

    for b, (source, target) in enumerate(PAIRS):
        trace = translator.force(source, target)
        length = int(batch.src_lengths[b])
        forced = translator.target_tokenizer.encode(target) + [EOS]
        assert [s.token_id for s in trace.steps] == forced == batch.tgt_out[b, : len(forced)].tolist()
        assert all(s.forced for s in trace.steps)
        assert len(trace.source_tokens) == length
        # encoder states of the single sentence = the batch's unpadded rows
        torch.testing.assert_close(torch.tensor(trace.encoder_states), encoded.memory[b, :length], rtol=0, atol=TOL)
        for t, step in enumerate(trace.steps):
            assert step.position == t
            assert step.prob == pytest.approx(float(probs[b, t, forced[t]]), abs=TOL)
            top = torch.tensor([p for _, _, p in step.topk])
            torch.testing.assert_close(top, probs[b, t].topk(len(step.topk)).values, rtol=0, atol=TOL)
            torch.testing.assert_close(torch.tensor(step.decoder_state), queries[t][b], rtol=0, atol=TOL)
            torch.testing.assert_close(torch.tensor(step.context), contexts[t][b], rtol=0, atol=TOL)
            if attention is None:
                assert step.attention is None and step.scores is None
                assert all(c == 0.0 for c in step.context)
                continue
            assert len(step.attention) == length
            torch.testing.assert_close(torch.tensor(step.attention), attention[b, t, :length], rtol=0, atol=TOL)
            assert bool((attention[b, t, length:] == 0.0).all())  # padding gets exactly nothing
            # c_t = sum_s a_ts h_s, recomputed from the trace's own numbers
            recomputed = torch.tensor(step.attention) @ torch.tensor(trace.encoder_states)
            torch.testing.assert_close(torch.tensor(step.context), recomputed, rtol=0, atol=TOL)
            # raw scores: the scorer applied to h_t and the encoder states
            with torch.no_grad():
                scores = model.decoder.scorer(torch.tensor([step.decoder_state]), torch.tensor([trace.encoder_states]))[
                    0
                ]
            torch.testing.assert_close(torch.tensor(step.scores), scores, rtol=0, atol=1e-4)


@pytest.mark.parametrize(("scorer", "cell"), grid())
def test_stepping_equals_teacher_forced_batch(scorer, cell):
    num_layers, bidirectional = SHAPES[cell]
    translator = tiny_translator(scorer=scorer, cell=cell, num_layers=num_layers, bidirectional=bidirectional)
    _check_force_matches_forward(translator)


@pytest.mark.parametrize(("num_layers", "bidirectional"), [(1, True), (1, False), (2, True), (2, False)])
@pytest.mark.parametrize("cell", CELLS)
def test_stepping_equals_batch_for_every_shape(cell, num_layers, bidirectional):
    translator = tiny_translator(seed=4, scorer="concat", cell=cell, num_layers=num_layers, bidirectional=bidirectional)
    _check_force_matches_forward(translator)


@pytest.mark.parametrize("cell", CELLS)
def test_a_loaded_model_steps_equal_its_batch_forward(cell, tmp_path):
    """Loaded models decode through the token-input table (`precompute_token_inputs`), their
    eval-mode batch forward too: stepping and the forward still agree."""
    original = tiny_translator(seed=5, scorer="general", cell=cell, num_layers=2, bidirectional=True)
    save_checkpoint(tmp_path / "m", original.model, original.source_tokenizer, original.target_tokenizer, {})
    loaded = load_checkpoint(tmp_path / "m")
    assert loaded.model.decoder.token_input_table is not None
    _check_force_matches_forward(loaded)


@pytest.mark.parametrize("scorer", SCORERS)
def test_step_with_choose_equals_force(scorer):
    """force() is step(choose=...) in a loop: the same steps whichever way they are driven."""
    translator = tiny_translator(scorer=scorer)
    trace = translator.force("abc", "cba")
    state, steps = translator.start("abc"), []
    for token in ["c", "b", "a", "</s>"]:  # choose by piece
        steps.append(translator.step(state, choose=token))
        state = steps[-1].next_state
    assert steps == trace.steps
    assert state.finished


@pytest.mark.parametrize("scorer", SCORERS)
def test_batched_greedy_equals_stepped_greedy(scorer):
    translator = tiny_translator(scorer=scorer, cell="lstm")
    sources = [src for src, _ in PAIRS] + ["hh", "a"]
    assert translator.translate_batch(sources, batch_size=3) == [translator.greedy(s).output for s in sources]


@pytest.mark.parametrize("scorer", SCORERS)
def test_a_greedy_step_takes_the_argmax_and_reports_it_first(scorer):
    translator = tiny_translator(scorer=scorer, topk=3)
    state = translator.start("abc")
    out = translator.advance(state)
    step = translator.step(state)
    assert step.token_id == int(out.logits[0].argmax()) == step.topk[0][1]
    assert step.prob == step.topk[0][2] and len(step.topk) == 3
    assert step.prob == pytest.approx(float(torch.softmax(out.logits[0], -1).max()), abs=1e-7)


# -- the step API never mutates --------------------------------------------------------------------
@pytest.mark.parametrize(("scorer", "cell"), grid())
def test_decoding_never_changes_the_model(scorer, cell):
    translator = tiny_translator(scorer=scorer, cell=cell, num_layers=SHAPES[cell][0])
    before = snapshot(translator.model)
    translator.greedy("abc")
    translator.beam("abc", width=3)
    translator.sample("abc", temperature=0.7, top_k=3, seed=1)
    translator.force("abc", "cba")
    translator.translate_batch(["abc", "hg"])
    state = translator.start("abc")
    step = translator.step(state, choose="a")
    if translator.has_attention:
        translator.step(step.next_state, attention=[1.0, 0.0, 0.0, 0.0])
    assert changed(translator.model, before) == []
    assert not translator.model.training
    assert all(p.grad is None for p in translator.model.parameters())


def _steps(translator, text, n):
    state, steps = translator.start(text), []
    while len(steps) < n and not state.finished:
        steps.append(translator.step(state))
        state = steps[-1].next_state
    return steps


@pytest.mark.parametrize("cell", CELLS)
def test_interleaved_decodes_equal_sequential_ones(cell):
    translator = tiny_translator(scorer="general", cell=cell, num_layers=2)
    n = 6
    alone_a, alone_b = _steps(translator, "abc", n), _steps(translator, "hgfe dc", n)
    state_a, state_b = translator.start("abc"), translator.start("hgfe dc")
    mixed_a, mixed_b = [], []
    for _ in range(n):
        if not state_a.finished:
            mixed_a.append(translator.step(state_a))
            state_a = mixed_a[-1].next_state
        if not state_b.finished:
            mixed_b.append(translator.step(state_b))
            state_b = mixed_b[-1].next_state
    assert mixed_a == alone_a  # Step equality is exact: every float of every field
    assert mixed_b == alone_b
    assert alone_a != alone_b


def test_threads_sharing_a_translator_get_the_sequential_results():
    translator = tiny_translator(scorer="concat", cell="gru")
    texts = ["abc", "hgfedcba", "a b c", "e", "ddd", "bag"]
    expected = {t: translator.greedy(t).steps for t in texts}
    results: dict[str, list] = {}

    def run(text):
        results[text] = translator.greedy(text).steps

    threads = [threading.Thread(target=run, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


@pytest.mark.parametrize("cell", CELLS)
def test_step_does_not_mutate_its_state(cell):
    translator = tiny_translator(scorer="dot", cell=cell)
    state = translator.start("abcd")
    after_two = _steps(translator, "abcd", 2)[-1].next_state
    hidden = state.hidden if isinstance(state.hidden, tuple) else (state.hidden,)
    copies = [h.clone() for h in hidden], state.feed.clone(), state.memory.clone()
    for s in (state, after_two):
        ids, prev = s.output_ids, s.prev_id
        translator.step(s)
        translator.step(s, choose="h")
        if translator.has_attention:
            translator.step(s, attention=[0.2] * 5)
        assert s.output_ids == ids and s.prev_id == prev and not s.finished
    assert state.output_ids == () and state.prev_id == translator.config.bos_id and state.position == 0
    assert len(after_two.output_ids) == 2
    for h, copy in zip(hidden, copies[0], strict=True):
        assert torch.equal(h, copy)
    assert torch.equal(state.feed, copies[1]) and torch.equal(state.memory, copies[2])
    # the same state stepped twice gives the same step
    assert translator.step(state) == translator.step(state)
    with pytest.raises(AttributeError):
        state.prev_id = 5  # frozen


@pytest.mark.parametrize("scorer", SCORERS)
def test_choose_forces_the_token_and_changes_what_follows(scorer):
    translator = tiny_translator(scorer=scorer, topk=100)  # topk holds the whole distribution
    with torch.no_grad():
        translator.model.decoder.W_o.bias[EOS] = -1e4  # keep both paths going for a second step
    state = translator.start("abc")
    free = translator.step(state)
    alternative = next(i for i in range(4, translator.config.tgt_vocab_size) if i != free.token_id)
    forced = translator.step(state, choose=alternative)
    assert forced.token_id == alternative and forced.forced and not free.forced
    assert forced.next_state.prev_id == alternative
    assert forced.next_state.output_ids == (alternative,)
    # same distribution at this step: only the choice differs
    assert forced.topk == free.topk and forced.attention == free.attention
    probs = {i: p for _, i, p in free.topk}
    assert len(probs) == translator.config.tgt_vocab_size
    assert forced.prob == probs[alternative] < free.prob == max(probs.values())
    # the next step reads the forced token, so its numbers differ from the free path's
    after_free, after_forced = translator.step(free.next_state), translator.step(forced.next_state)
    assert after_forced.decoder_state != after_free.decoder_state
    assert after_forced.topk != after_free.topk
    # and it is what a greedy decode with that prefix does
    assert translator.greedy("abc", prefix=[alternative]).steps[1] == after_forced


def test_choose_rejects_tokens_outside_the_vocabulary():
    translator = tiny_translator()
    state = translator.start("abc")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        translator.step(state, choose=translator.config.tgt_vocab_size)
    with pytest.raises(ValueError, match="not a token"):
        translator.step(state, choose="zz")


@pytest.mark.parametrize("scorer", ATTENTION_SCORERS)
def test_attention_override(scorer):
    translator = tiny_translator(scorer=scorer, cell="lstm")
    state = translator.start("abcd")  # 5 source tokens with </s>
    free = translator.step(state)
    override = [0.1, 0.0, 0.6, 0.3, 0.0]
    step = translator.step(state, attention=override)
    assert step.overridden and not free.overridden
    assert step.attention == pytest.approx(override, abs=1e-7)
    expected_context = torch.tensor([override]) @ state.memory[0]
    torch.testing.assert_close(torch.tensor(step.context), expected_context[0], rtol=0, atol=1e-6)
    # the raw scores are still the model's own; only the weights (and what follows) change
    assert step.scores == free.scores
    assert step.decoder_state == free.decoder_state
    assert step.context != free.context
    # an override equal to the model's own weights changes nothing
    same = translator.step(state, attention=free.attention)
    assert same.context == pytest.approx(free.context, abs=1e-6)
    assert same.prob == pytest.approx(free.prob, abs=1e-6)


@pytest.mark.parametrize("length", [4, 6, 0])
def test_attention_override_of_the_wrong_length_is_refused(length):
    translator = tiny_translator(scorer="general")
    state = translator.start("abcd")
    with pytest.raises(ValueError, match="5"):
        translator.step(state, attention=[1.0 / max(length, 1)] * length)


def test_attention_override_without_attention_is_refused():
    translator = tiny_translator(scorer="none")
    state = translator.start("abcd")
    with pytest.raises(ValueError, match="no attention"):
        translator.step(state, attention=[0.2] * 5)


def test_stepping_a_finished_state_is_refused():
    translator = tiny_translator()
    finished = translator.force("abc", "cba").steps[-1].next_state
    assert finished.finished
    with pytest.raises(ValueError):
        translator.step(finished)


@pytest.mark.parametrize("text", ["", "   ", "a" * (MAX_SOURCE_TOKENS + 1)])
def test_start_refuses_empty_and_too_long_sources(text):
    translator = tiny_translator()  # general: no position-specific weights, MAX_SOURCE_TOKENS
    with pytest.raises(InputError):
        translator.start(text)
    translator.start("a" * MAX_SOURCE_TOKENS)


def test_location_takes_only_its_trained_lengths():
    translator = tiny_translator(scorer="location")  # max_source_len 16: trained on 14 tokens + </s>
    assert translator.source_limit == translator.trained_source_len == 14
    translator.start("a" * 14)
    with pytest.raises(InputError, match="trained on sources of at most 14 tokens; this one has 15"):
        translator.start("a" * 15)


def test_greedy_stops_at_max_len_and_says_so():
    translator = tiny_translator()
    with torch.no_grad():
        translator.model.decoder.W_o.bias[EOS] = -1e4  # </s> can never win
    trace = translator.greedy("abc", max_len=5)
    assert len(trace.steps) == 5 and trace.hit_max_len
    assert len(translator.greedy("abc").steps) == translator.config.max_target_len
