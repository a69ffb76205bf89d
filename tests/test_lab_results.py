"""The stored lab results (pretrained/lab/<task>.json, scripts/lab_results.py) are what the lab computes.

- Quick mode (the default run): for one model of each kind (reverse/dot, dates/general, en-fr/general)
  every stored experiment is rerun through `seq2seq.lab.run.run` (what `python -m seq2seq lab` runs) on
  the first few stored examples, and each example's stored record is reproduced (floats within
  1e-5; a teacher-forced log-likelihood, batched with other pairs than when it was stored, within 1e-5 of
  its size); likewise the scorer table's rows for that model. Results stored by an older method of the lab
  (`results.stale`) cannot be reproduced by this code: those checks are skipped, saying so, until
  scripts/lab_results.py computes them again; everything that reads them is still checked.
- Every stored summary (medians and intervals, bucket values, metrics, perplexities, tau) is recomputed
  from the stored per-example values with the lab's own functions, and lies within its interval.
- Every shipped model has its results, computed on its current weights with the script's settings; the
  files stay small; README.md is what the script writes from them.
- `results.load` never raises: a missing file is (None, None), a broken one (None, note).
- `-m slow`: the whole of each task rerun, every stored number reproduced.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path

import pytest
import torch

from seq2seq.lab import results, results_readme, stats
from seq2seq.lab.adversarial import saturation, split_jsd
from seq2seq.lab.agreement import split_summary
from seq2seq.lab.alignment import split_alignment
from seq2seq.lab.length import bucket_rows, length_sources, split_examples
from seq2seq.lab.names import MODEL_EXPERIMENTS, WHERE_THEY_APPLY
from seq2seq.lab.permutation import split_tvd
from seq2seq.lab.run import jsonable, run
from seq2seq.lab.sample import POOL
from seq2seq.lab.table import perplexity, scorer_table, task_models, tau_columns
from seq2seq.registry import registry, resolve
from seq2seq.scorers import learns_where_to_look
from seq2seq.tasks import TASKS as REGISTERED
from seq2seq.tasks import get_task
from tests.script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT.parent / "shared" / "data"
QUICK = {"agreement": 2, "permutation": 3, "uniform": 5, "length": 5, "table": 3}
CASES = ("reverse/dot", "dates/general", "en-fr/general")  # a copying task, a reading task, a translation
MAX_TOTAL_BYTES = 4 * 2**20  # all of pretrained/lab/: about 0.7 MB a task, agreement kept under both definitions
# The tasks with shipped models (the manifest), in display order: a task without them has no stored results.
TASKS = tuple(t for t in REGISTERED if any(e.task == t for e in registry(ROOT / "pretrained")))


def _script():
    return load_script("lab_results.py")


@pytest.fixture(autouse=True)
def one_thread():
    """The results were computed on one thread; the lab's values do not depend on it, but its sums' order might."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def stored(task: str) -> dict:
    data, note = results.load(task)
    assert note is None, note
    assert data is not None, f"no stored lab results for {task}: run scripts/lab_results.py --tasks {task}"
    return data


def skip_if_stale(task: str, data: dict) -> None:
    """Skip, saying why, when the stored results are of an older method than this code computes, or their
    agreement of an older version (`results.AGREEMENT_VERSION`: the script recomputes only it)."""
    if results.stale(data):
        pytest.skip(
            f"pretrained/lab/{task}.json was computed by method {results.method_of(data)} of the lab, this code "
            f"computes method {results.METHOD}: run scripts/lab_results.py --tasks {task} to reproduce it"
        )
    versions = {
        (record["agreement"] or {}).get("version", 1)
        for record in data["by_model"].values()
        if isinstance(record.get("agreement"), dict)
    }
    if versions - {results.AGREEMENT_VERSION}:
        pytest.skip(
            f"pretrained/lab/{task}.json's agreement was computed by version {sorted(versions)} of it, this code "
            f"computes version {results.AGREEMENT_VERSION} (issue 64: integrated gradients judged against "
            f"|f(x) - f(x')|): run scripts/lab_results.py --tasks {task} to recompute it"
        )


def data_for(task: str, data: dict) -> str | None:
    """The corpus a task's results were computed on, here; skip when it is absent or another file."""
    corpus = data["settings"]["data"]
    if corpus is None:
        return None
    file = DATA_DIR / corpus["file"]
    if not file.is_file():
        pytest.skip(f"{file} is not here: the {task} results cannot be rerun")
    if results.file_digest(file) != corpus["sha256"]:
        pytest.skip(f"{file} is not the file the {task} results were computed on")
    return str(file)


