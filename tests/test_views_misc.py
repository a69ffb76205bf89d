"""Logic and figures of the Compare, Hidden states, Beam search and Models pages, without Streamlit."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch

from explorer.figures import curves, heatmaps, scatter, trees
from explorer.state import keys, link, owner
from explorer.state.catalog import Entry
from explorer.state.view import ViewState, decoding_label, link_params, parse_query
from explorer.ui.common.markdown import escape_markdown
from explorer.views import beam as beam_view
from explorer.views import compare as compare_view
from explorer.views import hidden_states as states_view
from explorer.views import input_notes
from explorer.views import models as models_view
from seq2seq.beam import BeamNode, Hypothesis
from seq2seq.config import ModelConfig
from seq2seq.decoding import Translator
from seq2seq.model import Seq2Seq
from seq2seq.numbering import clamp_step
from seq2seq.projection import fit_space
from seq2seq.tasks import get_task, reverse
from seq2seq.tokenizers import CharTokenizer
from tests.helpers import letters_translator

ALPHABET = "abcdefghijklmnopqrstuvwxyz "


@pytest.fixture(scope="module")
def general() -> Translator:
    return letters_translator("general")


# -- compare_view -------------------------------------------------------------------------------
def test_reference_for_each_task():
    assert compare_view.reference_for("reverse", "ab c") == reverse.example("ab c")
    assert compare_view.reference_for("reverse", "   ") is None
    examples = get_task("dates").examples("test", 3, 0)
    assert compare_view.reference_for("dates", examples[1].source, examples) == examples[1]
    assert compare_view.reference_for("dates", "9 may 2018", examples) is None  # typed: no gold
    assert compare_view.reference_for("en-fr", "I am cold.") is None
    assert compare_view.gold_examples("en-fr") == []
    assert all(e.alignment for e in compare_view.gold_examples("dates", 4))


def test_gold_matrix_marks_spans_and_leaves_separators_blank():
    gold = compare_view.gold_matrix([(2, 4), None, (0, 1)], n_source=5, n_target=4)
    assert gold == [
        [0, 0, 1, 1, 0],
        [0, 0, 0, 0, 0],
        [1, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],  # </s>: no gold span
    ]


def test_difference_is_cell_by_cell():
    assert compare_view.difference([[0.5, 0.5]], [[1.0, 0.0]]) == [[-0.5, 0.5]]
    with pytest.raises(ValueError):
        compare_view.difference([[0.5, 0.5]], [[1.0]])


def test_run_scorer_with_and_without_reference(general):
    sentence = "abc de"
    result = compare_view.run_scorer(general, sentence, reverse.example(sentence))
    trace = general.greedy(sentence)
    assert result.greedy.output == trace.output
    assert result.greedy.logprob == pytest.approx(trace.logprob)
    assert result.forced.target_tokens == list("ed cba".replace(" ", "␣")) + ["</s>"]
    forced = general.force(sentence, sentence[::-1])
    assert result.forced.attention == forced.attention
    assert 0.0 <= result.accuracy <= 1.0 and 0.0 <= result.gold_mass <= 1.0
    expected_entropy = sum(-sum(a * math.log(a) for a in row if a > 0) for row in trace.attention) / len(trace.steps)
    assert result.greedy.mean_entropy == pytest.approx(expected_entropy)
    plain = compare_view.run_scorer(general, sentence, None)
    assert plain.forced is None and plain.accuracy is None
    none = compare_view.run_scorer(letters_translator("none"), sentence, reverse.example(sentence))
    assert none.greedy.attention is None and none.greedy.mean_entropy is None and none.accuracy is None
    rows = compare_view.summary_rows([result, none])
    assert [r["scorer"] for r in rows] == ["general", "none"] and rows[1]["alignment accuracy"] is None


def test_replay_of_the_greedy_ids_reproduces_greedy(general):
    trace = general.greedy("hello")
    again = general.force_ids("hello", [s.token_id for s in trace.steps])
    assert again.attention == trace.attention and again.output == trace.output
    # another model fed the same ids gives a matrix of the same shape
    other = letters_translator("dot").force_ids("hello", [s.token_id for s in trace.steps])
    assert len(other.attention) == len(trace.attention)


def test_on_output_of_uses_ids_or_text(general):
    trace = general.greedy("hello")
    ids = [s.token_id for s in trace.steps]
    dot = letters_translator("dot")
    same = compare_view.on_output_of(general, dot, "hello", ids)
    assert same.token_ids == ids and compare_view.comparable(trace.plain(states=False), same)
    # a model whose vocabulary is ordered differently gets the text, re-tokenized
    tokenizer = CharTokenizer(ALPHABET)
    shifted = CharTokenizer(ALPHABET + "0")  # "0" sorts before the letters: their ids move by one
    torch.manual_seed(0)
    config = ModelConfig(
        src_vocab_size=tokenizer.vocab_size,
        tgt_vocab_size=shifted.vocab_size,
        scorer="dot",
        embedding_size=8,
        hidden_size=16,
        max_source_len=32,
        max_target_len=40,
    )
    other = Translator(Seq2Seq(config), tokenizer, shifted)
    sentence = "abc"
    first = general.force(sentence, "cba")
    moved = compare_view.on_output_of(general, other, sentence, [s.token_id for s in first.steps])
    assert moved.target_tokens == first.target_tokens and moved.token_ids != [s.token_id for s in first.steps]
    assert not compare_view.comparable(same, general.greedy("help").plain(states=False))


# -- beam_view ----------------------------------------------------------------------------------
TREE = [
    BeamNode(id=0, parent=None, token="<s>", token_id=None, logprob=0.0, cumulative=0.0, depth=0),
    BeamNode(id=1, parent=0, token="a", token_id=5, logprob=-0.1, cumulative=-0.1, depth=1),
    BeamNode(id=2, parent=0, token="b", token_id=6, logprob=-2.0, cumulative=-2.0, depth=1),
    BeamNode(id=3, parent=1, token="</s>", token_id=3, logprob=-0.2, cumulative=-0.3, depth=2),
    BeamNode(id=4, parent=1, token="c", token_id=7, logprob=-0.9, cumulative=-1.0, depth=2),
    BeamNode(id=5, parent=2, token="</s>", token_id=3, logprob=-0.5, cumulative=-2.5, depth=2),
]
HYPOTHESES = [
    Hypothesis(token_ids=(5, 3), tokens=("a", "</s>"), text="a", logprob=-0.3, score=-0.15, finished=True, node=3),
    Hypothesis(token_ids=(6, 3), tokens=("b", "</s>"), text="b", logprob=-2.5, score=-1.25, finished=True, node=5),
]


def test_kept_nodes_and_paths():
    assert beam_view.path_nodes(TREE, 3) == [0, 1, 3]
    assert beam_view.kept_nodes(TREE, HYPOTHESES) == {0, 1, 2, 3, 5}  # node 4 was pruned
    assert beam_view.hypothesis_label(0, HYPOTHESES[0]).startswith("1. a  (log p -0.300")
    cut = dataclasses.replace(HYPOTHESES[0], finished=False, text="")
    assert "(empty)" in beam_view.hypothesis_label(1, cut) and "cut at max length" in beam_view.hypothesis_label(1, cut)


def test_beam_search_data_and_hypothesis_attention(general):
    data = beam_view.beam_search(general, "abc", 3)
    assert data.hypotheses and data.tree and json.dumps(data.to_json()) and data.strategy == "beam"
    best = data.hypotheses[0]
    decoded = beam_view.hypothesis_attention(general, "abc", best)
    assert decoded.token_ids == list(best.token_ids) and decoded.target_tokens == list(best.tokens)
    with pytest.raises(ValueError, match="beam width"):
        beam_view.beam_search(general, "abc", 11)


# -- plots --------------------------------------------------------------------------------------
def test_difference_heatmap_is_fixed_diverging():
    figure = heatmaps.difference_heatmap(
        ["a", "b"], ["x", "</s>"], [[1, 0], [0.2, 0.8]], [[0, 1], [0.2, 0.3]], ("A", "B")
    )
    heatmap = figure.data[0]
    assert [v for r in heatmap.z for v in r] == pytest.approx([1, -1, 0, 0.5])
    assert (heatmap.zmin, heatmap.zmax, heatmap.zmid) == (-1, 1, 0)
    assert "difference" in figure.layout.title.text
    with pytest.raises(ValueError, match="differ in shape"):
        heatmaps.difference_heatmap(["a"], ["x"], [[1.0]], [[1.0], [0.0]])


def test_gold_and_grid_heatmaps():
    figure = heatmaps.gold_heatmap(["a", "b"], ["b", "a"], [[0, 1], [1, 0]])
    assert figure.layout.title.text == "gold alignment" and list(figure.data[0].z[0]) == [0, 1]
    grid = heatmaps.grid_heatmap(["a", "b"], ["b"], [[0.3, 0.7]], title="dot")
    assert grid.data[0].showscale is False and (grid.data[0].zmin, grid.data[0].zmax) == (0, 1)
    assert grid.layout.xaxis.tickfont.size is None  # a short source keeps the default labels
    long = [f"t{i}" for i in range(heatmaps.DENSE_SOURCE + 1)]
    dense = heatmaps.grid_heatmap(long, ["x"], [[1 / len(long)] * len(long)], title="dot")
    assert dense.layout.xaxis.tickfont.size == 9 and len(dense.data[0].x) == len(long)  # every label kept
    gold = heatmaps.gold_heatmap(long, ["x"], [[1] + [0] * (len(long) - 1)])  # sits in the same grid
    assert gold.layout.xaxis.tickfont.size == 9 and figure.layout.xaxis.tickfont.size is None


def test_state_scatter_points_lines_and_highlight():
    encoder, decoder = [[0, 0], [1, 0], [2, 1]], [[0, 1], [1, 1]]
    figure = scatter.state_scatter(
        encoder, decoder, ["a", "<b>", "</s>"], ["x", "</s>"], current=1, background=[[5, 5]]
    )
    traces = {t.name: t for t in figure.data}
    assert len(traces["encoder states"].x) == 3 and "lines" in traces["encoder states"].mode
    assert (traces["current step"].x[0], traces["current step"].y[0]) == (1, 1)
    assert "&lt;b&gt;" in traces["encoder states"].text[1]  # tokens are escaped, not read as tags
    assert figure.layout.xaxis.title.text == "PC1" and figure.layout.xaxis.range is None
    three = scatter.state_scatter(
        [[0, 0, 0]], [[1, 1, 1]], ["a"], ["b"], current=None, dims=3, ranges=[(-1, 1)] * 3, explained=[0.5, 0.2, 0.1]
    )
    assert three.layout.scene.zaxis.range == (-1, 1) and three.layout.scene.xaxis.title.text == "PC1 (50%)"
    assert {t.type for t in three.data} == {"scatter3d"} and "current step" not in {t.name for t in three.data}
    with pytest.raises(ValueError, match="2 encoder points but 3 tokens"):
        scatter.state_scatter([[0, 0], [1, 1]], [], ["a", "b", "c"], [])


def test_tree_layout_and_beam_tree():
    positions = trees.tree_layout(TREE)
    assert {i: x for i, (x, _) in positions.items()} == {0: 0, 1: 1, 2: 1, 3: 2, 4: 2, 5: 2}
    assert {i: y for i, (_, y) in positions.items()} == {0: 0, 1: 0, 2: 1, 3: 0, 4: 1, 5: 2}  # best first
    figure = trees.beam_tree(TREE, frozenset({0, 1, 2, 3, 5}), chosen=[0, 1, 3])
    nodes = {t.name: t for t in figure.data if t.mode == "markers+text"}
    assert len(nodes["pruned"].x) == 1 and len(nodes["on a final hypothesis"].x) == 5
    assert nodes["pruned"].text[0] == "c<br>-1.00"
    assert "&lt;/s&gt;<br>-0.30" in nodes["on a final hypothesis"].text


def test_training_curves():
    figure = curves.training_curves([{"name": "a", "epochs": [0, 1], "values": [None, 0.5]}], "t", "y", log_y=True)
    assert list(figure.data[0].y) == [None, 0.5] and figure.layout.yaxis.type == "log"


# -- states_view --------------------------------------------------------------------------------
def test_states_view_projection_and_neighbours(general):
    space = fit_space(general, ["abc", "hello", "xyz w"], k=3)
    states = states_view.sentence_states(general, "hello")
    encoder, decoder = states_view.project(space, states, 2)
    assert len(encoder) == len(states.source_tokens) == 6 and len(decoder) == len(states.target_tokens)
    assert all(len(p) == 2 for p in encoder + decoder)
    choices = states_view.state_choices(states)
    assert choices[0] == ("decoder", 0) and len(choices) == len(encoder) + len(decoder)
    assert states_view.choice_label(states, ("encoder", 1)) == "encoder 02: e"  # index 1: the second position
    rows = states_view.neighbour_rows(space, states_view.vector(states, ("encoder", 0)), k=3)
    assert rows[0]["distance"] == pytest.approx(0, abs=1e-6) and rows[0]["sentence"] == "hello"
    assert len(states_view.background(space, 3, limit=10)) <= 10
    assert [clamp_step(s, 4) for s in (-1, 0, 3, 9)] == [0, 0, 3, 4]  # seq2seq.numbering: the one rule
    ranges = states_view.axis_ranges(space, 2)
    reference = space.basis.project(space.sample.states, 2)
    assert all(
        lo < float(reference[:, i].min()) and float(reference[:, i].max()) < hi for i, (lo, hi) in enumerate(ranges)
    )
    far = states_view.axis_ranges(space, 2, [[1e3, -1e3]])
    assert far[0][1] > 1e3 and far[1][0] < -1e3 and far[0][0] <= ranges[0][0]


def _tokens_of(trace) -> list[str]:
    return [s.token for s in trace.steps]


def test_sentence_states_decode_as_the_decode_page_does(general):
    """Hidden states shows the tokens of the Decode page's decode: greedy, sampled, beam or forced."""
    sentence = "hello"
    cases = [
        ({}, general.greedy(sentence)),
        ({"strategy": "sample", "temperature": 1.5, "seed": 3}, general.sample(sentence, temperature=1.5, seed=3)),
        ({"strategy": "beam", "beam": 2}, general.beam(sentence, width=2)),
        ({"strategy": "beam", "reference": "olleh"}, general.force(sentence, "olleh")),  # the reference wins
    ]
    for settings, trace in cases:
        states = states_view.sentence_states(general, sentence, **settings)
        assert states.target_tokens == _tokens_of(trace), settings
        assert states.decoder_states == [list(s.decoder_state) for s in trace.steps]
        assert states.encoder_states == trace.encoder_states
    assert states_view.sentence_states(general, sentence, "sample", temperature=1.5, seed=3).target_tokens != (
        _tokens_of(general.greedy(sentence))
    )  # so following the strategy matters for this model


