"""The home page's first screen: a live example from a shipped model, stepped one row per click.

Plain Python (no streamlit): which example a language opens on (each task names its own, seq2seq Task.
first_screen), and where a click takes the step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from seq2seq.scorers import default_scorer


def first_example(
    lang: str,
    available: Mapping[str, Sequence[str]],
    default_sentences: Mapping[str, str],
    first_screens: Mapping[str, Mapping[str, str]],
    scorers: Mapping[str, str] | None = None,
) -> tuple[str, str, str] | None:
    """(task, scorer, sentence) of the live example in `lang`: the task whose `first_screen` names `lang`
    (else English), on that sentence; when no such task has a model here, the first task that has one, on
    its default sentence; None when no model is registered.

    `first_screens`: task -> {language: sentence} (explorer.state.catalog.first_screens); `scorers`: task -> the
    scorer its first screen opens on (catalog.first_screen_scorers: one whose every row looks at the right word),
    used when that scorer has a model here, else the default scorer."""

    def named(language: str) -> tuple[str, str] | None:
        return next(
            ((task, by_lang[language]) for task, by_lang in first_screens.items()
             if language in by_lang and available.get(task)),
            None,
        )  # fmt: skip

    chosen = named(lang) or named("en")
    if chosen is None:
        task = next((name for name, scorers in available.items() if scorers and default_sentences.get(name)), None)
        if task is None:
            return None
        chosen = (task, default_sentences[task])
    task, sentence = chosen
    named_scorer = (scorers or {}).get(task)
    scorer = named_scorer if named_scorer in available[task] else default_scorer(list(available[task]))
    return task, scorer, sentence


def shown_step(raw: object, n: int) -> int:
    """The rows the example shows: at least the first (the heatmap is never empty), at most `n`."""
    step = raw if isinstance(raw, int) and not isinstance(raw, bool) else 1
    return min(max(step, 1), max(n, 1))


def next_step(step: int, n: int) -> int:
    """One row more; after the last row, the first again."""
    return step + 1 if step < n else 1
