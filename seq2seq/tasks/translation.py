"""English to French translation over a Tatoeba-format file (task ``"en-fr"``).

Each line is ``English<TAB>French``, UTF-8; further tab-separated columns (attribution)
are ignored, and blank or malformed lines are skipped. Case and punctuation are kept.
The split is decided by the English sentence, so all its translations land in the same
split: otherwise a test sentence could have been seen in training with another French.
There is no gold alignment, so ``Example.alignment`` is ``None``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from seq2seq.tasks import Example, check_split, split_of

NAME = "en-fr"
TOKENIZER = "sentencepiece"

PROBES: tuple[str, ...] = (
    "I am cold.",
    "Thank you very much.",
    "Where is the station?",
    "She is reading a book.",
    "He doesn't like coffee.",
    "They have two children.",
    "We will go to the beach tomorrow.",
    "I have never seen such a beautiful city.",
)


def _parse_line(line: str) -> tuple[str, str] | None:
    """Return ``(english, french)`` from one line, or None if it is blank or malformed."""
    columns = line.split("\t")
    if len(columns) < 2:
        return None
    # strip() also drops the "\r" of files saved with Windows line endings.
    english, french = columns[0].strip(), columns[1].strip()
    if not english or not french:
        return None
    return english, french


@functools.lru_cache(maxsize=4)
def _read_pairs(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, str], ...]:
    """Every valid pair of ``path`` in file order.

    Cached because the app asks for examples and references of the same 165k-line file;
    ``mtime_ns`` and ``size`` are in the key so an edited file is read again. A tuple,
    so callers sharing the cached value cannot change it.
    """
    try:
        with open(path, encoding="utf-8") as f:
            pairs = tuple(p for p in map(_parse_line, f) if p is not None)
    except UnicodeDecodeError as e:
        raise ValueError(f"en-fr corpus {path} is not valid UTF-8: {e}") from e
    if not pairs:
        raise ValueError(f"en-fr corpus {path} has no valid lines; expected English<TAB>French per line")
    return pairs


def read_pairs(path: str | os.PathLike[str]) -> tuple[tuple[str, str], ...]:
    """Return every valid ``(english, french)`` pair of the file at ``path``, in order.

    Raises FileNotFoundError if there is no such file, ValueError if it has no valid line.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"en-fr corpus not found: {p} (expected a Tatoeba file, English<TAB>French per line)")
    stat = p.stat()
    return _read_pairs(str(p.resolve()), stat.st_mtime_ns, stat.st_size)


def load(path: str | os.PathLike[str], split: str) -> list[Example]:
    """Return one Example per pair of ``split`` (``"train"``, ``"valid"``, ``"test"``)."""
    check_split(split)
    return [Example(en, fr) for en, fr in read_pairs(path) if split_of(en) == split]


def references(path: str | os.PathLike[str], split: str) -> dict[str, list[str]]:
    """Map each English sentence of ``split`` to all its French translations, in file order.

    For multi-reference BLEU: Tatoeba often has several good translations of a sentence.
    """
    check_split(split)
    refs: dict[str, list[str]] = {}
    for en, fr in read_pairs(path):
        if split_of(en) == split:
            refs.setdefault(en, []).append(fr)
    return refs
