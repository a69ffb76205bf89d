"""The Decode page's logic without a browser: view state, traces, explain, what-if, exports."""

from __future__ import annotations

import csv
import io
import json
import math
import pickle
from dataclasses import asdict

import pytest

from explorer.figures.common import position_labels
from explorer.state import catalog, keys, link, owner
from explorer.state.view import MAX_SENTENCE_CHARS, ViewState
from explorer.ui.common.markdown import escape_markdown
from explorer.views import decode as decode_view
from explorer.views import decode_analysis, input_notes, stepper
from seq2seq.checkpoint import load_model
from seq2seq.config import SCORERS
from seq2seq.decoded import Sampling
from seq2seq.decoding import MAX_SOURCE_TOKENS, InputError
from tests.app_fixtures import shared_registry, use_registry

ATTENTION = [s for s in SCORERS if s != "none"]
AVAILABLE = {"reverse": list(SCORERS), "dates": list(SCORERS)}
EXAMPLES = {"reverse": "a", "dates": "9 may 2018"}


@pytest.fixture(scope="module")
def translators():
    root = shared_registry()
    return {f"{task}/{s}": load_model(f"{task}/{s}", root=root) for task in ("reverse", "dates") for s in SCORERS}


def view(**kw) -> ViewState:
    base = {"task": "reverse", "scorer": "general", "sentence": "hello world"}
    return ViewState(**{**base, **kw})


def greedy_data(translators, name="reverse/general", sentence="hello world"):
    return decode_view.compute_trace(translators[name], name, view(sentence=sentence))


class FakeQuery(dict):
    """st.query_params' to_dict/from_dict, counting writes."""

    writes = 0

    def to_dict(self):
        return dict(self)

    def from_dict(self, values):
        self.clear()
        self.update(values)
        self.writes += 1


# -- view state: the view's owner's (explorer.state.owner) -------------------------------------
REGISTRY = owner.Registry(
    available=lambda: AVAILABLE, default_sentence=EXAMPLES.__getitem__, other_models=lambda t, s: []
)


def opened(query: dict, session: dict | None = None) -> dict:
    """A session in which the Decode page has opened `query` (a link, or the page's own URL)."""
    session = {} if session is None else session
    decode_view.open_link(session, query, REGISTRY)
    return session


def at_step(step: int) -> dict:
    """A session whose view is at `step`."""
    session: dict = {}
    owner.propose(session, {"step": step})
    return session


def test_defaults_without_a_link():
    session = {}
    assert decode_view.open_link(session, {}, REGISTRY) is False
    view = owner.view(session, REGISTRY)
    assert (view.task, view.scorer, view.sentence, view.step, view.strategy) == ("reverse", "general", "a", 0, "greedy")
    assert decode_view.notes_to_show(session) == ()


def test_link_sets_the_view():
    query = {"task": "dates", "scorer": "dot", "sentence": "1 jan 2000", "step": "3", "strategy": "beam", "beam": "4"}
    session = opened(query)
    assert decode_view.current_view(session) == ViewState("dates", "dot", "1 jan 2000", 3, "beam", beam=4)


def test_a_step_report_moves_only_the_step_whatever_widget_values_are_dropped():
    """A stepper's report that reached the server without the settings' widget values (Streamlit dropped their
    keys): the view is its owner's, not the widgets', so the report moves the step and the link keeps the rest;
    the stepper keeps its key (its own step stands in the browser)."""
    session, query = opened({"task": "dates", "scorer": "dot", "sentence": "1 jan 2000", "step": "2"}), FakeQuery()
    owner.fill(session, decode_view.PAGE, ("task", "scorer", "sentence", "model"))
    owner.mark_drawn(session, ("step",))
    drawn = stepper.key(session)
    for key in ("decode_sentence", "decode_task", "decode_scorer", "decode_model"):
        del session[key]
    assert stepper.take_report(session, drawn, 3, 10)
    assert decode_view.current_view(session) == ViewState("dates", "dot", "1 jan 2000", 3)
    link.publish(session, query, decode_view.PAGE, decode_view.shared_link(session))
    assert (query["sentence"], query["step"], query["task"]) == ("1 jan 2000", "3", "dates")
    assert stepper.key(session) == drawn == "decode_stepper"
    owner.propose(session, {"step": 5})  # a link, a lesson or a class moved it: a new instance, from 5
    assert stepper.key(session) == "decode_stepper@1" and not stepper.take_report(session, drawn, 4, 10)


