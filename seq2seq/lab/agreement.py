"""Agreement between attention and the importances: Kendall's tau and its p-value, per step and over a split.

Jain & Wallace (NAACL 2019, "Attention is not Explanation", section 3) rank the input tokens by
attention and by each importance and compare the rankings with Kendall's tau. Here the same
comparison is made at every output step of a seq2seq decode, over the source positions a measure
ranks (`StepImportance.ranked`: every position with the signed measures, all but </s> with Jain &
Wallace's), with the importances of `seq2seq.lab.importance`.

A tau over the 4 to 20 tokens of a sentence is noisy, so each carries the p-value of the test of
no association (scipy.stats.kendalltau: exact for up to 33 items without ties, else the normal
approximation), and a split reports the share of steps significant at 0.05 beside its medians.

Saturated steps (p(chosen token) > 0.99, `StepImportance.saturated`) are counted apart: there f is
flat, the importances are rounding noise (a total change of a few thousandths of a nat), and a tau
between them says nothing. The split's statistics are given over all steps and over the unsaturated
ones alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from scipy.stats import kendalltau

from ..decoding import Translator
from . import stats
from .importance import StepImportance, leave_one_out_method, step_importances
from .names import ALPHA as ALPHA  # a tau is significant below it (re-exported: table.py reads it here)
from .names import IMPORTANCES, pairs


def kendall(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """(Kendall's tau-b, its two-sided p-value) between two vectors of the same length (scipy.stats.kendalltau).

    tau_b = (C - D) / sqrt((n0 - n1)(n0 - n2)), C and D the concordant and discordant pairs,
    n0 = n(n-1)/2 all pairs, n1 and n2 the pairs tied in a and in b; 1 for the same ranking,
    -1 for the reversed one. The p-value tests tau = 0 (scipy's method "auto": exact for up to 33
    items without ties, the normal approximation otherwise). Both NaN when tau is undefined: a
    vector that is constant (every pair tied, e.g. leave-one-out when no token changes the output) or
    shorter than 2, or a NaN in either vector. Raises ValueError when the lengths differ.
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"kendall_tau needs two vectors of one length, got shapes {x.shape} and {y.shape}")
    if x.size < 2 or np.isnan(x).any() or np.isnan(y).any() or (x == x[0]).all() or (y == y[0]).all():
        return math.nan, math.nan
    found = kendalltau(x, y)  # variant "b", the default
    return float(found.statistic), float(found.pvalue)


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall's tau-b alone (`kendall`); NaN when it is undefined."""
    return kendall(a, b)[0]


def _vectors(imp: StepImportance) -> dict[str, Sequence[float]]:
    """Each ranked vector, cut to `imp.ranked` (all positions when it is empty: an importance made by hand)."""
    vectors = {"attention": imp.attention} if imp.attention is not None else {}
    vectors |= {name: getattr(imp, name) for name in IMPORTANCES}
    if not imp.ranked:
        return vectors
    return {name: [values[s] for s in imp.ranked] for name, values in vectors.items()}


def step_kendall(imp: StepImportance) -> dict[str, tuple[float, float]]:
    """(tau, p) for every pair of `pairs(...)` at one step: {"attention~grad_x_input": (tau, p), ...}.

    Without attention (the `none` scorer) only the importances' three pairs. Values may be NaN.
    """
    vectors = _vectors(imp)
    out = {}
    for key in pairs(imp.attention is not None):
        a, b = key.split("~")
        out[key] = kendall(vectors[a], vectors[b])
    return out


def step_agreement(imp: StepImportance) -> dict[str, float]:
    """tau for every pair of `pairs(...)` at one step: {"attention~grad_x_input": tau, ...} (`step_kendall`)."""
    return {key: tau for key, (tau, _) in step_kendall(imp).items()}


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None


