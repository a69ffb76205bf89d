// explorer/ui/lessons/warm.js under node, with a fake page (tests/test_warm_js.py).
// argv: warm.js's file URL, the folder URL standing for Streamlit's static/js, the scenario as JSON:
// {"files": [...], "settle_ms": N, "wait_ms": N, "stop_after_ms": N or null, "remount_after_ms": N or null,
//  "draws": true or false} (remount: mounted again then, as a rerun of the list does). Each module in the folder
// records its import in globalThis.__imported ([name, ms since the mount]); one may call globalThis.__stop() (the page
// leaving the list). The fake server answers the component's state as explorer.ui.lessons.warm does: `loaded` draws
// the box (every selector of `drawn` in it) DRAW_MS later, unless "draws" is false; `drawn` takes it away DRAW_MS
// later. Prints, once the page has set its attribute or after wait_ms:
// {"attribute": <data-ae-warm-code or null>, "imported": [...], "told": [[key, value, ms since the mount], ...],
//  "box_seen": whether the box was there when the page said it was done}.
const [warmUrl, folderUrl, scenarioJson] = process.argv.slice(2);
const scenario = JSON.parse(scenarioJson);
const attributes = {};
const BOX = ".st-key-box";
const DRAWN = ["[data-testid=stPlotlyChart]", ".katex"];
const DRAW_MS = 100;
let box = false;  // the server's box is in the page, holding every selector of DRAWN
let boxSeen = null;
globalThis.window = globalThis;  // no requestIdleCallback in node: warm.js falls back to a timer
globalThis.requestAnimationFrame = (run) => setTimeout(run, 16);
globalThis.cancelAnimationFrame = (frame) => clearTimeout(frame);
globalThis.document = {
  querySelector: (selector) =>
    (selector.includes("/static/js/index.") ? {src: new URL("index.main.js", folderUrl).href}
      : selector === BOX && box ? {querySelector: (inner) => (DRAWN.includes(inner) ? {} : null)} : null),
  documentElement: {setAttribute: (name, value) => { attributes[name] = value; boxSeen = box; }},
};
const told = [];
const setStateValue = (key, value) => {
  told.push([key, value, Date.now() - globalThis.__mounted]);
  if (key === "loaded" && scenario.draws !== false) setTimeout(() => { box = true; }, DRAW_MS);
  if (key === "drawn") setTimeout(() => { box = false; }, DRAW_MS);
};
globalThis.__imported = [];
const {default: mount} = await import(warmUrl);
globalThis.__mounted = Date.now();
const data = {files: scenario.files, settle_ms: scenario.settle_ms, box: BOX, drawn: DRAWN};
const stop = mount({data, setStateValue});
globalThis.__stop = stop;
if (scenario.stop_after_ms !== null) setTimeout(stop, scenario.stop_after_ms);
if (scenario.remount_after_ms != null) {
  setTimeout(() => { globalThis.__stop = mount({data, setStateValue}); }, scenario.remount_after_ms);
}
// Until the page says it is done, or wait_ms at most (a busy machine's timers run late: no fixed wait to pass).
const until = Date.now() + scenario.wait_ms;
while (Date.now() < until && !("data-ae-warm-code" in attributes)) await new Promise((done) => setTimeout(done, 50));
console.log(JSON.stringify({attribute: attributes["data-ae-warm-code"] ?? null, imported: globalThis.__imported,
  told: told, box_seen: boxSeen}));
process.exit(0);  // a page still looking for its box keeps timers going
