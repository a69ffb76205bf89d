"""The attention lab's importances and their agreement (seq2seq/lab: importance, agreement, stats).

Integrated gradients' delta is checked against log-probabilities computed apart from it (the
translator's forced decode, and the padding baseline through the model's batch forward); leave-one-out
against forced decodes of the source with a token replaced by <unk>, done by hand; tau on hand-made
vectors. tests/test_lab_measures.py checks the convergence, Jain & Wallace's measures, deletion and the
p-values.
"""

from __future__ import annotations

import json
import math

import pytest
import torch

from seq2seq.checkpoint import load_model
from seq2seq.decoding import InputError
from seq2seq.lab import importance, stats
from seq2seq.lab.agreement import agreement, kendall_tau, step_agreement
from seq2seq.lab.importance import next_token_logprobs, step_importance
from seq2seq.lab.names import pairs
from seq2seq.specials import UNK
from tests.helpers import tiny_translator

REVERSE_SOURCE = "attention"
EN_SOURCE = "i am happy ."


@pytest.fixture(scope="module")
def reverse_dot():
    return load_model("reverse/dot")


@pytest.fixture(scope="module")
def en_fr_general():
    return load_model("en-fr/general")


def _greedy_ids(translator, source):
    return [step.token_id for step in translator.greedy(source).steps]


def _forced_logprob(translator, source, prefix, token_id):
    """log p(token_id | prefix, source) from the translator's own forced decode."""
    return math.log(translator.force_ids(source, [*prefix, token_id]).steps[-1].prob)


def _embeddings(translator, ids):
    return translator.model.encoder.embedding.weight.detach()[torch.tensor(ids)].unsqueeze(0)  # (1, S, E)


@pytest.mark.parametrize("fixture, source", [("reverse_dot", REVERSE_SOURCE), ("en_fr_general", EN_SOURCE)])
def test_the_path_from_embeddings_is_the_translators_forced_decode(request, fixture, source):
    translator = request.getfixturevalue(fixture)
    ids = _greedy_ids(translator, source)
    x = _embeddings(translator, translator.encode_source(source))
    for t in range(len(ids)):
        with torch.no_grad():
            logprobs, weights = next_token_logprobs(translator.model, x.expand(3, -1, -1), ids[:t])  # three rows
        expected = _forced_logprob(translator, source, ids[:t], ids[t])
        assert logprobs[:, ids[t]].tolist() == pytest.approx([expected] * 3, abs=1e-5)
        assert int(logprobs[0].argmax()) == ids[t]
        step = translator.force_ids(source, ids[: t + 1]).steps[-1]
        assert weights[0].tolist() == pytest.approx(list(step.attention), abs=1e-5)


def baseline_logprob(translator, length: int, prefix, token_id: int) -> float:
    """f(x') = log p(token | prefix, a source of `length` <pad>), through the model's teacher-forced batch forward
    (`Seq2Seq.forward`), not the lab's path from embeddings."""
    config = translator.config
    src = torch.full((1, length), config.pad_id)
    tgt_in = torch.tensor([[config.bos_id, *prefix]])
    with torch.no_grad():
        logits, _ = translator.model(src, torch.tensor([length]), tgt_in)
    return float(torch.log_softmax(logits[0, -1].float(), dim=-1)[token_id])


