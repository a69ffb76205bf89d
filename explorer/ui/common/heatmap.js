// A whole attention heatmap at rest (explorer.ui.common.components.heatmap): every row of an
// explorer.figures.svg_heatmap payload drawn at once by decode/heatmap_draw.js (read before this script), no row
// outlined, no stepping. What a live class's phone draws on Compare and Timelapse instead of plotly's heatmaps:
// no 4.7 MB bundle to compile and no plotly layout per chart on a busy phone (docs/performance.md).
// Static: the data arrives as JSON only (the tokens reach the page through textContent).
function drawStill(component) {
  const { data, parentElement } = component;
  const old = parentElement.querySelector(":scope > .ae-still-heatmap");
  if (old) old.remove();
  const root = document.createElement("div");
  root.className = "ae-still-heatmap";
  parentElement.appendChild(root);
  const map = attentionHeatmap(root, data, {
    id: data.id, still: true, width: () => Math.max(200, parentElement.clientWidth || 360),
  });
  map.show(data.attention.length);
  let last = parentElement.clientWidth;
  const onResize = () => { if (parentElement.clientWidth !== last) { last = parentElement.clientWidth; map.resize(); } };
  window.addEventListener("resize", onResize);
  return () => window.removeEventListener("resize", onResize);
}

// After common/renders.js: a render's resize listener ends with it (it would redraw that render's old heatmap).
export default function (component) {
  return renderAnew(component.parentElement, () => drawStill(component));
}
