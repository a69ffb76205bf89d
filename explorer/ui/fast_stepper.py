"""Instant stepping: the whole trace goes to the browser once, Step ▶ draws the next row there.

A server Step click is a Streamlit round trip (websocket, script rerun, redraw: about 200 ms
here). This component sends the precomputed trace (source tokens, target tokens,
attention rows) as JSON data inside one iframe and steps it in JavaScript, with no server
call: a click draws one more SVG row in a millisecond or two.

Safety: user text (the tokens) travels only as JSON data and reaches the page only through
``textContent``; the JSON is ASCII-only with ``<``, ``>`` and ``&`` written as ``\\u003c`` …,
so nothing in it can close the ``<script>`` element that holds it. No ``innerHTML`` anywhere.

The heatmap is explorer.figures.svg_heatmap's drawing (``<svg id="fs-heatmap">``); after a row is drawn
*and painted*, its ``data-rows`` attribute holds the number of rows shown and ``data-step-ms``
the time from the click to that paint (what bench/app_speed.py reads).

Shown with ``st.iframe`` (an HTML string becomes the iframe's srcdoc): the same as
``st.components.v1.html``, which Streamlit 1.67 deprecates in its favour.
"""

from __future__ import annotations

import json

# The data and drawing script are the Decode heatmap's (explorer.figures.svg_heatmap): one heatmap, two places.
from explorer.figures.svg_heatmap import DRAW_JS, payload_from_trace
from seq2seq.decoded import DecodedSentence


def embed_json(value) -> str:
    """JSON safe to place inside <script type="application/json">: ASCII, no '<', '>' or '&'."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html(data: dict) -> str:
    """The component's whole document: static markup and script, plus `data` as embedded JSON."""
    return _TEMPLATE.replace("__DRAW_JS__", DRAW_JS, 1).replace("__DATA__", embed_json(data), 1)


def render(data: DecodedSentence, step: int = 0, presentation: bool = False) -> None:
    """Show the component for a decoded sentence (a model with attention) on the page."""
    import streamlit as st

    content = payload_from_trace(data, step, scale=1.5 if presentation else 1.0)
    st.iframe(html(content), height=content["layout"]["height"], alt="Instant stepping: attention heatmap")


# Static: no user text is ever formatted into this string (the data goes in as JSON only).
_TEMPLATE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<style>
body { margin: 0; font-family: "Source Sans Pro", system-ui, sans-serif; color: #31333f; }
#fast-stepper { padding: 4px 2px; }
.fs-bar { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
.fs-bar button { font: inherit; padding: 4px 14px; border: 1px solid #ccc; border-radius: 8px;
  background: #fff; cursor: pointer; }
.fs-bar button:hover:enabled { border-color: #ff4b4b; color: #ff4b4b; }
.fs-bar button:disabled { color: #aaa; cursor: default; }
#fs-status { color: #555; }
#fs-source { color: #555; white-space: pre; overflow: hidden; text-overflow: ellipsis; margin-bottom: 4px; }
#fs-output { font-family: ui-monospace, "Source Code Pro", monospace; background: #f0f2f6;
  padding: 4px 8px; border-radius: 6px; white-space: pre; overflow: hidden; text-overflow: ellipsis;
  margin-bottom: 6px; min-height: 1.3em; }
</style></head>
<body>
<div id="fast-stepper">
  <div class="fs-bar">
    <button id="fs-back" type="button" aria-label="Back one step">◀ Back</button>
    <button id="fs-step" type="button" aria-label="Step forward">Step ▶</button>
    <button id="fs-reset" type="button">Reset</button>
    <span id="fs-status" aria-live="polite"></span>
  </div>
  <div id="fs-source"></div>
  <div id="fs-output"></div>
  <div id="fs-frame"></div>
</div>
<script id="fast-stepper-data" type="application/json">__DATA__</script>
<script>
__DRAW_JS__
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("fast-stepper-data").textContent);
  var T = data.target.length;
  var stepButton = document.getElementById("fs-step"), backButton = document.getElementById("fs-back");
  var status = document.getElementById("fs-status"), output = document.getElementById("fs-output");
  document.getElementById("fs-source").textContent = "source: " + data.source_text;

  function onShow(k) {  // the status line, the output so far and the buttons follow the rows shown
    var prob = k > 0 && data.probs ? data.probs[k - 1] : null;
    status.textContent = "Step " + k + " of " + T + (prob === null ? "" : "  \u00b7  p = " + prob.toFixed(4));
    var tokens = [];
    for (var i = 0; i < k; i++) tokens.push(data.target_full[i].replace(/^\d+ /, ""));
    output.textContent = k ? tokens.join(" ") : "(nothing yet: press Step \u25b6)";
    stepButton.disabled = k >= T;
    backButton.disabled = k <= 0;
  }
  var view = attentionHeatmap(document.getElementById("fs-frame"), data, {
    id: "fs-heatmap",
    width: function () { return document.documentElement.clientWidth || window.innerWidth; },
    onShow: onShow,
  });
  stepButton.addEventListener("click", function (e) { view.show(view.shown() + 1, e.timeStamp); });
  backButton.addEventListener("click", function (e) { view.show(view.shown() - 1, e.timeStamp); });
  document.getElementById("fs-reset").addEventListener("click", function (e) { view.show(0, e.timeStamp); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") view.show(view.shown() + 1, e.timeStamp);
    if (e.key === "ArrowLeft") view.show(view.shown() - 1, e.timeStamp);
  });
  window.addEventListener("resize", function () { view.resize(); });  // e.g. the expander opened
  view.show(data.step);
})();
</script>
</body></html>
"""
