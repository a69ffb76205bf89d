"""What every task is made of: `Example`, the stable split, and the `Task` record a task module builds.

A task module (reverse.py, dates.py, translation.py, zh_en.py) defines its data and one `TASK = Task(...)`;
seq2seq/tasks/__init__.py registers it with one line. Callers never guess from a task's name or from
the attributes its module happens to have: they ask the Task (`needs_data`, `has_alignments`,
`gold_for`, `metric`, `build_tokenizers`, ...). Nothing here imports torch, and nothing is
generated or read at import time.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from seq2seq.metrics import Metric

if TYPE_CHECKING:
    from seq2seq.tokenizers import Tokenizer

SPLITS = ("train", "valid", "test")

Span = tuple[int, int]
Pair = tuple[str, str]  # (source, target)


@dataclass(frozen=True)
class Example:
    """One source/target pair, with its gold alignment when the task has one.

    ``alignment[i]`` is the half-open source character span ``[start, end)`` that target
    character ``i`` comes from, or ``None`` if it aligns to nothing (a separator). The whole
    field is ``None`` when the task has no gold alignment (en-fr).
    """

    source: str
    target: str
    alignment: tuple[Span | None, ...] | None = None


def split_of(key: str, valid_pct: int = 10, test_pct: int = 10) -> str:
    """Return ``"train"``, ``"valid"`` or ``"test"`` for ``key``, stable across runs.

    Uses SHA-1 of the UTF-8 key rather than ``hash()``, which is salted per process
    (PYTHONHASHSEED): a split must not change between training and evaluation.
    """
    if valid_pct < 0 or test_pct < 0 or valid_pct + test_pct > 100:
        raise ValueError(
            f"need 0 <= valid_pct, test_pct and valid_pct + test_pct <= 100, "
            f"got valid_pct={valid_pct}, test_pct={test_pct}"
        )
    bucket = int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "big") % 100
    if bucket < test_pct:
        return "test"
    if bucket < test_pct + valid_pct:
        return "valid"
    return "train"


def check_split(split: str) -> None:
    """Raise ValueError unless ``split`` is one of :data:`SPLITS`."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")


def sample_split(draw: Callable[[random.Random], Example], task: str, split: str, n: int, seed: int) -> list[Example]:
    """Draw examples with ``draw`` until ``n`` distinct ones fall in ``split``.

    The generator is seeded from ``(task, seed, split)`` so each split has its own stream,
    and membership is decided by :func:`split_of` on the source, so the splits never share
    a source whatever the seeds. Same arguments, same list.
    """
    check_split(split)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    # A str seed is hashed with SHA-512 by random.Random, so it is stable across runs.
    rng = random.Random(f"{task}-{seed}-{split}")
    seen: set[str] = set()
    out: list[Example] = []
    # About 1 in 10 draws lands in valid/test; the cap only stops a hopeless request
    # (more examples than the split holds) from looping forever.
    max_draws = 1000 + 200 * n
    for _ in range(max_draws):
        if len(out) == n:
            return out
        example = draw(rng)
        if example.source in seen or split_of(example.source) != split:
            continue
        seen.add(example.source)
        out.append(example)
    if len(out) == n:
        return out
    raise ValueError(
        f"{task}: found only {len(out)} distinct {split} examples of {n} after {max_draws} draws; ask for fewer"
    )


# -- what a task is ---------------------------------------------------------------------------------
def char_tokenizers(train: Sequence[Pair], vocab_size: int) -> tuple[Tokenizer, Tokenizer]:
    """One token per character on each side, fitted on the training pairs (`vocab_size` is not used)."""
    from seq2seq.tokenizers import CharTokenizer

    return CharTokenizer.fit(s for s, _ in train), CharTokenizer.fit(t for _, t in train)


@dataclass(frozen=True)
class Corpus:
    """Data read from a file given with --data (a Tatoeba-format corpus), split by a hash of the source."""

    file: str  # its usual name, looked for in ../shared/data by the app ("eng-fra.txt")
    format: str  # the file's format in words, for error messages ("a Tatoeba file: English<TAB>French")
    load: Callable[[str | os.PathLike[str], str], list[Example]]  # (path, split) -> the split's pairs in file order
    # (path, split) -> each source of the split with all its translations, in file order (multi-reference)
    references: Callable[[str | os.PathLike[str], str], dict[str, list[str]]]
    credit: str  # the data's attribution line (the app's home page)
    card: str  # what the data is, for the shipped models' cards (scripts/release.py)
    # environment variables, besides ATTENTION_EXPLORER_DATA_<TASK>, that may name the file for the app
    env: tuple[str, ...] = ()
    # path -> the word pairs of a `train --dictionary` file (the corpus's format), held-out sentences
    # left out; None: the task takes no dictionary
    dictionary: Callable[[str | os.PathLike[str]], list[Pair]] | None = None


