// The tab's memory of its live class (explorer.ui.classes.memory): which class this browser tab teaches or
// follows, kept in sessionStorage, which survives a reload of the tab (and a replica's death that sent
// the tab to another server) but is never shared with another tab or browser. A duplicated tab starts
// with a copy of sessionStorage, so before giving a kept identity back, the page asks the other tabs of
// this browser (BroadcastChannel) whether one of them holds it now; if one does, the copy is dropped.
// Data: {read: true} asks for what the tab keeps, sent back as the state value "stored" only when the tab
// keeps a class: a value sent asks the server for a run, and a page opened without a class runs once;
// {write: TEXT or null} keeps TEXT, or forgets. The text is opaque here: the server checks it.
const KEY = "attention-explorer.class";
let channel = null;
let held = null; // what this page holds now: it answers another tab that asks

function storage() {
  try {
    return window.sessionStorage;
  } catch (error) {
    return null; // storage turned off: the class works, a reload just loses it
  }
}

function listen() {
  if (channel || typeof BroadcastChannel === "undefined") return;
  channel = new BroadcastChannel(KEY);
  channel.addEventListener("message", (event) => {
    const asked = event.data && event.data.ask;
    if (asked && asked === held) channel.postMessage({ held: asked });
  });
}

function heldElsewhere(value) {
  return new Promise((resolve) => {
    if (!channel || !value) return resolve(false);
    const onMessage = (event) => {
      if (event.data && event.data.held === value) done(true);
    };
    const done = (answer) => {
      channel.removeEventListener("message", onMessage);
      clearTimeout(timer);
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), 400);
    channel.addEventListener("message", onMessage);
    channel.postMessage({ ask: value });
  });
}

export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const store = storage();
  listen();
  if (data.read) {
    const kept = (store && store.getItem(KEY)) || "";
    heldElsewhere(kept).then((elsewhere) => {
      if (elsewhere && store) store.removeItem(KEY);
      const answers = Boolean(kept && !elsewhere);
      if (answers) setStateValue("stored", kept);  // nothing kept: no answer, no second run
      // What the tab did, for a reader of the page (the browser tests wait for it, not for a time).
      if (parentElement) parentElement.setAttribute("data-tab-memory", answers ? "answered" : "none");
    });
    return;
  }
  held = data.write || null;
  if (!store) return;
  if (data.write) store.setItem(KEY, data.write);
  else store.removeItem(KEY);
}
