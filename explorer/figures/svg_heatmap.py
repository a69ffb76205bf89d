"""The alignment heatmap drawn as SVG in the browser: the Decode page's heatmap and the instant stepper's.

The Decode page shows it with a small Streamlit component (``st.components.v2``) mounted in the
page itself: no iframe and no plotly, whose 4.7 MB bundle the browser would otherwise have to
fetch and compile before the first heatmap appears (bench/app_speed: a page's open went from
3.5 s to about 2.5 s on this machine). The plotly heatmap stays one tab away for zooming and PNG.

One drawing script (``DRAW_JS``) serves both this component and the instant stepper's iframe
(explorer.ui.fast_stepper): one row per target token, one column per source token, the colour
scale fixed at 0–1 (ColorBrewer Blues, a colour bar below), position-labelled tokens, a tooltip
on every cell with both tokens and the weight, the current row outlined, and a frame the size of
the whole decode so the page does not jump while rows fill in.

Safety: user text (the tokens) travels only as JSON data and reaches the page only through
``textContent`` and ``setAttribute``; the component's code is a constant (``COMPONENT_JS``). No
``innerHTML`` anywhere.

The component also follows the page's Step, Back and Reset buttons (keyed, so Streamlit gives them
the classes ``st-key-decode_step_button`` …): it holds the whole decode, so it paints the row a
click asks for in that click's frame, and the fragment rerun the click starts brings the step's
other views and this heatmap again. It runs at most one step ahead of the server: Streamlit may
merge clicks that arrive before its rerun, so a quicker click waits for the server's answer.

Once a step's rows are painted the ``<svg>`` carries ``data-rows`` (rows shown) and, after a
click it drew (the instant stepper's buttons, or the page's Step, Back and Reset), ``data-step-ms``
(click to paint): what bench/app_speed.py and the browser tests read.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

from explorer.figures.common import position_labels
from seq2seq.decoded import DecodedSentence
from seq2seq.display_width import char_columns, display_width

MAX_LABEL_CHARS = 12  # labels wider than this many columns are cut on the axis (the full token is in the tooltip)
CELL_PX = 22  # size of one heatmap cell (scaled up in presentation mode)
CHAR_PX = 7.5  # width of one column of the 12 px monospace labels (a CJK character takes two)
CONTROLS_PX = 112  # the instant stepper's buttons, source line and output line above its heatmap
LEGEND_PX = 36  # the 0–1 colour bar below the heatmap
# ColorBrewer "Blues" (plotly's "Blues", the scale of every heatmap in the app): 0 → white, 1 → dark blue.
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
COMPONENT_NAME = "attention_explorer.heatmap"
SVG_ID = "decode-heatmap"  # the Decode page's heatmap: <svg id="decode-heatmap" data-rows="…">
# Widget keys of the Decode page's Step, Back and Reset buttons. Streamlit gives a keyed element the
# CSS class "st-key-<key>"; the component draws the row a click asks for at once, in the browser,
# and the server's rerun (the rest of the step's views, and this heatmap again) follows.
STEP_BUTTON, BACK_BUTTON, RESET_BUTTON = "decode_step_button", "decode_back_button", "decode_reset_button"


def _label(text: str) -> str:
    """`text` cut to MAX_LABEL_CHARS columns (the last one an ellipsis) when wider; never splits a wide character."""
    if display_width(text) <= MAX_LABEL_CHARS:
        return text
    kept, width = [], 0
    for ch in text:
        if width + char_columns(ch) > MAX_LABEL_CHARS - 1:
            break
        kept.append(ch)
        width += char_columns(ch)
    return "".join(kept) + "…"


def axis_labels(tokens: Sequence[str]) -> list[str]:
    """The labels the heatmap writes on an axis: position-labelled tokens, long ones cut."""
    return [_label(x) for x in position_labels(tokens)]


def _longest(labels: Sequence[str]) -> int:
    """The widest label, in monospace columns (so the margin fits Chinese labels too)."""
    return max((display_width(x) for x in labels), default=0)


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
    """Plain data for the drawing script: labels, full tokens, rows (T, S), layout in pixels.

    attention: (T, S) with T = len(target_tokens), S = len(source_tokens); `step` is the
    number of rows shown (clamped to 0..T).
    """
    rows = [[_weight(w) for w in row] for row in attention]
    if len(rows) != len(target_tokens):
        raise ValueError(f"attention has {len(rows)} rows but there are {len(target_tokens)} target tokens")
    for t, row in enumerate(rows):
        if len(row) != len(source_tokens):
            raise ValueError(f"row {t} has {len(row)} weights but there are {len(source_tokens)} source tokens")
    src_full, tgt_full = position_labels(source_tokens), position_labels(target_tokens)
    src, tgt = axis_labels(source_tokens), axis_labels(target_tokens)
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


def payload_from_trace(data: DecodedSentence, step: int = 0, scale: float = 1.0) -> dict:
    """payload() of a decoded sentence (seq2seq.decoded) with attention."""
    attention = data.attention
    if attention is None:
        raise ValueError("this model has no attention: there is nothing to draw")
    probs = [s.prob for s in data.steps]
    return payload(data.source_tokens, data.target_tokens, attention, probs, step, scale, data.source)


@functools.cache
def _component():
    """Register the component once per process (registering a name twice logs a warning)."""
    import streamlit as st

    # isolate_styles=False: mounted in the page's own DOM, so the browser tests and the benchmark
    # find <svg id="decode-heatmap"> with a plain selector. The script sets its styles as
    # attributes, so nothing leaks into the page.
    return st.components.v2.component(COMPONENT_NAME, js=COMPONENT_JS, isolate_styles=False)


def show(data: DecodedSentence, step: int, presentation: bool = False, key: str = "decode_heatmap") -> None:
    """The Decode page's heatmap: the first `step` rows of a decoded sentence with attention, drawn in the page."""
    _component()(data=payload_from_trace(data, step, scale=1.5 if presentation else 1.0), key=key)


