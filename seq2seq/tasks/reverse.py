"""Reverse a string of lowercase letters and spaces: ``"ab c"`` -> ``"c ba"``.

The gold alignment is the anti-diagonal: target character ``i`` comes from source
character ``n - 1 - i``, so a working attention heatmap is a clean reversed diagonal.
"""

from __future__ import annotations

import random
import string

from seq2seq.tasks import Example, sample_split

NAME = "reverse"
TOKENIZER = "char"
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


def examples(split: str, n: int, seed: int) -> list[Example]:
    """Return ``n`` distinct examples of ``split`` (``"train"``, ``"valid"``, ``"test"``).

    Deterministic in ``(split, n, seed)``; the splits never share a source.
    """
    return sample_split(_draw, NAME, split, n, seed)