def same(new, old, where: str = "") -> None:
    """`new` equals `old`: the same keys and lengths, strings and flags equal, numbers within tolerance."""
    if isinstance(old, dict):
        assert isinstance(new, dict) and set(new) == set(old), f"{where}: keys {sorted(new)} != {sorted(old)}"
        for key in old:
            same(new[key], old[key], f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), f"{where}: {new!r} != {old!r}"
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(old, float) and not isinstance(new, bool) and isinstance(new, int | float):
        relative = 1e-5 if where.endswith(".nll") else 0.0  # teacher forcing batched with other pairs
        # float32 sums come out a few 1e-6 apart on another CPU (en-fr/general's median TVD: 0.1753310 here,
        # 0.1753330 stored); 1e-5 still catches any change of method, data or model.
        assert math.isclose(new, old, rel_tol=relative, abs_tol=1e-5), f"{where}: {new!r} != {old!r}"
    else:
        assert new == old, f"{where}: {new!r} != {old!r}"


def whole_sources(pairs: list[str], k: int) -> int:
    """The fewest first pairs, at least `k`, that hold every pair of their sources among `pairs`.

    The table sums a source's log-likelihood over its pairs among the first n (a corpus source can have
    several translations): a quick run over fewer pairs gives the same sums only for sources it takes whole.
    """
    while any(source in pairs[k:] for source in pairs[:k]):
        k += 1
    return k


def by_source(examples: list[dict]) -> dict[str, dict]:
    return {e["source"]: e for e in examples}


# -- the files ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("task", TASKS)
def test_every_shipped_model_has_results_computed_on_its_weights_with_the_scripts_settings(task):
    data = stored(task)
    script = _script()
    settings = data["settings"]
    assert (settings["data"] is None) == (not get_task(task).needs_data)
    entries = task_models(task)
    assert list(data["by_model"]) == [e.name for e in entries]
    for entry in entries:
        record = data["by_model"][entry.name]
        assert record["weights"] == results.weights_digest(resolve(entry.name)), (
            f"{entry.name} was retrained after its lab results: run scripts/lab_results.py --tasks {task}"
        )
    table = data["table"]
    assert [row["model"] for row in table["rows"]] == [e.name for e in entries]
    assert table["weights"] == {name: record["weights"] for name, record in data["by_model"].items()}
    assert table["n"] == settings["n"]["table"] and table["ig_steps"] == settings["ig_steps"]
    skip_if_stale(task, data)  # an older method's file lacks the experiments added since: it is recomputed whole
    for entry in entries:
        record = data["by_model"][entry.name]
        wanted = script.experiments_of(entry)  # seed variance apart: only where seed models are found
        assert [e for e in (*MODEL_EXPERIMENTS, *WHERE_THEY_APPLY) if e in record and e != "seed_variance"] == [
            e for e in (*MODEL_EXPERIMENTS, *WHERE_THEY_APPLY) if e in wanted
        ]
        for experiment in wanted:
            assert record[experiment]["n"] == settings["n"][experiment]
    assert (settings["split"], settings["n"], settings["ig_steps"], settings["seeds"]) == (
        script.SPLIT,
        script.N,
        script.IG_STEPS,
        script.SEEDS,
    )
    assert settings["ig"] == script.ig_settings() and settings["measures"] == list(script.MEASURES)
    for record in data["by_model"].values():
        if "agreement" not in record:  # a model with fixed attention stores only its length
            continue
        assert record["agreement"]["measures"] == script.MEASURES[0]
        assert all(record["agreement"][m]["measures"] == m for m in script.MEASURES[1:])
        # computed the current way: J&W's leave-one-out as output TVD, the exclusions, the chance level
        assert record["agreement"].get("version") == results.AGREEMENT_VERSION, (
            f"{task}: stale agreement entries: run scripts/lab_results.py --tasks {task}"
        )
        assert "significant_chance" in record["agreement"]["summary"] and "short" in record["agreement"]["summary"]


