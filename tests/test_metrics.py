"""Metrics against hand-computed values."""

import math

import pytest

from seq2seq.metrics import alignment_scores, bleu, char_accuracy, chrf, exact_match, row_entropy


def test_exact_match_and_char_accuracy():
    assert exact_match(["abc", "abd", "x"], ["abc", "abc", "y"]) == pytest.approx(1 / 3)
    # per pair: 3/3, 2/3, 1/2 (hyp longer) -> pooled 6/8
    assert char_accuracy(["abc", "abd", "xy"], ["abc", "abc", "x"]) == pytest.approx(6 / 8)


def test_bleu_and_chrf_match_sacrebleu_multi_reference():
    import sacrebleu

    hyps = ["le chat est sur le tapis", "il fait froid"]
    refs = [["le chat est sur le tapis", "un chat est sur le tapis"], ["il fait froid ."]]
    expected = sacrebleu.corpus_bleu(
        hyps, [["le chat est sur le tapis", "il fait froid ."], ["un chat est sur le tapis", None]]
    ).score
    assert bleu(hyps, refs) == pytest.approx(expected)
    assert bleu(["a b c d"], [["a b c d"]]) == pytest.approx(100.0)
    assert 0 < chrf(hyps, refs) <= 100


def test_alignment_scores_by_hand():
    # Two target rows with gold spans, one separator row (None) and a </s> row beyond the gold.
    matrix = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
    gold = [(0, 1), (0, 2), None]
    scores = alignment_scores([matrix], [gold])
    assert scores["alignment_accuracy"] == pytest.approx(1 / 2)  # row 0 hit, row 1 argmax=2 miss
    assert scores["gold_mass"] == pytest.approx((0.7 + 0.4) / 2)
    expected_entropy = sum(row_entropy(r) for r in matrix) / 4
    assert scores["entropy"] == pytest.approx(expected_entropy)
    assert row_entropy([0.5, 0.5]) == pytest.approx(math.log(2))
