"""What a lesson step shows or claims, measured on the models: an attention question's answer, accuracy by length."""

from __future__ import annotations

import math
import weakref
from collections import defaultdict

from explorer.i18n import _
from explorer.lessons.schema import Claim
from explorer.state import catalog
from explorer.state.view import ViewState
from explorer.views.decode import decode

ACCURACY_EXAMPLES = 400  # test examples an accuracy claim or figure decodes (before any length filter)
_DECODED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # translator -> exact_by_length's counts


def attention_row(translator, view: ViewState) -> tuple[list[str], list[float]] | None:
    """(source tokens, the attention of output position `view.step`) of the view's greedy decode, or
    None when the model has no attention or the decode is shorter: the answer to an attention question
    is the source position of the row's largest weight."""
    trace = translator.greedy(view.sentence)
    if trace.attention is None or view.step >= len(trace.steps):
        return None
    return list(trace.source_tokens), list(trace.attention[view.step])


def exact_by_length(translator, task_name: str, n: int = ACCURACY_EXAMPLES) -> dict[int, tuple[int, int]]:
    """Source length -> (examples right, examples) of the model's greedy decodes of the task's first `n`
    test examples (a generated task: the same examples every time). Kept per translator while it lives:
    a step's accuracy and count claims on one model decode the examples once."""
    try:
        kept = _DECODED.setdefault(translator, {})
    except TypeError:  # a translator that cannot be weakly referenced: measured every time
        kept = {}
    if (task_name, n) not in kept:
        kept[(task_name, n)] = _exact_by_length(translator, task_name, n)
    return kept[(task_name, n)]


def _exact_by_length(translator, task_name: str, n: int) -> dict[int, tuple[int, int]]:
    task = catalog.task_of(task_name)
    if task is None or task.generate is None:
        raise ValueError(_("{task} is not a task that generates its test examples").format(task=repr(task_name)))
    examples = task.examples("test", n, 0)
    outputs = translator.translate_batch([e.source for e in examples])
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for example, output in zip(examples, outputs, strict=True):
        counts[len(example.source)][0] += output == example.target
        counts[len(example.source)][1] += 1
    return {length: (right, total) for length, (right, total) in sorted(counts.items())}


def share_right(counts: dict[int, tuple[int, int]], min_len: int, max_len: int) -> tuple[float, int] | None:
    """(exact match, examples) over the lengths min_len..max_len of `exact_by_length`'s counts; None if none."""
    picked = [(r, t) for length, (r, t) in counts.items() if min_len <= length <= max_len]
    total = sum(t for _, t in picked)
    return (sum(r for r, _ in picked) / total, total) if total else None


