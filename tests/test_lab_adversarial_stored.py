"""What is stored of the new lab results (seq2seq/lab/results.py) and the trained uniform baseline.

Adversarial attention's stored form keeps the bound (every stored TVD within 0.05) and every step's JSD,
from which its summary is computed again; seed variance and alignment keep what the page needs; a file
with the new keys loads, one with a broken new key does not; the uniform experiment names the trained
uniform model beside the swap; scripts/lab_results.py stores only length for a fixed-attention model and
a seed variance only where seed models are found.
"""

from __future__ import annotations

import json

import pytest
import torch

from seq2seq.lab import names, results, results_readme
from seq2seq.lab import uniform as uniform_module
from seq2seq.lab.adversarial import TVD_BOUND, adversarial, saturation, split_jsd
from seq2seq.lab.run import run
from seq2seq.lab.seed_variance import seed_variance
from tests.helpers import tiny_translator
from tests.script_loader import load_script

torch.set_num_threads(1)

SOURCES = ["abc", "hgfedcba"]


@pytest.fixture(scope="module")
def adversarial_result():
    return adversarial(tiny_translator(seed=0), SOURCES, restarts=2, iterations=15)


def test_the_stored_adversarial_keeps_the_bound_and_every_steps_jsd(adversarial_result):
    stored = results.stored_form("adversarial", {"n": 2, "split": "test", **adversarial_result})
    summary = stored["summary"]
    assert summary["tvd_bound"] == TVD_BOUND == 0.05
    tvds = [t for e in stored["per_example"] for t in e["tvd"]]
    jsds = [j for e in stored["per_example"] for j in e["jsd"]]
    assert tvds and all(0.0 <= t <= 0.05 for t in tvds)
    assert summary["max_tvd"] == max(tvds) <= 0.05
    assert summary["steps"] == len(jsds) == sum(len(e["steps"]) for e in adversarial_result["per_example"])
    again = json.loads(json.dumps(split_jsd(jsds)))
    assert {k: summary[k] for k in again} == again  # the summary's spread, from the stored steps
    assert summary["mean_jsd"] == pytest.approx(sum(jsds) / len(jsds))
    assert sum(summary["histogram"]["counts"]) == len(jsds)
    assert set(stored["per_example"][0]) == {"source", "output", "median_jsd", "jsd", "tvd", "p"}


def test_the_stored_seed_variance_keeps_the_steps_of_its_first_examples_only():
    main = tiny_translator(seed=0)
    sources = ["abc", "hgfedcba", "a b c", "e", "ab"]
    result = seed_variance(main, [("s1", tiny_translator(seed=1))], sources)
    stored = results.stored_form("seed_variance", {"n": 5, **result})
    assert len(stored["per_example"]) == 5
    assert [("jsd" in e) for e in stored["per_example"]] == [True] * results.STEPS_KEPT + [False] * 2
    assert all(set(e) >= {"source", "output", "mean_jsd", "identical", "steps"} for e in stored["per_example"])
    assert stored["summary"]["steps"] == sum(e["steps"] for e in stored["per_example"])


def test_a_file_with_the_new_keys_loads_and_a_broken_one_does_not(tmp_path, adversarial_result):
    entry = {
        "weights": "x",
        "adversarial": results.stored_form("adversarial", adversarial_result),
        "alignment": {"summary": {"aer": {"attention": 0.0}}, "per_example": []},
    }
    data = {"format": results.FORMAT, "task": "dates", "settings": {"n": {}}, "by_model": {"dates/dot": entry}}
    results.save("dates", data, tmp_path)
    loaded, note = results.load("dates", tmp_path)
    assert note is None and loaded["by_model"]["dates/dot"]["adversarial"]["summary"]["tvd_bound"] == 0.05
    entry["seed_variance"] = {"summary": [], "per_example": []}
    results.save("dates", data, tmp_path)
    loaded, note = results.load("dates", tmp_path)
    assert loaded is None and "seed_variance's 'summary' is not an object" in note


def test_a_new_experiments_n_leaves_the_others_settings_the_same():
    old = {"split": "test", "n": {"agreement": 40, "uniform": 200}, "method": 2}
    assert results.same_settings(old, {**old, "n": {"agreement": 40, "uniform": 200, "adversarial": 15}})
    assert not results.same_settings(old, {**old, "n": {"agreement": 41, "uniform": 200}})


def test_the_readme_shows_the_new_tables(adversarial_result):
    record = {"adversarial": results.stored_form("adversarial", adversarial_result)}
    record["alignment"] = {"summary": {"aer": {"attention": 0.25, "grad_x_input": 0.5}, "steps": 8}}
    data = {"settings": {"n": {"adversarial": 2, "alignment": 3}, "method": 2}, "by_model": {"dates/dot": record}}
    text = results_readme.markdown("dates", data)
    assert "TVD ≤ 0.05" in text and "| dates/dot | " + str(record["adversarial"]["summary"]["steps"]) in text
    assert "| dates/dot | 8 | 0.250 | 0.500 | – | – | – |" in text


