"""The words view in a real browser: the Decode heatmap of an en-fr sentence drawn in words,
with each word's pieces and their own weights in the hover, and a Step that waits for the server's row."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_decode_browser import HEATMAP_ROWS, server_shows

SENTENCE = "The+teachers+were+unhappy."
LABELS = "nodes => nodes.map(n => n.firstChild.nodeValue)"  # a label's own text, without its <title>


def test_decode_draws_words_with_their_pieces_in_the_hover(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/Decode?task=en-fr&scorer=general&sentence={SENTENCE}&step=6&units=words")
    page.wait_for_function(f"({HEATMAP_ROWS})() === 4", timeout=30_000)  # Les professeurs étaient malheure
    columns = page.locator("svg#decode-heatmap text.col").evaluate_all(LABELS)
    assert columns == ["01 The", "02 teachers", "03 were", "04 unhappy", "05 .", "06 </s>"]
    label = page.locator('svg#decode-heatmap g[data-row="3"] > text title').text_content()
    assert label == "04 malheure\npieces: ▁mal + heure"
    tip = page.locator('svg#decode-heatmap g[data-row="3"] rect title').nth(1).text_content()
    assert re.fullmatch(
        r"target 04 malheure \u2190 source 02 teachers\nweight [01]\.\d{3}\n"
        r"source pieces: ▁teacher [01]\.\d{3} · s [01]\.\d{3}\ntarget pieces: ▁mal [01]\.\d{3} · heure [01]\.\d{3}",
        tip,
    ), tip
    # Step adds the piece "ux": the same row, now the whole word, drawn by the server's rerun
    page.get_by_role("button", name="Step", exact=True).click()
    server_shows(page, 7)
    # (the axis cuts the label at 12 columns, "04 malheure…"; its tooltip has it whole)
    title = """() => document.querySelector('svg#decode-heatmap g[data-row="3"] > text title').textContent"""
    page.wait_for_function(f"({title})() === '04 malheureux\\npieces: ▁mal + heure + ux'", timeout=30_000)
    page.wait_for_function(f"({HEATMAP_ROWS})() === 4")
    assert "units=words" in page.url
    expect(page.get_by_text("Words: a new word starts at a piece beginning with ▁", exact=False)).to_be_visible()
    expect(page.locator(".stException")).to_have_count(0)
