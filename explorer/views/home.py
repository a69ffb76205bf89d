"""The home page's first screen: a live example from a shipped model, stepped one row per click.

Plain Python (no streamlit): which example a language opens on, and where a click takes the step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from explorer.views import decode as dv

# The example a language opens on: (task, sentence). A class reading Chinese sees its own first
# example, 我爱你 → I love you; everyone else an English sentence into French.
FIRST_EXAMPLES = {"zh": ("zh-en", "我爱你。"), "en": ("en-fr", "I love you.")}


def first_example(
    lang: str, available: Mapping[str, Sequence[str]], default_sentences: Mapping[str, str]
) -> tuple[str, str, str] | None:
    """(task, scorer, sentence) of the live example in `lang`; when its task has no model here, the first
    task that has one, on its default sentence; None when no model is registered."""
    task, sentence = FIRST_EXAMPLES.get(lang, FIRST_EXAMPLES["en"])
    if not available.get(task):
        task = next((name for name, scorers in available.items() if scorers and default_sentences.get(name)), None)
        if task is None:
            return None
        sentence = default_sentences[task]
    return task, dv.default_scorer(list(available[task])), sentence


def shown_step(raw: object, n: int) -> int:
    """The rows the example shows: at least the first (the heatmap is never empty), at most `n`."""
    step = raw if isinstance(raw, int) and not isinstance(raw, bool) else 1
    return min(max(step, 1), max(n, 1))


def next_step(step: int, n: int) -> int:
    """One row more; after the last row, the first again."""
    return step + 1 if step < n else 1
