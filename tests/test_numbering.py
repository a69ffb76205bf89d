"""One numbering for people: output token k is "step k" everywhere a person reads it (seq2seq.numbering).

The Decode page's header, its Current step, its heatmap's row, Explain this cell, What if… and the
attention override; the Lab's output token; the CLI's table. Program indexes (a trace's `position`, a
selectbox's value) stay 0-based inside the code.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from explorer.state import keys
from explorer.views import decode as decode_view
from seq2seq.numbering import numbered, shown
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, ok, stepper_data, use_registry, view_key

STEP = 2


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    use_registry(monkeypatch)


def test_the_numbering_counts_from_one():
    assert shown(0) == 1 and numbered(["a", "b"]) == ["01 a", "02 b"]
    assert numbered(["t"] * 100)[-1] == "100 t" and numbered(["t"] * 99)[-1] == "99 t"


def test_decode_says_step_two_in_every_place_at_step_two():
    at = AppTest.from_file(str(ROOT / "app_pages" / "1_Decode.py"), default_timeout=PAGE_TIMEOUT)
    at.query_params.update(task="reverse", scorer="dot", sentence="abcdef", step=str(STEP))
    ok(at.run())
    data = at.session_state[keys.TRACE]["data"]
    token = data.target_tokens[STEP - 1]
    (stepper,) = stepper_data(at)  # "Step k of n" is the stepper's, drawn in the browser from its words
    assert stepper["step"] == STEP and stepper["texts"]["status"].format(step=STEP, n=data.num_steps).startswith(
        f"**Step {STEP} of {data.num_steps}**"
    )
    assert any(t.value.startswith(f"step {STEP}: {token}") for t in at.text)  # Current step
    assert decode_view.step_note(data.current(STEP), "greedy").startswith(f"step {STEP}: ")
    target = at.selectbox(key=keys.DECODE_EXPLAIN_TARGET)  # Explain this cell: the row of this step
    assert target.value == STEP - 1 and target.format_func(target.value) == f"{STEP:02d} {token}"
    assert any(f"a_{{{STEP}," in el.value for el in at.latex)


def test_the_labs_output_token_reads_as_decodes_heatmap_row():
    at = AppTest.from_file(str(ROOT / "app_pages" / "9_Lab.py"), default_timeout=PAGE_TIMEOUT)
    at.query_params.update(task="reverse", scorer="dot", sentence="abcdef", step=str(STEP))
    ok(at.run())
    slider = at.select_slider(key=view_key(at, "lab", "step"))
    assert slider.value == STEP and slider.format_func(STEP).startswith(f"{STEP:02d} ")