def test_invalid_link_falls_back_with_notes():
    session = opened({"task": "nope", "scorer": "../../etc", "step": "-5"})
    view = owner.view(session, REGISTRY)
    assert (view.task, view.scorer, view.step) == ("reverse", "general", 0)
    notes = " ".join(decode_view.notes_to_show(session))
    assert "nope" in notes and "../../etc" in notes and "step" in notes
    owner.propose(session, {"sentence": "something else"}, registry=REGISTRY)  # the user moved on: the notes go
    assert decode_view.notes_to_show(session) == ()


def test_a_reference_longer_than_the_limit_is_cut_with_a_note():
    query = {"task": "dates", "sentence": "9 may", "reference": "z" * 10_000}
    session = opened(query)
    assert owner.view(session).reference == "z" * MAX_SENTENCE_CHARS
    assert decode_view.notes_to_show(session) == (
        "The reference in the link is longer than 500 characters; it was cut.",
    )
    session = opened({**query, "reference": "z" * 500})
    assert owner.view(session).reference == "z" * 500 and decode_view.notes_to_show(session) == ()


def test_a_link_step_past_the_end_gets_a_note_while_the_page_shows_the_last_step():
    session = opened({"task": "dates", "sentence": "9 may", "step": "99"})
    assert (
        decode_view.step_of(session) == 99 and decode_view.notes_to_show(session) == ()
    )  # 0–200: no note from the link's values
    assert decode_view.fit_session_step(session, 12) == 12
    assert (
        decode_view.past_end_note(session, 12)
        == "The link asked for step 99; this decode has 12 steps, so it shows step 12."
    )
    owner.propose(session, {"step": 11}, by="step")  # the user moved away from the last step
    assert decode_view.past_end_note(session, 12) is None
    owner.propose(session, {"sentence": "1 jan", "step": 12})  # another sentence: no longer the link's view
    assert decode_view.past_end_note(session, 12) is None
    for step in ("12", "3", "abc"):  # inside the decode, or no number: nothing to say
        session = opened({"task": "dates", "sentence": "9 may", "step": step})
        decode_view.fit_session_step(session, 12)
        assert decode_view.past_end_note(session, 12) is None


def test_our_own_url_does_not_override_widgets():
    session, query = opened({}), FakeQuery()
    link.publish(session, query, decode_view.PAGE, decode_view.shared_link(session))
    owner.propose(session, {"sentence": "typed by the user"}, by="sentence")  # the URL still holds the old view
    assert decode_view.open_link(session, query.to_dict(), REGISTRY) is False
    assert decode_view.current_view(session).sentence == "typed by the user"


def test_the_shared_view_seeds_the_page_when_it_opens_without_a_link():
    session: dict = {}
    owner.propose(session, {"task": "dates", "scorer": "concat", "sentence": "2 feb 2002", "step": 2})  # another page
    assert decode_view.open_link(session, {}, REGISTRY) is False
    assert decode_view.current_view(session) == ViewState("dates", "concat", "2 feb 2002", 2, "greedy")


