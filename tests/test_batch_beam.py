"""Batched beam search (`translate --beam`): hand-made tables (no model), then through a Translator.

Each sentence of a batch must get exactly what `BeamSearch` (the per-sentence search behind
`Translator.beam`) gives it alone: the same hypotheses, log-probabilities and scores.
"""

from __future__ import annotations

import math
import random

import pytest
import torch

from seq2seq.beam import BatchBeamSearch, BeamSearch
from seq2seq.config import SCORERS
from seq2seq.decoding import MAX_SOURCE_TOKENS, InputError
from seq2seq.tokenizers import EOS
from tests.helpers import changed, snapshot, tiny_translator

PAD_, A, B_ = 0, 1, 2  # token ids of the hand-made vocabulary; EOS = 3


def _row(pad: float, a: float, b: float, eos: float) -> list[float]:
    return [pad, a, b, eos]


DEFAULT = _row(0.01, 0.04, 0.05, 0.90)


def _hashed(prefix: tuple[int, ...]) -> list[float]:
    """A row of its own for every prefix, </s> likely: no two paths tie (a tie's order is topk's choice)."""
    rng = random.Random(repr(prefix))
    weights = [rng.random() for _ in range(3)] + [1.5 + rng.random()]
    return [w / sum(weights) for w in weights]


class Table:
    """p(next | prefix) from a dict, or from the prefix's last token (`by_last`), else `_hashed`."""

    def __init__(self, rows: dict, by_last: dict | None = None):
        self.rows, self.by_last = rows, by_last or {}

    def get(self, prefix: tuple[int, ...]) -> list[float]:
        if prefix in self.rows:
            return self.rows[prefix]
        if prefix and prefix[-1] in self.by_last:
            return self.by_last[prefix[-1]]
        return _hashed(prefix)


# greedy takes "a a </s>" (p 0.198); "b </s>" (p 0.36) needs a beam (test_beam.py's table)
MISSES = Table(
    {
        (): _row(0.01, 0.55, 0.40, 0.04),
        (A,): _row(0.01, 0.40, 0.30, 0.29),
        (A, A): DEFAULT,
        (B_,): DEFAULT,
    }
)
# raw sums favour "</s>" (0.45), per-token averages "a a </s>" (0.4275)
PENALTY = Table(
    {
        (): _row(0.01, 0.50, 0.04, 0.45),
        (A,): _row(0.01, 0.90, 0.05, 0.04),
        (A, A): _row(0.01, 0.02, 0.02, 0.95),
    }
)
# </s> never wins: every hypothesis is cut at max_len
NEVER_ENDS = Table(
    {(): _row(0.01, 0.60, 0.38, 0.01)}, by_last={A: _row(0.01, 0.70, 0.28, 0.01), B_: _row(0.01, 0.50, 0.48, 0.01)}
)
# ends at once, or after "b": a sentence that is done while the others go on
SHORT = Table({(): _row(0.001, 0.002, 0.003, 0.994), (B_,): _row(0.001, 0.002, 0.003, 0.994)})
TABLES = [MISSES, PENALTY, NEVER_ENDS, SHORT]


def _drive_one(table: Table, **kwargs) -> BeamSearch:
    search = BeamSearch(**kwargs)
    while not search.done:
        prefixes = [search.path(n) for n in search.alive]
        search.advance(torch.log(torch.tensor([table.get(p) for p in prefixes])))
    return search


def _drive_batch(tables: list[Table], limit: int = 50, **kwargs) -> tuple[BatchBeamSearch, list[int]]:
    """Feed the batched search its live rows' table rows until done; returns it and the rows per round."""
    search = BatchBeamSearch(batch_size=len(tables), **kwargs)
    sizes = []
    while not search.done:
        assert len(sizes) < limit, "the search never ended"
        paths = search.paths()
        assert [b for b, _ in paths] == sorted(b for b, _ in paths)  # sentence by sentence
        assert search.sentences.tolist() == [b for b, _ in paths]
        log_probs = torch.log(torch.tensor([tables[b].get(p) for b, p in paths]))
        before = log_probs.clone()
        parents, tokens = search.advance(log_probs)
        assert torch.equal(log_probs, before)  # never changes its input in place
        # the rows kept and tokens fed next are exactly the new live hypotheses
        assert search.paths() == [
            (paths[p][0], paths[p][1] + (t,)) for p, t in zip(parents.tolist(), tokens.tolist(), strict=True)
        ]
        sizes.append(len(paths))
    return search, sizes


