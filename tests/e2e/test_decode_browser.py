"""The Decode page in a real browser, on the shipped dates models: Step adds exactly one heatmap row."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e import page_clock

# Rows of the Decode page's heatmap (explorer.figures.svg_heatmap) once painted, counted from the drawing itself.
HEATMAP_ROWS = """() => {
  const svg = document.querySelector('svg#decode-heatmap');
  if (!svg || svg.getAttribute('data-rows') === null || svg.getAttribute('data-rows') === '-1') return -1;
  const rows = [...svg.querySelectorAll('g[data-row]')].filter(g => g.style.display !== 'none');
  return rows.length === Number(svg.getAttribute('data-rows')) ? rows.length : -1;
}"""


def server_shows(page: Page, step: int) -> None:
    """The server's rerun for `step` has arrived: the page says "Step <step> of"."""
    expect(page.get_by_text(f"Step {step} of", exact=False)).to_be_visible(timeout=30_000)


def settled_step(page: Page) -> int:
    """The server's step once its reruns are over: every run the page asked for (each click, each tick of
    Play) has ended (page_clock.answered; the page must be watched from its goto).

    A single look at an idle moment could fall between two reruns of queued clicks.
    """
    page_clock.answered(page)
    return int(re.search(r"step=(\d+)", page.url).group(1))


