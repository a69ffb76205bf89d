"""The Decode page as the browser benchmarks see it: Chromium, the page's link, what it should show.

The launch flags are the browser tests' too (tests/e2e/conftest.py); the scripts below run inside the page (Playwright's
`wait_for_function` and `evaluate`) and read what explorer.figures.svg_heatmap and Streamlit mark in the DOM.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse

from explorer.figures.svg_heatmap import axis_labels

# Chromium's launch flags, for the benchmarks and the browser tests (../shared/docs/environment.md): without
# the background-networking flags Chromium keeps calling out to a network that is closed here;
# --no-sandbox because they may run as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
# What a lesson step's frame keeps in sight (explorer.lessons.schema.Step.frame_view), as a page draws it outside
# the lesson's panel: selectors, the first the step's page shows. A heatmap is Decode's (its output where the model
# has no attention), a still SVG one (a class's follower on Compare and Timelapse: explorer.ui.common.components
# .heatmap) or a plotly one (Compare, Timelapse); a chart is Plotly's, or a follower's SVG histograms (the Lab). The
# lecture frame test and bench.lesson_start read it. Neither the lesson's panel nor the list's elements drawn out of
# sight (explorer.ui.lessons.warm), still there as a step opens.
_OUTSIDE = ":not(.st-key-lesson_dock *):not(.st-key-lesson_warm_draw *)"
_CHART = f"[data-testid=stMain] [data-testid=stPlotlyChart]{_OUTSIDE}"
FRAME_VIEW = {
    "heatmap": (
        "svg#decode-heatmap",
        f"[data-testid=stMain] svg.ae-heatmap-svg{_OUTSIDE}",
        _CHART,
        ".ae-stepper-output",
    ),
    "chart": (_CHART, f"[data-testid=stMain] svg[data-panels]{_OUTSIDE}"),
    "table": (
        f"[data-testid=stMain] [data-testid=stDataFrame]{_OUTSIDE}",
        f"[data-testid=stMain] [data-testid=stTable]{_OUTSIDE}",
    ),
    "output": (".ae-stepper-output",),
}

# Resolves to performance.now() in the first animation frame after the Decode heatmap (the SVG of
# explorer.figures.svg_heatmap, `<svg id=…>`) has painted `rows` rows and, when given, exactly the column labels `xs`.
HEATMAP_DRAWN = """([id, rows, xs]) => {
  const svg = document.getElementById(id);
  if (!svg || svg.getAttribute("data-rows") !== String(rows)) return false;
  if (xs !== null) {
    const columns = [...svg.querySelectorAll("text.col")].map((t) => t.firstChild.nodeValue);  // not the <title>
    if (columns.join("\\u0001") !== xs.join("\\u0001")) return false;
  }
  return performance.now();
}"""
SCRIPT_DONE = "[data-test-script-state='notRunning']"  # Streamlit's app root once a run has finished
# Records the time stamp of every click and key press (capture phase: before Streamlit sees it).
INPUT_CLOCK = """() => {
  if (window.__bench) return;
  window.__bench = {at: 0};
  for (const type of ["click", "keydown"]) {
    document.addEventListener(type, (e) => { window.__bench.at = e.timeStamp; }, true);
  }
}"""


def launch_browser(playwright):
    """Debian's Chromium (or $CHROMIUM) through Playwright's sync API, with CHROMIUM_ARGS."""
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if executable is None:
        raise SystemExit("system Chromium not found (scripts/install_chromium.sh, or set CHROMIUM=/path)")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def decode_url(base: str, **query: str) -> str:
    return f"{base}/Decode?{urllib.parse.urlencode(query)}"


class Expected:
    """The heatmap labels a sentence gets (from the model itself), and its number of steps."""

    def __init__(self, model: str):
        from seq2seq.checkpoint import load_model

        self.translator = load_model(model)

    def x_labels(self, sentence: str) -> list[str]:
        return axis_labels(self.translator.start(sentence).source_tokens)

    def steps(self, sentence: str) -> int:
        return len(self.translator.greedy(sentence).steps)
