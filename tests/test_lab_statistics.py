"""The lab's statistics over a split (seq2seq/lab: stats, sample, agreement's split summary, permutation's).

Distributions and histograms on known values; samples stratified by length keep the pool's length
quantiles; a split's summaries are what their stored examples give again (what tests/test_lab_results.py
checks on the stored files); the permutation's mean, share above 0.5 and histogram over its steps.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import pytest

from seq2seq.checkpoint import load_model
from seq2seq.lab import results, sample, stats
from seq2seq.lab.agreement import agreement, chance_share, example_counts, split_summary
from seq2seq.lab.length import source_length
from seq2seq.lab.names import pairs
from seq2seq.lab.permutation import permutation, split_tvd
from seq2seq.lab.run import run

ROOT = Path(__file__).resolve().parent.parent
EN_FR = ROOT.parent / "shared" / "data" / "eng-fra.txt"


@pytest.fixture(scope="module")
def reverse_dot():
    return load_model("reverse/dot")


def test_distribution_histogram_and_share_on_known_values():
    found = stats.distribution([4, 1, None, 3, 2, float("nan"), 5])
    assert found == pytest.approx(
        {"n": 5, "mean": 3.0, "min": 1.0, "max": 5.0, "p10": 1.4, "p25": 2.0, "p50": 3.0, "p75": 4.0, "p90": 4.6}
    )
    assert stats.distribution([])["n"] == 0 and stats.distribution([])["p50"] is None
    assert stats.histogram([0.0, 0.05, 0.5, 0.99, 1.0, 2.0], [0, 0.5, 1]) == {
        "edges": [0.0, 0.5, 1.0],
        "counts": [2, 3],
    }
    assert stats.share(1, 4) == 0.25 and stats.share(0, 0) is None


def test_a_stratified_sample_takes_one_source_from_each_stratum_of_length():
    sources = [f"{'x' * length}{i}" for i, length in enumerate(range(100, 0, -1))]  # long first, as none is
    chosen = sample.stratified("reverse", sources, 10)
    lengths = [len(s) for s in chosen]
    assert len(chosen) == 10 and lengths == sorted(lengths)
    assert all(10 * k < length <= 10 * (k + 1) + 1 for k, length in enumerate(lengths))  # one per decile
    assert sample.stratified("reverse", sources, 10) == chosen and sample.stratified("reverse", sources, 10, seed=1)
    assert sample.stratified("reverse", sources[:5], 10) == sorted(sources[:5], key=len)  # a small pool whole


def test_the_first_sources_of_a_corpus_are_not_the_sample():
    if not EN_FR.is_file():
        pytest.skip(f"{EN_FR} is not here")
    chosen, skipped = sample.length_sample("en-fr", "test", 40, str(EN_FR))
    pool = sample.pool("en-fr", "test", 40, str(EN_FR))
    assert skipped == 0 and len(chosen) == 40 and len(set(chosen)) == 40
    first = [source_length("en-fr", s) for s in pool[:40]]
    drawn = [source_length("en-fr", s) for s in chosen]
    every = sorted(source_length("en-fr", s) for s in pool)
    assert max(first) < 10 <= max(drawn)  # the file's first 40 are its shortest
    stratum = len(every) // 40  # the sample's first source is among the shortest 40th, its last among the longest
    assert min(drawn) <= every[stratum] and max(drawn) >= every[-stratum]
    assert statistics.median(drawn) == pytest.approx(statistics.median(every), abs=1)


def test_a_model_that_refuses_long_sources_is_sampled_among_those_it_takes():
    translator = load_model("reverse/location")
    chosen, skipped = sample.length_sample("reverse", "test", 20, takes=lambda s: len(s) <= 10)
    assert len(chosen) == 20 and all(len(s) <= 10 for s in chosen) and skipped > 0
    result = run("permutation", translator, "reverse", n=2, seeds=2)
    assert result["skipped"] >= 0 and len(result["per_example"]) == 2


def test_the_split_summary_is_recomputed_from_the_stored_examples(reverse_dot):
    result = run("agreement", reverse_dot, "reverse", n=3, ig_steps=8)
    stored = json.loads(json.dumps(results.stored_form("agreement", result)))
    assert stored["measures"] == "signed" and stored["loo"] == "unk"
    again = split_summary(stored["per_example"], pairs(True))
    assert json.loads(json.dumps(again)) == stored["summary"]
    lengths = [e["length"] for e in stored["per_example"]]
    assert stored["summary"]["source_lengths"]["max"] == max(lengths)
    steps = [s for e in result["per_example"] for s in e["steps"]]
    key = "attention~leave_one_out"
    kept = [s for s in steps if s["ranked"] >= 3 and s["tau"][key] is not None]
    significant = [s for s in kept if s["tau_p"][key] < 0.05 and s["tau"][key] > 0]
    assert stored["summary"]["significant_share"][key] == pytest.approx(len(significant) / len(kept))
    chance = sum(chance_share(s["ranked"]) for s in kept) / len(kept)
    assert stored["summary"]["significant_chance"][key] == pytest.approx(chance, abs=1e-6)
    unsaturated = [s for s in steps if not s["saturated"]]
    assert stored["summary"]["unsaturated"]["steps"] == len(unsaturated)
    assert stored["summary"]["saturated"]["count"] == len(steps) - len(unsaturated)


def test_saturated_steps_are_counted_apart():
    """reverse/dot copies with p ~ 1 at every step: all saturated, no unsaturated statistics."""
    translator = load_model("reverse/dot")
    result = agreement(translator, ["abcd"], ig_steps=4)
    summary = result["summary"]
    assert summary["saturated"] == {"count": 5, "share": 1.0}
    assert summary["unsaturated"]["steps"] == 0
    assert summary["unsaturated"]["tau"]["attention~integrated_gradients"]["median"] is None


def test_the_permutation_reports_the_distribution_of_its_steps(reverse_dot):
    result = permutation(reverse_dot, ["abcdef", "hello world"], n_seeds=5)
    summary = result["summary"]
    means = [s["mean_tvd"] for e in result["per_example"] for s in e["steps"]]
    assert summary["mean_tvd"] == pytest.approx(statistics.fmean(means))
    assert summary["share_tvd_above_half"] == pytest.approx(sum(m > 0.5 for m in means) / len(means))
    assert sum(summary["tvd"]["histogram"]["counts"]) == len(means) == summary["steps"]
    assert summary["tvd"]["p50"] == pytest.approx(statistics.median(means))
    assert summary["tvd"]["max"] == max(means)
    stored = json.loads(json.dumps(results.stored_form("permutation", {**result, "n": 2})))
    again = split_tvd(stored["per_example"])
    assert again["mean_tvd"] == pytest.approx(summary["mean_tvd"])
    assert again["share_tvd_above_half"] == summary["share_tvd_above_half"]
    assert again["tvd"]["histogram"] == summary["tvd"]["histogram"]
    for example in result["per_example"]:
        tvds = [s["mean_tvd"] for s in example["steps"]]
        assert example["max_tvd"] == max(tvds) and example["above_half"] == sum(t > 0.5 for t in tvds)


@pytest.mark.parametrize("n", [2, 4, 5, 7, 9])
def test_the_chance_level_is_the_exact_null_that_scipy_tests_against(n):
    """chance_share(n) is the share of all n! orders whose tau is positive with scipy's p < 0.05.

    Every order is counted by brute force; scipy is asked once per inversion count (an order's tau and its
    exact p depend on nothing else), not once per order: n = 9 is 362,880 orders and 37 counts."""
    import itertools
    from collections import Counter

    from scipy.stats import kendalltau

    counts: Counter[int] = Counter()
    example: dict[int, tuple[int, ...]] = {}
    for order in itertools.permutations(range(n)):
        inversions = sum(a > b for i, a in enumerate(order) for b in order[i + 1 :])
        counts[inversions] += 1
        example.setdefault(inversions, order)
    hits = 0
    for inversions, how_many in counts.items():
        tau, p = kendalltau(range(n), example[inversions])
        hits += how_many * (tau > 0 and p < 0.05)
    assert sum(counts.values()) == math.factorial(n)
    assert chance_share(n) == pytest.approx(hits / math.factorial(n), abs=1e-12)
    assert chance_share(n) < 0.025


def test_short_steps_and_unconverged_integrated_gradients_are_left_out_and_counted():
    keys = ("attention~integrated_gradients", "attention~leave_one_out")

    def step(tau, p, ranked=6, converged=True):
        return {
            "tau": dict.fromkeys(keys, tau),
            "tau_p": dict.fromkeys(keys, p),
            "ranked": ranked,
            "saturated": False,
            "ig_converged": converged,
            "ig_points": 32,
            "ig_delta": 0.0,
        }

    steps = [step(0.9, 0.01), step(1.0, 1.0, ranked=2), step(0.8, 0.02, converged=False), step(-0.9, 0.01)]
    counts = example_counts(steps, keys)
    assert counts["short"] == 1 and counts["ig_unconverged"] == 1
    # the 2-token step enters no mean; the unconverged step enters no tau with integrated gradients
    assert counts["tau"]["attention~integrated_gradients"] == pytest.approx((0.9 - 0.9) / 2)
    assert counts["tau"]["attention~leave_one_out"] == pytest.approx((0.9 + 0.8 - 0.9) / 3)
    assert counts["defined"] == [2, 3]
    assert counts["significant"] == [1, 2]  # a significant negative tau is no agreement
    assert counts["chance"][1] == pytest.approx(3 * chance_share(6), abs=1e-6)
    summary = split_summary([{**counts, "steps": steps, "length": 5}], keys)
    assert summary["short"] == 1 and summary["ig"]["unconverged"] == 1
    assert summary["significant_chance"]["attention~leave_one_out"] == pytest.approx(chance_share(6), abs=1e-6)
