"""Each scorer against its formula written out by hand, and the one masked attend()."""

from __future__ import annotations

import math

import pytest
import torch

from seq2seq.attention import (
    SCORER_INFO,
    ConcatScorer,
    DotScorer,
    GeneralScorer,
    LocationScorer,
    ScaledDotScorer,
    Scorer,
    attend,
    make_scorer,
    scorer_has_weights,
)
from seq2seq.config import SCORERS
from tests.helpers import ATTENTION_SCORERS

B, S, H = 3, 5, 8
LENGTHS = (5, 3, 1)  # row 0 unpadded, row 2 a single real position


@pytest.fixture
def tensors():
    torch.manual_seed(0)
    query = torch.randn(B, H)  # h_t
    keys = torch.randn(B, S, H)  # h_s
    pad_mask = torch.arange(S)[None, :] >= torch.tensor(LENGTHS)[:, None]  # (B, S), True = padding
    return query, keys, pad_mask


def _randomize(module: torch.nn.Module) -> None:
    """Non-trivial weights (biases included), so a wrong formula cannot pass by luck."""
    torch.manual_seed(1)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p))


def test_dot_is_the_sum_of_products(tensors):
    query, keys, _ = tensors
    expected = (query[:, None, :] * keys).sum(-1)  # (B, S)
    torch.testing.assert_close(DotScorer()(query, keys), expected, rtol=0, atol=1e-5)


def test_scaled_dot_is_dot_over_sqrt_d(tensors):
    query, keys, _ = tensors
    scaled = ScaledDotScorer()(query, keys)
    torch.testing.assert_close(scaled, (query[:, None, :] * keys).sum(-1) / math.sqrt(H), rtol=0, atol=1e-5)
    # exactly that relation to the dot scorer, not an approximation of it
    assert torch.equal(scaled, DotScorer()(query, keys) / math.sqrt(H))


def test_general_with_identity_equals_dot(tensors):
    query, keys, _ = tensors
    general = GeneralScorer(H)
    with torch.no_grad():
        general.W_a.weight.copy_(torch.eye(H))
    torch.testing.assert_close(general(query, keys), DotScorer()(query, keys), rtol=0, atol=1e-6)


def test_general_is_bilinear_form(tensors):
    query, keys, _ = tensors
    general = GeneralScorer(H)
    _randomize(general)
    W = general.W_a.weight  # W_a in h_t^T W_a h_s
    expected = torch.einsum("bi,ij,bsj->bs", query, W, keys)
    torch.testing.assert_close(general(query, keys), expected, rtol=0, atol=1e-4)
    # and not the transpose: the formula is not symmetric in W_a
    transposed = torch.einsum("bi,ji,bsj->bs", query, W, keys)
    assert not torch.allclose(general(query, keys), transposed, atol=1e-3)


def test_concat_is_additive_attention(tensors):
    query, keys, _ = tensors
    concat = ConcatScorer(H)
    _randomize(concat)
    W, U, b = concat.W_a.weight, concat.U_a.weight, concat.U_a.bias
    v = concat.v_a.weight[0]
    energy = torch.tanh(torch.einsum("ij,bj->bi", W, query)[:, None, :] + torch.einsum("ij,bsj->bsi", U, keys) + b)
    expected = torch.einsum("i,bsi->bs", v, energy)
    torch.testing.assert_close(concat(query, keys), expected, rtol=0, atol=1e-5)


def test_location_is_a_score_per_position(tensors):
    query, keys, _ = tensors
    location = LocationScorer(H, max_source_len=S + 4)
    _randomize(location)
    expected = (torch.einsum("ij,bj->bi", location.W_a.weight, query) + location.W_a.bias)[:, :S]
    torch.testing.assert_close(location(query, keys), expected, rtol=0, atol=1e-5)
    # the keys' values play no part, only their number
    assert torch.equal(location(query, keys), location(query, torch.randn_like(keys)))
    assert location(query, keys[:, :2]).shape == (B, 2)


@pytest.mark.parametrize("name", ATTENTION_SCORERS)
def test_scores_are_per_sentence(name, tensors):
    """A row's scores depend on that row only: batching does not mix sentences."""
    query, keys, _ = tensors
    torch.manual_seed(2)
    scorer = make_scorer(name, H, S)
    with torch.no_grad():
        batch = scorer(query, keys)
        rows = [scorer(query[b : b + 1], keys[b : b + 1])[0] for b in range(B)]
    assert batch.shape == (B, S)
    for b in range(B):
        torch.testing.assert_close(rows[b], batch[b], rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ATTENTION_SCORERS)
