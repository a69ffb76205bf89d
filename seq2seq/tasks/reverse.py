"""Reverse a string of lowercase letters and spaces: ``"ab c"`` -> ``"c ba"``.

The gold alignment is the anti-diagonal: target character ``i`` comes from source
character ``n - 1 - i``, so a working attention heatmap is a clean reversed diagonal.
"""

from __future__ import annotations

import random
import string

from seq2seq.messages import N_
from seq2seq.metrics import EXACT_MATCH
from seq2seq.tasks.base import Example, Shipped, Task, sample_split

NAME = "reverse"
ALPHABET = string.ascii_lowercase + " "
MAX_LEN = 30
# Share of spaces among characters: enough to make word boundaries, few enough that most
# characters are letters.
SPACE_PROB = 0.15

PROBES: tuple[str, ...] = (
    "a",
    "abc",
    "racecar",
    "hello world",
    "aaaa bbbb",
    "the quick brown fox",
    "zyxwvutsrqponmlkjihgfedcba",
    "attention explorer reverses it",  # exactly MAX_LEN characters
)


def example(source: str) -> Example:
    """Return the reversal example for ``source``, with its anti-diagonal alignment."""
    n = len(source)
    return Example(
        source=source,
        target=source[::-1],
        alignment=tuple((n - 1 - i, n - i) for i in range(n)),
    )


def _draw(rng: random.Random) -> Example:
    """One random example: uniform length in [1, MAX_LEN], not all spaces."""
    while True:
        length = rng.randint(1, MAX_LEN)
        chars = [" " if rng.random() < SPACE_PROB else rng.choice(string.ascii_lowercase) for _ in range(length)]
        source = "".join(chars)
        if source.strip():
            return example(source)


def _typed(rng: random.Random) -> Example:
    """One string as a user types it: words of letters joined by single spaces, no space at either end.

    Uniform length in [1, MAX_LEN]; word lengths are geometric with the mean that SPACE_PROB gives
    (about 1 / SPACE_PROB letters a word), so the letters-to-spaces mix matches `_draw`'s.
    """
    length = rng.randint(1, MAX_LEN)
    chars: list[str] = []
    while len(chars) < length:
        space_ok = chars and chars[-1] != " " and len(chars) < length - 1
        chars.append(" " if space_ok and rng.random() < SPACE_PROB else rng.choice(string.ascii_lowercase))
    return example("".join(chars))


def typed_examples(n: int, seed: int) -> list[Example]:
    """``n`` distinct fresh strings typed the way a user types them (`_typed`), from the test split only.

    Fresh: the stream is seeded apart from training's, and membership in the test split (decided by the
    source, as for every split) keeps them out of what a shipped model trained on.
    """
    return sample_split(_typed, f"{NAME}-typed", "test", n, seed)


# The attention lab's strings longer than training (seq2seq/lab/length.py: quality against length).
LONG_MIN, LONG_MAX = MAX_LEN + 1, 50


def longer_count(n: int) -> int:
    """How many longer-than-training strings go with `n` split examples: the same density per length."""
    return round(n * (LONG_MAX - LONG_MIN + 1) / MAX_LEN)


def longer_examples(split: str, n: int, seed: int = 0) -> list[Example]:
    """`n` distinct examples of LONG_MIN..LONG_MAX characters (uniform length), gold included, drawn with
    the task's own recipe from a stream of their own ("reverse-long"): the same strings on every call."""

    def draw(rng: random.Random) -> Example:
        while True:
            length = rng.randint(LONG_MIN, LONG_MAX)
            chars = [" " if rng.random() < SPACE_PROB else rng.choice(string.ascii_lowercase) for _ in range(length)]
            source = "".join(chars)
            if source.strip():
                return example(source)

    return sample_split(draw, f"{NAME}-long", split, n, seed)


def longer_than_training(split: str, n: int) -> list[Example]:
    """The longer-than-training examples that go with `n` examples of `split` (Task.longer_than_training)."""
    return longer_examples(split, longer_count(n))


def examples(split: str, n: int, seed: int) -> list[Example]:
    """Return ``n`` distinct examples of ``split`` (``"train"``, ``"valid"``, ``"test"``).

    Deterministic in ``(split, n, seed)``; the splits never share a source.
    """
    return sample_split(_draw, NAME, split, n, seed)


TASK = Task(
    name=NAME,
    label=N_("Reverse a string"),
    metric=EXACT_MATCH,
    probes=PROBES,
    example_sentences=("hello world", "attention is all"),
    default_sentence="hello world",
    generate=examples,
    has_alignments=True,
    gold=example,  # every string has its gold: the anti-diagonal
    length_bucket=10,  # 1-10 .. 41-50 characters: training ends at 30
    longer_than_training=longer_than_training,
    # The Train page: small epochs, so that validation (and the curves and probes) update every few seconds.
    train_page={"train_size": 6400, "valid_size": 500, "max_len": 32},
    shipped=Shipped(
        # 5% of the training source characters are replaced by <unk> (redrawn every batch), so that one
        # character the model never saw does not derail the rest.
        options=tuple(
            "--embedding-size 64 --hidden-size 128 --train-size 50000 --valid-size 1000 --epochs 12 "
            "--patience 3 --max-len 32 --unk-rate 0.05".split()
        ),
    ),
)
