// The tab's memory of presentation mode (explorer.ui.shell.presentation): kept in sessionStorage, which
// survives a reload of the tab but is never shared with another tab, and never in the URL (a link the teacher
// shares opens as the reader likes it). Data: {read: true} asks what the tab keeps, answered as the state value
// "on" only when the mode was on (a value sent asks the server for a run: a page opened without it runs once);
// {write: true | false} keeps the mode on, or forgets it.
const KEY = "attention-explorer.presentation";

function storage() {
  try {
    return window.sessionStorage;
  } catch (error) {
    return null; // storage turned off: the mode works, a reload just turns it off
  }
}

export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const store = storage();
  if (data.read) {
    const kept = Boolean(store && store.getItem(KEY) === "on");
    if (kept) setStateValue("on", true);
    // What the tab did, for a reader of the page (the browser tests wait for it, not for a time).
    if (parentElement) parentElement.setAttribute("data-presentation-memory", kept ? "answered" : "none");
    return;
  }
  if (!store) return;
  if (data.write) store.setItem(KEY, "on");
  else store.removeItem(KEY);
}
