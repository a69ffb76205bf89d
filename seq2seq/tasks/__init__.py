"""Deterministic data for the demo tasks: character reversal, date normalization, en-fr, zh-en.

Every task module exposes ``NAME``, ``PROBES`` (fixed inputs for the app), ``TOKENIZER``
(``"char"``, ``"sentencepiece"`` or ``"zh-char"``) and a way to get :class:`Example` lists per split:
``examples(split, n, seed)`` for the synthetic tasks, ``load(path, split)`` and
``references(path, split)`` for the translation tasks (en-fr, zh-en), which also say
``NEEDS_DATA = True``, ``METRIC = "bleu"``, ``DATA_FORMAT``, ``DATA_FILE``, ``LABEL``,
``DEFAULT_SENTENCE``, ``EXAMPLES`` and ``build_tokenizers(train_pairs, vocab_size)``.
Nothing is generated or read at import time.
"""

from __future__ import annotations

import hashlib
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

TASKS = ("reverse", "dates", "en-fr", "zh-en")
SPLITS = ("train", "valid", "test")

# Task names are user-facing ("en-fr"); module names must be identifiers.
_MODULES = {"reverse": "reverse", "dates": "dates", "en-fr": "translation", "zh-en": "zh_en"}

Span = tuple[int, int]


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


def get_task(name: str) -> ModuleType:
    """Return the module of task ``name`` (one of :data:`TASKS`)."""
    if name not in _MODULES:
        raise ValueError(f"unknown task {name!r}; expected one of {TASKS}")
    return importlib.import_module(f"{__name__}.{_MODULES[name]}")
