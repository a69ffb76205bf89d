// The code of a lesson's pages, loaded while a class waits on the list of lessons (explorer.ui.lessons.warm): each
// of `data.files` (Streamlit's own element scripts, "TextInput.<hash>.js", named by the server from its install) is
// imported from beside Streamlit's main script, the address Streamlit itself imports it from when a page first
// draws that element, so the browser's module map answers that import at once (and a second import here, on the
// list's next drawing, costs nothing either). One file at a time, each when the page is idle: the list's own
// drawing goes first, and a start that comes while the page is still loading them shares the page with one file's
// compiling, not with all of them; once the page leaves the list no further file begins. A file that fails to load
// loads when a page needs it, as before. Once every import has settled the page says so on
// <html data-ae-warm-code="N"> (N loaded; what the browser test and bench.lesson_start wait for before a start).
const FILE = /^[A-Za-z-]+\.[A-Za-z0-9_-]+\.js$/;
// The first file begins `data.settle_ms` after the page first showed the list (explorer.ui.lessons.warm.SETTLE_S says
// why).
// When this page first showed the list: a rerun of the list that mounts the component anew does not start the wait
// again (a teacher's list reruns as students join).
const SINCE = "__aeWarmSince";
const later = window.requestIdleCallback || ((run) => setTimeout(run, 200));

// Returns a stop: the page leaves the list (a start), and no further file begins to load there.
function warm(files, settleMs) {
  const main = document.querySelector('script[type="module"][src*="/static/js/index."]');
  if (!main) return () => {};
  const wanted = files.filter((file) => typeof file === "string" && FILE.test(file));
  let loaded = 0, stopped = false;
  const next = (index) => {
    if (stopped) return;
    if (index === wanted.length) {
      document.documentElement.setAttribute("data-ae-warm-code", String(loaded));
      return;
    }
    later(() => {
      if (stopped) return;
      import(new URL(wanted[index], main.src).href)
        .then(() => { loaded += 1; }, () => {})
        .finally(() => next(index + 1));
    }, {timeout: 1000});
  };
  window[SINCE] = window[SINCE] || Date.now();
  const settle = setTimeout(() => next(0), Math.max(0, window[SINCE] + settleMs - Date.now()));
  return () => { stopped = true; clearTimeout(settle); };
}

export default function (component) {
  const {files, settle_ms: settleMs} = component.data;
  return Array.isArray(files) && files.length ? warm(files, Number(settleMs) || 0) : () => {};
}