def test_an_agreement_of_another_version_is_recomputed_alone():
    """The script recomputes a stale agreement entry (`results.AGREEMENT_VERSION`) and keeps the rest."""
    from types import SimpleNamespace

    script = _script()
    entry = SimpleNamespace(name="dates/dot", task="dates", scorer="dot")
    stored = {e: {} for e in script.experiments_of(entry)} | {"weights": "w", "uniform": {"trained_weights": None}}
    stored["agreement"] = {"version": results.AGREEMENT_VERSION}
    assert script.missing(stored, entry, "w", {}) == []
    stored["agreement"] = {}  # stored before versions: Jain & Wallace's leave-one-out as |Δ log p|
    assert script.missing(stored, entry, "w", {}) == ["agreement"]


def test_the_stored_files_are_small_and_the_readme_is_written_from_them():
    folder = results.folder()
    files = [p for p in folder.iterdir() if p.is_file()]
    assert {p.name for p in files} == {f"{t}.json" for t in TASKS} | {results.README}
    assert sum(p.stat().st_size for p in files) <= MAX_TOTAL_BYTES
    assert (folder / results.README).read_text(encoding="utf-8") == results_readme.readme_text(), (
        "pretrained/lab/README.md is not what the JSON files say: run scripts/lab_results.py --readme"
    )


def test_the_stored_results_were_computed_at_one_clean_commit():
    """Issue 64: pretrained/lab/ refreshed at one commit: every record of every task names the same commit, none
    computed with uncommitted changes ("+changes"), and the README says which."""
    named = [c for task in TASKS for c in results_readme.commits(results.load(task)[0])]
    assert len(set(named)) == 1, sorted(set(named))
    (commit,) = set(named)
    assert len(commit) == 40 and "+" not in commit, commit
    readme = (results.folder() / results.README).read_text(encoding="utf-8")
    assert f"Every record ({len(named)}) was computed at commit `{commit}`." in readme


def test_the_readme_names_every_commit_when_the_records_differ():
    line = results_readme.commits_line(
        [{"settings": {"commit": "a"}, "by_model": {"x": {"commit": "a"}, "y": {"commit": "b+changes"}}}]
    )
    assert line == "The records (3) name 2 commits: `a` (2), `b+changes` (1).\n"
    assert results_readme.commits_line([{"settings": {}, "by_model": {}}]).startswith("The records (1) name 1")


# -- quick mode: the first few examples rerun ----------------------------------------------------------------
@pytest.fixture(scope="module")
def translators():
    from seq2seq.checkpoint import load_model

    return {name: load_model(name) for name in CASES}


@pytest.mark.parametrize("name", CASES)
def test_a_quick_rerun_reproduces_the_stored_examples(name, translators):
    task = name.split("/")[0]
    data = stored(task)
    skip_if_stale(task, data)
    check_quick_rerun(name, data, translators[name], data_for(task, data))


def check_quick_rerun(name: str, data: dict, translator, corpus: str | None) -> None:
    """The first few examples of each of `name`'s stored experiments (and its table row), rerun, are as stored."""
    task = name.split("/")[0]
    split = data["settings"]["split"]
    record = data["by_model"][name]
    settings = data["settings"]
    quick_n = {key: min(k, settings["n"][key]) for key, k in QUICK.items()}
    for experiment in MODEL_EXPERIMENTS:
        kept = record[experiment]
        where = f"{name} {experiment}"
        if experiment in ("agreement", "permutation"):  # the first few of the stored sources, rerun
            sources = [e["source"] for e in kept["per_example"][: quick_n[experiment]]]
            found = run(
                experiment, translator, task, split, len(sources), corpus, settings["ig_steps"],
                settings["seeds"], measures=settings["measures"], sources=sources,
            )  # fmt: skip
            quick = results.stored_form(experiment, found)
            others = [m for m in settings["measures"][1:] if experiment == "agreement"]
            for measures, new, part in [("", quick, kept)] + [(m, quick[m], kept[m]) for m in others]:
                by = by_source(part["per_example"])
                assert len(new["per_example"]) == len(sources), where
                for example in new["per_example"]:
                    same(example, by[example["source"]], f"{where} {measures} {example['source']!r}")
            continue
        found = run(experiment, translator, task, split, quick_n[experiment], corpus, settings["ig_steps"])
        quick = results.stored_form(experiment, found)
        if experiment == "uniform":  # the first k of the same sources, in the same order
            for key in ("model", "uniform"):
                assert len(quick["outputs"][key]) == quick_n[experiment]
                same(quick["outputs"][key], kept["outputs"][key][: quick_n[experiment]], f"{where} {key}")
        else:  # length: its sources are picked per n: matched through the task's lists
            width = kept["width"]
            index = {s: i for i, s in enumerate(length_sources(task, split, settings["n"]["length"], corpus, width)[0])}
            quick_sources = length_sources(task, split, quick_n["length"], corpus, width)[0]
            assert len(quick_sources) == len(quick["outputs"]) >= quick_n["length"]
            for i, source in enumerate(quick_sources):
                assert source in index, f"{where}: {source!r} is not among the stored sources"
                assert quick["outputs"][i] == kept["outputs"][index[source]], f"{where} {source!r}"
                assert (i in quick["refused"]) == (index[source] in kept["refused"]), f"{where} {source!r}"
    if not data.get("table"):
        return
    pairs = [e.source for e in split_examples(task, split, settings["n"]["table"], corpus)]
    k = whole_sources(pairs, quick_n["table"])
    quick = results.stored_form(
        "table", scorer_table(task, k, corpus, settings["ig_steps"], split=split, models=[name])
    )
    (row,) = quick["rows"]
    assert len(row["per_example"]) >= quick_n["table"] - 1, row["per_example"]  # distinct sources of the first pairs
    (old,) = [r for r in data["table"]["rows"] if r["model"] == name]
    kept = by_source(old["per_example"])
    for example in row["per_example"]:
        same(example, kept[example["source"]], f"{name} table {example['source']!r}")


