"""The Lab's readings hold their conditions (issues 52 and 54): a saturated step speaks of gradient × input
alone and keeps integrated gradients and leave-one-out readable unless their change is within integrated
gradients' own tolerance; a page opened without a step opens on a step worth reading, not on a saturated
one whose warning sends the class elsewhere.
"""

from __future__ import annotations

import math
from pathlib import Path

from streamlit.testing.v1 import AppTest

from explorer.views import lab_scales, lab_step
from seq2seq.lab.names import IMPORTANCES

ROOT = Path(__file__).resolve().parent.parent
PAGE = "app_pages/9_Lab.py"
TIMEOUT = 120


def importance(p: float, **changes):
    """A StepImportance made by hand: one source token, the chosen token's probability `p`."""
    from seq2seq.lab.importance import StepImportance

    values = dict.fromkeys(IMPORTANCES, (0.0,))
    common = dict(source_tokens=("</s>",), position=0, token="x*", token_id=4, attention=None, ig_delta=0.0)
    return StepImportance(**(common | values | {"logprob": math.log(p), "ig_points": 32} | changes))


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_saturated_step_with_large_integrated_gradients_is_not_read_as_noise():
    """Saturation flattens the local gradient only: reverse/dot's d, say, has p = 0.9998 and f(x) − f(x′) of
    several nats. The warning names gradient × input alone as too small to read (below the floor,
    seq2seq.lab.names.READABLE) and keeps IG and leave-one-out readable; only when IG's whole change and
    leave-one-out are below the floor are the three rankings too small to read (issue 64)."""
    from seq2seq.lab.names import READABLE

    large = lab_step.saturated_warning(
        importance(0.9998, baseline_logprob=math.log(0.9998) - 5.48, grad_x_input=(0.0009,), leave_one_out=(1.2,))
    )
    assert "gradient × input, a local slope, is tiny" in large
    assert "5.48 nats" in large and "read here as on any step" in large
    assert "The ranking of gradient × input, and every τ with it, cannot be read here" in large
    assert "integrated gradients share out" not in large and "noise" not in large and "another step" not in large
    flat = lab_step.saturated_warning(importance(0.9998, baseline_logprob=math.log(0.9998) - READABLE / 2))
    assert "All three rankings here, and every τ in the table, cannot be read" in flat
    assert "read here as on any step" not in flat


def test_the_floor_is_said_on_an_unsaturated_step_too():
    """A step the model is unsure of can still have an importance too small to read: the warning says so, the
    τ table reads its pairs "too small to read", and the reading leaves it out of the agreement."""
    imp = importance(0.6, baseline_logprob=math.log(0.6) - 2.0, grad_x_input=(0.001,), leave_one_out=(0.5,))
    assert imp.below_floor == ("grad_x_input",)
    warning = lab_step.saturated_warning(imp)
    assert warning and "Saturated" not in warning and "gradient × input is 0.001" in warning
    rows = lab_step.tau_rows({"attention~grad_x_input": 0.5, "attention~leave_one_out": 0.5}, None, imp.below_floor)
    assert rows[0]["reading"].startswith("too small to read") and rows[1]["reading"] != rows[0]["reading"]
    assert (
        lab_step.saturated_warning(importance(0.6, baseline_logprob=-3.0, grad_x_input=(0.5,), leave_one_out=(0.5,)))
        is None
    )


def test_the_reading_of_a_step_with_nothing_to_rank_says_so(monkeypatch):
    """Every importance below the floor: the step's reading checks attention against none of them."""
    from seq2seq.lab.names import pairs

    imp = importance(0.999997, baseline_logprob=math.log(0.999997) - 0.0018)
    lab = lab_step.StepLab(step=1, importance=imp, taus=dict.fromkeys(pairs(False), 0.3))
    text = lab_step.step_reading(lab)
    assert "nothing to check attention against" in text and "τ" not in text


def test_a_saturated_reverse_step_keeps_integrated_gradients_and_leave_one_out():
    """On a real saturated step of reverse/dot, IG's change and leave-one-out are whole nats: no noise reading."""
    from seq2seq.checkpoint import load_model
    from seq2seq.lab.importance import step_importance

    translator = load_model("reverse/dot")
    ids = [step.token_id for step in translator.greedy("abcd").steps]
    imp = step_importance(translator, "abcd", ids[:1], token_id=ids[1], ig_steps=32)
    assert imp.saturated
    assert abs(imp.logprob - imp.baseline_logprob) > 1.0 and max(abs(v) for v in imp.leave_one_out) > 1.0
    assert max(abs(v) for v in imp.grad_x_input) < 0.01
    assert "read here as on any step" in lab_step.saturated_warning(imp)


def test_a_fresh_page_opens_on_a_step_worth_reading():
    """Step 0 (nothing chosen yet) opens on the first unsaturated token, else the least sure one."""
    assert lab_step.explained_step(0, 3, (0.9999, 0.7, 0.2)) == (2, None)
    assert lab_step.explained_step(0, 3, (0.9999, 0.995, 0.999)) == (2, None)  # all saturated: the least sure
    assert lab_step.explained_step(2, 3, (0.9999, 0.7, 0.2)) == (2, None)  # a link's step is kept


def test_the_lab_opens_on_a_step_whose_warning_does_not_send_the_reader_away(shipped):
    """Opened bare, the Lab's first step is one the page reads: unsaturated where the decode has one, and
    never a warning that tells the class to read another step."""
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    ok(at.run())
    step = at.session_state["_view"].step
    name = f"{at.selectbox(key='lab_task').value}/{at.selectbox(key='lab_scorer').value}"
    from seq2seq.checkpoint import load_model

    output = lab_step.greedy_output(load_model(name), at.session_state["lab_sentence"])
    assert step == lab_step.worth_reading(output.probs) and output.num_steps > 1
    unsaturated = [i for i, p in enumerate(output.probs, 1) if p <= lab_scales.SATURATED]
    if unsaturated:
        assert step == unsaturated[0] and not any("Saturated step" in w.value for w in at.warning)
    assert not any("another step" in w.value for w in at.warning)
