"""The lab's measures against answers known apart from them (seq2seq/lab: integrated, importance, agreement).

- Integrated gradients to convergence: on a hand-made function whose integrated gradients have a closed
  form, and on a small hand-made model made sharp, the adaptive result is within its tolerance of a
  1,024-point reference, and its delta is the completeness gap computed from f alone.
- Jain & Wallace's gradient: the derivative along each token's embedding with attention held at the
  model's own rows, measured by finite differences through the translator's step API (`attention=`).
- Leave-one-out by deletion: forced decodes of the source with the character removed (Jain & Wallace's:
  the TVD between the whole output distributions, their Algorithm 1).
- </s> is never ranked by Jain & Wallace's measures; tau's p-value is scipy's.
- Which models trained their <unk>: the rule agrees with the shipped weights.
"""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest
import torch
from safetensors.torch import load_file
from scipy.stats import kendalltau

from seq2seq.checkpoint import load_model
from seq2seq.lab import integrated
from seq2seq.lab.agreement import kendall, step_agreement, step_kendall
from seq2seq.lab.importance import (
    SATURATED,
    StepImportance,
    leave_one_out_method,
    step_importance,
    step_importances,
    unk_trained,
)
from seq2seq.lab.names import pairs
from seq2seq.registry import registry, resolve
from seq2seq.specials import UNK
from tests.helpers import tiny_translator

SOURCE = "abcdeh"  # distinct characters of the tiny alphabet: a character names its position


# -- integrated gradients to convergence ----------------------------------------------------------------------
def sharp_function(k: float, w: torch.Tensor, c: float):
    """f(e) = 3 tanh(k (w . e - c)) per row: (R, S, E) -> (R,), a step of 6 placed by c along the path."""

    def f(embedded: torch.Tensor) -> torch.Tensor:
        return 3 * torch.tanh(k * ((embedded * w).sum(dim=(1, 2)) - c))

    return f


def test_adaptive_integrated_gradients_on_a_function_with_a_closed_form():
    """f(x) = g(w . x) from x' = 0: IG_i = w_i x_i (g(u) - g(0)) / u, u = w . x (Sundararajan et al.'s path)."""
    torch.manual_seed(0)
    x = torch.rand(1, 5, 3) + 0.5
    w = torch.rand(5, 3)
    u = float((w * x[0]).sum())
    f = sharp_function(200 / u, w, 0.37 * u)  # a step from -3 to 3 over a hundredth of the path, at 0.37
    exact = (w * x[0]) * (float(f(x)) - float(f(torch.zeros_like(x)))) / u  # (S, E)
    baseline = torch.zeros_like(x)
    adaptive = integrated.integrated_gradients(f, x, baseline)
    reference = integrated.integrated_gradients(f, x, baseline, points=1024)
    fixed = integrated.integrated_gradients(f, x, baseline, points=32)
    gap = float(adaptive.f_input - adaptive.f_baseline)
    tol = max(integrated.ATOL, integrated.RTOL * abs(gap))
    assert bool(adaptive.converged[0]) and float(adaptive.delta[0]) <= tol
    assert 32 < int(adaptive.points[0]) < 1024  # it needed more than the start, and less than the cap
    assert float((reference.attributions[0] - exact).abs().max()) < 1e-4  # the reference is right
    assert float((adaptive.attributions[0] - exact).abs().sum()) <= tol
    assert float((adaptive.attributions[0] - reference.attributions[0]).abs().sum()) <= tol
    # delta is the completeness gap of f itself, not Captum's
    assert float(adaptive.delta[0]) == pytest.approx(abs(float(adaptive.attributions.double().sum()) - gap), abs=1e-6)
    # 32 uniform Gauss-Legendre points miss the step, and say so
    assert float(fixed.delta[0]) > tol and not bool(fixed.converged[0]) and int(fixed.points[0]) == 32