@pytest.mark.parametrize("width", [1, 2, 3, 6])
@pytest.mark.parametrize("length_penalty", [0.0, 1.0])
@pytest.mark.parametrize("max_len", [2, 3, 10])
def test_each_sentence_gets_what_the_single_search_gives(width, length_penalty, max_len):
    """Width 6 is over the vocabulary's 4 tokens: a first step has fewer candidates than slots."""
    kwargs = dict(width=width, eos_id=EOS, max_len=max_len, length_penalty=length_penalty)
    tables = TABLES + TABLES[::-1]  # every table in two positions of the batch
    batch, _ = _drive_batch(tables, **kwargs)
    for b, table in enumerate(tables):
        alone = _drive_one(table, **kwargs).hypotheses()
        together = batch.hypotheses(b)
        assert [h.token_ids for h in together] == [h.token_ids for h in alone]
        assert [h.logprob for h in together] == [h.logprob for h in alone]  # the same float32 sums
        assert [h.score for h in together] == [h.score for h in alone]
        assert [h.finished for h in together] == [h.finished for h in alone]
        assert all(h.node == -1 for h in together)  # no tree
    assert [hs[0] for hs in (batch.hypotheses(b) for b in range(len(tables)))] == batch.best()


def test_known_answers():
    batch, sizes = _drive_batch(TABLES, width=2, eos_id=EOS, max_len=3, length_penalty=1.0)
    best = batch.best()
    assert best[0].token_ids == (B_, EOS) and best[0].finished
    assert best[0].logprob == pytest.approx(math.log(0.40 * 0.90), abs=1e-6)
    assert best[1].token_ids == (A, A, EOS)
    assert best[1].score == pytest.approx(math.log(0.50 * 0.90 * 0.95) / 3, abs=1e-6)
    assert best[2].token_ids == (A, A, A) and not best[2].finished
    assert best[2].logprob == pytest.approx(math.log(0.60 * 0.70 * 0.70), abs=1e-6)
    assert best[3].token_ids == (EOS,)
    assert sizes[0] == 4  # one empty hypothesis per sentence to start


def test_a_sentence_that_is_done_takes_no_rows():
    """SHORT finishes "</s>" at once and "b </s>" next (width 2); NEVER_ENDS keeps two rows to max_len."""
    search = BatchBeamSearch(batch_size=2, width=2, eos_id=EOS, max_len=4)
    tables = [SHORT, NEVER_ENDS]
    search.advance(torch.log(torch.tensor([t.get(()) for t in tables])))
    assert search.paths() == [(0, (B_,)), (1, (A,)), (1, (B_,))]
    search.advance(torch.log(torch.tensor([tables[b].get(p) for b, p in search.paths()])))
    assert [b for b, _ in search.paths()] == [1, 1]
    assert [h.token_ids for h in search.finished[0]] == [(EOS,), (B_, EOS)]


@pytest.mark.parametrize("max_len", [2, 10])
def test_width_one_is_greedy_on_every_table(max_len):
    batch, _ = _drive_batch(TABLES, width=1, eos_id=EOS, max_len=max_len)
    for table, best in zip(TABLES, batch.best(), strict=True):
        path: tuple[int, ...] = ()
        while len(path) < max_len and (not path or path[-1] != EOS):
            row = table.get(path)
            path += (row.index(max(row)),)
        assert best.token_ids == path
        assert best.finished == (path[-1] == EOS)


def test_advance_checks_its_input():
    search = BatchBeamSearch(batch_size=3, width=2, eos_id=EOS, max_len=5)
    with pytest.raises(ValueError, match="expected 3 rows"):
        search.advance(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="expected 3 rows"):
        search.advance(torch.zeros(3, 1, 4))
    with pytest.raises(ValueError):
        BatchBeamSearch(batch_size=3, width=0, eos_id=EOS, max_len=5)
    with pytest.raises(ValueError):
        BatchBeamSearch(batch_size=0, width=2, eos_id=EOS, max_len=5)