def _decoding(view) -> dict[str, str]:
    """The parameters of a view's link that say how it is decoded."""
    return {k: v for k, v in link_params(view, "decode").items() if k in keys.DECODING_KEYS}


def _owned(fields: dict, query: dict | None = None):
    """The view of a session whose owner holds `fields`, after a link `query` was opened on Hidden states."""
    registry = owner.Registry(
        available=lambda: MODELS,
        default_sentence={"reverse": "hello world", "dates": "9 may 2018"}.__getitem__,
        other_models=lambda task, scorer: [],
    )
    session: dict = {}
    owner.propose(session, fields, registry=registry)
    return owner.open_link(session, "states", query or {}, registry=registry)[0] if query else owner.view(session)


def test_the_decoding_follows_the_shared_view_unless_the_link_says():
    shared = {"task": "dates", "scorer": "dot", "sentence": "1 may 2000", "step": 3}
    beam = {**shared, "strategy": "beam", "beam": 5, "temperature": 0.5, "seed": 9, "reference": ""}
    view = _owned(beam, {"task": "dates"})
    assert (view.strategy, view.beam, view.reference, view.step) == ("beam", 5, "", 3)
    assert _decoding(view) == {"strategy": "beam", "beam": "5"}
    assert decoding_label(view) == "beam search (width 5), its best hypothesis"
    forced = {**shared, "reference": "2000-05-01"}  # a reference is teacher forcing, whatever the strategy
    view = _owned(forced, {"task": "dates"})
    assert (view.strategy, view.reference) == ("greedy", "2000-05-01")
    assert _decoding(view) == {"strategy": "greedy", "reference": "2000-05-01"}
    assert decoding_label(view) == "teacher forcing of the reference “2000-05-01”"
    view = _owned({**beam, "strategy": "sample"}, {"task": "dates"})
    assert decoding_label(view) == "sampling (temperature 0.5, seed 9)"
    assert _decoding(view) == {"strategy": "sample", "temperature": "0.5", "seed": "9"}
    view = _owned(forced, {"task": "dates", "strategy": "greedy"})  # the link's decoding, not the view's
    assert (view.strategy, view.reference, view.beam, view.step) == ("greedy", "", 3, 3)
    assert decoding_label(view) == "greedy"
    view = _owned({}, {"reference": "z" * 501})
    assert view.reference == "z" * 500


