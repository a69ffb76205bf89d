"""The Lab page in a real browser, on the shipped models: from a Decode step to the Lab's step view."""

from __future__ import annotations

import json
import re
import urllib.parse

from playwright.sync_api import Page, expect

from tests.e2e.test_decode_browser import HEATMAP_ROWS, server_shows

SCRIPT_DONE = "[data-test-script-state='notRunning']"
# The row labels of the Lab's first plotly chart (attention and the three importances), once drawn, sorted.
ROW_LABELS = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  return plot ? [...plot.querySelectorAll('.ytick text')].map(t => t.textContent).sort() : [];
}"""
ROWS = ["attention", "gradient × input", "integrated gradients", "leave-one-out"]


def test_a_decode_step_opens_in_the_lab_with_attention_beside_three_importances(page: Page, streamlit_server: str):
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=2")
    page.wait_for_function(f"({HEATMAP_ROWS})() === 2", timeout=30_000)
    page.get_by_role("button", name="Step", exact=True).click()
    server_shows(page, 3)
    link = page.get_by_role("link", name=re.compile("Does attention explain this token"))
    # the stepper draws step 3 at once; the link beside it follows once the server has taken the step's report
    expect(link).to_have_attribute("href", re.compile(r"[?&]step=3(&|$)"), timeout=30_000)
    link.click()
    expect(page.get_by_role("heading", name="Attention lab", exact=True)).to_be_visible(timeout=30_000)
    expected = json.dumps(json.dumps(sorted(ROWS), ensure_ascii=False, separators=(",", ":")), ensure_ascii=False)
    page.wait_for_function(f"JSON.stringify(({ROW_LABELS})()) === {expected}", timeout=60_000)  # four rows
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert {k: v[0] for k, v in query.items()} == {
        "task": "dates",
        "scorer": "general",
        "sentence": "9 may 2018",
        "step": "3",
        "view": "step",
    }
    expect(page.get_by_text("Kendall's τ", exact=False).first).to_be_attached()
    expect(page.get_by_role("button", name="Permute")).to_be_visible()
    expect(page.locator(".stException")).to_have_count(0)
