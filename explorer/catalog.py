"""Which models exist, by task and scorer; names only ever come from the registry."""

from __future__ import annotations

import math
from dataclasses import dataclass

from seq2seq.checkpoint import registry_and_notes, registry_notes
from seq2seq.config import SCORERS

USER_PREFIX = "user/"  # registry names of the models saved from the Train page
TASK_LABELS = {"reverse": "Reverse a string", "dates": "Normalize a date", "en-fr": "English → French"}


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
    return sorted(
        result,
        key=lambda e: (
            list(TASK_LABELS).index(e.task) if e.task in TASK_LABELS else 9,
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