def length_curve(counts: dict[int, tuple[int, int]], bucket: int = 5) -> tuple[list[str], list[float]]:
    """Lengths grouped by `bucket` characters ("1–5", "6–10", …) and the exact match of each group."""
    groups: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for length, (right, total) in counts.items():
        groups[(length - 1) // bucket][0] += right
        groups[(length - 1) // bucket][1] += total
    labels = [f"{g * bucket + 1}–{(g + 1) * bucket}" for g in sorted(groups)]
    return labels, [groups[g][0] / groups[g][1] for g in sorted(groups)]


JAIN_WALLACE = "jain-wallace:"  # an agreement statistic under Jain & Wallace's measures ("jain-wallace:attention~...")
# The stored lab numbers that count something (steps, examples, sentences, seeds): a lab statistic whose
# last part is one of these is a count, written as a whole number (`lab_kind`).
LAB_COUNTS = frozenset(
    ("n", "steps", "examples", "count", "n_seeds", "short", "unconverged", "attention_on_eos", "refused")
    + ("tau_examples",)
)


def lab_kind(statistic: str) -> str:
    """ "count" for a lab statistic that counts ("n", "saturated.count", "attention~grad_x_input.n"), else
    "value": a count is written as a whole number wherever a lesson shows it."""
    last = statistic.removeprefix(JAIN_WALLACE).split(".")[-1]
    return "count" if last in LAB_COUNTS else "value"


def lab_value(data: dict, model: str, experiment: str, statistic: str) -> float:
    """The number `statistic` names in `model`'s stored `experiment` (`data`: seq2seq.lab.results.load's).

    agreement: a pair ("attention~integrated_gradients"); permutation: "median_tvd", "fraction_changed";
    uniform: "model", "uniform", "change" (the task's metric); length: a bucket's range ("31-40"), its
    value; table: a column of the model's row ("perplexity", "exact_match", "bleu", "aer", "entropy", "tau",
    "tau_summary"). A median with its interval gives its median, or its "low", "high" or "n" named after
    a dot ("attention~integrated_gradients.high"); agreement's Jain & Wallace measures after "jain-wallace:"
    ("jain-wallace:significant_share.attention~grad_x_input"). ValueError naming what is missing.
    """
    name, _, part = statistic.partition(".")
    if experiment == "table":
        rows = [r for r in (data.get("table") or {}).get("rows", []) if r.get("model") == model]
        if not rows:
            raise ValueError(f"the stored scorer table has no row for {model}")
        found = rows[0].get(name)
    else:
        stored = data["by_model"].get(model, {}).get(experiment)
        if not isinstance(stored, dict):
            raise ValueError(f"no stored {experiment} results for {model}")
        if experiment == "length":
            found = next(
                (b.get("value") for b in stored.get("buckets", []) if "-".join(map(str, b.get("range", []))) == name),
                None,
            )
        elif name.startswith(JAIN_WALLACE):  # Jain & Wallace's measures, stored beside the signed ones
            found = ((stored.get("jain-wallace") or {}).get("summary") or {}).get(name.removeprefix(JAIN_WALLACE))
        else:
            found = stored.get("summary", {}).get(name)
    if isinstance(found, dict):
        found = found.get(part or "median")
    elif part:
        found = None
    if isinstance(found, bool) or not isinstance(found, int | float) or not math.isfinite(found):
        raise ValueError(f"{model}'s stored {experiment} has no number {statistic!r}")
    return float(found)


def claim_importance(translator, claim: Claim):
    """The importances (seq2seq.lab.importance.step_importance with its defaults: the signed measures,
    integrated gradients to convergence) of output position `claim.step` of the greedy decode of
    `claim.sentence`, with its token."""
    from seq2seq.lab.importance import step_importance

    trace = translator.greedy(claim.sentence)
    ids = [s.token_id for s in trace.steps]
    if claim.step >= len(ids):
        raise ValueError(
            f"{claim.model}'s output of {claim.sentence!r} has {len(ids)} tokens, no position {claim.step}"
        )
    return step_importance(translator, claim.sentence, ids[: claim.step], token_id=ids[claim.step])


def model_name(view: ViewState) -> str | None:
    """The registry name a decoding view runs."""
    entry = catalog.model_for(view.task, view.scorer, view.model)
    return entry.name if entry else None


def claim_trace(translator, claim: Claim):
    """The decode an output, not_output or attends claim speaks of: `claim.strategy`, after forcing
    the target pieces of `claim.prefix` (a what-if). ValueError for a piece the model does not know."""
    if claim.prefix:
        tokenizer = translator.target_tokenizer
        ids = {tokenizer.piece(i): i for i in range(tokenizer.vocab_size)}
        unknown = [p for p in claim.prefix if p not in ids]
        if unknown:
            raise ValueError(f"{claim.model} has no target piece {unknown[0]!r}")
        return translator.greedy(claim.sentence, prefix=[ids[p] for p in claim.prefix])
    return decode(translator, claim_view(claim))


def claim_view(claim: Claim) -> ViewState:
    """The decoding a claim speaks of, as a view (task and scorer play no part)."""
    return ViewState("", "", claim.sentence, 0, claim.strategy, claim.beam, claim.temperature, claim.seed)
