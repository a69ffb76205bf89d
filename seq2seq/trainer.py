"""One training run, as an object: `Trainer` builds, trains, validates and checkpoints one model.

`seq2seq.train.train` drives a Trainer through its epochs (`fit`); the scorer race (`seq2seq.race`)
drives several, a step at a time, through the same public methods:

    Trainer(cfg, dist, data, source, target, hooks, saved=None)   build (and restore a saved run)
    fit()                       epoch 0, then whole epochs until a stop, or a pause inside one
    record_untrained()          epoch 0: the untrained model validated, recorded and reported
    epoch_batches(epoch)        the global batches of an epoch, as indices into `pairs`
    epoch_lr()                  the rate of the current epoch under --schedule
    step(indices, epoch_lr)     one optimizer step; `run` counts nothing (the caller does)
    close_epoch(stopped, pairs) validate, early-stopping bookkeeping, record, report, checkpoint
    record(epoch, loss, valid)  an epoch's probes.json entry, kept in the run's history
    emit(event)                 an event to the caller's callback (rank 0 only)

Where the run stands is `run` (a `RunState`); what the caller listens and stops with is `hooks`
(`Hooks`). The run folder's trainer state (`STATE_JSON`, `STATE_TENSORS`) is what --resume reads
back (`read_state`, then `Trainer(..., saved=...)`).
"""

from __future__ import annotations

import json
import math
import platform
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from .checkpoint import save_checkpoint
from .config import TrainConfig
from .data import bucketed_batches, encode_pairs
from .decoding import Translator
from .scorers import is_positional
from .stages import first_stage_epochs, first_stage_record
from .tokenizers import Tokenizer
from .training_parts import (
    METRIC_CEILING,
    Distributed,
    ResumeError,
    TaskData,
    global_batch_loss,
    init_model,
    lr_for_epoch,
    make_optimizer,
    probe_record,
    rank_seed,
    score_temperature,
    set_step_lr,
    step_lr,
    validate,
)

STATE_JSON, STATE_TENSORS, PROBES_FILE = "trainer_state.json", "trainer_state.safetensors", "probes.json"
GO, PAUSE, STOP = 0, 1, 2  # rank 0's decision after each step: go on, budget spent (resumable), Stop


@dataclass
class RunState:
    """Where a run stands: what trainer_state.json carries so that --resume continues at the next batch."""

    plateau_lr: float  # the plateau schedule's current rate
    epoch: int = 0  # finished epochs
    batch: int = 0  # batches done of the unfinished epoch `epoch + 1`: > 0 means a pause inside it
    epoch_loss: float = 0.0  # summed training loss of those batches (this process's shares)
    epoch_tokens: float = 0.0  # their target tokens
    epoch_seconds: float = 0.0  # their training seconds
    steps: int = 0  # optimizer steps in all
    seconds: float = 0.0  # training seconds in all (validation not counted)
    best: float = -math.inf  # best validation metric of a finished epoch
    best_epoch: int = 0  # its epoch (0: the untrained model)
    bad_epochs: int = 0  # finished epochs since the best one
    early_stopped: bool = False  # early stopping or a Stop ended the run for good
    history: list[dict] = field(default_factory=list)  # epoch 0 and every finished epoch (rank 0 only)

    @classmethod
    def from_state(cls, state: dict) -> RunState:
        """From trainer_state.json; a state saved before `batch` existed was always at an epoch boundary."""
        return cls(**{f.name: state[f.name] for f in fields(cls) if f.name in state})


@dataclass
class SavedState:
    """A run folder's trainer state, read for --resume (`read_state`)."""

    state: dict  # trainer_state.json: `RunState`'s fields, the optimizer's param groups, Python's random state
    tensors: dict[str, torch.Tensor]  # trainer_state.safetensors: model.*, best.*, optim.*, rng.<stream>.<rank>


