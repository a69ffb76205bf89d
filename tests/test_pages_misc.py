"""AppTest of the Compare, Hidden states, Beam search and Models pages over a registry of untrained models."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from seq2seq.beam import BeamNode
from seq2seq.checkpoint import load_model
from seq2seq.config import SCORERS
from seq2seq.registry import registry
from tests.app_fixtures import make_registry, named, point_app_at, propose, view_key

TIMEOUT = 60
PAGES = Path(__file__).resolve().parent.parent / "app_pages"
PROBES = {
    "task": "reverse",
    "scorer": "general",
    "epochs": [
        {"epoch": 0, "loss": None, "valid": {"exact_match": 0.0, "char_accuracy": 0.1}, "probes": []},
        {"epoch": 1, "loss": 1.5, "valid": {"exact_match": 0.2, "char_accuracy": 0.6}, "probes": []},
        {"epoch": 2, "loss": 0.7, "valid": {"exact_match": 0.8, "char_accuracy": 0.9}, "probes": []},
    ],
}


@pytest.fixture(scope="session")
def app_registry(tmp_path_factory):
    root = make_registry(tmp_path_factory.mktemp("app_registry"))
    (root / "reverse" / "general" / "probes.json").write_text(json.dumps(PROBES))
    (root / "reverse" / "dot" / "README.md").write_text("# reverse/dot\n\nAn untrained test model.\n")
    return root


@pytest.fixture(autouse=True)
def use_registry(app_registry, monkeypatch):
    # and forget the translators an earlier test cached from another registry (the shipped models)
    point_app_at(monkeypatch, app_registry)


def _run(page: str, **view) -> AppTest:
    """`page` run once on `view` (fields of the view every page shares, as another page left it)."""
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
    if view:
        propose(at, **view)
    return at.run()


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _title(spec: dict) -> str | None:
    return (spec["layout"].get("title") or {}).get("text")


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# -- Compare ------------------------------------------------------------------------------------
def test_compare_has_a_heatmap_per_scorer_and_a_true_difference():
    at = _run("2_Compare.py")
    _ok(at)
    titles = [_title(c) for c in _charts(at)]
    for scorer in ("dot", "general", "concat", "scaled_dot", "location"):
        assert titles.count(scorer) == 1, titles
    assert "none" not in titles and "gold alignment" in titles
    assert any("No attention" in el.value for el in at.info)  # the 'none' model's note
    assert len(at.dataframe[0].value) == len(SCORERS)  # one summary row per scorer (the registry has them all)

    sentence = at.text_input(key="cmp_sentence").value
    at.selectbox(key="compare_b").set_value("location").run()
    _ok(at)
    first, second = at.selectbox(key="compare_a").value, at.selectbox(key="compare_b").value
    assert (first, second) != ("location", "location") and second == "location"
    difference = next(c for c in _charts(at) if (_title(c) or "").startswith("difference"))
    a = load_model(f"reverse/{first}").force(sentence, sentence[::-1]).attention
    b = load_model(f"reverse/{second}").force(sentence, sentence[::-1]).attention
    z = difference["data"][0]["z"]
    assert len(z) == len(a) and len(z[0]) == len(a[0])
    for row_z, row_a, row_b in zip(z, a, b, strict=True):
        for value, x, y in zip(row_z, row_a, row_b, strict=True):
            assert value == pytest.approx(x - y, abs=1e-6)
    assert (difference["data"][0]["zmin"], difference["data"][0]["zmax"]) == (-1, 1)


def test_compare_dates_gold_only_for_generated_examples():
    at = _run("2_Compare.py", task="dates")
    _ok(at)
    assert any("no gold alignment" in el.value for el in at.info)
    titles = [_title(c) for c in _charts(at)]
    assert "gold alignment" not in titles
    assert any((t or "").startswith("difference") for t in titles)  # both fed A's own output
    at.radio(key="cmp_mode").set_value("pick").run()
    _ok(at)
    assert "gold alignment" in [_title(c) for c in _charts(at)]
    assert all(v is not None for v in at.dataframe[0].value["alignment accuracy"].iloc[1:])


@pytest.mark.parametrize(
    "page,key",
    [("2_Compare.py", "cmp_sentence"), ("3_Hidden_states.py", "hs_sentence"), ("4_Beam_search.py", "beam_sentence")],
)
def test_bad_sentences_give_a_message(page, key):
    at = _run(page)
    for text, message in (("", "empty"), ("x" * 200, "at most")):
        at.text_input(key=key).set_value(text).run()
        _ok(at)
        assert any(message in el.value for el in at.warning), [el.value for el in at.warning]


def test_invalid_query_params_fall_back_with_a_note():
    at = AppTest.from_file(str(PAGES / "3_Hidden_states.py"), default_timeout=TIMEOUT)
    at.query_params["task"] = "[klingon](http://example.com)"
    at.query_params["step"] = "many"
    at.run()
    _ok(at)
    notes = [el.value for el in at.info]
    assert any("Unknown task" in n and "\\[klingon\\]" in n for n in notes), notes
    assert any("step" in n for n in notes)
    assert at.selectbox(key="hs_task").value == "reverse"


# -- Hidden states -------------------------------------------------------------------------------
def _traces(at: AppTest) -> dict[str, dict]:
    return {t.get("name"): t for t in _charts(at)[0]["data"]}


def test_hidden_states_points_follow_the_step():
    at = _run("3_Hidden_states.py", task="reverse", scorer="dot", sentence="abcde", step=2)
    _ok(at)
    traces = _traces(at)
    assert len(traces["encoder states"]["x"]) == len("abcde") + 1  # and </s>
    assert "lines" in traces["encoder states"]["mode"]
    decoder = traces["decoder states"]
    highlight = traces["current step"]
    assert (highlight["x"][0], highlight["y"][0]) == (decoder["x"][1], decoder["y"][1])

    at.slider(key=view_key(at, "hs", "step")).set_value(4).run()  # the page's own slider
    _ok(at)
    moved = _traces(at)["current step"]
    assert (
        (moved["x"][0], moved["y"][0]) == (decoder["x"][3], decoder["y"][3]) != (highlight["x"][0], highlight["y"][0])
    )

    propose(at, step=1)  # the Decode page moved: the highlight follows
    at.run()
    assert _traces(at)["current step"]["x"][0] == decoder["x"][0]
    table = at.dataframe[0].value
    assert len(table) == 8 and {"token", "sentence", "distance"} <= set(table.columns)

    at.radio(key="hs_dims").set_value("3D").run()
    _ok(at)
    traces = _traces(at)
    assert traces["encoder states"]["type"] == "scatter3d" and len(traces["encoder states"]["z"]) == 6


# -- Beam search ---------------------------------------------------------------------------------
def test_beam_tree_nodes_and_hypothesis_heatmap():
    at = _run("4_Beam_search.py", task="reverse", scorer="general", sentence="abc")
    _ok(at)
    at.slider(key="beam_width").set_value(4).run()
    _ok(at)
    trace = load_model("reverse/general").beam("abc", width=4)
    tree, heatmap = _charts(at)
    nodes = [t for t in tree["data"] if t.get("mode") == "markers+text"]
    assert sum(len(t["x"]) for t in nodes) == len(trace.tree)
    pruned = next(t for t in nodes if t["name"] == "pruned")
    assert len(pruned["x"]) == len(trace.tree) - len({n for h in trace.hypotheses for n in _path(trace.tree, h.node)})
    labels = heatmap["data"][0]["y"]
    assert _tokens(labels) == list(trace.hypotheses[0].tokens)

    options = named(at.selectbox, "beam_hypothesis").options
    assert len(options) == len(trace.hypotheses)
    named(at.selectbox, "beam_hypothesis").set_value(1).run()
    _ok(at)
    other = _charts(at)[1]["data"][0]["y"]
    assert other != labels
    assert _tokens(other) == list(trace.hypotheses[1].tokens)


def _tokens(labels: list[str]) -> list[str]:
    """'03 &lt;s&gt;' -> '<s>': the heatmap's axis labels without position, unescaped."""
    return [html.unescape(label.split(" ", 1)[1]) for label in labels]


