"""What a training run is built from: the task's data, tokenizers, model and optimizer, validation and
probes, the rate schedules, the processes of a DDP run, where --out may be, and the batch loss.

`seq2seq.trainer.Trainer` runs one run's epochs on these; `seq2seq.train` is the `train` entry point
and its command line (seq2seq/train.py says how a run is saved, resumed and distributed).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F

from .checkpoint import holds_checkpoint, load_checkpoint, replace_refusal
from .config import ModelConfig, TrainConfig
from .data import Batch, collate, substitute_unk
from .decoding import InputError, Translator
from .metrics import METRICS
from .model import Seq2Seq
from .name_pieces import grow_rows
from .scorers import is_positional
from .source_characters import grow_rows as grow_source_rows
from .tasks import get_task
from .tokenizers import PAD, Tokenizer, tokenizer_from_config
from .typed import typed_random, with_typed

METRIC_CEILING = {name: metric.ceiling for name, metric in METRICS.items()}  # a perfect score: training stops


class ResumeError(ValueError):
    """--resume on a folder that holds no trainer state (the CLI reports it in one line, exit 2)."""


class OutError(ValueError):
    """--out names what this run must not replace (the CLI reports it in one line, exit 2)."""


def check_out(out: Path, resume: bool = False, overwrite: bool = False) -> None:
    """Refuse an --out this run may not write, before any work (OutError; see the module docstring).

    Only this tool's own run folder is ever replaced (`replace_refusal` says what is), and only when
    the user asked: --resume continues it, --overwrite starts a new run in its place.
    """
    if resume and overwrite:
        raise OutError("--resume continues the run in --out and --overwrite starts a new one: give one of them")
    why = replace_refusal(out)
    if why is not None:
        raise OutError(f"{out} exists and is not a checkpoint folder of this tool ({why}); choose another --out")
    if not resume and not overwrite and holds_checkpoint(out):
        raise OutError(
            f"{out} holds a run of this tool already: --resume continues it, --overwrite replaces it "
            "with a new run; or choose another --out"
        )


@dataclass
class TaskData:
    """Everything a run needs from its task."""

    train: list[tuple[str, str]]
    valid: list[tuple[str, str]]
    valid_refs: list[list[str]]  # all references of each valid source (a corpus task: often several)
    probes: tuple[str, ...]
    metric: str  # the validation metric that drives early stopping
    dictionary: int = 0  # the last `dictionary` pairs of `train` are --dictionary pairs (a curriculum may drop them)


def load_task_data(cfg: TrainConfig) -> TaskData:
    """The task's training pairs and validation sources with every reference of each (`Task.split_pairs`,
    `Task.split_references`: generated with the seed, or read from the corpus file --data); with
    --typed-rate, the corpus pairs' typed variants after them (`seq2seq.typed.with_typed`), and the
    --dictionary pairs' after those."""
    task = get_task(cfg.task)
    train = task.split_pairs("train", cfg.train_size, cfg.seed, cfg.data)
    if cfg.typed_rate:  # the corpus's pairs as typed, before the dictionary's (a curriculum drops those)
        train = with_typed(train, cfg.typed_rate, typed_random(cfg.seed))
    try:
        words = task.dictionary_pairs(cfg.dictionary) * cfg.dictionary_repeat if cfg.dictionary else []
    except FileNotFoundError:  # the corpus reader's message would call it the corpus
        raise FileNotFoundError(
            f"--dictionary file not found: {cfg.dictionary} (zh-en's: python scripts/prepare_zh_dictionary.py)"
        ) from None
    if cfg.typed_rate and words:  # the names sentences as typed too, still counted as dictionary pairs
        words = with_typed(words, cfg.typed_rate, typed_random(cfg.seed, "dictionary"))
    train += words  # word pairs, training only: read as the corpus is, its sentences' splits ignored
    refs = task.split_references("valid", cfg.valid_size, cfg.seed, cfg.data)
    valid = [(source, targets[0]) for source, targets in refs.items()]
    return TaskData(train, valid, list(refs.values()), task.probes, task.metric.name, len(words))


def build_tokenizers(cfg: TrainConfig, data: TaskData) -> tuple[Tokenizer, Tokenizer]:
    """The task's tokenizers (`Task.build_tokenizers`: characters, or SentencePiece of --vocab-size pieces)."""
    return get_task(cfg.task).build_tokenizers(data.train, cfg.vocab_size)


def build_model(cfg: TrainConfig, source: Tokenizer, target: Tokenizer, trained_source_len: int = 0) -> Seq2Seq:
    """The model `cfg` describes; `trained_source_len` is the longest encoded training source (incl. </s>).

    A positional scorer (location) has one learned row of W_a per source position: its max_source_len
    is the trained length, so that every row has been trained. The other scorers take any length up to
    max_len + 1. 0 (not known) keeps max_len + 1 for every scorer.
    """
    positional = is_positional(cfg.scorer) and trained_source_len
    location_len = trained_source_len if positional else cfg.max_len + 1
    model_config = ModelConfig(
        src_vocab_size=source.vocab_size,
        tgt_vocab_size=target.vocab_size,
        **cfg.model_settings(),  # scorer, cell, embedding_size, hidden_size, num_layers, bidirectional, dropout
        max_source_len=location_len,
        max_target_len=cfg.max_len + 1,
        trained_source_len=trained_source_len,
    )
    return Seq2Seq(model_config)


