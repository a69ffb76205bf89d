// attentionHeatmap(root, data, opts) draws into the element `root` and returns {show, resize};
// opts: id (of the <svg>), width() (pixels available), onShow(k) (after k rows are shown), still (no current row
// outlined: a whole heatmap at rest, explorer.ui.common.components.heatmap).
// Static: no user text is ever formatted into this script (the data arrives as JSON only). The words it
// writes arrive translated in the payload's `texts` (explorer.figures.svg_heatmap.texts); English is the fallback.
function attentionHeatmap(root, data, opts) {
  "use strict";
  var NS = "http://www.w3.org/2000/svg", doc = root.ownerDocument;
  function say(key, fallback) {  // the payload's word for `key`, else the English `fallback`
    var words = data.texts || {};
    return typeof words[key] === "string" ? words[key] : fallback;
  }
  function fill(template, values) {  // "{name}" placeholders; the result goes to textContent only
    return template.replace(/\{(\w+)\}/g, function (m, name) { return name in values ? values[name] : m; });
  }
  // L: a copy of the layout, whose cell, font and label room fitScreen() may change (presentation mode).
  var L = Object.assign({}, data.layout), S = data.source.length, T = data.target.length, cell = L.cell;
  var rows = [], shown = 0, seq = 0, cw = 0, highlight = null;

  function el(name, attrs, text) {
    var node = doc.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;  // user text: textContent only
    return node;
  }
  function hex(c) { return [1, 3, 5].map(function (i) { return parseInt(c.slice(i, i + 2), 16); }); }
  var stops = data.colors.map(hex);
  function color(w) {  // fixed scale 0..1 over the payload's stops (Blues or cividis)
    if (w === null || w === undefined) return "#ffffff";
    var x = Math.min(Math.max(w, 0), 1) * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2);
    var f = x - i, a = stops[i], b = stops[i + 1];
    return "rgb(" + [0, 1, 2].map(function (k) { return Math.round(a[k] + f * (b[k] - a[k])); }).join(",") + ")";
  }

  var scroller = doc.createElement("div");
  scroller.style.overflow = "auto";
  var svg = el("svg", {id: opts.id, "class": "ae-heatmap-svg", role: "img", "aria-label": say("label", "attention heatmap"),
    "data-rows": "-1",
    "font-family": "ui-monospace, 'Source Code Pro', monospace", fill: "#31333f"});
  scroller.appendChild(svg);
  root.appendChild(scroller);
  // A touch screen has no hover: a tap on a cell or a label writes its tooltip under the heatmap.
  var tapped = doc.createElement("div");
  tapped.className = "ae-heatmap-tap";
  tapped.style.whiteSpace = "pre-line";
  tapped.style.fontSize = "14px";
  root.appendChild(tapped);
  svg.addEventListener("pointerup", function (event) {
    if (event.pointerType !== "touch" && event.pointerType !== "pen") return;
    var title = event.target && event.target.querySelector ? event.target.querySelector(":scope > title") : null;
    tapped.textContent = title ? title.textContent : "";  // user text: textContent only
  });

  function columnWidth() {  // rows keep their height (a fixed frame); columns share the width there is
    var room = opts.width() - L.left - 16, share = Math.floor(room / Math.max(S, 1));
    // on a projector: the whole width; labels written flat (CJK) get the width of their widest line
    return Math.max(14, L.min_column || 0, L.fit ? share : Math.min(2 * cell, share));
  }

  function pageTop(node) {  // the node's top edge from the top of the page, whatever is scrolled
    var top = node.getBoundingClientRect().top + (window.scrollY || 0);
    for (var p = node.parentElement; p; p = p.parentElement) top += p.scrollTop || 0;
    return top;
  }

  // The heatmap's top edge on the page as it is with the <details> above it folded: an open one
  // ("Decoding settings") pushes the heatmap down and out of the frame, and a draw then (a Step)
  // would fit it to the little room left. The top measured while none is open is kept (per page and
  // window size) for the draws while one is; failing that, the open ones' contents are taken away.
  function foldedTop() {
    var top = pageTop(root), rootTop = root.getBoundingClientRect().top, extra = 0;
    doc.querySelectorAll("details[open]").forEach(function (d) {
      if (d.contains(root) || d.getBoundingClientRect().bottom > rootTop + 1) return;
      var summary = d.querySelector(":scope > summary");
      extra += d.getBoundingClientRect().height - (summary ? summary.getBoundingClientRect().height : 0);
    });
    var key = [location.pathname, opts.id, window.innerWidth, window.innerHeight].join(), kept = window.__aeFitTop;
    if (!extra) { window.__aeFitTop = {key: key, top: top}; return top; }
    return kept && kept.key === key ? kept.top : top - extra;
  }

  // Presentation mode (layout.fit, explorer.figures.svg_heatmap): the font from the window's height,
  // the rows' height from the room between the heatmap's top edge (settings folded) and the window's
  // bottom, so the heatmap and its colour bar fit the screen. A sentence with more rows or columns than
  // fit at that type gets smaller type and a note under the colour bar (L.shrunk). Returns whether the
  // geometry changed.
  function fitScreen() {
    var F = L.fit;
    // Off the page or not drawn (a rerun replacing it; its observer still fires): nothing to measure, and a
    // top edge of 0 kept for later draws would size them for a room that is not there.
    if (!F || !root.isConnected || !root.getClientRects().length) return false;
    var H = window.innerHeight || 720, before = [cell, L.font, L.top, L.left].join();
    var full = Math.max(F.min_font, Math.min(F.max_font, Math.round(H / F.screen_px_per_font_px)));
    var top = foldedTop(), font = full, c = 0;
    L.turned = false;  // flat CJK labels that do not fit even at the smallest type are turned, as Latin ones are
    for (; ; font--) {  // the largest type at which every row is taller and every column wider than a line of it
      var note = font < full ? F.note_px : 0;  // smaller type: the note's line under the colour bar
      var flat = Boolean(F.column_columns) && !L.turned;
      L.top = Math.round(F.char_per_font * font * F.top_columns) + 10;
      L.left = Math.round(F.char_per_font * font * F.left_columns) + 10;
      L.min_column = flat ? Math.round(F.char_per_font * font * F.column_columns) + 6 : 0;
      var room = H - top - legendHeight(font) - F.margin - note;
      c = Math.min(Math.round(F.max_cell_per_font * font), Math.floor((room - L.top) / Math.max(T, 1)));
      var share = Math.floor((opts.width() - L.left - 16) / Math.max(S, 1));  // a column's width
      // a turned label needs a line (font + 4) across its column, a flat one (CJK) its widest line
      var fits = c >= font + 4 && (flat ? L.min_column <= share : share >= font + 4);
      if (fits) break;
      if (font <= F.min_font) {
        if (!flat) break;
        L.turned = true;  // a long Chinese sentence: every column in the frame, its labels turned
        font = full + 1;
      }
    }
    cell = L.cell = Math.max(font + 4, c);
    L.font = font;
    L.shrunk = font < full ? {font: font, full: full} : null;
    return [cell, L.font, L.top, L.left].join() !== before;
  }
  function legendHeight(font) { return L.fit ? font + 22 : 32; }

  function frame() {  // labels, background and the highlight; rows are drawn on demand
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    rows = [];
    cw = columnWidth();
    svg.setAttribute("width", L.left + S * cw + 4);
    svg.setAttribute("height", L.top + Math.max(T, 1) * cell + 4);
    svg.setAttribute("font-size", L.font);
    var line = Math.round(L.font * 1.3);
    for (var s = 0; s < S; s++) {  // column labels (source tokens): CJK flat, number over token; Latin turned, bottom up
      var x = L.left + s * cw + cw / 2, label;
      if (data.source_flat && !L.turned) {
        label = el("text", {x: x, y: L.top - 6 - line, "text-anchor": "middle", "class": "col"});
        data.source_lines[s].forEach(function (text, i) {
          label.appendChild(el("tspan", {x: x, y: L.top - 6 - line + i * line}, text));
        });
      } else {
        label = el("text", {x: x + L.font / 3, y: L.top - 6, "class": "col",
          transform: "rotate(-90 " + (x + L.font / 3) + " " + (L.top - 6) + ")"}, data.source[s]);
      }
      label.appendChild(el("title", {}, (data.source_hover || data.source_full)[s]));
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
    label.appendChild(el("title", {}, (data.target_hover || data.target_full)[t]));
    g.appendChild(label);
    var row = data.attention[t];
    for (var s = 0; s < S; s++) {
      var r = el("rect", {x: L.left + s * cw, y: y, width: cw - 1, height: cell - 1, fill: color(row[s])});
      var w = row[s] === null ? say("missing", "n/a") : row[s].toFixed(3);
      var tip = fill(say("cell", "target {target} \u2190 source {source}\nweight {weight}"),
        {target: data.target_full[t], source: data.source_full[s], weight: w});
      var note = data.cell_notes ? data.cell_notes[t][s] : "";  // the words view: pieces and their weights
      r.appendChild(el("title", {}, note ? tip + "\n" + note : tip));
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
    if (k > 0 && !opts.still) {
      highlight.setAttribute("y", L.top + (k - 1) * cell);
      highlight.setAttribute("visibility", "visible");
    } else {
      highlight.setAttribute("visibility", "hidden");
    }
    if (opts.onShow) opts.onShow(k);
    var mine = ++seq;
    // The press's draw time (data-step-ms): from the press's event to the frame that paints the row, whose
    // animation-frame callbacks run just before its paint. data-rows marks the DOM once that frame has painted
    // (the timeout runs after it).
    requestAnimationFrame(function () {
      var drawn = started !== undefined ? (performance.now() - started).toFixed(1) : null;
      setTimeout(function () {
        if (mine !== seq) return;
        svg.setAttribute("data-rows", String(shown));
        if (drawn !== null) svg.setAttribute("data-step-ms", drawn);
      }, 0);
    });
  }

  // The colour bar: a 0..1 gradient with its two ends labelled; the gradient starts past its label
  // (layout.legend_left, measured in Python in display columns: a Chinese label is wider).
  // On a projector (layout.fit) it is drawn in the heatmap's font, its widths scaled from 12 px, and drawn
  // again when a resize changes that font (a window moved to the projector keeps no type of the laptop's).
  fitScreen();
  var legend = el("svg", {"aria-label": say("scale", "colour scale 0 to 1"), fill: "#31333f"});
  root.appendChild(legend);
  function drawLegend() {
    while (legend.firstChild) legend.removeChild(legend.firstChild);
    var k = L.fit ? L.font / 12 : 1, barLeft = Math.round((L.legend_left || 62) * k), barWidth = Math.round(160 * k);
    var barHeight = L.fit ? L.font + 2 : 14, textY = L.fit ? L.font + 2 : 14;
    legend.setAttribute("width", Math.round((L.legend_width || 260) * k));
    legend.setAttribute("height", legendHeight(L.font));
    legend.setAttribute("font-size", L.fit ? L.font : 12);
    var defs = el("defs", {}), gradient = el("linearGradient", {id: opts.id + "-scale"});
    data.colors.forEach(function (c, i) {
      gradient.appendChild(el("stop", {offset: (i / (data.colors.length - 1)).toFixed(3), "stop-color": c}));
    });
    defs.appendChild(gradient);
    legend.appendChild(defs);
    legend.appendChild(el("text", {x: 0, y: textY}, say("legend", "weight 0")));
    legend.appendChild(el("rect", {x: barLeft, y: 3, width: barWidth, height: barHeight,
      fill: "url(#" + opts.id + "-scale)", stroke: "#ccc"}));
    legend.appendChild(el("text", {x: barLeft + barWidth + 6, y: textY}, "1"));
  }
  drawLegend();
  // The note a shrunk heatmap carries (layout.fit.note, translated; numbers filled in here, text only).
  var shrunk = doc.createElement("div");
  shrunk.className = "ae-heatmap-shrunk";
  shrunk.style.fontSize = "16px";
  shrunk.style.lineHeight = "22px";
  root.appendChild(shrunk);
  function noteShrunk() {
    var on = !!(L.fit && L.shrunk);
    shrunk.style.display = on ? "" : "none";
    shrunk.textContent = on ? fill(L.fit.note, {font: L.shrunk.font, full: L.shrunk.full, rows: T, columns: S}) : "";
  }

  frame();
  noteShrunk();
  return {
    svg: svg,
    show: show,
    shown: function () { return shown; },
    resize: function () {
      if (fitScreen() || columnWidth() !== cw) { frame(); show(shown); drawLegend(); }
      noteShrunk();
    },
  };
}
