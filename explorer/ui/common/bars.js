// The Decode page's per-step bar charts (explorer.figures.svg_bars' payloads), and a class follower's curves by
// epoch (explorer.figures.svg_curves) and the Lab's τ histograms (explorer.figures.svg_histograms).
// Static: no user text is ever formatted into this script (the data arrives as JSON only). The words it
// writes arrive translated in the payload's `texts` (explorer.figures.svg_bars.texts); English is the fallback.
const NS = "http://www.w3.org/2000/svg";

function say(data, key, fallback) {
  const words = data.texts || {};
  return typeof words[key] === "string" ? words[key] : fallback;
}

// A template's "{name}" placeholders filled from `values` (the result goes to textContent only).
function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const key in attrs) node.setAttribute(key, attrs[key]);
  if (text !== undefined) node.textContent = text;  // user text: textContent only
  return node;
}

function svgRoot(data, width, height) {
  // The chart's text alternative (its values in words, made in Python) for a screen reader.
  return el("svg", {id: data.id, width: width, height: height, role: "img", "aria-label": data.label || "",
    "font-family": "'Source Sans Pro', sans-serif", "font-size": Math.round(12 * data.scale), fill: "#31333f"});
}

function fmt(v, digits, data) { return v === null ? say(data, "none", "n/a") : v.toFixed(digits); }

// The widest label in monospace columns, measured in Python (a Chinese character takes two).
function longestLabel(data) { return Math.max(1, data.columns || 0, ...data.labels.map((x) => x.length)); }

// The room under the bars for the source labels: two flat lines (CJK, never turned), or the longest turned.
function labelsHeight(data, f) {
  return data.flat ? Math.round(2 * 1.3 * 12 * f) + 10 : Math.round(7.5 * f * longestLabel(data)) + 16;
}

// A horizontal grid line at each tick value of a panel (y maps a value to pixels), labelled on the left.
function gridLines(svg, ticks, y, left, right, f) {
  for (const t of ticks) {
    svg.appendChild(el("line", {x1: left, x2: right, y1: y(t), y2: y(t), stroke: "#e6e6e6"}));
    svg.appendChild(el("text", {x: left - 4, y: y(t) + 4 * f, "text-anchor": "end", fill: "#5c5f6b"},
      String(Math.round(t * 100) / 100)));
  }
}

// The source tokens under the bars from y = top, one per column of width cw, each with its full label: written
// upwards (turned a quarter), or flat in two lines, number over token, when the source has CJK (data.flat).
function sourceLabels(svg, data, left, cw, top, f) {
  const line = Math.round(12 * f * 1.3);
  for (let s = 0; s < data.labels.length; s++) {
    const x = left + s * cw + cw / 2 + (data.flat ? 0 : 4 * f);
    const mono = "ui-monospace, 'Source Code Pro', monospace";
    let label;
    if (data.flat) {
      label = el("text", {x: x, y: top + line, "text-anchor": "middle", "class": "col", "font-family": mono});
      data.lines[s].forEach((text, i) => label.appendChild(el("tspan", {x: x, y: top + line * (i + 1)}, text)));
    } else {
      label = el("text", {x: x, y: top, transform: "rotate(-90 " + x + " " + top + ")", "text-anchor": "end",
        "class": "col", "font-family": mono}, data.labels[s]);
    }
    label.appendChild(el("title", {}, data.full[s]));
    svg.appendChild(label);
  }
}