def test_rows_converge_apart_and_the_cap_is_kept():
    torch.manual_seed(1)
    x = torch.rand(2, 4, 2) + 0.5
    w = torch.rand(4, 2)
    u = [float((w * row).sum()) for row in x]
    smooth, sharp = 0.1, 200.0  # row 0's function is nearly linear; row 1's jumps
    ks = torch.tensor([smooth / u[0], sharp / u[1]])
    cs = torch.tensor([0.37 * u[0], 0.37 * u[1]])

    def f(embedded: torch.Tensor, k: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return 3 * torch.tanh(k * ((embedded * w).sum(dim=(1, 2)) - c))

    found = integrated.integrated_gradients(f, x, torch.zeros_like(x), args=(ks, cs))
    assert found.points.tolist()[0] == 32 and found.points.tolist()[1] > 32
    assert all(p <= integrated.MAX_IG_STEPS for p in found.points.tolist())
    steep = integrated.integrated_gradients(f, x[1:], torch.zeros_like(x[1:]), args=(ks[1:] * 1e5, cs[1:]))
    assert int(steep.points[0]) == integrated.MAX_IG_STEPS and not bool(steep.converged[0])  # a jump: capped


def sharp_translator(seed: int):
    """The tiny model with its embeddings, W_c and W_o scaled up: f bends sharply along the IG path."""
    translator = tiny_translator(scorer="general", seed=seed)
    with torch.no_grad():
        translator.model.encoder.embedding.weight.mul_(20)
        translator.model.decoder.W_c.weight.mul_(5)
        translator.model.decoder.W_o.weight.mul_(30)
    return translator


@pytest.mark.parametrize("seed", [0, 2])
def test_adaptive_integrated_gradients_match_a_1024_point_reference_on_a_sharp_model(seed):
    translator = sharp_translator(seed)
    token = translator.target_tokenizer.encode("h")[0]
    imp = step_importance(translator, SOURCE, [], token_id=token)
    reference = step_importance(translator, SOURCE, [], token_id=token, ig_steps=1024)
    tol = max(0.01, 0.01 * abs(imp.logprob - imp.baseline_logprob))
    assert imp.ig_converged and imp.ig_delta <= tol and imp.ig_points > 32
    assert reference.ig_delta < 1e-4 and reference.ig_points == 1024
    assert max(abs(a - b) for a, b in zip(imp.integrated_gradients, reference.integrated_gradients, strict=True)) <= tol
    # delta recomputed from the values the step reports
    assert imp.ig_delta == pytest.approx(
        abs(sum(imp.integrated_gradients) - (imp.logprob - imp.baseline_logprob)), abs=1e-5
    )


# -- Jain & Wallace's measures -------------------------------------------------------------------------------
def logprob_with(translator, source: str, prefix: list[int], token: int, rows=None) -> float:
    """log p(token | prefix, source) through the step API, with every step's attention given (`rows`) or the model's."""
    state = translator.start(source)
    for k, previous in enumerate(prefix):
        state = translator.step(state, choose=previous, attention=None if rows is None else rows[k]).next_state
    return math.log(translator.step(state, choose=token, attention=None if rows is None else rows[len(prefix)]).prob)


def distribution_with(translator, source: str, prefix: list[int]) -> dict[int, float]:
    """The whole next-token distribution {id: p} through the step API (its top-k widened to the vocabulary)."""
    translator.topk = translator.config.tgt_vocab_size
    state = translator.start(source)
    for previous in prefix:
        state = translator.step(state, choose=previous).next_state
    return {i: p for _, i, p in translator.step(state).topk}


def directional(translator, source: str, prefix: list[int], token: int, char: str, rows=None, eps=1e-3) -> float:
    """d f / d eps with `char`'s embedding scaled by (1 + eps): sum_e df/dx_se x_se, by central differences."""
    weight = translator.model.encoder.embedding.weight
    row = translator.source_tokenizer.encode(char)[0]
    original = weight.data[row].clone()
    values = []
    for sign in (1, -1):
        with torch.no_grad():
            weight.data[row] = original * (1 + sign * eps)
        values.append(logprob_with(translator, source, prefix, token, rows))
    with torch.no_grad():
        weight.data[row] = original
    return (values[0] - values[1]) / (2 * eps)


def test_jain_wallaces_gradient_holds_attention_fixed_and_the_signed_one_does_not():
    translator = tiny_translator(scorer="general", seed=3)
    with torch.no_grad():
        translator.model.encoder.embedding.weight.mul_(3)  # a larger effect than the differences' noise
    prefix, token = translator.target_tokenizer.encode("h"), translator.target_tokenizer.encode("b")[0]
    rows = [list(step.attention) for step in translator.force_ids(SOURCE, [*prefix, token]).steps]
    jw = step_importance(translator, SOURCE, prefix, token_id=token, ig_steps=8, measures="jain-wallace")
    signed = step_importance(translator, SOURCE, prefix, token_id=token, ig_steps=8)
    moved = 0
    for s, char in enumerate(SOURCE):
        held = directional(translator, SOURCE, prefix, token, char, rows)
        free = directional(translator, SOURCE, prefix, token, char)
        assert jw.grad_x_input[s] == pytest.approx(abs(held), rel=2e-2, abs=2e-4)
        assert signed.grad_x_input[s] == pytest.approx(free, rel=2e-2, abs=2e-4)
        moved += abs(held - free) > 1e-3
    assert moved  # where attention looks does carry gradient, which the detached one leaves out


def test_leave_one_out_by_deletion_is_a_forced_decode_of_the_shorter_source():
    translator = tiny_translator(scorer="dot", seed=4)
    prefix, token = translator.target_tokenizer.encode("e"), translator.target_tokenizer.encode("c")[0]
    original = logprob_with(translator, SOURCE, prefix, token)
    signed = step_importance(translator, SOURCE, prefix, token_id=token, ig_steps=4, loo="deletion")
    jw = step_importance(translator, SOURCE, prefix, token_id=token, ig_steps=4, measures="jain-wallace")
    assert (signed.loo, jw.loo) == ("deletion", "deletion")
    whole = distribution_with(translator, SOURCE, prefix)
    for s in range(len(SOURCE)):
        shorter = SOURCE[:s] + SOURCE[s + 1 :]
        by_hand = original - logprob_with(translator, shorter, prefix, token)
        assert signed.leave_one_out[s] == pytest.approx(by_hand, abs=1e-5)
        # Jain & Wallace's Algorithm 1: the TVD between the whole output distributions, not one token's change
        without = distribution_with(translator, shorter, prefix)
        tvd = 0.5 * sum(abs(whole[i] - without[i]) for i in whole)
        assert jw.leave_one_out[s] == pytest.approx(tvd, abs=1e-5)
        assert 0.0 <= jw.leave_one_out[s] <= 1.0
    unk = step_importance(translator, SOURCE, prefix, token_id=token, ig_steps=4, loo="unk")
    assert unk.leave_one_out != signed.leave_one_out  # replacing by <unk> is another question


def test_jain_wallace_values_are_magnitudes_and_never_rank_the_end_of_the_source():
    translator = load_model("reverse/dot")
    ids = [step.token_id for step in translator.greedy("attention").steps]
    jw = step_importance(translator, "attention", ids[:3], token_id=ids[3], ig_steps=16, measures="jain-wallace")
    signed = step_importance(translator, "attention", ids[:3], token_id=ids[3], ig_steps=16, loo="deletion")
    length = len(jw.source_tokens)
    assert jw.source_tokens[-1] == "</s>" and jw.ranked == tuple(range(length - 1))
    assert signed.ranked == tuple(range(length))
    assert all(v >= 0 for name in ("grad_x_input", "integrated_gradients", "leave_one_out") for v in getattr(jw, name))
    assert jw.integrated_gradients == pytest.approx([abs(v) for v in signed.integrated_gradients], abs=1e-6)
    # the output TVD is at least the chosen token's own change of probability, and at most 1
    p = math.exp(jw.logprob)
    for tvd, change in zip(jw.leave_one_out, signed.leave_one_out, strict=True):
        assert abs(p - p * math.exp(-change)) - 1e-6 <= tvd <= 1.0
    cut = {name: list(getattr(jw, name))[:-1] for name in ("attention", "grad_x_input", "leave_one_out")}
    taus = step_agreement(jw)
    assert taus["attention~grad_x_input"] == pytest.approx(kendalltau(cut["attention"], cut["grad_x_input"])[0])
    assert taus["grad_x_input~leave_one_out"] == pytest.approx(kendalltau(cut["grad_x_input"], cut["leave_one_out"])[0])
    assert (jw.measures, jw.loo, signed.measures) == ("jain-wallace", "deletion", "signed")


def test_taus_and_their_p_values_are_scipys():
    generator = torch.Generator().manual_seed(5)
    for size in (4, 9, 25, 70):
        a = torch.rand(size, generator=generator).tolist()
        b = [round(v, 1) for v in torch.rand(size, generator=generator).tolist()]  # ties: the asymptotic p
        for x, y in ((a, b), (a, a[::-1]), (a, [v + 0.1 * w for v, w in zip(a, b, strict=True)])):
            expected = kendalltau(x, y)
            tau, p = kendall(x, y)
            assert tau == pytest.approx(expected.statistic, abs=1e-12) and p == pytest.approx(
                expected.pvalue, abs=1e-12
            )
    assert all(math.isnan(v) for v in kendall([1, 1, 1], [1, 2, 3]))
    translator = load_model("reverse/dot")
    imp = step_importance(translator, "abcdef", [], ig_steps=8)
    for pair, (tau, p) in step_kendall(imp).items():
        first, second = (list(getattr(imp, name)) for name in pair.split("~"))
        expected = kendalltau(first, second)
        assert (tau, p) == pytest.approx((expected.statistic, expected.pvalue))


def test_a_saturated_step_is_one_above_99_percent():
    values = dict.fromkeys(("grad_x_input", "integrated_gradients", "leave_one_out"), (0.0,))
    common = dict(source_tokens=("</s>",), position=0, token="x", token_id=4, attention=None, ig_delta=0.0, **values)
    assert StepImportance(logprob=math.log(0.995), **common).saturated
    assert not StepImportance(logprob=math.log(SATURATED), **common).saturated
    assert json.loads(json.dumps(StepImportance(logprob=-0.1, **common).to_json()))["saturated"] is False


# -- which <unk> was trained -------------------------------------------------------------------------------
def test_the_unk_rule_agrees_with_the_shipped_weights():
    """<unk> counts as trained exactly where its row differs between a task's models (an untrained row keeps
    the shared seed's initial value, byte for byte): reverse and dates learned it, en-fr did not. zh-en's
    models are fine-tuned (`init`): their first stages' rows were identical, and the fine-tuning's dictionary
    pairs read characters outside that alphabet as <unk> (docs/cli.md), never in place of a known token."""
    by_task: dict[str, list] = {}
    for entry in registry():
        if entry.is_user or entry.cell != "gru":
            continue
        config = json.loads((resolve(entry.name) / "config.json").read_text())
        if config["train"].get("init"):
            assert not unk_trained(SimpleNamespace(metadata=config)), entry.name  # unk_rate 0: deletion
            if config.get("stages"):  # the names stages: the oldest of its chain is the corpus alone (no dictionary)
                assert config["stages"][0]["dictionary"] is None and len(config["stages"]) >= 3, entry.name
            else:
                assert config["first_stage"]["init"] is None  # its first stage trained from scratch, as en-fr's
            continue
        by_task.setdefault(entry.task, []).append(entry)
    seen = set()
    for task, entries in by_task.items():
        rows = [load_file(str(resolve(e.name) / "model.safetensors"))["encoder.embedding.weight"][UNK] for e in entries]
        identical = all(torch.equal(rows[0], row) for row in rows[1:])
        for entry in entries:
            config = json.loads((resolve(entry.name) / "config.json").read_text())
            trained = unk_trained(SimpleNamespace(metadata=config))
            assert trained == (not identical), f"{entry.name}: unk_trained {trained}, rows identical {identical}"
            seen.add((task, trained))
    assert ("reverse", True) in seen and ("en-fr", False) in seen
    assert leave_one_out_method(SimpleNamespace(metadata={"train": {"unk_rate": 0.05}})) == "unk"
    for metadata in ({}, {"train": {}}, {"train": {"unk_rate": 0.0}}, {"train": {"unk_rate": True}}):
        assert leave_one_out_method(SimpleNamespace(metadata=metadata)) == "deletion"


def test_both_measures_at_once_are_each_measure_alone():
    """step_importances shares integrated gradients and leave-one-out between the definitions: the same values."""
    translator = load_model("reverse/dot")
    both = step_importances(translator, "attention", [], ig_steps=16)
    for measures in ("signed", "jain-wallace"):
        alone = step_importance(translator, "attention", [], ig_steps=16, measures=measures)
        for name in ("grad_x_input", "integrated_gradients", "leave_one_out", "attention", "ranked"):
            assert getattr(both[measures], name) == pytest.approx(getattr(alone, name), abs=1e-6), (measures, name)
        assert (both[measures].loo, both[measures].ig_delta) == (alone.loo, pytest.approx(alone.ig_delta, abs=1e-9))


def test_pairs_keep_their_order_under_both_measures():
    translator = tiny_translator()
    for measures in ("signed", "jain-wallace"):
        imp = step_importance(translator, "abc", [], ig_steps=4, measures=measures)
        assert tuple(step_kendall(imp)) == pairs(True)