def test_a_reference_is_only_forced_on_the_sentence_it_came_with():
    view = _owned({"task": "dates", "sentence": "1 may 2000", "reference": "2000-05-01"})
    assert view.reference == "2000-05-01"
    registry = owner.Registry(lambda: MODELS, {"reverse": "hw", "dates": "9 may"}.__getitem__, lambda t, s: [])
    session: dict = {}
    owner.propose(session, {"task": "dates", "sentence": "1 may 2000", "reference": "2000-05-01"}, registry=registry)
    assert owner.propose(session, {"sentence": "2 may 2000"}, registry=registry).reference == ""
    owner.propose(session, {"sentence": "1 may 2000", "reference": "2000-05-01"}, registry=registry)
    assert owner.propose(session, {"task": "reverse"}, registry=registry).reference == ""


def test_unknown_note_lists_the_characters_any_model_lacks(general):
    assert input_notes.unknown_note("hello", general) is None
    assert input_notes.unknown_note("h€llo ü€", general) == (
        "Not in this model's vocabulary, decoded as the unknown token <unk>: '€', 'ü'"
    )
    assert input_notes.unknown_note("h€llo", general, general) == (
        "Not in these models' vocabulary, decoded as the unknown token <unk>: '€'"
    )


# -- models_view --------------------------------------------------------------------------------
def _entry(name: str, metric: str = "exact_match", card: dict | None = None) -> Entry:
    """A manifest entry of 10 parameters whose headline is 0.5; `card`: the rest of what the manifest says."""
    task, scorer = name.split("/")
    return Entry.from_dict({"name": name, "path": name, "task": task, "scorer": scorer, "cell": "gru", "parameters": 10,
                            "metric": {"name": metric, "value": 0.5}, **(card or {})})  # fmt: skip


