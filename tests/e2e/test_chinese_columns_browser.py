"""A long Chinese sentence on a projector (issue 62): 28 characters on Decode in presentation mode at 1366×768
show every column of the heatmap inside the frame, at whatever type they fit (the type said under the colour bar
when smaller)."""

from __future__ import annotations

import os
import re

from playwright.sync_api import Page, expect

from explorer.figures.svg_heatmap import FIT_MIN_FONT
from tests.e2e import page_clock
from tests.e2e.test_presentation_browser import WAIT_MS, present

SENTENCE = "我们今天下午在学校的图书馆里一起读了一本很有意思的新书。"  # 27 characters and the full stop
# Each column label's box (the heatmap's <text> for a source token) against the window and the heatmap's own clip.
COLUMNS = """() => {
  const svg = document.querySelector('svg#decode-heatmap');
  const frame = svg.parentElement.getBoundingClientRect();
  const labels = [...svg.querySelectorAll('text.col')];
  return {count: labels.length, width: window.innerWidth, frameRight: frame.right,
          rights: labels.map(t => t.getBoundingClientRect().right)};
}"""


def test_a_28_character_chinese_sentence_shows_all_its_columns(page: Page, streamlit_server: str) -> None:
    assert len(SENTENCE) == 28
    page.base_url = streamlit_server
    query = {"task": "zh-en", "scorer": "concat", "sentence": SENTENCE, "step": "3", "lang": "zh"}
    present(page, "Decode", "1366x768", toggle="演示模式", **query)
    expect(page.locator("svg#decode-heatmap")).to_be_visible(timeout=WAIT_MS)
    page_clock.quiet(page)
    shown = page.evaluate(COLUMNS)
    assert shown["count"] >= 28, shown["count"]  # one label per source token (</s> too)
    right = min(shown["width"], shown["frameRight"])
    cut = [i for i, r in enumerate(shown["rights"]) if r > right + 1]
    assert cut == [], f"columns {cut} of {shown['count']} past {right:.0f} px"
    sizes = page.locator("svg#decode-heatmap text.col").evaluate_all(
        "ts => ts.map(t => parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize))"
    )
    assert min(sizes) >= FIT_MIN_FONT, sizes
    expect(page.get_by_text(re.compile("29"))).not_to_have_count(0)  # the smaller type said under the colour bar
    if os.environ.get("SHOT"):
        page.screenshot(path=os.environ["SHOT"])
