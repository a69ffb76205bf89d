"""The formula the app shows is the one the code computes, every learned tensor included.

For every shipped model, the raw scores of real decoding steps are recomputed in plain torch from the
displayed formula and the tensors its symbols name (`Scorer.symbols`: W_a, U_a, b_a, v_a), and
Explain this cell's numbers are checked against the step's raw scores.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from explorer.ui.common.markdown import escape_markdown
from explorer.views import compare as compare_view
from explorer.views import decode_analysis
from seq2seq.attention import SCORER_INFO, make_scorer
from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import SCORERS
from seq2seq.registry import registry
from seq2seq.tasks import get_task
from tests.app_fixtures import point_app_at

PRETRAINED = Path(__file__).resolve().parent.parent / "pretrained"
# The shipped dates models with attention (the manifest): a scorer without shipped models is not tested here.
ATTENTION = [s for s in SCORERS if s != "none" and any(e.name == f"dates/{s}" for e in registry(PRETRAINED))]
STEPS = 3  # decoding steps checked per model
TOL = 1e-5
# float32 holds about 7 digits: a score of 26 is stored within ~2e-6, and summing H products adds a few
# such steps, so large scores are compared within 1e-6 of their size as well (a left-out bias is 0.1-0.5).
RTOL = 1e-6


def shipped_with_attention() -> list[dict]:
    return [entry for entry in registry(PRETRAINED) if entry.scorer != "none"]


def formula_scores(scorer: str, p: dict[str, torch.Tensor], h_t: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """The displayed formula written out in float64: h_t (H,), keys h_s (S, H) -> scores (S,).

    Only the tensors named by the formula's symbols are used: a parameter left out of the formula
    (a bias) makes this differ from the model's scores.
    """
    p = {symbol: tensor.detach().double() for symbol, tensor in p.items()}
    h_t, keys = h_t.double(), keys.double()
    if scorer == "dot":  # h_t · h_s
        return keys @ h_t
    if scorer == "scaled_dot":  # h_t · h_s / sqrt(d)
        return keys @ h_t / math.sqrt(keys.shape[-1])
    if scorer == "general":  # h_t^T W_a h_s
        return torch.stack([h_t @ p["W_a"] @ h_s for h_s in keys])
    if scorer == "concat":  # v_a^T tanh(W_a h_t + U_a h_s + b_a)
        v_a = p["v_a"].reshape(-1)
        return torch.stack([v_a @ torch.tanh(p["W_a"] @ h_t + p["U_a"] @ h_s + p["b_a"]) for h_s in keys])
    if scorer == "location":  # (W_a h_t + b_a)_s
        return (p["W_a"] @ h_t + p["b_a"])[: keys.shape[0]]
    if scorer == "uniform":  # 0 for every position: the softmax gives 1/S
        return torch.zeros(keys.shape[0], dtype=torch.float64)
    raise AssertionError(f"no formula written out for {scorer!r}")


@pytest.mark.parametrize("scorer", SCORERS)
def test_the_formula_names_every_parameter_of_the_scorer(scorer):
    module = make_scorer(scorer, 8, 10)
    named = module.symbol_values()
    assert {id(t) for t in named.values()} == {id(t) for t in module.parameters()}  # nothing left out
    for symbol in named:
        assert symbol in SCORER_INFO[scorer]["formula"] and symbol in SCORER_INFO[scorer]["latex"]


def test_the_biases_are_in_the_formulas():
    assert "b_a" in SCORER_INFO["concat"]["formula"] and "b_a" in SCORER_INFO["location"]["formula"]
    assert make_scorer("general", 8, 10).W_a.bias is None  # general has none: h_t^T W_a h_s is all of it


@pytest.mark.parametrize("entry", shipped_with_attention(), ids=lambda e: e.name)
def test_shipped_scores_are_the_displayed_formula(entry):
    translator = load_checkpoint(PRETRAINED / entry.path, name=entry.name)
    scorer = translator.model.decoder.scorer
    symbols = scorer.symbol_values()
    state = translator.start(max(get_task(entry.task).probes, key=len))
    keys = state.memory[0]  # (S, H): the encoder states h_s the scorer compares with
    for _ in range(STEPS):
        if state.finished:
            break
        step = translator.step(state)
        expected = formula_scores(entry.scorer, symbols, step.query_vector, keys)
        torch.testing.assert_close(torch.tensor(step.scores, dtype=torch.float64), expected, rtol=RTOL, atol=TOL)
        state = step.next_state


@pytest.fixture(scope="module")
def dates_translators():
    return {s: load_checkpoint(PRETRAINED / "dates" / s, name=f"dates/{s}") for s in ATTENTION}


@pytest.mark.parametrize("scorer", ATTENTION)
def test_explain_cell_numbers_are_the_steps_raw_scores(dates_translators, scorer):
    translator = dates_translators[scorer]
    module = translator.model.decoder.scorer
    data = translator.greedy("Wednesday, May 9, 2018").plain(f"dates/{scorer}")
    for t in (0, data.num_steps // 2, data.num_steps - 1):  # first, middle and last step
        for s, raw in enumerate(data.steps[t].scores):
            cell = decode_analysis.explain_cell(data, t, s, module)
            assert cell["score"] == raw
            assert cell["recomputed"] == pytest.approx(raw, abs=TOL)
    latex = "\n".join(decode_analysis.explain_latex(cell))
    for name, value in cell["terms"].items():
        assert f"{name} = {value:.4f}" in latex  # every term is shown with its number
    assert "the scorer's own code" in decode_analysis.explain_text(cell)


def test_explain_cell_terms_are_the_formulas_parts(dates_translators):
    """location's two summands add up to the score; concat's key part includes the bias b_a."""
    location = dates_translators["location"]
    data = location.greedy("9 may 2018").plain("dates/location")
    cell = decode_analysis.explain_cell(data, 1, 2, location.model.decoder.scorer)
    assert cell["terms"]["(W_a h_t)_s"] + cell["terms"]["(b_a)_s"] == pytest.approx(cell["score"], abs=TOL)
    assert cell["terms"]["(b_a)_s"] == pytest.approx(location.model.decoder.scorer.W_a.bias[2].item())

    concat = dates_translators["concat"]
    data = concat.greedy("9 may 2018").plain("dates/concat")
    cell = decode_analysis.explain_cell(data, 0, 1, concat.model.decoder.scorer)
    p = concat.model.decoder.scorer.symbol_values()
    h_s = torch.tensor(data.encoder_states[1])
    expected = (p["U_a"] @ h_s + p["b_a"]).norm().item()
    assert cell["terms"][r"\lVert U_a \bar h_s + b_a \rVert"] == pytest.approx(expected, abs=1e-4)


def test_compare_shows_the_code_formula():
    class Greedy:  # the parts of a DecodedSentence that result_text reads
        output, hit_max_len, logprob, mean_entropy = "2018-05-09", False, -0.5, 0.25

    text = compare_view.result_text(compare_view.ScorerResult("concat", Greedy(), None, None, None))
    assert text.splitlines()[-1] == SCORER_INFO["concat"]["formula"] and "+ b_a" in text.splitlines()[-1]


@pytest.mark.parametrize("scorer", ["concat", "location"])
def test_the_decode_page_shows_the_formula_with_its_bias_and_the_bias_term(monkeypatch, scorer):
    """Explain this cell on the Decode page: the code's formula (b_a included), then b_a's term with its number."""
    point_app_at(monkeypatch, PRETRAINED)
    at = AppTest.from_file(str(PRETRAINED.parent / "app_pages" / "1_Decode.py"), default_timeout=60)
    at.query_params.update(task="dates", scorer=scorer, sentence="9 may 2018", step="2")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    latex = [el.value.strip("$\n") for el in at.latex]  # st.latex wraps each in $$ lines
    assert latex[0] == SCORER_INFO[scorer]["latex"] and "b_a" in latex[0]
    assert "b_a" in latex[1] and "=" in latex[1]  # the term that holds the bias, with its value
    caption = escape_markdown(f"Model dates/{scorer} · {SCORER_INFO[scorer]['formula']}")
    assert any(c.value.startswith(caption) for c in at.caption)  # the line above the heatmap says it too
