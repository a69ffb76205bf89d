"""The lab's scorer table (seq2seq/lab/table.py) and quality by length (seq2seq/lab/length.py).

AER on a hand-computed example, exact length buckets, perplexity against a forced decode by hand,
and the table's batched integrated gradients against `step_importance`'s, on the shipped models.
"""

from __future__ import annotations

import math

import pytest

from seq2seq.checkpoint import load_model
from seq2seq.lab import length, table
from seq2seq.metrics import alignment_scores, bleu
from seq2seq.registry import registry
from seq2seq.scorers import SCORERS
from seq2seq.tasks import get_task, reverse


@pytest.fixture(scope="module")
def dot():
    return load_model("reverse/dot")


# -- alignment error rate ---------------------------------------------------------------------------------
def test_aer_on_a_hand_computed_example():
    # Target tokens 0..3 (then </s>, ignored) over 3 source positions. Gold: t0 -> 2 and t1 -> 1 (sure,
    # one token wide), t2 -> nothing, t3 -> the span 0..1 (two possible links, none sure).
    gold = [(2, 3), (1, 2), None, (0, 2)]
    attention = [
        [0.1, 0.2, 0.7],  # argmax 2: a sure link, hit
        [0.6, 0.3, 0.1],  # argmax 0: wrong (gold is 1)
        [0.2, 0.5, 0.3],  # no gold: no link
        [0.3, 0.6, 0.1],  # argmax 1: inside the span, a possible link
        [0.0, 0.0, 1.0],  # </s>: no gold, no link
    ]
    links, sure, possible = table.alignment_links(attention, gold)
    assert links == {(0, 2), (1, 0), (3, 1)}
    assert sure == {(0, 2), (1, 1)}
    assert possible == {(0, 2), (1, 1), (3, 0), (3, 1)}
    # |A∩S| = 1, |A∩P| = 2, |A| = 3, |S| = 2: AER = 1 - (1 + 2) / (3 + 2)
    assert table.aer([attention], [gold]) == pytest.approx(0.4)


def test_aer_with_sure_links_only_is_one_minus_twice_the_overlap():
    # Reverse-like gold (one-to-one, all sure): S = P, AER = 1 - 2|A∩S| / (|A| + |S|).
    gold = [(2, 3), (1, 2), (0, 1)]
    attention = [[0.0, 0.1, 0.9], [0.8, 0.1, 0.1], [0.9, 0.05, 0.05], [0.3, 0.3, 0.4]]
    # A = {(0,2), (1,0), (2,0)}, S = {(0,2), (1,1), (2,0)}: |A∩S| = 2
    assert table.aer([attention], [gold]) == pytest.approx(1 - 2 * 2 / (3 + 3))
    # and that is 1 - alignment accuracy (argmax inside the gold span)
    accuracy = alignment_scores([attention], [gold])["alignment_accuracy"]
    assert table.aer([attention], [gold]) == pytest.approx(1 - accuracy)
    assert table.aer([attention], [[None, None, None]]) is None


def test_aer_of_a_perfect_reverse_model_is_zero(dot):
    examples = get_task("reverse").examples("test", 3, 0)
    scores = table.forced_scores(dot, [(e.source, e.target) for e in examples])
    assert table.aer([s["attention"] for s in scores], [e.alignment for e in examples]) == 0.0


# -- perplexity --------------------------------------------------------------------------------------------
def test_perplexity_is_exp_of_the_mean_nll_of_a_forced_decode(dot):
    examples = get_task("reverse").examples("test", 2, 0)
    nll = tokens = 0.0
    for e in examples:
        trace = dot.force(e.source, e.target)  # the target's characters, then </s>
        nll -= sum(math.log(step.prob) for step in trace.steps)
        tokens += len(trace.steps)
    by_hand = math.exp(nll / tokens)
    scores = table.forced_scores(dot, [(e.source, e.target) for e in examples])
    assert [s["tokens"] for s in scores] == [len(e.target) + 1 for e in examples]
    assert table.perplexity(scores) == pytest.approx(by_hand, rel=1e-5)
    assert by_hand > 1.0


# -- tau(attention, integrated gradients) ------------------------------------------------------------------
def test_batched_integrated_gradients_equal_step_importance(dot):
    from seq2seq.lab.importance import step_importance

    source = "attention"
    found = table.greedy_integrated_gradients(dot, source, ig_steps=8)
    assert found["output"] == "noitnetta"
    ids = found["ids"]
    for t in (0, 4, len(ids) - 1):  # first, middle, </s>
        step = step_importance(dot, source, ids[:t], token_id=ids[t], ig_steps=8)
        assert found["integrated_gradients"][t] == pytest.approx(list(step.integrated_gradients), abs=1e-4)
        assert found["attention"][t] == pytest.approx(list(step.attention), abs=1e-5)
        assert found["delta"][t] == pytest.approx(step.ig_delta, abs=1e-4)


def test_task_models_put_gru_scorers_in_display_order_then_lstm():
    names = [e.name for e in table.task_models("reverse")]
    assert SCORERS[:6] == ("none", "dot", "general", "concat", "scaled_dot", "location")
    shipped = {e.name for e in registry() if e.cell == "gru" and not e.is_user}  # a scorer without them: no row
    assert names == [*(f"reverse/{s}" for s in SCORERS if f"reverse/{s}" in shipped), "reverse/lstm-general"]
    assert len(names) >= 8  # the seven shipped scorers and the LSTM


def test_a_row_without_attention_has_no_attention_columns():
    none = load_model("reverse/none")
    examples = get_task("reverse").examples("test", 3, 0)
    row = table.model_row(none, "reverse", examples)
    assert row["aer"] is None and row["entropy"] is None and row["tau"] is None
    assert row["perplexity"] > 1.0 and 0.0 <= row["exact_match"] <= 1.0
    assert [e["source"] for e in row["per_example"]] == [e.source for e in examples]


