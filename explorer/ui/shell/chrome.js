// The page's chrome in its language (explorer.ui.shell.chrome): <html lang> for screen readers and the browser's
// spell-checker and fonts, and the words Streamlit and plotly write themselves (Streamlit's skip link, its
// element toolbars, plotly's modebar tooltips), which no catalog of ours reaches. `data.words` maps each
// English string to the page's; it is empty in English. Only text nodes and attributes are changed, with
// strings from that map (made in Python from the catalog): never HTML.
const ATTRIBUTES = ["data-title", "aria-label", "title", "placeholder"];
let words = {};
let observer = null;
let pending = false;

function translate() {
  pending = false;
  const selector = ATTRIBUTES.map((a) => "[" + a + "]").join(",");
  for (const node of document.querySelectorAll(selector)) {
    for (const name of ATTRIBUTES) {
      const value = node.getAttribute(name);
      if (value && Object.prototype.hasOwnProperty.call(words, value)) node.setAttribute(name, words[value]);
    }
  }
  for (const node of document.querySelectorAll('[data-testid="stSkipToContent"], .modebar-btn, [data-testid="stElementToolbarButton"]')) {
    for (const child of node.childNodes) {
      const text = child.nodeType === 3 ? child.textContent.trim() : "";
      if (text && Object.prototype.hasOwnProperty.call(words, text)) child.textContent = words[text];
    }
  }
}

function schedule() {
  if (!pending) {
    pending = true;
    requestAnimationFrame(translate);
  }
}

// A segmented control (the scorer switch, the language, the colours) is one choice: Tab into it lands on the
// option chosen, not on its first button. The other options stay one Tab (after it) or Shift+Tab (before it)
// away, and the arrow keys keep their page-wide meaning (explorer.views.keyboard). Keyboard focus only: a
// click focuses the button clicked. (Streamlit draws it as a react-aria radio group whose every option is a Tab stop.)
let landing = false;

function landOnChoice(event) {
  const target = event.target instanceof Element ? event.target : null;
  const group = target ? target.closest('[data-testid="stButtonGroup"] [role="radiogroup"]') : null;
  if (!group || (event.relatedTarget instanceof Node && group.contains(event.relatedTarget))) return;
  if (!target.matches(":focus-visible")) return;
  const chosen = group.querySelector('button[role="radio"][aria-checked="true"]');
  if (chosen && chosen !== target) chosen.focus();
}

export default function (component) {
  if (!landing) {
    landing = true;
    document.addEventListener("focusin", landOnChoice, true);
    document.documentElement.setAttribute("data-ae-lands-on-choice", "");  // from now on (what a test waits for)
  }
  const { data } = component;
  if (document.documentElement.lang !== data.lang) document.documentElement.lang = data.lang;
  words = data.words || {};
  if (!Object.keys(words).length) return;
  translate();
  if (!observer) {
    observer = new MutationObserver(schedule);
    observer.observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ATTRIBUTES});
  }
}