def validate(translator: Translator, data: TaskData) -> dict[str, float]:
    """Greedy outputs on the validation set, scored by the task's metric.

    A source over the model's length limit (--max-len) scores as an empty output, as in `evaluate`:
    training pairs are filtered by length, validation keeps every source so runs stay comparable.
    """
    outputs = translator.translate_batch([s for s, _ in data.valid], refused=[])
    return METRICS[data.metric].score(outputs, data.valid_refs)


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
    # fused: one kernel per parameter instead of about ten ops (docs/performance.md has the gain);
    # a resumed run keeps the setting its state was saved with.
    if cfg.weight_decay:
        return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)
    return torch.optim.Adam(groups, lr=cfg.lr, fused=True)


def set_step_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Give every parameter group the step's rate times its own scale (`make_optimizer`)."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)


def lr_for_epoch(cfg: TrainConfig, epoch: int, plateau_lr: float) -> float:
    """The rate of 0-based epoch `epoch` under --schedule: constant, the plateau schedule's current
    rate, or a cosine from lr down to 0 over --epochs."""
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


def score_temperature(cfg: TrainConfig, steps_done: int) -> float:
    """The attention temperature of optimizer step `steps_done` + 1: training divides the scores by it.

    T_t = 1 + (sqrt(H) - 1) * max(0, 1 - t / N), N = --soft-attention-steps (T = 1 without it): the
    scaled dot product's temperature sqrt(H) at the first step, falling linearly to 1 at step N. Why:
    an unscaled dot product of H-wide states saturates the softmax within the first hundred steps, on
    whichever position it found first (zh-en/dot looked at the sentence's end for most words), and a
    saturated softmax passes almost no gradient to move it; softened, attention learns where to look
    while it can still move. The same for every scorer; evaluation and decoding never soften.
    """
    if not cfg.soft_attention_steps:
        return 1.0
    return 1.0 + (math.sqrt(cfg.hidden_size) - 1.0) * max(0.0, 1.0 - steps_done / cfg.soft_attention_steps)


