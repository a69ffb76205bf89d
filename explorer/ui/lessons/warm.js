// The code of a lesson's pages, loaded and run once while a class waits on the list of lessons
// (explorer.ui.lessons.warm). Each of `data.files` (Streamlit's own element scripts, "TextInput.<hash>.js", named by
// the server from its install) is imported from beside Streamlit's main script, the address Streamlit itself imports
// it from when a page first draws that element, so the browser's module map answers that import at once (and a
// second import here, on the list's next drawing, costs nothing either). One file at a time, each when the page is
// idle: the list's own drawing goes first, and a start that comes while the page is still loading them shares the
// page with one file's compiling, not with all of them; once the page leaves the list no further file begins. A file
// that fails to load loads when a page needs it, as before.
// Then, once per page, through the component's state: `loaded` (how many files) asks the server to draw the elements
// out of sight in the box `data.box`; once each of `data.drawn` (selectors) is in it, `drawn` asks it to take the
// box away again (a start then has nothing of it to take down); once it is gone the page says so on
// <html data-ae-warm-code="N"> (N loaded; what the browser test and bench.lesson_start wait for before a start).
const FILE = /^[A-Za-z-]+\.[A-Za-z0-9_-]+\.js$/;
// The first file begins `data.settle_ms` after the page first showed the list (explorer.ui.lessons.warm.SETTLE_S says
// why).
// When this page first showed the list: a rerun of the list that mounts the component anew does not start the wait
// again (a teacher's list reruns as students join).
const SINCE = "__aeWarmSince";
// What this page has told the server (each state is set once: each setting asks for a run of the list), and whether
// the box has come and gone.
const TOLD = "__aeWarmTold";
const DONE = "__aeWarmDone";
// A box that never holds all of `drawn` (another Streamlit draws them otherwise), or never goes, is looked for this
// long, no longer.
const GIVE_UP_MS = 60000;
const later = window.requestIdleCallback || ((run) => setTimeout(run, 200));

// Calls `ready` at the first animation frame where `holds(document)` is true; returns a stop.
function when(holds, ready) {
  let frame = 0;
  const since = Date.now();
  const look = () => {
    if (holds(document)) ready();
    else if (Date.now() - since < GIVE_UP_MS) frame = requestAnimationFrame(look);
  };
  frame = requestAnimationFrame(look);
  return () => cancelAnimationFrame(frame);
}

function tell(setStateValue, key, value) {
  window[TOLD] = window[TOLD] || {};
  if (key in window[TOLD]) return;
  window[TOLD][key] = true;
  setStateValue(key, value);
}

// Returns a stop: the page leaves the list (a start), and no further file begins to load there, nor is the box
// looked for.
function warm(files, settleMs, setStateValue, box, drawn) {
  const main = document.querySelector('script[type="module"][src*="/static/js/index."]');
  if (!main) return () => {};
  const wanted = files.filter((file) => typeof file === "string" && FILE.test(file));
  let loaded = 0, stopped = false, stopLooking = () => {};
  const ready = () => {
    window[DONE] = true;
    document.documentElement.setAttribute("data-ae-warm-code", String(loaded));
  };
  const drawnHere = (doc) => {
    const found = doc.querySelector(box);
    return !!found && drawn.every((selector) => found.querySelector(selector));
  };
  const next = (index) => {
    if (stopped) return;
    if (index < wanted.length) {
      later(() => {
        if (stopped) return;
        import(new URL(wanted[index], main.src).href)
          .then(() => { loaded += 1; }, () => {})
          .finally(() => next(index + 1));
      }, {timeout: 1000});
      return;
    }
    if (window[DONE]) return ready();
    tell(setStateValue, "loaded", loaded);
    stopLooking = when(drawnHere, () => {
      tell(setStateValue, "drawn", true);
      stopLooking = when((doc) => !doc.querySelector(box), ready);
    });
  };
  window[SINCE] = window[SINCE] || Date.now();
  const settle = setTimeout(() => next(0), Math.max(0, window[SINCE] + settleMs - Date.now()));
  return () => { stopped = true; clearTimeout(settle); stopLooking(); };
}

export default function (component) {
  const {data, setStateValue} = component;
  const {files, settle_ms: settleMs, box, drawn} = data;
  if (!Array.isArray(files) || !files.length || typeof box !== "string" || !Array.isArray(drawn)) return () => {};
  return warm(files, Number(settleMs) || 0, setStateValue, box, drawn);
}