# -- the summaries follow from the stored examples -----------------------------------------------------------
def agreement_pairs(summary: dict) -> list[tuple[str, dict]]:
    """The per-pair medians of an agreement summary (its other keys are method 2's split statistics)."""
    return [(key, value) for key, value in summary.items() if "~" in key]


def within(entry: dict, where: str) -> None:
    if entry["median"] is None:
        assert entry["n"] == 0 and entry["low"] is None and entry["high"] is None, where
    else:
        assert entry["low"] <= entry["median"] <= entry["high"], f"{where}: {entry}"


@pytest.mark.parametrize("task", TASKS)
def test_every_stored_summary_is_recomputed_from_the_stored_examples(task):
    data = stored(task)
    check_summaries(task, data, data_for(task, data))


def check_summaries(task: str, data: dict, corpus: str | None) -> None:
    """Every summary of a task's results (a table too, when there is one) from its stored examples."""
    settings = data["settings"]
    split, n = settings["split"], settings["n"]
    metric = get_task(task).metric
    uniform_refs = get_task(task).split_references(split, n["uniform"], 0, corpus)
    for name, record in data["by_model"].items():
        agreement = record.get("agreement") or {"summary": {}, "per_example": []}
        parts = [agreement] + [agreement[m] for m in settings.get("measures", [])[1:] if m in agreement]
        for part in parts:
            for pair, summary in agreement_pairs(part["summary"]):
                assert summary == stats.summary(e["tau"][pair] for e in part["per_example"]), (name, pair)
                within(summary, f"{name} agreement {pair}")
            if "significant_share" in part["summary"]:  # method 2: the rest of the summary from the counts
                keys = part["pairs"]  # the order of the examples' lists
                assert keys == [pair for pair, _ in agreement_pairs(part["summary"])]
                again = split_summary(part["per_example"], keys)
                same(json.loads(json.dumps(jsonable(again))), part["summary"], f"{name} agreement summary")
        if "permutation" in record:
            permutation = record["permutation"]
            for key in ("median_tvd", "fraction_changed"):
                summary = permutation["summary"][key]
                assert summary == stats.summary([e[key] for e in permutation["per_example"]], seed=0), (name, key)
                within(summary, f"{name} permutation {key}")
            assert permutation["summary"]["steps"] == sum(e["steps"] for e in permutation["per_example"])
            if "mean_tvd" in permutation["summary"]:  # method 2: the steps' distribution
                again = split_tvd(permutation["per_example"])
                summary = permutation["summary"]
                assert math.isclose(again["mean_tvd"], summary["mean_tvd"], abs_tol=1e-9), name
                assert again["share_tvd_above_half"] == summary["share_tvd_above_half"], name
                assert again["tvd"]["histogram"] == summary["tvd"]["histogram"], name
        if "uniform" in record:
            uniform = record["uniform"]
            refs = list(uniform_refs.values())
            for key in ("model", "uniform"):
                scores = metric.score(uniform["outputs"][key], refs)
                assert scores == uniform["summary"][f"{key}_scores"], (name, key)
                assert scores[metric.name] == uniform["summary"][key]
            assert uniform["summary"]["n"] == len(refs) == n["uniform"]
        if "adversarial" in record:  # every stored TVD within the bound, the steps' spread from their JSDs
            adversarial = record["adversarial"]
            bound = adversarial["summary"]["tvd_bound"]
            assert all(t <= bound for e in adversarial["per_example"] for t in e["tvd"]), name
            jsds = [j for e in adversarial["per_example"] for j in e["jsd"]]
            again = json.loads(json.dumps(jsonable(split_jsd(jsds))))
            same(again, {k: adversarial["summary"][k] for k in again}, f"{name} adversarial")
            if "saturated" in adversarial["summary"]:  # the steps where the model was sure, counted apart
                ps = [p for e in adversarial["per_example"] for p in e["p"]]
                again = json.loads(json.dumps(jsonable(saturation(jsds, ps))))
                same(again, {k: adversarial["summary"][k] for k in again}, f"{name} adversarial saturation")
        if "alignment" in record:  # every AER from the stored argmaxes and the task's gold
            found = record["alignment"]
            known = get_task(task).examples(split, max(POOL, n["alignment"]), 0)
            golds = [get_task(task).gold_for(e["source"], known).alignment for e in found["per_example"]]
            again = split_alignment(found["per_example"], golds)
            same(again["aer"], found["summary"]["aer"], f"{name} alignment")
        length = record["length"]
        sources, refs = length_sources(task, split, n["length"], corpus, length["width"])
        assert len(length["outputs"]) == len(sources)
        buckets = bucket_rows(task, sources, refs, length["outputs"], length["refused"], length["width"])
        same(buckets, length["buckets"], f"{name} length")
    corpus_refs = get_task(task).references(corpus, split) if corpus else {}
    targets = {e.source: e.target for e in split_examples(task, split, n["table"])} if not corpus else {}
    for row in (data.get("table") or {}).get("rows", []):
        examples = row["per_example"]
        where = f"{task} table {row['model']}"
        scored = [{"nll": e["nll"], "tokens": e["tokens"]} for e in examples if e["nll"] is not None]
        assert math.isclose(perplexity(scored), row["perplexity"], rel_tol=1e-9), where
        if metric.name == "bleu":
            refs = [corpus_refs[e["source"]] for e in examples]
        else:
            refs = [[targets[e["source"]]] for e in examples]
        assert metric.score([e["output"] for e in examples], refs)[metric.name] == row[metric.name], where
        taus = [e for e in examples if e["tau"] is not None]
        if row["tau"] is None:
            assert not taus and not learns_where_to_look(row["scorer"]), where
            continue
        steps = sum(e["tau_steps"] for e in taus)
        assert math.isclose(sum(e["tau"] * e["tau_steps"] for e in taus) / steps, row["tau"], abs_tol=1e-9), where
        assert row["tau_summary"] == stats.summary(e["tau"] for e in examples), where
        within(row["tau_summary"], where)
        if "significant_share" in row:  # method 2
            same(jsonable(tau_columns(examples)), {k: row[k] for k in tau_columns(examples)}, where)


