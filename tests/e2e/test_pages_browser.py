"""The app in a real browser, on the shipped models: type and step, restore a shared link, and the pages' own
checks (every page without an exception or a console error is checked on test_axe_browser's visit of it)."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_decode_browser import HEATMAP_ROWS

# Streamlit marks its root element with the script's state: "notRunning" once a run has finished.
SCRIPT_DONE = "[data-test-script-state='notRunning']"
PAGES = {  # URL path -> the page's title
    "": "Attention Explorer",
    "Decode": "Decode, step by step",
    "Compare": "Compare scorers",
    "Hidden_states": "Hidden states",
    "Beam_search": "Beam search",
    "Models": "Models",
    "Train": "Train a model",
    "Timelapse": "Timelapse",
    "Lessons": "Lessons",
    "Lab": "Attention lab",
}


def rows(page: Page, n: int) -> None:
    page.wait_for_function(f"({HEATMAP_ROWS})() === {n}", timeout=30_000)


def test_type_a_sentence_and_step_three_times(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general")
    source = page.get_by_label("Source sentence")
    source.fill("9th of may 2018")
    source.press("Enter")
    expect(page).to_have_url(re.compile(r"sentence=9th\+of\+may\+2018"), timeout=30_000)
    rows(page, 0)  # a new sentence starts at step 0
    for n in (1, 2, 3):
        page.get_by_role("button", name="Step", exact=True).click()
        rows(page, n)  # drawn in the browser at once
        # Then the server's views, as a user sees them before clicking on (Streamlit may merge a
        # second click on one button that arrives before the first one's rerun).
        expect(page.get_by_text(f"Step {n} of", exact=False)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("2 0 1", exact=True)).to_be_visible()  # "output so far": 2018-05-09 begins
    expect(page.locator(".stException")).to_have_count(0)


def test_a_shared_link_restores_the_view(page: Page, streamlit_server: str) -> None:
    query = {"task": "dates", "scorer": "concat", "sentence": "may 9, 2018", "step": "4", "strategy": "greedy"}
    page.goto(f"{streamlit_server}/Decode?{urllib.parse.urlencode(query)}")
    rows(page, 4)
    expect(page.get_by_label("Source sentence")).to_have_value("may 9, 2018")
    expect(page.get_by_text("Step 4 of", exact=False)).to_be_visible()
    page.locator(SCRIPT_DONE).wait_for(timeout=60_000)  # a click during a rerun can land on a replaced element
    page.get_by_text("Task, model, strategy and play speed").click()  # folded once a sentence is chosen
    expect(page.get_by_text("Model dates/concat", exact=False)).to_be_visible(timeout=30_000)  # the scorer's model
    expect(page.get_by_role("radio", name="Greedy", exact=False)).to_be_checked()
    assert urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["scorer"] == ["concat"]
    expect(page.locator(".stException")).to_have_count(0)


# Per plotly chart on the page: [x tick labels, labels that run into the one before them].
TICK_REPORT = """() => [...document.querySelectorAll('.js-plotly-plot')].map(chart => {
    const boxes = [...chart.querySelectorAll('.xaxislayer-above text')]  // xtick, x2tick… labels
        .map(t => t.getBoundingClientRect()).sort((a, b) => a.left - b.left);
    // Overlapping: covering more than half of the label before. Upright labels' boxes are a line
    // high (16 px) and may touch at 11 px apart, glyphs clear; side by side ones ran into each
    // other by more than half a label.
    let overlapping = 0;
    for (let i = 1; i < boxes.length; i++) {
        if (boxes[i].left < boxes[i - 1].left + boxes[i - 1].width / 2) overlapping++;
    }
    return [boxes.length, overlapping];
})"""


def test_compare_grid_source_labels_do_not_overlap(page: Page, streamlit_server: str) -> None:
    """Each heatmap of the Compare grid is a third of the page wide: its source labels turn upright
    when horizontal ones would run into each other (they did: "00 h01 e02 l…")."""
    page.goto(f"{streamlit_server}/Compare?task=reverse&sentence=hello+world")
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    charts = page.locator(".js-plotly-plot")
    expect(charts.first).to_be_visible(timeout=30_000)
    expect(charts.first.locator(".xtick text")).to_have_count(12)  # "hello world" and </s>
    # Plotly draws the grid's charts one after another: wait for six drawn ones, not just the first
    # (CI once took the report with five).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].filter("
        "c => c.querySelectorAll('.xtick text').length === 12).length >= 6",
        timeout=30_000,
    )
    report = page.evaluate(TICK_REPORT)
    assert len(report) >= 6 and all(n == 12 and bad == 0 for n, bad in report[:6]), report


def test_the_current_steps_bars_are_drawn_in_the_page(page: Page, streamlit_server: str) -> None:
    """A date's 22 characters: one score bar, one weight bar and one upright label per source
    position (plotly dropped every other label), the top-k candidates and the explained cell's
    weights and shares, all as SVG: a Step redraws them without plotly."""
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=concat&sentence=saturday%2C+may+9%2C+2018&step=6")
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    scores = page.locator("svg#decode-scores")
    expect(scores).to_have_attribute("data-columns", "22", timeout=30_000)
    expect(scores.locator("text.col")).to_have_count(22)
    expect(scores.locator("rect.weight")).to_have_count(22)
    assert scores.locator("text.col").first.evaluate("t => t.firstChild.nodeValue") == "01 s"  # (+ its tooltip)
    topk = page.locator("svg#decode-topk")
    expect(topk).to_have_attribute("data-rows", "5")
    expect(topk.locator("rect.bar")).to_have_count(5)
    assert topk.locator("rect.bar").first.get_attribute("fill") == "#d62728"  # the chosen token, in red
    boxes = scores.locator("text.col").evaluate_all("ts => ts.map(t => t.getBoundingClientRect().left)")
    assert boxes == sorted(boxes) and min(b - a for a, b in zip(boxes, boxes[1:], strict=False)) > 5  # apart
    shares = page.locator("svg#decode-shares")  # "Explain this cell", the tab open by default
    expect(shares.locator("rect.weight")).to_have_count(22)
    expect(shares.locator("rect.share")).to_have_count(22)
    expect(page.locator(".js-plotly-plot")).to_have_count(0)  # a step draws no plotly chart at all


@pytest.mark.parametrize(("width", "presentation"), [(1024, False), (1280, True)])
def test_every_scorer_and_button_is_on_screen(page: Page, streamlit_server: str, width, presentation) -> None:
    """On a 1024-pixel laptop, and on a 1280-pixel projector with the large type on, the scorer
    toggle has a row of its own (beside the task box its last option, "location", was cut off) and
    the buttons keep their labels ("Reset" was cut to "Re…"); the top-k table's text is large too."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=concat&step=1")
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    if presentation:
        page.get_by_text("Presentation mode").click()
        # The rerun keeps the stepper's last drawing beside its new one for a moment (a strict locator then fails at
        # once, seen in a clean clone): wait for the one drawing first.
        expect(page.locator(".ae-stepper-output")).to_have_count(1, timeout=30_000)
        expect(page.locator(".ae-stepper-output")).to_have_css("font-size", "21.6px", timeout=30_000)
        expect(page.locator("[data-testid='stTable'] td").first).to_have_css("font-size", "21.6px", timeout=30_000)
    left, right = page.evaluate(  # the page content's box: the main block less its padding
        """() => { const main = document.querySelector("[data-testid='stMainBlockContainer']");
                   const box = main.getBoundingClientRect(), style = getComputedStyle(main);
                   return [box.left + parseFloat(style.paddingLeft), box.right - parseFloat(style.paddingRight)]; }"""
    )
    for scorer in ("none", "location"):
        box = page.get_by_text(scorer, exact=True).first.bounding_box()
        assert left <= box["x"] and box["x"] + box["width"] <= right, (scorer, box, right)
    for name in ("Step", "Back", "Play", "Reset"):  # the label's text fits its box (else "Re…")
        text, box = page.get_by_role("button", name=name, exact=True).evaluate(
            """b => { const box = b.querySelector('.stMarkdownEllipsis') || b, range = document.createRange();
                      range.selectNodeContents(box);
                      return [range.getBoundingClientRect().width, box.getBoundingClientRect().width]; }"""
        )
        assert text <= box + 0.01, (name, text, box)


@pytest.mark.parametrize("path", ["Models", pytest.param("Hidden_states", marks=pytest.mark.slow)])  # a server each
def test_a_fresh_servers_first_request_straight_to_a_page_opens_it(page: Page, start_streamlit, path) -> None:
    """The pages are declared with st.navigation: a link straight to a page, on a server that no one has
    opened yet, runs that page at its old address, with the sidebar's first link reading "Home"."""
    fresh = start_streamlit(env={"ATTENTION_EXPLORER_TEST_FRESH_SERVER": path})  # a server of its own
    page.goto(f"{fresh}/{path}")
    expect(page.get_by_role("heading", name=PAGES[path], exact=True)).to_be_visible(timeout=30_000)
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    expect(page.locator("[data-testid='stSidebar'] a").first).to_have_text(re.compile("Home"))
    assert urllib.parse.urlparse(page.url).path.rstrip("/").endswith(path)
    expect(page.locator(".stException")).to_have_count(0)