def test_publish_writes_a_compact_link_once():
    session, query = {}, FakeQuery()
    owner.propose(session, {"task": "dates", "scorer": "dot", "sentence": "9 may 2018", "step": 2})
    owner.propose(session, {"strategy": "sample", "temperature": 0.5, "seed": 7})
    link.publish(session, query, decode_view.PAGE, decode_view.shared_link(session))
    assert query == {
        "task": "dates",
        "scorer": "dot",
        "sentence": "9 may 2018",
        "step": "2",
        "strategy": "sample",
        "temperature": "0.5",
        "seed": "7",
    }
    link.publish(session, query, decode_view.PAGE, decode_view.shared_link(session))
    assert query.writes == 1  # unchanged view: the URL is not rewritten
    owner.propose(session, {"reference": "2018-05-09"})
    link.publish(session, query, decode_view.PAGE, decode_view.shared_link(session))
    assert query["reference"] == "2018-05-09"


def test_example_callback_copies_and_clears():
    session = at_step(3)
    session[keys.DECODE_EXAMPLE] = "racecar"
    decode_view.on_example(session)
    assert (decode_view.current_view(session).sentence, decode_view.step_of(session)) == ("racecar", 0)
    assert session[keys.DECODE_EXAMPLE] is None


# -- input -----------------------------------------------------------------------------------
def test_escape_markdown_neutralizes_html_and_markup():
    text = escape_markdown("<script>alert(1)</script> **b** :red[x] $x$ [l](javascript:x)")
    assert "<script>" not in text and "**" not in text and ":red[" not in text and "$x$" not in text
    assert escape_markdown("abc 123") == "abc 123"


def test_unknown_characters_are_listed(translators):
    note = input_notes.unknown_note("9 may 2018 €§", translators["dates/general"])
    assert "'€'" in note and "'§'" in note
    assert input_notes.unknown_note("9 may 2018", translators["dates/general"]) is None
    # a no-break space is read as a space (NFKC): no unknown character, a note that the text changed
    assert input_notes.unknown_note("9\u00a0may 2018", translators["dates/general"]) is None
    assert input_notes.input_notes("9\u00a0may 2018", translators["dates/general"])[0].startswith(
        "Your text was normalised to “9 may 2018”"
    )


def test_step_note_says_how_the_token_was_chosen(translators):
    data = decode_view.compute_trace(translators["reverse/general"], "reverse/general", view(strategy="beam", beam=2))
    row = data.current(1)
    assert not row.forced and decode_view.step_note(row, "beam").endswith("(best beam path)")
    greedy = greedy_data(translators).current(1)
    assert "(" not in decode_view.step_note(greedy, "greedy") and decode_view.step_note(greedy, "greedy").startswith(
        "step 1:"
    )


def test_too_long_input_raises_with_the_limit(translators):
    with pytest.raises(InputError, match=f"at most {MAX_SOURCE_TOKENS}"):
        greedy_data(translators, sentence="a" * (MAX_SOURCE_TOKENS + 1))
    greedy_data(translators, sentence="a" * 60)  # no position-specific weights: longer than trained is taken
    with pytest.raises(InputError, match="trained on sources of at most 39 tokens; this one has 40"):
        greedy_data(translators, "reverse/location", sentence="a" * 40)


# -- traces ----------------------------------------------------------------------------------
def test_trace_is_computed_once_per_view(translators):
    calls = []

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def greedy(self, text, **kw):
            calls.append(text)
            return self.inner.greedy(text, **kw)

    session, counting = {}, Counting(translators["reverse/general"])
    first = decode_view.get_trace(session, counting, "reverse/general", view())
    again = decode_view.get_trace(session, counting, "reverse/general", view(step=3))  # a step is not a new trace
    assert again is first and calls == ["hello world"]
    decode_view.get_trace(session, counting, "reverse/general", view(sentence="abc"))
    assert calls == ["hello world", "abc"]
    data = session[keys.TRACE]["data"]
    json.dumps(asdict(data)) and json.dumps(data.to_json(states=True))  # plain data
    assert pickle.loads(pickle.dumps(data)) == data  # st.session_state and st.cache_data can keep it