@pytest.mark.parametrize("fixture, source", [("reverse_dot", REVERSE_SOURCE), ("en_fr_general", EN_SOURCE)])
def test_integrated_gradients_delta_is_the_completeness_gap_measured_apart(request, fixture, source):
    """delta = |sum_s IG_s - (f(x) - f(x'))|, f(x) from a forced decode and f(x') from the batch forward."""
    translator = request.getfixturevalue(fixture)
    ids = _greedy_ids(translator, source)
    length = len(translator.encode_source(source))
    for t in (0, len(ids) // 2):
        imp = step_importance(translator, source, ids[:t])
        assert imp.token_id == ids[t]  # the default token is the greedy choice
        assert len(imp.integrated_gradients) == length == len(imp.source_tokens)
        f_x = _forced_logprob(translator, source, ids[:t], ids[t])
        f_baseline = baseline_logprob(translator, length, ids[:t], ids[t])
        gap = abs(sum(imp.integrated_gradients) - (f_x - f_baseline))
        assert imp.ig_delta == pytest.approx(gap, abs=5e-5)
        assert imp.ig_converged and imp.ig_delta <= max(0.01, 0.01 * abs(f_x - f_baseline))
        assert 32 <= imp.ig_points <= 1024
        assert abs(imp.logprob - f_x) <= 1e-5 and abs(imp.baseline_logprob - f_baseline) <= 1e-5


@pytest.mark.parametrize("scorer", ["dot", "tiny"])
def test_leave_one_out_is_a_forced_decode_with_unk(reverse_dot, scorer):
    """LOO_s = log p(w | source) - log p(w | source with token s as <unk>), forced decodes by hand."""
    translator = reverse_dot if scorer == "dot" else tiny_translator(scorer="general")
    source = REVERSE_SOURCE if scorer == "dot" else "abcdeh"
    # the trained model's greedy second step; for the untrained one (which ends at once) "h" then "b"
    first, token = _greedy_ids(translator, source)[:2] if scorer == "dot" else translator.target_tokenizer.encode("hb")
    prefix = [first]
    imp = step_importance(translator, source, prefix, token_id=token, ig_steps=4, loo="unk")
    assert imp.loo == "unk" and imp.source_tokens[-1] == "</s>" and len(imp.leave_one_out) == len(source) + 1
    original = _forced_logprob(translator, source, prefix, token)
    for s in range(len(source)):
        replaced = source[:s] + "#" + source[s + 1 :]  # "#" is outside both alphabets: <unk>
        assert translator.encode_source(replaced)[s] == UNK
        by_hand = original - _forced_logprob(translator, replaced, prefix, token)
        assert imp.leave_one_out[s] == pytest.approx(by_hand, abs=1e-5)
    if scorer == "dot":  # the reverse model's second output is the source's second-to-last letter
        assert max(range(len(source)), key=lambda s: imp.leave_one_out[s]) == len(source) - 2


def test_the_model_chooses_leave_one_outs_method_by_its_unk():
    """reverse trained <unk> (unk_rate 0.05): replacement; a model without that record: deletion."""
    assert importance.leave_one_out_method(load_model("reverse/dot")) == "unk"
    assert importance.leave_one_out_method(load_model("reverse/dot"), "jain-wallace") == "deletion"
    assert importance.leave_one_out_method(tiny_translator()) == "deletion"
    assert step_importance(tiny_translator(), "abc", [], ig_steps=4).loo == "deletion"


def test_a_zero_embedding_gets_zero_gradient_x_input_and_integrated_gradients():
    translator = tiny_translator(scorer="dot")
    c = translator.source_tokenizer.encode("c")[0]
    with torch.no_grad():
        translator.model.encoder.embedding.weight[c] = 0.0
    source = "acbcd"
    imp = step_importance(translator, source, [], ig_steps=8)
    for s, char in enumerate(source):
        if char == "c":
            assert imp.grad_x_input[s] == 0.0
            assert imp.integrated_gradients[s] == 0.0  # x_s - x'_s = 0: the baseline is the zero <pad> row
        else:
            assert imp.grad_x_input[s] != 0.0  # signed: either way


def test_the_none_scorer_has_no_attention_but_importances():
    translator = load_model("reverse/none")
    imp = step_importance(translator, "abc", [], ig_steps=8)
    assert imp.attention is None
    assert len(imp.grad_x_input) == len(imp.integrated_gradients) == len(imp.leave_one_out) == 4
    assert all(math.isfinite(v) for v in imp.grad_x_input + imp.integrated_gradients + imp.leave_one_out)
    assert (
        set(step_agreement(imp))
        == set(pairs(False))
        == {
            "grad_x_input~integrated_gradients",
            "grad_x_input~leave_one_out",
            "integrated_gradients~leave_one_out",
        }
    )
    data = json.loads(json.dumps(imp.to_json()))
    assert data["attention"] is None and data["measures"] == "signed" and data["loo"] == "unk"
    assert {"ig_delta", "ig_points", "ig_converged", "baseline_logprob", "ranked", "saturated"} <= set(data)


def test_a_finished_prefix_or_a_bad_setting_is_refused(reverse_dot):
    with pytest.raises(InputError, match="</s>"):
        step_importance(reverse_dot, "abc", [reverse_dot.config.eos_id])
    with pytest.raises(InputError, match="ig_steps"):
        step_importance(reverse_dot, "abc", [], ig_steps=0)
    with pytest.raises(InputError, match="measures"):
        step_importance(reverse_dot, "abc", [], measures="absolute")
    with pytest.raises(InputError, match="loo"):
        step_importance(reverse_dot, "abc", [], loo="zero")
    with pytest.raises(InputError, match="outside"):
        step_importance(reverse_dot, "abc", [], token_id=10**6)


def test_kendall_tau_on_hand_made_vectors():
    assert kendall_tau([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # one discordant pair (2, 3) of six: (5 - 1) / 6
    assert kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(2 / 3)
    # tau-b with ties: pairs (0,2) (0,3) (1,3) (2,3) concordant, (0,1) tied in a, (1,2) tied in b:
    # 4 / sqrt((6 - 1) (6 - 1))
    assert kendall_tau([1, 1, 2, 3], [1, 2, 2, 3]) == pytest.approx(0.8)
    assert math.isnan(kendall_tau([1, 1, 1], [1, 2, 3]))  # constant: undefined
    assert math.isnan(kendall_tau([1.0, math.nan, 2.0], [1, 2, 3]))
    with pytest.raises(ValueError):
        kendall_tau([1, 2], [1, 2, 3])


def test_summary_on_known_values():
    result = stats.summary([5, 1, 4, 2, 3, None, math.nan])
    assert result["n"] == 5 and result["median"] == 3.0
    assert 1.0 <= result["low"] <= 3.0 <= result["high"] <= 5.0
    assert result == stats.summary([1, 2, 3, 4, 5])  # same seed, same interval
    assert stats.summary([2.0, 2.0, 2.0]) == {"n": 3, "median": 2.0, "low": 2.0, "high": 2.0}
    assert stats.summary([7.0]) == {"n": 1, "median": 7.0, "low": 7.0, "high": 7.0}
    assert stats.summary([]) == {"n": 0, "median": None, "low": None, "high": None}
    wide = stats.summary(list(range(101)))
    assert wide["median"] == 50.0 and 40 <= wide["low"] < 50 < wide["high"] <= 60


def test_agreement_over_sources_is_plain_data_and_can_be_interrupted(reverse_dot):
    calls = []
    result = agreement(reverse_dot, ["abc", "hello"], max_steps=2, ig_steps=4, progress=calls.append)
    assert calls == [1, 1] and result["interrupted"] is False
    json.dumps(result, allow_nan=False)  # strict JSON: undefined taus are null
    summary = result["summary"]
    assert {k for k in summary if "~" in k} == set(pairs(True))
    assert {"steps", "examples", "significant_share", "saturated", "unsaturated", "source_lengths", "ig"} <= set(
        summary
    )
    assert (result["measures"], result["loo"]) == ("signed", "unk")  # reverse's <unk> was trained
    first = result["per_example"][0]
    assert first["output"] == "cba" and len(first["steps"]) == 2 and first["length"] == 3
    assert set(first["tau"]) == set(pairs(True)) and first["steps"][1]["token"] == "b"
    step = first["steps"][1]
    assert set(step["tau_p"]) == set(pairs(True)) and step["ig_points"] == 4 and step["ig_delta"] >= 0
    assert summary["attention~leave_one_out"]["n"] <= 2 and summary["steps"] == 4 and summary["examples"] == 2
    assert summary["saturated"]["count"] == sum(s["saturated"] for e in result["per_example"] for s in e["steps"])

    def stop(_):
        raise KeyboardInterrupt

    partial = agreement(reverse_dot, ["abc", "hello"], max_steps=1, ig_steps=4, progress=stop)
    assert partial["interrupted"] is True and len(partial["per_example"]) == 1
