"""Training: length-bucketed batches, masked loss, clipping, early stopping, probes, resume, DDP.

This module holds `train` and the command line; the pieces a run is built from (the task's data, the
model, validation and probes, the optimizer and its schedules, the processes of a DDP run) are
`seq2seq.training_parts`, and one run's epochs, records and checkpoints `seq2seq.trainer.Trainer`,
which the scorer race (`seq2seq.race`) drives too.

After every epoch, and when a budget pauses a run inside one, the run folder is rewritten
atomically as a complete checkpoint:
    config.json, model.safetensors      the best model so far (what `load_model` reads)
    probes.json                         per epoch: loss, validation metrics, probe outputs + attention
    trainer_state.json / .safetensors   live weights, optimizer, every RNG, the place in the epoch
A crash never leaves a half-written folder.

Resume. `--resume` continues where the run stopped: in the same epoch at the next batch. The state
holds the epoch, the batch index within it, the epoch's running loss sums, and every random
stream of every process (torch CPU, torch CUDA when training on it, Python `random`, the <unk>
substitution generator). So a run paused by --max-steps or --max-seconds anywhere, even in the
middle of an epoch, and resumed gives on CPU exactly the weights and history of an uninterrupted
run with the same seed (same number of processes). A paused epoch is not closed: no history entry,
no early-stopping decision. So that a paused run's folder still holds its newest training, the
pause validates the live weights for the folder only: probes.json gets an entry marked
"partial": true, and the folder's model is the live weights if they beat the best finished epoch;
neither enters the trainer state, so a resumed run drops them. A run that used up its budget
continues on --resume with a larger --epochs, --max-steps or --max-seconds; early stopping and a
Stop (`should_stop`) end a run for good. `--resume` on a folder without trainer state is an error.

What --out may be (`check_out`, before any work): a new path or an empty folder; a run folder of
this tool only with --resume (continue it) or --overwrite (start it again: the old run is replaced
at the new run's first save). Anything else (a user's folder or file) is refused, and so is a run
folder holding a file this tool did not write: nothing of it is touched.

Under `torchrun --nproc_per_node N` every process takes 1/N of each global batch and
DistributedDataParallel averages gradients; the loss is scaled so that this equals the
single-process gradient of the same global batch (gloo on CPU, nccl on GPU). Rank 0 decides every
stop (budget, Stop, early stopping) and broadcasts it each step, so that no process leaves the loop
while another waits in the gradient all-reduce. Every process initializes the model from the global
seed, then draws dropout and <unk> masks from its own stream seeded from (seed, rank); rank 0 keeps
the single-process stream, so one process trains as before. Rank 0 trains the tokenizer and
shares it through a folder beside --out.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import torch

from .checkpoint import read_config
from .config import TrainConfig, bounds_of, help_of
from .name_pieces import names_to_add
from .source_characters import characters_to_add
from .tasks import TASKS, get_task
from .tokenizers import SentencePieceTokenizer, Tokenizer, tokenizer_from_config
from .trainer import Hooks, Trainer, read_state
from .training_parts import (
    Distributed,
    check_out,
    load_init,
    load_task_data,
    shared_tokenizers,
)
from .zh_tokenizer import ZhCharTokenizer


def train(
    cfg: TrainConfig,
    resume: bool = False,
    progress: bool = True,
    callback: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    overwrite: bool = False,
) -> Path:
    """Train as `cfg` says; returns the run folder.

    `callback` gets step and epoch events (on rank 0); `should_stop` is asked after every step (on
    rank 0): True ends the run for good after closing the epoch. `resume` continues the run in
    cfg.out at its next batch (ResumeError if the folder holds no trainer state); `overwrite` lets a
    new run replace this tool's run folder at cfg.out (OutError for what it may not replace: `check_out`).

    The steps: check the settings and set up this process (`prepare_process`) and --out
    (`check_out`); read the saved run (`read_state`); join the other processes (`Distributed`); the
    task's data (`load_task_data`) and tokenizers (`_saved_tokenizers`, the --init model's (`load_init`),
    or `shared_tokenizers` for a new run); the model and optimizer, restored for a resume
    (`seq2seq.trainer.Trainer`); the epochs (`Trainer.fit`).
    """
    prepare_process(cfg)
    out = Path(cfg.out)
    check_out(out, resume, overwrite)
    saved = read_state(out) if resume else None
    dist = Distributed(cfg.device)
    data = load_task_data(cfg)
    start = load_init(cfg) if cfg.init else None  # its weights for a new run; its record for the card
    if saved:
        source, target = _saved_tokenizers(out)
    elif start:  # fine-tuning keeps the model's tokenizers: each token id means what it meant
        source = with_source_characters(cfg, start.source_tokenizer)
        target = with_name_pieces(cfg, start.target_tokenizer)
    else:
        source, target = shared_tokenizers(cfg, data, dist, out)
    hooks = Hooks(callback, should_stop, progress)
    trainer = Trainer(cfg, dist, data, source, target, hooks, saved, start)
    trainer.fit()
    dist.barrier()
    return out


def with_name_pieces(cfg: TrainConfig, target: Tokenizer) -> Tokenizer:
    """The --init model's target tokenizer, with --name-pieces N: plus one piece per name its dictionary
    pairs use N+ times that it spells in many pieces (seq2seq/name_pieces.py); else unchanged."""
    if not cfg.name_pieces:
        return target
    if not isinstance(target, SentencePieceTokenizer):
        raise ValueError(f"--name-pieces needs a SentencePiece target vocabulary; --init {cfg.init}'s is {target.kind}")
    english = [english for _source, english in get_task(cfg.task).dictionary_pairs(cfg.dictionary)]
    return target.with_words(names_to_add(target, english, cfg.name_pieces))


def with_source_characters(cfg: TrainConfig, source: Tokenizer) -> Tokenizer:
    """The --init model's source tokenizer, with --source-characters: plus one id per character of its
    dictionary pairs' Chinese side that it reads as <unk> (seq2seq/source_characters.py); else unchanged."""
    if not cfg.source_characters:
        return source
    if not isinstance(source, ZhCharTokenizer):
        raise ValueError(f"--source-characters needs a zh-char source vocabulary; --init {cfg.init}'s is {source.kind}")
    chinese = [chinese for chinese, _english in get_task(cfg.task).dictionary_pairs(cfg.dictionary)]
    return source.with_characters(characters_to_add(source, chinese))


