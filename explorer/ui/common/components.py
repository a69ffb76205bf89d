"""The in-page components every feature shares, and the one reader of the scripts the features keep beside their
Python (explorer/ui/<feature>/*.js), fed JSON data only:

- common/bars.js: the per-step bar charts (raw scores over weights, top-k, explain-a-cell shares);
- common/heatmap.js: a whole attention heatmap at rest (every row, none outlined), drawn by decode/heatmap_draw.js:
  a live class's phone's heatmaps on Compare and Timelapse;
- common/focus_rules.js: what a focused element keeps of the keys, placed before keyboard.js and the Decode
  stepper's script (explorer.ui.decode.stepper);
- common/keyboard.js: keyboard and clicker control of a lesson, a key clicking the page's own button for its
  action (explorer.views.keyboard), with its legend.

The features' own: decode/heatmap_draw.js, decode/stepper.js and decode/rest.js (explorer.ui.decode.stepper),
classes/follow.js (explorer.ui.classes.push), classes/tab_memory.js (explorer.ui.classes.memory), lessons/point.js
(explorer.ui.lessons.dock), lessons/warm.js (explorer.ui.lessons.warm), shell/chrome.js (explorer.ui.shell.chrome).

Their data comes from explorer.figures.svg_heatmap and explorer.figures.svg_bars. No user text is
ever formatted into a script: it travels as JSON and reaches the page through textContent.

The words the scripts write (titles, legends, tooltips, buttons) come translated in the data's ``texts``
(made by those modules and explorer.ui.decode.stepper): the scripts keep English only as a fallback.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from explorer.figures import svg_bars
from explorer.views import keyboard as keyboard_view

KEYBOARD_NAME = "attention_explorer.keyboard"
HEATMAP_NAME = "attention_explorer.still_heatmap"

FOLDER = Path(__file__).resolve().parent.parent  # explorer/ui: each feature's scripts in its folder


@functools.cache
def source(name: str) -> str:
    """The text of explorer/ui/`name` ("decode/stepper.js"; read once per process)."""
    return (FOLDER / name).read_text(encoding="utf-8")


def rendered_anew(name: str) -> str:
    """The script of a component that starts listeners or timers per render (explorer/ui/`name`), after
    common/renders.js, whose `renderAnew` ends the element's previous render before the next."""
    return source("common/renders.js") + source(name)


def bars_js() -> str:
    """The bar-chart component's script (a resize listener per render)."""
    return rendered_anew("common/bars.js")


def keyboard_js() -> str:
    """The keyboard component's script, after the focus rules it shares with the stepper."""
    return source("common/focus_rules.js") + source("common/keyboard.js")


@functools.cache
def _bars():
    """Register the bar-chart component once per process."""
    return st.components.v2.component(svg_bars.COMPONENT_NAME, js=bars_js(), isolate_styles=False)


def heatmap_js() -> str:
    """The still heatmap's script: the drawing Decode's stepper uses, then the component (a resize listener per
    render)."""
    return source("decode/heatmap_draw.js") + rendered_anew("common/heatmap.js")


@functools.cache
def _heatmap():
    """Register the still heatmap once per process (in the page's DOM, as Decode's: the same selectors find it)."""
    return st.components.v2.component(HEATMAP_NAME, js=heatmap_js(), isolate_styles=False)


@functools.cache
def _keyboard():
    """Register the keyboard component once per process (in the page's DOM: it listens on the page's document)."""
    return st.components.v2.component(KEYBOARD_NAME, js=keyboard_js(), isolate_styles=False)


def bars(payload: dict, key: str) -> None:
    """Draw an svg_bars.scores_payload(), topk_payload() or shares_payload() chart in the page."""
    _bars()(data=payload, key=key)


def heatmap(payload: dict, key: str) -> None:
    """Draw an svg_heatmap.payload() whole in the page, as `<svg id="heatmap-KEY" class="ae-heatmap-svg">` (`key` with
    its underscores as hyphens; a widget key of the page's own, never user text)."""
    _heatmap()(data={**payload, "id": "heatmap-" + key.replace("_", "-")}, key=key)


def keyboard(buttons: Mapping[str, str], legend: str, key: str, only=None) -> None:
    """Keys and a clicker press the page's buttons: `buttons` maps an action of explorer.views.keyboard
    ("forward", "back", "play", "reset") to the widget key of the page's button for it; `legend` (translated)
    is shown where the component stands; `only`: the keys bound (None: every key of an action in `buttons`)."""
    data = {
        "bindings": keyboard_view.bindings(buttons, only),
        "focus": {selector: list(keys) for selector, keys in keyboard_view.LEFT_TO_THE_FOCUS.items()},
        "legend": legend,
    }
    _keyboard()(data=data, key=key)
