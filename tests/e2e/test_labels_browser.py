"""Labels as a reader sees them in Chromium: Chinese column labels of the Decode heatmap stand upright
(written level, number over token: never turned, never stacked a character under the other, issue 54),
Latin ones are turned a quarter; neither overlaps its neighbour."""

from __future__ import annotations

from playwright.sync_api import Page, expect

# Each column label of the Decode heatmap: its text, how it is written, and its box on the screen.
COLUMNS = """() => [...document.querySelectorAll('svg#decode-heatmap text.col')].map(t => {
  const r = t.getBoundingClientRect(), s = getComputedStyle(t);
  const parts = [...t.childNodes].filter(n => n.nodeName !== 'title').map(n => n.textContent);
  return {text: parts.join(' '), lines: t.querySelectorAll('tspan').length, mode: s.writingMode,
          orientation: s.textOrientation,
          turned: (t.getAttribute('transform') || '').includes('rotate'),
          left: r.left, right: r.right, top: r.top, bottom: r.bottom};
})"""


def columns(page: Page, url: str) -> list[dict]:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url)
    expect(page.locator("svg#decode-heatmap text.col").first).to_be_attached(timeout=60_000)
    return page.evaluate(COLUMNS)


def test_chinese_column_labels_stand_upright(page: Page, streamlit_server: str) -> None:
    found = columns(page, f"{streamlit_server}/Decode?task=zh-en&scorer=general&sentence=我爱你。&step=2")
    chinese = [c for c in found if any("\u4e00" <= ch <= "\u9fff" for ch in c["text"])]
    assert [c["text"] for c in chinese] == ["01 我", "02 爱", "03 你"]
    for c in chinese:
        assert (c["mode"], c["turned"], c["lines"]) == ("horizontal-tb", False, 2), c  # level, in two lines
        assert c["bottom"] - c["top"] < 3 * (c["right"] - c["left"]), c  # not a column of stacked characters
    for a, b in zip(found, found[1:], strict=False):
        assert a["right"] <= b["left"] + 0.5, (a, b)  # side by side, never on top of each other


def test_latin_column_labels_are_turned(page: Page, streamlit_server: str) -> None:
    found = columns(page, f"{streamlit_server}/Decode?task=en-fr&scorer=general&sentence=I%20am%20tired.&step=2")
    assert found and all(c["turned"] and c["mode"] == "horizontal-tb" for c in found), found
    for a, b in zip(found, found[1:], strict=False):
        assert a["right"] <= b["left"] + 0.5, (a, b)