# -- the loader ----------------------------------------------------------------------------------------------
def test_load_reads_what_save_wrote_and_a_missing_file_is_no_result_and_no_note(tmp_path):
    assert results.load("dates", tmp_path) == (None, None)
    data = {"format": results.FORMAT, "task": "dates", "settings": {"n": {}}, "by_model": {}, "table": None}
    data["by_model"]["dates/dot"] = {"weights": "x", "agreement": {"summary": {"a": float("nan")}}}
    path = results.save("dates", data, tmp_path)
    assert path == tmp_path / "lab" / "dates.json" and not list(path.parent.glob(".*tmp*"))
    loaded, note = results.load("dates", tmp_path)
    assert note is None and loaded["by_model"]["dates/dot"]["agreement"]["summary"]["a"] is None  # NaN: null


def test_the_default_folder_follows_the_registry_root(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(tmp_path))
    assert results.folder() == tmp_path / "lab"
    assert results.load("reverse") == (None, None)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b'{"format": 1, "task": "dates", "settings": {}, "by_model": {}, "x": NaN}', "not valid JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"format": 99, "task": "dates", "settings": {}, "by_model": {}}', "format 99"),
        (b'{"format": 1, "task": "reverse", "settings": {}, "by_model": {}}', "task 'reverse'"),
        (b'{"format": 1, "task": "dates", "by_model": {}}', '"settings"'),
        (b'{"format": 1, "task": "dates", "settings": {}, "by_model": []}', '"by_model"'),
        (b'{"format": 1, "task": "dates", "settings": {}, "by_model": {"reverse/dot": {}}}', "not a dates model"),
        (b'{"format": 1, "task": "dates", "settings": {}, "by_model": {"dates/dot": {"agreement": 3}}}', "agreement"),
        (b'{"format": 1, "task": "dates", "settings": {}, "by_model": {}, "table": []}', '"table"'),
        (b'{"format": 1, "task": "dates", "settings": {}, "by_model": {}, "table": {"rows": [1]}}', '"rows"'),
        (
            b'{"format": 1, "task": "dates", "settings": {}, "by_model": {"dates/dot": {"uniform": {"summary": []}}}}',
            "uniform's 'summary' is not an object",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "dates.json"),
    ],
)
def test_a_broken_file_gives_no_result_and_a_note_naming_it(tmp_path, content, says):
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "dates.json").write_bytes(content)
    data, note = results.load("dates", tmp_path)
    assert data is None and says in note and "dates.json" in note


