"""The view's state from URL query parameters: validated, with a note for every value refused.

Shareable links carry task, scorer, sentence, step and strategy (a teacher-forcing reference
too), and the model when it is not the task and scorer's default (another cell, or a model saved
from the Train page). Anything invalid falls back to a default and adds a note the page shows;
nothing from the URL is used as a path or as HTML: a model is only ever looked up by name among
the registered ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

STRATEGIES = ("greedy", "sample", "beam")
MAX_SENTENCE_CHARS = 500  # longer URL values are refused before any tokenization


@dataclass(frozen=True)
class ViewState:
    task: str
    scorer: str
    sentence: str
    step: int = 0  # number of target tokens shown (0 = none yet)
    strategy: str = "greedy"
    beam: int = 3  # beam width
    temperature: float = 1.0
    seed: int = 0
    model: str = ""  # a registry name among the task and scorer's models; "" = their default
    reference: str = ""  # a target to teacher-force (it overrides the strategy); "" = none
    notes: tuple[str, ...] = field(default=(), compare=False)

    def to_query(self) -> dict[str, str]:
        """Query parameters for a shareable link (notes are not part of the link)."""
        data = asdict(self)
        data.pop("notes")
        return {k: str(v) for k, v in data.items()}


def _int(raw: str | None, default: int, low: int, high: int, name: str, notes: list[str]) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        notes.append(f"Ignored {name}={raw[:40]!r}: not a whole number; using {default}.")
        return default
    if not low <= value <= high:
        clamped = min(max(value, low), high)
        shown = value if abs(value) < 10**40 else f"{raw.strip()[:40]}…"  # a 4,000-digit seed stays one line
        notes.append(f"{name}={shown} is outside {low}–{high}; using {clamped}.")
        return clamped
    return value


def _float(raw: str | None, default: float, low: float, high: float, name: str, notes: list[str]) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        notes.append(f"Ignored {name}={raw[:40]!r}: not a number; using {default}.")
        return default
    if not (low <= value <= high):  # also refuses NaN
        notes.append(f"{name}={raw[:40]} is outside {low}–{high}; using {default}.")
        return default
    return value


def parse_query(
    params: Mapping[str, str],
    available: Mapping[str, list[str]],
    default_sentences: Mapping[str, str],
    max_step: int = 200,
    other_models: Callable[[str, str], Sequence[str]] | None = None,
) -> ViewState:
    """Validate `params` against the models that exist.

    available: task -> its scorers (the registry); default_sentences: task -> an example;
    other_models(task, scorer): the names a link's `model` may take (catalog.other_models; None:
    only the default model exists).
    """
    notes: list[str] = []
    tasks = list(available)
    if not tasks:
        raise ValueError("no models are registered")
    task = params.get("task")
    if task is not None and task not in available:
        notes.append(f"Unknown task {task[:40]!r}; showing {tasks[0]!r}.")
        task = None
    task = task or tasks[0]
    scorers = available[task]
    scorer = params.get("scorer")
    if scorer is not None and scorer not in scorers:
        fallback = "general" if "general" in scorers else scorers[0]
        notes.append(f"No {scorer[:40]!r} model for {task}; showing {fallback!r}.")
        scorer = fallback
    scorer = scorer or ("general" if "general" in scorers else scorers[0])
    sentence = params.get("sentence")
    if sentence is None:
        sentence = default_sentences.get(task, "")
    elif len(sentence) > MAX_SENTENCE_CHARS:
        notes.append(f"The sentence in the link is longer than {MAX_SENTENCE_CHARS} characters; it was cut.")
        sentence = sentence[:MAX_SENTENCE_CHARS]
    reference = params.get("reference", "")
    if len(reference) > MAX_SENTENCE_CHARS:
        notes.append(f"The reference in the link is longer than {MAX_SENTENCE_CHARS} characters; it was cut.")
        reference = reference[:MAX_SENTENCE_CHARS]
    strategy = params.get("strategy", "greedy")
    if strategy not in STRATEGIES:
        notes.append(f"Unknown strategy {strategy[:40]!r}; using greedy.")
        strategy = "greedy"
    view = ViewState(
        task=task,
        scorer=scorer,
        sentence=sentence,
        step=_int(params.get("step"), 0, 0, max_step, "step", notes),
        strategy=strategy,
        beam=_int(params.get("beam"), 3, 1, 10, "beam", notes),
        temperature=_float(params.get("temperature"), 1.0, 0.05, 5.0, "temperature", notes),
        seed=_int(params.get("seed"), 0, 0, 2**31 - 1, "seed", notes),
        reference=reference,
        notes=tuple(notes),
    )
    return choose_model(view, params.get("model"), other_models(task, scorer) if other_models else ())


def choose_model(view: ViewState, raw: str | None, names: Sequence[str]) -> ViewState:
    """The view with model `raw` when it is one of `names` (the task and scorer's models other than
    their default), else with the default model and, for a name that is not, a note."""
    if raw is None or raw == "":
        return replace(view, model="")
    if raw in names:
        return replace(view, model=raw)
    note = f"No model {raw[:60]!r} for {view.task} with {view.scorer}; showing the default model."
    return replace(view, model="", notes=(*view.notes, note))
