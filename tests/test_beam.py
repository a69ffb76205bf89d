"""Beam search: driven by hand-made log-probability tables (no model), then through a Translator."""

from __future__ import annotations

import math

import pytest
import torch

from seq2seq.beam import BeamSearch
from seq2seq.config import CELLS, SCORERS
from seq2seq.tokenizers import EOS
from tests.helpers import grid, tiny_translator

PAD_, A, B_ = 0, 1, 2  # token ids of the hand-made vocabulary; EOS = 3


def _row(pad: float, a: float, b: float, eos: float) -> list[float]:
    return [pad, a, b, eos]


# p(next | prefix): greedy takes "a" (0.55) then "a" (0.40) then </s> (0.90): p = 0.198,
# while "b </s>" has p = 0.40 * 0.90 = 0.36. A width-2 beam finds it; greedy cannot.
TABLE = {
    (): _row(0.01, 0.55, 0.40, 0.04),
    (A,): _row(0.01, 0.40, 0.30, 0.29),
    (B_,): _row(0.01, 0.04, 0.05, 0.90),
}
DEFAULT = _row(0.01, 0.04, 0.05, 0.90)


def _drive(search: BeamSearch, table: dict, default: list[float] = DEFAULT, limit: int = 50) -> list[tuple]:
    """Feed `search` the rows of `table` for its live prefixes until done; returns each round's answer."""
    rounds = []
    while not search.done:
        assert len(rounds) < limit, "the search never ended"
        prefixes = [search.path(n) for n in search.alive]
        log_probs = torch.log(torch.tensor([table.get(p, default) for p in prefixes]))
        before = log_probs.clone()
        parents, tokens = search.advance(log_probs)
        assert torch.equal(log_probs, before)  # never changes its input in place
        # the rows kept and tokens fed next are exactly the new live hypotheses
        assert [search.path(n) for n in search.alive] == [
            prefixes[p] + (t,) for p, t in zip(parents, tokens, strict=True)
        ]
        rounds.append((parents, tokens))
    return rounds


@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
def test_beam_finds_what_greedy_misses(length_penalty):
    search = BeamSearch(width=2, eos_id=EOS, max_len=10, length_penalty=length_penalty)
    rounds = _drive(search, TABLE)
    assert rounds[0] == ([0, 0], [A, B_])  # both first tokens live on
    assert rounds[1] == ([0], [A])  # "b </s>" finished; "a a" continues
    best, second = search.hypotheses()
    assert best.token_ids == (B_, EOS) and best.finished
    assert best.logprob == pytest.approx(math.log(0.40) + math.log(0.90), abs=1e-6)
    assert best.score == pytest.approx(best.logprob / 2**length_penalty, abs=1e-6)
    assert second.token_ids == (A, A, EOS) and second.finished
    assert second.logprob == pytest.approx(math.log(0.55 * 0.40 * 0.90), abs=1e-6)
    assert second.score == pytest.approx(second.logprob / 3**length_penalty, abs=1e-6)


def test_width_one_is_greedy_on_the_same_table():
    search = BeamSearch(width=1, eos_id=EOS, max_len=10)
    _drive(search, TABLE)
    (only,) = search.hypotheses()
    assert only.token_ids == (A, A, EOS)
    assert only.logprob == pytest.approx(math.log(0.55 * 0.40 * 0.90), abs=1e-6)


def test_length_penalty_changes_the_ranking():
    """Raw sums favour the short "</s>" (p 0.45); per-token averages favour "a a </s>" (p 0.4275)."""
    table = {
        (): _row(0.01, 0.50, 0.04, 0.45),
        (A,): _row(0.01, 0.90, 0.05, 0.04),
        (A, A): _row(0.01, 0.02, 0.02, 0.95),
    }
    best = {}
    for penalty in (0.0, 1.0):
        search = BeamSearch(width=2, eos_id=EOS, max_len=10, length_penalty=penalty)
        _drive(search, table)
        hypotheses = search.hypotheses()
        assert [h.score for h in hypotheses] == sorted((h.score for h in hypotheses), reverse=True)
        best[penalty] = hypotheses[0].token_ids
    assert best[0.0] == (EOS,)
    assert best[1.0] == (A, A, EOS)


def test_max_len_cut_is_flagged_when_eos_never_wins():
    # p(next) depends on the last token, so no two paths tie.
    table = {
        (): _row(0.01, 0.60, 0.38, 0.01),
    }
    after = {A: _row(0.01, 0.70, 0.28, 0.01), B_: _row(0.01, 0.50, 0.48, 0.01)}

    class ByLast(dict):
        def get(self, prefix, default=None):
            return table[()] if not prefix else after[prefix[-1]]

    search = BeamSearch(width=2, eos_id=EOS, max_len=3)
    _drive(search, ByLast())
    hypotheses = search.hypotheses()
    assert len(hypotheses) == 2
    assert all(not h.finished and len(h.token_ids) == 3 for h in hypotheses)
    assert hypotheses[0].token_ids == (A, A, A)
    assert hypotheses[0].logprob == pytest.approx(math.log(0.60 * 0.70 * 0.70), abs=1e-6)
    assert hypotheses[1].token_ids == (B_, A, A)


