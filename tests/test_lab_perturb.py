"""The attention lab's perturbations (seq2seq/lab: perturb, permutation, adversarial, uniform, override).

The differentiable step is checked against the translator's step API; permutations of a uniform row
change nothing and permutations of a one-hot row change the token; the adversarial row respects its
TVD bound, measured again through the step API; uniform attention costs reverse its exact match;
an override with the model's own row changes nothing.
"""

from __future__ import annotations

import math

import pytest
import torch

from seq2seq.checkpoint import load_model
from seq2seq.decoding import InputError
from seq2seq.lab.adversarial import adversarial, adversarial_step
from seq2seq.lab.override import one_hot, override_effect, override_split
from seq2seq.lab.permutation import permutation, permutations, permute_step
from seq2seq.lab.perturb import (
    LN2,
    StepGraph,
    distribution_with,
    jensen_shannon,
    state_after,
    total_variation,
)
from seq2seq.lab.uniform import uniform_decode, uniform_quality, uniform_row
from tests.helpers import tiny_translator

# Tiny steps gain nothing from a thread pool, which on a busy machine makes each call much slower.
torch.set_num_threads(1)

SOURCE = "hello world"
DISTINCT = "abcdefghij"  # every character once: a shuffled one-hot row reads another character


@pytest.fixture(scope="module")
def reverse_dot():
    return load_model("reverse/dot")


def _greedy_ids(translator, source):
    return [step.token_id for step in translator.greedy(source).steps]


# -- the shared step ---------------------------------------------------------------------------------
def test_distances_on_hand_made_vectors():
    a, b = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 0.5, 0.5])
    assert float(total_variation(a, b)) == pytest.approx(1.0)
    assert float(jensen_shannon(a, b)) == pytest.approx(LN2)
    assert float(jensen_shannon(a, a)) == 0.0
    c = torch.tensor([0.5, 0.5, 0.0])
    assert float(total_variation(a, c)) == pytest.approx(0.5)
    # 1/2 KL(a || m) + 1/2 KL(c || m), m = (.75, .25, 0), by hand
    by_hand = 0.5 * math.log(1 / 0.75) + 0.5 * (0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25))
    assert float(jensen_shannon(a, c)) == pytest.approx(by_hand)


@pytest.mark.parametrize("which", ["reverse/dot", "tiny-lstm-concat"])
def test_step_graph_reproduces_the_translator(which, reverse_dot):
    translator = reverse_dot if which == "reverse/dot" else tiny_translator(scorer="concat", cell="lstm", num_layers=2)
    source = SOURCE if which == "reverse/dot" else "abc d"
    trace = translator.greedy(source, max_len=8)
    state = translator.start(source)
    generator = torch.Generator().manual_seed(0)
    for step in trace.steps:
        graph = StepGraph.at(translator, state)
        own = torch.tensor(translator.step(state).attention)
        assert torch.allclose(graph.attention, own)
        with torch.no_grad():
            mine = graph.distribution(graph.attention)
        assert (mine - distribution_with(translator, state, None)).abs().max() <= 1e-5
        top = [p for _, _, p in step.topk]
        assert mine.topk(len(top)).values.tolist() == pytest.approx(top, abs=1e-5)
        # an arbitrary row, through the override and through the graph
        row = torch.softmax(torch.randn(graph.length, generator=generator) * 3, -1).double()
        row = row / row.sum()
        with torch.no_grad():
            overridden = graph.distribution(row.float())
        assert (overridden - distribution_with(translator, state, row)).abs().max() <= 1e-5
        state = step.next_state


def test_state_after_holds_the_prefix(reverse_dot):
    ids = _greedy_ids(reverse_dot, SOURCE)
    state = state_after(reverse_dot, SOURCE, ids[:3])
    assert state.output_ids == tuple(ids[:3]) and state.position == 3
    assert state_after(reverse_dot, SOURCE, ["d", "l"]).output_ids == tuple(ids[:2])


