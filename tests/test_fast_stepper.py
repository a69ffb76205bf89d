"""The instant stepper (explorer.ui.fast_stepper) and the heatmap data it shares with the Decode page's
heatmap (explorer.figures.svg_heatmap): the data, its escaping, and the stepper's place on the Decode page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import svg_heatmap as sh
from explorer.state import keys
from explorer.ui import components
from explorer.ui import fast_stepper as fs
from tests.app_fixtures import use_registry

PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "1_Decode.py")
DATA_BLOCK = re.compile(r'<script id="fast-stepper-data" type="application/json">(.*?)</script>', re.S)
NASTY = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!--",
    "]]>",
    "&amp; &lt;",
    "\u2028\u2029",
    "\ud800",
    "\x00",
    '"quoted" \\ back',
    "🙂",
    "__DATA__",
]


def embedded(document: str) -> dict:
    (block,) = DATA_BLOCK.findall(document)
    return json.loads(block)


def test_payload_holds_the_trace_and_a_layout():
    data = sh.payload(["a", "b", "</s>"], ["x", "</s>"], [[0.5, 0.25, 0.25], [0.0, 0.0, 1.0]], [0.9, 0.8], step=1)
    assert data["source"] == ["01 a", "02 b", "03 </s>"] and data["source_text"] == ""
    assert data["target_full"] == ["01 x", "02 </s>"]
    assert data["attention"] == [[0.5, 0.25, 0.25], [0.0, 0.0, 1.0]]
    assert data["probs"] == [0.9, 0.8] and data["step"] == 1
    layout = data["layout"]
    assert layout["height"] >= sh.CONTROLS_PX + layout["top"] + 2 * layout["cell"]


@pytest.mark.parametrize("step, shown", [(-3, 0), (0, 0), (2, 2), (99, 2)])
def test_first_step_is_clamped(step, shown):
    assert sh.payload(["a"], ["x", "y"], [[1.0], [1.0]], step=step)["step"] == shown


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="2 rows but there are 1 target tokens"):
        sh.payload(["a"], ["x"], [[1.0], [1.0]])
    with pytest.raises(ValueError, match="row 0 has 2 weights but there are 1 source tokens"):
        sh.payload(["a"], ["x"], [[0.5, 0.5]])


def test_non_finite_weights_become_empty_cells():
    data = sh.payload(["a", "b", "c"], ["x"], [[float("nan"), float("inf"), 0.123456]])
    assert data["attention"] == [[None, None, 0.1235]]
    fs.html(data)  # allow_nan=False: would raise if a NaN were left


def test_long_tokens_are_cut_on_the_axis_only():
    token = "w" * 40
    data = sh.payload([token], ["x"], [[1.0]])
    assert len(data["source"][0]) == sh.MAX_LABEL_CHARS and data["source"][0].endswith("…")
    assert data["source_full"][0] == "01 " + token


@pytest.mark.parametrize("text", NASTY)
def test_user_text_is_data_never_markup(text):
    data = sh.payload([text, "</s>"], [text], [[0.5, 0.5]], source_text=text)
    document = fs.html(data)
    block = DATA_BLOCK.findall(document)
    assert len(block) == 1 and block[0].isascii()
    assert "<" not in block[0] and ">" not in block[0] and "&" not in block[0]
    assert embedded(document) == json.loads(json.dumps(data))  # the browser gets exactly this data
    assert document.count("<script") == 2 and document.count("</script>") == 2


def test_the_script_never_parses_html():
    template = components.source("stepper.html")
    assert "innerHTML" not in fs.html({}) and "insertAdjacentHTML" not in fs.html({})
    assert "document.write" not in template and "eval(" not in template
    assert template.count("__DATA__") == 1


def test_marks_rows_drawn_for_the_benchmark():
    document = fs.html(sh.payload(["a"], ["x"], [[1.0]]))
    assert 'id: "fs-heatmap"' in document and "data-rows" in document and "data-step-ms" in document
    assert "Step ▶" in document and "◀ Back" in document


# -- on the Decode page --------------------------------------------------------------------------------
@pytest.fixture
def registry(monkeypatch):
    return use_registry(monkeypatch)


def decode_page(open_stepper: bool = True, **query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params.update(query)
    if open_stepper:  # the expander renders its iframe only once opened
        at.session_state[keys.DECODE_INSTANT] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_decode_page_has_the_instant_stepper(registry):
    sentence = "<img src=x onerror=alert(1)> 9 may"
    at = decode_page(task="dates", scorer="general", sentence=sentence, step="2")
    assert [e.label for e in at.expander][-1:] == ["Instant stepping (in the browser)"]
    (frame,) = at.get("iframe")
    document = frame.proto.srcdoc
    assert sentence not in document and "<img" not in document
    data = embedded(document)
    trace = at.session_state[keys.TRACE]["data"]
    assert data["source_text"] == sentence
    assert data["attention"] == [[round(w, 4) for w in row] for row in trace.attention]
    assert data["target_full"][0].endswith(trace.target_tokens[0])
    assert data["step"] == 0  # the browser stepper starts from the beginning


def test_the_stepper_is_built_only_once_opened(registry):
    at = decode_page(open_stepper=False, task="dates", scorer="general", sentence="9 may 2018")
    assert [e.label for e in at.expander][-1:] == ["Instant stepping (in the browser)"]
    assert not at.get("iframe")  # collapsed: no iframe for the browser to build on a page's first view
    at.session_state[keys.DECODE_INSTANT] = True
    at.run()
    assert len(at.get("iframe")) == 1


def test_no_attention_means_no_stepper(registry):
    at = decode_page(task="reverse", scorer="none", sentence="abc")
    assert not at.get("iframe")
    assert any("no heatmap to step through" in i.value for i in at.info)
