"""Which models exist, by task and scorer; names only ever come from the registry."""

from __future__ import annotations

from dataclasses import dataclass

from seq2seq.checkpoint import registry
from seq2seq.config import SCORERS

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


def entries() -> list[Entry]:
    """All registered models, shipped first, in task then scorer order."""
    result = []
    for e in registry():
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


def model_for(task: str, scorer: str) -> Entry | None:
    for e in entries():
        if e.task == task and e.scorer == scorer and e.cell == "gru":
            return e
    return None
