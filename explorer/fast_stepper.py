"""Instant stepping: the whole trace goes to the browser once, Step ▶ draws the next row there.

A server Step click is a Streamlit round trip (websocket, script rerun, plotly redraw: about
200 ms here). This component sends the precomputed trace (source tokens, target tokens,
attention rows) as JSON data inside one iframe and steps it in JavaScript, with no server
call: a click draws one more SVG row in a millisecond or two.

Safety: user text (the tokens) travels only as JSON data and reaches the page only through
``textContent``; the JSON is ASCII-only with ``<``, ``>`` and ``&`` written as ``\\u003c`` …,
so nothing in it can close the ``<script>`` element that holds it. No ``innerHTML`` anywhere.

The heatmap is ``<svg id="fs-heatmap">``; after a row is drawn *and painted*, its
``data-rows`` attribute holds the number of rows shown and ``data-step-ms`` the time from the
click to that paint (what bench/app_speed.py reads).

Shown with ``st.iframe`` (an HTML string becomes the iframe's srcdoc): the same as
``st.components.v1.html``, which Streamlit 1.67 deprecates in its favour.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from explorer.figures import position_labels

MAX_LABEL_CHARS = 12  # longer tokens are cut on the axis (the full token is in the tooltip)
CELL_PX = 22  # size of one heatmap cell (scaled up in presentation mode)
CHAR_PX = 7.5  # width of one character of the 12 px monospace labels
CONTROLS_PX = 112  # buttons, the source line and the output line above the heatmap
LEGEND_PX = 36  # the 0–1 colour bar below it
# ColorBrewer "Blues" (plotly's "Blues", the Decode heatmap's scale): 0 → white, 1 → dark blue.
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def _longest(labels: Sequence[str]) -> int:
    return max((len(x) for x in labels), default=0)


def _weight(value) -> float | None:
    """A finite weight rounded for the page, None for NaN/inf (drawn as an empty cell)."""
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


def payload(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    attention: Sequence[Sequence[float]],
    probs: Sequence[float] | None = None,
    step: int = 0,
    scale: float = 1.0,
    source_text: str = "",
) -> dict:
    """Plain data for the component: labels, full tokens, rows (T, S), layout in pixels.

    attention: (T, S) with T = len(target_tokens), S = len(source_tokens); `step` is the
    number of rows shown at first (clamped to 0..T).
    """
    rows = [[_weight(w) for w in row] for row in attention]
    if len(rows) != len(target_tokens):
        raise ValueError(f"attention has {len(rows)} rows but there are {len(target_tokens)} target tokens")
    for t, row in enumerate(rows):
        if len(row) != len(source_tokens):
            raise ValueError(f"row {t} has {len(row)} weights but there are {len(source_tokens)} source tokens")
    src_full, tgt_full = position_labels(source_tokens), position_labels(target_tokens)
    src, tgt = [_label(x) for x in src_full], [_label(x) for x in tgt_full]
    cell = round(CELL_PX * scale)
    layout = {
        "cell": cell,
        "left": round(CHAR_PX * scale * _longest(tgt)) + 10,  # row labels
        "top": round(CHAR_PX * scale * _longest(src)) + 10,  # column labels, written vertically
        "font": round(12 * scale),
    }
    layout["height"] = CONTROLS_PX + layout["top"] + cell * max(len(tgt), 1) + LEGEND_PX + 16
    return {
        "source_text": source_text,
        "source": src,
        "target": tgt,
        "source_full": list(src_full),
        "target_full": list(tgt_full),
        "attention": rows,
        "probs": [_weight(p) for p in probs] if probs is not None else None,
        "step": min(max(int(step), 0), len(rows)),
        "colors": list(BLUES),
        "layout": layout,
    }


def payload_from_trace(data: dict, step: int = 0, scale: float = 1.0) -> dict:
    """payload() of a decode_view trace (``{"trace": Trace.to_json(...), ...}``) with attention."""
    trace = data["trace"]
    if trace["attention"] is None:
        raise ValueError("this model has no attention: there is nothing to draw")
    probs = [s["prob"] for s in trace["steps"]]
    return payload(
        trace["source_tokens"], trace["target_tokens"], trace["attention"], probs, step, scale, trace["source"]
    )


def embed_json(value) -> str:
    """JSON safe to place inside <script type="application/json">: ASCII, no '<', '>' or '&'."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html(data: dict) -> str:
    """The component's whole document: static markup and script, plus `data` as embedded JSON."""
    return _TEMPLATE.replace("__DATA__", embed_json(data), 1)


