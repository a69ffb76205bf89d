"""Which models exist, by task and scorer; names only ever come from the registry."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType

from seq2seq import tasks as task_registry
from seq2seq.checkpoint import registry_and_notes, registry_notes
from seq2seq.config import SCORERS

USER_PREFIX = "user/"  # registry names of the models saved from the Train page

# -- what the app asks a task -------------------------------------------------------------------
# The app never decides by a task's name: it asks the task module (seq2seq.tasks.get_task) for
#   LABEL: str                   how pickers and headings name the task ("English → French")
#   DEFAULT_SENTENCE: str        the sentence every page opens on
#   EXAMPLES: tuple[str, ...]    the home page's "Start here" links, the most telling first
#   METRIC: str                  the validation metric training curves show ("exact_match", "bleu")
#   DATA_FILE: str | None        the corpus file name a training reads (in ../shared/data), None: generated
#   CREDIT: str                  the data's attribution line, for the home page


def known_tasks() -> tuple[str, ...]:
    """Every task the app can name, in display order: the library's (seq2seq.tasks.TASKS)."""
    return tuple(task_registry.TASKS)


def task_module(task: str) -> ModuleType | None:
    """The task's module, or None for a task the library does not register (or cannot import)."""
    try:
        return task_registry.get_task(task)
    except (ValueError, ImportError):
        return None


def task_fact(task: str, name: str, default=None):
    """Attribute `name` of the task's module, else `default` (also for a task the library does not know)."""
    return getattr(task_module(task), name, default)


def task_label(task: str) -> str:
    """How the app names `task` ("English → French"); the name itself for a task it knows nothing of."""
    return str(task_fact(task, "LABEL", task))


def task_examples(task: str) -> tuple[str, ...]:
    """The task's example sentences for the home page, the most telling first (may be empty)."""
    return tuple(task_fact(task, "EXAMPLES", ()))


def default_sentence(task: str) -> str:
    """The sentence every page opens on: the task's DEFAULT_SENTENCE, else its first example or probe."""
    sentence = task_fact(task, "DEFAULT_SENTENCE")
    if sentence:
        return str(sentence)
    candidates = task_examples(task) or tuple(task_fact(task, "PROBES", ()))
    return candidates[0] if candidates else ""


def task_metric(task: str) -> str:
    """The validation metric of the task's training curves: BLEU for a corpus task, else exact match."""
    return str(task_fact(task, "METRIC", "bleu" if data_file(task) else "exact_match"))


def data_file(task: str) -> str | None:
    """The corpus file name a training of `task` reads (None: the task generates its data)."""
    name = task_fact(task, "DATA_FILE")
    return str(name) if name else None


def data_credits(tasks) -> list[str]:
    """The attribution lines of the data behind `tasks` (generated tasks have none), each once."""
    return list(dict.fromkeys(credit for task in tasks if (credit := task_fact(task, "CREDIT", ""))))


class _TaskLabels(Mapping):
    """task -> label for every known task (`TASK_LABELS.get(task, task)`), read from the tasks."""

    def __getitem__(self, task: str) -> str:
        if task not in known_tasks():
            raise KeyError(task)
        return task_label(task)

    def __iter__(self) -> Iterator[str]:
        return iter(known_tasks())

    def __len__(self) -> int:
        return len(known_tasks())


TASK_LABELS: Mapping[str, str] = _TaskLabels()


@dataclass(frozen=True)
class Entry:
    name: str  # registry name, e.g. "dates/general"
    task: str
    scorer: str
    cell: str
    parameters: int
    metric: dict  # {"name": ..., "value": ...} headline metric on the test split
    card: dict  # everything else the manifest says

    @property
    def is_user(self) -> bool:
        """Saved from the Train page (the user models folder), not shipped."""
        return self.name.startswith(USER_PREFIX)


NOTES_SHOWN = "_registry_notes_shown"  # session_state key: the registry notes this session has seen


def notes() -> list[str]:
    """Why saved models are missing from `entries()` (a broken user manifest, a user models folder
    inside pretrained/), one line each; [] when every model is listed."""
    return registry_notes()


