"""The Lab page (app_pages/9_Lab.py) in AppTest, and its logic (explorer.views.lab_*) in plain Python.

The step view on the shipped models (reverse/dot, en-fr/general, reverse/none): its rows and taus are
step_importance's (integrated gradients to convergence, under either definition) and kendall's (τ and its
p-value) for that step, with δ, the points, leave-one-out's way and a saturated step's warning; Permute and
Adversarial attention show their results. The split and scorers views over a small registry of untrained
models whose lab results are computed here with the lab's own code (seq2seq.lab.run, stored as
scripts/lab_results.py stores them), and without stored results (a note); a broken file gives a warning;
bad URL values give notes. The Decode page links each step to the Lab.
"""

from __future__ import annotations

import functools
import json
import math
import re
import urllib.parse
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.state import keys
from explorer.views import lab, lab_readings, lab_scales, lab_scorers, lab_split, lab_step, lab_stored
from seq2seq.lab import results
from seq2seq.lab.agreement import kendall, step_kendall
from seq2seq.lab.names import IMPORTANCES, MODEL_EXPERIMENTS, WITHOUT_ATTENTION, pairs
from seq2seq.messages import Message
from tests.app_fixtures import make_registry, point_app_at, temporary_registry, use_registry, view_key
from tests.hostile import problems
from tests.papers_fixtures import use_papers

ROOT = Path(__file__).resolve().parent.parent
PAGE = "app_pages/9_Lab.py"
TIMEOUT = 120
SHIPPED = {"reverse/dot": ("reverse", "dot", "hello world", 3), "en-fr/general": ("en-fr", "general", "I love you.", 2)}

torch.set_num_threads(1)  # small models, a busy 2-core machine


# -- fixtures ----------------------------------------------------------------------------------------------


LAB_MODELS = ("reverse/dot", "reverse/general", "reverse/none")


def _stored_results(root: Path) -> Path:
    """Untrained reverse models (outputs of at most 6 tokens) and their lab results, computed by the lab's
    own code on 3 test examples and stored in root/lab/ as scripts/lab_results.py stores them."""
    import os

    from seq2seq.checkpoint import load_model
    from seq2seq.lab.run import run

    make_registry(root, tasks=("reverse",), scorers=("dot", "general", "none"), max_target_len=6)
    before = os.environ.get("ATTENTION_EXPLORER_PRETRAINED")
    os.environ["ATTENTION_EXPLORER_PRETRAINED"] = str(root)
    try:
        models = {}
        for name in LAB_MODELS:
            translator = load_model(name)
            done = MODEL_EXPERIMENTS if translator.has_attention else WITHOUT_ATTENTION
            models[name] = {e: results.stored_form(e, run(e, translator, n=3, seeds=5, ig_steps=4)) for e in done}
        table = results.stored_form("table", run("table", task_name="reverse", n=3, ig_steps=4))
    finally:
        if before is None:
            del os.environ["ATTENTION_EXPLORER_PRETRAINED"]
        else:
            os.environ["ATTENTION_EXPLORER_PRETRAINED"] = before
    settings = {"split": "test", "n": {"agreement": 3, "table": 3}, "ig_steps": 4, "seeds": 5, "data": None}
    data = {"format": results.FORMAT, "task": "reverse", "settings": settings, "by_model": models, "table": table}
    results.save("reverse", data, root)
    return root


@functools.cache
def stored_registry() -> Path:
    return temporary_registry("ae-lab-registry-", _stored_results)


@pytest.fixture
def with_results(monkeypatch) -> dict:
    """The app on the small registry with stored lab results; returns what is stored."""
    root = point_app_at(monkeypatch, stored_registry())
    data, note = results.load("reverse", root)
    assert note is None
    return data


@pytest.fixture
def without_results(monkeypatch) -> Path:
    """The app on the shared test registry, which has no lab/ folder."""
    root = use_registry(monkeypatch)
    assert not (root / "lab").exists()
    return root


# -- helpers -----------------------------------------------------------------------------------------------
def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_lab(query: dict | None = None, **session) -> AppTest:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    for key, value in session.items():
        at.session_state[key] = value
    return ok(at.run())


def url(at: AppTest) -> dict[str, str]:
    return {key: at.query_params[key] for key in at.query_params}


TABLES = {  # a table of the page -> a column only it has
    "taus": "τ",
    "agreement": "median τ [95% interval]",
    "permutation": "median [95% interval]",
    "uniform": "attention",
    "scorers": "perplexity",
}


