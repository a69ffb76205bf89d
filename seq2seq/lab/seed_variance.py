"""Seed variance (Wiegreffe & Pinter 2019, "Attention is not not Explanation": variance over random seeds).

Jain & Wallace found adversarial attention rows far from the model's own (`seq2seq.lab.adversarial`).
Wiegreffe & Pinter ask what "far" means: how far is the attention of the *same* model trained again
with another seed? If adversarial rows are no further from the model's attention than another seed's
rows are, the adversary found nothing that training does not find by chance.

Here the shipped model and its seed siblings (`seq2seq.lab.seeds`: the same recipe, only `--seed`
changed) read the same output. For each source x, the shipped model decodes greedily, y = (y_1 .. y_T,
</s> included); every seed model m is teacher-forced on that y (`Translator.force_ids`: the step API
with `choose=`), so that at step t both read the same prefix y_<t, and

    JSD_t(m) = JSD(a_t, a^(m)_t)        (nats, 0 .. ln 2; `perturb.jensen_shannon`)

between the shipped model's attention row a_t and the seed model's a^(m)_t over the same source
positions (</s> included). Reported per seed and pooled over the seeds: the steps' distribution
(`perturb.jsd_spread`) and the median over examples of each example's mean JSD with its 95% bootstrap
interval; and how often a seed model's own greedy output equals the shipped model's.

Beside it, when the adversarial experiment ran on some of the same sources, the same steps' adversarial
JSD (`compare_adversarial`): per step, is the adversarial row further from a_t than every seed's row?
The seed models must read and write the same vocabulary as the shipped model (same recipe, same data);
one that does not is refused (ValueError).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence

import torch

from seq2seq.decoding import Translator

from .perturb import jensen_shannon, jsd_spread
from .stats import share, summary


def same_vocabulary(a: Translator, b: Translator) -> bool:
    """Whether `a` and `b` tokenize sources and targets alike: the same pieces for the same ids, both sides."""
    for side in ("source_tokenizer", "target_tokenizer"):
        ta, tb = getattr(a, side), getattr(b, side)
        if ta.vocab_size != tb.vocab_size or any(ta.piece(i) != tb.piece(i) for i in range(ta.vocab_size)):
            return False
    return True


def _row_jsd(a: Sequence[float], b: Sequence[float]) -> float:
    return float(jensen_shannon(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)))


def seed_example(translator: Translator, seeds: Sequence[Translator], source: str) -> dict:
    """One source: the shipped model's greedy output, and per seed model each step's JSD and its own output.

    Returns {"source", "output", "positions": [t], "tokens", "jsd": [[JSD_t(m) per step] per seed],
    "identical": [the seed's greedy output == the shipped model's, per seed], "mean_jsd": [per seed]}.
    """
    trace = translator.greedy(source)
    ids = [step.token_id for step in trace.steps]
    rows = [step.attention for step in trace.steps]
    jsds, identical = [], []
    for seed in seeds:
        forced = seed.force_ids(source, ids)
        if len(forced.steps) != len(ids) or list(forced.source_tokens) != list(trace.source_tokens):
            raise ValueError(f"{seed.name} does not read {source!r} as {translator.name} does")
        jsds.append([_row_jsd(a, step.attention) for a, step in zip(rows, forced.steps, strict=True)])
        identical.append(seed.greedy(source).output == trace.output)
    return {
        "source": trace.source_text,
        "output": trace.output,
        "positions": [step.position for step in trace.steps],
        "tokens": [step.token for step in trace.steps],
        "jsd": jsds,
        "identical": identical,
        "mean_jsd": [sum(j) / len(j) if j else None for j in jsds],
    }


def _pooled_mean(example: dict) -> float | None:
    """An example's mean JSD over its steps and seeds."""
    values = [v for per_seed in example["jsd"] for v in per_seed]
    return sum(values) / len(values) if values else None


def split_seed_variance(per_example: Sequence[dict], names: Sequence[str], seed: int = 0) -> dict:
    """The summary of `seed_example`s: per seed and pooled, the steps' JSD spread and the median over
    examples of each example's mean JSD, the share of identical outputs; recomputed from stored examples
    (their "jsd" lists and "identical" flags) the same way."""
    by_seed = {}
    for m, name in enumerate(names):
        steps = [v for e in per_example for v in e["jsd"][m]]
        by_seed[name] = {
            "steps": len(steps),
            "median_jsd": summary([e["mean_jsd"][m] for e in per_example], seed=seed),
            **jsd_spread(steps),
            "identical_outputs": share(sum(1 for e in per_example if e["identical"][m]), len(per_example)),
        }
    pooled = [v for e in per_example for per_seed in e["jsd"] for v in per_seed]
    flags = [flag for e in per_example for flag in e["identical"]]
    return {
        "jsd_unit": "nats",
        "seeds": list(names),
        "n_seeds": len(names),
        "steps": sum(len(e["positions"]) for e in per_example),
        "median_jsd": summary([_pooled_mean(e) for e in per_example], seed=seed),
        **jsd_spread(pooled),
        "identical_outputs": share(sum(flags), len(flags)),
        "by_seed": by_seed,
    }