def test_tree_records_every_expansion():
    search = BeamSearch(width=2, eos_id=EOS, max_len=10)
    _drive(search, TABLE)
    root, *nodes = search.tree
    assert root.parent is None and root.token_id is None and root.cumulative == 0.0 and root.depth == 0
    assert len(nodes) == 2 + 2 + 2  # width nodes per round, three rounds
    for index, node in enumerate(search.tree):
        assert node.id == index
    for node in nodes:
        parent = search.tree[node.parent]
        assert node.depth == parent.depth + 1
        assert node.cumulative == pytest.approx(parent.cumulative + node.logprob, abs=1e-6)
        prefix = search.path(parent.id)
        assert node.logprob == pytest.approx(math.log(TABLE.get(prefix, DEFAULT)[node.token_id]), abs=1e-6)


def test_advance_checks_its_input():
    search = BeamSearch(width=2, eos_id=EOS, max_len=5)
    with pytest.raises(ValueError, match="expected 1 rows"):
        search.advance(torch.zeros(2, 4))
    with pytest.raises(ValueError):
        BeamSearch(width=0, eos_id=EOS, max_len=5)


# -- through a model ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("scorer", "cell"), grid(SCORERS, ("gru",)) + grid(("general",), CELLS))
def test_width_one_equals_greedy(scorer, cell):
    translator = tiny_translator(seed=3, scorer=scorer, cell=cell)
    for text in ("abc", "hgfe dcba"):
        greedy = translator.greedy(text)
        beam = translator.beam(text, width=1)
        assert [s.token_id for s in beam.steps] == [s.token_id for s in greedy.steps]
        assert list(beam.hypotheses[0].token_ids) == [s.token_id for s in greedy.steps]
        assert beam.hit_max_len == greedy.hit_max_len


def _check_tree(trace):
    tree = {node.id: node for node in trace.tree}
    assert trace.tree[0].parent is None and trace.tree[0].depth == 0 and trace.tree[0].token == "<s>"
    assert all(node.parent is not None for node in trace.tree[1:])
    for h in trace.hypotheses:
        ids, logprobs, node = [], [], tree[h.node]
        while node.parent is not None:
            ids.append(node.token_id)
            logprobs.append(node.logprob)
            node = tree[node.parent]
        assert tuple(ids[::-1]) == h.token_ids and len(h.tokens) == len(h.token_ids)
        assert tree[h.node].cumulative == pytest.approx(sum(logprobs), abs=1e-5)
        assert h.logprob == pytest.approx(sum(logprobs), abs=1e-5)
        assert tree[h.node].depth == len(h.token_ids)
        assert h.finished == (h.token_ids[-1] == EOS)


@pytest.mark.parametrize(("scorer", "cell"), [("general", "lstm"), ("concat", "gru"), ("none", "rnn")])
def test_beam_trace_is_consistent(scorer, cell):
    translator = tiny_translator(seed=5, scorer=scorer, cell=cell, num_layers=2)
    trace = translator.beam("abcde", width=4, max_len=8)
    hypotheses = trace.hypotheses
    assert 1 <= len(hypotheses) <= 4
    assert [h.score for h in hypotheses] == sorted((h.score for h in hypotheses), reverse=True)
    _check_tree(trace)
    # the trace re-runs the best hypothesis step by step: same tokens, same log-probability as
    # the batched beam computed (a wrong reordering of decoder states would break this)
    best = hypotheses[0]
    assert tuple(s.token_id for s in trace.steps) == best.token_ids
    assert tuple(trace.target_tokens) == best.tokens
    assert trace.logprob == pytest.approx(best.logprob, abs=1e-4)
    for h in hypotheses:
        stepped = 0.0
        state = translator.start("abcde")
        for token_id in h.token_ids:
            step = translator.step(state, choose=token_id)
            stepped += math.log(step.prob)
            state = step.next_state
        assert stepped == pytest.approx(h.logprob, abs=1e-4)


def test_beam_cut_at_max_len_is_flagged():
    translator = tiny_translator(seed=6, scorer="dot")
    with torch.no_grad():
        translator.model.decoder.W_o.bias[EOS] = -1e4  # </s> is never probable enough
    trace = translator.beam("abc", width=3, max_len=4)
    assert trace.hit_max_len
    assert len(trace.hypotheses) == 3
    assert all(not h.finished and len(h.token_ids) == 4 for h in trace.hypotheses)
    assert len({h.token_ids for h in trace.hypotheses}) == 3
    _check_tree(trace)
    data = trace.to_json()
    assert data["hit_max_len"] is True and len(data["hypotheses"]) == 3