def test_a_row_with_fixed_attention_has_its_entropy_and_no_alignment_or_tau():
    """A uniform model's weights are 1/S: their entropy is the mean of log S over the rows, and there is no
    argmax to align nor ranking to compare (ties everywhere)."""
    from tests.helpers import tiny_translator

    uniform = tiny_translator(scorer="uniform")
    examples = get_task("reverse").examples("test", 3, 0)
    row = table.model_row(uniform, "reverse", examples)
    assert row["aer"] is None and row["tau"] is None and row["tau_examples"] == 0
    forced = table.forced_scores(uniform, [(e.source, e.target) for e in examples])
    rows = [r for f in forced for r in f["attention"]]
    assert math.isclose(row["entropy"], sum(math.log(len(r)) for r in rows) / len(rows), rel_tol=1e-5)


# -- quality by length -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("length_", "width", "index", "edges"),
    [(1, 10, 0, [1, 10]), (10, 10, 0, [1, 10]), (11, 10, 1, [11, 20]), (30, 10, 2, [21, 30]), (31, 10, 3, [31, 40])]
    + [(50, 10, 4, [41, 50]), (5, 5, 0, [1, 5]), (6, 5, 1, [6, 10]), (1, 1, 0, [1, 1])],
)
def test_bucket_edges(length_, width, index, edges):
    assert length.bucket_of(length_, width) == index
    assert length.bucket_range(index, width) == edges


def test_every_example_is_in_exactly_one_bucket_and_long_strings_go_past_training():
    location = load_model("reverse/location")  # refuses sources past its trained 30 characters
    result = length.quality_by_length(location, "reverse", n=30, resamples=50)
    buckets, examples = result["buckets"], result["per_example"]
    assert [b["range"] for b in buckets] == [[1, 10], [11, 20], [21, 30], [31, 40], [41, 50]]
    assert len(examples) == 30 + reverse.longer_count(30) == 50
    for e in examples:
        holding = [b for b in buckets if b["range"][0] <= e["length"] <= b["range"][1]]
        assert len(holding) == 1 and buckets.index(holding[0]) == e["bucket"]
        assert e["length"] == len(e["source"])
    assert sum(b["n"] + b["refused"] for b in buckets) == len(examples)
    assert max(e["length"] for e in examples) > 30 and all(e["length"] <= 50 for e in examples)
    # location cannot take the longer strings: counted as refused, not scored
    assert all(e["refused"] == (e["length"] > 30) for e in examples)
    assert [b["value"] is None for b in buckets] == [False, False, False, True, True]
    for b in buckets[:3]:
        inside = [e for e in examples if e["bucket"] == buckets.index(b)]
        assert b["value"] == pytest.approx(sum(e["correct"] for e in inside) / len(inside))
        assert b["low"] <= b["value"] <= b["high"]
    # the long strings are drawn the same way every time
    assert reverse.longer_examples("test", 3) == reverse.longer_examples("test", 3)


def test_length_units_and_corpus_sampling_spread_over_buckets():
    assert length.source_length("en-fr", "I am cold.") == 3 and length.length_unit("en-fr") == "words"
    assert length.source_length("zh-en", "我爱你。") == 4 and length.length_unit("zh-en") == "characters"
    # 30 one-word sources and 10 of eight words, in file order: the first 4 would all be one word long
    sources = [f"w{i}" if i % 4 else f"w{i} " + "x " * 7 for i in range(40)]
    picked = length.stratified_sources("en-fr", sources, 4, 5)
    lengths = [length.source_length("en-fr", s) for s in picked]
    assert sorted(lengths) == [1, 1, 8, 8]  # 2 from each bucket, at an even stride
    assert picked == sorted(picked, key=sources.index)  # file order kept
    assert picked[0] == "w0 " + "x " * 7 and "w1" in picked


def test_bucket_bleu_equals_corpus_bleu_of_its_sentences():
    hyps = ["the cat sat on the mat", "a dog", "hello there my friend"]
    refs = [["the cat sat on the mat"], ["the dog", "a dog barks"], ["hello my friend"]]
    score = length._bleu_scorer(refs, hyps)
    assert score([0, 1, 2]) == pytest.approx(bleu(hyps, refs))
    assert score([1, 2]) == pytest.approx(bleu(hyps[1:], refs[1:]))


def test_bucket_bleu_keeps_the_numbers_of_sacrebleus_corpus_statistics():
    """The scorer reads each sentence's statistics through sacrebleu's public API (sentence_score,
    compute_bleu); these are the numbers its private corpus statistics gave, to the last bit: resamples
    with repeats, several references, a tokenized period, an empty output."""
    hyps = ["the cat sat on the mat", "a dog", "hello there my friend", "Il fait froid .", ""]
    refs = [["the cat sat on the mat"], ["the dog", "a dog barks"], ["hello my friend"]]
    refs += [["Il fait froid.", "J'ai froid."], ["rien"]]
    score = length._bleu_scorer(refs, hyps)
    expected = {
        (0, 1, 2, 3, 4): 82.74377299117182,
        (0, 1, 2): 77.26970309716171,
        (1, 2): 40.1714209472326,
        (1,): 0.0,
        (3,): 100.00000000000004,
        (4,): 0.0,
        (0, 0, 1): 100.00000000000004,
        (2, 3, 3, 1): 75.80200557466952,
    }
    assert {indices: score(list(indices)) for indices in expected} == expected
    for indices in expected:
        assert score(list(indices)) == bleu([hyps[i] for i in indices], [refs[i] for i in indices])