def render(data: dict, step: int = 0, presentation: bool = False) -> None:
    """Show the component for a decode_view trace (a model with attention) on the page."""
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
#fs-frame { overflow: auto; }
svg text { font-family: ui-monospace, "Source Code Pro", monospace; fill: #31333f; }
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
  <div id="fs-frame"><svg id="fs-heatmap" role="img" aria-label="attention heatmap" data-rows="-1"></svg></div>
  <svg id="fs-legend" width="260" height="32" aria-label="colour scale 0 to 1"></svg>
</div>
<script id="fast-stepper-data" type="application/json">__DATA__</script>
<script>
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("fast-stepper-data").textContent);
  var L = data.layout, S = data.source.length, T = data.target.length, cell = L.cell;
  var svg = document.getElementById("fs-heatmap");
  var stepButton = document.getElementById("fs-step"), backButton = document.getElementById("fs-back");
  var status = document.getElementById("fs-status"), output = document.getElementById("fs-output");
  var rows = [], shown = data.step, seq = 0, cw = 0, highlight = null;
  document.getElementById("fs-source").textContent = "source: " + data.source_text;

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;  // user text: textContent only
    return node;
  }
  function hex(c) { return [1, 3, 5].map(function (i) { return parseInt(c.slice(i, i + 2), 16); }); }
  var stops = data.colors.map(hex);
  function color(w) {  // fixed scale 0..1 over ColorBrewer Blues
    if (w === null || w === undefined) return "#ffffff";
    var x = Math.min(Math.max(w, 0), 1) * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2);
    var f = x - i, a = stops[i], b = stops[i + 1];
    return "rgb(" + [0, 1, 2].map(function (k) { return Math.round(a[k] + f * (b[k] - a[k])); }).join(",") + ")";
  }

  function columnWidth() {  // rows keep their height (a fixed frame); columns share the width there is
    var room = (document.documentElement.clientWidth || window.innerWidth) - L.left - 16;
    return Math.max(14, Math.min(2 * cell, Math.floor(room / Math.max(S, 1))));
  }

  function frame() {  // labels, background and the highlight; rows are drawn on demand
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    rows = [];
    cw = columnWidth();
    svg.setAttribute("width", L.left + S * cw + 4);
    svg.setAttribute("height", L.top + Math.max(T, 1) * cell + 4);
    svg.setAttribute("font-size", L.font);
    for (var s = 0; s < S; s++) {  // column labels (source tokens), written upwards
      var x = L.left + s * cw + cw / 2 + L.font / 3, label = el("text",
        {x: x, y: L.top - 6, transform: "rotate(-90 " + x + " " + (L.top - 6) + ")"}, data.source[s]);
      label.appendChild(el("title", {}, data.source_full[s]));
      svg.appendChild(label);
    }
    svg.appendChild(el("rect", {x: L.left, y: L.top, width: S * cw, height: Math.max(T, 1) * cell,
      fill: "#fafafa", stroke: "#e0e0e0"}));
    highlight = el("rect", {x: L.left - 1, width: S * cw + 2, height: cell, fill: "none",
      stroke: "#d62728", "stroke-width": 2, visibility: "hidden"});
    svg.appendChild(highlight);
  }

  function buildRow(t) {  // one <g>: the row label and S cells, each with its tooltip
    var g = el("g", {"data-row": t}), y = L.top + t * cell;
    var label = el("text", {x: L.left - 6, y: y + cell / 2 + L.font / 3, "text-anchor": "end"}, data.target[t]);
    label.appendChild(el("title", {}, data.target_full[t]));
    g.appendChild(label);
    var row = data.attention[t];
    for (var s = 0; s < S; s++) {
      var r = el("rect", {x: L.left + s * cw, y: y, width: cw - 1, height: cell - 1, fill: color(row[s])});
      var w = row[s] === null ? "n/a" : row[s].toFixed(3);
      r.appendChild(el("title", {}, "target " + data.target_full[t] + " \u2190 source " + data.source_full[s] +
        "\nweight " + w));
      g.appendChild(r);
    }
    return g;
  }

  function show(k, started) {
    k = Math.min(Math.max(k, 0), T);
    for (var t = 0; t < T; t++) {
      if (t < k && !rows[t]) { rows[t] = buildRow(t); svg.insertBefore(rows[t], highlight); }
      if (rows[t]) rows[t].style.display = t < k ? "" : "none";
    }
    shown = k;
    if (k > 0) {
      highlight.setAttribute("y", L.top + (k - 1) * cell);
      highlight.setAttribute("visibility", "visible");
    } else {
      highlight.setAttribute("visibility", "hidden");
    }
    var prob = k > 0 && data.probs ? data.probs[k - 1] : null;
    status.textContent = "Step " + k + " of " + T + (prob === null ? "" : "  \u00b7  p = " + prob.toFixed(4));
    var tokens = [];
    for (var i = 0; i < k; i++) tokens.push(data.target_full[i].replace(/^\d+ /, ""));
    output.textContent = k ? tokens.join(" ") : "(nothing yet: press Step \u25b6)";
    stepButton.disabled = k >= T;
    backButton.disabled = k <= 0;
    var mine = ++seq;
    // Mark the DOM once the row has been painted: rAF runs before the paint, the timeout after it.
    requestAnimationFrame(function () {
      setTimeout(function () {
        if (mine !== seq) return;
        svg.setAttribute("data-rows", String(shown));
        if (started !== undefined) svg.setAttribute("data-step-ms", (performance.now() - started).toFixed(1));
      }, 0);
    });
  }

  stepButton.addEventListener("click", function (e) { show(shown + 1, e.timeStamp); });
  backButton.addEventListener("click", function (e) { show(shown - 1, e.timeStamp); });
  document.getElementById("fs-reset").addEventListener("click", function (e) { show(0, e.timeStamp); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") show(shown + 1, e.timeStamp);
    if (e.key === "ArrowLeft") show(shown - 1, e.timeStamp);
  });
  window.addEventListener("resize", function () {  // e.g. the expander opened: lay the columns out again
    if (columnWidth() !== cw) { frame(); show(shown); }
  });

  // The colour bar: a 0..1 gradient with its two ends labelled.
  var legend = document.getElementById("fs-legend"), defs = el("defs", {});
  var gradient = el("linearGradient", {id: "fs-blues"});
  data.colors.forEach(function (c, i) {
    gradient.appendChild(el("stop", {offset: (i / (data.colors.length - 1)).toFixed(3), "stop-color": c}));
  });
  defs.appendChild(gradient);
  legend.appendChild(defs);
  legend.appendChild(el("text", {x: 0, y: 14, "font-size": 12}, "weight 0"));
  legend.appendChild(el("rect", {x: 62, y: 3, width: 160, height: 14, fill: "url(#fs-blues)", stroke: "#ccc"}));
  legend.appendChild(el("text", {x: 228, y: 14, "font-size": 12}, "1"));
  frame();
  show(shown);
})();
</script>
</body></html>
"""
