// Keyboard and clicker control (explorer.views.keyboard says which key does what, and which keys the
// focused element keeps). One keydown listener per page document; every render of the component hands
// it the page's bindings (KeyboardEvent.key -> the widget key of the button to click), the rules of
// what the focus keeps, and the legend, all as JSON data. A bound key clicks the page's own button,
// found by the class Streamlit gives a keyed element ("st-key-<key>"), exactly as a mouse would: the
// button's callback runs, a disabled button stays disabled (and the key does nothing, not even scroll),
// and Decode's heatmap draws its row at once.
// A run can draw the lesson's panel anew (a step's page opening, the panel's redraw): for a moment the
// component is unmounted or its button is not in the page. A bound key pressed then is held, never lost and
// never a scroll: it is pressed, in order, once the component and its button are back, and dropped after
// HOLD_MS (the lesson has ended: no panel comes back). A component not back within HOLD_MS gives the keys back
// to the browser.
// Static: no user text is ever formatted into this script; the legend reaches the page through textContent.
const HOLD_MS = 3000;

function has(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function onKey(event) {
  const doc = event.currentTarget, state = doc.__aeKeyboard;
  if (!state || !has(state.bindings, event.key)) return;
  if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
  const active = doc.activeElement;
  // Presentation mode's toggle keeps the focus after its click while the sidebar folds away: a Space then
  // would switch it off again, unseen. What is out of sight keeps no key: it loses the focus (so the key's
  // release activates nothing there) and the page's own binding gets the key.
  if (active && active !== doc.body && hidden(active)) active.blur();
  else if (keptByFocus(event, state.focus)) return;
  // A bound key never scrolls, even when its button is disabled (the last step, an unanswered question):
  // a clicker's extra PageDown would otherwise carry the heatmap out of the projected frame.
  event.preventDefault();
  if (event.repeat) return;  // a key held down: one step, not a burst of clicks
  const held = heldKeys(doc);
  if (held.length || !press(doc, state, event.key)) hold(doc, held, event.key);
}

// Press `key`'s button on the mounted component's page: true when the key is done (clicked; its button disabled;
// or the page now leaves the key to another, Decode's stepper), false while the panel is drawn anew.
function press(doc, state, key) {
  if (!state || state.gone) return false;
  if (!has(state.bindings, key)) return true;
  const button = doc.querySelector(".st-key-" + CSS.escape(state.bindings[key]) + " button");
  if (!button) return false;
  if (!button.disabled) {
    button.click();
    state.root.setAttribute("data-last-key", key);
  }
  return true;
}

function heldKeys(doc) {
  if (!doc.__aeKeyboardHeld) doc.__aeKeyboardHeld = [];
  return doc.__aeKeyboardHeld;
}

// Keep `key` until its button is back (checked on every animation frame), the keys before it pressed first.
function hold(doc, held, key) {
  held.push({ key: key, at: performance.now() });
  if (held.length > 1) return;  // the frame loop already runs
  const win = doc.defaultView;
  const next = () => {
    const now = performance.now();
    while (held.length && now - held[0].at > HOLD_MS) held.shift();  // too late: no panel came back
    while (held.length && press(doc, doc.__aeKeyboard, held[0].key)) held.shift();
    if (held.length) win.requestAnimationFrame(next);
  };
  win.requestAnimationFrame(next);
}

export default function (component) {
  const { data, parentElement } = component;
  const doc = parentElement.ownerDocument;
  let root = parentElement.querySelector(":scope > .ae-keys");
  if (!root) {
    root = doc.createElement("div");
    root.className = "ae-keys";
    root.style.fontSize = "14px";
    root.style.opacity = "0.65";
    root.style.lineHeight = "1.4";
    parentElement.appendChild(root);
  }
  root.textContent = data.legend;  // translated in Python; text only
  root.setAttribute("data-bound", String(Object.keys(data.bindings).length));
  const state = { bindings: data.bindings, focus: data.focus, root: root };
  doc.__aeKeyboard = state;
  if (!doc.__aeKeyboardListens) {
    doc.__aeKeyboardListens = true;
    // Capture phase: a focused widget (the presentation toggle's switch) may stop the key on its way back
    // up; the focus rules below decide which keys the focused element keeps.
    doc.addEventListener("keydown", onKey, true);
  }
  return () => {  // unmounted: drawn anew in a moment (its keys are held till then), or the lesson has ended
    state.gone = true;
    // Not back within HOLD_MS: the lesson has ended, and the keys are the browser's again (a key still held then
    // waits out its own HOLD_MS in the frame loop, for a panel that comes back late).
    doc.defaultView.setTimeout(() => {
      if (doc.__aeKeyboard === state) doc.__aeKeyboard = null;
    }, HOLD_MS);
  };
}