# Static: no user text is ever formatted into this script (the data arrives as JSON only).
# attentionHeatmap(root, data, opts) draws into the element `root` and returns {show, resize};
# opts: id (of the <svg>), width() (pixels available), onShow(k) (after k rows are shown).
DRAW_JS = r"""
function attentionHeatmap(root, data, opts) {
  "use strict";
  var NS = "http://www.w3.org/2000/svg", doc = root.ownerDocument;
  var L = data.layout, S = data.source.length, T = data.target.length, cell = L.cell;
  var rows = [], shown = 0, seq = 0, cw = 0, highlight = null;

  function el(name, attrs, text) {
    var node = doc.createElementNS(NS, name);
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

  var scroller = doc.createElement("div");
  scroller.style.overflow = "auto";
  var svg = el("svg", {id: opts.id, role: "img", "aria-label": "attention heatmap", "data-rows": "-1",
    "font-family": "ui-monospace, 'Source Code Pro', monospace", fill: "#31333f"});
  scroller.appendChild(svg);
  root.appendChild(scroller);

  function columnWidth() {  // rows keep their height (a fixed frame); columns share the width there is
    var room = opts.width() - L.left - 16;
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
        {x: x, y: L.top - 6, transform: "rotate(-90 " + x + " " + (L.top - 6) + ")", "class": "col"},
        data.source[s]);
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
    if (opts.onShow) opts.onShow(k);
    var mine = ++seq;
    // Mark the DOM once the rows have been painted: rAF runs before the paint, the timeout after it.
    requestAnimationFrame(function () {
      setTimeout(function () {
        if (mine !== seq) return;
        svg.setAttribute("data-rows", String(shown));
        if (started !== undefined) svg.setAttribute("data-step-ms", (performance.now() - started).toFixed(1));
      }, 0);
    });
  }

  // The colour bar: a 0..1 gradient with its two ends labelled.
  var legend = el("svg", {width: 260, height: 32, "aria-label": "colour scale 0 to 1", "font-size": 12,
    fill: "#31333f"});
  var defs = el("defs", {}), gradient = el("linearGradient", {id: opts.id + "-blues"});
  data.colors.forEach(function (c, i) {
    gradient.appendChild(el("stop", {offset: (i / (data.colors.length - 1)).toFixed(3), "stop-color": c}));
  });
  defs.appendChild(gradient);
  legend.appendChild(defs);
  legend.appendChild(el("text", {x: 0, y: 14}, "weight 0"));
  legend.appendChild(el("rect", {x: 62, y: 3, width: 160, height: 14, fill: "url(#" + opts.id + "-blues)",
    stroke: "#ccc"}));
  legend.appendChild(el("text", {x: 228, y: 14}, "1"));
  root.appendChild(legend);

  frame();
  return {
    svg: svg,
    show: show,
    shown: function () { return shown; },
    resize: function () { if (columnWidth() !== cw) { frame(); show(shown); } },
  };
}
"""

# The component: every render (a new step, sentence or model) draws the heatmap afresh from `data`.
# One click listener per page (capture phase, before Streamlit handles the click) moves the current
# heatmap by a row at once when Step, Back or Reset is clicked: the row is in the browser already.
COMPONENT_JS = (
    DRAW_JS
    + r"""
const MOVES = {"st-key-__STEP__": 1, "st-key-__BACK__": -1, "st-key-__RESET__": null};

function followButtons() {
  if (window.__aeHeatmapFollows) return;
  window.__aeHeatmapFollows = true;
  document.addEventListener("click", (event) => {
    const view = window.__aeHeatmapView;
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (!view || !button || button.disabled || !view.svg.isConnected) return;
    for (const [cls, move] of Object.entries(MOVES)) {
      if (!button.closest("." + cls)) continue;
      if (move === null) view.show(0, event.timeStamp);
      // At most one step ahead of the server: clicks that land before its rerun may be merged
      // into one by Streamlit, and a heatmap further ahead would then jump back.
      else if (view.shown() === view.serverStep) view.show(view.shown() + move, event.timeStamp);
    }
  }, true);
}

export default function (component) {
  const { data, parentElement } = component;
  const old = parentElement.querySelector(":scope > .ae-heatmap");
  if (old) old.remove();
  const root = document.createElement("div");
  root.className = "ae-heatmap";
  parentElement.appendChild(root);
  const view = attentionHeatmap(root, data, {
    id: "__SVG_ID__",
    width: () => parentElement.clientWidth || 800,
  });
  view.show(data.step);
  view.serverStep = data.step;
  window.__aeHeatmapView = view;
  followButtons();
  const onResize = () => view.resize();
  window.addEventListener("resize", onResize);
  return () => window.removeEventListener("resize", onResize);
}
""".replace("__SVG_ID__", SVG_ID)
    .replace("__STEP__", STEP_BUTTON)
    .replace("__BACK__", BACK_BUTTON)
    .replace("__RESET__", RESET_BUTTON)
)
