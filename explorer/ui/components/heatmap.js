// The Decode page's heatmap component (after heatmap_draw.js): every render (a new step, sentence or
// model, or a Step, Back or Reset click: `data.clicks` counts them) draws the heatmap afresh from
// `data`. One click listener per page (capture phase, before Streamlit handles the click) moves the
// current heatmap by a row at once when Step, Back or Reset is clicked: the row is in the browser
// already, and its aria-live region says the step shown. __SVG_ID__, __STEP__, __BACK__, __RESET__ are
// filled in from explorer.figures.svg_heatmap's constants, __ANNOUNCE_ID__ from explorer.ui.components'
// ANNOUNCE_ID, never from user text.
const MOVES = {"st-key-__STEP__": 1, "st-key-__BACK__": -1, "st-key-__RESET__": null};
// The app's run state (Streamlit's own attribute on its root): a run is asked for or going on.
const RUNNING = new Set(["running", "rerunRequested"]);
const HELD_AT_MOST = 20;  // clicks held while a run goes on (a clicker held down sends no more)

function appRoot() {
  return document.querySelector("[data-testid='stApp']");
}

function runState() {
  const app = appRoot();
  return app ? app.getAttribute("data-test-script-state") : null;
}

// Clicks on Step, Back or Reset that land while a run goes on (a play tick, a class panel's refresh, the
// last click's run) are held and given to Streamlit one at a time, each once the run before it has ended.
// A click that interrupts a run can be merged with the one before, land on a button the run is replacing,
// or leave the page drawn for the step before the last (seen under load): held, every click moves one step.
const held = [];

function giveHeldClicks() {
  const app = appRoot();
  if (!app || giveHeldClicks.observer) return;
  giveHeldClicks.observer = new MutationObserver(() => {
    if (RUNNING.has(runState()) || !held.length) return;
    const button = document.querySelector("." + held.shift() + " button");
    if (!held.length) {
      giveHeldClicks.observer.disconnect();
      giveHeldClicks.observer = null;
    }
    if (button && !button.disabled) button.click();  // the page is idle: the listener lets it through
  });
  giveHeldClicks.observer.observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}

function followButtons() {
  if (window.__aeHeatmapFollows) return;
  window.__aeHeatmapFollows = true;
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    const cls = button && Object.keys(MOVES).find((name) => button.closest("." + name));
    if (!cls || button.disabled) return;
    if (RUNNING.has(runState())) {  // Streamlit does not see it now; it is given once the run has ended
      event.stopPropagation();
      event.preventDefault();
      if (held.length < HELD_AT_MOST) held.push(cls);
      giveHeldClicks();
      return;
    }
    const view = window.__aeHeatmapView;
    if (!view || !view.svg.isConnected) return;
    const move = MOVES[cls];
    if (move === null) view.show(0, event.timeStamp);
    // At most one step ahead of the server (a click is always taken now, but a heatmap further ahead
    // would be drawn from a step the server has not reached).
    else if (view.shown() === view.serverStep) view.show(view.shown() + move, event.timeStamp);
    if (view.announce) view.announce(view.shown());
  }, true);
}

// The aria-live region that speaks the step shown: made once beside the heatmap and kept across
// redraws (a screen reader speaks a change to a region it already knows, not a new one). Visually
// hidden: sighted readers have "Step k of n" and the outlined row.
function announcer(parentElement) {
  let region = parentElement.querySelector(":scope > .ae-announce");
  if (!region) {
    region = document.createElement("div");
    region.className = "ae-announce";
    region.id = "__ANNOUNCE_ID__";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    Object.assign(region.style, {position: "absolute", width: "1px", height: "1px", overflow: "hidden",
      clip: "rect(0 0 0 0)", clipPath: "inset(50%)", whiteSpace: "nowrap", margin: "-1px", padding: "0"});
    parentElement.appendChild(region);
  }
  return region;
}

// Says step k's sentence (made in Python: data.announce.texts[k]), unless it is already said.
function announceWith(region, data) {
  const texts = data.announce ? data.announce.texts : null;
  return (k) => {
    if (!texts || !texts.length) return;
    const text = texts[Math.min(Math.max(k, 0), texts.length - 1)];
    if (region.textContent !== text) region.textContent = text;  // user text: textContent only
  };
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
  view.announce = announceWith(announcer(parentElement), data);
  if (data.announce) view.announce(data.announce.step);  // the page's step (in the words view, not the rows)
  // The words view (data.follow false) waits for the server: a step adds a piece, not always a word row.
  window.__aeHeatmapView = data.follow === false ? null : view;
  followButtons();
  const onResize = () => view.resize();
  window.addEventListener("resize", onResize);
  // Sized to the screen (presentation mode): look again once the page above has settled (fonts, late elements).
  const settle = data.layout.fit ? setTimeout(onResize, 300) : null;
  // Its column may change width with the window unchanged (a teacher's revealed answers take a column of
  // the projector's frame; the sidebar folds): the columns are shared out again (a redraw only when they move).
  let width = parentElement.clientWidth;  // its height follows the rows drawn: only a new width counts
  const onWidth = () => {
    if (parentElement.clientWidth !== width) {
      width = parentElement.clientWidth;
      onResize();
    }
  };
  const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(onWidth);
  if (observer) observer.observe(parentElement);
  return () => {
    clearTimeout(settle);
    window.removeEventListener("resize", onResize);
    if (observer) observer.disconnect();
  };
}
