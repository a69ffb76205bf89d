"""The Lab's τ histograms in Chromium count every example (plotly.js's own binning, read from the drawn chart), and a
class's phone draws them in SVG with the teacher's counts.

Plotly's histogram bins leave out their end, so a τ of exactly 1 fell outside the last bin [0.9, 1.0) and was not
drawn: reverse/scaled_dot's panel "gradient × input ~ leave-one-out" showed 39 of its 40 examples
(explorer.figures.bars.in_last_bin). In a class every page's histograms are SVG, the teacher's too
(explorer.figures.svg_histograms, issue 62): the same panels, and in each the counts of the page's Plotly bins."""

from __future__ import annotations

import json

from playwright.sync_api import Browser, expect

from explorer.views import lab_split, lab_stored
from tests.app_fixtures import ROOT
from tests.e2e.test_class_browser import CODE, WAIT_MS

LAB = "{base}/Lab?task=reverse&scorer=scaled_dot&view=split&lang=en"
# Each panel's name and how many examples its bars count (plotly.js's calcdata: a bin's count is `s`).
COUNTED = """() => document.querySelector('.st-key-lab_tau_histograms .js-plotly-plot').calcdata
  .map((bins) => [bins[0].trace.name, bins.reduce((sum, bin) => sum + bin.s, 0)])"""
# Each Plotly panel's counts by bin (calcdata holds the bins from the first to the last non-empty one: `p` its middle).
PLOTLY_BINS = """() => document.querySelector('.st-key-lab_tau_histograms .js-plotly-plot').calcdata.map((bins) => {
  const counts = new Array(20).fill(0);
  for (const bin of bins) counts[Math.floor((bin.p + 1) / 0.1)] = bin.s;
  return counts; })"""
# Each SVG panel's counts (data-counts), and the chart's right edge.
SVG_BINS = """() => { const svg = document.querySelector('[data-testid=stMain] svg#lab-tau-histograms');
  return svg && [[...svg.querySelectorAll('g[data-counts]')].map((g) => g.dataset.counts.split(',').map(Number)),
    svg.getBoundingClientRect().right]; }"""
# The top of each SVG panel's title (its first text): panels in one row share it.
PANEL_TOPS = """() => [...document.querySelectorAll('[data-testid=stMain] svg#lab-tau-histograms g[data-counts]')]
  .map((g) => Math.round(g.querySelector('text').getBoundingClientRect().top))"""
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


def test_every_example_is_counted_and_a_phone_draws_the_teachers_counts_in_svg(
    browser: Browser, streamlit_server: str
) -> None:
    stored = json.loads((ROOT / "pretrained" / "lab" / "reverse.json").read_text())
    series = lab_split.tau_series(lab_stored.experiment(stored, "reverse/scaled_dot", "agreement"))
    assert any(1.0 in values for values in series.values())  # the case the teacher's count is about
    teacher = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    teacher.goto(LAB.format(base=streamlit_server))
    teacher.locator(".st-key-lab_tau_histograms .js-plotly-plot .barlayer .trace").first.wait_for(timeout=WAIT_MS)
    assert teacher.evaluate(COUNTED) == [[name, len(values)] for name, values in series.items()]
    plotted = teacher.evaluate(PLOTLY_BINS)
    teacher.get_by_role("button", name="Start a class").click()
    code = CODE.search(teacher.get_by_text(CODE).first.inner_text()).group(1)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{streamlit_server}/?room={code}")
    expect(phone.get_by_text(f"Following the teacher of class {code} · live")).to_be_visible(timeout=WAIT_MS)
    phone.wait_for_function(f"() => !!({SVG_BINS})()", timeout=WAIT_MS)
    counts, right = phone.evaluate(SVG_BINS)
    assert counts == plotted and len(counts) == len(series) and right <= 390
    assert phone.locator("[data-testid=stMain] .js-plotly-plot").count() == 0
    # The teacher's page, teaching, draws the same SVG, three panels a row (as Plotly's grid) in its wider column.
    teacher.wait_for_function(f"() => !!({SVG_BINS})()", timeout=WAIT_MS)
    assert teacher.evaluate(SVG_BINS)[0] == plotted
    assert teacher.locator(".st-key-lab_tau_histograms .js-plotly-plot").count() == 0
    rows = teacher.evaluate(PANEL_TOPS)
    assert rows[:3] == [rows[0]] * 3 and len(set(rows)) == -(-len(series) // 3)