def test_the_comparison_table_has_every_test_metric_a_model_has_as_a_sortable_number():
    dot = _entry(
        "dates/dot", card={"test": {"exact_match": 0.99875, "alignment_accuracy": 0.8442}, "training_seconds": 264.5}
    )
    none = _entry("dates/none", card={"test": {"exact_match": 0.9995, "alignment_accuracy": None}})
    french = _entry("en-fr/concat", "bleu", {"test": {"bleu": 36.944, "chrf": float("nan")}})
    rows = models_view.table_rows([dot, none, french])
    assert [r["name"] for r in rows] == ["dates/dot", "dates/none", "en-fr/concat"]
    assert rows[0] == {
        "name": "dates/dot",
        "scorer": "dot",
        "parameters": 10,
        "exact %": 99.88,
        "aligned %": 84.42,
        "BLEU": None,
        "train min": 4.4,
    }  # no model has chrF (NaN is no number) or gold mass: no such column
    assert rows[1]["aligned %"] is None and rows[2]["BLEU"] == 36.94
    assert rows[2]["exact %"] is None and rows[2]["train min"] is None
    assert "train min" not in models_view.table_rows([none])[0]  # nobody timed: no column
    assert set(rows[0]) - {"name", "scorer", "parameters"} <= set(models_view.COLUMN_HELP)  # every column explained