def prepare_process(cfg: TrainConfig) -> None:
    """Refuse settings out of range (before any work) and a missing CUDA device; set torch's threads."""
    cfg.validate()
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for but no CUDA device is available")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)


def _saved_tokenizers(out: Path) -> tuple[Tokenizer, Tokenizer]:
    """The source and target tokenizers of the run folder `out` (a resumed run keeps its own)."""
    saved = read_config(out)
    return tokenizer_from_config(saved["source_tokenizer"], out), tokenizer_from_config(saved["target_tokenizer"], out)


# -- command line ---------------------------------------------------------------------------------
# --task's choices and help come from the task registry (seq2seq.tasks), not from TrainConfig.
_TASK_OPTION = {"choices": TASKS, "help": " | ".join(TASKS)}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """`train`'s options, one per TrainConfig field (`TrainConfig.options`): --hidden-size for
    hidden_size, with the field's type, default, choices and help; then --resume, --overwrite and
    --no-progress.

    The values are checked by TrainConfig.validate (`run_from_args`), against the fields' bounds.
    """
    defaults = TrainConfig()
    for f in TrainConfig.options():
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
            continue
        option = _TASK_OPTION if f.name == "task" else {"choices": bounds_of(f).choices or None, "help": help_of(f)}
        parser.add_argument(
            flag,
            type=type(default) if default is not None else str,
            default=default,
            choices=option["choices"],
            help=option["help"] + f" (default {default})",
        )
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out at its next batch (an error if none is there)"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start a new run in place of the run folder of this tool at --out (never replaces anything else)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_from_args(args: argparse.Namespace) -> int:
    """`python -m seq2seq train`: the TrainConfig of the options, checked, then the run; 0 when done."""
    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in TrainConfig.options()})
    cfg.validate()
    if cfg.data and not Path(cfg.data).exists():
        raise FileNotFoundError(f"{cfg.data}: no such data file")
    out = train(cfg, resume=args.resume, progress=not args.no_progress, overwrite=args.overwrite)
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"saved to {out}")
    return 0
