"""A follower's τ histograms as SVG data (explorer.figures.svg_histograms): the bins Plotly draws for the teacher,
counted alike (issue 62: a phone drew the Lab's Plotly subplots at lesson 8's start)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from explorer.figures import bars
from explorer.figures.svg_histograms import bin_counts, payload


def test_the_counts_are_exact_on_tau_like_values_with_the_last_bin_closed():
    """Kendall's τ of a few ranked tokens: fractions with small denominators, many on a bin's edge (−0.6, 0.5, 1),
    counted in the bin exact arithmetic puts them in ([k/10 − 1, (k+1)/10 − 1), the last one closed)."""
    taus = sorted({Fraction(k, n) for n in range(1, 11) for k in range(-n, n + 1)})
    exact = [0] * 20
    for tau in taus:
        exact[min(19, math.floor((tau + 1) * 10))] += 1
    assert bin_counts([float(t) for t in taus], (-1, 1), 0.1) == exact
    assert bin_counts([1.0, 1.0, -1.0, 0.5], (-1, 1), 0.1) == [1] + [0] * 14 + [1] + [0] * 3 + [2]
    assert bin_counts([1.5, -2.0, float("nan")], (-1, 1), 0.1) == [0] * 20  # outside the range: in no bin


def test_the_counts_are_those_of_the_teachers_plotly_bins():
    """The teacher's figure gives Plotly these x values and these bins; plotly.js counts x in bin
    ⌊(x − start) / size + 1e-9⌋ when it is below the number of bins (tests/e2e/test_lab_histograms_browser.py reads
    the drawn chart's own counts)."""
    series = {"a ~ b": [-1.0, -0.95, 0.3, 0.3, 0.55, 1.0], "c ~ d": [0.0, 0.45, 0.5, 0.9999]}
    figure = bars.histogram_grid(series, "τ", (-1, 1), 0.1)
    for trace, (name, values) in zip(figure.data, series.items(), strict=True):
        start, size = trace.xbins.start, trace.xbins.size
        plotly = [0] * 20
        for x in trace.x:
            plotly[int(np.floor((x - start) / size + 1e-9))] += 1
        assert bin_counts(values, (-1, 1), 0.1) == plotly, name


def test_the_payload_has_each_panels_counts_median_and_marks_in_order():
    chart = payload(
        {"a ~ b": [0.1, 0.3, 1.0], "c ~ d": []}, "Kendall τ", (-1, 1), 0.1, "lab-tau-histograms",
        marks={"a ~ b": {"J&W": 0.42, "W&P": -0.2}},
    )  # fmt: skip
    assert chart["kind"] == "histograms" and chart["id"] == "lab-tau-histograms" and chart["bin_size"] == 0.1
    first, empty = chart["panels"]
    assert first["name"] == "a ~ b" and sum(first["counts"]) == 3 and first["counts"][19] == 1
    assert first["median"] == pytest.approx(0.3) and [m["label"] for m in first["marks"]] == ["W&P", "J&W"]
    assert empty == {"name": "c ~ d", "counts": [0] * 20, "median": None, "marks": []}
    assert chart["x_ticks"] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert chart["label"] == "Kendall τ: a ~ b: 3 examples, median 0.30; c ~ d: 0 examples, median n/a"