def test_every_session_shares_one_decode_of_a_view(monkeypatch):
    """A class's followers open the teacher's view: the process decodes it once for all their sessions (the Decode
    page's get_trace with explorer.ui.common.cached.shared_trace); input the model cannot take is refused each
    time, never kept."""
    from explorer.ui.common import cached

    calls: list[str] = []
    real = decode_view.compute_trace
    monkeypatch.setattr(decode_view, "compute_trace", lambda *a, **k: calls.append(a[2].sentence) or real(*a, **k))
    cached.trace.clear()
    teacher, phone = {}, {}
    one = decode_view.get_trace(teacher, None, "reverse/general", view(sentence="zyx"), compute=cached.shared_trace)
    two = decode_view.get_trace(phone, None, "reverse/general", view(sentence="zyx"), compute=cached.shared_trace)
    assert two == one and one.num_steps > 0 and calls == ["zyx"]
    too_long = "a" * (MAX_SOURCE_TOKENS + 5)
    for _ in range(2):
        with pytest.raises(InputError):
            decode_view.get_trace({}, None, "reverse/general", view(sentence=too_long), compute=cached.shared_trace)
    assert calls == ["zyx", too_long, too_long]


@pytest.mark.parametrize("strategy", ["greedy", "sample", "beam"])
def test_strategies_and_teacher_forcing(translators, strategy):
    t = translators["reverse/general"]
    data = decode_view.compute_trace(t, "reverse/general", view(strategy=strategy, beam=2, temperature=0.7, seed=3))
    assert data.strategy == strategy and data.num_steps >= 1
    forced = decode_view.compute_trace(t, "reverse/general", view(strategy=strategy), reference="dlrow")
    assert forced.strategy == "forced"
    assert forced.target_tokens == ["d", "l", "r", "o", "w", "</s>"]


def test_visible_rows_follow_the_step(translators):
    data = greedy_data(translators)
    for step in (0, 1, 3):
        src, tgt, att = data.visible(step)
        assert len(tgt) == step and len(att) == step and all(len(r) == len(src) for r in att)
    assert data.current(0) is None
    row = data.current(2)
    assert row.position == 1 and row.attention == data.attention[1]
    assert [r["chosen"] for r in decode_view.topk_rows(row)].count(True) == 1
    assert data.current(99) == data.steps[-1]  # past the end: the last step


def test_output_text_spells_the_first_steps_tokens(translators):
    translator = translators["reverse/general"]
    data = greedy_data(translators)
    steps = data.steps
    assert decode_view.output_text(data, 0, translator.target_tokenizer) == ""
    three = decode_view.output_text(data, 3, translator.target_tokenizer)
    assert three == translator.target_tokenizer.decode([s.token_id for s in steps[:3]]) and len(three) <= 3
    whole = decode_view.output_text(data, len(steps), translator.target_tokenizer)
    assert whole == data.output  # the whole decode reads as the trace's output, </s> dropped


def test_none_scorer_has_no_attention(translators):
    data = greedy_data(translators, "reverse/none")
    assert data.visible(2)[2] is None and data.current(1).scores is None
    with pytest.raises(ValueError, match="no attention"):
        decode_analysis.explain_cell(data, 0, 0, translators["reverse/none"].model.decoder.scorer)
    with pytest.raises(ValueError, match="no attention"):
        decode_view.attention_csv(data)


# -- step controls ---------------------------------------------------------------------------
def test_a_step_past_the_end_is_fitted_to_the_decode():
    session = at_step(0)
    owner.propose(session, {"step": 99})
    assert decode_view.fit_session_step(session, 4) == 4 == decode_view.step_of(session)


