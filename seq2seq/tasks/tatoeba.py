"""Reading a Tatoeba-format corpus (manythings.org's tab-separated files), shared by en-fr and zh-en.

Each line is ``English<TAB>other language``; further tab-separated columns (attribution) are
ignored, and blank or malformed lines are skipped. A task gives its own `parse` (which side is the
source, and how the source is normalised); the split is decided by the source sentence, so every
translation of a sentence lands in one split and the test split is multi-reference.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

from seq2seq.tasks.base import Example, check_split, split_of

Pair = tuple[str, str]  # (source, target)
Parse = Callable[[str], "Pair | None"]


def columns(line: str) -> Pair | None:
    """The first two tab-separated columns of `line`, stripped; None if blank or malformed.

    strip() also drops the "\\r" of files saved with Windows line endings.
    """
    parts = line.split("\t")
    if len(parts) < 2:
        return None
    first, second = parts[0].strip(), parts[1].strip()
    return (first, second) if first and second else None


@functools.lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int, size: int, parse: Parse, task: str, expected: str) -> tuple[Pair, ...]:
    """Every valid pair of ``path`` in file order.

    Cached because the app asks for examples and references of the same file again and again;
    ``mtime_ns`` and ``size`` are in the key so an edited file is read again. A tuple, so callers
    sharing the cached value cannot change it.
    """
    try:
        with open(path, encoding="utf-8") as f:
            pairs = tuple(p for p in map(parse, f) if p is not None)
    except UnicodeDecodeError as e:
        raise ValueError(f"{task} corpus {path} is not valid UTF-8: {e}") from e
    if not pairs:
        raise ValueError(f"{task} corpus {path} has no valid lines; expected {expected}")
    return pairs


def read_pairs(path: str | os.PathLike[str], parse: Parse, task: str, expected: str) -> tuple[Pair, ...]:
    """Every valid ``(source, target)`` pair of the file at ``path``, in order, as `parse` makes them.

    Raises FileNotFoundError if there is no such file, ValueError if it has no valid line;
    `task` and `expected` (the format, in words) go into those messages.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{task} corpus not found: {p} (expected {expected})")
    stat = p.stat()
    return _read(str(p.resolve()), stat.st_mtime_ns, stat.st_size, parse, task, expected)


def examples(pairs: tuple[Pair, ...], split: str) -> list[Example]:
    """One Example per pair of ``split`` (``"train"``, ``"valid"``, ``"test"``)."""
    check_split(split)
    return [Example(source, target) for source, target in pairs if split_of(source) == split]


def references(pairs: tuple[Pair, ...], split: str) -> dict[str, list[str]]:
    """Each source sentence of ``split`` with all its translations, in file order (multi-reference BLEU)."""
    check_split(split)
    refs: dict[str, list[str]] = {}
    for source, target in pairs:
        if split_of(source) == split:
            refs.setdefault(source, []).append(target)
    return refs