def test_a_model_without_attention_is_refused():
    translator = tiny_translator(scorer="none")
    for call in (
        lambda: permute_step(translator, "abc"),
        lambda: adversarial_step(translator, "abc"),
        lambda: uniform_decode(translator, "abc"),
        lambda: override_effect(translator, "abc", 0, [0.25] * 4),
    ):
        with pytest.raises(InputError, match="no attention"):
            call()


# -- permutation ---------------------------------------------------------------------------------------
def test_permuting_uniform_attention_changes_nothing(monkeypatch):
    translator = load_model("reverse/dot")
    scorer = translator.model.decoder.scorer
    # Constant scores: the model's own attention is uniform at every step.
    monkeypatch.setattr(scorer, "score", lambda query, memory, keys=None: memory.new_zeros(memory.shape[:2]))
    ids = _greedy_ids(translator, SOURCE)
    for t in (0, 4, len(ids) - 1):
        result = permute_step(translator, SOURCE, ids[:t], n_seeds=20)
        assert result.attention == pytest.approx([1 / len(result.attention)] * len(result.attention))
        assert max(result.tvd) <= 1e-6 and result.median_tvd <= 1e-6
        assert result.fraction_changed == 0.0 and not any(result.changed)


def test_permuting_a_uniform_row_given_explicitly_changes_nothing(reverse_dot):
    length = len(DISTINCT) + 1
    result = permute_step(reverse_dot, DISTINCT, (), n_seeds=30, attention=uniform_row(length))
    assert max(result.tvd) <= 1e-6 and result.fraction_changed == 0.0


def test_permuting_a_one_hot_row_changes_the_token(reverse_dot):
    ids = _greedy_ids(reverse_dot, DISTINCT)
    own = permute_step(reverse_dot, DISTINCT, ids[:2], n_seeds=50)
    assert max(own.attention) > 0.9  # reverse/dot attends to one character
    assert own.fraction_changed > 0.5 and own.median_tvd > 0.5
    given = permute_step(reverse_dot, DISTINCT, ids[:2], n_seeds=50, attention=one_hot(len(DISTINCT) + 1, 7))
    assert given.fraction_changed > 0.5
    # The seeds name the shuffles: the same seeds give the same values.
    again = permute_step(reverse_dot, DISTINCT, ids[:2], n_seeds=10, seed=0)
    assert again.tvd == pytest.approx(own.tvd[:10]) and again.seeds == tuple(range(10))
    assert (
        permutations(5, 3, seed=7)[1].tolist() == torch.randperm(5, generator=torch.Generator().manual_seed(8)).tolist()
    )


def test_permutation_over_sources(reverse_dot):
    result = permutation(reverse_dot, ["abc", "hello"], n_seeds=10)
    assert [len(e["steps"]) for e in result["per_example"]] == [4, 6]  # the characters and </s>
    assert set(result["summary"]) >= {"median_tvd", "fraction_changed", "steps", "n_seeds", "interrupted"}
    assert set(result["summary"]["median_tvd"]) == {"n", "median", "low", "high"}
    assert result["summary"]["median_tvd"]["n"] == 2 and result["summary"]["steps"] == 10


# -- adversarial ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0, 3])
def test_adversarial_attention_respects_the_bound(reverse_dot, t):
    ids = _greedy_ids(reverse_dot, SOURCE)
    result = adversarial_step(reverse_dot, SOURCE, ids[:t], tvd_bound=0.05)
    assert result.tvd <= 0.05 and result.jsd > 0.0 and result.jsd <= LN2 + 1e-9
    assert math.fsum(result.attention) == pytest.approx(1.0, abs=1e-9) and min(result.attention) >= 0.0
    # measured again, apart from the search: the step API with the model's own row and with the new one
    state = state_after(reverse_dot, SOURCE, ids[:t])
    own = distribution_with(reverse_dot, state, None)
    new = distribution_with(reverse_dot, state, result.attention)
    assert float(total_variation(own, new)) <= 0.05
    assert float(total_variation(own, new)) == pytest.approx(result.tvd, abs=1e-6)
    assert float(jensen_shannon(torch.tensor(result.original_attention), torch.tensor(result.attention))) == (
        pytest.approx(result.jsd, abs=1e-5)
    )
    assert result.original_top[0][1] == ids[t]
    assert result.to_json()["jsd_unit"] == "nats"


