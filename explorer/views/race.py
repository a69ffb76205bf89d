"""The scorer race as the Train page draws it: per-scorer curves, the latest probe of each, the standings.

A race's events (seq2seq.race) come as one list of step events and one of epoch events, each tagged with
its "scorer"; these functions split them by scorer, in the race's scorer order (so that each scorer keeps
its colour: the curves' palette goes by series order). Plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from explorer.views.timelapse import number, probe_for


def by_scorer(events: Sequence[Mapping], scorers: Sequence[str]) -> dict[str, list[Mapping]]:
    """scorer -> its events, in order; every scorer of `scorers` present (an empty list before its first)."""
    found: dict[str, list[Mapping]] = {s: [] for s in scorers}
    for event in events:
        if event.get("scorer") in found:
            found[event["scorer"]].append(event)
    return found


def loss_series(steps: Sequence[Mapping], scorers: Sequence[str]) -> dict[str, tuple[list, list]]:
    """scorer -> (its optimizer steps, its training loss of the last 10 steps), every 10 steps."""
    return {s: ([e["step"] for e in mine], [number(e.get("loss")) for e in mine])
            for s, mine in by_scorer(steps, scorers).items()}  # fmt: skip


def valid_series(epochs: Sequence[Mapping], scorers: Sequence[str], metric: str) -> dict[str, tuple[list, list]]:
    """scorer -> (steps at each validation, the validation metric there), epoch 0 (step 0) first."""
    return {
        s: ([e.get("steps", 0) for e in mine], [number((e.get("valid") or {}).get(metric)) for e in mine])
        for s, mine in by_scorer(epochs, scorers).items()
    }


def latest_probe(steps: Sequence[Mapping], epochs: Sequence[Mapping], scorer: str, source: str) -> Mapping | None:
    """The newest record of `source` for `scorer`: a step event's live probe or an epoch's, whichever is later."""
    best, best_step = None, -1
    for event in steps:
        probe = event.get("probe")
        if event.get("scorer") == scorer and isinstance(probe, Mapping) and probe.get("source") == source:
            if event.get("step", 0) >= best_step:
                best, best_step = probe, event.get("step", 0)
    for event in epochs:
        if event.get("scorer") == scorer and event.get("steps", 0) > best_step:
            probe = probe_for(event, source)
            if probe is not None:
                best, best_step = probe, event.get("steps", 0)
    return best


@dataclass(frozen=True)
class Standing:
    """One scorer's line of the race's table."""

    scorer: str
    steps: int  # optimizer steps taken
    best: float | None  # its best validation metric so far
    passed_at: Mapping | None  # its "passed" event, None until it passes
    contender: bool  # must pass for the race to end (every scorer with attention)


def standings(
    steps: Sequence[Mapping], epochs: Sequence[Mapping], passes: Sequence[Mapping], race: Mapping, metric: str
) -> list[Standing]:
    """Each scorer of the race's how far, best so far and whether (and when) it passed, in race order."""
    scorers = list(race.get("scorers", []))
    contenders = set(race.get("contenders", []))
    passed = {p["scorer"]: p for p in passes if "scorer" in p}
    rows = []
    for scorer in scorers:
        mine_steps = [e.get("step", 0) for e in steps if e.get("scorer") == scorer]
        mine_epochs = [e for e in epochs if e.get("scorer") == scorer]
        values = [v for e in mine_epochs if (v := number((e.get("valid") or {}).get(metric))) is not None]
        taken = max(mine_steps + [e.get("steps", 0) for e in mine_epochs] + [0])
        rows.append(Standing(scorer, taken, max(values) if values else None, passed.get(scorer), scorer in contenders))
    return rows


def first_to_pass(passes: Sequence[Mapping], scorers: Sequence[str]) -> str | None:
    """The first to pass, as seq2seq.race.Referee.first decides: fewest own steps, then own seconds, then order."""
    order = {s: i for i, s in enumerate(scorers)}
    known = [p for p in passes if p.get("scorer") in order]
    if not known:
        return None
    best = min(known, key=lambda p: (p.get("steps", 0), p.get("seconds", 0.0), order[p["scorer"]]))
    return best["scorer"]
