"""Instant stepping: the whole trace goes to the browser once, Step ▶ draws the next row there.

A server Step click is a Streamlit round trip (websocket, script rerun, redraw; its time is in
docs/performance.md). This component sends the precomputed trace (source tokens, target tokens,
attention rows) as JSON data inside one iframe and steps it in JavaScript, with no server
call: a click draws one more SVG row at once.

Safety: user text (the tokens) travels only as JSON data and reaches the page only through
``textContent``; the JSON is ASCII-only with ``<``, ``>`` and ``&`` written as ``\\u003c`` …,
so nothing in it can close the ``<script>`` element that holds it. No ``innerHTML`` anywhere.

The heatmap is the Decode page's drawing (components/heatmap_draw.js, ``<svg id="fs-heatmap">``); after a
row is drawn *and painted*, its ``data-rows`` attribute holds the number of rows shown and ``data-step-ms``
the time from the click to that paint (what bench/app_speed.py reads).

Shown with ``st.iframe`` (an HTML string becomes the iframe's srcdoc): the same as
``st.components.v1.html``, which Streamlit 1.67 deprecates in its favour.
"""

from __future__ import annotations

import json

# The data and drawing script are the Decode heatmap's: one heatmap, two places.
from explorer.figures.svg_heatmap import payload_from_trace
from explorer.i18n import _, current
from explorer.ui.components import source
from seq2seq.decoded import DecodedSentence


def embed_json(value) -> str:
    """JSON safe to place inside <script type="application/json">: ASCII, no '<', '>' or '&'."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html(data: dict) -> str:
    """The component's whole document: static markup and script, plus `data` as embedded JSON."""
    # components/stepper.html is static: no user text is ever formatted into it (the data goes in as JSON).
    page = source("stepper.html").replace("__DRAW_JS__", source("heatmap_draw.js"), 1)
    return page.replace("__DATA__", embed_json(data), 1)


def texts() -> dict[str, str]:
    """The words the stepper writes around its heatmap (buttons, source, status and output lines), in the
    current language; stepper.html's English is only their fallback. {text}, {k}, {n} are filled in the browser."""
    return {
        "back": _("◀ Back"),
        "back_label": _("Back one step"),
        "step": _("Step ▶"),
        "step_label": _("Step forward"),
        "reset": _("Reset"),
        "source": _("source: {text}"),
        "status": _("Step {k} of {n}"),
        "empty": _("(nothing yet: press Step ▶)"),
    }


def render(data: DecodedSentence, step: int = 0, presentation: bool = False) -> None:
    """Show the component for a decoded sentence (a model with attention) on the page."""
    import streamlit as st

    content = payload_from_trace(data, step, scale=1.5 if presentation else 1.0)
    # The heatmap's own words are in the payload's "texts" already (explorer.figures.svg_heatmap).
    content = {**content, "texts": {**content.get("texts", {}), **texts()}, "lang": current()}
    alt = _("Instant stepping: attention heatmap")
    st.iframe(html(content), height=content["layout"]["height"], alt=alt)
