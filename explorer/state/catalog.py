"""Which models exist, by task and scorer; names only ever come from the registry.

What it returns for readers (task labels, data credits, metric labels, registry notes) is translated
into the current language when it is asked for (explorer.i18n): the library marks its texts with N_
and stays English, and these functions are called inside a page's run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace

from explorer import i18n
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from seq2seq.registry import ModelEntry, registry_and_notes, registry_notes
from seq2seq.scorers import SCORERS, default_scorer
from seq2seq.tasks import REGISTRY, TASKS, Task

Entry = ModelEntry  # a registered model, as the manifest describes it (seq2seq/registry.py)


# -- what the app asks a task -------------------------------------------------------------------
# The app never decides by a task's name: it asks the task (seq2seq.tasks.Task) for its label, example
# and default sentences, metric, data file and credit. A task the library does not register (a saved
# model of a task since removed) gets its name as label and no sentences.
def known_tasks() -> tuple[str, ...]:
    """Every task the app can name, in display order: the library's (seq2seq.tasks.TASKS)."""
    return TASKS


def task_of(task: str) -> Task | None:
    """The task called `task`, or None for a task the library does not register."""
    return REGISTRY.get(task)


def task_label(task: str) -> str:
    """How the app names `task` ("English → French", in the current language); the name itself for a
    task it knows nothing of."""
    found = task_of(task)
    return _(found.label) if found else task


def task_examples(task: str) -> tuple[str, ...]:
    """The task's example sentences for the home page, the most telling first (may be empty)."""
    found = task_of(task)
    return found.example_sentences if found else ()


def example_scorer(task: str, sentence: str) -> str:
    """The scorer an example sentence of `task` opens on: the one its task names for it (seq2seq
    Task.example_scorers), else the task's default scorer among the shipped models; "" for an unknown task."""
    found = task_of(task)
    if found is None:
        return ""
    scorers = available().get(task, [])
    return found.example_scorers.get(sentence) or (default_scorer(scorers) if scorers else "")


def first_screens(task_names: Iterable[str]) -> dict[str, Mapping[str, str]]:
    """task -> {language: the sentence Home's live example opens on in it} (seq2seq Task.first_screen)."""
    return {task: found.first_screen for task in task_names if (found := task_of(task)) is not None}


def first_screen_scorers(task_names: Iterable[str]) -> dict[str, str]:
    """task -> the scorer Home's live example opens on (seq2seq Task.first_screen_scorer), where a task names one."""
    return {
        task: found.first_screen_scorer for task in task_names if (found := task_of(task)) and found.first_screen_scorer
    }


def default_sentence(task: str) -> str:
    """The sentence every page opens on: the task's default sentence, else its first example or probe."""
    found = task_of(task)
    if found is None:
        return ""
    candidates = (found.default_sentence, *found.example_sentences, *found.probes)
    return next((c for c in candidates if c), "")


def task_metric(task: str) -> str:
    """The validation metric of the task's training curves ("exact_match", "bleu")."""
    found = task_of(task)
    return found.metric.name if found else "exact_match"


def data_file(task: str) -> str | None:
    """The corpus file name a training of `task` reads (None: the task generates its data)."""
    found = task_of(task)
    return found.data_file if found else None


def data_credits(tasks) -> list[str]:
    """The attribution lines of the data behind `tasks` (generated tasks have none), each once, in the
    current language."""
    credits = dict.fromkeys(found.credit for task in tasks if (found := task_of(task)) and found.credit)
    return [_(credit) for credit in credits]


class _Labels(Mapping[str, str]):
    """task -> its label, translated when it is read: a mapping that can live at module level."""

    def __getitem__(self, task: str) -> str:
        if task not in REGISTRY:
            raise KeyError(task)
        return task_label(task)

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)


# task -> label for every known task (`TASK_LABELS.get(task, task)`), in the current language
TASK_LABELS: Mapping[str, str] = _Labels()


def notes() -> list[str]:
    """Why saved models are missing from `entries()` (a broken user manifest, a user models folder
    inside pretrained/), one line each in the current language; [] when every model is listed."""
    return [message_of(note) for note in registry_notes()]


def entries() -> list[Entry]:
    """All registered models, shipped first, in task then scorer order.

    Saved models whose folder or manifest cannot be used are left out (the shipped ones still list);
    `notes()` says which file and what is wrong with it (every page's frame shows them once).
    """
    result, _ = registry_and_notes()
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
    """How a model picker lists a model: its name, cell and where it comes from (current language)."""
    if entry.is_user:
        return _("{name} · {cell}, saved from the Train page").format(name=entry.name, cell=entry.cell.upper())
    return _("{name} · {cell}, shipped").format(name=entry.name, cell=entry.cell.upper())


# Metrics stored as fractions (0..1) in the manifest; the app shows them as percentages.
FRACTION_METRICS = {"exact_match", "char_accuracy", "accuracy", "alignment_accuracy", "gold_mass"}
HEADLINE_LABELS = {  # English, marked: `headline` translates them
    "exact_match": N_("exact match %"),
    "char_accuracy": N_("char. accuracy %"),
    "accuracy": N_("accuracy %"),
    "bleu": "BLEU",
    "chrf": "chrF",
}


def shown_metric(name: str, value) -> float | None:
    """A test metric as the app shows it: fractions in %, rounded to 2 decimals; None unless a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return round(float(value) * (100 if name in FRACTION_METRICS else 1), 2)


def headline(entry: Entry) -> tuple[str, float | None]:
    """The model's headline test metric as (label, value): "exact match %" 99.7, or "BLEU" 36.94; the
    label in the current language."""
    if entry.metric is None:
        return "", None
    name = entry.metric.name
    label = HEADLINE_LABELS.get(name)
    return (_(label) if label else name), shown_metric(name, entry.metric.value)


def available() -> dict[str, list[str]]:
    """task -> scorers with a model (the registry), tasks without any left out: what a view may name."""
    return {task: scorers for task in tasks() if (scorers := scorers_for(task))}


def default_sentences(task_names: Iterable[str]) -> dict[str, str]:
    """task -> the sentence every page opens on (default_sentence)."""
    return {task: default_sentence(task) for task in task_names}


# -- metrics as the pages name them ------------------------------------------------------------
METRIC_TITLES = {
    "exact_match": N_("exact match"),
    "char_accuracy": N_("character accuracy"),
    "accuracy": N_("accuracy"),
    "alignment_accuracy": N_("alignment accuracy"),
    "gold_mass": N_("gold mass"),
    "bleu": "BLEU",
    "chrf": "chrF",
}


def metric_title(metric: str, english: str | None = None) -> str:
    """A validation metric as the page names it: in English `english` (default: the key itself,
    "exact_match"), in another language its translated title ("exact match" -> 完全匹配)."""
    if i18n.current() == i18n.SOURCE:
        return metric if english is None else english
    title = METRIC_TITLES.get(metric)
    return _(title) if title else (metric if english is None else english)


def model_sets(task: str) -> list:
    """The saved sets of `task`'s models (a race's, seq2seq.registry.ModelSet), each its registered models
    in scorer order; [] when none is saved."""
    from seq2seq.registry import model_sets as saved_sets

    order = {s: i for i, s in enumerate(SCORERS)}
    found = []
    for model_set in saved_sets():
        if model_set.task == task:
            models = dict(sorted(model_set.models.items(), key=lambda item: order.get(item[0], 99)))
            found.append(replace(model_set, models=models))
    return found
