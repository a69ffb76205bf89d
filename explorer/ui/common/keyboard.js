// Keyboard and clicker control (explorer.views.keyboard says which key does what, and which keys the
// focused element keeps). One keydown listener per page document; every render of the component hands
// it the page's bindings (KeyboardEvent.key -> the widget key of the button to click), the rules of
// what the focus keeps, and the legend, all as JSON data. A bound key clicks the page's own button,
// found by the class Streamlit gives a keyed element ("st-key-<key>"), exactly as a mouse would: the
// button's callback runs, a disabled button stays disabled (and the key does nothing, not even scroll),
// and Decode's heatmap draws its row at once.
// Static: no user text is ever formatted into this script; the legend reaches the page through textContent.
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
  const button = doc.querySelector(".st-key-" + CSS.escape(state.bindings[event.key]) + " button");
  if (!button) return;  // no such button on this page now: the browser keeps the key
  // A bound key never scrolls, even when its button is disabled (the last step, an unanswered question):
  // a clicker's extra PageDown would otherwise carry the heatmap out of the projected frame.
  event.preventDefault();
  if (button.disabled) return;
  if (event.repeat) return;  // a key held down: one step, not a burst of clicks
  button.click();
  state.root.setAttribute("data-last-key", event.key);
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
  return () => {  // unmounted (another page): the keys go back to the browser
    if (doc.__aeKeyboard === state) doc.__aeKeyboard = null;
  };
}