# -- explain a cell --------------------------------------------------------------------------
@pytest.mark.parametrize("scorer", ATTENTION)
def test_explain_cell_is_the_softmax_of_the_steps_scores(translators, scorer):
    data = greedy_data(translators, f"dates/{scorer}", "9 may 2018")
    for t in (0, min(2, data.num_steps - 1)):
        scores = data.steps[t].scores
        exps = [math.exp(x) for x in scores]
        manual = [e / sum(exps) for e in exps]
        scorer_module = translators[f"dates/{scorer}"].model.decoder.scorer
        for s in range(len(scores)):
            cell = decode_analysis.explain_cell(data, t, s, scorer_module)
            assert cell["score"] == scores[s]
            assert cell["softmax"] == pytest.approx(manual[s], abs=1e-6)
            assert cell["softmax"] == pytest.approx(data.attention[t][s], abs=1e-6)
            assert cell["weight"] == data.attention[t][s]
            assert cell["recomputed"] == pytest.approx(cell["score"], abs=1e-5)  # the scorer's own code, every scorer
        assert sum(cell["shares"]) == pytest.approx(1.0)
    lines = decode_analysis.explain_latex(cell)
    assert any(f"{cell['softmax']:.4f}" in line for line in lines)
    assert f"{100 * cell['share']:.1f}%" in decode_analysis.explain_text(cell)


def test_context_shares_weigh_state_lengths():
    shares = decode_analysis.context_shares([0.5, 0.5], [[3.0, 4.0], [0.0, 1.0]])  # norms 5 and 1
    assert shares == pytest.approx([5 / 6, 1 / 6])


def test_explain_cell_refuses_cells_outside_the_trace(translators):
    data = greedy_data(translators)
    scorer = translators["reverse/general"].model.decoder.scorer
    with pytest.raises(ValueError, match="target step"):
        decode_analysis.explain_cell(data, data.num_steps, 0, scorer)
    with pytest.raises(ValueError, match="source position"):
        decode_analysis.explain_cell(data, 0, 99, scorer)


def test_follow_moves_with_the_value_but_keeps_user_choices():
    session = {}
    link.track(session, "k", 2, options=range(3))
    assert session["k"] == 2
    session["k"] = 0  # the user picked another row
    link.track(session, "k", 2, options=range(3))
    assert session["k"] == 0
    link.track(session, "k", 3, options=range(4))  # the step moved: follow it
    assert session["k"] == 3
    link.track(session, "k", 3, options=range(2))  # no longer an option
    assert session["k"] == 3


# -- what-if and override --------------------------------------------------------------------
def test_whatif_forces_the_candidate_and_keeps_the_prefix(translators):
    t = translators["dates/general"]
    data = greedy_data(translators, "dates/general", "9 may 2018")
    position = 2
    row = data.current(position + 1)
    choice = decode_analysis.first_alternative(row)
    piece, token_id, _ = row.topk[choice]
    assert piece != row.token
    session = {keys.TRACE: {"key": "k", "data": data}}
    result = decode_analysis.run_whatif(session, t, data, position, token_id)
    tokens = result.target_tokens
    assert tokens[:position] == data.target_tokens[:position] and tokens[position] == piece
    assert decode_analysis.whatif_result(session, data, position) is result
    assert decode_analysis.whatif_result(session, data, position + 1) is None
    rows = decode_analysis.compare_rows(data, result, position)
    assert rows[position]["note"] == "forced" and rows[position]["what-if"] == piece


def test_whatif_of_a_sampled_trace_goes_on_sampling_with_its_temperature_and_seed(translators):
    t = translators["dates/general"]
    data = decode_view.compute_trace(
        t, "dates/general", view(sentence="9 may 2018", strategy="sample", temperature=1.5, seed=4)
    )
    assert data.sampling == Sampling(temperature=1.5, seed=4)
    greedy = greedy_data(translators, "dates/general", "9 may 2018")
    assert data.token_ids != greedy.token_ids  # sampling is not greedy here: a greedy tail would show
    for position in (0, 2):  # forcing the token the original sampled gives the original back, not a greedy tail
        same = decode_analysis.whatif(t, data, position, data.token_ids[position])
        assert same.token_ids == data.token_ids and same.output == data.output
    assert (
        decode_analysis.whatif(t, greedy, 0, greedy.token_ids[0]).token_ids == greedy.token_ids
    )  # a greedy one: greedily
    row = data.current(2)
    other = row.topk[decode_analysis.first_alternative(row)][1]
    changed = decode_analysis.whatif(t, data, 1, other)
    assert changed.token_ids[:2] == [data.token_ids[0], other]
    assert decode_analysis.continuation(data) == (
        "Continued by sampling with the original's temperature 1.5 and seed 4 (the same random draws), "
        "so only the forced token and what follows from it differ."
    )


