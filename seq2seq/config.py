"""Configuration dataclasses: everything needed to rebuild a model lives in ModelConfig."""

from __future__ import annotations

import math
from dataclasses import MISSING, Field, asdict, dataclass, field, fields
from typing import Any

from .scorers import DEFAULT_SCORER, SCORERS
from .tasks import DEFAULT_TASK

CELLS = ("rnn", "gru", "lstm")
# Seeds torch's generator takes (an unsigned 64-bit integer): for training and for sampling alike.
MAX_SEED = 2**64 - 1


@dataclass(frozen=True)
class Bounds:
    """What one setting accepts. It lives on the setting's dataclass field (`setting`), and every
    reader takes it from there: the config's `validate`, the command line's options
    (seq2seq/train.py), the loader's size limits (`ModelConfig.size_limits`) and the app's Train page.

    `not x >= low` rather than `x < low`, so that NaN is refused too.
    """

    choices: tuple = ()  # the names allowed (the command line offers them as its choices)
    at_least: float | None = None
    at_most: float | None = None
    positive: bool = False  # greater than 0
    probability: bool = False  # in [0, 1)
    finite: bool = False  # infinity refused (NaN already fails the comparisons)
    whole: bool = False  # an int (not a bool) from at_least to at_most, in one message
    says: str = ""  # that message's own words for the range, when whole (num_layers: "1 or 2")

    def problems(self, name: str, value: object, option: bool) -> list[tuple[int, str]]:
        """(rule, message) for each rule `value` breaks; rules rank as `problems` reports them.

        `option`: name the setting as a command-line option ("num-layers must be ...", "scorer must be
        one of ...") rather than as a file's key ("num_layers must be ...", "unknown scorer ...").
        """
        shown = name.replace("_", "-") if option else name
        found: list[tuple[int, str]] = []
        if self.choices and value not in self.choices:
            allowed = ", ".join(map(str, self.choices))
            if option:
                found.append((0, f"{shown} must be one of {allowed}, got {value!r}"))
            else:
                found.append((0, f"unknown {shown} {value!r}; choose one of {allowed}"))
        if self.whole:
            low, high = self.at_least, self.at_most
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                says = self.says or f"a whole number from {low} to {high}"
                found.append((6, f"{shown} must be {says}, got {value!r}"))
            return found
        if self.at_least is not None and not value >= self.at_least:
            found.append((1, f"{shown} must be at least {self.at_least}, got {value}"))
        if self.positive and not value > 0:
            found.append((2, f"{shown} must be greater than 0, got {value}"))
        if self.probability and not 0 <= value < 1:
            found.append((3, f"{shown} must be in [0, 1) (a probability below 1), got {value}"))
        if self.at_most is not None and value > self.at_most:
            found.append((4, f"{shown} must be at most {self.at_most}, got {value}"))
        if self.finite and value == math.inf:
            found.append((5, f"{shown} must be a finite number, got {value}"))
        return found


