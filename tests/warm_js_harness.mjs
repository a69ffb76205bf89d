// explorer/ui/lessons/warm.js under node, with a fake page (tests/test_warm_js.py).
// argv: warm.js's file URL, the folder URL standing for Streamlit's static/js, the scenario as JSON:
// {"files": [...], "settle_ms": N, "wait_ms": N, "stop_after_ms": N or null, "remount_after_ms": N or null}
// (remount: mounted again then, as a rerun of the list does). Each module in the folder records its import in
// globalThis.__imported ([name, ms since the mount]); one may call globalThis.__stop() (the page leaving the list).
// Prints, once the page has set its attribute or after wait_ms:
// {"attribute": <data-ae-warm-code or null>, "imported": [...]}.
const [warmUrl, folderUrl, scenarioJson] = process.argv.slice(2);
const scenario = JSON.parse(scenarioJson);
const attributes = {};
globalThis.window = globalThis;  // no requestIdleCallback in node: warm.js falls back to a timer
globalThis.document = {
  querySelector: (selector) =>
    (selector.includes("/static/js/index.") ? {src: new URL("index.main.js", folderUrl).href} : null),
  documentElement: {setAttribute: (name, value) => { attributes[name] = value; }},
};
globalThis.__imported = [];
const {default: mount} = await import(warmUrl);
globalThis.__mounted = Date.now();
const data = {files: scenario.files, settle_ms: scenario.settle_ms};
const stop = mount({data});
globalThis.__stop = stop;
if (scenario.stop_after_ms !== null) setTimeout(stop, scenario.stop_after_ms);
if (scenario.remount_after_ms != null) {
  setTimeout(() => { globalThis.__stop = mount({data}); }, scenario.remount_after_ms);
}
// Until the page says it is done, or wait_ms at most (a busy machine's timers run late: no fixed wait to pass).
const until = Date.now() + scenario.wait_ms;
while (Date.now() < until && !("data-ae-warm-code" in attributes)) await new Promise((done) => setTimeout(done, 50));
console.log(JSON.stringify({attribute: attributes["data-ae-warm-code"] ?? null, imported: globalThis.__imported}));
