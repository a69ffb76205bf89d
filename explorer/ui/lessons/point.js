// A lesson step that wants the class to look at one control (explorer.ui.lessons.dock, a step's `point`):
// every element of the page (not of the lesson's panel) whose own visible text is that control's label, as the
// page draws it in its language (a button, a tab, a box's label, a panel's header), gets an outline, and the
// first one is brought into view once, but on a projector (data.scroll false: issue 62, the projected frame never
// scrolls; lesson 5 step 1's "Current step" scrolled the heatmap 491-955 px out of it). Text only, compared whole:
// nothing from the lesson becomes HTML.
const CLASS = "ae-pointed";
const PANEL = ".st-key-lesson_dock";
const CANDIDATES = 'button, [role="tab"], label, summary, h1, h2, h3, [data-testid="stExpander"] summary';
let observer = null;
let wanted = "";
let scrolled = "";
let scroll = true;

function mark() {
  for (const node of document.querySelectorAll("." + CLASS)) node.classList.remove(CLASS);
  if (!wanted) return;
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const found = [...main.querySelectorAll(CANDIDATES)].filter(
    (node) => !node.closest(PANEL) && node.textContent.trim() === wanted,
  );
  for (const node of found) node.classList.add(CLASS);
  if (found.length && scrolled !== wanted && scroll) {
    scrolled = wanted;
    found[0].scrollIntoView({block: "center", behavior: "smooth"});
  }
}

export default function (component) {
  const { data } = component;
  wanted = String(data.label || "");
  scroll = data.scroll !== false;
  if (!document.getElementById("ae-pointed-style")) {
    const style = document.createElement("style");
    style.id = "ae-pointed-style";
    style.textContent = "." + CLASS + " { outline: 4px solid #d97706 !important; outline-offset: 3px; border-radius: 6px; }";
    document.head.appendChild(style);
  }
  mark();
  if (!observer) {
    observer = new MutationObserver(() => requestAnimationFrame(mark));
    observer.observe(document.body, {subtree: true, childList: true});
  }
  return () => { wanted = ""; mark(); };
}
