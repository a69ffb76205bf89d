"""The in-page components, each a static script or page in this folder, fed JSON data only.

- heatmap_draw.js: `attentionHeatmap(root, data, opts)`, the SVG heatmap both the Decode page's
  component and the instant stepper draw with (one heatmap, two places);
- heatmap.js: the Decode page's heatmap component, which also follows Step, Back and Reset;
- bars.js: the per-step bar charts (raw scores over weights, top-k, explain-a-cell shares);
- stepper.html: the instant stepper's whole document (explorer.ui.fast_stepper);
- keyboard.js: keyboard and clicker control, a key clicking the page's own button for its action
  (explorer.views.keyboard), with its legend;
- tab_memory.js: the live class this browser tab teaches or follows, kept in the tab's sessionStorage
  across reloads (explorer.ui.class_memory).

Their data comes from explorer.figures.svg_heatmap and explorer.figures.svg_bars. No user text is
ever formatted into a script: it travels as JSON and reaches the page through textContent.

The words the scripts write (titles, legends, tooltips) come translated in the data's ``texts``
(made by those modules; the instant stepper adds its buttons' words): the scripts keep English only
as a fallback.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from explorer.figures import svg_bars, svg_heatmap
from explorer.state import keys
from explorer.views import keyboard as keyboard_view
from explorer.views import spoken, words
from seq2seq.decoded import DecodedSentence

KEYBOARD_NAME = "attention_explorer.keyboard"
TAB_MEMORY_NAME = "attention_explorer.tab_memory"

FOLDER = Path(__file__).resolve().parent
# The Decode heatmap's aria-live region, which speaks each step (explorer.views.spoken).
ANNOUNCE_ID = "decode-step-announce"


@functools.cache
def source(name: str) -> str:
    """The text of a file of this folder (read once per process)."""
    return (FOLDER / name).read_text(encoding="utf-8")


def heatmap_js() -> str:
    """The heatmap component's whole script: the drawing, then the component with its ids filled in."""
    component = (
        source("heatmap.js")
        .replace("__SVG_ID__", svg_heatmap.SVG_ID)
        .replace("__STEP__", svg_heatmap.STEP_BUTTON)
        .replace("__BACK__", svg_heatmap.BACK_BUTTON)
        .replace("__RESET__", svg_heatmap.RESET_BUTTON)
        .replace("__ANNOUNCE_ID__", ANNOUNCE_ID)
    )
    return source("heatmap_draw.js") + component


def bars_js() -> str:
    """The bar-chart component's script."""
    return source("bars.js")


def keyboard_js() -> str:
    """The keyboard component's script."""
    return source("keyboard.js")


@functools.cache
def _heatmap():
    """Register the heatmap component once per process (registering a name twice logs a warning)."""
    # isolate_styles=False: mounted in the page's own DOM, so the browser tests and the benchmark
    # find <svg id="decode-heatmap"> with a plain selector. The script sets its styles as
    # attributes, so nothing leaks into the page.
    return st.components.v2.component(svg_heatmap.COMPONENT_NAME, js=heatmap_js(), isolate_styles=False)


@functools.cache
def _bars():
    """Register the bar-chart component once per process."""
    return st.components.v2.component(svg_bars.COMPONENT_NAME, js=bars_js(), isolate_styles=False)


@functools.cache
def _keyboard():
    """Register the keyboard component once per process (in the page's DOM: it listens on the page's document)."""
    return st.components.v2.component(KEYBOARD_NAME, js=keyboard_js(), isolate_styles=False)


def heatmap(
    data: DecodedSentence,
    step: int,
    presentation: bool = False,
    key: str = "decode_heatmap",
    merged: tuple[bool, bool] | None = None,
) -> None:
    """The Decode page's heatmap: the first `step` rows of a decoded sentence with attention, drawn in the
    page; in presentation mode sized to the screen in the browser (svg_heatmap's `fit`).

    `merged`: the sides (source, target) shown in words (explorer.views.words); None: pieces.
    """
    scale = 1.5 if presentation else 1.0
    if merged is None:
        payload = svg_heatmap.payload_from_trace(data, step, scale, fit=presentation)
        _heatmap()(data=_with_clicks(_spoken(payload, data, step)), key=key)
        return
    grid, rows = words.words_at_step(data.source_tokens, data.target_tokens, data.attention, step, *merged)
    titles = [
        words.piece_titles(side) if on else None for side, on in ((grid.source, merged[0]), (grid.target, merged[1]))
    ]
    payload = svg_heatmap.payload(
        grid.source_labels, grid.target_labels, grid.attention, None, rows, scale, data.source,
        cell_notes=grid.notes("\n"), source_titles=titles[0], target_titles=titles[1], follow=False, fit=presentation,
    )  # fmt: skip
    _heatmap()(data=_with_clicks(_spoken(payload, data, step)), key=key)


def _spoken(payload: dict, data: DecodedSentence, step: int) -> dict:
    """`payload` with what the heatmap's aria-live region says: every step's sentence and the page's step
    (in the words view the heatmap's rows are words, but the page's steps are still tokens)."""
    return {**payload, "announce": {"texts": spoken.announcements(data), "step": step}}


def _with_clicks(payload: dict) -> dict:
    """`payload` with the session's count of Step, Back and Reset clicks, so that a click always
    brings the heatmap drawn afresh from the server's step.

    A click moves the heatmap in the browser before the server answers (heatmap.js), and Streamlit
    does not call the component again for data equal to the last it got. Reset then Step at once
    can bring exactly that: the Reset's run cut short before its heatmap went out, then the Step's
    heatmap equal to the one before the Reset. The heatmap stayed at the Reset's empty grid while
    the page said "Step 1 of 1" (tests/e2e/test_load_quick.py). Only clicks count: a live class's
    follower, polled every second, keeps its heatmap (and the cell a student hovers) until it moves."""
    return {**payload, "clicks": st.session_state.get(keys.STEP_CLICKS, 0)}


@functools.cache
def tab_memory():
    """Register the tab-memory component once per process (in the page's DOM: it reads the page's
    sessionStorage, which a shadow root shares)."""
    return st.components.v2.component(TAB_MEMORY_NAME, js=source("tab_memory.js"), isolate_styles=False)


def bars(payload: dict, key: str) -> None:
    """Draw an svg_bars.scores_payload(), topk_payload() or shares_payload() chart in the page."""
    _bars()(data=payload, key=key)


def keyboard(buttons: Mapping[str, str], legend: str, key: str) -> None:
    """Keys and a clicker press the page's buttons: `buttons` maps an action of explorer.views.keyboard
    ("forward", "back", "play", "reset") to the widget key of the page's button for it; `legend` (translated)
    is shown where the component stands."""
    data = {
        "bindings": keyboard_view.bindings(buttons),
        "focus": {selector: list(keys) for selector, keys in keyboard_view.LEFT_TO_THE_FOCUS.items()},
        "legend": legend,
    }
    _keyboard()(data=data, key=key)
