"""The Chinese interface in a real browser: Decode with ``lang=zh`` stepped three times, and the Chinese labels
of the Decode heatmap drawn inside its area with real glyphs (Debian's fonts-noto-cjk, installed by
scripts/install_chromium.sh). Every page in Chinese is checked for exceptions and console errors on
test_axe_browser's visit of it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image, ImageChops
from playwright.sync_api import Page, expect

from explorer import i18n
from explorer.i18n import _
from tests.e2e.test_decode_browser import HEATMAP_ROWS
from tests.e2e.test_pages_browser import SCRIPT_DONE

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-results"
# Every text of the Decode heatmap that has a CJK character, with its box on the screen.
CJK_TEXTS = """() => [...document.querySelectorAll('svg#decode-heatmap text')].filter(
  t => /[\\u4e00-\\u9fff]/.test(t.textContent) && t.getBBox().width > 0).map(t => {
  const r = t.getBoundingClientRect();
  // a row label is one text node, a column label two lines (tspans: number, token): joined by a space
  const parts = [...t.childNodes].filter(n => n.nodeName !== 'title').map(n => n.textContent);
  return {text: parts.join(' '),
          left: r.left, right: r.right, top: r.top, bottom: r.bottom};
})"""
SVG_BOX = """() => { const r = document.querySelector('svg#decode-heatmap').getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }"""


def zh(message: str) -> str:
    with i18n.using("zh"):
        return _(message)


def rows(page: Page, n: int) -> None:
    page.wait_for_function(f"({HEATMAP_ROWS})() === {n}", timeout=30_000)


def test_decode_in_chinese_steps_three_times_and_draws_chinese_inside_the_heatmap(page: Page, streamlit_server):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{streamlit_server}/Decode?task=zh-en&scorer=concat&lang=zh")
    expect(page.get_by_role("heading", name=zh("Decode, step by step"), exact=True)).to_be_visible(timeout=30_000)
    source = page.get_by_label(zh("Source sentence"))
    source.fill("我爱你。")
    source.press("Enter")
    expect(page).to_have_url(re.compile(r"sentence=%E6%88%91%E7%88%B1%E4%BD%A0"), timeout=30_000)
    assert "lang=zh" in page.url
    rows(page, 0)
    step = page.get_by_role("button", name="单步", exact=True)  # the word for Step
    for n in (1, 2, 3):
        step.click()
        rows(page, n)
        page.locator(SCRIPT_DONE).wait_for(timeout=30_000)
    expect(page.locator(".stException")).to_have_count(0)

    box = page.evaluate(SVG_BOX)
    texts = page.evaluate(CJK_TEXTS)
    characters = [t for t in texts if t["text"] in ("01 我", "02 爱", "03 你")]
    assert [t["text"] for t in characters] == ["01 我", "02 爱", "03 你"], texts
    for text in texts:  # every Chinese label lies inside the heatmap's area
        assert box["left"] - 0.5 <= text["left"] and text["right"] <= box["right"] + 0.5, (text, box)
        assert box["top"] - 0.5 <= text["top"] and text["bottom"] <= box["bottom"] + 0.5, (text, box)
    for left, right in zip(characters, characters[1:], strict=False):  # neighbours do not overlap
        assert left["right"] <= right["left"] + 0.5, (left, right)

    # The screenshot shows glyphs, not the empty boxes Chromium draws without a CJK font: the crops of
    # 我 and 爱 differ from each other and from blank paper.
    SHOTS.mkdir(exist_ok=True)
    shot = page.screenshot(full_page=False)
    (SHOTS / "decode-zh.png").write_bytes(shot)
    image = Image.open(io.BytesIO(shot)).convert("L")
    scale = image.width / page.viewport_size["width"]

    def glyph(label: dict) -> Image.Image:
        right = label["right"] * scale
        size = (label["bottom"] - label["top"]) * scale  # the last character: about one em wide
        crop = image.crop((int(right - size), int(label["top"] * scale), int(right), int(label["bottom"] * scale)))
        return crop.resize((24, 24))

    me, love = glyph(characters[0]), glyph(characters[1])
    assert ImageChops.difference(me, love).getbbox() is not None, "我 and 爱 are drawn alike (no CJK font?)"
    for crop in (me, love):
        low, high = crop.getextrema()
        assert high - low > 80, "a Chinese label is blank"