def test_table_rows_and_curves(tmp_path):
    probes = tmp_path / "probes.json"
    epochs = [
        {"epoch": 0, "loss": None, "valid": {"exact_match": 0.0}, "probes": []},
        {"epoch": 1, "loss": float("nan"), "valid": {"exact_match": 0.5}},
        {"epoch": 2, "loss": 0.25, "valid": {"exact_match": 0.9}},
    ]
    probes.write_text(json.dumps({"task": "dates", "epochs": epochs}))
    history = models_view.read_history(probes)
    assert [h["epoch"] for h in history] == [0, 1, 2]
    losses, metrics, title = models_view.curves({"dates/dot": (_entry("dates/dot"), history)})
    assert losses[0]["values"] == [None, None, 0.25] and metrics[0]["values"] == [0.0, 0.5, 0.9]
    assert title == "exact_match"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert models_view.read_history(broken) == []


def test_model_card_only_through_the_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(tmp_path))
    (tmp_path / "dates" / "dot").mkdir(parents=True)
    (tmp_path / "dates" / "dot" / "README.md").write_text("# dates/dot\nA card.")
    (tmp_path / "README.md").write_text("| model | value |")
    (tmp_path / "manifest.json").write_text(json.dumps({"models": [{"name": "dates/dot", "path": "dates/dot"}]}))
    assert models_view.model_card("dates/dot").startswith("# dates/dot")
    assert models_view.model_card("../../etc/passwd") is None
    assert models_view.comparison_readme() == "| model | value |"
    assert models_view.probes_path("dates/dot") is None