# -- through a model ---------------------------------------------------------------------------------
def _texts(count: int, seed: int) -> list[str]:
    """Sources of 1 to 15 characters (the tiny models take 15): batches pad every sentence but one."""
    rng = random.Random(seed)
    texts = ["".join(rng.choice("abcdefgh ") for _ in range(rng.randint(1, 15))) for _ in range(count)]
    return [t if t.strip() else "a" + t for t in texts]


def _check_equal(translator, texts, width, max_len=None, batch_size=5):
    together = translator.beam_batch(texts, width=width, max_len=max_len, batch_size=batch_size)
    for text, best in zip(texts, together, strict=True):
        alone = translator.beam(text, width=width, max_len=max_len).hypotheses[0]
        assert best.token_ids == alone.token_ids, text
        assert best.finished == alone.finished
        assert best.logprob == pytest.approx(alone.logprob, abs=1e-4)
        assert best.score == pytest.approx(alone.score, abs=1e-4)
    return together


@pytest.mark.parametrize("scorer", SCORERS)
@pytest.mark.parametrize("width", [2, 5])
def test_equals_the_single_sentence_beam(scorer, width):
    # a bidirectional GRU for half the scorers, an LSTM of two layers for the other half
    shape = dict(cell="gru") if SCORERS.index(scorer) % 2 else dict(cell="lstm", num_layers=2, bidirectional=False)
    translator = tiny_translator(seed=11, scorer=scorer, **shape)
    _check_equal(translator, _texts(14, seed=SCORERS.index(scorer)), width)


def test_cut_at_max_len_equals_the_single_sentence_beam():
    translator = tiny_translator(seed=6, scorer="dot")
    with torch.no_grad():
        translator.model.decoder.W_o.bias[EOS] = -1e4  # </s> is never probable enough
    together = _check_equal(translator, _texts(6, seed=1), width=3, max_len=4)
    assert all(not h.finished and len(h.token_ids) == 4 for h in together)


@pytest.mark.parametrize("scorer", ["none", "general", "location"])
def test_width_one_equals_batched_greedy(scorer):
    translator = tiny_translator(seed=4, scorer=scorer)
    texts = _texts(20, seed=7)
    greedy = translator.translate_batch(texts, batch_size=6)
    assert translator.translate_batch(texts, batch_size=6, beam=1) == greedy
    for text, best in zip(texts, translator.beam_batch(texts, width=1, batch_size=6), strict=True):
        assert list(best.token_ids) == [s.token_id for s in translator.greedy(text).steps]


def test_translate_batch_beam_gives_the_beam_outputs():
    translator = tiny_translator(seed=2, scorer="concat")
    texts = _texts(9, seed=3)
    assert translator.translate_batch(texts, beam=3, batch_size=4) == [
        translator.beam(t, width=3).output for t in texts
    ]


def test_refused_inputs():
    translator = tiny_translator(seed=1)
    texts = ["abc", "", "a" * (MAX_SOURCE_TOKENS + 1), "   ", "hgf"]
    refused: list[int] = []
    best = translator.beam_batch(texts, width=3, refused=refused)
    assert refused == [1, 2, 3]
    assert [h is None for h in best] == [False, True, True, True, False]
    refused = []
    outputs = translator.translate_batch(texts, beam=3, refused=refused)
    assert refused == [1, 2, 3] and outputs[1:4] == ["", "", ""]
    assert outputs[0] == translator.beam("abc", width=3).output
    with pytest.raises(InputError):
        translator.beam_batch(texts, width=3)
    assert translator.beam_batch([], width=3) == []


def _module_attributes(model: torch.nn.Module) -> dict[str, dict[str, int]]:
    """Every module's own attributes (names and object ids): what a decode could leave behind."""
    return {name: {k: id(v) for k, v in vars(module).items()} for name, module in model.named_modules()}


def test_leaves_the_model_and_translator_unchanged():
    translator = tiny_translator(seed=8, scorer="concat", cell="lstm", num_layers=2, bidirectional=False)
    weights, attributes = snapshot(translator.model), _module_attributes(translator.model)
    own = dict(vars(translator))
    first = translator.beam_batch(_texts(12, seed=2), width=4, batch_size=5)
    assert changed(translator.model, weights) == []
    assert _module_attributes(translator.model) == attributes
    assert vars(translator) == own
    assert not translator.model.training
    # and a second run gives the same answers (no state carried over)
    assert translator.beam_batch(_texts(12, seed=2), width=4, batch_size=5) == first
