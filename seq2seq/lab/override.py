"""The override effect (Moradi, Kambhatla & Sarkar 2019, "Interrogating the Explanatory Power of
Attention in Neural Machine Translation"): how much of a greedy output survives when one step's
attention is replaced.

The model decodes `source` greedily; then the same decode is rerun with step t's attention replaced
by a given row (through the step API's `attention=`), the model's own attention at every other
step, and its own greedy choices everywhere (step t included, under the new row). Steps before t
are unchanged by construction. What is measured is what follows:

    survival = #{i > t : new_i = original_i} / max(len(original) - t - 1, len(new) - t - 1)

over output tokens (</s> included), position by position: a token that moved by one counts as lost,
as in Moradi et al.'s comparison of outputs. 1.0 when nothing follows step t in either output.
`identical`: the whole new output equals the original.

`override_split` is the split-level aggregate: per source, all weight moved to one random source
position at one random step (both drawn from `seed`), with survival and identity summarised over
the examples (`seq2seq.lab.stats.summary`: median and 95% bootstrap interval).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence

from seq2seq.decoding import Translator
from seq2seq.trace import Trace

from .perturb import require_attention
from .stats import summary


def override_effect(
    translator: Translator,
    source: str,
    step: int,
    attention: Sequence[float],
    original: Trace | None = None,
) -> dict:
    """Greedy decoding of `source` with `attention` at output position `step` only, against the plain greedy decode.

    `attention`: one weight per source position (</s> included), non-negative, summing to 1
    (InputError otherwise). `original`: `translator.greedy(source)` when already computed.
    Returns {"step", "original", "overridden" (the two outputs as text), "original_tokens",
    "overridden_tokens", "token_before", "token_after" (the token chosen at `step`), "step_changed",
    "survival" (see the module docstring), "compared" (its denominator), "identical"}.
    """
    require_attention(translator)
    original = translator.greedy(source) if original is None else original
    if not 0 <= step < len(original.steps):
        raise ValueError(f"step must lie in 0..{len(original.steps) - 1} (the output's positions), got {step}")
    state = original.steps[step - 1].next_state if step else translator.start(source)
    changed = translator.step(state, attention=list(attention))
    new_steps = translator.continue_from([*original.steps[:step], changed])
    before = [s.token_id for s in original.steps]
    after = [s.token_id for s in new_steps]
    tail_before, tail_after = before[step + 1 :], after[step + 1 :]
    compared = max(len(tail_before), len(tail_after))
    kept = sum(a == b for a, b in zip(tail_before, tail_after, strict=False))
    return {
        "step": step,
        "original": original.output,
        "overridden": translator.target_tokenizer.decode(after),
        "original_tokens": [s.token for s in original.steps],
        "overridden_tokens": [s.token for s in new_steps],
        "token_before": original.steps[step].token,
        "token_after": changed.token,
        "step_changed": changed.token_id != original.steps[step].token_id,
        "survival": kept / compared if compared else 1.0,
        "compared": compared,
        "identical": after == before,
    }


def one_hot(length: int, position: int) -> list[float]:
    """All weight on `position` of `length` (an attention override)."""
    return [1.0 if i == position else 0.0 for i in range(length)]


def override_split(
    translator: Translator,
    sources: Sequence[str],
    seed: int = 0,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
) -> dict:
    """Per source: all weight on one random position at one random step; {"per_example", "summary"}.

    The step and the position are drawn uniformly (random.Random(seed), in source order) from the
    greedy output's positions and the source's positions (</s> included). The summary holds
    `summary` of the examples' survival, the share of identical outputs and of changed tokens at
    the overridden step. `progress` wraps the sources (a tqdm bar); Ctrl-C keeps the finished examples.
    """
    require_attention(translator)
    rng = random.Random(seed)
    per_example: list[dict] = []
    interrupted = False
    try:
        for source in progress(sources) if progress else sources:
            original = translator.greedy(source)
            length = len(translator.encode_source(source))
            step, position = rng.randrange(len(original.steps)), rng.randrange(length)
            effect = override_effect(translator, source, step, one_hot(length, position), original=original)
            per_example.append({"source": original.source_text, "position": position, **effect})
    except KeyboardInterrupt:
        interrupted = True
    n = len(per_example)
    return {
        "per_example": per_example,
        "summary": {
            "survival": summary([e["survival"] for e in per_example], seed=seed),
            "identical": sum(e["identical"] for e in per_example) / n if n else 0.0,
            "step_changed": sum(e["step_changed"] for e in per_example) / n if n else 0.0,
            "n": n,
            "interrupted": interrupted,
        },
    }
