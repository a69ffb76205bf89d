"""The Lab's τ histograms in Chromium count every example (plotly.js's own binning, read from the drawn chart).

Plotly's histogram bins leave out their end, so a τ of exactly 1 fell outside the last bin [0.9, 1.0) and was not
drawn: reverse/scaled_dot's panel "gradient × input ~ leave-one-out" showed 39 of its 40 examples
(explorer.figures.bars.in_last_bin)."""

from __future__ import annotations

import json

from playwright.sync_api import Page

from explorer.views import lab_split, lab_stored
from tests.app_fixtures import ROOT

LAB = "{base}/Lab?task=reverse&scorer=scaled_dot&view=split&lang=en"
# Each panel's name and how many examples its bars count (plotly.js's calcdata: a bin's count is `s`).
COUNTED = """() => document.querySelector('.st-key-lab_tau_histograms .js-plotly-plot').calcdata
  .map((bins) => [bins[0].trace.name, bins.reduce((sum, bin) => sum + bin.s, 0)])"""


def test_every_example_of_the_split_is_in_its_histogram(page: Page, streamlit_server: str) -> None:
    stored = json.loads((ROOT / "pretrained" / "lab" / "reverse.json").read_text())
    series = lab_split.tau_series(lab_stored.experiment(stored, "reverse/scaled_dot", "agreement"))
    assert any(1.0 in values for values in series.values())  # the case this test is about
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(LAB.format(base=streamlit_server))
    page.locator(".st-key-lab_tau_histograms .js-plotly-plot .barlayer .trace").first.wait_for(timeout=60_000)
    assert page.evaluate(COUNTED) == [[name, len(values)] for name, values in series.items()]
