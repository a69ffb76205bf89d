"""The instant stepper in a real browser: Step ▶ draws exactly one row, and user text stays text."""

from __future__ import annotations

import urllib.parse

from playwright.sync_api import Page, expect

from tests.app_fixtures import shared_registry

SENTENCE = "<img src=x onerror=alert(1)>"
FRAME = 'iframe[title="Instant stepping: attention heatmap"]'


def test_step_adds_exactly_one_row_and_html_stays_text(page: Page, start_streamlit) -> None:
    url = start_streamlit(env={"ATTENTION_EXPLORER_PRETRAINED": str(shared_registry())})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    query = urllib.parse.urlencode({"task": "dates", "scorer": "general", "sentence": SENTENCE})
    page.goto(f"{url}/Decode?{query}")
    # The page's own heatmap drawn first: until then it grows and pushes the expander down
    # (by a thousand pixels), and a click aimed while the layout moves can land elsewhere.
    expect(page.locator("svg#decode-heatmap")).to_have_attribute("data-rows", "0")
    page.get_by_text("Instant stepping (in the browser)").click()
    frame = page.frame_locator(FRAME)
    heatmap = frame.locator("#fs-heatmap")
    expect(heatmap).to_have_attribute("data-rows", "0")
    rows = frame.locator("#fs-heatmap g[data-row]:visible")
    expect(rows).to_have_count(0)

    step = frame.get_by_role("button", name="Step forward")
    for shown in (1, 2, 3):
        step.click()
        expect(heatmap).to_have_attribute("data-rows", str(shown))
        expect(rows).to_have_count(shown)
        expect(frame.locator(f'#fs-heatmap g[data-row="{shown - 1}"] rect')).to_have_count(len(SENTENCE) + 1)
    frame.get_by_role("button", name="Back one step").click()
    expect(heatmap).to_have_attribute("data-rows", "2")
    expect(rows).to_have_count(2)
    expect(frame.locator("#fs-status")).to_contain_text("Step 2 of")

    # The sentence is shown as typed, and nothing of it became an element or ran.
    expect(frame.locator("#fs-source")).to_have_text(f"source: {SENTENCE}")
    expect(frame.locator("img")).to_have_count(0)
    expect(page.locator("img[src=x]")).to_have_count(0)
    assert dialogs == []