def setting(default: object = MISSING, help: str = "", *, option: bool = True, **bounds) -> Any:
    """A dataclass field that carries its help text and its `Bounds` (the keyword arguments).

    `option`: False for a field that is no command-line option (TrainConfig.extra). A dict or list
    default becomes a factory, as dataclasses want.
    """
    metadata = {"help": help, "bounds": Bounds(**bounds), "option": option}
    if isinstance(default, (dict, list)):
        return field(default_factory=type(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def bounds_of(f: Field) -> Bounds:
    """The `Bounds` of a dataclass field (a field without: anything goes)."""
    return f.metadata.get("bounds", Bounds())


def help_of(f: Field) -> str:
    """The help text of a dataclass field ("" without)."""
    return f.metadata.get("help", "")


def problems(config: object, option: bool) -> list[str]:
    """Every setting of `config` outside its field's `Bounds`, rule by rule (choices, lower bounds,
    positives, probabilities, upper bounds, finiteness, whole numbers) and within a rule in field order."""
    ranked = [
        (rule, index, message)
        for index, f in enumerate(fields(config))
        for rule, message in bounds_of(f).problems(f.name, getattr(config, f.name), option)
    ]
    return [message for _, _, message in sorted(ranked, key=lambda r: r[:2])]


@dataclass(frozen=True)
class ModelConfig:
    """Shape of an encoder-decoder; saved in config.json and read back as ModelConfig(**saved).

    The sizes' bounds are those a loader accepts (`size_limits`): far above every shipped model
    (hidden 512, vocabulary 8000, 64 positions), far below what would exhaust a machine.
    """

    src_vocab_size: int = setting(at_least=1, at_most=1_000_000)  # number of source token ids (specials included)
    tgt_vocab_size: int = setting(at_least=1, at_most=1_000_000)  # number of target token ids (specials included)
    scorer: str = setting(DEFAULT_SCORER, "/".join(SCORERS), choices=SCORERS)  # attention score function
    cell: str = setting("gru", "/".join(CELLS), choices=CELLS)  # recurrent cell
    embedding_size: int = setting(64, at_least=1, at_most=8192)  # size of the token embeddings (source and target)
    hidden_size: int = setting(128, at_least=1, at_most=8192)  # decoder state size = size of an encoder state
    num_layers: int = setting(1, whole=True, at_least=1, at_most=2, says="1 or 2")  # stacked RNN layers (both sides)
    bidirectional: bool = True  # encoder reads both directions; each gets hidden_size // 2
    dropout: float = 0.0  # dropout on embeddings and the attentional state while training
    # the decoder starts from tanh(W_b h_enc) (a learned bridge), not from the encoder's final state itself
    bridge: bool = False
    # longest source in tokens (the location scorer has one score per position)
    max_source_len: int = setting(64, at_least=1, at_most=100_000)
    max_target_len: int = setting(64, at_least=1, at_most=100_000)  # decoding stops after this many tokens
    # longest training source in tokens incl. </s> (0 = not recorded)
    trained_source_len: int = setting(0, at_least=0, at_most=100_000)
    pad_id: int = setting(0, at_least=0, at_most=999_999)  # padding id, shared by both tokenizers
    bos_id: int = setting(2, at_least=0, at_most=999_999)  # start-of-sequence id fed to the decoder first
    eos_id: int = setting(3, at_least=0, at_most=999_999)  # end-of-sequence id that stops decoding

    def __post_init__(self) -> None:
        """Every ModelConfig is valid: `validate` on construction."""
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first setting outside its field's bounds (on every construction)."""
        for problem in problems(self, option=False):
            raise ValueError(problem)
        if self.bidirectional and self.hidden_size % 2:
            raise ValueError("a bidirectional encoder needs an even hidden_size")

    @classmethod
    def size_limits(cls) -> dict[str, tuple[int, int]]:
        """(lowest, highest) of every whole-number setting, from the fields' bounds: what the loader
        checks config.json's model section against before anything is built (seq2seq/checkpoint.py)."""
        bounds = {f.name: bounds_of(f) for f in fields(cls)}
        return {name: (b.at_least, b.at_most) for name, b in bounds.items() if None not in (b.at_least, b.at_most)}

    @property
    def encoder_hidden_size(self) -> int:
        """Per-direction encoder size, so that an encoder state has hidden_size features."""
        return self.hidden_size // 2 if self.bidirectional else self.hidden_size

    def to_dict(self) -> dict:
        """The settings as plain JSON (config.json's "model" section)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        """Rebuild from JSON, refusing unknown keys so that a mismatched file is caught early."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown model settings: {', '.join(unknown)}")
        return cls(**data)


_MODEL_FIELDS = {f.name: f for f in fields(ModelConfig)}


def model_setting(name: str) -> Any:
    """A TrainConfig field for a setting of the model's shape: ModelConfig's field (default, help, bounds)."""
    f = _MODEL_FIELDS[name]
    return setting(f.default, help_of(f), **asdict(bounds_of(f))) if "bounds" in f.metadata else f.default


@dataclass
class TrainConfig:
    """Settings of one training run (saved next to the model for the record).

    Each field but `extra` is an option of `python -m seq2seq train` (hidden_size: --hidden-size),
    with the help and choices of its field; `validate` checks every field against its bounds. The
    model's shape (scorer ... num_layers) is ModelConfig's fields (`model_setting`).
    """

    task: str = DEFAULT_TASK  # the choices are seq2seq.tasks.TASKS
    data: str | None = setting(
        None, "the corpus file of a translation task (Tatoeba: en-fr English<TAB>French, zh-en English<TAB>Chinese)"
    )
    # Word pairs added to the training split only (zh-en: HSK words and place names from CC-CEDICT,
    # written by scripts/prepare_zh_dictionary.py), in the corpus file's format.
    dictionary: str | None = setting(
        None, "a file of word pairs in --data's format, added to the training split only (never validation or test)"
    )
    dictionary_repeat: int = setting(
        1, "how many times each --dictionary pair is in the training split", at_least=1, at_most=100
    )
    # Fine-tuning: a trained model's tokenizers and weights as the starting point, so that new data (zh-en's
    # dictionary) is learned without training from noise again, and the model keeps what it knew.
    init: str | None = setting(
        None,
        "start from the tokenizers and weights of this trained model folder (fine-tuning); its model settings "
        "(scorer, cell, sizes, bridge) must be this run's",
    )
    # A name the target vocabulary spells in many pieces (Beijing: ▁Be i j ing) is hard to learn from a few
    # dozen dictionary pairs: fine-tuning can give each such name one piece (seq2seq/name_pieces.py).
    name_pieces: int = setting(
        0,
        "with --init and --dictionary: one new target piece for each capitalised word the dictionary's pairs "
        "use at least N times that the --init model spells in 3 or more pieces (0: none)",
        at_least=0,
        at_most=1_000_000,
    )
    # A character the --init model's corpus never had (芳, 刘) is <unk> to its source vocabulary, which
    # fine-tuning keeps: this gives each such character of the dictionary an id (seq2seq/source_characters.py).
    source_characters: bool = setting(
        False,
        "with --init and --dictionary: one new source id for each character of the dictionary's Chinese side "
        "that the --init model reads as <unk>, its embedding row starting as the <unk> row",
    )
    # A curriculum: the word pairs teach the names early, and the last epochs see the sentences alone, so
    # that the short pairs do not leave the decoder ending long sentences early.
    dictionary_epochs: int = setting(
        0,
        "train on the --dictionary pairs in the first N epochs only, then on the corpus alone (0: every epoch)",
        at_least=0,
        at_most=1000,
    )
    scorer: str = model_setting("scorer")  # attention score function
    cell: str = model_setting("cell")  # recurrent cell
    embedding_size: int = model_setting("embedding_size")  # token embedding size
    hidden_size: int = model_setting("hidden_size")  # decoder/encoder-state size
    num_layers: int = model_setting("num_layers")  # RNN layers
    bidirectional: bool = model_setting("bidirectional")  # bidirectional encoder
    bridge: bool = model_setting("bridge")  # the decoder starts from tanh(W_b h_enc), not h_enc
    dropout: float = setting(0.0, probability=True)  # dropout while training
    # Probability that each training source token (not </s>) is replaced by <unk>, redrawn every batch,
    # seeded from (seed, rank); validation is never touched. Character models otherwise never see <unk>.
    unk_rate: float = setting(
        0.0,
        "probability that each training source token (not </s>) is replaced by <unk>, redrawn every "
        "batch, seeded; 0 <= R < 1; validation is never touched",
        probability=True,
    )
    # A class types "i am tired", not "I am tired.": each corpus pair drawn with this probability is also
    # trained on with its source as typed (seq2seq/typed.py), its target as written, so that one model reads
    # both forms (issue 63). Seeded from --seed; --dictionary pairs and validation are never touched.
    typed_rate: float = setting(
        0.0,
        "probability that each training pair of the corpus (not --dictionary) is added once more with its source "
        "as a class types it (lowercased, no final punctuation, a space missing or added, the punctuation's "
        "width switched; seq2seq/typed.py), the target as written; seeded; 0 = none",
        at_least=0,
        at_most=1,
    )
    batch_size: int = setting(64, at_least=1)  # pairs per optimizer step (global, over all processes)
    epochs: int = setting(10, at_least=0)  # passes over the training set (upper bound with early stopping)
    lr: float = setting(2e-3, positive=True, finite=True)  # Adam learning rate
    schedule: str = setting("plateau", "constant | plateau | cosine", choices=("constant", "plateau", "cosine"))
    clip: float = setting(1.0, positive=True, finite=True)  # gradient-norm clipping
    weight_decay: float = setting(
        0.0, "decoupled weight decay (AdamW) on every weight; 0 = plain Adam", at_least=0, finite=True
    )
    # Polyak averaging (torch.optim.swa_utils): validation, early stopping, the probes and the saved model
    # use an exponential moving average of the weights, which moves less between epochs than the last
    # step's weights (zh-en's validation BLEU swung by up to 2.5 from one epoch to the next without it).
    ema: float = setting(
        0.0,
        "decay d of an exponential moving average of the weights, a <- d a + (1 - d) w after every step; "
        "validation and the saved model use the average; 0 = off (the last step's weights)",
        probability=True,
    )
    # the attention scorer's own weights (W_a, v_a) learn at lr x this
    score_lr_scale: float = setting(
        1.0,
        "the attention scorer's own weights learn at --lr times this (the same for every scorer)",
        positive=True,
        finite=True,
    )
    patience: int = setting(3, at_least=1)  # epochs without validation improvement before stopping
    # Which finished epoch the folder's model is. A fixed schedule that ends near a zero rate (zh-en's cosine
    # fine-tuning) is meant to be taken at its end: its validation BLEU swings from epoch to epoch more than
    # its test BLEU does (docs/models.md), so `best` would pick a mid-schedule epoch by noise.
    keep: str = setting(
        "best",
        "the epoch the saved model is: best (the best validation metric, early stopping on it) | last (the "
        "last finished epoch; no early stopping)",
        choices=("best", "last"),
    )
    seed: int = setting(0, whole=True, at_least=0, at_most=MAX_SEED)  # seed for data and initialization
    train_size: int = setting(20000, at_least=0, at_most=1_000_000)  # synthetic tasks: training pairs generated
    valid_size: int = setting(
        1000,
        "validation pairs; for en-fr and zh-en the first sources of the validation split in the file's order "
        "(the shortest, in manythings.org's file)",
        at_least=1,
        at_most=1_000_000,
    )
    # en-fr, zh-en: SentencePiece vocabulary size (zh-en: of the English side)
    vocab_size: int = setting(4000, at_least=5, at_most=1_000_000)
    max_len: int = setting(64, at_least=2, at_most=99_999)  # longest sequence kept (tokens)
    max_steps: int = setting(0, at_least=0)  # stop after this many optimizer steps in all (0 = no limit)
    max_seconds: float = setting(0.0, at_least=0, finite=True)  # stop after this much training time (0 = no limit)
    warmup: int = setting(0, "optimizer steps over which the rate rises linearly to --lr; 0 = none", at_least=0)
    # Softened attention early in training: the scores are divided by a temperature that falls linearly
    # from sqrt(hidden_size) to 1 over these optimizer steps (seq2seq.train.score_temperature); 0 = none.
    soft_attention_steps: int = setting(
        0,
        "optimizer steps over which training divides the attention scores by a temperature falling linearly from"
        " sqrt(hidden-size) to 1 (evaluation and decoding never do); 0 = none",
        at_least=0,
    )
    anneal_from: int = setting(
        0, "from this optimizer step on, the rate is multiplied by --anneal-factor; 0 = never", at_least=0
    )
    # a final low-rate phase
    anneal_factor: float = setting(0.25, "the rate's factor from --anneal-from on", positive=True, finite=True)
    threads: int = setting(0, at_least=0, at_most=1024)  # torch CPU threads (0 = torch's default)
    half: bool = False  # store the checkpoint's weights as float16
    device: str = setting("cpu", choices=("cpu", "cuda"))
    out: str = "runs/model"  # output folder (checkpoint + probes.json)
    extra: dict = setting({}, option=False)  # free-form notes written to the card

    def validate(self) -> None:
        """Raise ValueError naming the first setting out of range (the one check for every caller).

        The bounds are the fields' (`Bounds`). The sizes' upper bounds are those a loader accepts
        (ModelConfig), so that every model trained can be loaded, or amounts of work one run may ask
        for, so that a run too large is refused instead of failing to allocate.
        """
        for problem in self._problems():
            raise ValueError(problem)

    def _problems(self) -> list[str]:
        """Every problem, in the order `validate` reports the first: the fields', then the even hidden size."""
        found = problems(self, option=True)
        if self.bidirectional and self.hidden_size % 2:
            found.append(f"a bidirectional encoder needs an even hidden-size, got {self.hidden_size}")
        if self.name_pieces and not (self.init and self.dictionary):
            found.append("--name-pieces needs --init (the model whose vocabulary grows) and --dictionary (its names)")
        if self.source_characters and not (self.init and self.dictionary):
            found.append(
                "--source-characters needs --init (the model whose vocabulary grows) and --dictionary (its characters)"
            )
        return found

    @classmethod
    def options(cls) -> list[Field]:
        """The fields that are command-line options (all but `extra`), in order."""
        return [f for f in fields(cls) if f.metadata.get("option", True)]

    def model_settings(self) -> dict:
        """The settings of the model's shape, under ModelConfig's names (scorer ... dropout)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in _MODEL_FIELDS}