@dataclass(frozen=True)
class Shipped:
    """How the shipped models of a task are trained (scripts/train_shipped.py) and what their cards add."""

    options: tuple[str, ...]  # `train` options every shipped model of the task shares (only the scorer differs)
    stages: tuple[int, ...] = ()  # step budgets they were trained to in turn, each run resuming the last
    stages_note: str = ""  # the cards' sentence on those stages
    # A second stage: `train` options of a fine-tuning run that starts from the first stage's model
    # (`--init`); the shipped models are the second stage's (zh-en: the dictionary data).
    fine_tune: tuple[str, ...] = ()
    # Further fine-tunings after the second stage, each starting from the one before (`--init`): each its own
    # `train` options after `options` (zh-en: the names stages).
    later: tuple[tuple[str, ...], ...] = ()
    # Alternative last stages, each (name, `train` options) fine-tuned from the last of `later`; the shipped model is
    # then chosen among averages of that stage with one of them (zh-en: scripts/choose_zh_average.py); () ships
    # the last stage's model as it is.
    endings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # A second round after that choice: one more ending (name, `train` options) fine-tuned from the chosen model,
    # and the same rule choosing between that model and its averages with it (choose_zh_average.py --second).
    second: tuple[str, tuple[str, ...]] | None = None
    # The "as typed" fine-tuning (issue 63; scripts/train_shipped.py --typed): `train` options after `options` of a
    # run that starts from the released model (`--init`) and trains on the corpus with its pairs as a class types
    # them (`--typed-rate`, seq2seq/typed.py); () for a task without one.
    typed: tuple[str, ...] = ()
    cost_note: str = ""  # the cards' sentence on what the training time means


PROBES = 8  # fixed inputs every task records after each epoch (Task.probes)


