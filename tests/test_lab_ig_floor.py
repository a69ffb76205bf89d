"""Integrated gradients' convergence is judged against |f(x) − f(x′)| (issue 64).

The old tolerance, max(0.01 nats, 1% of the change), exceeded the whole f(x) − f(x′) at 14 of 33 sampled
dates/general steps, which then counted as converged and entered the split's τ. Now |δ| may be at most 5% of
the change, and a step whose change is below the floor of a readable ranking has nothing to attribute: it
leaves every τ with integrated gradients, counted apart.
"""

from __future__ import annotations

import pytest

from seq2seq.lab import agreement
from seq2seq.lab.names import IG_SHARE, READABLE


def test_the_tolerance_is_never_more_than_its_share_of_the_change():
    torch = pytest.importorskip("torch")
    from seq2seq.lab import integrated

    gaps = torch.tensor([0.0018, READABLE, 0.05, 0.2, 0.5, 3.0, 10.0], dtype=torch.float64)
    tol = integrated.tolerance(gaps)
    assert float(tol[0]) == integrated.ATOL  # below the floor: nothing to attribute, not judged
    for gap, found in zip(gaps[1:].tolist(), tol[1:].tolist(), strict=True):
        assert found <= IG_SHARE * gap + 1e-12, (gap, found)
        assert found <= max(integrated.ATOL, integrated.RTOL * gap) + 1e-12
    assert float(tol[-1]) == pytest.approx(integrated.RTOL * 10.0)  # large changes keep the 1% rule


def step(change: float, converged: bool = True, tau: float = 0.5) -> dict:
    keys = ("attention~integrated_gradients", "attention~leave_one_out")
    return {
        "ranked": 5,
        "saturated": True,
        "tau": dict.fromkeys(keys, tau),
        "tau_p": dict.fromkeys(keys, 0.01),
        "ig_delta": 0.001,
        "ig_points": 32,
        "ig_converged": converged,
        "ig_change": change,
    }


def test_a_step_with_nothing_to_attribute_leaves_the_ig_taus_only():
    nothing, some = step(READABLE / 5), step(2.0)
    assert agreement.nothing_to_attribute(nothing) and not agreement.nothing_to_attribute(some)
    assert not agreement.counted(nothing, "attention~integrated_gradients")
    assert agreement.counted(nothing, "attention~leave_one_out")
    assert agreement.counted(some, "attention~integrated_gradients")
    assert agreement.counted({k: v for k, v in nothing.items() if k != "ig_change"}, "attention~integrated_gradients")


def test_the_counts_keep_nothing_to_attribute_apart_from_unconverged():
    keys = ["attention~integrated_gradients", "attention~leave_one_out"]
    steps = [step(READABLE / 5, converged=True), step(READABLE / 5, converged=False), step(2.0, converged=False)]
    counts = agreement.example_counts(steps, keys)
    assert counts["ig_nothing"] == 2 and counts["ig_unconverged"] == 1
    assert counts["defined"] == [0, 3]
    summary = agreement.split_summary([counts | {"length": 4, "steps": 3}], keys)
    assert summary["ig"]["nothing"] == 2 and summary["ig"]["unconverged"] == 1


def test_the_split_caption_says_the_steps_with_nothing_to_attribute():
    from explorer import i18n
    from explorer.views import lab_split

    summary = {"steps": 440, "short": 0, "ig": {"unconverged": 1, "nothing": 165}, "significant_chance": {}}
    with i18n.using("en"):
        caption = lab_split.agreement_caption({"summary": summary})
    assert "165 steps with nothing to attribute (|f(x) − f(x′)| below 0.01 nats)" in caption
    assert "1 steps whose integrated gradients did not converge (|δ| above 5% of |f(x) − f(x′)|" in caption
    older = {"steps": 440, "short": 0, "ig": {"unconverged": 19}}  # stored before issue 64: no "nothing"
    with i18n.using("en"):
        assert "19 steps whose integrated gradients did not converge" in lab_split.agreement_caption({"summary": older})
