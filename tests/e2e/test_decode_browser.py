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


def url_step(page: Page, step: int) -> None:
    """The server has taken the stepper's report of `step`: the address bar says it."""
    expect(page).to_have_url(re.compile(rf"[?&]step={step}(&|$)"), timeout=30_000)


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


def test_quick_clicks_each_move_one_step_and_the_heatmap_the_status_and_the_url_agree(
    page: Page, streamlit_server: str
) -> None:
    """Three clicks without waiting: the stepper draws each at once in the browser, and reports the step it shows
    to the server afterwards (the latest value wins), so the page, the heatmap and the URL end on step 4."""
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=1")
    page.wait_for_function(f"({HEATMAP_ROWS})() === 1", timeout=30_000)
    step = page.get_by_role("button", name="Step", exact=True)
    for _ in range(3):
        step.click()  # no waiting between clicks
    expect(page.get_by_text("Step 4 of 11")).to_be_visible(timeout=30_000)
    url_step(page, 4)
    page.wait_for_function(f"({HEATMAP_ROWS})() === 4")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_text("Step 0 of 11")).to_be_visible(timeout=30_000)
    url_step(page, 0)
    page.wait_for_function(f"({HEATMAP_ROWS})() === 0")
    expect(page.locator(".stException")).to_have_count(0)


# Clicks the stepper's Step `n` times in one task and says what it showed after each (no run can come between).
BURST = """n => {
  const step = document.querySelector('.ae-stepper .ae-step'), seen = [];
  for (let i = 0; i < n; i++) { step.click(); seen.push(Number(document.querySelector('.ae-stepper').dataset.step)); }
  return seen;
}"""


# Counts the window's listeners of the stepper's "ae-step-shown" event (added minus removed) into window.__aeShownHeard.
COUNT_SHOWN_LISTENERS = """(() => {
  window.__aeShownHeard = 0;
  const add = window.addEventListener, remove = window.removeEventListener;
  window.addEventListener = function (type) { if (type === 'ae-step-shown') window.__aeShownHeard += 1;
    return add.apply(this, arguments); };
  window.removeEventListener = function (type) { if (type === 'ae-step-shown') window.__aeShownHeard -= 1;
    return remove.apply(this, arguments); };
})();"""


def test_a_burst_of_clicks_is_drawn_at_once_and_reported_once(page: Page, streamlit_server: str) -> None:
    """Seven clicks in one task: each moves the step by one in the browser (none lost, none doubled), the row is
    painted with no server run between, and the server is told the last step once (the page asks for one run of the
    stepper); the step's panels follow once it rests (one more run, of theirs). The panels' rest component, drawn
    again at step 7, listens once: its render at step 0 has ended (Streamlit calls a component's function again for
    new data without ending the render before; one left listening asked for the panels' run again, in CI)."""
    page.add_init_script(COUNT_SHOWN_LISTENERS)
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=0")
    expect(page.locator(".ae-stepper[data-step='0']")).to_be_attached(timeout=30_000)
    page_clock.answered(page)
    before = page_clock.asked(page)
    assert page.evaluate(BURST, 7) == [1, 2, 3, 4, 5, 6, 7]
    page.wait_for_function(f"({HEATMAP_ROWS})() === 7")
    url_step(page, 7)
    expect(page.get_by_text("Step 7 of 11")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^step 7: "))).to_be_visible(timeout=30_000)  # the current step's panel
    page_clock.answered(page)
    # One report, of the step shown (sent before the URL came back), and one run of the panels once it rested.
    assert page_clock.asked(page) == before + 2
    assert page.evaluate("window.__aeShownHeard") == 1
    page.reload()  # the URL is the step: a reload opens it there
    page.wait_for_function(f"({HEATMAP_ROWS})() === 7", timeout=30_000)
    expect(page.get_by_text("Step 7 of 11")).to_be_visible()
