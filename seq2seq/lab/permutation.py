"""Permuted attention (Jain & Wallace 2019, "Attention is not Explanation", section 4.2.1).

At one decoding step t, with the output prefix y_<t held fixed, the model's own weights a_t are
shuffled over the real source positions (</s> included), once per seed, and the output
distribution recomputed:

    a~ = a_t[pi],  pi a random permutation of 0..S-1 (torch.randperm, seeded seed + k for the k-th)
    TVD_k = 1/2 sum_v |p(y_t | a_t) - p(y_t | a~)|          changed_k = argmax p(. | a~) != argmax p(. | a_t)

A step whose TVDs stay near 0 under every permutation did not depend on *where* the weight went.
Jain & Wallace found that true of many classifier instances; the seq2seq models here copy,
reorder and translate, where position is the whole point, so large TVDs are expected.

`permute_step` reports one step; `permutation` every step of each source's greedy decode, per example
and over the split. A step's effect is its mean TVD over the permutations (the expected distance under a
random shuffle). A median over steps can hide what matters: a model whose median step moves nothing
(steps that copy fixed characters) may still have a sizeable share of steps that move the output by more
than 0.5 (pretrained/lab/README.md gives each model's). So the split reports the mean over all steps
(`mean_tvd`), the share of steps above 0.5 (`share_tvd_above_half`) and their whole distribution (`tvd`:
quantiles and a histogram), besides the medians over examples of each example's median TVD and of its
share of permutations that change the chosen token (`seq2seq.lab.stats.summary`: median, 95% bootstrap
interval).
The permuted rows are scored together through `StepGraph` (the model's own layers, batched; equal to
the step API's `attention=` override within 1e-5, tested), one product for all seeds.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch

from seq2seq.decoding import Translator
from seq2seq.inputs import check_override
from seq2seq.trace import DecodeState

from .perturb import StepGraph, require_attention, state_after, total_variation
from .stats import distribution, histogram, share, summary


@dataclass(frozen=True)
class PermutationResult:
    """One step under `n_seeds` permutations of an attention row."""

    position: int  # t, the output position (= len(prefix))
    token: str  # the chosen (argmax) token under the unpermuted row
    attention: tuple[float, ...]  # the row that was permuted (the model's own unless given)
    median_tvd: float  # median over seeds of TVD(p, p_permuted)
    mean_tvd: float  # mean over seeds: the step's expected TVD under a random permutation
    fraction_changed: float  # share of seeds whose argmax token differs
    tvd: tuple[float, ...]  # per seed, seed + k for the k-th
    changed: tuple[bool, ...]  # per seed
    seeds: tuple[int, ...]

    def to_json(self) -> dict:
        return {
            "position": self.position,
            "token": self.token,
            "attention": list(self.attention),
            "median_tvd": self.median_tvd,
            "mean_tvd": self.mean_tvd,
            "fraction_changed": self.fraction_changed,
            "tvd": list(self.tvd),
            "changed": list(self.changed),
            "seeds": list(self.seeds),
        }


def permutations(length: int, n_seeds: int, seed: int = 0) -> torch.Tensor:
    """(n_seeds, length) long: the k-th row is torch.randperm(length) from a generator seeded seed + k."""
    return torch.stack(
        [torch.randperm(length, generator=torch.Generator().manual_seed(seed + k)) for k in range(n_seeds)]
    )


def permute_state(
    translator: Translator,
    state: DecodeState,
    n_seeds: int = 100,
    seed: int = 0,
    attention: Sequence[float] | None = None,
) -> PermutationResult:
    """`permute_step` at a given decode state (the step after `state.output_ids`)."""
    if n_seeds < 1:
        raise ValueError(f"n_seeds must be 1 or more, got {n_seeds}")
    graph = StepGraph.at(translator, state)
    with torch.no_grad():
        given = None if attention is None else check_override(attention, graph.length)  # InputError if not a row
        row = graph.attention if given is None else torch.tensor(given, dtype=torch.float32)
        perms = permutations(graph.length, n_seeds, seed)
        rows = torch.cat([row[None], row[perms]])  # (1 + n, S): the row itself first, scored the same way
        probs = graph.distribution(rows)  # (1 + n, V)
        tvd = total_variation(probs[:1], probs[1:])  # (n,)
        chosen = probs.argmax(-1)
        changed = chosen[1:] != chosen[0]
    token_id = int(chosen[0])
    flags = [bool(c) for c in changed.tolist()]
    return PermutationResult(
        position=state.position,
        token=translator.target_tokenizer.piece(token_id),
        attention=tuple(row.tolist()),
        median_tvd=statistics.median(tvd.tolist()),
        mean_tvd=statistics.fmean(tvd.tolist()),
        fraction_changed=sum(flags) / len(flags),
        tvd=tuple(tvd.tolist()),
        changed=tuple(flags),
        seeds=tuple(range(seed, seed + n_seeds)),
    )


def permute_step(
    translator: Translator,
    source: str,
    prefix: Sequence[int | str] = (),
    n_seeds: int = 100,
    seed: int = 0,
    attention: Sequence[float] | None = None,
) -> PermutationResult:
    """Shuffle step t's attention over the real source positions `n_seeds` times (t = len(prefix)).

    `prefix`: the output tokens (ids or pieces) forced before step t. `attention`: the row to permute
    (one weight per source position, </s> included, non-negative, summing to 1: InputError
    otherwise); the model's own a_t when None. The k-th
    permutation is seeded `seed + k`, so a seed names the same shuffle in every call.
    """
    require_attention(translator)
    return permute_state(translator, state_after(translator, source, prefix), n_seeds, seed, attention)


TVD_EDGES = tuple(k / 10 for k in range(11))  # the histogram's bins of a step's mean TVD: 0, 0.1, .. 1
HALF = 0.5  # a step whose mean TVD exceeds this moved most of the output distribution


def permutation_example(translator: Translator, source: str, n_seeds: int = 100, seed: int = 0) -> dict:
    """Every step of `source`'s greedy decode permuted: the steps and the example's numbers.

    `median_tvd`: the median over steps of each step's median TVD; `fraction_changed`: the share of
    all (step, seed) permutations that change the chosen token; `mean_tvd`: the mean over steps of each
    step's mean TVD; `above_half`: the steps whose mean TVD exceeds 0.5; `max_tvd`: the largest step
    mean TVD; `histogram`: the steps' mean TVDs counted in the bins of TVD_EDGES.
    """
    require_attention(translator)
    trace = translator.greedy(source)
    state = translator.start(source)
    steps = []
    for step in trace.steps:
        steps.append(permute_state(translator, state, n_seeds, seed))
        state = step.next_state
    means = [s.mean_tvd for s in steps]
    return {
        "source": trace.source_text,
        "output": trace.output,
        "steps": [
            {
                "position": s.position,
                "token": s.token,
                "median_tvd": s.median_tvd,
                "mean_tvd": s.mean_tvd,
                "fraction_changed": s.fraction_changed,
            }
            for s in steps
        ],
        "median_tvd": statistics.median(s.median_tvd for s in steps) if steps else 0.0,
        "fraction_changed": sum(s.fraction_changed for s in steps) / len(steps) if steps else 0.0,
        "mean_tvd": statistics.fmean(means) if steps else 0.0,
        "above_half": sum(1 for m in means if m > HALF),
        "max_tvd": max(means, default=0.0),
        "histogram": histogram(means, TVD_EDGES)["counts"],
    }


def split_tvd(per_example: Sequence[dict], step_tvds: Sequence[float] | None = None) -> dict:
    """The split's TVD statistics from its examples (`permutation_example` records, steps counted or listed).

    {"mean_tvd": the mean over every step of its mean TVD, "share_tvd_above_half": the share of steps
    above 0.5, "tvd": {"histogram": {"edges", "counts"}, and with `step_tvds` (every step's mean TVD)
    `stats.distribution`'s quantiles}}. None where there is no step.
    """
    counts = [e["steps"] if isinstance(e["steps"], int) else len(e["steps"]) for e in per_example]
    total = sum(counts)
    spread = {
        "histogram": {
            "edges": list(TVD_EDGES),
            "counts": [sum(c) for c in zip(*(e["histogram"] for e in per_example), strict=True)]
            if per_example
            else [0] * (len(TVD_EDGES) - 1),
        }
    }
    if step_tvds is not None:
        spread |= distribution(step_tvds)
    return {
        "mean_tvd": sum(e["mean_tvd"] * c for e, c in zip(per_example, counts, strict=True)) / total if total else None,
        "share_tvd_above_half": share(sum(e["above_half"] for e in per_example), total),
        "tvd": spread,
    }


def permutation(
    translator: Translator,
    sources: Sequence[str],
    n_seeds: int = 100,
    seed: int = 0,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
) -> dict:
    """`permutation_example` for every source: {"per_example": [...], "summary": {...}}.

    The summary holds `seq2seq.lab.stats.summary` (n, median, 95% bootstrap interval) of the
    examples' `median_tvd` and `fraction_changed`, the number of steps, and `split_tvd`: the mean TVD
    over all steps, the share of steps above 0.5 and the distribution of the steps' mean TVDs. `progress` wraps the
    sources (a tqdm bar). Ctrl-C stops the run and keeps the finished examples ("interrupted": True).
    """
    require_attention(translator)
    per_example: list[dict] = []
    interrupted = False
    try:
        for source in progress(sources) if progress else sources:
            per_example.append(permutation_example(translator, source, n_seeds, seed))
    except KeyboardInterrupt:
        interrupted = True
    return {
        "per_example": per_example,
        "summary": {
            "median_tvd": summary([e["median_tvd"] for e in per_example], seed=seed),
            "fraction_changed": summary([e["fraction_changed"] for e in per_example], seed=seed),
            "steps": sum(len(e["steps"]) for e in per_example),
            **split_tvd(per_example, [step["mean_tvd"] for e in per_example for step in e["steps"]]),
            "n_seeds": n_seeds,
            "interrupted": interrupted,
        },
    }