@pytest.mark.parametrize(
    "strategy,reference,said",
    [
        ("greedy", "", "Continued greedily from the forced token, like the original."),
        (
            "beam",
            "",
            "Continued greedily from the forced token, not by beam search, which cannot resume from a forced "
            "token, so this is no beam result.",
        ),
        (
            "greedy",
            "dlrow",
            "Continued greedily from the forced token, not teacher-forced: the reference no longer applies once "
            "a token differs.",
        ),
    ],
)
def test_whatif_says_how_it_continued(translators, strategy, reference, said):
    t = translators["reverse/general"]
    data = decode_view.compute_trace(t, "reverse/general", view(strategy=strategy, beam=2), reference=reference)
    row = data.current(2)
    other = row.topk[decode_analysis.first_alternative(row)][1]
    result = decode_analysis.whatif(t, data, 1, other)
    assert decode_analysis.continuation(data) == said
    assert result.token_ids == [s.token_id for s in t.greedy("hello world", prefix=[data.token_ids[0], other]).steps]


def test_override_puts_all_attention_on_one_position(translators):
    data = greedy_data(translators, "dates/concat", "9 may 2018")
    result = decode_analysis.override(translators["dates/concat"], data, 1, 3)
    assert result["attention_after"] == decode_analysis.one_hot(len(data.source_tokens), 3)
    step = data.steps[1]
    assert [p for p, _ in result["before"]] == [p for p, _ in step.candidates]
    assert [q for _, q in result["before"]] == pytest.approx([q for _, q in step.candidates], abs=1e-6)
    assert sum(q for _, q in result["after"]) <= 1.0 + 1e-6
    with pytest.raises(ValueError):
        decode_analysis.one_hot(3, 3)


# -- exports ---------------------------------------------------------------------------------
def test_attention_csv(translators):
    data = greedy_data(translators, "reverse/dot", "abca")
    rows = list(csv.reader(io.StringIO(decode_view.attention_csv(data))))
    assert rows[0] == ["target", *position_labels(data.source_tokens)]
    assert rows[0][1:] == ["01 a", "02 b", "03 c", "04 a", "05 </s>"]
    assert len(rows) == 1 + len(data.target_tokens)
    assert [r[0] for r in rows[1:]] == position_labels(data.target_tokens)
    assert [[float(x) for x in r[1:]] for r in rows[1:]] == data.attention


def test_trace_json_is_the_whole_trace_with_states(translators):
    data = greedy_data(translators)
    doc = json.loads(decode_view.trace_json(data))
    for key in ("source", "output", "attention", "steps", "encoder_states", "decoder_states", "contexts"):
        assert key in doc
    assert len(doc["decoder_states"]) == data.num_steps
    trace = translators["reverse/general"].greedy("hello world")  # the same document the CLI prints
    assert decode_view.trace_json(data) == json.dumps(trace.to_json(states=True), ensure_ascii=False, indent=1)
    assert decode_view.file_stem(view(task="dates", scorer="scaled_dot")) == "dates-scaled_dot"


def test_available_models_reads_the_registry(monkeypatch):
    use_registry(monkeypatch)
    models = catalog.available()
    assert set(models) == {"reverse", "dates"} and models["dates"] == list(SCORERS)
    assert decode_view.model_name("dates", "dot") == "dates/dot" and decode_view.model_name("dates", "nope") is None
