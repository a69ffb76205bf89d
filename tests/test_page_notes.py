"""Notes the view pages owe a user, in AppTest over a registry of small untrained models.

Characters a model does not know (every page that decodes a sentence says so, as Decode does),
and the Hidden states page showing the decode the Decode page shows (its strategy, not greedy).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures.common import position_labels
from explorer.state import keys
from explorer.ui.common.markdown import escape_markdown
from seq2seq.checkpoint import load_model
from tests.app_fixtures import ok, run_page, use_registry

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
UNKNOWN = "decoded as the unknown token <unk>: '€', 'ö'"


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    return use_registry(monkeypatch)


@pytest.mark.parametrize(
    "page,whose",
    [("2_Compare.py", "these models'"), ("3_Hidden_states.py", "this model's"), ("4_Beam_search.py", "this model's")],
)
def test_unknown_characters_get_a_note_on_every_page(page, whose):
    at = run_page(page, task="reverse", sentence="h€llo wörld")
    assert [w.value for w in at.warning] == [escape_markdown(f"Not in {whose} vocabulary, {UNKNOWN}")]
    assert at.get("plotly_chart")  # a note, not a refusal: the page still decodes the sentence
    at = run_page(page, task="reverse", sentence="hello world")
    assert not at.warning


def _current_step(at: AppTest) -> str:
    """The label of the point the Hidden states page highlights ("02 x": position and token)."""
    (scatter,) = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    (current,) = [t for t in scatter["data"] if t.get("name") == "current step"]
    return current["text"][0]


@pytest.mark.parametrize(
    "decoding,label",
    [
        ({"strategy": "sample", "temperature": "1.5", "seed": "4"}, "sampling (temperature 1.5, seed 4)"),
        ({"strategy": "beam", "beam": "2"}, "beam search (width 2), its best hypothesis"),
        ({"reference": "2000-01-01"}, "teacher forcing of the reference “2000-01-01”"),
    ],
)
def test_hidden_states_highlights_the_token_the_decode_page_shows(decoding, label, registry):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    ok(at.run())
    at.switch_page("app_pages/1_Decode.py")
    at.query_params.update(task="dates", scorer="general", sentence="1 jan 2000", step="2", **decoding)
    ok(at.run())
    shown = at.session_state[keys.TRACE]["data"]
    at.query_params.clear()  # no link: the page follows what the Decode page left in the session
    at.switch_page("app_pages/3_Hidden_states.py")
    ok(at.run())
    assert at.slider(key="hs_step").value == 2
    assert _current_step(at) == position_labels(shown.target_tokens)[1]
    assert f"output: {shown.output}" in [t.value for t in at.text]
    greedy = load_model("dates/general", root=registry).greedy("1 jan 2000")
    assert greedy.steps[1].token != shown.target_tokens[1]  # greedy decoding would highlight another token
    caption = f"Decoding: {label}, the Decode page's setting (or the link's), so a step here highlights"
    assert any(c.value.startswith(escape_markdown(caption)) for c in at.caption)
    assert {key: at.query_params[key] for key in decoding} == decoding  # and its link says how it decoded