def test_attend_masks_and_normalizes(name, tensors):
    query, keys, pad_mask = tensors
    torch.manual_seed(3)
    scorer = make_scorer(name, H, S)
    with torch.no_grad():
        scores = scorer(query, keys)
        weights = attend(scores, pad_mask)
    assert weights.shape == (B, S)
    for b, length in enumerate(LENGTHS):
        assert abs(float(weights[b, :length].sum()) - 1.0) < 1e-6
        assert all(float(w) == 0.0 for w in weights[b, length:])  # exactly zero, not tiny
        manual = torch.exp(scores[b, :length] - scores[b, :length].max())
        torch.testing.assert_close(weights[b, :length], manual / manual.sum(), rtol=0, atol=1e-6)
        assert bool((weights[b, :length] > 0).all())


def test_attend_without_a_mask_is_the_plain_softmax(tensors):
    """None (one unpadded sentence, as decoding passes it) equals an all-False mask, bit for bit."""
    query, keys, _ = tensors
    scores = DotScorer()(query, keys)
    no_padding = torch.zeros_like(scores, dtype=torch.bool)
    assert torch.equal(attend(scores, None), attend(scores, no_padding))


def test_attend_ignores_scores_under_padding(tensors):
    """Whatever sits under the mask (even inf or nan) changes nothing."""
    query, keys, pad_mask = tensors
    scores = DotScorer()(query, keys)
    poisoned = scores.masked_fill(pad_mask, float("nan"))
    poisoned[1, 4] = float("inf")
    assert torch.equal(attend(poisoned, pad_mask), attend(scores, pad_mask))


def test_attend_does_not_modify_scores(tensors):
    query, keys, pad_mask = tensors
    scores = DotScorer()(query, keys)
    before = scores.clone()
    attend(scores, pad_mask)
    assert torch.equal(scores, before)


def _all_scorer_classes() -> list[type[Scorer]]:
    found, todo = [], list(Scorer.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("cls", _all_scorer_classes(), ids=lambda c: c.__name__)
def test_every_scorer_carries_its_formula(cls):
    assert cls.name in SCORERS
    for field in ("formula", "latex", "reference"):
        assert getattr(cls, field).strip(), f"{cls.__name__}.{field} is empty"
        assert SCORER_INFO[cls.name][field] == getattr(cls, field)


def test_scorer_info_covers_every_scorer():
    assert set(SCORER_INFO) == set(SCORERS)
    assert {cls.name for cls in _all_scorer_classes()} == set(SCORERS)
    for name in SCORERS:
        assert make_scorer(name, H, S).name == name


def test_a_scorer_has_weights_of_its_own_exactly_when_its_formula_names_learned_tensors():
    from seq2seq.attention import SCORER_CLASSES

    with_weights = {name for name in SCORERS if scorer_has_weights(name)}
    assert with_weights == {name for name, cls in SCORER_CLASSES.items() if cls.symbols}
    assert {"general", "concat", "location"} <= with_weights and not with_weights & {"none", "dot", "scaled_dot"}


def test_unknown_scorer_is_refused():
    with pytest.raises(ValueError, match="unknown scorer"):
        make_scorer("no-such-scorer", H, S)


def test_the_scorer_classes_are_the_one_list():
    """Each class registers under its name; make_scorer, SCORER_INFO and the configs read that registry,
    and seq2seq.scorers.SCORERS (the names, for what must not import torch) lists the same, in order."""
    from seq2seq import attention
    from seq2seq.scorers import SCORERS as NAMES

    assert set(attention.SCORER_CLASSES) == set(NAMES) and tuple(SCORER_INFO) == NAMES == SCORERS
    for name, cls in attention.SCORER_CLASSES.items():
        assert cls.name == name and cls.description.strip() and SCORER_INFO[name]["description"] == cls.description
        assert type(make_scorer(name, H, S)) is cls


def test_a_scorer_class_not_listed_by_name_is_an_import_error(monkeypatch):
    from seq2seq import attention

    monkeypatch.setitem(attention.SCORER_CLASSES, "unlisted", DotScorer)
    with pytest.raises(ImportError, match=r"classes not listed \['unlisted'\]"):
        attention._check_registry()
    monkeypatch.delitem(attention.SCORER_CLASSES, "unlisted")
    monkeypatch.delitem(attention.SCORER_CLASSES, "dot")
    with pytest.raises(ImportError, match=r"listed without a class \['dot'\]"):
        attention._check_registry()


def test_a_scorer_says_whether_it_is_positional_and_the_torch_free_names_agree():
    from seq2seq import attention, scorers

    assert {name for name, cls in attention.SCORER_CLASSES.items() if cls.positional} == set(scorers.POSITIONAL)
    assert [name for name in SCORERS if scorers.is_positional(name)] == ["location"]


def test_the_default_scorer_is_named_once_and_falls_back_to_a_tasks_first():
    from seq2seq import scorers
    from seq2seq.config import TrainConfig

    assert TrainConfig().scorer == scorers.DEFAULT_SCORER == scorers.default_scorer(SCORERS)
    assert scorers.default_scorer(("none", "dot")) == "none"