# -- the trained uniform baseline --------------------------------------------------------------------------------
def test_uniform_names_the_trained_uniform_model_beside_the_swap(monkeypatch):
    trained = tiny_translator(seed=3, scorer="uniform")
    monkeypatch.setattr(uniform_module, "trained_uniform_name", lambda task: f"{task}/uniform")
    monkeypatch.setattr("seq2seq.checkpoint.load_model", lambda name, device="cpu": trained)
    result = uniform_module.uniform_quality(tiny_translator(seed=0), "reverse", n=4)
    refs = [e["references"] for e in result["per_example"]]
    outputs = trained.translate_batch([e["source"] for e in result["per_example"]])
    assert result["trained_uniform_model"] == "reverse/uniform"
    assert [e["trained_uniform"] for e in result["per_example"]] == outputs
    from seq2seq.tasks import get_task

    assert result["trained_uniform"] == get_task("reverse").metric.score(outputs, refs)["exact_match"]
    stored = results.stored_form("uniform", run_form(result))
    assert set(stored["outputs"]) == {"model", "uniform", "trained_uniform"}


def run_form(result: dict) -> dict:
    """The uniform result as `seq2seq.lab.run.run` gives it: per_example apart from the summary."""
    result = dict(result)
    per_example, _ = result.pop("per_example"), result.pop("interrupted")
    return {"n": result["n"], "per_example": per_example, "summary": result}


def test_uniform_without_a_registered_trained_model_has_no_trained_key(monkeypatch):
    monkeypatch.setattr(uniform_module, "trained_uniform_name", lambda task: None)
    result = uniform_module.uniform_quality(tiny_translator(seed=0), "reverse", n=2)
    assert "trained_uniform" not in result and "trained_uniform" not in result["per_example"][0]


# -- the script and the command line ---------------------------------------------------------------------------
def _script():
    return load_script("lab_results.py", "lab_results_new_keys")


def test_the_script_stores_what_applies_to_each_model():
    from seq2seq.registry import ModelEntry

    script = _script()

    def entry(task, scorer):
        return ModelEntry.from_dict({"name": f"{task}/{scorer}", "path": "x", "task": task, "scorer": scorer})

    assert script.experiments_of(entry("dates", "uniform")) == names.FIXED_ATTENTION == ("length",)
    assert script.experiments_of(entry("dates", "none")) == names.WITHOUT_ATTENTION
    assert script.experiments_of(entry("dates", "dot")) == (*names.MODEL_EXPERIMENTS, "adversarial", "alignment")
    assert script.experiments_of(entry("en-fr", "dot")) == (*names.MODEL_EXPERIMENTS, "adversarial")
    assert set(script.N) >= set(names.MODEL_EXPERIMENTS) | set(names.WHERE_THEY_APPLY)
    dot = entry("dates", "dot")
    stored = {"weights": "w", **dict.fromkeys(script.experiments_of(dot), {})}
    stored["agreement"] = {"version": results.AGREEMENT_VERSION}
    assert script.missing(stored, dot, "w", {}) == []
    # an agreement computed the way before (results.AGREEMENT_VERSION) is computed again, and only it
    assert script.missing({**stored, "agreement": {"version": results.AGREEMENT_VERSION - 1}}, dot, "w", {}) == [
        "agreement"
    ]
    assert script.missing(stored, dot, "w", {"dates/dot-seed1": "s"}) == ["seed_variance"]
    stored["seed_variance"] = {"weights": {"dates/dot-seed1": "s"}}
    assert script.missing(stored, dot, "w", {"dates/dot-seed1": "s"}) == []
    assert script.missing(stored, dot, "retrained", {})[-1] == "alignment"
    # the task's trained uniform model appears (or is retrained): the uniform experiment sets it beside the swap
    assert script.missing(stored, dot, "w", {"dates/dot-seed1": "s"}, trained_uniform="u") == ["uniform"]
    stored["uniform"] = {"trained_weights": "u"}
    assert script.missing(stored, dot, "w", {"dates/dot-seed1": "s"}, trained_uniform="u") == []


def test_the_command_line_says_when_no_seed_model_is_found(capsys, monkeypatch, tmp_path):
    from seq2seq.cli import main
    from seq2seq.lab import seeds

    monkeypatch.setattr(seeds, "SEEDS_FOLDER", str(tmp_path / "no-seeds"))
    code = main(["lab", "--model", "reverse/dot", "--experiment", "seed_variance", "--n", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: the seed_variance experiment compares reverse/dot with models of other seeds")


def test_the_experiments_are_named():
    assert set(names.WHERE_THEY_APPLY) <= set(names.EXPERIMENTS)
    assert names.READS_LEARNED_ATTENTION <= set(names.EXPERIMENTS)
    with pytest.raises(ValueError, match="seed_variance"):
        run("seed_variance", tiny_translator(seed=0), "reverse", n=1)  # no seed model: an InputError


def test_saturated_steps_are_counted_apart_with_the_jsd_of_the_others():
    got = saturation([0.69, 0.6, 0.1, 0.3], [0.999, 0.995, 0.5, 0.98])
    assert got["saturated"] == {"count": 2, "share": 0.5}
    assert got["unsaturated"]["steps"] == 2 and got["unsaturated"]["mean_jsd"] == pytest.approx(0.2)
    assert got["unsaturated"]["share_above_half"] == 0.0  # 0.1 and 0.3 nats: both under half of ln 2
    assert saturation([0.6], [0.999])["unsaturated"] == {"steps": 0, "mean_jsd": None, "share_above_half": None}


def test_the_stored_adversarial_keeps_each_steps_probability_and_its_saturation(adversarial_result):
    stored = results.stored_form("adversarial", {"n": 2, "split": "test", **adversarial_result})
    ps = [p for e in stored["per_example"] for p in e["p"]]
    jsds = [j for e in stored["per_example"] for j in e["jsd"]]
    assert len(ps) == len(jsds) and all(0.0 < p <= 1.0 for p in ps)
    assert {k: stored["summary"][k] for k in ("saturated", "unsaturated")} == saturation(jsds, ps)
