"""The Lab's stored results (seq2seq.lab.results, pretrained/lab/<task>.json) as its split and scorers
views read them: one experiment of one model, how the results were computed, and the commands that
compute them when they are not stored.

Text is in the current language (explorer.i18n); module constants are marked with N_ and translated
where they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from explorer.i18n import N_, _, ngettext


def experiment(results: Mapping | None, model: str, name: str) -> dict | None:
    """Experiment `name`'s stored result for registry name `model` (None when not stored)."""
    if not isinstance(results, Mapping):
        return None
    found = (results.get("by_model") or {}).get(model)
    value = found.get(name) if isinstance(found, Mapping) else None
    return value if isinstance(value, Mapping) else None


def compute_commands(model: str, task: str, needs_data: bool, experiments: Sequence[str]) -> str:
    """The commands that compute `experiments` of `model` ("table": the task's scorer table): the script
    that stores the shipped models' results, then the lab's own command, which prints them."""
    data = " --data PATH" if needs_data else ""
    comment = _("the shipped models, stored in pretrained/lab/")
    lines = [f"python scripts/lab_results.py --tasks {task}   # {comment}"]
    for name in experiments:
        which = f"--task {task}" if name == "table" else f"--model {model}"
        lines.append(f"python -m seq2seq lab {which} --experiment {name}{data}")
    return "\n".join(lines)


def settings_text(results: Mapping | None) -> str:
    """How the stored results were computed, in a line: the split, the examples, the settings, the date."""
    settings = results.get("settings") if isinstance(results, Mapping) else None
    if not isinstance(settings, Mapping):
        return _("Stored results.")
    parts = [_("Stored results on the {split} split").format(split=split_name(settings.get("split", "test")))]
    counts = settings.get("n")
    if isinstance(counts, Mapping):
        # Translators: ", " is what separates the items of a list.
        counted = _(", ").join(f"{experiment_name(k)} {v}" for k, v in counts.items())
        parts.append(_("examples: {counts}").format(counts=counted))
    if settings.get("ig_steps"):
        n = settings["ig_steps"]
        parts.append(
            ngettext("{n} integrated-gradients point", "{n} integrated-gradients points", _count(n)).format(n=n)
        )
    if settings.get("seeds"):
        n = settings["seeds"]
        parts.append(ngettext("{n} shuffle per step", "{n} shuffles per step", _count(n)).format(n=n))
    if settings.get("date"):
        parts.append(_("computed {date}").format(date=settings["date"]))
    text = str(parts[0])
    for part in parts[1:]:
        # Translators: the clauses of one line about how stored results were computed, one after the other.
        text = _("{clauses}; {clause}").format(clauses=text, clause=part)
    # Translators: the end of that line.
    return _("{clauses}.").format(clauses=text)


# The data splits (seq2seq.tasks.base.SPLITS) and the stored experiments (seq2seq.lab.names.STORED_EXPERIMENTS)
# as a line names them.
SPLIT_NAMES = {"train": N_("train"), "valid": N_("valid"), "test": N_("test")}
EXPERIMENT_NAMES = {
    "agreement": N_("agreement"),
    "permutation": N_("permutation"),
    "uniform": N_("uniform"),
    "length": N_("length"),
    "adversarial": N_("adversarial attention"),
    "seed_variance": N_("seed variance"),
    "alignment": N_("alignment"),
    "table": N_("table"),
}


def split_name(split: object) -> str:
    """A split's name in the current language ("test"); an unknown one as it is."""
    return _(SPLIT_NAMES[split]) if split in SPLIT_NAMES else str(split)


def experiment_name(name: object) -> str:
    """An experiment's name in the current language ("agreement"); an unknown one as it is."""
    return _(EXPERIMENT_NAMES[name]) if name in EXPERIMENT_NAMES else str(name)


def _count(value: object) -> int:
    """A stored count as ngettext takes it (a value that is not a whole number reads as many)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 2
