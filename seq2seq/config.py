"""Configuration dataclasses: everything needed to rebuild a model lives in ModelConfig."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

CELLS = ("rnn", "gru", "lstm")
SCORERS = ("none", "dot", "general", "concat", "scaled_dot", "location")
# Seeds torch's generator takes (an unsigned 64-bit integer): for training and for sampling alike.
MAX_SEED = 2**64 - 1


@dataclass(frozen=True)
class ModelConfig:
    """Shape of an encoder-decoder; saved in config.json and read back as ModelConfig(**saved)."""

    src_vocab_size: int  # number of source token ids (specials included)
    tgt_vocab_size: int  # number of target token ids (specials included)
    scorer: str = "general"  # attention score function, one of SCORERS
    cell: str = "gru"  # recurrent cell, one of CELLS
    embedding_size: int = 64  # size of the token embeddings (source and target)
    hidden_size: int = 128  # decoder state size = size of an encoder state (both directions)
    num_layers: int = 1  # stacked RNN layers, 1 or 2 (encoder and decoder alike)
    bidirectional: bool = True  # encoder reads both directions; each gets hidden_size // 2
    dropout: float = 0.0  # dropout on embeddings and the attentional state while training
    max_source_len: int = 64  # longest source in tokens (the location scorer has one score per position)
    max_target_len: int = 64  # decoding stops after this many tokens (the flag says so)
    trained_source_len: int = 0  # longest training source in tokens incl. </s> (0 = not recorded)
    pad_id: int = 0  # padding id, shared by both tokenizers
    bos_id: int = 2  # start-of-sequence id fed to the decoder first
    eos_id: int = 3  # end-of-sequence id that stops decoding

    def __post_init__(self) -> None:
        if self.scorer not in SCORERS:
            raise ValueError(f"unknown scorer {self.scorer!r}; choose one of {', '.join(SCORERS)}")
        if self.cell not in CELLS:
            raise ValueError(f"unknown cell {self.cell!r}; choose one of {', '.join(CELLS)}")
        if self.num_layers not in (1, 2):
            raise ValueError(f"num_layers must be 1 or 2, got {self.num_layers}")
        if self.bidirectional and self.hidden_size % 2:
            raise ValueError("a bidirectional encoder needs an even hidden_size")

    @property
    def encoder_hidden_size(self) -> int:
        """Per-direction encoder size, so that an encoder state has hidden_size features."""
        return self.hidden_size // 2 if self.bidirectional else self.hidden_size

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        """Rebuild from JSON, refusing unknown keys so that a mismatched file is caught early."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown model settings: {', '.join(unknown)}")
        return cls(**data)


