"""A phone follows a class to Compare and Timelapse, in real Chromium (issue 62): its heatmaps are drawn in the browser
as SVG (explorer.ui.common.components.heatmap), not by plotly, whose six charts a busy phone drew at a lesson's start in
up to 3 s (bench.lesson_start); on Timelapse its loss and metric curves too (explorer.figures.svg_curves).

On each page the phone draws one whole heatmap per model with attention: every row, a cell per source token in each,
no row outlined (nothing is being stepped), as wide as the phone at most; a tap on a cell writes its tooltip (the
tokens and the weight) under the heatmap, as on Decode. Compare's table follows them, still, and its difference of
two scorers waits for the student's toggle. The teacher's Compare keeps plotly's heatmaps (zoom, PNG) and the data grid;
in a class the teacher's Timelapse draws the same SVG as the phones (its six Plotly charts held the cores the phones
needed at a lesson's start).
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_class_browser import WAIT_MS, start_class
from tests.e2e.test_pages_browser import SCRIPT_DONE

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
# Each still heatmap: [its id, rows drawn, rows marked drawn (data-rows), cells per row, the outline's visibility,
# its right edge].
STILL = """() => [...document.querySelectorAll('[data-testid=stMain] svg.ae-heatmap-svg')].map((svg) => {
  const rows = [...svg.querySelectorAll('g[data-row]')];
  const outline = [...svg.querySelectorAll(':scope > rect')].find((r) => r.getAttribute('stroke') === '#d62728');
  return [svg.id, rows.length, Number(svg.getAttribute('data-rows')),
    [...new Set(rows.map((g) => g.querySelectorAll('rect').length))],
    outline ? outline.getAttribute('visibility') : null, svg.getBoundingClientRect().right];
})"""

# Each SVG curves chart: [its id, its series (data-series), lines drawn, markers, its right edge, its text alternative].
CURVES = """() => [...document.querySelectorAll('[data-testid=stMain] svg[data-series]')].map((svg) => [svg.id,
  Number(svg.getAttribute('data-series')), svg.querySelectorAll('path.line').length,
  svg.querySelectorAll('line.marker').length, svg.getBoundingClientRect().right, svg.getAttribute('aria-label')])"""


def _still_heatmaps(phone: Page, count: int) -> list:
    """The phone's still heatmaps once `count` are drawn (every row marked drawn)."""
    phone.wait_for_function(f"() => ({STILL})().filter((h) => h[2] > 0).length === {count}", timeout=WAIT_MS)
    return phone.evaluate(STILL)


def _go(teacher: Page, link: str) -> None:
    teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    teacher.get_by_test_id("stSidebar").get_by_role("link", name=link, exact=True).click()


def test_a_phone_draws_compare_and_timelapse_heatmaps_whole_in_svg(browser: Browser, streamlit_server: str) -> None:
    teacher, code = start_class(browser, streamlit_server, "abcd")
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{streamlit_server}/?room={code}")
    expect(phone.get_by_text(f"Following the teacher of class {code} · live")).to_be_visible(timeout=WAIT_MS)

    _go(teacher, "Compare")
    expect(phone.get_by_role("heading", name="Compare scorers")).to_be_visible(timeout=WAIT_MS)
    scorers = ("dot", "general", "concat", "scaled-dot", "location", "uniform")  # reverse/none has no attention
    drawn = _still_heatmaps(phone, len(scorers))
    assert [h[0] for h in drawn] == [f"heatmap-cmp-heatmap-{s}" for s in scorers]
    for _id, rows, marked, cells, outline, right in drawn:
        # "abcd": 5 source tokens with </s>; each model writes 2-6 rows up to its </s>
        assert rows == marked >= 2 and cells == [5] and outline == "hidden" and right <= 390
    teacher_plots = teacher.locator("[data-testid=stMain] .js-plotly-plot .heatmaplayer")
    expect(teacher_plots.first).to_be_attached(timeout=WAIT_MS)
    assert teacher.locator("[data-testid=stMain] svg.ae-heatmap-svg").count() == 0
    phone.locator('#heatmap-cmp-heatmap-dot g[data-row="0"] rect').first.tap()
    tapped = phone.locator(".ae-heatmap-tap").first
    expect(tapped).to_contain_text("weight", timeout=WAIT_MS)
    expect(tapped).to_contain_text("source 01 a")
    # The scorers' table after the heatmaps, still, and no data grid nor the difference's Plotly chart (their canvas
    # and plotly.js cost a busy phone's lesson start about 0.25 s): the difference is drawn once the student turns it
    # on. The teacher's page keeps the data grid and the difference. (The gold alignment stays Plotly's.)
    table = phone.locator("[data-testid=stMain] [data-testid=stTable] table")
    expect(table).to_have_count(1, timeout=WAIT_MS)
    assert table.bounding_box()["y"] > phone.locator("#heatmap-cmp-heatmap-uniform").bounding_box()["y"]
    expect(table.locator("tbody tr")).to_have_count(len(scorers) + 1)  # and reverse/none
    charts = phone.locator("[data-testid=stMain] .js-plotly-plot")
    assert phone.locator("[data-testid=stMain] [data-testid=stDataFrame]").count() == 0
    assert charts.count() == phone.locator(".st-key-cmp_gold .js-plotly-plot").count() == 1
    expect(teacher.locator("[data-testid=stMain] [data-testid=stDataFrame]")).to_have_count(1)
    phone.get_by_test_id("stMain").get_by_text("Show the difference of two scorers").click()
    expect(phone.locator(".st-key-cmp_difference .js-plotly-plot .heatmaplayer")).to_have_count(1, timeout=WAIT_MS)
    expect(phone.get_by_text(f"Following the teacher of class {code} · live")).to_be_visible()

    _go(teacher, "Timelapse")
    expect(phone.get_by_role("heading", name="Timelapse")).to_be_visible(timeout=WAIT_MS)
    drawn = _still_heatmaps(phone, len(scorers))
    assert [h[0] for h in drawn] == [f"heatmap-tl-heatmap-{n}" for n in range(1, 7)]  # 0: none
    assert all(
        rows == marked > 0 and outline == "hidden" and right <= 390 for _i, rows, marked, _c, outline, right in drawn
    )
    assert phone.locator("[data-testid=stMain] .js-plotly-plot .heatmaplayer").count() == 0
    # The loss and metric curves in SVG too (explorer.figures.svg_curves): a line per model, the epoch shown marked,
    # as wide as the phone at most.
    phone.wait_for_function(f"() => ({CURVES})().length === 2", timeout=WAIT_MS)
    curves = phone.evaluate(CURVES)
    assert [c[0] for c in curves] == ["tl-loss", "tl-metric"]
    for _id, series, lines, markers, right, label in curves:
        assert (
            series == lines == len(scorers) + 1
            and markers == 1
            and right <= 390
            and label.startswith(("training", "validation"))
        )
    assert phone.locator("[data-testid=stMain] .js-plotly-plot").count() == 0
    # The teacher's page, in the class, draws the same: six still heatmaps with the phone's rows, the two curves.
    taught = _still_heatmaps(teacher, len(scorers))
    assert [(h[0], h[1], h[3]) for h in taught] == [(h[0], h[1], h[3]) for h in drawn]
    teacher.wait_for_function(f"() => ({CURVES})().length === 2", timeout=WAIT_MS)
    assert [c[:4] for c in teacher.evaluate(CURVES)] == [c[:4] for c in curves]
    assert teacher.locator("[data-testid=stMain] .js-plotly-plot").count() == 0
    assert not phone.locator(".stException").count() and not teacher.locator(".stException").count()
