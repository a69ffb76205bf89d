"""The in-page components, each a static script or page in this folder, fed JSON data only.

- heatmap_draw.js: `attentionHeatmap(root, data, opts)`, the SVG heatmap the Decode page's stepper and a live
  class's follower draw with (one heatmap, two places);
- stepper.js (+ stepper.css): the Decode page's stepping component, the one owner of the step in the browser:
  Step, Back, Play/Pause, Reset, the step slider and the keys move the heatmap's row, the status and the output
  at once, from the whole decode it was sent, and then tell the server the step shown (explorer.ui.decode_stepper);
- bars.js: the per-step bar charts (raw scores over weights, top-k, explain-a-cell shares);
- focus_rules.js: what a focused element keeps of the keys, placed before keyboard.js and stepper.js;
- keyboard.js: keyboard and clicker control of a lesson, a key clicking the page's own button for its action
  (explorer.views.keyboard), with its legend;
- tab_memory.js: the live class this browser tab teaches or follows, kept in the tab's sessionStorage
  across reloads (explorer.ui.class_memory).

Their data comes from explorer.figures.svg_heatmap and explorer.figures.svg_bars. No user text is
ever formatted into a script: it travels as JSON and reaches the page through textContent.

The words the scripts write (titles, legends, tooltips, buttons) come translated in the data's ``texts``
(made by those modules and explorer.ui.decode_stepper): the scripts keep English only as a fallback.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from explorer.figures import svg_bars, svg_heatmap
from explorer.views import keyboard as keyboard_view

KEYBOARD_NAME = "attention_explorer.keyboard"
TAB_MEMORY_NAME = "attention_explorer.tab_memory"

FOLDER = Path(__file__).resolve().parent
# The Decode heatmap's aria-live region, which speaks each step (explorer.views.spoken).
ANNOUNCE_ID = "decode-step-announce"


@functools.cache
def source(name: str) -> str:
    """The text of a file of this folder (read once per process)."""
    return (FOLDER / name).read_text(encoding="utf-8")


def stepper_js() -> str:
    """The stepper's whole script: the drawing, then the component with its ids filled in."""
    component = source("stepper.js").replace("__SVG_ID__", svg_heatmap.SVG_ID).replace("__ANNOUNCE_ID__", ANNOUNCE_ID)
    return source("heatmap_draw.js") + source("focus_rules.js") + component


def bars_js() -> str:
    """The bar-chart component's script."""
    return source("bars.js")


def keyboard_js() -> str:
    """The keyboard component's script, after the focus rules it shares with the stepper."""
    return source("focus_rules.js") + source("keyboard.js")


@functools.cache
def stepper_component():
    """Register the Decode stepper once per process (registering a name twice logs a warning)."""
    # isolate_styles=False: mounted in the page's own DOM, so the browser tests and the benchmark find
    # <svg id="decode-heatmap"> with a plain selector; its CSS names only its own classes (.ae-stepper…).
    return st.components.v2.component(
        svg_heatmap.COMPONENT_NAME, js=stepper_js(), css=source("stepper.css"), isolate_styles=False
    )


@functools.cache
def _bars():
    """Register the bar-chart component once per process."""
    return st.components.v2.component(svg_bars.COMPONENT_NAME, js=bars_js(), isolate_styles=False)


@functools.cache
def _keyboard():
    """Register the keyboard component once per process (in the page's DOM: it listens on the page's document)."""
    return st.components.v2.component(KEYBOARD_NAME, js=keyboard_js(), isolate_styles=False)


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
