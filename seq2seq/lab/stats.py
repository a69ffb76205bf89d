"""Summaries the lab's experiments report: a median and its 95% bootstrap interval, a distribution.

Every experiment gives one value per example (a tau, a distance, a fraction); `summary` reduces
them to n, the median and a percentile-bootstrap interval of the median, as plain JSON data. A median
can hide what matters (a median TVD of 0 over steps, a quarter of which exceed 0.5), so `distribution`
(the mean, the extremes and five quantiles) and `histogram` give the whole shape, and `share` a
proportion.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

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


QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)  # what `distribution` reports, as "p10" .. "p90"


def _finite(values: Iterable[float | None]) -> np.ndarray:
    return np.array([float(v) for v in values if v is not None and math.isfinite(float(v))], dtype=np.float64)


def distribution(values: Iterable[float | None]) -> dict:
    """{"n", "mean", "min", "max", "p10", "p25", "p50", "p75", "p90"}: the shape of `values`, not just its middle.

    Missing values are dropped first (as `summary` does); the quantiles interpolate linearly between
    the closest ranks (numpy's default). With no value every entry but n is None.
    """
    kept = _finite(values)
    keys = [f"p{round(q * 100)}" for q in QUANTILES]
    if kept.size == 0:
        return {"n": 0, "mean": None, "min": None, "max": None} | dict.fromkeys(keys)
    quantiles = np.quantile(kept, QUANTILES)
    return {"n": int(kept.size), "mean": float(kept.mean()), "min": float(kept.min()), "max": float(kept.max())} | {
        key: float(value) for key, value in zip(keys, quantiles, strict=True)
    }


def histogram(values: Iterable[float | None], edges: Sequence[float]) -> dict:
    """{"edges": [e_0 .. e_k], "counts": [c_1 .. c_k]}: how many values fall in each bin [e_i, e_i+1).

    The last bin also holds its right edge (numpy.histogram's rule); values outside the edges and
    missing values are not counted.
    """
    counts, _ = np.histogram(_finite(values), bins=np.asarray(edges, dtype=np.float64))
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def share(count: int, total: int) -> float | None:
    """count / total, None when total is 0 (a share of nothing)."""
    return count / total if total else None


def jsonable(value):
    """`value` with every NaN or infinity replaced by None (JSON null): plain JSON for `json.dumps`."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