@dataclass(frozen=True, eq=False)
class Task:
    """Everything the library, the scripts and the app know about one task.

    A generated task gives `generate(split, n, seed)`; a corpus task gives `corpus` and reads the file
    passed with --data. Gold alignments come with a generated task's examples when `has_alignments`
    is True; `gold` builds the gold of any sentence where the task defines one for every string (reverse).
    """

    name: str  # what commands, links and the registry call it (en-fr)
    label: str  # how readers see it ("English → French")
    metric: Metric  # the validation metric that drives early stopping and heads the cards
    probes: tuple[str, ...]  # fixed inputs recorded after every epoch (the timelapse)
    # the home page's "Start here" links and Decode's examples box, the most telling first: each opens on a model
    # whose every attention row peaks on the source word its target word translates (tests/test_offered_examples.py)
    example_sentences: tuple[str, ...]
    default_sentence: str  # the sentence every page opens on
    # what the app's Train page sets for this task besides the user's settings (small epochs, short inputs)
    train_page: Mapping[str, int]
    shipped: Shipped
    source_tokenizer: str = "char"  # the tokenizer kinds ("char", "sentencepiece", "zh-char"), for readers
    target_tokenizer: str = "char"
    # (training pairs, --vocab-size) -> (source, target) tokenizers
    tokenizers: Callable[[Sequence[Pair], int], tuple[Tokenizer, Tokenizer]] = char_tokenizers
    generate: Callable[[str, int, int], list[Example]] | None = None  # (split, n, seed) -> n distinct examples
    corpus: Corpus | None = None
    has_alignments: bool = False  # generated examples carry their gold alignment
    gold: Callable[[str], Example] | None = None  # the gold of any sentence, where every string has one
    # (n, seed) -> test examples with one symbol the model never saw, where the answer does not depend on it
    unknown_symbol_examples: Callable[[int, int], list[Example]] | None = None
    # The attention lab's quality against length (seq2seq/lab/length.py): the bucket width, in the task's
    # length unit, and the examples longer than training that go with n examples of a split, if any.
    length_bucket: int = 5
    longer_than_training: Callable[[str, int], list[Example]] | None = None
    # language code -> the sentence the home page's live example opens on in that language (explorer.views.home)
    first_screen: Mapping[str, str] = field(default_factory=dict)
    # The scorer whose shipped model opens that example: one whose every attention row peaks on the source
    # word the target word translates (tests/test_home_example.py checks it row by row); "" = the default.
    first_screen_scorer: str = ""
    # example sentence -> the scorer whose shipped model it opens on, where that is not the task's default
    example_scorers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.generate is None) == (self.corpus is None):
            raise ValueError(f"task {self.name!r}: give either generate or corpus")
        # Every task's Timelapse and cards show the same number of probes, so tasks compare epoch by epoch.
        if len(self.probes) != PROBES or len(set(self.probes)) != PROBES or not all(p.strip() for p in self.probes):
            raise ValueError(f"task {self.name!r}: give {PROBES} distinct, non-empty probes, got {len(self.probes)}")
        if not self.default_sentence.strip() or not self.example_sentences:
            raise ValueError(f"task {self.name!r}: give a default sentence and at least one example sentence")
        object.__setattr__(self, "train_page", MappingProxyType(dict(self.train_page)))
        object.__setattr__(self, "first_screen", MappingProxyType(dict(self.first_screen)))
        if not set(self.example_scorers) <= set(self.example_sentences):
            raise ValueError(f"task {self.name!r}: example_scorers names a sentence that is no example")
        object.__setattr__(self, "example_scorers", MappingProxyType(dict(self.example_scorers)))

    # -- data ----------------------------------------------------------------------------------------
    @property
    def needs_data(self) -> bool:
        """Whether the task reads a corpus file (--data) instead of generating its examples."""
        return self.corpus is not None

    @property
    def data_file(self) -> str | None:
        """The corpus file's usual name, None for a generated task."""
        return self.corpus.file if self.corpus else None

    @property
    def credit(self) -> str:
        """The data's attribution line ("" for generated data)."""
        return self.corpus.credit if self.corpus else ""

    def examples(self, split: str, n: int, seed: int) -> list[Example]:
        """`n` distinct generated examples of `split`, the same for the same arguments (generated tasks)."""
        if self.generate is None:
            raise ValueError(f"the {self.name} task reads its examples from a file, it generates none")
        return self.generate(split, n, seed)

    def load(self, path: str | os.PathLike[str] | None, split: str) -> list[Example]:
        """The examples of `split` in the corpus file at `path` (corpus tasks)."""
        return self._corpus(path).load(path, split)

    def references(self, path: str | os.PathLike[str] | None, split: str) -> dict[str, list[str]]:
        """Each source of `split` in the corpus at `path` with all its translations (corpus tasks)."""
        return self._corpus(path).references(path, split)

    def _corpus(self, path) -> Corpus:
        if self.corpus is None:
            raise ValueError(f"the {self.name} task generates its examples, it reads no file")
        if not path:
            raise ValueError(f"the {self.name} task needs --data PATH ({self.corpus.format})")
        return self.corpus

    def split_pairs(self, split: str, size: int, seed: int, data: str | None = None) -> list[Pair]:
        """(source, target) pairs of `split`: `size` generated with `seed`, or the corpus's first `size`
        in file order (0: all of them)."""
        if self.corpus is None:
            return [(e.source, e.target) for e in self.examples(split, size, seed)]
        pairs = [(e.source, e.target) for e in self.load(data, split)]
        return pairs[:size] if size else pairs

    def dictionary_pairs(self, path: str | os.PathLike[str]) -> list[Pair]:
        """The (source, target) word pairs of the dictionary file at `path` (`train --dictionary`)."""
        if self.corpus is None or self.corpus.dictionary is None:
            raise ValueError(f"the {self.name} task takes no --dictionary")
        return self.corpus.dictionary(path)

    def split_references(self, split: str, size: int, seed: int, data: str | None = None) -> dict[str, list[str]]:
        """Sources of `split` with every reference of each: `size` generated with `seed` (one reference
        each), or the corpus's first `size` sources in file order (0: all), each with all its translations."""
        if self.corpus is None:
            return {e.source: [e.target] for e in self.examples(split, size, seed)}
        refs = self.references(data, split)
        return {source: refs[source] for source in (list(refs)[:size] if size else refs)}

    def build_tokenizers(self, train: Sequence[Pair], vocab_size: int) -> tuple[Tokenizer, Tokenizer]:
        """The (source, target) tokenizers of a new model, fitted on the training pairs."""
        return self.tokenizers(train, vocab_size)

    # -- gold alignments -------------------------------------------------------------------------------
    def gold_examples(self, n: int, seed: int = 0) -> list[Example]:
        """`n` test-split examples with their gold alignment; [] for a task without alignments."""
        return self.examples("test", n, seed) if self.has_alignments else []

    def gold_for(self, sentence: str, known: Sequence[Example] = ()) -> Example | None:
        """The gold target and alignment of `sentence`, when known.

        Built for any sentence by a task whose gold is defined for every string (reverse: `gold`).
        Otherwise only for a sentence among `known` (generated examples): a typed date could be read
        several ways. Never for a task without gold alignments (translation).
        """
        if not sentence.strip() or not self.has_alignments:
            return None
        if self.gold is not None:
            return self.gold(sentence)
        return next((e for e in known if e.source == sentence and e.alignment is not None), None)