// Raw scores (grey, from a zero line) above softmax weights (blue, 0..1); the source tokens written
// upwards under the weights; a tooltip on every bar with the token, its score and its weight.
function drawScores(data, width) {
  const f = data.scale, S = data.labels.length, left = Math.round(44 * f), right = 8;
  const longest = longestLabel(data);
  const panel = Math.round(100 * f), title = Math.round(20 * f), gap = Math.round(12 * f);
  const labelsH = labelsHeight(data, f);
  const height = 2 * (title + panel) + gap + labelsH;
  const svg = svgRoot(data, width, height);
  svg.setAttribute("data-columns", String(S));
  const cw = Math.max(4, (width - left - right) / Math.max(S, 1));
  const finite = data.scores.filter((v) => v !== null);
  const hi = Math.max(0, ...finite), lo = Math.min(0, ...finite);

  function panelAt(top, name, lowV, highV, ticks) {
    svg.appendChild(el("text", {x: left + (S * cw) / 2, y: top + title - 6, "text-anchor": "middle",
      "font-size": Math.round(13 * f)}, name));
    const y0 = top + title;
    const y = (v) => y0 + panel - ((v - lowV) / ((highV - lowV) || 1)) * panel;
    gridLines(svg, ticks, y, left, left + S * cw, f);
    return y;
  }

  const scoreTicks = [lo, 0, hi].filter((v, i, a) => a.indexOf(v) === i);
  const yScore = panelAt(0, say(data, "scores_title", "raw scores score(h_t, h_s)"), lo, hi, scoreTicks);
  const top2 = title + panel + gap;
  const yWeight = panelAt(top2, say(data, "weights_title", "weights a_t = softmax(scores)"), 0, 1, [0, 0.5, 1]);
  const tipText = say(data, "scores_tip", "{token}\nscore {score}\nweight {weight}");
  for (let s = 0; s < S; s++) {
    const x = left + s * cw + 1, w = Math.max(1, cw - 2);
    const tip = fill(tipText, {token: data.full[s], score: fmt(data.scores[s], 4, data),
      weight: fmt(data.weights[s], 4, data)});
    const score = data.scores[s], weight = data.weights[s];
    if (score !== null) {
      const a = yScore(Math.max(score, 0)), b = yScore(Math.min(score, 0));
      const bar = el("rect", {x: x, y: a, width: w, height: Math.max(b - a, 0.5), fill: data.colors.score});
      bar.appendChild(el("title", {}, tip));
      svg.appendChild(bar);
    }
    if (weight !== null) {
      const a = yWeight(Math.min(Math.max(weight, 0), 1)), b = yWeight(0);
      const bar = el("rect", {x: x, y: a, width: w, height: Math.max(b - a, 0.5), fill: data.colors.weight,
        "class": "weight"});
      bar.appendChild(el("title", {}, tip));
      svg.appendChild(bar);
    }
  }
  sourceLabels(svg, data, left, cw, top2 + title + panel + 6, f);
  return svg;
}

// Each weight beside its share of c_t, two bars per source position on a fixed 0..1 axis.
function drawShares(data, width) {
  const f = data.scale, S = data.labels.length, left = Math.round(44 * f), right = 8;
  const longest = longestLabel(data);
  const legend = Math.round(24 * f), panel = Math.round(140 * f), labelsH = labelsHeight(data, f);
  const svg = svgRoot(data, width, legend + panel + labelsH);
  svg.setAttribute("data-columns", String(S));
  const cw = Math.max(6, (width - left - right) / Math.max(S, 1));
  const y = (v) => legend + panel - Math.min(Math.max(v, 0), 1) * panel;
  const legendNames = [say(data, "weight_legend", "weight a_ts"), say(data, "share_legend", "share of c_t")];
  const gap = Math.round((data.legend_gap || 120) * f);  // past the first entry's text (measured in Python)
  // One entry per colour the bars are drawn in (data.legend, placed in Python); older payloads: two entries.
  const entries = data.legend || [{text: legendNames[0], color: data.colors.weight, x: 0},
    {text: legendNames[1], color: data.colors.share, x: gap / f}];
  entries.forEach(({text: name, color, x: at}) => {
    const x = left + at * f;
    svg.appendChild(el("rect", {x: x, y: legend / 2 - 6 * f, width: 12 * f, height: 12 * f, fill: color}));
    svg.appendChild(el("text", {x: x + 18 * f, y: legend / 2 + 4 * f}, name));
  });
  gridLines(svg, [0, 0.5, 1], y, left, left + S * cw, f);
  for (let s = 0; s < S; s++) {
    const half = Math.max(1, (cw - 2) / 2), hot = s === data.highlight;
    [["weight", data.weights[s]], ["share", data.shares[s]]].forEach(([name, v], i) => {
      if (v === null) return;
      const bar = el("rect", {x: left + s * cw + 1 + i * half, y: y(v), width: half, height: Math.max(y(0) - y(v), 0.5),
        fill: hot ? data.colors.chosen : data.colors[name], "fill-opacity": hot && i === 1 ? 0.6 : 1, "class": name});
      const tip = say(data, name + "_tip", "{token}\n" + name + " {value}");
      bar.appendChild(el("title", {}, fill(tip, {token: data.full[s], value: fmt(v, 4, data)})));
      svg.appendChild(bar);
    });
  }
  sourceLabels(svg, data, left, cw, legend + panel + 6, f);
  return svg;
}