def test_an_oversized_a_linked_out_or_an_unreadable_file_gives_a_note(tmp_path, monkeypatch):
    folder = tmp_path / "lab"
    folder.mkdir()
    (folder / "dates.json").write_bytes(b" " * 2048)
    monkeypatch.setattr(results, "MAX_BYTES", 1024)
    data, note = results.load("dates", tmp_path)
    assert data is None and "more than" in note
    outside = tmp_path / "elsewhere.json"
    outside.write_text("{}")
    (folder / "reverse.json").symlink_to(outside)
    data, note = results.load("reverse", tmp_path)
    assert data is None and "outside" in note
    (folder / "en-fr.json").mkdir()
    assert results.load("en-fr", tmp_path)[1].endswith("not a file")
    if os.geteuid() != 0:  # root reads anything
        (folder / "zh-en.json").write_text("{}")
        (folder / "zh-en.json").chmod(0)
        assert "cannot be read" in results.load("zh-en", tmp_path)[1]


def test_a_name_that_is_not_a_task_is_never_a_path(tmp_path):
    for name in ("../manifest", "dates/../../x", "", "DATES"):
        data, note = results.load(name, tmp_path)
        assert data is None and "no task named" in note
        with pytest.raises(ValueError):
            results.save(name, {}, tmp_path)


def test_the_script_skips_what_is_stored_and_reruns_a_model_whose_weights_changed(tmp_path, monkeypatch):
    script = _script()
    monkeypatch.setattr(
        script,
        "N",
        {"agreement": 1, "permutation": 1, "adversarial": 1, "seed_variance": 1, "uniform": 2, "length": 2}
        | {"alignment": 1, "table": 1},
    )
    monkeypatch.setattr(script, "IG_STEPS", 2)
    monkeypatch.setattr(script, "SEEDS", 2)
    args = ["--root", str(tmp_path), "--tasks", "dates", "--only", "dates/dot", "dates/none"]
    assert script.main(args) == 0
    data, note = results.load("dates", tmp_path)
    assert note is None and list(data["by_model"]) == ["dates/none", "dates/dot"] and data["table"] is None
    assert (
        set(data["by_model"]["dates/none"]) >= {"agreement", "length"}
        and "uniform" not in data["by_model"]["dates/none"]
    )
    first = data["by_model"]["dates/dot"]["date"], data["by_model"]["dates/dot"]["seconds"]
    data["by_model"]["dates/dot"]["weights"] = "retrained"
    data["by_model"]["dates/dot"]["seconds"] = -1
    results.save("dates", data, tmp_path)
    assert script.main(args) == 0
    again, _ = results.load("dates", tmp_path)
    assert again["by_model"]["dates/none"] == data["by_model"]["dates/none"]  # skipped: the same settings and weights
    assert again["by_model"]["dates/dot"]["seconds"] >= 0 and again["by_model"]["dates/dot"]["weights"] != "retrained"
    assert first[0] <= again["by_model"]["dates/dot"]["date"]
    assert (tmp_path / "lab" / results.README).read_text().startswith("# Attention lab results")


