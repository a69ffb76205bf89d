"""What a lesson step shows or claims, measured on the models: an attention question's answer, accuracy by length."""

from __future__ import annotations

from collections import defaultdict

from explorer.i18n import _
from explorer.state import catalog
from explorer.state.view import ViewState

ACCURACY_EXAMPLES = 400  # test examples an accuracy claim or figure decodes (before any length filter)


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
    test examples (a generated task: the same examples every time)."""
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
