"""Agreement between attention and the importances: Kendall's tau and its p-value, per step and over a split.

Jain & Wallace (NAACL 2019, "Attention is not Explanation", section 4.1) rank the input tokens by
attention and by each importance and compare the rankings with Kendall's tau. Here the same
comparison is made at every output step of a seq2seq decode, over the source positions a measure
ranks (`StepImportance.ranked`: every position with the signed measures, all but </s> with Jain &
Wallace's), with the importances of `seq2seq.lab.importance`.

A tau over the 4 to 20 tokens of a sentence is noisy, so each carries the p-value of the test of
no association (scipy.stats.kendalltau: exact for up to 33 items without ties, else the normal
approximation). A split reports, beside its medians, the share of steps where attention and the
importance agree significantly (tau > 0 and p < 0.05: a significant *disagreement* is not counted)
and that share's chance level (`chance_share`): the share expected if every step's two rankings were
independent, from the exact null distribution at each step's own number of ranked tokens. The share is
pooled over every step of every example (the steps of one sentence are not independent) and is not
corrected for testing many steps: it is a description, not a test.

What a tau leaves out, counted apart: a step that ranks fewer than `MIN_RANKED` tokens (two tokens give
tau = +-1 with p = 1: no information) enters no mean or share; a step whose integrated gradients did
not converge (`StepImportance.ig_converged`, judged against |f(x) - f(x')|: seq2seq.lab.integrated), or
had nothing to attribute (|f(x) - f(x')| below the floor of a readable ranking, names.READABLE:
`nothing_to_attribute`), enters no tau with integrated gradients.

Saturated steps (p(chosen token) > 0.99, `StepImportance.saturated`) are counted apart too, and the
split's statistics are also given over the unsaturated steps alone: there the local gradient (gradient
x input) is flat. Integrated gradients and leave-one-out are not local and are not noise there.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from scipy.stats import kendalltau

from ..decoding import Translator
from . import stats
from .importance import StepImportance, leave_one_out_method, step_importances
from .names import ALPHA as ALPHA  # a tau is significant below it (re-exported: table.py reads it here)
from .names import IMPORTANCES, MIN_RANKED, READABLE, pairs


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


@functools.cache
def chance_share(n: int) -> float:
    """P(tau > 0 and p < ALPHA) for n untied tokens whose two rankings are independent: the chance level
    of one step's significant agreement.

    Under independence every order of one ranking against the other is equally likely, so the number
    of discordant pairs k follows the Mahonian distribution (the inversions of a random permutation of
    n; built here by n - 1 convolutions). Each k gives tau = 1 - 4k / (n(n - 1)) and the p-value
    `kendall` would report (scipy: exact for n <= 33, two-sided, 2 P(K <= min(k, N - k)); the normal
    approximation above, Var S = n(n - 1)(2n + 5) / 18); the chance is the mass of the k with tau > 0
    and p < ALPHA: 0 for n <= 4 (no tau can reach p < 0.05), below ALPHA / 2 for every n.
    """
    if n < 2:
        return 0.0
    pairs_n = n * (n - 1) // 2
    mass = np.ones(1)
    for i in range(2, n + 1):  # the i-th item adds 0..i-1 inversions, each equally likely
        mass = np.convolve(mass, np.full(i, 1.0 / i))
    k = np.arange(pairs_n + 1)
    if n <= 33:
        below = np.cumsum(mass)  # P(K <= k)
        p = np.minimum(1.0, 2.0 * below[np.minimum(k, pairs_n - k)])
    else:
        s = pairs_n - 2 * k  # concordant minus discordant pairs
        p = np.array([math.erfc(abs(v) / math.sqrt(2 * n * (n - 1) * (2 * n + 5) / 18)) for v in s])
    agree = (pairs_n - 2 * k > 0) & (p < ALPHA)
    return float(mass[agree].sum())


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
                    "ig_change": _json_float(imp.change),
                    "ranked": len(imp.ranked) if imp.ranked else len(imp.source_tokens),
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


def nothing_to_attribute(step: dict) -> bool:
    """Whether a step's |f(x) - f(x')| is below the floor of a readable ranking (READABLE): integrated
    gradients have nothing to share out there. (A stored step without "ig_change" has something.)"""
    change = step.get("ig_change")
    return isinstance(change, int | float) and abs(change) < READABLE


def counted(step: dict, key: str) -> bool:
    """Whether a step's tau for `key` enters the means and shares: it ranks at least MIN_RANKED tokens, and
    when the pair has integrated gradients, they converged and had something to attribute
    (`nothing_to_attribute`). (A stored step without "ranked" counts.)"""
    if step.get("ranked", MIN_RANKED) < MIN_RANKED:
        return False
    if "integrated_gradients" not in key:
        return True
    return bool(step.get("ig_converged", True)) and not nothing_to_attribute(step)


def agrees(step: dict, key: str) -> bool:
    """A significant agreement: tau > 0 with p < ALPHA (a significant disagreement is not one)."""
    tau, p = step["tau"][key], step["tau_p"][key]
    return tau is not None and p is not None and tau > 0 and p < ALPHA


def _counts(steps: Sequence[dict], keys: Sequence[str], mean: bool = True) -> dict:
    """{"tau": {pair: mean}, "significant": [steps agreeing significantly], "defined": [steps with a tau],
    "chance": [the significant steps expected by chance: sum of `chance_share` over the defined steps]},
    over the `counted` steps, in the order of `keys` (a stored example keeps a list, not the pair names
    again); without `mean`, "tau" is a list too."""
    kept = [[step for step in steps if counted(step, key) and step["tau"][key] is not None] for key in keys]
    means = [_mean(step["tau"][key] for step in kept[i]) for i, key in enumerate(keys)]
    return {
        "tau": dict(zip(keys, means, strict=True)) if mean else means,
        "significant": [sum(1 for step in kept[i] if agrees(step, key)) for i, key in enumerate(keys)],
        "defined": [len(kept[i]) for i in range(len(keys))],
        "chance": [round(sum(chance_share(step.get("ranked", 0)) for step in kept[i]), 6) for i in range(len(keys))],
    }


def example_counts(steps: Sequence[dict], keys: Sequence[str]) -> dict:
    """What an example keeps of its steps, enough to recompute `split_summary` without them.

    {"tau": {pair: mean over the counted steps}, "significant": [count agreeing at p < 0.05], "defined":
    [count with a counted tau], "chance": [the count expected by chance], "short": steps ranking fewer than
    MIN_RANKED tokens, "saturated": count of saturated steps, "unsaturated": {"tau", "significant",
    "defined", "chance"} over the unsaturated steps, "ig_points": the points of all its steps,
    "ig_points_max", "ig_unconverged": the steps whose integrated gradients reached the cap unconverged,
    "ig_nothing": the steps with nothing to attribute (`nothing_to_attribute`; both left out of every tau with
    integrated gradients), "ig_delta_max"}. Lists are in the order of `keys`
    (the result's "pairs").
    """
    unsaturated = [step for step in steps if not step["saturated"]]
    return {
        **_counts(steps, keys),
        "short": sum(1 for step in steps if step.get("ranked", MIN_RANKED) < MIN_RANKED),
        "saturated": len(steps) - len(unsaturated),
        "unsaturated": _counts(unsaturated, keys, mean=False),
        "ig_points": sum(step["ig_points"] for step in steps),
        "ig_points_max": max((step["ig_points"] for step in steps), default=None),
        "ig_unconverged": sum(1 for step in steps if not step["ig_converged"] and not nothing_to_attribute(step)),
        "ig_nothing": sum(1 for step in steps if nothing_to_attribute(step)),
        "ig_delta_max": max((step["ig_delta"] for step in steps), default=None),
    }


def _pooled(examples: Sequence[dict], keys: Sequence[str], part: Callable[[dict], dict]) -> dict:
    """Over all the examples' counted steps: {"significant_share": {pair: share}, "significant_chance":
    {pair: its chance level} (None for examples stored without "chance"), "defined": {pair: count}}."""
    defined = [sum(part(e)["defined"][i] for e in examples) for i in range(len(keys))]
    significant = [sum(part(e)["significant"][i] for e in examples) for i in range(len(keys))]
    known = all("chance" in part(e) for e in examples)
    chance = [sum(part(e)["chance"][i] for e in examples) if known else None for i in range(len(keys))]
    return {
        "significant_share": {key: stats.share(significant[i], defined[i]) for i, key in enumerate(keys)},
        "significant_chance": {
            key: None if chance[i] is None else stats.share(chance[i], defined[i]) for i, key in enumerate(keys)
        },
        "defined": dict(zip(keys, defined, strict=True)),
    }


def split_summary(examples: Sequence[dict], keys: Sequence[str]) -> dict:
    """The split's statistics, from each example's `example_counts` (and "length", "steps" or its count).

    {pair: stats.summary(the examples' mean tau)}  (the median of the per-example means, 95% interval)
    "steps": every step, "examples": n,
    "significant_share": {pair: share of the counted steps agreeing at p < 0.05}, "significant_chance":
    {pair: that share's chance level}, "defined": {pair: count}, "short": steps left out for ranking
    fewer than MIN_RANKED tokens,
    "saturated": {"count", "share"},
    "unsaturated": {"steps", "tau": {pair: stats.summary of the examples' means over unsaturated
                    steps}, "significant_share": {...}, "defined": {...}},
    "source_lengths": stats.distribution of the examples' lengths (tokens, </s> not counted),
    "ig": {"points_mean": points per step, "points_max", "unconverged": steps, "nothing": steps with
           nothing to attribute (both left out of the taus with integrated gradients), "delta_max": the
           largest delta}
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
        "short": sum(e.get("short", 0) for e in examples),
        "source_lengths": stats.distribution(e["length"] for e in examples),
        "ig": {
            "points_mean": stats.share(sum(e["ig_points"] for e in examples), total),
            "points_max": max(most, default=None),
            "unconverged": sum(e["ig_unconverged"] for e in examples),
            # stored since agreement version 3 (seq2seq.lab.results.AGREEMENT_VERSION): absent before
            **({"nothing": sum(e["ig_nothing"] for e in examples)} if all("ig_nothing" in e for e in examples) else {}),
            "delta_max": max(deltas, default=None),
        },
    }
