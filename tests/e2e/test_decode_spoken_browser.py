"""The Decode page's heatmap for a screen reader, in a real browser: each Step, Back and Reset said in an
aria-live region, in the page's own step numbers, from the model's attention row; and the matrix as a
table whose weights are the model's."""

from __future__ import annotations

import functools
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from explorer import i18n
from explorer.figures.common import position_labels
from explorer.ui.decode.stepper import ANNOUNCE_ID
from seq2seq.checkpoint import load_model
from seq2seq.decoded import DecodedSentence
from tests.e2e import page_clock
from tests.e2e.test_decode_browser import server_shows
from tests.e2e.test_pages_browser import rows
from tests.quick import first_quick

MODEL, SENTENCE = "zh-en/concat", "我爱你。"
URL = "/Decode?" + urllib.parse.urlencode({"task": "zh-en", "scorer": "concat", "sentence": SENTENCE, "step": 1})
TOLERANCE = 0.005  # the table writes 2 decimals


@functools.cache
def decoded() -> DecodedSentence:
    """The shipped model's greedy decode of the sentence, computed here, apart from the app."""
    return load_model(MODEL).greedy(SENTENCE).plain(MODEL)


def expected(step: int, lang: str) -> str:
    """What the region should say at `step` (1-based, as the page counts), written out from the model's row."""
    data = decoded()
    row = data.steps[step - 1].attention
    top = max(range(len(row)), key=row.__getitem__)
    token, source, weight = data.target_tokens[step - 1].lstrip("▁"), data.source_tokens[top], f"{row[top]:.2f}"
    if lang == "zh":
        return f"第 {step} 步：{token}，最关注 {source}（{weight}）"
    return f"Step {step}: {token} — looks most at {source} ({weight})"


def step_label(lang: str) -> str:
    with i18n.using(lang):
        return i18n._("Step")


@pytest.mark.parametrize("lang", first_quick(["en", "zh"]))
def test_each_step_is_said_from_the_models_row(page: Page, streamlit_server: str, lang: str) -> None:
    page_clock.watch(page)
    page.goto(f"{streamlit_server}{URL}&lang={lang}")
    rows(page, 1)
    region = page.locator(f"#{ANNOUNCE_ID}")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_text(expected(1, lang))
    page.get_by_role("button", name=step_label(lang), exact=True).click()
    expect(region).to_have_text(expected(2, lang))  # said as soon as the row is drawn
    if lang == "en":
        server_shows(page, 2)  # the page's own count agrees: "Step 2 of 5"
        page_clock.answered(page)  # every run the page asked for (the step's) has ended and is drawn
        expect(region).to_have_text(expected(2, lang))  # and the server's redraw keeps it
        assert expected(2, lang) == "Step 2: love — looks most at 爱 (0.91)"  # docs/pages/decode.md's, from the model
        page.get_by_role("button", name="Back", exact=True).click()
        expect(region).to_have_text(expected(1, lang))
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(region).to_have_text("Step 0: nothing produced yet")


def test_the_table_view_holds_the_models_attention(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}{URL.replace('step=1', 'step=4')}")
    rows(page, 4)
    page.get_by_text("Attention as a table", exact=True).click()
    table = page.get_by_test_id("stTable").locator("table")
    expect(table.locator("tbody tr")).to_have_count(4, timeout=30_000)
    data = decoded()
    headers = table.locator("thead th").all_inner_texts()
    assert headers[1:] == position_labels(data.source_tokens)  # as the heatmap labels its columns
    for t, tr in enumerate(table.locator("tbody tr").all()):
        assert tr.locator("th").inner_text() == position_labels(data.target_tokens)[t]
        shown = [float(x) for x in tr.locator("td").all_inner_texts()]
        model = data.steps[t].attention
        assert len(shown) == len(model)
        assert all(abs(a - b) <= TOLERANCE for a, b in zip(shown, model, strict=True)), (t, shown, model)