def agreement(
    translator: Translator,
    sources: Sequence[str],
    max_steps: int | None = None,
    ig_steps: int | None = None,
    progress: Callable[[int], object] | None = None,
    measures: str | Sequence[str] = "signed",
) -> dict:
    """tau between attention and the importances at every greedy step of each source, and over all.

    Each source is decoded greedily; each of its first `max_steps` output steps (all when None,
    </s> included) gets `step_importances` for the token chosen there (`ig_steps` points of integrated
    gradients, None: to convergence) and `step_kendall`. The result is plain JSON data:

        {"measures", "loo": "deletion" or "unk", "pairs": the pairs, in the order of the examples' lists,
         "per_example": [{"source", "output", "source_tokens", "length": source tokens (</s> not counted),
                          "steps": [{"position", "token", "logprob", "saturated", "tau": {pair: tau},
                                     "tau_p": {pair: p}, "ig_delta", "ig_points", "ig_converged"}, ...],
                          + `example_counts`: "tau" (mean over the steps), "significant", "defined",
                          "saturated", "unsaturated", "ig_points", "ig_points_max", "ig_unconverged",
                          "ig_delta_max"}, ...],
         "summary": `split_summary` of the examples,
         "interrupted": bool}

    `measures`: one name ("signed", "jain-wallace"), or several: the result is then the first's, with
    each other's whole result under its name ({..., "jain-wallace": {"measures", ...}}), all computed in
    one pass (`step_importances` shares integrated gradients between them).

    An undefined tau (`kendall`'s NaN) is None and is left out of the means, counts and summaries. The
    pairs are `pairs(translator.has_attention)`.

    `progress`, if given, is called as progress(1) after each example (tqdm's `update` fits).
    A KeyboardInterrupt (Ctrl-C) during the run stops it: the examples finished so far are
    returned, summarized, with "interrupted": True.
    """
    names = (measures,) if isinstance(measures, str) else tuple(dict.fromkeys(measures))
    keys = pairs(translator.has_attention)
    per_example: dict[str, list[dict]] = {name: [] for name in names}
    interrupted = False
    try:
        for source in sources:
            for name, example in _examples(translator, source, keys, max_steps, ig_steps, names).items():
                per_example[name].append(example)
            if progress is not None:
                progress(1)
    except KeyboardInterrupt:
        interrupted = True
    found = {
        name: {
            "measures": name,
            "loo": leave_one_out_method(translator, name),
            "pairs": list(keys),
            "per_example": per_example[name],
            "summary": split_summary(per_example[name], keys),
            "interrupted": interrupted,
        }
        for name in names
    }
    return found[names[0]] | {name: found[name] for name in names[1:]}


def _examples(
    translator: Translator,
    source: str,
    keys: Sequence[str],
    max_steps: int | None,
    ig_steps: int | None,
    measures: Sequence[str],
) -> dict[str, dict]:
    """One source's entry of `agreement`'s "per_example", under each of `measures`."""
    trace = translator.greedy(source)
    ids = [step.token_id for step in trace.steps]
    count = len(ids) if max_steps is None else min(len(ids), max(0, int(max_steps)))
    steps: dict[str, list[dict]] = {name: [] for name in measures}
    for t in range(count):
        found = step_importances(translator, source, ids[:t], token_id=ids[t], ig_steps=ig_steps, measures=measures)
        for name, imp in found.items():
            tested = step_kendall(imp)
            steps[name].append(
                {
                    "position": t,
                    "token": imp.token,
                    "logprob": imp.logprob,
                    "saturated": imp.saturated,
                    "tau": {key: _json_float(tested[key][0]) for key in keys},
                    "tau_p": {key: _json_float(tested[key][1]) for key in keys},
                    "ig_delta": imp.ig_delta,
                    "ig_points": imp.ig_points,
                    "ig_converged": imp.ig_converged,
                }
            )
    source_tokens = list(trace.source_tokens)
    return {
        name: {
            "source": trace.source_text,
            "output": trace.output,
            "source_tokens": source_tokens,
            "length": len(source_tokens) - 1,  # </s> is not a token of the sentence
            "steps": steps[name],
            **example_counts(steps[name], keys),
        }
        for name in measures
    }


