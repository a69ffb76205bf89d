"""Quality measures: exact match, character accuracy, BLEU/chrF (sacrebleu), attention vs gold.

Attention measures take one attention matrix per example, rows = target tokens (</s> last),
columns = source tokens (</s> last), and the gold spans of each target character.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Span = tuple[int, int]


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Fraction of outputs identical to their reference."""
    if not references:
        return 0.0
    return sum(h == r for h, r in zip(hypotheses, references, strict=True)) / len(references)


def char_accuracy(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Characters right at their position, over max(len(hyp), len(ref)) per pair, pooled."""
    right = total = 0
    for h, r in zip(hypotheses, references, strict=True):
        right += sum(a == b for a, b in zip(h, r, strict=False))
        total += max(len(h), len(r))
    return right / total if total else 0.0


def bleu(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Corpus BLEU (sacrebleu, 13a tokenization); `references[i]` are all references of sentence i."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(list(hypotheses), _ref_streams(references)).score)


def chrf(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    import sacrebleu

    return float(sacrebleu.corpus_chrf(list(hypotheses), _ref_streams(references)).score)


def _ref_streams(references: Sequence[Sequence[str]]) -> list[list[str]]:
    """sacrebleu wants one stream per reference slot; missing slots are None-padded."""
    width = max(len(r) for r in references)
    return [[refs[k] if k < len(refs) else None for refs in references] for k in range(width)]


def row_entropy(row: Sequence[float]) -> float:
    """-sum_s a_s log a_s (nats) of one attention row."""
    return -sum(a * math.log(a) for a in row if a > 0)


def alignment_scores(
    attentions: Sequence[Sequence[Sequence[float]]], golds: Sequence[Sequence[Span | None]]
) -> dict[str, float]:
    """Attention against gold alignments, over target characters that have a gold span.

    alignment_accuracy: argmax_s a_ts falls inside the gold span of target t;
    gold_mass: mean sum of a_ts over the gold span; entropy: mean row entropy over all rows.
    """
    hits = mass = counted = 0.0
    entropies = []
    for matrix, gold in zip(attentions, golds, strict=True):
        for t, row in enumerate(matrix):
            entropies.append(row_entropy(row))
            if t >= len(gold) or gold[t] is None:
                continue
            start, end = gold[t]
            argmax = max(range(len(row)), key=row.__getitem__)
            hits += start <= argmax < end
            mass += sum(row[start:end])
            counted += 1
    return {
        "alignment_accuracy": hits / counted if counted else 0.0,
        "gold_mass": mass / counted if counted else 0.0,
        "entropy": sum(entropies) / len(entropies) if entropies else 0.0,
    }