def test_a_tighter_bound_is_respected_too(reverse_dot):
    result = adversarial_step(reverse_dot, DISTINCT, (), tvd_bound=0.001, iterations=60)
    assert result.tvd <= 0.001 and not result.token_changed


def test_adversarial_over_sources(reverse_dot):
    result = adversarial(reverse_dot, ["ab"], iterations=20, restarts=2)
    (example,) = result["per_example"]
    assert len(example["steps"]) == 3 and all(s["tvd"] <= 0.05 for s in example["steps"])
    assert result["summary"]["median_jsd"]["n"] == 1 and result["summary"]["jsd_unit"] == "nats"


# -- uniform -------------------------------------------------------------------------------------------
def test_uniform_decoding_uses_uniform_weights(reverse_dot):
    trace = uniform_decode(reverse_dot, SOURCE)
    row = uniform_row(len(SOURCE) + 1)
    assert all(step.overridden and step.attention == pytest.approx(row) for step in trace.steps)
    assert trace.strategy == "uniform"


def test_uniform_attention_loses_exact_match_on_reverse(reverse_dot):
    result = uniform_quality(reverse_dot, "reverse", n=12)
    assert result["metric"] == "exact_match" and result["n"] == 12
    assert result["uniform"] < result["model"] and result["change"] == result["uniform"] - result["model"]
    assert len(result["per_example"]) == 12 and not result["interrupted"]


# -- override ------------------------------------------------------------------------------------------
def test_overriding_with_the_models_own_row_changes_nothing(reverse_dot):
    trace = reverse_dot.greedy(SOURCE)
    for t in (0, 5, len(trace.steps) - 1):
        effect = override_effect(reverse_dot, SOURCE, t, trace.steps[t].attention, original=trace)
        assert effect["survival"] == 1.0 and effect["identical"] and not effect["step_changed"]
        assert effect["overridden"] == trace.output


def test_overriding_a_step_counts_what_survives(reverse_dot):
    trace = reverse_dot.greedy(DISTINCT)
    effect = override_effect(reverse_dot, DISTINCT, 2, one_hot(len(DISTINCT) + 1, 0), original=trace)
    assert effect["token_before"] == "h" and effect["step_changed"] and not effect["identical"]
    kept = sum(a == b for a, b in zip(effect["original_tokens"][3:], effect["overridden_tokens"][3:], strict=False))
    assert effect["survival"] == pytest.approx(kept / effect["compared"])
    with pytest.raises(ValueError, match="step must lie"):
        override_effect(reverse_dot, DISTINCT, len(trace.steps), one_hot(len(DISTINCT) + 1, 0), original=trace)


def test_override_over_sources(reverse_dot):
    result = override_split(reverse_dot, ["abc", "hello world", "attention"], seed=1)
    assert len(result["per_example"]) == 3
    assert set(result["summary"]) >= {"survival", "identical", "step_changed", "n", "interrupted"}
    assert 0.0 <= result["summary"]["survival"]["median"] <= 1.0
    assert result == override_split(reverse_dot, ["abc", "hello world", "attention"], seed=1)


def test_a_row_that_is_not_a_distribution_is_refused(reverse_dot):
    with pytest.raises(InputError, match="weights"):
        permute_step(reverse_dot, "abc", attention=[0.5, 0.5])
    with pytest.raises(InputError, match="sum to 1"):
        permute_step(reverse_dot, "abc", attention=[0.5, 0.5, 0.5, 0.5])