def test_card_headings_are_demoted_but_code_blocks_are_not():
    card = "# dates/dot\n## Metrics\ntext #not a heading\n```\n# a comment in code\n```\n##### deep\n#hashtag"
    assert models_view.demote_headings(card).split("\n") == [
        "### dates/dot",
        "#### Metrics",
        "text #not a heading",
        "```",
        "# a comment in code",
        "```",
        "###### deep",  # h5 + 2 stops at h6
        "#hashtag",  # no space after the marks: not a heading in CommonMark
    ]


# -- view_defaults ------------------------------------------------------------------------------
MODELS = {"reverse": ["none", "dot", "general"], "dates": ["dot", "general"]}


def test_a_link_over_the_shared_view():
    view = _owned({})
    assert (view.task, view.scorer, view.sentence, view.step) == ("reverse", "general", "hello world", 0)
    shared = {"task": "dates", "scorer": "dot", "sentence": "1 may 2000", "step": 3}
    view = _owned(shared)
    assert (view.task, view.scorer, view.sentence, view.step) == ("dates", "dot", "1 may 2000", 3)
    view = _owned(shared, {"step": "2"})
    assert view.step == 2 and view.task == "dates"
    view = _owned(shared, {"task": "reverse"})  # another task: the shared view's other fields are not its
    assert (view.scorer, view.sentence, view.step) == ("general", "hello world", 0)