def compare_adversarial(seed_examples: Sequence[dict], adversarial: dict) -> dict | None:
    """The steps both experiments measured, side by side: {"steps", "adversarial": spread of their adversarial
    JSD, "seed": spread of their largest seed JSD, "further": the share of steps whose adversarial JSD exceeds
    every seed's, "median_difference": the median of adversarial JSD - largest seed JSD, "tvd_bound"}.

    `adversarial`: a result of `seq2seq.lab.adversarial.adversarial` (its per-example steps, matched by source
    and output position). None when no step is shared.
    """
    by_source = {e["source"]: e for e in seed_examples}
    pairs = []  # (adversarial JSD, largest seed JSD) per shared step
    for example in adversarial.get("per_example", []):
        seeded = by_source.get(example["source"])
        if seeded is None or not seeded["jsd"]:
            continue
        index = {t: i for i, t in enumerate(seeded["positions"])}
        for step in example["steps"]:
            i = index.get(step["position"])
            if i is not None:
                pairs.append((step["jsd"], max(per_seed[i] for per_seed in seeded["jsd"])))
    if not pairs:
        return None
    return {
        "steps": len(pairs),
        "adversarial": jsd_spread([a for a, _ in pairs]),
        "seed": jsd_spread([s for _, s in pairs]),
        "further": share(sum(1 for a, s in pairs if a > s), len(pairs)),
        "median_difference": statistics.median(a - s for a, s in pairs),
        "tvd_bound": adversarial.get("summary", {}).get("tvd_bound"),
    }


def from_stored_adversarial(stored: dict | None) -> dict | None:
    """A stored adversarial entry (`seq2seq.lab.results.stored_form`: per example every step's JSD, in order
    from step 0) in the form `compare_adversarial` reads; None for none."""
    if not isinstance(stored, dict) or not isinstance(stored.get("per_example"), list):
        return None
    return {
        "per_example": [
            {"source": e["source"], "steps": [{"position": t, "jsd": j} for t, j in enumerate(e["jsd"])]}
            for e in stored["per_example"]
        ],
        "summary": {"tvd_bound": (stored.get("summary") or {}).get("tvd_bound")},
    }


def seed_variance(
    translator: Translator,
    seeds: Sequence[tuple[str, Translator]],
    sources: Sequence[str],
    adversarial: dict | None = None,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
) -> dict:
    """`seed_example` for each source against the named seed models: {"per_example", "summary"}.

    `adversarial`: a result of the adversarial experiment on this model; its sources that are not among
    `sources` are measured too (for the comparison only, not in the summary), and the summary's
    "adversarial" holds `compare_adversarial`. ValueError for a seed model that does not tokenize as the
    shipped model does, or for no seed model at all. `progress` wraps the sources; Ctrl-C keeps the
    finished examples ("interrupted": True).
    """
    if not seeds:
        raise ValueError(f"no seed models to compare {translator.name} with")
    names = [name for name, _ in seeds]
    models = [model for _, model in seeds]
    for name, model in seeds:
        if not same_vocabulary(translator, model):
            raise ValueError(f"{name} does not use {translator.name}'s vocabulary: not a seed of the same recipe")
    per_example: list[dict] = []
    interrupted = False
    try:
        for source in progress(sources) if progress else sources:
            per_example.append(seed_example(translator, models, source))
    except KeyboardInterrupt:
        interrupted = True
    result = {"per_example": per_example, "summary": split_seed_variance(per_example, names)}
    if adversarial is not None and not interrupted:
        done = {e["source"] for e in per_example}
        extra = [
            seed_example(translator, models, e["source"])
            for e in adversarial.get("per_example", [])
            if e["source"] not in done
        ]
        compared = compare_adversarial(per_example + extra, adversarial)
        if compared is not None:
            result["summary"]["adversarial"] = compared
    result["summary"]["interrupted"] = interrupted
    return result