def test_step_and_back_change_the_heatmap_by_one_row(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=3")
    page.wait_for_function(f"({HEATMAP_ROWS})() === 3", timeout=30_000)
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(f"({HEATMAP_ROWS})() === 4")  # drawn in the browser at once
    server_shows(page, 4)  # a user sees the step's views before the next click (see the quick-clicks test)
    page.get_by_role("button", name="Back", exact=True).click()
    page.wait_for_function(f"({HEATMAP_ROWS})() === 3")
    server_shows(page, 3)
    page.wait_for_function(f"({HEATMAP_ROWS})() === 3")
    # Hover text of a cell: both tokens, position-labelled, and the weight.
    tip = page.locator('svg#decode-heatmap g[data-row="0"] rect title').first.text_content()
    assert re.fullmatch(r"target 01 2 \u2190 source 01 9\nweight [01]\.\d{3}", tip), tip  # positions from 1
    expect(page.locator(".stException")).to_have_count(0)


def test_html_in_the_sentence_is_shown_as_text(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E")
    source = page.get_by_label("Source sentence")
    expect(source).to_have_value("<img src=x onerror=alert(1)>", timeout=30_000)
    expect(page.locator("img[src='x']")).to_have_count(0)  # never interpreted as HTML
    expect(page.locator(".stException")).to_have_count(0)


def test_the_csv_export_is_made_on_click(page: Page, streamlit_server: str) -> None:
    """The download buttons hold a callable: the file is made when clicked, and is the attention matrix.

    The click waits for the page's opening runs to end: a run that redraws the button registers a new file
    for it, and a click on the button of a run that has been replaced may ask for a file the server dropped.
    """
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=2")
    button = page.get_by_role("button", name="Attention matrix (CSV)")
    button.wait_for(timeout=30_000)
    page_clock.answered(page)  # its one run (no class: the tab's memory asks for none)
    with page.expect_response(lambda r: "text/csv" in (r.headers.get("content-type") or "")) as response:
        button.click()
    assert 'filename="dates-general-attention.csv"' in response.value.headers["content-disposition"]
    header, *rows = response.value.text().splitlines()
    columns = header.split(",")
    assert columns[0] == "target" and columns[1].endswith(" 9") and len(columns) == 1 + 11  # "9 may 2018" + </s>
    assert len(rows) == 11 and rows[0].startswith("01 2,")  # "2018-05-09" + </s>
    assert all(abs(sum(float(w) for w in row.split(",")[1:]) - 1.0) < 1e-5 for row in rows)


# Records each rerun message the page sends with the count of runs ended when it went out (page_clock's counters).
SENT_AFTER_RUNS = """() => {
  window.__aeSentAfterRuns = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function () {
    const asked = window.__aeAsked, result = send.apply(this, arguments);
    if (window.__aeAsked > asked) window.__aeSentAfterRuns.push(window.__aeRuns);
    return result;
  };
}"""


def test_quick_clicks_each_move_one_step_and_the_heatmap_agrees(page: Page, streamlit_server: str) -> None:
    """Three clicks without waiting: the heatmap draws the first row at once in the browser, and every click is
    taken, one run after another (heatmap.js holds a click that lands during a run until the run has ended), so
    the server moves three steps and the heatmap agrees with it."""
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=1")
    page.wait_for_function(f"({HEATMAP_ROWS})() === 1", timeout=30_000)
    page_clock.answered(page)  # its one run (no class: the tab's memory asks for none)
    step = page.get_by_role("button", name="Step", exact=True)
    for _ in range(3):
        step.click()  # no waiting between clicks
    expect(page.get_by_text("Step 4 of 11")).to_be_visible(timeout=30_000)
    assert settled_step(page) == 4
    page.wait_for_function(f"({HEATMAP_ROWS})() === 4")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_text("Step 0 of 11")).to_be_visible(timeout=30_000)
    page.wait_for_function(f"({HEATMAP_ROWS})() === 0")
    expect(page.locator(".stException")).to_have_count(0)


def test_a_click_before_the_server_has_begun_the_last_ones_run_waits_for_its_heatmap(
    page: Page, streamlit_server: str
) -> None:
    """Two clicks in one frame: when the second lands, the first's rerun message has gone but the server has not
    begun its run, so the page's run state still says "not running". heatmap.js holds the second until the
    server has drawn the first's heatmap and its run has ended (let through at once, the two would reach the
    server together and could be merged into one step)."""
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=1")
    page.wait_for_function(f"({HEATMAP_ROWS})() === 1", timeout=30_000)
    page_clock.answered(page)
    before = page_clock.asked(page)
    page.evaluate(SENT_AFTER_RUNS)
    # both clicks in one task, once the page says "not running" (a late answer of the run before can still say
    # "running" for a moment)
    state = page.evaluate(
        """() => new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('the page never said it was not running')), 30000);  // fail, never hang
      const app = document.querySelector("[data-testid='stApp']");
      const state = () => app.getAttribute('data-test-script-state');
      const button = () => document.querySelector('.st-key-decode_step_button button');
      const clickTwice = () => {
        button().click();
        const seen = state();
        button().click();
        resolve(seen);
      };
      if (state() === 'notRunning') return clickTwice();
      const observer = new MutationObserver(() => {
        if (state() !== 'notRunning') return;
        observer.disconnect();
        clickTwice();
      });
      observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    })"""
    )
    assert state == "notRunning"  # at the second click too: no run had begun
    expect(page.get_by_text("Step 3 of 11")).to_be_visible(timeout=30_000)
    page_clock.answered(page, at_least=before + 2)
    first, second = page.evaluate("window.__aeSentAfterRuns")
    assert second > first  # the first click's run had ended when the second went
    assert "step=3" in page.url and page_clock.asked(page) == before + 2
    page.wait_for_function(f"({HEATMAP_ROWS})() === 3")


def test_a_click_during_a_run_is_held_until_the_run_ends_then_taken(page: Page, streamlit_server: str) -> None:
    """heatmap.js gives Streamlit no click while a run goes on (a click that interrupts a run can be merged,
    lost, or leave the page drawn for an earlier step): of two clicks, the second landing while the first one's
    run is asked for or going on, the second's rerun message goes out only after that run has ended."""
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=1")
    page.wait_for_function(f"({HEATMAP_ROWS})() === 1", timeout=30_000)
    page_clock.answered(page)  # its one run (no class: the tab's memory asks for none)
    before = page_clock.asked(page)
    page.evaluate(SENT_AFTER_RUNS)
    # the second click lands the moment the page says a run is asked for or going on (no timing involved)
    page.evaluate(
        """() => new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('no run showed after the first click')), 30000);  // fail, never hang
      const app = document.querySelector("[data-testid='stApp']");
      const observer = new MutationObserver(() => {
        const state = app.getAttribute('data-test-script-state');
        if (state !== 'running' && state !== 'rerunRequested') return;
        observer.disconnect();
        document.querySelector('.st-key-decode_step_button button').click();
        resolve();
      });
      observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
      document.querySelector('.st-key-decode_step_button button').click();
    })"""
    )
    expect(page.get_by_text("Step 3 of 11")).to_be_visible(timeout=30_000)
    page_clock.answered(page, at_least=before + 2)
    first, second = page.evaluate("window.__aeSentAfterRuns")
    assert second > first  # the first click's run had ended
    assert "step=3" in page.url and page_clock.asked(page) == before + 2
    page.wait_for_function(f"({HEATMAP_ROWS})() === 3")
