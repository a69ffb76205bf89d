"""Seed variance (seq2seq/lab/seed_variance.py) and the seed models' folders (seq2seq/lab/seeds.py).

A seed model identical to the shipped one gives JSD 0 at every step and the same output; another seed's
JSD is the JSD of the two models' rows, computed again by hand; the comparison with adversarial attention
counts the shared steps on hand-made data; seed folders are found in the released place first, built only
from a registered model's name, and only when they hold a model.
"""

from __future__ import annotations

import math

import pytest
import torch

from seq2seq.lab import seeds as seed_folders_module
from seq2seq.lab.perturb import HALF_JSD, LN2
from seq2seq.lab.seed_variance import (
    compare_adversarial,
    from_stored_adversarial,
    seed_variance,
    split_seed_variance,
)
from seq2seq.tokenizers import CharTokenizer
from tests.helpers import tiny_translator

torch.set_num_threads(1)

SOURCES = ("abc", "hgfedcba", "a b c")


def _kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q, strict=True) if a > 0)


def test_a_seed_identical_to_the_model_gives_jsd_zero_and_the_same_outputs():
    main, same = tiny_translator(seed=0), tiny_translator(seed=0)
    result = seed_variance(main, [("tiny-seed1", same)], SOURCES)
    summary = result["summary"]
    assert all(v == 0.0 for e in result["per_example"] for per_seed in e["jsd"] for v in per_seed)
    assert summary["jsd"]["max"] == 0.0 and summary["median_jsd"]["median"] == 0.0
    assert summary["share_above_half"] == 0.0 and summary["identical_outputs"] == 1.0
    assert summary["n_seeds"] == 1 and summary["seeds"] == ["tiny-seed1"]
    assert summary["steps"] == sum(len(main.greedy(s).steps) for s in SOURCES)
    assert summary["by_seed"]["tiny-seed1"]["identical_outputs"] == 1.0


def test_another_seeds_jsd_is_that_of_the_two_models_rows_on_the_models_output():
    main, other = tiny_translator(seed=0), tiny_translator(seed=1)
    result = seed_variance(main, [("a", other), ("b", main)], ["hgfedcba"])
    (example,) = result["per_example"]
    trace = main.greedy("hgfedcba")
    forced = other.force_ids("hgfedcba", [s.token_id for s in trace.steps])
    for t, (mine, theirs) in enumerate(zip(trace.steps, forced.steps, strict=True)):
        p, q = [float(x) for x in mine.attention], [float(x) for x in theirs.attention]
        m = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
        by_hand = 0.5 * _kl(p, m) + 0.5 * _kl(q, m)
        assert example["jsd"][0][t] == pytest.approx(by_hand, abs=1e-6)
        assert example["jsd"][1][t] == 0.0  # the model itself as a seed
    assert example["positions"] == list(range(len(trace.steps)))
    assert example["identical"] == [other.greedy("hgfedcba").output == trace.output, True]
    pooled = [v for per_seed in example["jsd"] for v in per_seed]
    assert result["summary"]["jsd"]["mean"] == pytest.approx(sum(pooled) / len(pooled))
    assert result["summary"]["by_seed"]["b"]["jsd"]["max"] == 0.0


def test_the_summary_is_recomputed_from_hand_made_examples():
    examples = [
        {"positions": [0, 1], "jsd": [[0.0, LN2], [0.1, 0.2]], "identical": [True, False], "mean_jsd": [LN2 / 2, 0.15]},
        {"positions": [0], "jsd": [[0.5], [0.3]], "identical": [True, True], "mean_jsd": [0.5, 0.3]},
    ]
    summary = split_seed_variance(examples, ["s1", "s2"])
    assert summary["steps"] == 3 and summary["n_seeds"] == 2
    assert summary["identical_outputs"] == pytest.approx(3 / 4)
    assert summary["by_seed"]["s1"]["identical_outputs"] == 1.0 and summary["by_seed"]["s2"]["identical_outputs"] == 0.5
    # pooled steps: 0, ln2, 0.1, 0.2, 0.5, 0.3: above half of ln 2 (0.347): ln2 and 0.5
    assert summary["share_above_half"] == pytest.approx(2 / 6)
    assert summary["by_seed"]["s1"]["share_above_half"] == pytest.approx(2 / 3)
    assert summary["jsd"]["mean"] == pytest.approx((LN2 + 0.1 + 0.2 + 0.5 + 0.3) / 6)
    assert sum(summary["histogram"]["counts"]) == 6  # ln 2 itself falls in the last bin
    assert HALF_JSD == pytest.approx(0.5 * math.log(2))


