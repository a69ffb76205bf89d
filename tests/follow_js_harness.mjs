// Drives explorer/ui/classes/follow.js outside a browser (tests/test_follow_js.py): a fake window, document and
// EventSource, then a scenario read from argv[3] as JSON; prints what the pages asked (their trigger values).
// Each step: {"mount": {data}} draws a page (its component), {"unmount": true} removes the page drawn last,
// {"redraw": {data}} draws the page drawn last again with new data on the same element, as Streamlit does (it calls
// the function again and keeps the cleanup for the element's unmount), {"event": {...}} is a message on the room's
// stream, {"dom": [selectors]} says which selectors the page's document answers from now on (none at first),
// {"wait": ms} lets timers run.
const [, , script, scenario] = process.argv;
const sources = [];
class FakeEventSource {
  constructor(url) {
    this.url = url;
    this.readyState = 1;
    sources.push(this);
    setTimeout(() => this.onopen && this.onopen(), 0);
  }
  close() { this.readyState = 2; }
  static CLOSED = 2;
}
const element = () => ({style: {}, className: "", textContent: "", children: [],
  appendChild(child) { this.children.push(child); }, querySelector() { return null; }, remove() {}});
globalThis.window = globalThis;
globalThis.EventSource = FakeEventSource;
let present = new Set();  // the selectors document.querySelector finds ({"dom": [...]})
globalThis.document = {createElement: element, querySelector: (selector) => (present.has(selector) ? element() : null),
  getElementById: () => null};
globalThis.ResizeObserver = class { observe() {} disconnect() {} };
globalThis.CustomEvent = class { constructor(type, init) { this.type = type; this.detail = init && init.detail; } };
const stepped = [];
globalThis.addEventListener = () => {};
globalThis.removeEventListener = () => {};
globalThis.dispatchEvent = (event) => { stepped.push(event.detail); return true; };
globalThis.scrollTo = () => {};
Math.random = () => 0;  // no spread: each rerun is asked at once
const follow = (await import(script)).default;
const triggers = [];
const pages = [];
const elements = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
for (const step of JSON.parse(scenario)) {
  if (step.mount) {
    const index = pages.length;
    const trigger = (name, value) => triggers.push({page: index, name, why: value.split(":")[0]});
    elements.push(element());
    const cleanup = follow({data: step.mount, parentElement: elements[index], setTriggerValue: trigger});
    pages.push(cleanup);
  } else if (step.redraw) {
    const index = pages.length - 1;
    const trigger = (name, value) => triggers.push({page: index, name, why: value.split(":")[0]});
    pages[index] = follow({data: step.redraw, parentElement: elements[index], setTriggerValue: trigger});
  } else if (step.unmount) {
    pages[pages.length - 1]();
  } else if (step.dom) {
    present = new Set(step.dom);
  } else if (step.event) {
    for (const source of sources) if (source.readyState !== 2) source.onmessage({data: JSON.stringify(step.event)});
  }
  await sleep(step.wait || 5);
}
console.log(JSON.stringify({triggers, stepped}));
process.exit(0);
