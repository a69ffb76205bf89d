"""The scorer race: one task, one set of settings and one seed trained for several scorers at once.

Every scorer gets its own model (initialized from the same seed, so every one starts from the same
embeddings and recurrent weights; only the scorer's own weights differ), its own optimizer and its own
run folder, and they all read the same training pairs in the same batches. One process with one torch
thread trains them interleaved: one optimizer step of each scorer in turn (a "round"), so that all of
them move at once on the screen and the race uses the CPU of one training.

Each scorer's epoch ends as in `seq2seq.train` (`Trainer.close_epoch`: validation, the history entry,
the checkpoint of its best epoch). A scorer whose validation metric reaches the bar has *passed* and
stops training (its folder keeps its best epoch); the race ends when every contender (by default every
scorer with attention, not `none`) has passed, when the budget (`max_seconds` of race time: the wall
clock since the race began, validation included) is spent, or on a Stop. Scorers still training then
close their unfinished epoch (validated and saved, as a Stop does in `train`).

The first to pass is the scorer that passed after the fewest optimizer steps of its own; ties (scorers
validated after the same step count pass in the same round) go to the one with fewer seconds of its
own training, then to the earlier in the race's scorer order. `Referee` holds that logic, apart from
torch, so that it is tested alone.

Events (to `callback`), each a dict with a "type":
    race     {"scorers", "contenders", "bar", "metric", "max_seconds"} once, first
    step     {"scorer", "step", "loss", "seconds", "race_seconds"} every 10 steps of a scorer, with
             "probe" (the probe sentence's output and attention) every `probe_every` steps
    epoch    the `train` epoch event (probes.json's entry) with "scorer" and "race_seconds"
    passed   {"scorer", "steps", "seconds", "race_seconds", "metric"} when a scorer passes the bar
The return value is the race's summary (also written to <out>/race.json). <out> must be new or an
empty folder (`check_race_out`): nothing there is written over.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .config import SCORERS, TrainConfig
from .scorers import learns_where_to_look

if TYPE_CHECKING:  # imports torch: the race imports it only when it runs
    from .trainer import Trainer

RACE_JSON = "race.json"
ALL_PASSED, BUDGET, STOPPED = "all passed", "budget", "stopped"  # why a race ended (race.json's "reason")


@dataclass(frozen=True)
class Pass:
    """A scorer's crossing of the bar: its own optimizer steps and training seconds, the race clock, the metric."""

    scorer: str
    steps: int
    seconds: float
    race_seconds: float
    metric: float


@dataclass
class Referee:
    """Who has passed the bar, who still trains, whether the race is over and who was first.

    `scorers` race in this order; `contenders` (default: the scorers that learn where to look, not the
    baselines `none` and `uniform`) must all pass for the race to end before its budget. A passed scorer
    stops training (`racing` leaves it out).
    """

    scorers: Sequence[str]
    bar: float
    contenders: Sequence[str] | None = None
    passed: dict[str, Pass] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.scorers = list(self.scorers)
        if self.contenders is None:
            self.contenders = [s for s in self.scorers if learns_where_to_look(s)]
        self.contenders = [s for s in self.contenders if s in self.scorers]

    def record(self, scorer: str, metric: float, steps: int, seconds: float, race_seconds: float) -> Pass | None:
        """A validation of `scorer`: its Pass if this one crosses the bar for the first time, else None."""
        if scorer in self.passed or not metric >= self.bar:  # NaN never passes
            return None
        self.passed[scorer] = Pass(scorer, steps, round(seconds, 3), round(race_seconds, 3), metric)
        return self.passed[scorer]

    def racing(self) -> list[str]:
        """The scorers that still train: those that have not passed."""
        return [s for s in self.scorers if s not in self.passed]

    def done(self) -> bool:
        """Whether every contender has passed (a race without contenders is never done by passing)."""
        return bool(self.contenders) and all(s in self.passed for s in self.contenders)

    def first(self) -> Pass | None:
        """The first to pass: fewest own steps, then fewest own training seconds, then race order."""
        if not self.passed:
            return None
        order = {s: i for i, s in enumerate(self.scorers)}
        return min(self.passed.values(), key=lambda p: (p.steps, p.seconds, order[p.scorer]))


class _Lane:
    """One scorer's training, driven a step at a time (`seq2seq.trainer.Trainer`'s epoch loop, unrolled)."""

    def __init__(self, trainer: Trainer, scorer: str) -> None:
        self.trainer, self.scorer = trainer, scorer
        self.recent: deque[tuple[float, int]] = deque(maxlen=10)
        self._open_epoch()

    def _open_epoch(self) -> None:
        trainer = self.trainer
        self.batches = trainer.epoch_batches(trainer.run.epoch)
        self.epoch_lr = trainer.epoch_lr()

    @property
    def steps(self) -> int:
        return self.trainer.run.steps

    @property
    def seconds(self) -> float:
        return self.trainer.run.seconds

    def step(self) -> bool:
        """One optimizer step on the epoch's next batch; True when that batch ended the epoch."""
        trainer, run = self.trainer, self.trainer.run
        trainer.model.train()
        started = time.perf_counter()
        loss_sum, tokens = trainer.step(self.batches[run.batch], self.epoch_lr)
        spent = time.perf_counter() - started
        run.batch, run.steps = run.batch + 1, run.steps + 1
        run.epoch_loss += loss_sum
        run.epoch_tokens += tokens
        run.seconds += spent
        run.epoch_seconds += spent
        self.recent.append((loss_sum, tokens))
        return run.batch >= len(self.batches)

    def recent_loss(self) -> float:
        """Per-token training loss of the last 10 steps."""
        return sum(x for x, _ in self.recent) / max(sum(n for _, n in self.recent), 1)

    def close(self, stopped: bool = False) -> float:
        """Close the epoch (validate, record, save: `Trainer.close_epoch`); the task's validation metric."""
        trainer = self.trainer
        pairs = sum(len(b) for b in self.batches)
        trainer.close_epoch(stopped=stopped, pairs=pairs)
        self._open_epoch()
        latest = trainer.run.history[-1]
        return float(latest["valid"].get(trainer.data.metric, 0.0))

    @property
    def mid_epoch(self) -> bool:
        return self.trainer.run.batch > 0