def announce(messages: list[str]) -> None:
    """Show each note once per browser session, as a toast that stays until it is closed: the pages
    that list models call `entries()`, so the note appears wherever a model picker does. Nothing
    outside a Streamlit script run (the CLI, tests of plain functions) or inside a cached function."""
    if not messages:
        return
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx, in_cached_function
    except ImportError:  # a Streamlit without these: the server log still has the warning
        return
    if get_script_run_ctx(suppress_warning=True) is None or in_cached_function.get():
        return
    import streamlit as st

    shown = st.session_state.setdefault(NOTES_SHOWN, [])
    for message in messages:
        if message not in shown:
            shown.append(message)
            st.toast(f"Saved models are left out: {message}", icon="⚠️", duration="infinite")


def entries() -> list[Entry]:
    """All registered models, shipped first, in task then scorer order.

    Saved models whose folder or manifest cannot be used are left out (the shipped ones still list);
    in the app a toast says which file and what is wrong with it (`announce`).
    """
    listed, problems = registry_and_notes()
    announce(problems)
    result = []
    for e in listed:
        result.append(
            Entry(
                name=e["name"],
                task=e.get("task", ""),
                scorer=e.get("scorer", ""),
                cell=e.get("cell", "gru"),
                parameters=int(e.get("parameters", 0)),
                metric=e.get("metric") or {},
                card=e,
            )
        )
    order = {s: i for i, s in enumerate(SCORERS)}
    task_order = {t: i for i, t in enumerate(known_tasks())}
    return sorted(
        result,
        key=lambda e: (
            task_order.get(e.task, len(task_order)),
            e.is_user,
            e.cell != "gru",
            order.get(e.scorer, 99),
            e.name,
        ),
    )


def tasks() -> list[str]:
    seen = dict.fromkeys(e.task for e in entries())
    return list(seen)


def scorers_for(task: str) -> list[str]:
    """Scorers with a GRU model for `task` (the fair comparison set), in SCORERS order."""
    return list(dict.fromkeys(e.scorer for e in entries() if e.task == task and e.cell == "gru"))


def variants(task: str, scorer: str) -> list[Entry]:
    """Every model of `task` with `scorer`, their default first: the shipped GRU model (the one the
    scorers are compared on), or a saved GRU model where none is shipped; then shipped models with
    another cell, then the user's saved models (the order of `entries`)."""
    found = [e for e in entries() if e.task == task and e.scorer == scorer]
    default = next((e for e in found if e.cell == "gru"), None)
    return ([default] if default else []) + [e for e in found if e is not default]


def model_for(task: str, scorer: str, name: str = "") -> Entry | None:
    """Model `name` if it is one of the task and scorer's models, else their default (`variants`)."""
    found = variants(task, scorer)
    return next((e for e in found if e.name == name), found[0] if found else None)


def other_models(task: str, scorer: str) -> list[str]:
    """Names of the task and scorer's models besides their default: what a link's `model` may name."""
    return [e.name for e in variants(task, scorer)[1:]]


def variant_label(entry: Entry) -> str:
    """How a model picker lists a model: its name, cell and where it comes from."""
    origin = "saved from the Train page" if entry.is_user else "shipped"
    return f"{entry.name} · {entry.cell.upper()}, {origin}"


# Metrics stored as fractions (0..1) in the manifest; the app shows them as percentages.
FRACTION_METRICS = {"exact_match", "char_accuracy", "accuracy", "alignment_accuracy", "gold_mass"}
HEADLINE_LABELS = {
    "exact_match": "exact match %",
    "char_accuracy": "char. accuracy %",
    "accuracy": "accuracy %",
    "bleu": "BLEU",
    "chrf": "chrF",
}


def shown_metric(name: str, value) -> float | None:
    """A test metric as the app shows it: fractions in %, rounded to 2 decimals; None unless a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return round(float(value) * (100 if name in FRACTION_METRICS else 1), 2)


def headline(entry: Entry) -> tuple[str, float | None]:
    """The model's headline test metric as (label, value): "exact match %" 99.7, or "BLEU" 36.94."""
    name = str(entry.metric.get("name", ""))
    return HEADLINE_LABELS.get(name, name), shown_metric(name, entry.metric.get("value"))
