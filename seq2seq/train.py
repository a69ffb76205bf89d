"""Training: length-bucketed batches, masked loss, clipping, early stopping, probes, resume, DDP.

After every epoch the run folder is rewritten atomically as a complete checkpoint:
    config.json, model.safetensors      the best model so far (what `load_model` reads)
    probes.json                         per epoch: loss, validation metrics, probe outputs + attention
    trainer_state.json / .safetensors   current weights, optimizer, RNG: what `--resume` needs
A crash never leaves a half-written folder, and `--resume` gives the same model as an
uninterrupted run with the same seed.

Under `torchrun --nproc_per_node N` every process takes 1/N of each global batch and
DistributedDataParallel averages gradients; the loss is scaled so that this equals the
single-process gradient of the same global batch (gloo on CPU, nccl on GPU).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
import torch.nn.functional as F

from .checkpoint import read_config, save_checkpoint
from .config import CELLS, SCORERS, ModelConfig, TrainConfig
from .data import Batch, bucketed_batches, collate, encode_pairs
from .decoding import InputError, Translator
from .model import Seq2Seq
from .tokenizers import PAD, CharTokenizer, SentencePieceTokenizer, Tokenizer, tokenizer_from_config

METRIC_CEILING = {"exact_match": 1.0, "bleu": 100.0}
STATE_JSON, STATE_TENSORS, PROBES_FILE = "trainer_state.json", "trainer_state.safetensors", "probes.json"


@dataclass
class TaskData:
    """Everything a run needs from its task."""

    train: list[tuple[str, str]]
    valid: list[tuple[str, str]]
    valid_refs: list[list[str]]  # all references of each valid source (en-fr: several)
    probes: tuple[str, ...]
    metric: str  # the validation metric that drives early stopping


def load_task_data(cfg: TrainConfig) -> TaskData:
    from .tasks import get_task

    task = get_task(cfg.task)
    if cfg.task == "en-fr":
        if not cfg.data:
            raise ValueError("the en-fr task needs --data PATH (a Tatoeba file: English<TAB>French)")
        train = [(e.source, e.target) for e in task.load(cfg.data, "train")]
        if cfg.train_size:
            train = train[: cfg.train_size]
        refs = task.references(cfg.data, "valid")
        sources = list(refs)[: cfg.valid_size]
        valid = [(s, refs[s][0]) for s in sources]
        return TaskData(train, valid, [refs[s] for s in sources], task.PROBES, "bleu")
    train = [(e.source, e.target) for e in task.examples("train", cfg.train_size, cfg.seed)]
    valid = [(e.source, e.target) for e in task.examples("valid", cfg.valid_size, cfg.seed)]
    return TaskData(train, valid, [[t] for _, t in valid], task.PROBES, "exact_match")


def build_tokenizers(cfg: TrainConfig, data: TaskData) -> tuple[Tokenizer, Tokenizer]:
    if cfg.task == "en-fr":
        shared = SentencePieceTokenizer.train((text for pair in data.train for text in pair), vocab_size=cfg.vocab_size)
        return shared, shared
    return CharTokenizer.fit(s for s, _ in data.train), CharTokenizer.fit(t for _, t in data.train)


def build_model(cfg: TrainConfig, source: Tokenizer, target: Tokenizer) -> Seq2Seq:
    model_config = ModelConfig(
        src_vocab_size=source.vocab_size,
        tgt_vocab_size=target.vocab_size,
        scorer=cfg.scorer,
        cell=cfg.cell,
        embedding_size=cfg.embedding_size,
        hidden_size=cfg.hidden_size,
        num_layers=cfg.num_layers,
        bidirectional=cfg.bidirectional,
        dropout=cfg.dropout,
        max_source_len=cfg.max_len + 1,
        max_target_len=cfg.max_len + 1,
    )
    return Seq2Seq(model_config)


def validate(translator: Translator, data: TaskData) -> dict[str, float]:
    """Greedy outputs on the validation set, scored by the task's metric.

    A source over the model's length limit (--max-len) scores as an empty output, as in `evaluate`:
    training pairs are filtered by length, validation keeps every source so runs stay comparable.
    """
    from .metrics import bleu, char_accuracy, chrf, exact_match

    outputs = translator.translate_batch([s for s, _ in data.valid], refused=[])
    if data.metric == "bleu":
        return {"bleu": bleu(outputs, data.valid_refs), "chrf": chrf(outputs, data.valid_refs)}
    refs = [r[0] for r in data.valid_refs]
    return {"exact_match": exact_match(outputs, refs), "char_accuracy": char_accuracy(outputs, refs)}


def probe_record(translator: Translator, probes: tuple[str, ...]) -> list[dict]:
    """Output and attention of each probe input (greedy), as plain JSON.

    A probe the model cannot take (longer than --max-len in its tokens: a small subword
    vocabulary splits a sentence finely) is left out, the same one at every epoch.
    """
    records = []
    for text in probes:
        try:
            trace = translator.greedy(text)
        except InputError:
            continue
        records.append(
            {
                "source": text,
                "source_tokens": trace.source_tokens,
                "target_tokens": trace.target_tokens,
                "output": trace.output,
                "attention": [[round(w, 4) for w in row] for row in trace.attention] if trace.attention else None,
            }
        )
    return records


def make_optimizer(model: Seq2Seq, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Adam, or AdamW when --weight-decay is set: w <- w - lr * (adam_update + weight_decay * w).

    Decoupled decay shrinks every weight a little each step, whatever its gradient. With
    --score-lr-scale s != 1 the attention scorer's own weights (general's W_a, concat's W_a, U_a
    and v_a, location's W_a) form a second group whose rate is lr * s (its "lr_scale", applied by
    `set_step_lr`). Why: Adam moves each entry of a matrix by about the rate at every step whatever
    the gradient's size, so a bilinear W_a (256 x 256) can gain a spectral norm of up to
    lr * 256 a step and drive the softmax into one-hot attention that passes no gradient back.
    The setting is the same for every model of a task; scorers without weights (none, dot,
    scaled_dot) train exactly as without it.
    """
    scorer_params = list(model.decoder.scorer.parameters()) if cfg.score_lr_scale != 1.0 else []
    scorer_ids = {id(p) for p in scorer_params}
    groups = [{"params": [p for p in model.parameters() if id(p) not in scorer_ids], "lr_scale": 1.0}]
    if scorer_params:
        groups.append({"params": scorer_params, "lr_scale": cfg.score_lr_scale})
    # fused: one kernel per parameter instead of about ten ops (reverse's model: 0.27 instead of
    # 1.07 ms a step on one core); a resumed run keeps the setting its state was saved with.
    if cfg.weight_decay:
        return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    return torch.optim.Adam(groups, lr=cfg.lr, fused=True)