def rank_seed(seed: int, rank: int, stream: str) -> int:
    """The seed of one random stream ("dropout", "unk") of process `rank`: a hash of (seed, rank, stream).

    Stable across runs, machines and Python versions (not `hash()`), and below 2**63 as
    torch.manual_seed wants; different ranks get unrelated streams.
    """
    digest = hashlib.sha256(f"{seed}:{rank}:{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


class Distributed:
    """Rank and world size; inactive (rank 0 of 1) outside torchrun."""

    def __init__(self, device: str):
        """Read rank and world size from torchrun's environment; join the process group when there are several."""
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        # the device collectives run on: nccl takes CUDA tensors only, gloo CPU ones
        self.comm_device = "cuda" if device == "cuda" else "cpu"
        if self.world > 1:
            import torch.distributed as dist

            if device == "cuda":  # one GPU per process on a machine: LOCAL_RANK picks it
                torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
            if not dist.is_initialized():
                dist.init_process_group("nccl" if device == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        """Whether this is rank 0: the process that validates, records and writes the folder."""
        return self.rank == 0

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """`model` in DistributedDataParallel (gradients averaged over processes); itself on one process."""
        if self.world == 1:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model)

    def barrier(self) -> None:
        """Wait until every process is here (nothing on one process)."""
        if self.world > 1:
            import torch.distributed as dist

            dist.barrier()

    def agree(self, value: float) -> float:
        """Rank 0's `value` on every rank (a broadcast of one float64).

        Every stop is decided once, on rank 0's clock and counters, so that all processes leave
        the loop after the same step: a process that left alone would leave the others waiting
        in the gradient all-reduce forever.
        """
        if self.world == 1:
            return value
        import torch.distributed as dist

        tensor = torch.tensor([value], dtype=torch.float64, device=self.comm_device)
        dist.broadcast(tensor, src=0)
        return float(tensor.item())

    def gather(self, tensor: torch.Tensor) -> list[torch.Tensor]:
        """Every rank's `tensor` (same shape and dtype on each), on the CPU, in rank order."""
        if self.world == 1:
            return [tensor.cpu()]
        import torch.distributed as dist

        local = tensor.to(self.comm_device)
        parts = [torch.empty_like(local) for _ in range(self.world)]
        dist.all_gather(parts, local)
        return [p.cpu() for p in parts]


def shared_tokenizers(cfg: TrainConfig, data: TaskData, dist: Distributed, out: Path) -> tuple[Tokenizer, Tokenizer]:
    """Rank 0 builds the tokenizers (SentencePiece trains once); the other ranks load its files.

    They travel through a folder beside --out (inside it would race the atomic checkpoint swap),
    removed once every rank has read it.
    """
    torch.manual_seed(cfg.seed)
    if dist.world == 1:
        return build_tokenizers(cfg, data)
    folder = out.parent / f".{out.name}.tokenizers"
    if dist.main:
        source, target = build_tokenizers(cfg, data)
        _remove_shared(folder)  # what a killed run left
        folder.mkdir(parents=True, exist_ok=True)
        entries = {"source": source.save(folder, "source"), "target": target.save(folder, "target")}
        (folder / "tokenizers.json").write_text(json.dumps(entries))
    dist.barrier()  # the files are whole before anyone reads them
    if not dist.main:
        entries = json.loads((folder / "tokenizers.json").read_text())
        source = tokenizer_from_config(entries["source"], folder)
        target = tokenizer_from_config(entries["target"], folder)
    dist.barrier()  # everyone has read them
    if dist.main:
        _remove_shared(folder)
    return source, target


def _remove_shared(folder: Path) -> None:
    """Remove the files `shared_tokenizers` writes into `folder`, then the folder if that emptied it
    (anything else there is not ours to delete)."""
    for name in ("tokenizers.json", "source.model", "target.model"):
        (folder / name).unlink(missing_ok=True)
    if folder.is_dir():
        try:
            folder.rmdir()
        except OSError:
            pass  # it holds something this run did not write


def load_init(cfg: TrainConfig) -> Translator:
    """The trained model folder --init names, whose tokenizers (`train`) and weights (`init_model`) a
    fine-tuning run starts from. Its shape must be the run's: ValueError naming the first model
    setting that differs (dropout is the run's own); CheckpointError if the folder is not a model."""
    start = load_checkpoint(cfg.init, name=cfg.init)
    saved = asdict(start.model.config)
    for key, value in cfg.model_settings().items():
        if key != "dropout" and saved[key] != value:
            raise ValueError(f"--init {cfg.init}: its {key} is {saved[key]!r}, this run's is {value!r}")
    return start


def init_model(
    cfg: TrainConfig,
    source: Tokenizer,
    target: Tokenizer,
    trained_source_len: int,
    rank: int,
    start: Seq2Seq | None = None,
    start_target: Tokenizer | None = None,
    start_source: Tokenizer | None = None,
) -> Seq2Seq:
    """The model, initialized from the global seed (the same on every process), on cfg.device; with
    `start` (--init, `load_init`), its weights copied in instead (fine-tuning); where `target` is
    `start_target`, start's target vocabulary, with name pieces appended (--name-pieces), its target
    rows grow to match (`seq2seq.name_pieces.grow_rows`); where `source` is `start_source` with characters
    appended (--source-characters), its source rows do (`seq2seq.source_characters.grow_rows`).

    Then process `rank` > 0 reseeds torch with rank_seed(seed, rank, "dropout"), so that its dropout
    masks are its own; rank 0 keeps the stream that follows the initialization, as one process does.
    """
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, source, target, trained_source_len).to(cfg.device)
    if start is not None:
        expected = model.state_dict()
        weights = start.state_dict()
        if start_target is not None and target.vocab_size > start_target.vocab_size:
            weights = grow_rows(weights, start_target, target)
        if start_source is not None and source.vocab_size > start_source.vocab_size:
            weights = grow_source_rows(weights, start_source, source)
        shapes = [k for k in expected if k not in weights or weights[k].shape != expected[k].shape]
        if shapes or len(weights) != len(expected):
            raise ValueError(f"--init {cfg.init}: its weights do not fit this run's model ({', '.join(shapes[:3])})")
        model.load_state_dict({k: v.to(expected[k].dtype) for k, v in weights.items()})
    if rank:
        torch.manual_seed(rank_seed(cfg.seed, rank, "dropout"))
    return model


def global_batch_loss(
    model: torch.nn.Module,
    pairs: list[tuple[list[int], list[int]]],
    indices: list[int],
    rank: int = 0,
    world: int = 1,
    unk_rate: float = 0.0,
    generator: torch.Generator | None = None,
    device: str = "cpu",
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """This process's share of global batch `indices`: (scaled loss to backpropagate, summed loss, tokens).

    Process `rank` of `world` takes indices[rank::world]. With N the global batch's target tokens
    and L_r the summed cross-entropy of rank r's share, rank r backpropagates L_r * world / N; DDP
    averages gradients over processes, so every process gets grad(sum_r L_r) / N: the
    single-process gradient of the per-token mean over the global batch.
    """
    global_tokens = sum(len(pairs[i][1]) + 1 for i in indices)  # targets + </s>, as Batch.num_tokens
    local = collate([pairs[i] for i in indices[rank::world]])
    if unk_rate:
        local = replace(local, src=substitute_unk(local.src, unk_rate, generator))
    loss_sum, tokens = _loss(model, local.to(device))
    return loss_sum * world / global_tokens, loss_sum, tokens


def _loss(model: torch.nn.Module, batch: Batch) -> tuple[torch.Tensor, int]:
    """Summed cross-entropy over real target tokens (padding masked out), and their count."""
    logits, _ = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    loss = F.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(), ignore_index=PAD, reduction="sum")
    return loss, int((batch.tgt_out != PAD).sum())
