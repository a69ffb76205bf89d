"""Agreement between attention and the importances: Kendall's tau, per step and over a split.

Jain & Wallace (NAACL 2019, "Attention is not Explanation", section 3) rank the input tokens by
attention and by each importance and compare the rankings with Kendall's tau; on classifiers
they found tau(attention, gradients) of 0.35 (SST), 0.44 (IMDB) and 0.13 (20News), and 0.5-0.66
between gradients and leave-one-out. Here the same comparison is made at every output step of a
seq2seq decode, over the source tokens (</s> included), with the importances of
`seq2seq.lab.importance`.

The values are ranked as they are stored: attention and gradient x input are magnitudes,
integrated gradients and leave-one-out are signed, so a token that argues against the chosen word
ranks below one that does not matter (the question asked of attention is "did this token make
the model choose the word?", and a high weight on a token that lowered the word's probability
would not explain it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import kendalltau

from ..decoding import Translator
from . import stats
from .importance import StepImportance, step_importance
from .names import IMPORTANCES, pairs


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall's tau-b between two vectors of the same length (scipy.stats.kendalltau).

    tau_b = (C - D) / sqrt((n0 - n1)(n0 - n2)), C and D the concordant and discordant pairs,
    n0 = n(n-1)/2 all pairs, n1 and n2 the pairs tied in a and in b; 1 for the same ranking,
    -1 for the reversed one. NaN when it is undefined: a vector that is constant (every pair
    tied, e.g. leave-one-out when no token changes the output) or shorter than 2, or a NaN in
    either vector. Raises ValueError when the lengths differ.
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"kendall_tau needs two vectors of one length, got shapes {x.shape} and {y.shape}")
    if x.size < 2 or np.isnan(x).any() or np.isnan(y).any() or (x == x[0]).all() or (y == y[0]).all():
        return math.nan
    return float(kendalltau(x, y).statistic)  # variant "b", the default


def step_agreement(imp: StepImportance) -> dict[str, float]:
    """tau for every pair of `pairs(...)` at one step: {"attention~grad_x_input": tau, ...}.

    Without attention (the `none` scorer) only the importances' three pairs. Values may be NaN
    (`kendall_tau`).
    """
    vectors = {"attention": imp.attention} if imp.attention is not None else {}
    vectors |= {name: getattr(imp, name) for name in IMPORTANCES}
    out = {}
    for key in pairs(imp.attention is not None):
        a, b = key.split("~")
        out[key] = kendall_tau(vectors[a], vectors[b])
    return out


def _json_float(value: float) -> float | None:
    return value if math.isfinite(value) else None


def agreement(
    translator: Translator,
    sources: Sequence[str],
    max_steps: int | None = None,
    ig_steps: int = 32,
    progress: Callable[[int], object] | None = None,
) -> dict:
    """tau between attention and the importances at every greedy step of each source, and over all.

    Each source is decoded greedily; each of its first `max_steps` output steps (all when None,
    </s> included) gets `step_importance` for the token chosen there (`ig_steps` points of
    integrated gradients) and `step_agreement`. The result is plain JSON data:

        {"per_example": [{"source", "output", "source_tokens",
                          "steps": [{"position", "token", "logprob", "tau": {pair: tau}}, ...],
                          "tau": {pair: mean tau over the steps}}, ...],
         "summary": {pair: stats.summary(the examples' mean tau)},
         "interrupted": bool}

    An undefined tau (`kendall_tau`'s NaN) is None and is left out of the example's mean and of
    the summary; an example with none defined has None. The pairs are `pairs(translator.has_attention)`.

    `progress`, if given, is called as progress(1) after each example (tqdm's `update` fits).
    A KeyboardInterrupt (Ctrl-C) during the run stops it: the examples finished so far are
    returned, summarized, with "interrupted": True.
    """
    keys = pairs(translator.has_attention)
    per_example: list[dict] = []
    interrupted = False
    try:
        for source in sources:
            per_example.append(_example(translator, source, keys, max_steps, ig_steps))
            if progress is not None:
                progress(1)
    except KeyboardInterrupt:
        interrupted = True
    summary = {key: stats.summary(example["tau"][key] for example in per_example) for key in keys}
    return {"per_example": per_example, "summary": summary, "interrupted": interrupted}


def _example(translator: Translator, source: str, keys: Sequence[str], max_steps: int | None, ig_steps: int) -> dict:
    """One source's entry of `agreement`'s "per_example"."""
    trace = translator.greedy(source)
    ids = [step.token_id for step in trace.steps]
    count = len(ids) if max_steps is None else min(len(ids), max(0, int(max_steps)))
    steps, source_tokens = [], list(trace.source_tokens)
    for t in range(count):
        imp = step_importance(translator, source, ids[:t], token_id=ids[t], ig_steps=ig_steps)
        taus = step_agreement(imp)
        steps.append(
            {
                "position": t,
                "token": imp.token,
                "logprob": imp.logprob,
                "tau": {key: _json_float(taus[key]) for key in keys},
            }
        )
    means = {}
    for key in keys:
        defined = [step["tau"][key] for step in steps if step["tau"][key] is not None]
        means[key] = float(np.mean(defined)) if defined else None
    return {
        "source": trace.source_text,
        "output": trace.output,
        "source_tokens": source_tokens,
        "steps": steps,
        "tau": means,
    }
