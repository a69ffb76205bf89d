"""The app's speed in real Chromium: what a user waits for on the Decode page.

    python -m bench.app_speed [--repeats 30] [--cold-repeats 20]
                              [--parts cold cold-plain warm sentence step burst switch] [--langs en zh]
                              [--switch-rounds 10] [--quick]

Starts the app as `make run` does (python -m explorer.ui.serve: loopback, headless, no usage stats)
and drives Debian's Chromium with Playwright. Measured, each with median and p95:

    cold open      fresh server process (as `make run` starts it), new browser context:
                   page.goto(Decode link) → heatmap drawn
    cold open, plain streamlit run
                   the same with a plain `streamlit run app.py` (no warm-up): for comparison
    warm open      same server, new browser context (empty browser cache): the same
    new sentence   Enter in "Source sentence" → the new sentence's heatmap drawn (a full rerun)
    Step button    the stepper's Step (explorer/ui/decode/stepper.js) → the heatmap's new row painted
                   (drawn in the browser at once, from the decode it holds)
    Step button, the server told
                   the same click → the URL says the step: the stepper's report taken by the server
                   (the step's other views are drawn by that run)
    five quick Steps
                   five clicks in one task → the fifth row painted, then → the URL says the fifth step
                   (the server told once, of the last step)
    page switch    a page's link in the sidebar → that page's script run finished and painted, per
                   interface language (--langs): one tab per language, each opened at Home with lang=…,
                   visiting every page in turn (SWITCH_PAGES), the languages interleaved click by click
                   (en, zh, en, zh …) so that a busy spell of the machine falls on both alike;
                   --switch-rounds rounds of every page. A switch that does not finish within the
                   timeout is reported by page and language, not waited on.

Two clocks per measurement. "in page": from the click's (or key's, or navigation's) event time
to the first animation frame after the heatmap (explorer.figures.svg_heatmap) has painted the rows (it
stamps `data-rows` once they are painted). "driver": wall time in this process from just before
Playwright sends the input until it has seen the result, so it adds Playwright's own round trips
(a few ms each). The bars are judged on the driver clock, the stricter one.
A page switch's "in page" clock runs from the click's event time to the first animation frame at
which the page has received the run's end from the server (ForwardMsg.script_finished, read off the
websocket by SWITCH_PROBE) and shows `notRunning`; it also counts the script runs each switch started.
Prints markdown tables; writes bench/results/app_speed.json.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.browser import HEATMAP_DRAWN, INPUT_CLOCK, SCRIPT_DONE, TIMEOUT_MS, Expected, decode_url, launch_browser
from bench.common import dates, markdown_table, summary, write_results
from bench.server import Server
from explorer.figures.svg_heatmap import SVG_ID

BARS = {  # measurement -> (median bar ms, p95 bar ms or None)
    "Step button": (150.0, 300.0),
    "new sentence": (400.0, None),
    "cold open": (3000.0, None),
    "cold open, plain streamlit run": (3000.0, None),
}

# Resolves to performance.now() once the address bar says step k (the server has taken the stepper's report).
URL_STEP = """(k) => new URLSearchParams(location.search).get('step') === String(k) ? performance.now() : false"""
# Five clicks on the stepper's Step in one task (no run can come between them).
FIVE_STEPS = """() => { const b = document.querySelector('.ae-stepper .ae-step');
  for (let i = 0; i < 5; i++) b.click(); return performance.now(); }"""


# -- the browser ------------------------------------------------------------------------------------------------
def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def wait_heatmap(page, rows: int, xs: list[str] | None = None) -> float:
    """Wait until the Decode heatmap shows `rows` rows (and labels `xs`); page time it happened."""
    handle = page.wait_for_function(HEATMAP_DRAWN, arg=[SVG_ID, rows, xs], polling="raf", timeout=TIMEOUT_MS)
    return float(handle.json_value())


def input_time(page) -> float:
    return float(page.evaluate("() => window.__bench.at"))


# -- the measurements ------------------------------------------------------------------------------------------
def open_page(browser, url: str, rows: int, xs: list[str]) -> tuple[float, float]:
    """New context → goto(url) → heatmap drawn: (in-page ms since navigation start, driver ms)."""
    context, page = new_page(browser)
    try:
        started = time.perf_counter()
        page.goto(url)
        in_page = wait_heatmap(page, rows, xs)
        return in_page, (time.perf_counter() - started) * 1000
    finally:
        context.close()


def measure_cold(browser, env: dict, url_query: dict, expected: Expected, repeats: int, warm_up: bool = True) -> dict:
    """Fresh server per repetition, started as `make run` starts it, or (warm_up=False) by a plain `streamlit run`.

    `make run` starts explorer.ui.serve: it imports torch, pandas and plotly and loads the models before
    the server answers; a plain `streamlit run` leaves that to the first visitor's page run.
    The server's start (process → /_stcore/health) is reported apart: nobody's page is waiting then.
    """
    in_page, driver, starts = [], [], []
    xs = expected.x_labels(url_query["sentence"])
    for _ in range(repeats):
        with Server(env, warm_up=warm_up) as server:
            starts.append(server.start_seconds * 1000)
            page_ms, driver_ms = open_page(browser, decode_url(server.url, **url_query), int(url_query["step"]), xs)
            in_page.append(page_ms)
            driver.append(driver_ms)
    return {"in_page": in_page, "driver": driver, "server_start": starts}


def measure_warm(browser, server: Server, url_query: dict, expected: Expected, repeats: int) -> dict:
    xs = expected.x_labels(url_query["sentence"])
    url = decode_url(server.url, **url_query)
    open_page(browser, url, int(url_query["step"]), xs)  # the server's first run: imports, model load
    in_page, driver = [], []
    for _ in range(repeats):
        page_ms, driver_ms = open_page(browser, url, int(url_query["step"]), xs)
        in_page.append(page_ms)
        driver.append(driver_ms)
    return {"in_page": in_page, "driver": driver}


def measure_new_sentence(page, expected: Expected, repeats: int) -> dict:
    box = page.get_by_role("textbox", name="Source sentence")
    in_page, driver = [], []
    for sentence in dates(repeats, seed=1):
        xs = expected.x_labels(sentence)
        box.fill(sentence)
        started = time.perf_counter()
        box.press("Enter")
        drawn = wait_heatmap(page, 0, xs)
        driver.append((time.perf_counter() - started) * 1000)
        in_page.append(drawn - input_time(page))
    return {"in_page": in_page, "driver": driver}


def measure_server_step(page, steps: int, samples: int) -> tuple[dict, dict]:
    """The stepper's Step: (→ new row painted, → the URL says the step: the server has taken the report).

    The stepper draws the clicked row in the browser at once (explorer/ui/decode/stepper.js) and tells the
    server afterwards; that run brings the step's other views and writes the URL. Each click waits for both,
    so the samples are single clicks.
    """
    step = page.locator(".ae-stepper .ae-step")
    reset = page.locator(".ae-stepper .ae-reset")
    row = {"in_page": [], "driver": []}
    views = {"in_page": [], "driver": []}
    shown = 0
    while len(row["driver"]) < samples:
        if shown == steps:
            reset.click()
            wait_url_step(page, 0)
            wait_heatmap(page, 0)
            shown = 0
        started = time.perf_counter()
        step.click()
        drawn = wait_heatmap(page, shown + 1)
        row["driver"].append((time.perf_counter() - started) * 1000)
        row["in_page"].append(drawn - input_time(page))
        followed = wait_url_step(page, shown + 1)
        views["driver"].append((time.perf_counter() - started) * 1000)
        views["in_page"].append(followed - input_time(page))
        page.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)  # as a user clicks: once the step is shown
        shown += 1
    return row, views


def wait_url_step(page, k: int) -> float:
    """Wait until the URL says step k (the server has taken the stepper's report); page time it happened."""
    handle = page.wait_for_function(URL_STEP, arg=k, polling="raf", timeout=TIMEOUT_MS)
    return float(handle.json_value())


def measure_five_steps(page, steps: int, samples: int) -> tuple[dict, dict]:
    """Five quick Steps: (→ the fifth row painted, → the URL says the fifth step), from step 0 each time."""
    reset = page.locator(".ae-stepper .ae-reset")
    drawn, told = {"in_page": [], "driver": []}, {"in_page": [], "driver": []}
    target = min(5, steps)
    while len(drawn["driver"]) < samples:
        reset.click()
        wait_url_step(page, 0)
        wait_heatmap(page, 0)
        page.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
        started = time.perf_counter()
        clicked = float(page.evaluate(FIVE_STEPS))
        painted = wait_heatmap(page, target)
        drawn["driver"].append((time.perf_counter() - started) * 1000)
        drawn["in_page"].append(painted - clicked)
        followed = wait_url_step(page, target)
        told["driver"].append((time.perf_counter() - started) * 1000)
        told["in_page"].append(followed - clicked)
    return drawn, told


# -- switching pages ---------------------------------------------------------------------------------------------
# The sidebar's links in the order a switch visits them (each link's href is its page's URL path; Home's is "").
SWITCH_PAGES = (
    "Decode",
    "Compare",
    "Hidden_states",
    "Beam_search",
    "Models",
    "Train",
    "Timelapse",
    "Lessons",
    "Lab",
    "",
)
# Installed before the app's own scripts: reads every message Streamlit's server sends on the websocket
# (a ForwardMsg; only its top-level fields are decoded) and stamps, in page time, each full script run's
# start (new_session, field 4) and end (script_finished, field 6, FINISHED_SUCCESSFULLY or
# FINISHED_WITH_COMPILE_ERROR; a fragment's run, 3, and a run cut short by a rerun, 2, are not ends).
# Also stamps the click. The app's root attribute data-test-script-state alone cannot tell when a run
# has ended: a short run can start and end between two renders, so "running" is never seen.
SWITCH_PROBE = """(() => {
  const w = (window.__switch = {click: 0, starts: [], ends: []});
  document.addEventListener("click", (e) => { w.click = e.timeStamp; }, true);
  const varint = (b, i) => {
    let v = 0, m = 1;
    for (;;) { const x = b[i++]; v += (x & 0x7f) * m; m *= 128; if (x < 0x80) return [v, i]; }
  };
  const read = (data) => {
    const b = new Uint8Array(data);
    for (let i = 0; i < b.length;) {
      let key, value;
      [key, i] = varint(b, i);
      const field = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) { [value, i] = varint(b, i); if (field === 6 && value <= 1) w.ends.push(performance.now()); }
      else if (wire === 2) { [value, i] = varint(b, i); i += value; if (field === 4) w.starts.push(performance.now()); }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return;
    }
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => { if (e.data instanceof ArrayBuffer) read(e.data); });
    }
  };
})();"""
# Resolves to [performance.now(), runs started since the click, the last run's start, its end] in the first
# animation frame at which the page is `slug`, a run started after the click has ended, and the app's root
# says notRunning.
SWITCH_DONE = """(slug) => {
  const w = window.__switch;
  const path = location.pathname.replace(/\\/+$/, "").split("/").pop();
  if (path !== slug && !(slug === "" && location.pathname.endsWith("/"))) return false;
  const starts = w.starts.filter((t) => t >= w.click);
  const start = starts[starts.length - 1], end = w.ends.find((t) => t >= start);
  if (end === undefined || !document.querySelector("[data-test-script-state='notRunning']")) return false;
  return [performance.now(), starts.length, start, end];
}"""


class SwitchTab:
    """One browser tab in one interface language, switching pages through the sidebar."""

    def __init__(self, browser, base: str, lang: str):
        self.base, self.lang = base, lang
        self.context, self.page = new_page(browser)
        self.context.add_init_script(SWITCH_PROBE)
        self.open("")

    def open(self, slug: str) -> None:
        """Load `slug` afresh (the start, or after a switch that did not finish)."""
        self.page.goto(f"{self.base}/{slug}?lang={self.lang}")
        self.page.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
        self.page.wait_for_function(SWITCH_DONE, arg=slug, polling="raf", timeout=TIMEOUT_MS)

    def switch(self, slug: str, timeout_ms: float) -> dict:
        """Click the sidebar's link to `slug`: in-page and driver ms, script runs, and the in-page ms from
        the click to the run's start, of the run (start → end received), from its end to the paint.
        Raises TimeoutError."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        link = self.page.locator(f'[data-testid="stSidebar"] a[href="{self.base}/{slug}"], '
                                 f'[data-testid="stSidebar"] a[href="{slug}"]').first  # fmt: skip
        try:
            link.wait_for(timeout=timeout_ms)
            started = time.perf_counter()
            link.click(timeout=timeout_ms)
            handle = self.page.wait_for_function(SWITCH_DONE, arg=slug, polling="raf", timeout=timeout_ms)
        except PlaywrightTimeout as error:
            raise TimeoutError(
                f"lang={self.lang}: the switch to {slug or 'Home'} did not finish in {timeout_ms / 1000:g} s"
            ) from error
        driver = (time.perf_counter() - started) * 1000
        done, runs, start, end = handle.json_value()
        click = self.page.evaluate("() => window.__switch.click")
        return {
            "in_page": done - click,
            "driver": driver,
            "runs": int(runs),
            "to_start": start - click,
            "run": end - start,
            "to_paint": done - end,
        }

    def close(self) -> None:
        self.context.close()


def measure_switch(browser, base: str, langs: list[str], rounds: int, timeout_ms: float = TIMEOUT_MS) -> dict:
    """Every page of SWITCH_PAGES in turn, `rounds` times, one tab per language, the languages interleaved
    click by click. Returns {lang: {"in_page", "driver", "runs", "to_start", "run", "to_paint", "pages",
    "unfinished"}}: a list each, one entry per finished switch ("unfinished": the pages that did not)."""
    tabs = {lang: SwitchTab(browser, base, lang) for lang in langs}
    fields = ("in_page", "driver", "runs", "to_start", "run", "to_paint", "pages", "unfinished")
    raw = {lang: {field: [] for field in fields} for lang in langs}
    try:
        for _ in range(rounds):
            for slug in SWITCH_PAGES:
                for lang, tab in list(tabs.items()):
                    out = raw[lang]
                    try:
                        sample = tab.switch(slug, timeout_ms)
                    except TimeoutError as error:
                        print(f"  {error}", flush=True)
                        out["unfinished"].append(slug or "Home")
                        try:
                            tab.open(slug)  # start again from a loaded page
                        except Exception as reopen:  # noqa: BLE001 - the language stops; the others go on
                            print(f"  lang={lang}: {slug or 'Home'} does not load either, stopped: {reopen}")
                            tabs.pop(lang).close()
                        continue
                    for field, value in sample.items():
                        out[field].append(value)
                    out["pages"].append(slug or "Home")
                    tab.page.wait_for_timeout(200)  # as a person does: looks before clicking on
    finally:
        for tab in tabs.values():
            tab.close()
    return raw


# -- report ----------------------------------------------------------------------------------------------------
def verdict(name: str, driver: dict) -> str:
    if name not in BARS:
        return "(no bar)"
    median_bar, p95_bar = BARS[name]
    ok = driver["median_ms"] <= median_bar and (p95_bar is None or driver["p95_ms"] <= p95_bar)
    bar = f"median ≤ {median_bar:.0f}" + (f", p95 ≤ {p95_bar:.0f}" if p95_bar else "")
    return f"{bar}: {'met' if ok else 'MISSED'}"


PARTS = ("cold", "cold-plain", "warm", "sentence", "step", "burst", "switch")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30, help="samples per warm measurement")
    parser.add_argument("--cold-repeats", type=int, default=20, help="fresh server processes for the cold open")
    parser.add_argument(
        "--parts",
        nargs="+",
        default=list(PARTS),
        choices=list(PARTS),
    )
    parser.add_argument("--langs", nargs="+", default=["en", "zh"], help="interface languages of the page switch")
    parser.add_argument("--switch-rounds", type=int, default=10, help="page switch: rounds of every page per language")
    parser.add_argument("--model", default="dates/general", help="registered model the Decode page shows")
    parser.add_argument("--sentence", default="saturday, may 9, 2018")
    parser.add_argument("--open-step", type=int, default=0, help="step in the opened link (0: as the home page links)")
    parser.add_argument("--registry", type=Path, help="ATTENTION_EXPLORER_PRETRAINED (default: pretrained/)")
    parser.add_argument("--quick", action="store_true", help="3 samples each, 1 cold start: checks that it runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.cold_repeats, args.switch_rounds = 3, 1, 1
    if args.registry:
        os.environ["ATTENTION_EXPLORER_PRETRAINED"] = str(args.registry.resolve())
    from playwright.sync_api import sync_playwright

    env = {"ATTENTION_EXPLORER_USER_MODELS": tempfile.mkdtemp(prefix="bench-user-models-")}
    task, scorer = args.model.split("/", 1)
    expected = Expected(args.model)
    steps = expected.steps(args.sentence)
    query = {"task": task, "scorer": scorer, "sentence": args.sentence, "step": str(args.open_step)}
    raw: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        if "cold" in args.parts:
            raw["cold open"] = measure_cold(browser, env, query, expected, args.cold_repeats)
        if "cold-plain" in args.parts:
            raw["cold open, plain streamlit run"] = measure_cold(
                browser, env, query, expected, args.cold_repeats, warm_up=False
            )
        with Server(env) as server:
            if "warm" in args.parts:
                raw["warm open"] = measure_warm(browser, server, query, expected, args.repeats)
            context, page = new_page(browser)
            page.goto(decode_url(server.url, **{**query, "step": "0"}))
            wait_heatmap(page, 0, expected.x_labels(args.sentence))
            page.evaluate(INPUT_CLOCK)
            if "step" in args.parts:
                raw["Step button"], raw["Step button, the server told"] = measure_server_step(page, steps, args.repeats)
            if "burst" in args.parts:
                raw["five quick Steps: last row"], raw["five quick Steps: the server told"] = measure_five_steps(
                    page, steps, args.repeats
                )
            if "sentence" in args.parts:
                raw["new sentence"] = measure_new_sentence(page, expected, args.repeats)
            context.close()
            if "switch" in args.parts:
                switches = measure_switch(browser, server.url, args.langs, args.switch_rounds)
                for lang, data in switches.items():
                    if data["driver"]:
                        raw[f"page switch, lang={lang}"] = data
                    else:
                        print(f"page switch, lang={lang}: no switch finished ({', '.join(data['unfinished'])})")
            server_rss = server.rss_mb()
        browser.close()

    results = {
        name: {clock: summary(data[clock]) for clock in ("in_page", "driver")} | {"samples": data}
        for name, data in raw.items()
    }
    rows = []
    for name, r in results.items():
        rows.append(
            [
                name,
                r["driver"]["n"],
                f"{r['in_page']['median_ms']:.0f} / {r['in_page']['p95_ms']:.0f}",
                f"{r['driver']['median_ms']:.0f} / {r['driver']['p95_ms']:.0f}",
                verdict(name, r["driver"]),
            ]
        )
    print(
        f"model {args.model}, sentence {args.sentence!r} ({steps} steps), links opened at step {args.open_step}; "
        "Chromium headless, 1400×1000"
    )
    print(markdown_table(["measurement", "n", "in page ms (median / p95)", "driver ms (median / p95)", "bar"], rows))
    for name in ("cold open", "cold open, plain streamlit run"):
        if name in results:
            start = summary(raw[name]["server_start"])
            print(f"{name}: server start (process → /_stcore/health) median {start['median_ms']:.0f} ms, "
                  f"p95 {start['p95_ms']:.0f} ms (not part of the open time)")  # fmt: skip
    print(f"server RSS after the warm measurements: {server_rss:.0f} MiB")
    if "switch" in args.parts:
        print_switches({name: data for name, data in raw.items() if name.startswith("page switch")})
    everything = set(args.parts) >= set(PARTS)
    path = write_results(
        "app_speed" + ("" if everything else "-" + "-".join(args.parts)) + ("-quick" if args.quick else ""),
        {
            "model": args.model,
            "sentence": args.sentence,
            "steps": steps,
            "open_step": args.open_step,
            "server_rss_mb": server_rss,
            **results,
        },  # fmt: skip
    )
    print(f"\nwritten to {path}")


def print_switches(raw: dict[str, dict]) -> None:
    """Per language: the script runs per switch, the switches that never finished; per page: the median."""
    names = list(raw)
    for name in names:
        data = raw[name]
        runs = dict(sorted(Counter(data["runs"]).items()))
        print(f"{name}: script runs per switch {runs}; unfinished: {', '.join(data['unfinished']) or 'none'}")
        phases = ", ".join(
            f"{label} {summary(data[field])['median_ms']:.0f}"
            for field, label in (
                ("to_start", "click → run starts"),
                ("run", "run"),
                ("to_paint", "run's end → painted"),
            )
        )
        print(f"  where the time goes (in page, medians ms): {phases}")
    pages = list(dict.fromkeys(page for data in raw.values() for page in data["pages"]))
    rows = []
    for page in pages:
        row = [page]
        for name in names:
            data = raw[name]
            samples = [ms for ms, p in zip(data["driver"], data["pages"], strict=True) if p == page]
            row.append(f"{summary(samples)['median_ms']:.0f}" if samples else "–")
        rows.append(row)
    print(markdown_table(["page", *(f"{name} driver median ms" for name in names)], rows))


if __name__ == "__main__":
    main()