def check_race_out(out: Path) -> None:
    """ValueError unless `out` is a new path or an empty folder: a race writes a folder per scorer and
    race.json into it and has no resume, so it never writes over what is there."""
    if out.is_symlink() or (out.exists() and (not out.is_dir() or any(out.iterdir()))):
        raise ValueError(f"{out} exists and is not an empty folder: a race writes into a new or empty folder")


def race_config(cfg: TrainConfig, scorer: str, out: Path) -> TrainConfig:
    """`cfg` for one scorer of the race: its scorer, its folder <out>/<scorer>; no early stopping of its
    own (the race's referee stops it) and no budget of its own (the race's clock is the budget)."""
    return replace(cfg, scorer=scorer, out=str(out / scorer), patience=10**6, max_steps=0, max_seconds=0.0)


def race(
    cfg: TrainConfig,
    scorers: Sequence[str] = SCORERS,
    bar: float = 0.95,
    max_seconds: float = 120.0,
    contenders: Sequence[str] | None = None,
    callback: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    probe: str | None = None,
    probe_every: int = 20,
    clock: Callable[[], float] = time.perf_counter,
) -> dict:
    """Race `scorers` on `cfg`'s task, settings and seed into <cfg.out>/<scorer>; return the summary.

    `bar`: the task's validation metric a scorer must reach to pass; `max_seconds`: the race's budget
    (0: none); `probe`: the sentence drawn live (default: the task's first probe).
    """
    from .train import prepare_process
    from .trainer import Hooks, Trainer
    from .training_parts import Distributed, load_task_data, shared_tokenizers

    scorers = list(dict.fromkeys(scorers))
    if not scorers:
        raise ValueError("a race needs at least one scorer")
    out = Path(cfg.out)
    check_race_out(out)
    out.mkdir(parents=True, exist_ok=True)
    prepare_process(cfg)
    dist = Distributed(cfg.device)
    if dist.world > 1:
        raise ValueError("a race runs in one process")
    data = load_task_data(cfg)
    source, target = shared_tokenizers(cfg, data, dist, out / scorers[0])
    probe = probe if probe is not None else (data.probes[0] if data.probes else None)
    referee = Referee(scorers, bar, contenders)
    emit = callback or (lambda event: None)
    started = clock()

    def now() -> float:
        return clock() - started

    emit({"type": "race", "scorers": scorers, "contenders": list(referee.contenders), "bar": bar,
          "metric": data.metric, "max_seconds": max_seconds})  # fmt: skip

    def tagged(scorer: str) -> Callable[[dict], None]:
        return lambda event: emit({**event, "scorer": scorer, "race_seconds": round(now(), 2)})

    lanes: dict[str, _Lane] = {}
    for scorer in scorers:
        hooks = Hooks(callback=tagged(scorer), progress=False)
        trainer = Trainer(race_config(cfg, scorer, out), dist, data, source, target, hooks)
        trainer.record_untrained()
        lanes[scorer] = _Lane(trainer, scorer)

    def judge(lane: _Lane, metric: float) -> None:
        passed = referee.record(lane.scorer, metric, lane.steps, lane.seconds, now())
        if passed is not None:
            emit({"type": "passed", **asdict(passed)})

    def live(lane: _Lane) -> None:
        if lane.steps % 10:
            return
        event = {"type": "step", "scorer": lane.scorer, "step": lane.steps, "loss": lane.recent_loss(),
                 "seconds": round(lane.seconds, 3), "race_seconds": round(now(), 2)}  # fmt: skip
        if probe is not None and lane.steps % probe_every == 0:
            from .training_parts import probe_record

            lane.trainer.model.eval()
            record = probe_record(lane.trainer.translator, (probe,))
            event["probe"] = record[0] if record else None
        emit(event)

    reason = ALL_PASSED
    while not referee.done():
        racing = referee.racing()
        if should_stop and should_stop():
            reason = STOPPED
            break
        if max_seconds and now() >= max_seconds:
            reason = BUDGET
            break
        for scorer in racing:
            lane = lanes[scorer]
            if lane.step():
                judge(lane, lane.close())
            live(lane)
    for scorer in referee.racing():  # close what the end interrupted: validated and saved
        lane = lanes[scorer]
        if lane.mid_epoch:
            judge(lane, lane.close(stopped=True))
    first = referee.first()
    summary = {
        "task": cfg.task,
        "scorers": scorers,
        "contenders": list(referee.contenders),
        "bar": bar,
        "metric": data.metric,
        "reason": reason,
        "first": first.scorer if first else None,
        "passed": {s: asdict(p) for s, p in referee.passed.items()},
        "best": {s: lanes[s].trainer.run.best for s in scorers},
        "steps": {s: lanes[s].steps for s in scorers},
        "seconds": round(now(), 2),
        "max_seconds": max_seconds,
        "settings": {k: v for k, v in asdict(cfg).items() if k not in ("out", "scorer", "extra")},
    }
    (out / RACE_JSON).write_text(json.dumps(summary, indent=2) + "\n")
    return summary