@dataclass
class TrainConfig:
    """Settings of one training run (saved next to the model for the record)."""

    task: str = "reverse"  # reverse | dates | en-fr | zh-en
    data: str | None = None  # path of the Tatoeba-format file (en-fr, zh-en)
    scorer: str = "general"  # attention score function
    cell: str = "gru"  # recurrent cell
    embedding_size: int = 64  # token embedding size
    hidden_size: int = 128  # decoder/encoder-state size
    num_layers: int = 1  # RNN layers
    bidirectional: bool = True  # bidirectional encoder
    dropout: float = 0.0  # dropout while training
    # Probability that each training source token (not </s>) is replaced by <unk>, redrawn every batch,
    # seeded from (seed, rank); validation is never touched. Character models otherwise never see <unk>.
    unk_rate: float = 0.0
    batch_size: int = 64  # pairs per optimizer step (global, over all processes)
    epochs: int = 10  # passes over the training set (upper bound with early stopping)
    lr: float = 2e-3  # Adam learning rate
    schedule: str = "plateau"  # learning-rate schedule: constant | plateau | cosine
    clip: float = 1.0  # gradient-norm clipping
    weight_decay: float = 0.0  # decoupled weight decay (AdamW) on every weight; 0 = plain Adam
    score_lr_scale: float = 1.0  # the attention scorer's own weights (W_a, v_a) learn at lr x this
    patience: int = 3  # epochs without validation improvement before stopping
    seed: int = 0  # seed for data and initialization
    train_size: int = 20000  # synthetic tasks: training pairs generated
    valid_size: int = 1000  # validation pairs
    vocab_size: int = 4000  # en-fr, zh-en: SentencePiece vocabulary size (zh-en: of the English side)
    max_len: int = 64  # longest sequence kept (tokens)
    max_steps: int = 0  # stop after this many optimizer steps in all (0 = no limit)
    max_seconds: float = 0.0  # stop after this much training time (0 = no limit)
    warmup: int = 0  # the rate rises linearly from lr/warmup to lr over the first `warmup` optimizer steps
    anneal_from: int = 0  # from this optimizer step on, the rate is multiplied by anneal_factor (0 = never)
    anneal_factor: float = 0.25  # the rate's factor from anneal_from on: a final low-rate phase
    threads: int = 0  # torch CPU threads (0 = torch's default)
    half: bool = False  # store the checkpoint's weights as float16
    device: str = "cpu"  # cpu | cuda
    out: str = "runs/model"  # output folder (checkpoint + probes.json)
    extra: dict = field(default_factory=dict)  # free-form notes written to the card

    def validate(self) -> None:
        """Raise ValueError naming the first setting out of range (the one check for every caller).

        `not (x > 0)` rather than `x <= 0`, so that NaN is refused too.
        """
        for problem in self._problems():
            raise ValueError(problem)

    def _problems(self) -> list[str]:
        choices = {
            "scorer": SCORERS,
            "cell": CELLS,
            "schedule": ("constant", "plateau", "cosine"),
            "device": ("cpu", "cuda"),
        }
        problems = [
            f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}"
            for name, allowed in choices.items()
            if getattr(self, name) not in allowed
        ]
        at_least = {
            "embedding_size": 1, "hidden_size": 1, "batch_size": 1, "epochs": 0, "patience": 1, "train_size": 0,
            "valid_size": 1, "vocab_size": 5, "max_len": 2, "max_steps": 0, "max_seconds": 0, "warmup": 0,
            "anneal_from": 0, "threads": 0, "weight_decay": 0,
        }  # fmt: skip
        problems += [
            f"{name.replace('_', '-')} must be at least {low}, got {getattr(self, name)}"
            for name, low in at_least.items()
            if not getattr(self, name) >= low
        ]
        positive = ("lr", "clip", "score_lr_scale", "anneal_factor")
        problems += [
            f"{name.replace('_', '-')} must be greater than 0, got {getattr(self, name)}"
            for name in positive
            if not getattr(self, name) > 0
        ]
        problems += [
            f"{name.replace('_', '-')} must be in [0, 1) (a probability below 1), got {getattr(self, name)}"
            for name in ("dropout", "unk_rate")
            if not 0 <= getattr(self, name) < 1
        ]
        # Upper bounds: sizes a loader accepts (seq2seq/checkpoint.py SIZE_LIMITS, so that every model
        # trained can be loaded) and amounts of work one run may ask for, instead of an allocation failure.
        at_most = {
            "embedding_size": 8192, "hidden_size": 8192, "vocab_size": 1_000_000, "max_len": 99_999,
            "train_size": 1_000_000, "valid_size": 1_000_000, "threads": 1024,
        }  # fmt: skip
        problems += [
            f"{name.replace('_', '-')} must be at most {high}, got {getattr(self, name)}"
            for name, high in at_most.items()
            if getattr(self, name) > high
        ]
        problems += [
            f"{name.replace('_', '-')} must be a finite number, got {getattr(self, name)}"
            for name in ("lr", "clip", "weight_decay", "score_lr_scale", "anneal_factor", "max_seconds")
            if getattr(self, name) == math.inf
        ]
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            problems.append(f"seed must be a whole number from 0 to {MAX_SEED}, got {self.seed!r}")
        if self.num_layers not in (1, 2):
            problems.append(f"num-layers must be 1 or 2, got {self.num_layers}")
        if self.bidirectional and self.hidden_size % 2:
            problems.append(f"a bidirectional encoder needs an even hidden-size, got {self.hidden_size}")
        return problems
