"""The Lab's τ table at 1400×1000 in Chromium: its last column, Jain & Wallace's numbers, is drawn whole.

The data grid draws on a canvas, so the test reads pixels: a text cut off by the grid's right edge leaves
dark pixels right against it, a text drawn whole leaves the column's padding blank."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

LAB = "{base}/Lab?task=dates&scorer=general&sentence=9+may+2018&step=3&view=step&lang={lang}"
EDGE_PX = 10  # the strip inside the grid's right border where no text may be
# True once the grid's canvas holds text (dark pixels): the data grid paints its cells in one go, on a frame
# after it is attached, so a screenshot taken before would be blank and prove nothing.
PAINTED = """grid => {
  const canvas = grid.querySelector('canvas[data-testid=data-grid-canvas]');
  if (!canvas || !canvas.width || !canvas.height) return false;
  const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && px[i] < 110) return true;
  return false;
}"""


def ink_at_right_edge(png: bytes) -> list[tuple[int, int]]:
    """Dark pixels (text) in the EDGE_PX strip inside the right border of a screenshot of the grid."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    return [
        (x, y)
        for x in range(width - EDGE_PX, width - 2)  # the border itself is the last pixels
        for y in range(2, height - 2)
        if image.getpixel((x, y)) < 110
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_paper_column_is_not_cut_off(page: Page, streamlit_server: str, lang: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(LAB.format(base=streamlit_server, lang=lang))
    grid = page.locator("[data-testid=stDataFrame]").first
    expect(grid).to_be_visible(timeout=60_000)
    expect(page.locator("[data-test-script-state='notRunning']")).to_have_count(1, timeout=60_000)
    grid.scroll_into_view_if_needed()
    page.wait_for_function(PAINTED, arg=grid.element_handle(), timeout=30_000)  # its text is painted
    box = grid.bounding_box()
    assert box and box["x"] + box["width"] <= 1400, box
    assert ink_at_right_edge(grid.screenshot()) == []