def _mean(values: Iterable[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def _counts(steps: Sequence[dict], keys: Sequence[str], mean: bool = True) -> dict:
    """{"tau": {pair: mean}, "significant": [steps at p < ALPHA], "defined": [steps with a tau]}, the
    counts in the order of `keys` (a stored example keeps a list, not the pair names again); without
    `mean`, "tau" is a list too."""
    means = [_mean(step["tau"][key] for step in steps) for key in keys]
    return {
        "tau": dict(zip(keys, means, strict=True)) if mean else means,
        "significant": [
            sum(1 for step in steps if step["tau_p"][key] is not None and step["tau_p"][key] < ALPHA) for key in keys
        ],
        "defined": [sum(1 for step in steps if step["tau"][key] is not None) for key in keys],
    }


def example_counts(steps: Sequence[dict], keys: Sequence[str]) -> dict:
    """What an example keeps of its steps, enough to recompute `split_summary` without them.

    {"tau": {pair: mean over the steps}, "significant": [count at p < 0.05], "defined": [count with a
    tau], "saturated": count of saturated steps, "unsaturated": {"tau", "significant", "defined"} over
    the unsaturated steps, "ig_points": the points of all its steps, "ig_points_max", "ig_unconverged":
    the steps whose integrated gradients reached the cap unconverged, "ig_delta_max"}. Lists are in the
    order of `keys` (the result's "pairs").
    """
    unsaturated = [step for step in steps if not step["saturated"]]
    return {
        **_counts(steps, keys),
        "saturated": len(steps) - len(unsaturated),
        "unsaturated": _counts(unsaturated, keys, mean=False),
        "ig_points": sum(step["ig_points"] for step in steps),
        "ig_points_max": max((step["ig_points"] for step in steps), default=None),
        "ig_unconverged": sum(1 for step in steps if not step["ig_converged"]),
        "ig_delta_max": max((step["ig_delta"] for step in steps), default=None),
    }


def _pooled(examples: Sequence[dict], keys: Sequence[str], part: Callable[[dict], dict]) -> dict:
    """Over all the examples' steps: {"significant_share": {pair: share}, "defined": {pair: count}}."""
    defined = [sum(part(e)["defined"][i] for e in examples) for i in range(len(keys))]
    significant = [sum(part(e)["significant"][i] for e in examples) for i in range(len(keys))]
    return {
        "significant_share": {key: stats.share(significant[i], defined[i]) for i, key in enumerate(keys)},
        "defined": dict(zip(keys, defined, strict=True)),
    }


def split_summary(examples: Sequence[dict], keys: Sequence[str]) -> dict:
    """The split's statistics, from each example's `example_counts` (and "length", "steps" or its count).

    {pair: stats.summary(the examples' mean tau)}  (the median of the per-example means, 95% interval)
    "steps": every step, "examples": n,
    "significant_share": {pair: share of the steps with a tau whose p < 0.05}, "defined": {pair: count},
    "saturated": {"count", "share"},
    "unsaturated": {"steps", "tau": {pair: stats.summary of the examples' means over unsaturated
                    steps}, "significant_share": {...}, "defined": {...}},
    "source_lengths": stats.distribution of the examples' lengths (tokens, </s> not counted),
    "ig": {"points_mean": points per step, "points_max", "unconverged": steps, "delta_max": the largest delta}
    """

    def steps_of(example: dict) -> int:
        return example["steps"] if isinstance(example["steps"], int) else len(example["steps"])

    total = sum(steps_of(e) for e in examples)
    saturated = sum(e["saturated"] for e in examples)
    deltas = [e["ig_delta_max"] for e in examples if e["ig_delta_max"] is not None]
    most = [e["ig_points_max"] for e in examples if e["ig_points_max"] is not None]
    return {
        **{key: stats.summary(e["tau"][key] for e in examples) for key in keys},
        "steps": total,
        "examples": len(examples),
        **_pooled(examples, keys, lambda e: e),
        "saturated": {"count": saturated, "share": stats.share(saturated, total)},
        "unsaturated": {
            "steps": total - saturated,
            "tau": {key: stats.summary(e["unsaturated"]["tau"][i] for e in examples) for i, key in enumerate(keys)},
            **_pooled(examples, keys, lambda e: e["unsaturated"]),
        },
        "source_lengths": stats.distribution(e["length"] for e in examples),
        "ig": {
            "points_mean": stats.share(sum(e["ig_points"] for e in examples), total),
            "points_max": max(most, default=None),
            "unconverged": sum(e["ig_unconverged"] for e in examples),
            "delta_max": max(deltas, default=None),
        },
    }
