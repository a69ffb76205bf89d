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

// Clicks on Step, Back or Reset that land while the page is busy are held and given to Streamlit one at a
// time. A click that reaches the server while the run before it is asked for or going on can be merged
// with the one before (two clicks, one step), land on a button the run is replacing, or leave the page
// drawn for the step before the last (seen under load): held, every click moves one step. The page is
// busy while a run goes on, and also until the server has drawn the last click let through: the root's
// run state alone says "not running" before the server has begun that click's run, and between the runs
// of a chain (a run stopped for another's rerun), where a click given would be merged. The server's count
// of clicks comes with every heatmap it draws (data.clicks). Kept on the window: one listener per page
// and every render share it.
const follow = window.__aeHeatmapFollow || (window.__aeHeatmapFollow = {
  held: [],       // the classes of the buttons clicked while busy, oldest first
  server: null,   // the server's count of clicks in the last heatmap it drew
  awaited: 0,     // the count that the last click let through brings
  since: 0,       // when that click went (performance.now())
});
// A click the server never draws (the connection lost as it went) stops holding after this long, so the
// buttons never stay dead; under a normal load its run draws the heatmap long before.
const LOST_AFTER_MS = 10000;

function awaitingServer() {
  return follow.server !== null && follow.server < follow.awaited && performance.now() - follow.since < LOST_AFTER_MS;
}

function busy() {
  return RUNNING.has(runState()) || awaitingServer();
}

// Gives the oldest held click once the page is not busy (called when the run state changes, when the
// server draws a heatmap, and when a lost click stops counting).
function giveHeldClick() {
  if (!follow.held.length || busy()) return;
  const button = document.querySelector("." + follow.held.shift() + " button");
  if (button && !button.disabled) button.click();  // not busy: the listener lets it through
}

function watchRunState() {
  const app = appRoot();
  if (!app || follow.observer) return;
  follow.observer = new MutationObserver(giveHeldClick);
  follow.observer.observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}

function followButtons() {
  if (window.__aeHeatmapFollows) return;
  window.__aeHeatmapFollows = true;
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    const cls = button && Object.keys(MOVES).find((name) => button.closest("." + name));
    if (!cls || button.disabled) return;
    if (busy()) {  // Streamlit does not see it now; it is given once the page is no longer busy
      event.stopPropagation();
      event.preventDefault();
      if (follow.held.length < HELD_AT_MOST) follow.held.push(cls);
      watchRunState();
      if (awaitingServer()) setTimeout(giveHeldClick, LOST_AFTER_MS - (performance.now() - follow.since) + 1);
      return;
    }
    if (follow.server !== null) follow.awaited = follow.server + 1;  // its run draws the count one up
    follow.since = performance.now();
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
  // A count lower than the last is a new session (the server restarted): nothing it has not drawn is awaited.
  const count = Number.isInteger(data.clicks) ? data.clicks : null;
  if (count !== null && follow.server !== null && count < follow.server) follow.awaited = count;
  follow.server = count;
  view.announce = announceWith(announcer(parentElement), data);
  if (data.announce) view.announce(data.announce.step);  // the page's step (in the words view, not the rows)
  // The words view (data.follow false) waits for the server: a step adds a piece, not always a word row.
  window.__aeHeatmapView = data.follow === false ? null : view;
  followButtons();
  watchRunState();
  giveHeldClick();  // a held click waits for this heatmap when the run state has said "not running" already
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