def test_adversarial_attention_beside_the_seeds_on_the_same_steps():
    seeded = [{"source": "x", "positions": [0, 1, 2], "jsd": [[0.1, 0.5, 0.0], [0.2, 0.1, 0.0]]}]
    adversarial = {
        "per_example": [
            {"source": "x", "steps": [{"position": 0, "jsd": 0.6}, {"position": 1, "jsd": 0.4}]},
            {"source": "not seeded", "steps": [{"position": 0, "jsd": 0.6}]},
        ],
        "summary": {"tvd_bound": 0.05},
    }
    found = compare_adversarial(seeded, adversarial)
    # step 0: 0.6 > max(0.1, 0.2); step 1: 0.4 < max(0.5, 0.1)
    assert found["steps"] == 2 and found["further"] == 0.5 and found["tvd_bound"] == 0.05
    assert found["median_difference"] == pytest.approx(((0.6 - 0.2) + (0.4 - 0.5)) / 2)
    assert found["adversarial"]["jsd"]["mean"] == pytest.approx(0.5) and found["seed"]["jsd"]["max"] == 0.5
    assert compare_adversarial(seeded, {"per_example": []}) is None
    stored = {"per_example": [{"source": "x", "jsd": [0.6, 0.4]}], "summary": {"tvd_bound": 0.05}}
    # the stored form reads back as the steps it came from (a step's position is its index)
    assert compare_adversarial(seeded, from_stored_adversarial(stored)) == found
    assert from_stored_adversarial(None) is None


def test_the_adversarial_comparison_measures_sources_outside_the_sample_too():
    main = tiny_translator(seed=0)
    steps = len(main.greedy("hgfedcba").steps)
    adversarial = {
        "per_example": [{"source": "hgfedcba", "steps": [{"position": t, "jsd": 0.5} for t in range(steps)]}],
        "summary": {"tvd_bound": 0.05},
    }
    result = seed_variance(main, [("same", tiny_translator(seed=0))], ["abc"], adversarial)
    assert [e["source"] for e in result["per_example"]] == ["abc"]  # the summary's sample alone
    compared = result["summary"]["adversarial"]
    assert compared["steps"] == steps and compared["further"] == 1.0 and compared["seed"]["jsd"]["max"] == 0.0


def test_a_seed_of_another_vocabulary_or_no_seed_is_refused():
    main = tiny_translator(seed=0)
    other = tiny_translator(seed=0)
    other.source_tokenizer = CharTokenizer("abcdefgi ")  # the same size, one piece other
    with pytest.raises(ValueError, match="vocabulary"):
        seed_variance(main, [("other", other)], SOURCES)
    with pytest.raises(ValueError, match="no seed models"):
        seed_variance(main, [], SOURCES)


# -- where the seed models are ------------------------------------------------------------------------------------
def _model_folder(folder, weights: bool = True):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    if weights:
        (folder / "model.safetensors").write_bytes(b"")


def test_seed_folders_released_first_then_the_runs_folder(tmp_path, monkeypatch):
    from seq2seq.registry import default_root

    runs = tmp_path / "runs"
    # released: <registry root>/seeds/<task>/<variant>-seed<k>; none yet (the shipped ones are elsewhere)
    monkeypatch.setattr(seed_folders_module, "SEEDS_FOLDER", str(tmp_path / "released"))
    _model_folder(runs / "s1" / "dates" / "dot")
    _model_folder(runs / "s2" / "dates" / "dot")
    _model_folder(runs / "s3" / "dates" / "dot", weights=False)  # still training: no weights yet
    found = seed_folders_module.seed_folders("dates/dot", runs)
    assert [(m.seed, m.released, m.name) for m in found] == [
        (1, False, "dates/dot-seed1"),
        (2, False, "dates/dot-seed2"),
    ]
    assert found[0].folder == runs / "s1" / "dates" / "dot"
    # a released seed is taken before the runs folder's
    assert (default_root() / seed_folders_module.SEEDS_FOLDER) == tmp_path / "released"  # an absolute path wins
    _model_folder(tmp_path / "released" / "dates" / "dot-seed2")
    found = seed_folders_module.seed_folders("dates/dot", runs)
    assert [(m.seed, m.released) for m in found] == [(1, False), (2, True)]
    assert found[1].folder == tmp_path / "released" / "dates" / "dot-seed2"


def test_seed_folders_only_for_registered_models(tmp_path):
    _model_folder(tmp_path / "s1" / "dates" / "nope")
    for name in ("dates/nope", "../dates/dot", "dates/dot/../../x", "", "user/x"):
        assert seed_folders_module.seed_folders(name, tmp_path) == []
