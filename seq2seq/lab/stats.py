"""Summaries the lab's experiments report: a median and its 95% bootstrap interval.

Every experiment gives one value per example (a tau, a distance, a fraction); `summary` reduces
them to n, the median and a percentile-bootstrap interval of the median, as plain JSON data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

CONFIDENCE = 0.95


def summary(values: Iterable[float | None], seed: int = 0, resamples: int = 1000) -> dict:
    """{"n", "median", "low", "high"}: the median of `values` and its 95% bootstrap interval.

    Missing values (None, NaN, ±inf: a tau of a constant vector, say) are dropped first; "n" counts
    the rest. The interval is the percentile bootstrap: `resamples` samples of n values drawn with
    replacement (numpy's generator seeded with `seed`, so a rerun gives the same interval), the
    median of each, and their 2.5th and 97.5th percentiles. With one value the interval is that
    value; with none, median, low and high are None (JSON null).
    """
    kept = np.array([float(v) for v in values if v is not None and math.isfinite(float(v))], dtype=np.float64)
    n = int(kept.size)
    if n == 0:
        return {"n": 0, "median": None, "low": None, "high": None}
    median = float(np.median(kept))
    if n == 1:
        return {"n": 1, "median": median, "low": median, "high": median}
    rng = np.random.default_rng(seed)
    medians = np.median(kept[rng.integers(0, n, size=(int(resamples), n))], axis=1)  # (resamples,)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(medians, [tail, 100 - tail])
    return {"n": n, "median": median, "low": float(low), "high": float(high)}
