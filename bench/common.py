"""Shared helpers for the benchmarks: timing statistics, the host probe, tables, JSON results, date sentences."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import importlib
import json
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

T = TypeVar("T")

RESULTS = Path(__file__).resolve().parent / "results"
MONTHS = ("jan", "feb", "march", "april", "may", "june", "july", "aug", "sept", "oct", "nov", "dec")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(`coroutine`) in a thread of its own, its result or its exception here: asyncio.run needs a
    thread without a running loop, and pytest-playwright keeps one in the main thread after a browser test."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def time_calls(fn: Callable[[], object], repeats: int, warmup: int = 3) -> list[float]:
    """Wall-clock milliseconds of `repeats` calls of fn, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    """Median and p95 (nearest rank) of millisecond samples."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median_ms": statistics.median(ordered), "p95_ms": p95, "n": len(ordered)}


def host_probe_us(repeats: int = 400) -> float:
    """Median µs of one memory-bound product the size of en-fr's output layer: the host's speed now.

    x W^T with W (4000, 256) float32 in the decoding layout (transposed in memory), at batch 1:
    4 MB of weights, more than a core's L2 cache, so it runs at the speed of the shared cache and
    memory. On this shared host it took about 78 µs in quiet spells and 90-135 µs while other
    tenants were busy; printed beside each model so that a run says which spell it was taken in.
    """
    import torch

    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(4000, 256, generator=generator).t().contiguous().t()
    bias, x = torch.randn(4000, generator=generator), torch.randn(1, 256, generator=generator)
    with torch.inference_mode():
        samples = time_calls(lambda: torch.nn.functional.linear(x, weight, bias), repeats, warmup=50)
    return statistics.median(samples) * 1000


def dates(n: int, seed: int = 0) -> list[str]:
    """`n` different dates as a person types them for the dates task ("9 may 2018"), the same for a seed."""
    rng = random.Random(seed)
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen[f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1900, 2099)}"] = None
    return list(seen)


def machine() -> str:
    import os

    import torch

    return f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} threads"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2))
    return path


_BASELINES: dict[Path, str] = {}  # checkout -> the package name its copy was imported under


def import_baseline(checkout: str, module: str) -> ModuleType:
    """`seq2seq.<module>` of another checkout, imported beside this one's (as `seq2seq_baseline...`).

    For side-by-side timings (`--against`): on a host whose speed drifts from minute to minute,
    alternating calls of both copies in one process is what a change is judged by. Each checkout
    is copied once per process, under a package name of its own, into a temporary folder removed
    at exit.
    """
    source = Path(checkout).resolve() / "seq2seq"
    if not (source / "decoding.py").is_file():
        raise SystemExit(f"{checkout} is not a checkout of this project (no seq2seq/decoding.py)")
    if source not in _BASELINES:
        package = f"seq2seq_baseline{len(_BASELINES) or ''}"
        target = Path(tempfile.mkdtemp(prefix="seq2seq-baseline-")) / package
        atexit.register(shutil.rmtree, target.parent, True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        sys.path.insert(0, str(target.parent))
        _BASELINES[source] = package
    return importlib.import_module(f"{_BASELINES[source]}.{module}")