// Horizontal bars, most probable on top, on a fixed 0..1 axis; the chosen token in red.
function drawTopk(data, width) {
  const f = data.scale, k = data.labels.length, row = Math.round(26 * f), title = Math.round(22 * f);
  const longest = longestLabel(data);
  const left = Math.round(7 * f * longest) + 12, valueW = Math.round(44 * f);
  const height = title + k * row + 6;
  const svg = svgRoot(data, width, height);
  svg.setAttribute("data-rows", String(k));
  const room = Math.max(10, width - left - valueW);
  svg.appendChild(el("text", {x: 0, y: title - 8, "font-weight": 600, "font-size": Math.round(14 * f)},
    say(data, "topk_title", "next-token candidates")));
  for (let i = 0; i < k; i++) {
    const y = title + i * row, p = data.probs[i] === null ? 0 : Math.min(Math.max(data.probs[i], 0), 1);
    svg.appendChild(el("text", {x: left - 8, y: y + row / 2 + 4 * f, "text-anchor": "end"}, data.labels[i]));
    svg.appendChild(el("rect", {x: left, y: y + 3, width: room, height: row - 6, fill: "#f3f4f6"}));
    const bar = el("rect", {x: left, y: y + 3, width: Math.max(p * room, 1), height: row - 6,
      fill: data.chosen[i] ? data.colors.chosen : data.colors.other, "class": "bar"});
    bar.appendChild(el("title", {}, data.labels[i] + "\np = " + fmt(data.probs[i], 4, data)));
    svg.appendChild(bar);
    svg.appendChild(el("text", {x: left + room + 6, y: y + row / 2 + 4 * f}, fmt(data.probs[i], 3, data)));
  }
  return svg;
}

