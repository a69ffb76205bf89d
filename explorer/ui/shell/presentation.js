// Presentation mode in the tab (explorer.ui.shell.presentation), after focus_rules.js.
// Kept through a reload: the mode lives in sessionStorage, which survives a reload of the tab but is never
// shared with another tab, and never in the URL (a link the teacher shares opens as the reader likes it).
// Data: {read: true} asks what the tab keeps, answered as the state value "on" only when the mode was on (a
// value sent asks the server for a run: a page opened without it runs once); {write: true | false, scroll: [...],
// focus: {...}, confirm} keeps the mode on, or forgets it; with confirm (a mode the tab was asked back) it answers
// the state value "written" once it has written it: the page has then drawn the toggle on, and a toggle off is the
// user's (explorer.ui.shell.presentation.CONFIRMED).
// No key scrolls the page while it is on: a key the browser scrolls with (data.scroll, explorer.views.keyboard
// SCROLL_KEYS) that nothing on the page took (the stepper, a lesson's Next) and the focused element does not keep
// (typing, a slider, a list: data.focus) does nothing, so a clicker's extra PageDown never carries the frame away.
// Turned on, it brings the frame back to the top: what scrolled the page before (a lesson's pointed control brought
// into view on the run before the tab's answer turned the mode on: issue 62, lesson 5 step 1's heatmap 305-955 px
// out of the frame) does not stay.
const KEY = "attention-explorer.presentation";

function storage() {
  try {
    return window.sessionStorage;
  } catch (error) {
    return null; // storage turned off: the mode works, a reload just turns it off
  }
}

function stillFrame(event) {
  const on = window.__aePresenting;
  if (!on || !on.scroll.includes(event.key) || event.defaultPrevented) return;
  if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
  if (keptByFocus(event, on.focus)) return;
  event.preventDefault();
}

export default function (component) {
  const { data, setStateValue } = component;
  const store = storage();
  if (data.read) {
    const kept = Boolean(store && store.getItem(KEY) === "on");
    if (kept) setStateValue("on", true);
    // What the tab did, for a reader of the page (the browser tests wait for it, not for a time), on the document:
    // this component leaves the page once its answer is taken.
    document.documentElement.setAttribute("data-presentation-memory", kept ? "answered" : "none");
    return;
  }
  const was = Boolean(window.__aePresenting);
  window.__aePresenting = data.write ? { scroll: data.scroll || [], focus: data.focus || {} } : null;
  if (data.write && !was) {
    window.scrollTo(0, 0);
    const main = document.querySelector("[data-testid='stMain']");
    if (main) main.scrollTop = 0;
  }
  if (!window.__aePresentingListens) {
    window.__aePresentingListens = true;
    // Bubble phase, on the window: after the page's own handlers, which take the keys they use.
    window.addEventListener("keydown", stillFrame);
  }
  if (store && data.write) store.setItem(KEY, "on");
  else if (store) store.removeItem(KEY);
  // What the tab keeps now, on the document: this module loads after the run's CSS is drawn, so a page that
  // navigates (a test's goto) once the type is large may leave before the mode is kept; it waits for this.
  document.documentElement.setAttribute("data-presentation-kept", data.write && store ? "on" : "off");
  if (data.write && data.confirm) {
    setStateValue("written", true);
    document.documentElement.setAttribute("data-presentation-written", "yes");
  }
}
