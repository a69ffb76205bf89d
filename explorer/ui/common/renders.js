// One render at a time per element: read before a component's script that starts listeners or timers.
// Streamlit's components v2 (1.67) calls a component's function again, on the same element, each time its data
// changes, and calls the cleanup function a render returned only when the element leaves the page, and then only
// the last render's. So a listener or a timer a render starts outlives it and acts on that render's old data (issue
// 61: the Decode panels' rest listener of the step they were drawn at before asked for a second run of the panels).
// `renderAnew(parentElement, render)` undoes the element's previous render first, then renders, and returns the
// undo that Streamlit calls when the element leaves the page.
function renderAnew(parentElement, render) {
  const previous = parentElement.__aeUndo;
  if (typeof previous === "function") previous();
  const cleanup = render();
  let undone = false;
  const undo = () => {
    if (undone) return;
    undone = true;
    if (parentElement.__aeUndo === undo) parentElement.__aeUndo = null;
    if (typeof cleanup === "function") cleanup();
  };
  parentElement.__aeUndo = undo;
  return undo;
}