// Lines by epoch (explorer.figures.svg_curves): a title, the y ticks and the x ticks chosen in Python, a line per
// series broken at its gaps, a dot per value with its tooltip, a dashed marker at the epoch shown, and a legend
// under the axes, its entries wrapped to the width.
function drawCurves(data, width) {
  const f = data.scale, left = Math.round(52 * f), right = Math.round(12 * f), title = Math.round(26 * f);
  const plotH = Math.round(170 * f), ticksH = Math.round(34 * f), row = Math.round(20 * f);
  const plotW = Math.max(40, width - left - right);
  // The legend's entries, each a colour square and a name about 7 px a character wide, wrapped to the width.
  const entries = [];
  let ex = 0, ey = 0;
  for (const line of data.series) {
    const w = Math.round((22 + 7 * line.name.length + 14) * f);
    if (ex > 0 && ex + w > plotW) { ex = 0; ey += 1; }
    entries.push({line: line, x: ex, row: ey});
    ex += w;
  }
  const legendH = data.series.length > 1 ? (ey + 1) * row + 6 : 0;
  const height = title + plotH + ticksH + legendH;
  const svg = svgRoot(data, width, height);
  svg.setAttribute("data-series", String(data.series.length));
  svg.appendChild(el("text", {x: left, y: title - 9 * f, "font-weight": 600, "font-size": Math.round(14 * f)},
    data.title));
  const [x0, x1] = data.x_range, [y0, y1] = data.y_range;
  const x = (v) => left + ((v - x0) / ((x1 - x0) || 1)) * plotW;
  const y = (v) => title + plotH - ((Math.min(Math.max(v, y0), y1) - y0) / ((y1 - y0) || 1)) * plotH;
  gridLines(svg, data.y_ticks, y, left, left + plotW, f);
  svg.appendChild(el("text", {x: 10 * f, y: title + plotH / 2, "text-anchor": "middle", fill: "#5c5f6b",
    transform: "rotate(-90 " + 10 * f + " " + (title + plotH / 2) + ")"}, data.y_title));
  for (const t of data.x_ticks) {
    svg.appendChild(el("text", {x: x(t), y: title + plotH + 14 * f, "text-anchor": "middle", fill: "#5c5f6b"},
      String(t)));
  }
  svg.appendChild(el("text", {x: left + plotW / 2, y: title + plotH + 30 * f, "text-anchor": "middle",
    fill: "#5c5f6b"}, data.x_title));
  if (data.marker) {
    const mx = x(data.marker.x);
    svg.appendChild(el("line", {x1: mx, x2: mx, y1: title, y2: title + plotH, stroke: data.marker.color,
      "stroke-width": 2, "stroke-dasharray": "6 4", "class": "marker"}));
    // The label ends at the marker near the right edge (the newest epoch, where a page opens), else centred on it.
    const nearEnd = mx > left + 0.8 * plotW;
    svg.appendChild(el("text", {x: mx, y: title - 2 * f, "text-anchor": nearEnd ? "end" : "middle",
      fill: data.marker.color, "font-size": Math.round(11 * f)}, data.marker.label));
  }
  for (const line of data.series) {
    let path = "", pen = "M";
    line.y.forEach((v, i) => {
      if (v === null) { pen = "M"; return; }
      path += pen + x(line.x[i]).toFixed(1) + " " + y(v).toFixed(1) + " ";
      pen = "L";
    });
    if (path) svg.appendChild(el("path", {d: path, fill: "none", stroke: line.color, "stroke-width": 2,
      "class": "line"}));
    line.y.forEach((v, i) => {
      if (v === null) return;
      const dot = el("circle", {cx: x(line.x[i]), cy: y(v), r: 2.5 * f, fill: line.color});
      dot.appendChild(el("title", {}, line.name + "\n" + data.x_title + " " + line.x[i] + ": " + fmt(v, 4, data)));
      svg.appendChild(dot);
    });
  }
  if (legendH) {
    const top = title + plotH + ticksH;
    for (const {line, x: at, row: r} of entries) {
      const lx = left + at, ly = top + r * row;
      svg.appendChild(el("rect", {x: lx, y: ly + 4 * f, width: 12 * f, height: 12 * f, fill: line.color}));
      svg.appendChild(el("text", {x: lx + 18 * f, y: ly + 14 * f}, line.name));
    }
  }
  return svg;
}