@dataclass
class Hooks:
    """What the caller of `train` listens with and stops with (both on rank 0 only)."""

    callback: Callable[[dict], None] | None = None  # gets the step and epoch events
    should_stop: Callable[[], bool] | None = None  # asked after every step: True ends the run for good
    progress: bool = False  # a tqdm bar per epoch


def read_state(out: Path) -> SavedState:
    """trainer_state.json and .safetensors of `out`, or ResumeError naming the folder."""
    from safetensors.torch import load_file

    if not (out / STATE_JSON).is_file() or not (out / STATE_TENSORS).is_file():
        raise ResumeError(
            f"{out}: nothing to resume (no {STATE_JSON} and {STATE_TENSORS} there); "
            "run without --resume to start a new run"
        )
    return SavedState(json.loads((out / STATE_JSON).read_text()), load_file(str(out / STATE_TENSORS)))


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Adam's state as flat tensors for safetensors, and its param groups as JSON."""
    state = optimizer.state_dict()
    tensors = {
        f"optim.{index}.{key}": value.detach().cpu().contiguous()
        for index, entries in state["state"].items()
        for key, value in entries.items()
    }
    return tensors, {"param_groups": state["param_groups"]}


def _restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict, groups: dict) -> None:
    """Adam's state back from `_optimizer_tensors`' flat optim.<index>.<key> tensors and its JSON groups."""
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        if name.startswith("optim."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": groups["param_groups"]})


class Trainer:
    """One run: what it is built from (config, data, model, optimizer), where it stands (`run`, a
    `RunState`), and the steps of `train` as methods (the module docstring lists the public ones):

        __init__      build the model and optimizer, then `restore` a saved run for --resume
        fit           `record_untrained`, then `run_epoch` and `close_epoch` until a stop, or `pause`
        run_epoch     `step` through the epoch's batches from `run.batch` on
        close_epoch   `evaluate`, `track_best`, `report`, `save`
        save          `folder_model`, `trainer_files`, `card`, `probes_json`: one atomic checkpoint
    """

    def __init__(
        self,
        cfg: TrainConfig,
        dist: Distributed,
        data: TaskData,
        source: Tokenizer,
        target: Tokenizer,
        hooks: Hooks,
        saved: SavedState | None = None,
        start: Translator | None = None,
    ):
        """Encode the training pairs, build the model (`init_model`, from `start`'s weights for --init),
        the <unk> stream, the optimizer and a translator for validation; restore `saved` (--resume,
        whose weights win over `start`'s); wrap the model for DDP."""
        self.cfg, self.dist, self.data, self.source, self.target, self.hooks = cfg, dist, data, source, target, hooks
        self.out = Path(cfg.out)
        corpus = data.train[: len(data.train) - data.dictionary]
        # (source ids, target ids) per pair, the corpus's first: a curriculum keeps only those (`epoch_batches`)
        self.pairs = encode_pairs(corpus, source, target, cfg.max_len)
        self.corpus_pairs = len(self.pairs)
        self.pairs += encode_pairs(data.train[len(corpus) :], source, target, cfg.max_len)
        if not self.pairs:
            raise ValueError("no training pair fits in --max-len tokens")
        self.lengths = [len(s) + len(t) for s, t in self.pairs]
        trained_source_len = max(len(s) for s, _ in self.pairs)
        start_model = start.model if start is not None and saved is None else None
        if start is not None:
            trained_source_len = _kept_source_len(cfg, start.model, trained_source_len)
        # --name-pieces grows the target vocabulary, --source-characters the source one
        start_target = start.target_tokenizer if start_model is not None else None
        start_source = start.source_tokenizer if start_model is not None else None
        self.model = init_model(
            cfg, source, target, trained_source_len, dist.rank, start_model, start_target, start_source
        )
        self.start_record = first_stage_record(start.metadata) if start is not None else None
        self.start_epochs = first_stage_epochs(Path(cfg.init), self.start_record) if self.start_record else []
        self.unk_generator = torch.Generator().manual_seed(rank_seed(cfg.seed, dist.rank, "unk"))
        self.optimizer = make_optimizer(self.model, cfg)
        self.best_weights = _clone(self.model)
        self.average = _moving_average(self.model, cfg.ema)  # None without --ema
        self.run = RunState(plateau_lr=cfg.lr)
        self.translator = Translator(self.model, source, target, name=self.out.name, device=cfg.device)
        self.resumed = saved is not None
        if saved is not None:
            self.restore(saved)
        self.ddp_model = dist.wrap(self.model)  # after the restore: every rank starts from the same weights
        self.saved = False  # whether this process has written the folder yet

    # -- resume -----------------------------------------------------------------------------------
    def restore(self, saved: SavedState) -> None:
        """Weights, optimizer, run state and this process's random streams from a checkpoint."""
        state, tensors = saved.state, saved.tensors
        self.model.load_state_dict({k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")})
        self.best_weights = {k[len("best.") :]: v for k, v in tensors.items() if k.startswith("best.")}
        _restore_optimizer(self.optimizer, tensors, state["optimizer"])
        if self.average is not None:
            # a run saved without --ema resumes with the average starting again at the live weights
            averaged = {k[len("ema.") :]: v for k, v in tensors.items() if k.startswith("ema.")}
            if averaged:
                self.average.load_state_dict(averaged)
        self.run = RunState.from_state(state)
        rank = self.dist.rank
        cpu = tensors.get(f"rng.torch.{rank}", tensors.get("rng.torch") if rank == 0 else None)
        if cpu is not None:  # else another world size saved it: this rank keeps its fresh stream
            torch.set_rng_state(cpu)
        if f"rng.unk.{rank}" in tensors:
            self.unk_generator.set_state(tensors[f"rng.unk.{rank}"])
        if f"rng.cuda.{rank}" in tensors and self.cfg.device == "cuda":
            torch.cuda.set_rng_state(tensors[f"rng.cuda.{rank}"])
        if state.get("python_random"):
            version, internal, gauss = state["python_random"]
            random.setstate((version, tuple(internal), gauss))

    def _rng_tensors(self) -> dict[str, torch.Tensor]:
        """Every random stream of every process, as rng.<stream>.<rank> (a collective: all ranks call it).

        Each is a uint8 tensor of the generator's state: (5056,) for torch's CPU generator and <unk>'s.
        """
        streams = {"torch": torch.get_rng_state(), "unk": self.unk_generator.get_state()}
        if self.cfg.device == "cuda":
            streams["cuda"] = torch.cuda.get_rng_state()
        return {
            f"rng.{name}.{rank}": part.contiguous()
            for name, state in streams.items()
            for rank, part in enumerate(self.dist.gather(state))
        }

    # -- the loop ---------------------------------------------------------------------------------
    def within_budget(self) -> bool:
        """Whether neither --max-steps nor --max-seconds is spent (on this process's counters)."""
        cfg, run = self.cfg, self.run
        return not (cfg.max_steps and run.steps >= cfg.max_steps) and not (
            cfg.max_seconds and run.seconds >= cfg.max_seconds
        )

    def may_start_epoch(self) -> bool:
        """Rank 0's answer, on every rank: is there an epoch (or the rest of one) to train?"""
        go = self.run.epoch < self.cfg.epochs and not self.run.early_stopped and self.within_budget()
        return bool(self.dist.agree(float(go)))

    def fit(self) -> None:
        """Epochs (or what is left of a paused one) until the epochs, the budget, or patience run out."""
        if not self.run.history:  # a resumed run has its epoch 0 already
            self.record_untrained()
        while self.may_start_epoch():
            outcome, pairs = self.run_epoch()
            if outcome == PAUSE:
                self.pause()
                break
            self.close_epoch(stopped=outcome == STOP, pairs=pairs)
        if not self.saved and not self.resumed:  # e.g. --epochs 0: the untrained model is the checkpoint
            self.save(finished=True)

    def record_untrained(self) -> None:
        """Epoch 0 (rank 0): the untrained model validated, kept in the history and reported as an epoch
        event, so that the timelapse and the curves start from noise."""
        if self.dist.main:
            entry = self.record(0, None, validate(self.translator, self.data))
            self.emit({"type": "epoch", **entry})

    def epoch_lr(self) -> float:
        """The rate of the current epoch, `run.epoch` (0-based), under --schedule (`lr_for_epoch`)."""
        return lr_for_epoch(self.cfg, self.run.epoch, self.run.plateau_lr)

    def epoch_batches(self, epoch: int) -> list[list[int]]:
        """The global batches of epoch `epoch` (0-based) as indices into `pairs`: the same on every
        process and every resume; a batch with fewer pairs than processes is left out. From epoch
        --dictionary-epochs on (when set), only the corpus's pairs."""
        curriculum_over = 0 < self.cfg.dictionary_epochs <= epoch
        n = self.corpus_pairs if curriculum_over else len(self.pairs)
        batches = bucketed_batches(n, self.lengths[:n], self.cfg.batch_size, self.cfg.seed + epoch)
        return [b for b in batches if len(b) >= self.dist.world]

    def run_epoch(self) -> tuple[int, int]:
        """Train from batch `run.batch` of the current epoch on.

        Returns GO at the epoch's end, else PAUSE or STOP (rank 0's decision after a step), and the
        number of pairs in the epoch's batches (for the pairs/s of the report).
        """
        run = self.run
        epoch_lr = self.epoch_lr()
        batches = self.epoch_batches(run.epoch)
        self.model.train()
        bar = self._progress_bar(len(batches))
        recent: deque[tuple[float, int]] = deque(maxlen=10)
        started, seconds0, epoch_seconds0 = time.perf_counter(), run.seconds, run.epoch_seconds
        outcome = GO
        while run.batch < len(batches):
            loss_sum, tokens = self.step(batches[run.batch], epoch_lr)
            run.batch, run.steps = run.batch + 1, run.steps + 1
            run.epoch_loss += loss_sum
            run.epoch_tokens += tokens
            spent = time.perf_counter() - started
            run.seconds, run.epoch_seconds = seconds0 + spent, epoch_seconds0 + spent
            recent.append((loss_sum, tokens))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{run.epoch_loss / max(run.epoch_tokens, 1):.3f}")
            if run.steps % 10 == 0:
                # Per-token loss of the last 10 steps: a live curve without epoch saw-teeth.
                loss = sum(x for x, _ in recent) / max(sum(n for _, n in recent), 1)
                self.emit({"type": "step", "step": run.steps, "loss": loss, "seconds": run.seconds})
            decision = int(self.dist.agree(self._decide()))
            if decision != GO:
                # a budget spent at the epoch's last batch ends the epoch as usual
                outcome = GO if decision == PAUSE and run.batch == len(batches) else decision
                break
        if bar is not None:
            bar.close()
        return outcome, sum(len(b) for b in batches)

    def _progress_bar(self, batches: int):
        """A tqdm bar over the epoch's `batches`, starting at `run.batch` (rank 0, with progress on), else None."""
        if not (self.hooks.progress and self.dist.main):
            return None
        from tqdm import tqdm

        run = self.run
        return tqdm(total=batches, initial=run.batch, desc=f"epoch {run.epoch + 1}/{self.cfg.epochs}", unit="batch")

    def _decide(self) -> int:
        """After a step, on rank 0: go on, pause (a budget is spent) or stop (a Stop was asked for)."""
        if not self.dist.main:
            return GO
        if not self.within_budget():
            return PAUSE
        return STOP if self.hooks.should_stop and self.hooks.should_stop() else GO

    def step(self, indices: list[int], epoch_lr: float) -> tuple[float, int]:
        """One optimizer step on global batch `indices`; this process's summed loss and target tokens.

        The rate is the epoch's, warmed up and annealed (`step_lr`); gradients are clipped to --clip.
        """
        cfg, dist = self.cfg, self.dist
        self.model.decoder.score_temperature = score_temperature(cfg, self.run.steps)
        loss, loss_sum, tokens = global_batch_loss(
            self.ddp_model, self.pairs, indices, dist.rank, dist.world, cfg.unk_rate, self.unk_generator, cfg.device
        )
        set_step_lr(self.optimizer, step_lr(cfg, epoch_lr, self.run.steps))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip)
        self.optimizer.step()
        if self.average is not None:
            self.average.update_parameters(self.model)
        return float(loss_sum.detach()), tokens

    # -- the end of an epoch ----------------------------------------------------------------------
    def close_epoch(self, stopped: bool, pairs: int) -> None:
        """Validate (rank 0), update early stopping on every rank alike, record, checkpoint.

        `stopped`: a Stop ended the epoch; `pairs`: the epoch's training pairs (for the report).
        """
        cfg, run = self.cfg, self.run
        run.epoch += 1
        train_loss, seconds = run.epoch_loss / max(run.epoch_tokens, 1), run.epoch_seconds
        with self.evaluated_weights():
            valid, metric = self.evaluate()
            self.track_best(metric)
            # Stop on patience, or at the metric's ceiling: a perfect score cannot improve.
            run.early_stopped = stopped or run.bad_epochs >= cfg.patience or metric >= METRIC_CEILING[self.data.metric]
            if self.dist.main:
                self.report(train_loss, valid, seconds, pairs)
        run.batch, run.epoch_loss, run.epoch_tokens, run.epoch_seconds = 0, 0.0, 0.0, 0.0
        self.save(finished=run.early_stopped or run.epoch >= cfg.epochs or not self.within_budget())

    @contextmanager
    def evaluated_weights(self) -> Iterator[None]:
        """Inside: the model holds the weights that are validated, recorded and saved (--ema's average,
        else the live ones); on leaving, the live weights are back for training."""
        if self.average is None:
            yield
            return
        live = _clone(self.model)
        self.model.load_state_dict(self.average.module.state_dict())
        try:
            yield
        finally:
            self.model.load_state_dict(live)

    def evaluate(self) -> tuple[dict[str, float], float]:
        """The validation metrics (rank 0 computes them; the others get {}) and the task's metric,
        rank 0's value on every rank, so that every rank takes the same early-stopping decision."""
        self.model.eval()
        valid = validate(self.translator, self.data) if self.dist.main else {}
        return valid, self.dist.agree(valid.get(self.data.metric, 0.0))

    def track_best(self, metric: float) -> None:
        """Keep the weights of a new best epoch (with --keep last, of every finished epoch); else count a bad
        epoch (the plateau schedule halves the rate)."""
        run = self.run
        if metric > run.best or self.cfg.keep == "last":
            run.best, run.best_epoch, run.bad_epochs = metric, run.epoch, 0
            self.best_weights = _clone(self.model)
        else:
            run.bad_epochs += 1
            run.plateau_lr = run.plateau_lr * 0.5 if self.cfg.schedule == "plateau" else run.plateau_lr

    def report(self, train_loss: float, valid: dict[str, float], seconds: float, pairs: int) -> None:
        """Rank 0: the finished epoch into the history, one line on stdout, an epoch event."""
        entry = self.record(self.run.epoch, train_loss, valid)
        print(
            f"epoch {self.run.epoch}: loss {train_loss:.4f}  "
            + "  ".join(f"{k} {v:.4f}" for k, v in valid.items())
            + f"  lr {self.optimizer.param_groups[0]['lr']:.2e}  {seconds:.1f}s  "
            + f"{pairs / max(seconds, 1e-9):,.0f} pairs/s",
            flush=True,
        )
        self.emit({"type": "epoch", **entry})

    def pause(self) -> None:
        """A budget ran out inside an epoch: checkpoint it unfinished, resumable at the next batch.

        The live weights are validated for the folder only (an entry marked partial in probes.json,
        the folder's model if they beat the best finished epoch); the trainer state does not see it.
        """
        partial = None
        if self.dist.main:
            with self.evaluated_weights():
                self.model.eval()
                train_loss = self.run.epoch_loss / max(self.run.epoch_tokens, 1)
                partial = self._entry(self.run.epoch + 1, train_loss, validate(self.translator, self.data))
            partial["partial"] = True
            self.emit({"type": "epoch", **partial})
        self.save(finished=True, partial=partial)

    # -- records and checkpoints -----------------------------------------------------------------
    def _entry(self, epoch: int, loss: float | None, valid: dict) -> dict:
        """probes.json's record of an epoch: loss, validation metrics, rate, counters, probe outputs."""
        self.model.eval()
        return {
            "epoch": epoch,
            "loss": loss,
            "valid": valid,
            "lr": self.optimizer.param_groups[0]["lr"],
            "steps": self.run.steps,
            "seconds": round(self.run.seconds, 2),
            "probes": probe_record(self.translator, self.data.probes),
        }

    def record(self, epoch: int, loss: float | None, valid: dict) -> dict:
        """An epoch's probes.json entry (loss, validation metrics, rate, counters, probe outputs), kept in
        the run's history: a finished epoch, or epoch 0 (`loss` None). Returns the entry."""
        entry = self._entry(epoch, loss, valid)
        self.run.history.append(entry)
        return entry

    def emit(self, event: dict) -> None:
        """Hand `event` (a dict with a "type") to the caller's callback, `hooks.callback` (rank 0 only)."""
        if self.hooks.callback and self.dist.main:
            self.hooks.callback(event)

    def save(self, finished: bool, partial: dict | None = None) -> None:
        """Write the run folder (rank 0; every rank calls it, for the gather of random states).

        The folder's model is the best finished epoch, or `partial` (a paused epoch's live weights,
        validated) if it is better; the trainer state holds the live weights and `run` as they are.
        All of it is one atomic checkpoint (`save_checkpoint`): model, card, probes, trainer state.
        """
        rng = self._rng_tensors()
        self.saved = True
        if not self.dist.main:
            return
        live = _clone(self.model)
        folder_weights, best_epoch, valid = self.folder_model(live, partial)
        extra = self.trainer_files(live, rng, finished) | {PROBES_FILE: self.probes_json(partial)}
        self.model.load_state_dict(folder_weights)
        try:
            save_checkpoint(
                self.out,
                self.model,
                self.source,
                self.target,
                self.card(best_epoch, valid),
                half=self.cfg.half,
                extra_files=extra,
            )
        finally:
            self.model.load_state_dict(live)

    def folder_model(self, live: dict[str, torch.Tensor], partial: dict | None) -> tuple[dict, int, dict]:
        """The weights the folder's model is, their epoch and their validation metrics: the best
        finished epoch's, or the live weights of a paused epoch (`partial`) that beat it."""
        run = self.run
        if partial is not None and partial["valid"][self.data.metric] > run.best:
            validated = live if self.average is None else _clone(self.average.module)
            return validated, partial["epoch"], partial["valid"]
        valid = next((e["valid"] for e in run.history if e["epoch"] == run.best_epoch), {})
        return self.best_weights, run.best_epoch, valid

    def trainer_files(self, live: dict[str, torch.Tensor], rng: dict[str, torch.Tensor], finished: bool) -> dict:
        """trainer_state.json and .safetensors, as bytes: what --resume reads back (`SavedState`).

        The tensors are model.<name> (the live weights), best.<name> (the best finished epoch's), ema.<name>
        (--ema's average: ema.module.<name> and ema.n_averaged),
        optim.<parameter index>.<key> (Adam's exp_avg and exp_avg_sq, shaped as their parameter, and
        its step) and
        rng.<stream>.<rank> (`_rng_tensors`).
        """
        from safetensors.torch import save as save_bytes

        opt_tensors, opt_json = _optimizer_tensors(self.optimizer)
        tensors = {f"model.{k}": v.cpu().contiguous() for k, v in live.items()}
        tensors |= {f"best.{k}": v.cpu().contiguous() for k, v in self.best_weights.items()}
        if self.average is not None:
            tensors |= {f"ema.{k}": v.cpu().contiguous() for k, v in self.average.state_dict().items()}
        tensors |= opt_tensors | rng
        version, internal, gauss = random.getstate()
        trainer_state = asdict(self.run) | {
            "optimizer": opt_json,
            "finished": finished,
            "python_random": [version, list(internal), gauss],
        }
        return {STATE_JSON: json.dumps(trainer_state).encode(), STATE_TENSORS: save_bytes(tensors)}

    def card(self, best_epoch: int, valid: dict) -> dict:
        """config.json's record of the training: settings, the folder model's metrics, time, machine."""
        cfg, run = self.cfg, self.run
        return {
            "task": cfg.task,
            "train": asdict(cfg),
            "metrics": {"valid": valid},
            "best_epoch": best_epoch,
            "epochs_run": run.epoch,
            "training_seconds": round(run.seconds, 1),
            "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, {cfg.device}",
            "torch": torch.__version__,
            **({"first_stage": self.start_record} if self.start_record else {}),
        }

    def probes_json(self, partial: dict | None) -> bytes:
        """probes.json: every finished epoch's entry (epoch 0 first), then a paused epoch's, marked partial.

        A fine-tuned run (--init) continues its first stage's record: that model's epochs up to the one
        whose weights it started from (B, "first_stage_epochs"), then its own epochs k ≥ 1 as B + k, so
        that the Timelapse runs from noise through both stages (its own epoch 0 is the first stage's B)."""
        epochs = self.run.history + ([partial] if partial is not None else [])
        record = {"task": self.cfg.task, "scorer": self.cfg.scorer}
        if self.start_epochs:
            offset = self.start_epochs[-1]["epoch"]  # the --init's best as recorded (B; later stages: more)
            epochs = self.start_epochs + [{**e, "epoch": e["epoch"] + offset} for e in epochs if e["epoch"] > 0]
            record["first_stage_epochs"] = offset
        return json.dumps({**record, "epochs": epochs}).encode()


def _moving_average(model: torch.nn.Module, decay: float) -> AveragedModel | None:
    """--ema's average of `model`'s weights (None for decay 0): after each step t, with w_t the weights,

        a_t = d a_{t-1} + (1 - d) w_t,   a_1 = w_1,

    over the parameters (torch.optim.swa_utils' EMA; the model has no buffers)."""
    if not decay:
        return None
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))


def _clone(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of the model's state dict (weights the optimizer's steps do not touch)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _kept_source_len(cfg: TrainConfig, start: torch.nn.Module, longest: int) -> int:
    """The source length a fine-tuning's model is built for: a positional scorer (location) keeps the --init
    model's one row of W_a per source position, whatever the longest source of this run's pairs (`longest`,
    </s> included; typed variants can be shorter). A pair longer than those rows has no row to score it:
    ValueError naming both lengths. Other scorers take any length up to max_len + 1 (`build_model`)."""
    if not is_positional(cfg.scorer):
        return longest
    rows = start.config.max_source_len
    if longest > rows:
        raise ValueError(
            f"--init {cfg.init}: its {cfg.scorer} scorer has rows for sources of up to {rows} tokens, this run's "
            f"longest source has {longest}: lower --max-len to {rows - 1}"
        )
    return rows
