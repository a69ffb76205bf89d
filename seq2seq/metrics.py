"""Quality measures: exact match, character accuracy, BLEU/chrF (sacrebleu), attention vs gold.

Attention measures take one attention matrix per example, rows = target tokens (</s> last),
columns = source tokens (</s> last), and the gold spans of each target character.

`Metric` is a task's headline metric (`EXACT_MATCH`, `BLEU`): what validation reports, what early
stopping follows, what the model cards and the app's tables lead with.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .messages import N_

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


@dataclass(frozen=True)
class Metric:
    """A task's headline metric: validation scores with it, early stopping follows it, tables lead with it."""

    name: str  # its key in validation and test results ("exact_match", "bleu")
    label: str  # how the app heads its column ("exact match %", "BLEU"; marked with N_: the app translates it)
    ceiling: float  # a perfect score: a training that reaches it stops (it cannot improve)
    fraction: bool  # stored as a fraction 0..1 (the app shows a percentage), else as it is
    # (outputs, every reference of each output) -> this metric and its companion, e.g. {"bleu": .., "chrf": ..}
    compute: Callable[[Sequence[str], Sequence[Sequence[str]]], dict[str, float]]

    def score(self, outputs: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, float]:
        """This metric (first) and its companion on `outputs` against their references."""
        return self.compute(outputs, references)


def _exact(outputs: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, float]:
    first = [r[0] for r in references]  # a generated task has one reference per source
    return {"exact_match": exact_match(outputs, first), "char_accuracy": char_accuracy(outputs, first)}


def _bleu(outputs: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, float]:
    return {"bleu": bleu(outputs, references), "chrf": chrf(outputs, references)}


EXACT_MATCH = Metric("exact_match", N_("exact match %"), 1.0, True, _exact)
BLEU = Metric("bleu", "BLEU", 100.0, False, _bleu)
METRICS = {m.name: m for m in (EXACT_MATCH, BLEU)}
