"""A phone's first screen, in real Chromium at 390×844 (explorer.ui.shell.layout.COMPACT_CSS):

- Every page's title starts below Streamlit's fixed header (opaque at 768 px and narrower), on Home and Decode.
- Home's class-code box and its Join button, a student's way in, lie inside the first screen on a fresh load, in
  English and in Chinese, above the live example; on a laptop (1366×768) the class's box stays the third of the
  ways in, in their row under the live example.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from explorer.ui.shell import layout
from tests.e2e.test_class_browser import WAIT_MS
from tests.e2e.test_pages_browser import SCRIPT_DONE
from tests.e2e.test_phone_question_browser import PHONE, words

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
HEADER, TITLE, HEATMAP = "[data-testid='stHeader']", "[data-testid='stMain'] h1", "svg#decode-heatmap"
WAYS_BOX = f".st-key-{layout.HOME_WAYS} [data-testid='stColumn']"


def _open(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.locator(TITLE)).to_be_visible(timeout=WAIT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)


def _title_below_header(page: Page) -> None:
    header, title = page.locator(HEADER).bounding_box(), page.locator(TITLE).bounding_box()
    assert header["height"] > 0 and title["y"] >= header["y"] + header["height"], (header, title)


def _ways(page: Page, lang: str) -> tuple[dict, dict, dict]:
    """The class-code box, the Join button and the bordered box of the first way in (the lesson's)."""
    code = page.get_by_label(words(lang, "Class code"), exact=True)
    button = page.get_by_role("button", name=words(lang, "Join a class"), exact=True)
    expect(code).to_be_visible(timeout=WAIT_MS)
    expect(button).to_be_visible(timeout=WAIT_MS)
    if page.viewport_size["width"] <= layout.PHONE_MAX_PX:  # laid out once the page's style is drawn (a moment
        # after the script's run ends on a busy machine: the box was read at y 1,347 of 844 once, then moved up)
        expect(code).to_be_in_viewport(ratio=1, timeout=WAIT_MS)
        expect(button).to_be_in_viewport(ratio=1, timeout=WAIT_MS)
    lesson = page.locator(WAYS_BOX).filter(has=page.get_by_role("link", name=words(lang, "Take a guided lesson")))
    return code.bounding_box(), button.bounding_box(), lesson.bounding_box()


def _bottom(box: dict) -> float:
    return box["y"] + box["height"]


def test_a_phone_sees_the_title_whole_and_the_class_code_box_on_its_first_screen(browser: Browser, streamlit_server):
    phone = browser.new_context(**PHONE).new_page()
    for lang in ("en", "zh"):
        _open(phone, f"{streamlit_server}/?lang={lang}")
        _title_below_header(phone)
        code, button, lesson = _ways(phone, lang)
        assert phone.evaluate("window.scrollY") == 0
        for box in (code, button):  # inside the first screen, below the title
            assert phone.locator(TITLE).bounding_box()["y"] < box["y"] and _bottom(box) <= 844, (lang, box)
            assert 0 <= box["x"] and box["x"] + box["width"] <= 390, (lang, box)
        heatmap = phone.locator(HEATMAP).bounding_box()
        assert _bottom(button) <= heatmap["y"] < lesson["y"], (button, heatmap, lesson)  # the class first
    _open(phone, f"{streamlit_server}/Decode?task=reverse&scorer=general&sentence=abc")
    _title_below_header(phone)
    expect(phone.locator(".stException")).to_have_count(0)
    phone.context.close()


def test_a_laptop_keeps_the_ways_in_side_by_side_under_the_live_example(browser: Browser, streamlit_server):
    laptop = browser.new_context(**LAPTOP).new_page()
    _open(laptop, streamlit_server)
    code, button, lesson = _ways(laptop, "en")
    heatmap = laptop.locator(HEATMAP).bounding_box()
    assert _bottom(heatmap) <= lesson["y"] < code["y"] and _bottom(code) <= _bottom(lesson), (heatmap, lesson, code)
    assert lesson["x"] + lesson["width"] <= code["x"] and button["x"] >= code["x"] + code["width"]  # one row
    assert laptop.locator(TITLE).bounding_box()["y"] < laptop.locator(HEADER).bounding_box()["height"]  # as before
    laptop.context.close()