def set_step_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Give every parameter group the step's rate times its own scale (`make_optimizer`)."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)


def _lr_for_epoch(cfg: TrainConfig, epoch: int, plateau_lr: float) -> float:
    if cfg.schedule == "cosine":
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * epoch / max(cfg.epochs, 1)))
    if cfg.schedule == "plateau":
        return plateau_lr
    return cfg.lr


def step_lr(cfg: TrainConfig, epoch_lr: float, steps_done: int) -> float:
    """The rate of optimizer step `steps_done` + 1 (0-based count of steps already taken).

    lr_t = epoch_lr * min(1, (t + 1) / warmup) * (anneal_factor if t >= anneal_from else 1):
    a linear warm-up over the first `warmup` steps (Adam moves every weight by about lr a step from
    the first step on, before the states it reads mean anything), then the epoch's rate, then the
    final low-rate phase.
    """
    warm = min(1.0, (steps_done + 1) / cfg.warmup) if cfg.warmup else 1.0
    annealed = cfg.anneal_from and steps_done >= cfg.anneal_from
    return epoch_lr * warm * (cfg.anneal_factor if annealed else 1.0)


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
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        if name.startswith("optim."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": groups["param_groups"]})


class _Distributed:
    """Rank and world size; inactive (rank 0 of 1) outside torchrun."""

    def __init__(self, device: str):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        if self.world > 1:
            import torch.distributed as dist

            if device == "cuda":  # one GPU per process on a machine: LOCAL_RANK picks it
                torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
            if not dist.is_initialized():
                dist.init_process_group("nccl" if device == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model)

    def barrier(self) -> None:
        if self.world > 1:
            import torch.distributed as dist

            dist.barrier()


def train(
    cfg: TrainConfig,
    resume: bool = False,
    progress: bool = True,
    callback: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Path:
    """Train as `cfg` says; returns the run folder. `callback` gets step and epoch events."""
    if cfg.scorer not in SCORERS or cfg.cell not in CELLS:
        raise ValueError(f"scorer must be one of {SCORERS} and cell one of {CELLS}")
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for but no CUDA device is available")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    dist = _Distributed(cfg.device)
    out = Path(cfg.out)
    data = load_task_data(cfg)

    state: dict = {}
    if resume and (out / STATE_JSON).is_file():
        state = json.loads((out / STATE_JSON).read_text())
        saved = read_config(out)
        source = tokenizer_from_config(saved["source_tokenizer"], out)
        target = tokenizer_from_config(saved["target_tokenizer"], out)
    else:
        torch.manual_seed(cfg.seed)
        source, target = build_tokenizers(cfg, data)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, source, target).to(cfg.device)
    optimizer = make_optimizer(model, cfg)
    best_weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if state:
        from safetensors.torch import load_file

        tensors = load_file(str(out / STATE_TENSORS))
        model.load_state_dict({k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")})
        best_weights = {k[len("best.") :]: v for k, v in tensors.items() if k.startswith("best.")}
        _restore_optimizer(optimizer, tensors, state["optimizer"])
        torch.set_rng_state(tensors["rng.torch"])
    history: list[dict] = state.get("history", [])
    epoch = state.get("epoch", 0)
    best, best_epoch = state.get("best", -math.inf), state.get("best_epoch", 0)
    bad_epochs, plateau_lr = state.get("bad_epochs", 0), state.get("plateau_lr", cfg.lr)
    steps_done, elapsed = state.get("steps", 0), state.get("seconds", 0.0)

    pairs = encode_pairs(data.train, source, target, cfg.max_len)
    if not pairs:
        raise ValueError("no training pair fits in --max-len tokens")
    lengths = [len(s) + len(t) for s, t in pairs]
    ddp_model = dist.wrap(model)
    translator = Translator(model, source, target, name=out.name, device=cfg.device)

    def checkpoint(finished: bool) -> None:
        if not dist.main:
            return
        from safetensors.torch import save as save_bytes

        live = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.load_state_dict(best_weights)  # the folder's model is the best so far
        opt_tensors, opt_json = _optimizer_tensors(optimizer)
        tensors = {f"model.{k}": v.cpu().contiguous() for k, v in live.items()}
        tensors |= {f"best.{k}": v.cpu().contiguous() for k, v in best_weights.items()}
        tensors |= opt_tensors | {"rng.torch": torch.get_rng_state()}
        trainer_state = {
            "epoch": epoch,
            "best": best,
            "best_epoch": best_epoch,
            "bad_epochs": bad_epochs,
            "plateau_lr": plateau_lr,
            "steps": steps_done,
            "seconds": elapsed,
            "history": history,
            "optimizer": opt_json,
            "finished": finished,
            "early_stopped": early_stopped,
        }
        metadata = {
            "task": cfg.task,
            "train": asdict(cfg),
            "metrics": {"valid": next((e["valid"] for e in history if e["epoch"] == best_epoch), {})},
            "best_epoch": best_epoch,
            "epochs_run": epoch,
            "training_seconds": round(elapsed, 1),
            "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, {cfg.device}",
            "torch": torch.__version__,
        }
        extra = {
            PROBES_FILE: json.dumps({"task": cfg.task, "scorer": cfg.scorer, "epochs": history}).encode(),
            STATE_JSON: json.dumps(trainer_state).encode(),
            STATE_TENSORS: save_bytes(tensors),
        }
        save_checkpoint(out, model, source, target, metadata, half=cfg.half, extra_files=extra)
        model.load_state_dict(live)

    def record(epoch_number: int, loss: float, valid: dict) -> dict:
        model.eval()
        entry = {
            "epoch": epoch_number,
            "loss": loss,
            "valid": valid,
            "lr": optimizer.param_groups[0]["lr"],
            "steps": steps_done,
            "seconds": round(elapsed, 2),
            "probes": probe_record(translator, data.probes),
        }
        history.append(entry)
        return entry

    if not history:  # epoch 0: the untrained model, so the timelapse starts from noise
        model.eval()
        entry = record(0, float("nan"), validate(translator, data))
        history[-1]["loss"] = None
        if callback:
            callback({"type": "epoch", **entry})

    # Early stopping (or a Stop) ends a run for good; a run that used up its epochs, steps or
    # seconds continues on --resume with a larger --epochs, --max-steps or --max-seconds.
    early_stopped = state.get("early_stopped", False)
    stopped = False

    def within_budget(seconds: float) -> bool:
        return not (cfg.max_steps and steps_done >= cfg.max_steps) and not (
            cfg.max_seconds and seconds >= cfg.max_seconds
        )

    while epoch < cfg.epochs and not stopped and not early_stopped and within_budget(elapsed):
        epoch_lr = _lr_for_epoch(cfg, epoch, plateau_lr)
        batches = [
            b for b in bucketed_batches(len(pairs), lengths, cfg.batch_size, cfg.seed + epoch) if len(b) >= dist.world
        ]
        model.train()
        total_loss = total_tokens = 0.0
        recent: deque[tuple[float, int]] = deque(maxlen=10)
        started = time.perf_counter()
        bar = None
        if progress and dist.main:
            from tqdm import tqdm

            bar = tqdm(total=len(batches), desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="batch", leave=False)
        for indices in batches:
            global_batch = collate([pairs[i] for i in indices])
            # each process's share of the global batch (all of it on one process)
            local = global_batch if dist.world == 1 else collate([pairs[i] for i in indices[dist.rank :: dist.world]])
            local = local.to(cfg.device)
            loss_sum, tokens = _loss(ddp_model, local)
            # Scale so DDP's mean over processes equals the global batch's per-token mean.
            loss = loss_sum * dist.world / global_batch.num_tokens
            set_step_lr(optimizer, step_lr(cfg, epoch_lr, steps_done))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optimizer.step()
            steps_done += 1
            total_loss += float(loss_sum.detach())
            total_tokens += tokens
            recent.append((float(loss_sum.detach()), tokens))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{total_loss / total_tokens:.3f}")
            if callback and steps_done % 10 == 0:
                callback(
                    {
                        "type": "step",
                        "step": steps_done,
                        # Per-token loss of the last 10 steps: a live curve without epoch saw-teeth.
                        "loss": sum(x for x, _ in recent) / max(sum(n for _, n in recent), 1),
                        "seconds": elapsed + time.perf_counter() - started,
                    }
                )
            if not within_budget(elapsed + time.perf_counter() - started):
                break  # the epoch ends early; the while condition ends the run, resumably
            if should_stop and should_stop():
                stopped = True
                break
        if bar is not None:
            bar.close()
        seconds = time.perf_counter() - started
        elapsed += seconds
        epoch += 1
        model.eval()
        valid = validate(translator, data)
        metric = valid[data.metric]
        if metric > best:
            best, best_epoch, bad_epochs = metric, epoch, 0
            best_weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
            plateau_lr = plateau_lr * 0.5 if cfg.schedule == "plateau" else plateau_lr
        train_loss = total_loss / max(total_tokens, 1)
        entry = record(epoch, train_loss, valid)
        if dist.main:
            pairs_per_s = sum(len(b) for b in batches) / max(seconds, 1e-9)
            print(
                f"epoch {epoch}: loss {train_loss:.4f}  "
                + "  ".join(f"{k} {v:.4f}" for k, v in valid.items())
                + f"  lr {optimizer.param_groups[0]['lr']:.2e}  {seconds:.1f}s  {pairs_per_s:,.0f} pairs/s",
                flush=True,
            )
        if callback:
            callback({"type": "epoch", **entry})
        # Stop on patience, or at the metric's ceiling: a perfect score cannot improve.
        if bad_epochs >= cfg.patience or metric >= METRIC_CEILING[data.metric]:
            stopped = True
        early_stopped = stopped
        checkpoint(finished=stopped or epoch >= cfg.epochs or not within_budget(elapsed))
    if not history[1:]:
        checkpoint(finished=True)
    dist.barrier()
    return out


def _loss(model: torch.nn.Module, batch: Batch) -> tuple[torch.Tensor, int]:
    """Summed cross-entropy over real target tokens (padding masked out), and their count."""
    logits, _ = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    loss = F.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(), ignore_index=PAD, reduction="sum")
    return loss, int((batch.tgt_out != PAD).sum())


# -- command line ---------------------------------------------------------------------------------
_HELP = {
    "task": "reverse | dates | en-fr",
    "data": "Tatoeba file for en-fr (English<TAB>French)",
    "scorer": "/".join(SCORERS),
    "cell": "/".join(CELLS),
    "schedule": "constant | plateau | cosine",
    "anneal_from": "from this optimizer step on, the rate is multiplied by --anneal-factor; 0 = never",
    "anneal_factor": "the rate's factor from --anneal-from on",
    "warmup": "optimizer steps over which the rate rises linearly to --lr; 0 = none",
    "weight_decay": "decoupled weight decay (AdamW) on every weight; 0 = plain Adam",
    "score_lr_scale": "the attention scorer's own weights learn at --lr times this (the same for every scorer)",
    "valid_size": "validation pairs; for en-fr the first sources of the validation split in the file's order "
    "(the shortest, in manythings.org's file)",
}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TrainConfig()
    for f in fields(TrainConfig):
        if f.name == "extra":
            continue
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        else:
            kind = type(default) if default is not None else str
            choices = {
                "scorer": SCORERS,
                "cell": CELLS,
                "schedule": ("constant", "plateau", "cosine"),
                "task": ("reverse", "dates", "en-fr"),
                "device": ("cpu", "cuda"),
            }.get(f.name)
            parser.add_argument(
                flag,
                type=kind,
                default=default,
                choices=choices,
                help=_HELP.get(f.name, "") + f" (default {default})",
            )
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last epoch")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_from_args(args: argparse.Namespace) -> int:
    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig) if f.name != "extra"})
    if cfg.task == "en-fr" and cfg.data and not Path(cfg.data).is_file():
        raise FileNotFoundError(f"{cfg.data}: no such data file")
    out = train(cfg, resume=args.resume, progress=not args.no_progress)
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"saved to {out}")
    return 0