// Histograms in panels (explorer.figures.svg_histograms): a class's τ histograms of the Lab, two panels a row on a
// phone (one below 340 px), three where 640 px hold them (as the Plotly grid), each with its bars (the counts made in
// Python), its median (solid) and the papers' marks (dotted, labelled), a shared x scale; each panel's <g> carries
// its counts (data-counts) for the tests.
function drawHistograms(data, width) {
  const f = data.scale, per = width < 340 ? 1 : width < 640 * f ? 2 : 3, gap = Math.round(14 * f);
  const panelW = Math.floor((width - gap * (per - 1)) / per);
  const left = Math.round(30 * f), title = Math.round(46 * f), plotH = Math.round(110 * f);
  const ticksH = Math.round(18 * f), panelH = title + plotH + ticksH + Math.round(8 * f);
  const rows = Math.max(1, Math.ceil(data.panels.length / per)), footH = Math.round(22 * f);
  const svg = svgRoot(data, width, rows * panelH + footH);
  svg.setAttribute("data-panels", String(data.panels.length));
  const [x0, x1] = data.x_range, bins = Math.max(1, Math.round((x1 - x0) / data.bin_size));
  data.panels.forEach((panel, index) => {
    const px = (index % per) * (panelW + gap), py = Math.floor(index / per) * panelH;
    const plotW = Math.max(20, panelW - left - 4 * f), top = py + title;
    const x = (v) => px + left + ((Math.min(Math.max(v, x0), x1) - x0) / ((x1 - x0) || 1)) * plotW;
    const most = Math.max(1, ...panel.counts);
    const y = (c) => top + plotH - (c / most) * plotH;
    const g = el("g", {"data-counts": panel.counts.join(",")});
    // A name wider than its panel (about 6 px a character) on two lines, after its "~".
    const cut = panel.name.indexOf(" ~ ");
    const lines = panel.name.length * 6 * f > panelW - left && cut > 0
      ? [panel.name.slice(0, cut + 2), panel.name.slice(cut + 3)] : [panel.name];
    lines.forEach((line, i) => g.appendChild(el("text", {x: px + left, y: py + (12 + 13 * i) * f,
      "font-weight": 600, "font-size": Math.round(11 * f)}, line)));
    g.appendChild(el("line", {x1: px + left, x2: px + left + plotW, y1: top + plotH, y2: top + plotH,
      stroke: "#bfbfbf"}));
    g.appendChild(el("text", {x: px + left - 4 * f, y: top + 8 * f, "text-anchor": "end", fill: "#5c5f6b",
      "font-size": Math.round(10 * f)}, String(most)));
    const bw = plotW / bins;
    panel.counts.forEach((count, k) => {
      if (!count) return;
      const bar = el("rect", {x: px + left + k * bw + 0.5, y: y(count), width: Math.max(1, bw - 1),
        height: top + plotH - y(count), fill: data.colors.bar, "class": "bar"});
      const low = x0 + k * data.bin_size, high = low + data.bin_size;
      bar.appendChild(el("title", {}, data.x_title + " " + low.toFixed(1) + "…" + high.toFixed(1) + ": " + count));
      g.appendChild(bar);
    });
    for (const t of data.x_ticks) {
      g.appendChild(el("text", {x: x(t), y: top + plotH + 13 * f, "text-anchor": "middle", fill: "#5c5f6b",
        "font-size": Math.round(10 * f)}, String(t)));
    }
    if (panel.median !== null) {
      g.appendChild(el("line", {x1: x(panel.median), x2: x(panel.median), y1: top, y2: top + plotH,
        stroke: data.colors.median, "stroke-width": 2, "class": "median"}));
    }
    panel.marks.forEach((mark, i) => {
      if (mark.x === null) return;
      g.appendChild(el("line", {x1: x(mark.x), x2: x(mark.x), y1: top, y2: top + plotH, stroke: data.colors.mark,
        "stroke-dasharray": "2 3", "class": "mark"}));
      const last = i === panel.marks.length - 1;  // labels left of their lines, the last one right, on two lines
      g.appendChild(el("text", {x: x(mark.x) + (last ? 3 : -3) * f, y: top - (4 + 10 * (i % 2)) * f,
        "text-anchor": last ? "start" : "end", fill: data.colors.mark, "font-size": Math.round(9 * f)}, mark.label));
    });
    svg.appendChild(g);
  });
  svg.appendChild(el("text", {x: width / 2, y: rows * panelH + 14 * f, "text-anchor": "middle", fill: "#5c5f6b"},
    data.x_title + " · " + data.y_title));
  return svg;
}

function drawBars(component) {
  const { data, parentElement } = component;
  const draw = () => {
    const old = parentElement.querySelector(":scope > .ae-bars");
    if (old) old.remove();
    const root = document.createElement("div");
    root.className = "ae-bars";
    const width = Math.max(200, parentElement.clientWidth || 400);
    const drawer = {topk: drawTopk, shares: drawShares, scores: drawScores, curves: drawCurves,
      histograms: drawHistograms}[data.kind];
    root.appendChild(drawer(data, width));
    parentElement.appendChild(root);
  };
  draw();
  let last = parentElement.clientWidth;
  const onResize = () => { if (parentElement.clientWidth !== last) { last = parentElement.clientWidth; draw(); } };
  window.addEventListener("resize", onResize);
  return () => window.removeEventListener("resize", onResize);
}

// After common/renders.js: a render's resize listener ends with it (it would redraw that render's old bars).
export default function (component) {
  return renderAnew(component.parentElement, () => drawBars(component));
}