def test_a_fresh_file_is_reproduced_and_its_summaries_recomputed(tmp_path, monkeypatch):
    """What the script writes with this code's method, on a few examples: the same checks as the stored files'."""
    from seq2seq.checkpoint import load_model

    script = _script()
    monkeypatch.setattr(
        script,
        "N",
        {"agreement": 2, "permutation": 2, "adversarial": 1, "seed_variance": 2, "uniform": 3, "length": 3}
        | {"alignment": 2, "table": 2},
    )
    monkeypatch.setattr(script, "SEEDS", 3)
    assert script.main(["--root", str(tmp_path), "--tasks", "dates", "--only", "dates/general", "dates/table"]) == 0
    data, note = results.load("dates", tmp_path)
    assert note is None and not results.stale(data) and data["settings"]["ig_steps"] is None
    record = data["by_model"]["dates/general"]
    agreement = record["agreement"]
    assert (agreement["measures"], agreement["loo"]) == ("signed", "unk")
    assert (agreement["jain-wallace"]["measures"], agreement["jain-wallace"]["loo"]) == ("jain-wallace", "deletion")
    assert {"significant_share", "saturated", "unsaturated", "source_lengths", "ig"} <= set(agreement["summary"])
    assert {"mean_tvd", "share_tvd_above_half", "tvd"} <= set(record["permutation"]["summary"])
    assert all({"significant_share", "saturated_share"} <= set(row) for row in data["table"]["rows"])
    check_summaries("dates", data, None)
    check_quick_rerun("dates/general", data, load_model("dates/general"), None)
    readme = (tmp_path / "lab" / results.README).read_text()
    assert "drawn across source lengths" in readme and "| dates/general | " in readme


def test_jobs_store_in_parallel_what_one_process_stores(tmp_path, monkeypatch):
    """--jobs 2 computes each task in its own (spawned) process with this process's settings: every number
    it stores is the one a single process stores."""
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))  # spawned workers import the script by its name
    script = importlib.import_module("lab_results")
    tiny = {"agreement": 1, "permutation": 1, "adversarial": 1, "seed_variance": 1, "uniform": 2, "length": 2}
    monkeypatch.setattr(script, "N", tiny | {"alignment": 1, "table": 1})
    monkeypatch.setattr(script, "IG_STEPS", 2)
    monkeypatch.setattr(script, "SEEDS", 2)
    only = ["--tasks", "dates", "reverse", "--only", "dates/none", "reverse/none"]
    assert script.main(["--root", str(tmp_path / "one"), *only]) == 0
    assert script.main(["--root", str(tmp_path / "two"), *only, "--jobs", "2"]) == 0
    for task in ("dates", "reverse"):
        one, two = (results.load(task, tmp_path / where)[0] for where in ("one", "two"))
        for record in (*one["by_model"].values(), *two["by_model"].values()):
            record.pop("date"), record.pop("seconds")
        assert one["by_model"] == two["by_model"] and one["by_model"][f"{task}/none"]["agreement"]["n"] == 1
    assert (tmp_path / "two" / "lab" / results.README).read_text().startswith("# Attention lab results")


# -- the whole reproduction (make test-slow) ------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS)
def test_every_stored_number_is_reproduced_by_rerunning_the_experiments(task):
    from seq2seq.checkpoint import load_model

    data = stored(task)
    skip_if_stale(task, data)
    corpus = data_for(task, data)
    settings = data["settings"]
    for name, record in data["by_model"].items():
        translator = load_model(name)
        for experiment in MODEL_EXPERIMENTS:
            if experiment not in record:
                continue
            found = run(
                experiment,
                translator,
                task,
                settings["split"],
                settings["n"][experiment],
                corpus,
                settings["ig_steps"],
                settings["seeds"],
                measures=settings["measures"],
            )
            same(results.stored_form(experiment, found), record[experiment], f"{name} {experiment}")
    table = results.stored_form(
        "table", run("table", None, task, settings["split"], settings["n"]["table"], corpus, settings["ig_steps"])
    )
    for row, old in zip(table["rows"], data["table"]["rows"], strict=True):
        without_time = {k: v for k, v in old.items() if k != "seconds"}
        same({k: v for k, v in row.items() if k != "seconds"}, without_time, f"{task} table {old['model']}")
