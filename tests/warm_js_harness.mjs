// explorer/ui/lessons/warm.js under node, with a fake page (tests/test_warm_js.py).
// argv: warm.js's file URL, the folder URL standing for Streamlit's static/js, the scenario as JSON:
// {"files": [...], "wait_ms": N, "stop_after_ms": N or null}. Each module in the folder records its import in
// globalThis.__imported ([name, ms since the mount]); one may call globalThis.__stop() (the page leaving the list).
// Prints {"attribute": <data-ae-warm-code or null>, "imported": [...]}.
const [warmUrl, folderUrl, scenarioJson] = process.argv.slice(2);
const scenario = JSON.parse(scenarioJson);
const attributes = {};
globalThis.window = globalThis;  // no requestIdleCallback in node: warm.js falls back to a timer
globalThis.document = {
  querySelector: (selector) => (selector.includes("/static/js/index.") ? {src: new URL("index.main.js", folderUrl).href} : null),
  documentElement: {setAttribute: (name, value) => { attributes[name] = value; }},
};
globalThis.__imported = [];
const {default: mount} = await import(warmUrl);
globalThis.__mounted = Date.now();
const stop = mount({data: {files: scenario.files}});
globalThis.__stop = stop;
if (scenario.stop_after_ms !== null) setTimeout(stop, scenario.stop_after_ms);
await new Promise((done) => setTimeout(done, scenario.wait_ms));
console.log(JSON.stringify({attribute: attributes["data-ae-warm-code"] ?? null, imported: globalThis.__imported}));
