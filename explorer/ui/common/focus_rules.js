// What a focused element keeps of the keys, shared by the scripts that take keys on a page (keyboard.js, a
// lesson's Next and Back; stepper.js, Decode's step): explorer.views.keyboard.LEFT_TO_THE_FOCUS, sent as data.
// Static: placed before each of those scripts by explorer.ui.common.components.

// The event's target, or an element around it, keeps this key: `rules` maps a CSS selector to its keys ("*": all).
function keptByFocus(event, rules) {
  const path = event.composedPath().filter((node) => node instanceof Element);
  return Object.entries(rules || {}).some(([selector, keys]) =>
    (keys.includes("*") || keys.includes(event.key)) && path.some((node) => node.matches(selector)));
}

// Out of sight: in the collapsed sidebar (presentation mode folds it), or not drawn. An element out of sight keeps
// no key: presentation mode's toggle keeps the focus after its click while the sidebar folds away, and a Space
// would switch it off again, unseen.
function hidden(element) {
  if (element.closest('[data-testid="stSidebar"][data-collapsed="true"]')) return true;
  return typeof element.checkVisibility === "function" && !element.checkVisibility({visibilityProperty: true});
}