def test_follow_only_overwrites_when_the_shared_value_moves():
    state: dict = {}
    link.track(state, "k", 1)
    assert state["k"] == 1
    state["k"] = 5  # the user moved the widget
    link.track(state, "k", 1)
    assert state["k"] == 5
    link.track(state, "k", 2)  # the Decode page moved
    assert state["k"] == 2


def test_follow_with_force_overwrites_the_users_value():
    state = {"k": 5, "_tracked_k": 1}  # the user moved the widget away from 1
    link.track(state, "k", 1, force=True)  # a link naming 1 was opened
    assert state == {"k": 1, "_tracked_k": 1}


class FakeQueryParams:
    """st.query_params' to_dict/from_dict, counting writes."""

    def __init__(self, values: dict):
        self.values, self.writes = dict(values), 0

    def to_dict(self) -> dict:
        return dict(self.values)

    def from_dict(self, values: dict) -> None:
        self.values, self.writes = dict(values), self.writes + 1


def test_link_params_keep_each_pages_parameters():
    view = ViewState(task="dates", scorer="dot", sentence="9 may", step=2, strategy="beam", beam=4)
    assert link_params(view, "compare") == {"task": "dates", "sentence": "9 may"}
    assert link_params(view, "states") == {  # and its decoding: the settings its strategy uses
        "task": "dates",
        "scorer": "dot",
        "sentence": "9 may",
        "step": "2",
        "strategy": "beam",
        "beam": "4",
    }
    assert link_params(view, "beam") == {"task": "dates", "scorer": "dot", "sentence": "9 may", "beam": "4"}
    empty = ViewState(task="reverse", scorer="dot", sentence="", step=0, temperature=0.5)
    assert link_params(empty, "states") == {"task": "reverse", "scorer": "dot", "step": "0", "strategy": "greedy"}
    assert link_params(empty, "states", leave_out=("step",)) == {
        "task": "reverse",
        "scorer": "dot",
        "strategy": "greedy",
    }
    sampled = ViewState(task="dates", scorer="dot", sentence="x", strategy="sample", temperature=0.5, seed=9, model="m")
    assert link_params(sampled, "decode") == {
        "task": "dates",
        "scorer": "dot",
        "sentence": "x",
        "step": "0",
        "model": "m",
        "strategy": "sample",
        "temperature": "0.5",
        "seed": "9",
    }


def test_publish_writes_only_on_change_and_remembers_the_url():
    state: dict = {}
    query = FakeQueryParams({"task": "dates", "sentence": "9 may"})
    link.publish(state, query, "compare", {"task": "dates", "sentence": "9 may"})
    assert query.writes == 0 and state["_compare_url"] == {"task": "dates", "sentence": "9 may"}
    link.publish(state, query, "compare", {"task": "dates", "sentence": "1 jan"})
    assert query.writes == 1 and query.values == {"task": "dates", "sentence": "1 jan"}
    assert state["_compare_url"] == {"task": "dates", "sentence": "1 jan"}


def test_notes_to_show_only_while_the_widgets_show_the_link():
    view = parse_query({"task": "nope", "sentence": "abc"}, MODELS, {"reverse": "hello world", "dates": "9 may"})
    assert view.notes == ("Unknown task 'nope'; showing 'reverse'.",)
    assert link.notes_to_show(view, {"task": "reverse", "sentence": "abc"}) == view.notes
    assert link.notes_to_show(view, {"task": "reverse", "sentence": "abcd"}) == ()


def test_escape_markdown():
    assert escape_markdown("[x](http://e)") == r"\[x\]\(http\://e\)"
    assert escape_markdown("plain words") == "plain words"


def test_gold_view_and_result_text(general):
    sentence = "abc"
    result = compare_view.run_scorer(general, sentence, reverse.example(sentence))
    (source, target), gold = compare_view.gold_view([result], reverse.example(sentence))
    assert source == ["a", "b", "c", "</s>"] and target == ["c", "b", "a", "</s>"]
    assert gold == [[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    text = compare_view.result_text(result)
    assert text.startswith("output: ") and "alignment accuracy" in text and "entropy" in text