def dataframe(at: AppTest, table: str):
    """The page's table `table` (TABLES) as a pandas DataFrame, or None when the page has none."""
    found = [el.value for el in at.dataframe if TABLES[table] in el.value.columns]
    assert len(found) <= 1
    return found[0] if found else None


def infos(at: AppTest) -> list[str]:
    return [el.value for el in at.info]


def expected_step(name: str, sentence: str, step: int, measures: str = "signed"):
    """What seq2seq.lab computes for output token `step` of the greedy decode, outside the app: integrated
    gradients to convergence, as the step view runs them."""
    from seq2seq.checkpoint import load_model
    from seq2seq.lab.importance import step_importance

    translator = load_model(name)
    ids = [s.token_id for s in translator.greedy(sentence).steps]
    return step_importance(translator, sentence, ids[: step - 1], token_id=ids[step - 1], measures=measures)


def captions(at: AppTest) -> list[str]:
    """The page's captions as a reader sees them (escape_markdown's backslashes taken out)."""
    return [el.value.replace("\\", "") for el in at.caption]


def shown_delta(at: AppTest) -> tuple[float, int]:
    """(δ, points) as the integrated-gradients caption says them."""
    (line,) = [c for c in captions(at) if c.startswith("Integrated gradients: δ = ")]
    found = re.search(r"= ([0-9.,]+) nats with ([0-9,]+) points?", line)
    return float(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def check_method_notes(at: AppTest, name: str, imp) -> None:
    """δ and the points as computed (δ within its two significant digits), leave-one-out's way as the model's."""
    from seq2seq.checkpoint import load_model
    from seq2seq.lab.importance import leave_one_out_method

    delta, points = shown_delta(at)
    assert delta == pytest.approx(imp.ig_delta, rel=0.05, abs=1e-12) and points == imp.ig_points
    assert imp.ig_points >= 32  # to convergence: 32 points at least, never a fixed 32 when the path bends
    how = leave_one_out_method(load_model(name), imp.measures)
    assert imp.loo == how
    label = {"deletion": "leave-one-out by deletion: ", "unk": "leave-one-out by <unk>: "}[how]
    assert [c for c in captions(at) if c.startswith("leave-one-out by")] == [
        c for c in captions(at) if c.startswith(label)
    ]
    assert any(c.startswith(label) for c in captions(at))


def heatmap(at: AppTest, title_start: str) -> dict:
    (found,) = [
        spec
        for spec in (json.loads(el.proto.spec) for el in at.get("plotly_chart"))
        if spec["layout"].get("title", {}).get("text", "").startswith(title_start)
    ]
    return found


# -- the step view on the shipped models --------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SHIPPED))
def test_the_step_view_shows_step_importance_and_its_taus(name, shipped):
    task, scorer, sentence, step = SHIPPED[name]
    at = open_lab({"task": task, "scorer": scorer, "sentence": sentence, "step": str(step)})
    assert problems(at) == []
    assert url(at) == {"task": task, "scorer": scorer, "sentence": sentence, "step": str(step), "view": "step"}
    assert at.radio(key="lab_view").value == "step" and at.session_state["_view"].step == step
    imp = expected_step(name, sentence, step)
    figure = heatmap(at, "why “")
    (trace,) = figure["data"]
    assert trace["y"] == ["attention", "gradient × input", "integrated gradients", "leave-one-out"]  # four rows
    for row, values in zip(trace["z"], (imp.attention, *(getattr(imp, m) for m in IMPORTANCES)), strict=True):
        peak = max(abs(v) for v in values)
        assert row == pytest.approx([v / peak for v in values], abs=1e-4)
    taus = dataframe(at, "taus")
    assert list(taus["pair"]) == [lab_readings.pair_label(p) for p in pairs(True)]
    vectors = {"attention": imp.attention, **{m: getattr(imp, m) for m in IMPORTANCES}}
    for pair, shown, shown_p in zip(pairs(True), taus["τ"], taus["p"], strict=True):
        a, b = pair.split("~")
        tau, p = kendall(vectors[a], vectors[b])
        assert (shown is None or math.isnan(shown)) if math.isnan(tau) else shown == round(tau, 2), pair
        assert shown_p == lab_readings.p_text(p), pair  # each τ with its p-value
    assert any(f"chose “{imp.token}”" in md.value.replace("\\", "") for md in at.markdown)
    check_method_notes(at, name, imp)
    saturated = [w.value for w in at.warning if "Saturated step" in w.value]
    assert len(saturated) == (1 if math.exp(imp.logprob) > 0.99 else 0)
    # a pair with an importance below the floor of a readable ranking reads so (issue 64)
    too_small = lab_step.tau_rows({"attention~grad_x_input": 0.5}, None, ("grad_x_input",))[0]["reading"]
    for pair, reading in zip(pairs(True), taus["reading"], strict=True):
        assert (reading == too_small) == any(m in imp.below_floor for m in pair.split("~")), (pair, reading)
    assert [b.label for b in at.main.button] == ["Permute", "Adversarial attention"]


def test_the_jain_wallace_switch_shows_their_measures(shipped):
    at = open_lab({"task": "reverse", "scorer": "dot", "sentence": "hello world", "step": "3"})
    assert at.radio(key=keys.LAB_MEASURES).value == "signed"
    assert any(c.startswith("leave-one-out by <unk>: ") for c in captions(at))  # reverse trained its <unk>
    ok(at.radio(key=keys.LAB_MEASURES).set_value("jain-wallace").run())
    assert problems(at) == []
    imp = expected_step("reverse/dot", "hello world", 3, "jain-wallace")
    (trace,) = heatmap(at, "why “")["data"]
    for row, values in zip(trace["z"], (imp.attention, *(getattr(imp, m) for m in IMPORTANCES)), strict=True):
        assert min(values) >= 0  # magnitudes
        assert row == pytest.approx([v / max(values) for v in values], abs=1e-4)
    shown = dataframe(at, "taus")
    for pair, tau, p in zip(pairs(True), shown["τ"], shown["p"], strict=True):
        expected_tau, expected_p = step_kendall(imp)[pair]  # </s> left out of the ranking
        assert tau == round(expected_tau, 2) and p == lab_readings.p_text(expected_p), pair
    check_method_notes(at, "reverse/dot", imp)
    assert imp.loo == "deletion" and any("as Jain & Wallace define it" in c for c in captions(at))
    assert any(c.startswith("Jain & Wallace's measures: ") for c in captions(at))
    ok(at.select_slider(key=view_key(at, "lab", "step")).set_value(4).run())  # the switch is kept from step to step
    assert at.radio(key=keys.LAB_MEASURES).value == "jain-wallace"


def importance(p: float, **changes):
    """A StepImportance made by hand: one source token, the chosen token's probability `p`."""
    from seq2seq.lab.importance import StepImportance

    values = dict.fromkeys(IMPORTANCES, (1.0,))  # above the floor of a readable ranking (issue 64)
    common = dict(source_tokens=("</s>",), position=0, token="x*", token_id=4, attention=None, ig_delta=0.0)
    logprob = math.log(p)
    changes = {"baseline_logprob": logprob - 2.0} | changes
    return StepImportance(**(common | values | {"logprob": logprob, "ig_points": 32} | changes))


def test_a_saturated_step_is_warned_about_exactly_above_its_threshold():
    from seq2seq.lab import importance as lab_importance
    from seq2seq.lab.agreement import ALPHA

    assert lab_scales.SATURATED == lab_importance.SATURATED == 0.99 and lab_scales.ALPHA == ALPHA == 0.05
    for p in (0.5, 0.98, 0.989999, 0.99):
        assert lab_step.saturated_warning(importance(p)) is None, p
    for p in (0.990001, 0.995, 0.999997, 1.0):
        warning = lab_step.saturated_warning(importance(p))
        assert warning.startswith("Saturated step: the model is sure of “x*” (p above 0.99; 1 − p = "), p
        assert "noise" not in warning
    assert "1 − p = 0.0000030)" in lab_step.saturated_warning(importance(0.999997))


def test_the_method_notes_say_delta_points_and_leave_one_out():
    notes = lab_step.method_notes(importance(0.5, ig_delta=0.0031234, ig_points=96, ig_converged=True, loo="unk"))
    assert notes[0].startswith("Blue: the token raised") and "gradient × input, integrated gradients" in notes[0]
    assert notes[1] == "Integrated gradients: δ = |Σ IG − (f(x) − f(x′))| = 0.0031 nats with 96 points, converged."
    assert notes[2].startswith("leave-one-out by <unk>: each token replaced by the model's <unk>")
    notes = lab_step.method_notes(importance(0.5, ig_delta=0.25, ig_points=1024, loo="deletion"))
    assert notes[1].endswith("= 0.25 nats with 1,024 points, not converged: the cap on points was reached.")
    assert notes[2].startswith("leave-one-out by deletion: each token removed and the rest re-encoded (this model's")
    notes = lab_step.method_notes(importance(0.5, measures="jain-wallace", loo="deletion"))
    assert notes[0].startswith("Jain & Wallace's measures") and "as Jain & Wallace define it" in notes[2]
    assert [lab_step.delta_text(d) for d in (0.0, 0.12, 1.5, 3.04e-7)] == ["0", "0.12", "1.5", "0.00000030"]
    assert [lab_readings.p_text(p) for p in (0.0123, 0.0004, math.nan, None)] == ["0.012", "< 0.001", "–", "–"]
    assert lab_step.p_caption({"a~b": 0.01, "a~c": 0.2, "b~c": math.nan}).endswith(
        "1 of these 2 τ has p below 0.05 (significant)."
    )


def test_the_step_explanation_says_what_the_measures_are():
    text = lab.explanation("step")
    assert "becomes `<unk>`" not in text and "never negative" not in text
    assert "signed, negative where the token lowered it" in text and "the token deleted and the rest re-encoded" in text
    assert "(p above 0.99)" in text and "{" not in text
    assert "rounding noise" not in text and "the local slope, gradient × input, is flat" in text
    assert "total variation between the whole output distributions (their Algorithm 1)" in text
    split = lab.explanation("split")
    assert "{" not in split and "model *trained* with uniform attention, their baseline" in split


def test_permute_and_adversarial_attention_show_their_results(shipped):
    at = open_lab({"task": "reverse", "scorer": "dot", "sentence": "hello world", "step": "3"})
    ok(at.button(key="lab_permute").click().run())
    assert [h.value for h in at.subheader] == ["Permuted attention"]
    permuted = heatmap(at, "attention, own and shuffled")["data"][0]
    assert permuted["y"][0] == "the model's own" and sorted(permuted["z"][0]) == pytest.approx(sorted(permuted["z"][1]))
    assert {m.label for m in at.metric} >= {"median TVD", "token changed"}
    ok(at.button(key="lab_adversarial").click().run())  # both stay shown
    assert [h.value for h in at.subheader] == ["Permuted attention", "Adversarial attention"]
    (tvd,) = [m for m in at.metric if m.label == "output TVD"]
    assert float(tvd.value) <= 0.05
    adversarial = heatmap(at, "attention, own and adversarial")["data"][0]
    assert sum(adversarial["z"][1]) == pytest.approx(1.0, abs=1e-6)
    titles = [json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")]
    assert titles.count("output before") == 2 and titles.count("output after") == 2
    ok(
        at.select_slider(key=view_key(at, "lab", "step")).set_value(4).run()
    )  # another step: its results are asked for anew
    assert not at.subheader and url(at)["step"] == "4"


def test_a_model_without_attention_shows_the_importances_with_a_note(shipped):
    at = open_lab({"task": "reverse", "scorer": "none", "sentence": "hello world", "step": "2"})
    assert problems(at) == []
    (trace,) = heatmap(at, "why “")["data"]
    assert trace["y"] == ["gradient × input", "integrated gradients", "leave-one-out"]
    assert list(dataframe(at, "taus")["pair"]) == [lab_readings.pair_label(p) for p in pairs(False)]
    assert lab.NONE_NOTE in infos(at)
    assert not at.main.button  # nothing to permute


@pytest.mark.parametrize("view", ["split", "scorers"])
@pytest.mark.parametrize("name", [*SHIPPED, "reverse/none"])
def test_every_view_renders_on_the_shipped_models(name, view, shipped):
    task, scorer = name.split("/")
    at = open_lab({"task": task, "scorer": scorer, "view": view})
    assert problems(at) == []
    assert url(at)["view"] == view and at.radio(key="lab_view").value == view
    data, note = results.load(task)
    assert note is None
    stored = data is not None and (name in data["by_model"] if view == "split" else data.get("table") is not None)
    assert stored == (not any(i.startswith("No stored results") for i in infos(at)))
    if view == "split" and stored:  # the stored medians of each measure set, as they are in the file
        shown = [el.value for el in at.dataframe if TABLES["agreement"] in el.value.columns]
        agreement = data["by_model"][name]["agreement"]
        sets = [agreement, *([agreement["jain-wallace"]] if "jain-wallace" in agreement else [])]
        assert len(shown) == len(sets)
        for frame, entry in zip(shown, sets, strict=True):
            assert list(frame["median τ [95% interval]"]) == [
                lab_readings.summary_text(entry["summary"][p]) for p in pairs(scorer != "none")
            ]
            chance = entry["summary"].get("significant_chance")
            if chance:  # beside each pair's agreeing share, its chance level
                assert list(frame["expected by chance"]) == [
                    i18n.percent(chance[p], 1) if chance[p] is not None else "–" for p in pairs(scorer != "none")
                ]


# -- the split and scorers views with stored results ------------------------------------------------------
def test_the_split_view_shows_the_stored_results(with_results, monkeypatch, tmp_path):
    use_papers(monkeypatch, tmp_path)  # numbers to mark: the shipped papers.toml quotes none
    at = open_lab({"task": "reverse", "scorer": "dot", "view": "split"})
    assert problems(at) == []
    stored = with_results["by_model"]["reverse/dot"]
    (histograms,) = [
        spec
        for spec in (json.loads(el.proto.spec) for el in at.get("plotly_chart"))
        if spec["data"][0]["type"] == "histogram"
    ]
    per_pair = {trace["name"]: trace["x"] for trace in histograms["data"]}
    for pair in pairs(True):
        expected = [e["tau"][pair] for e in stored["agreement"]["per_example"] if e["tau"][pair] is not None]
        assert per_pair[lab_readings.pair_label(pair)] == pytest.approx(expected)
    texts = {a["text"] for a in histograms["layout"]["annotations"]}
    assert {"SETA 0.50", "SETB 0.25"} <= texts  # the papers' numbers, from the file
    assert shown_paper_column(at) == {
        "Example & Sample 2000, Table 9, BiLSTM text classifier, per-class mean, SETA: 0.50 ± 0.15",
        "Example & Sample 2000, Table 9, BiLSTM text classifier, mean over the test set, SETB: 0.25",
        "–",
    }
    shown = dataframe(at, "agreement")
    summary = stored["agreement"]["summary"]
    assert list(shown["median τ [95% interval]"]) == [lab_readings.summary_text(summary[p]) for p in pairs(True)]
    # each pair's agreeing share beside its chance level, and the steps left out, from the stored counts
    assert list(shown["steps agreeing (τ > 0, p < 0.05)"]) == [
        i18n.percent(summary["significant_share"][p], 0) for p in pairs(True)
    ]
    assert list(shown["expected by chance"]) == [i18n.percent(summary["significant_chance"][p], 1) for p in pairs(True)]
    left_out = f"Left out\\: {summary['short']} of {summary['steps']} steps that rank fewer than 3 tokens"
    assert any(left_out in el.value for el in at.caption)
    assert any(
        f"{summary['ig']['unconverged']} steps whose integrated gradients did not converge" in el.value
        for el in at.caption
    )
    permutation = dataframe(at, "permutation")
    assert permutation["median [95% interval]"][0] == lab_readings.summary_text(
        stored["permutation"]["summary"]["median_tvd"], 3
    )
    uniform = dataframe(at, "uniform")
    trained = stored["uniform"]["summary"].get("trained_uniform_model")
    assert list(uniform["attention"]) == [
        "the model's own",
        "uniform (1/S everywhere), swapped in",
        *([f"trained with uniform attention ({trained})"] if trained else []),
    ]
    readings = [md.value for md in at.markdown if md.value.startswith("- ")]
    assert len(readings) == 1 and readings[0].count("\n- ") == len(lab_split.split_reading(stored)) - 1


def test_the_split_view_of_a_model_without_attention(with_results):
    at = open_lab({"task": "reverse", "scorer": "none", "view": "split"})
    assert problems(at) == []
    assert list(dataframe(at, "agreement")["pair"]) == [lab_readings.pair_label(p) for p in pairs(False)]
    assert lab.NONE_NOTE in infos(at)
    assert dataframe(at, "permutation") is None


def test_the_scorers_view_shows_the_table_and_the_length_curves(with_results):
    at = open_lab({"task": "reverse", "scorer": "dot", "view": "scorers"})
    assert problems(at) == []
    table = dataframe(at, "scorers")
    assert list(table["model"]) == [row["model"] for row in with_results["table"]["rows"]]
    assert "AER" in table.columns  # reverse has gold alignments
    (none_row,) = [i for i, model in enumerate(table["model"]) if model == "reverse/none"]
    assert math.isnan(table["AER"][none_row])
    (shown,) = [el for el in at.dataframe if "AER" in el.value.columns]
    assert shown.proto.placeholder == "–"  # what the page shows for it, as every other table: not "None"
    curves = heatmap(at, "exact match % by source length")
    assert [trace["name"] for trace in curves["data"]] == list(LAB_MODELS)
    buckets = with_results["by_model"]["reverse/dot"]["length"]["buckets"]
    assert curves["data"][0]["x"] == [b["range"][1] for b in buckets]
    trained = with_results["by_model"][LAB_MODELS[0]]["length"]["trained_source_tokens"]
    assert curves["layout"]["shapes"][0]["x0"] == trained  # the longest training source, as stored


def test_the_view_radio_rewrites_the_url_and_keeps_the_sentence(with_results):
    at = open_lab({"task": "reverse", "scorer": "dot", "sentence": "abc", "step": "3"})
    ok(at.select_slider(key=view_key(at, "lab", "step")).set_value(2).run())
    ok(at.radio(key="lab_view").set_value("scorers").run())
    assert url(at) == {"task": "reverse", "scorer": "dot", "sentence": "abc", "step": "2", "view": "scorers"}
    ok(at.radio(key="lab_view").set_value("split").run())
    assert url(at)["view"] == "split"
    ok(at.radio(key="lab_view").set_value("step").run())
    assert at.text_input(key="lab_sentence").value == "abc" and at.session_state["_view"].step == 2
    assert url(at) == {"task": "reverse", "scorer": "dot", "sentence": "abc", "step": "2", "view": "step"}


# -- without stored results, a broken file, bad URL values ---------------------------------------------------
@pytest.mark.parametrize("view", ["split", "scorers"])
def test_without_stored_results_a_note_says_how_to_compute_them(view, without_results):
    at = open_lab({"task": "dates", "scorer": "general", "view": view})
    assert problems(at) == []
    assert any(i.startswith("No stored results") for i in infos(at))
    commands = "\n".join(code.value for code in at.code)
    assert "python scripts/lab_results.py --tasks dates" in commands and "python -m seq2seq lab" in commands


def test_a_broken_results_file_gives_a_warning(tmp_path, monkeypatch):
    root = tmp_path / "registry"
    make_registry(root, tasks=("reverse",), scorers=("dot",))
    (root / "lab").mkdir()
    (root / "lab" / "reverse.json").write_text("{not json")
    point_app_at(monkeypatch, root)
    at = open_lab({"task": "reverse", "scorer": "dot", "view": "split"})
    assert problems(at) == []
    (warning,) = at.warning
    assert "cannot be used" in warning.value and "not valid JSON" in warning.value.replace("\\", "")


@pytest.mark.parametrize(
    "query,note",
    [
        ({"view": "<script>alert(1)</script>"}, "Unknown view '<script>alert(1)</script>'; showing 'step'"),
        ({"task": "klingon"}, "Unknown task 'klingon'; showing 'reverse'."),
        ({"task": "reverse", "scorer": "transformer"}, "No 'transformer' model for reverse; showing 'general'."),
        ({"task": "reverse", "step": "-3"}, "step=-3 is outside 0–200; using 0."),
        ({"task": "reverse", "sentence": "abc", "step": "150"}, "Step 150 is past the end of this output"),
        ({"task": "reverse", "model": "../../etc/passwd"}, "No model '../../etc/passwd' for reverse with general"),
    ],
)
def test_bad_url_values_give_notes(query, note, without_results):
    at = open_lab(query)
    assert problems(at, query.get("view")) == []
    assert any(i.replace("\\", "").startswith(note) for i in infos(at)), infos(at)
    assert url(at)["view"] == "step"
    if "step" in query:
        assert 1 <= at.session_state["_view"].step <= 150


def test_an_empty_sentence_gets_a_hint(without_results):
    at = open_lab({"task": "reverse", "sentence": "  "})
    assert problems(at) == [] and any("Type a sentence" in i for i in infos(at))


# -- the Decode page's link --------------------------------------------------------------------------------
def test_the_decode_page_links_its_step_to_the_lab(without_results):
    decode = AppTest.from_file(str(ROOT / "app_pages/1_Decode.py"), default_timeout=TIMEOUT)
    decode.query_params.update({"task": "reverse", "scorer": "dot", "sentence": "abcd", "step": "2"})
    ok(decode.run())
    (button,) = decode.get("link_button")  # run alone, the page has no app to page_link in: a plain link
    assert button.proto.label.startswith("Does attention explain this token?")
    path, _, query = button.proto.url.partition("?")
    params = dict(urllib.parse.parse_qsl(query))
    assert path == "Lab" and params == {
        "task": "reverse",
        "scorer": "dot",
        "sentence": "abcd",
        "step": "2",
        "view": "step",
    }
    at = open_lab(params)
    assert at.session_state["_view"].step == 2 and at.text_input(key="lab_sentence").value == "abcd"
    token = decode.session_state[keys.TRACE]["data"].target_tokens[1]
    assert any(f"chose “{token}”" in md.value.replace("\\", "") for md in at.markdown)


def test_without_a_link_the_lab_follows_the_decode_pages_step(without_results):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    ok(at.run())
    at.switch_page("app_pages/1_Decode.py")
    at.query_params.update({"task": "dates", "scorer": "general", "sentence": "9 may 2018", "step": "3"})
    ok(at.run())
    links = [el for el in at.main.get("page_link") if el.proto.label.startswith("Does attention")]
    assert len(links) == 1 and dict(urllib.parse.parse_qsl(links[0].proto.query_string))["step"] == "3"
    at.switch_page(PAGE)
    at.query_params.clear()
    ok(at.run())
    assert at.selectbox(key="lab_task").value == "dates" and at.session_state["_view"].step == 3
    assert url(at)["sentence"] == "9 may 2018"


# -- the logic, without Streamlit -----------------------------------------------------------------------------
def test_the_view_comes_from_the_link_with_a_note_for_an_unknown_one():
    assert lab.lab_view(None) == ("step", ())
    assert lab.lab_view("scorers") == ("scorers", ())
    which, (note,) = lab.lab_view("x" * 100)
    assert which == "step" and note.startswith("Unknown view 'xxxx") and len(note) < 120
    # a Message: its template and values kept, so that the page translates it where it shows it
    assert isinstance(note, Message) and note.template == "Unknown view {view}; showing 'step' (one of {views})."
    assert note.params == {"view": repr("x" * 40), "views": "step, split, scorers"}


def test_steps_are_clamped_into_the_output():
    assert lab_step.explained_step(0, 5) == (1, None)  # nothing produced yet: the token about to be chosen
    assert lab_step.explained_step(3, 5) == (3, None)
    assert lab_step.explained_step(9, 5) == (5, "Step 9 is past the end of this output (5 tokens): showing step 5.")


def shown_paper_column(at) -> set[str]:
    """The texts of the split view's paper column."""
    (frame,) = [el.value for el in at.dataframe if "reported in papers, on their models" in el.value.columns]
    return set(frame["reported in papers, on their models"])


def test_taus_in_words_and_the_papers_numbers(monkeypatch, tmp_path):
    assert lab_readings.tau_words(0.9) == "rank the tokens much alike"
    assert lab_readings.tau_words(0.0) == "do not agree: unrelated rankings"
    assert lab_readings.tau_words(-0.5) == "rank the tokens in opposite orders"
    assert lab_readings.tau_words(math.nan).startswith("cannot be compared")
    assert lab_readings.paper_value("attention~grad_x_input") == ""  # the shipped file quotes no number yet
    use_papers(monkeypatch, tmp_path)
    assert lab_readings.paper_value("attention~grad_x_input").startswith("Example & Sample 2000, Table 9, ")
    assert lab_readings.paper_value("grad_x_input~leave_one_out").endswith("SETB: 0.25")
    assert lab_readings.paper_value("integrated_gradients~leave_one_out") == ""


def test_summaries_and_the_scorer_tables_rows():
    assert lab_readings.summary_text({"n": 4, "median": 0.5, "low": 0.25, "high": 0.75}) == "0.50 [0.25, 0.75] (n 4)"
    assert lab_readings.summary_text({"n": 0, "median": None, "low": None, "high": None}) == "–"
    assert (
        lab_readings.summary_text({"n": 2, "median": 0.5, "low": 0.1, "high": 0.9}, percent=True)
        == "50% [10%, 90%] (n 2)"
    )
    row = {"model": "dates/dot", "cell": "gru", "perplexity": 1.23456, "exact_match": 0.995, "aer": 0.1, "entropy": 0.5}
    row |= {"tau": 0.2, "tau_summary": {"n": 3, "median": 0.2, "low": 0.1, "high": 0.3}}
    table = {"metric": "exact_match", "rows": [row]}
    (shown,) = lab_scorers.table_rows(table, gold=True)
    assert shown["exact match %"] == 99.5 and shown["AER"] == 0.1 and shown["perplexity"] == 1.235
    (shown,) = lab_scorers.table_rows({"metric": "bleu", "rows": [{**row, "bleu": 31.26}]}, gold=False)
    assert "AER" not in shown and shown["BLEU"] == 31.26


def test_experiments_are_read_defensively():
    assert lab_stored.experiment(None, "reverse/dot", "agreement") is None
    assert lab_stored.experiment({"by_model": {"reverse/dot": {"agreement": [1]}}}, "reverse/dot", "agreement") is None
    assert lab_scorers.scorer_table({"table": {"rows": "x"}}) is None
    assert lab_scorers.length_series({"by_model": {}}, "reverse", ["reverse/dot"]) == ({}, {})


def test_the_labs_figures():
    from explorer.figures import bars, curves, heatmaps

    figure = heatmaps.rows_heatmap(["a", "</s>"], {"attention": [0.25, 0.75], "IG": [-2.0, 1.0]}, "why “</s>”", True)
    (trace,) = figure.data
    assert [list(row) for row in trace.z] == [[1 / 3, 1.0], [-1.0, 0.5]]  # each row by its largest |value|
    assert figure.layout.title.text == "why “&lt;/s&gt;”" and trace.x[1] == "02 &lt;/s&gt;"
    assert trace.customdata[1][0][1] == "-2"  # the hover keeps the raw value
    with pytest.raises(ValueError, match="source tokens"):
        heatmaps.rows_heatmap(["a"], {"attention": [0.5, 0.5]})
    grid = bars.histogram_grid(
        {"a ~ b": [0.1, 0.3, 0.5], "c ~ d": []}, "τ", (-1, 1), 0.1, marks={"a ~ b": {"mark": 0.35}}
    )
    assert [trace.name for trace in grid.data] == ["a ~ b", "c ~ d"]
    assert {shape.x0 for shape in grid.layout.shapes} == {0.3, 0.35}  # the median, and the paper's mark
    # A τ of exactly 1 (or −1) is drawn: Plotly counts a value in bin ⌊(x − start) / size⌋ when it is below the
    # number of bins, and left 1.0 out of [0.9, 1.0) (the Lab's reverse/scaled_dot showed 39 of its 40 examples).
    taus = [-1.0, -0.95, 0.55, 0.9999, 1.0, 1.0]
    (trace,) = bars.histogram_grid({"a ~ b": taus}, "τ", (-1, 1), 0.1).data
    start, size, count = trace.xbins.start, trace.xbins.size, round((trace.xbins.end - trace.xbins.start) / 0.1)
    assert [int((x - start) // size) for x in trace.x] == [0, 0, 15, 19, 19, 19] and count == 20
    assert list(trace.x)[:4] == taus[:4]  # every other value as it is
    (median,) = bars.histogram_grid({"a ~ b": taus}, "τ", (-1, 1), 0.1).layout.shapes
    assert median.x0 == pytest.approx((0.55 + 0.9999) / 2)  # the values' own median
    series = {"m": {"x": [10, 20], "y": [90.0, None], "low": [80.0, None], "high": [95.0, None]}}
    lines = curves.interval_curves(series, "t", "x", "y", marker_x=30)
    assert list(lines.data[0].error_y.array) == [5.0, None] and list(lines.data[0].error_y.arrayminus) == [10.0, None]


def test_readings_in_plain_words():
    rows = [
        {"model": "t/none", "scorer": "none", "perplexity": 2.0, "exact_match": 0.5, "aer": None, "tau": None},
        {"model": "t/dot", "scorer": "dot", "perplexity": 1.0, "exact_match": 1.0, "aer": 0.0, "tau": 0.15},
        {"model": "t/concat", "scorer": "concat", "perplexity": 1.1, "exact_match": 1.0, "aer": 0.2, "tau": 0.2},
    ]
    lines = lab_scorers.table_reading({"metric": "exact_match", "rows": rows}, gold=True)
    assert lines[0] == "Lowest perplexity: t/dot (1.000)."
    assert lines[1] == "Best exact match (100.0%): t/dot, t/concat."  # ties are all named
    assert lines[2].startswith("Attention closest to the gold alignment: t/dot (AER 0.000), yet its attention and")
    assert lines[3] == "Attention agrees most with integrated gradients in t/concat: they barely agree (mean τ 0.20)."
    buckets = [
        {"range": [1, 10], "n": 3, "value": 1.0, "refused": 0},
        {"range": [11, 20], "n": 0, "value": None, "refused": 2},
    ]
    results_ = {"by_model": {"t/location": {"length": {"buckets": buckets}}}}
    assert lab_scorers.refused_notes(results_, ["t/location"])[0].startswith("t/location refused 2 sources")
    uniform = {"summary": {"metric": "bleu", "model": 30.0, "uniform": 2.5, "n": 10}}
    (line,) = lab_split.split_reading({"uniform": uniform})
    assert line.startswith(
        "Uniform attention swapped in at inference: 30.0 with its own attention, 2.5 with uniform weights, "
        "27.5 BLEU lost"
    )