def _path(tree: list[BeamNode], node: int) -> list[int]:
    parents = {n.id: n.parent for n in tree}
    path = []
    while node is not None:
        path.append(node)
        node = parents[node]
    return path


# -- Models --------------------------------------------------------------------------------------
def test_models_table_cards_and_curves(app_registry):
    at = _run("5_Models.py")
    _ok(at)
    tables = [frame.value for frame in at.dataframe]  # one per task, in the registry's order
    assert [sorted({name.split("/")[0] for name in t["name"]}) for t in tables] == [["reverse"], ["dates"]]
    names = [name for t in tables for name in t["name"]]
    assert len(names) == len(registry(app_registry)) == 2 * len(SCORERS)  # reverse and dates, every scorer
    assert set(names) == {e.name for e in registry(app_registry)}
    assert [h.value for h in at.subheader][:2] == ["Reverse a string", "Normalize a date"]
    loss, metric = _charts(at)
    assert [t["name"] for t in loss["data"]] == ["reverse/general"]
    assert loss["data"][0]["y"] == [None, 1.5, 0.7]
    assert metric["data"][0]["y"] == [0.0, 0.2, 0.8]

    assert any("no model card" in el.value for el in at.info)
    at.selectbox(key="models_model").set_value("reverse/dot").run()
    assert any("An untrained test model." in el.value for el in at.markdown)
    assert not any(el.value.startswith(("# ", "## ")) for el in at.markdown)  # the card's headings sit under the page's

    at.selectbox(key="models_task").set_value("dates").run()
    _ok(at)
    assert not _charts(at)  # no dates model has a training record
    assert any("No training record" in el.value for el in at.caption)
