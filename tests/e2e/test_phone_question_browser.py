"""A question on a phone, in real Chromium: a teacher at a desktop, one student on a 390×844 touch screen and one
at a desktop.

- With the question open, every option of the phone's lies inside the first screen (no scrolling), the heatmap
  scaled down to make room (a sentence of 18 letters: at full size the options start below the screen).
- The prompt says "tap" on the touch screen and "click" at the desktop, in English and in Chinese.
- The phone's student answers, changes its answer before the reveal, and the teacher's revealed counts hold
  the changed answer only (the first no longer counted).
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from explorer import i18n
from explorer.i18n import _
from tests.e2e.test_class_browser import WAIT_MS, join, start_class, step
from tests.e2e.test_pages_browser import SCRIPT_DONE

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}
SENTENCE = "attention explorer"  # 18 letters and a space: 19 options, a heatmap of 19 rows
TAP = "Where will the next token look? (tap a source token)"
CLICK = "Where will the next token look? (click a source token)"
DESK = {"viewport": {"width": 1200, "height": 900}}
# The class's answers per option on the teacher's revealed chart (class_answers' trace "class's answers":
# its customdata are the counts), read from plotly's own record of the figure.
REVEALED_COUNTS = """() => {
  const plot = document.querySelector("[class*='st-key-class_reveal_'] .js-plotly-plot");
  return plot && plot.data ? plot.data.find(t => Array.isArray(t.customdata)).customdata : null;
}"""


def words(lang: str, message: str) -> str:
    """`message` in `lang`, from the catalog (explorer/locale/zh/LC_MESSAGES/messages.po)."""
    with i18n.using(lang):
        return _(message)


def _options(page: Page, lang: str):
    return page.get_by_role("radiogroup", name=words(lang, "Your answer")).get_by_role("radio")


def _join(browser: Browser, server: str, code: str, lang: str, context: dict) -> Page:
    if lang == "en":
        return join(browser, server, code, **context)
    page = browser.new_context(**context).new_page()
    page.goto(f"{server}/?room={code}&lang={lang}")
    live = words(lang, "Following the teacher of class {code} · live").format(code=code)
    expect(page.get_by_text(live)).to_be_visible(timeout=WAIT_MS)
    return page


def _ask(browser: Browser, server: str, lang: str) -> tuple[Page, Page, Page]:
    """A class on SENTENCE, a phone and a desktop student joined (in `lang`), a question asked at step 1."""
    teacher, code = start_class(browser, server, SENTENCE)
    phone, desk = _join(browser, server, code, lang, PHONE), _join(browser, server, code, lang, DESK)
    step(teacher, 1)
    teacher.get_by_role("button", name="Ask the class").click()  # "where it looks" by default
    for page in (phone, desk):
        expect(_options(page, lang).first).to_be_visible(timeout=WAIT_MS)
        page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    return teacher, phone, desk


def _prompts(phone: Page, desk: Page, lang: str) -> None:
    """The phone reads "tap", the desktop "click" (each has the other written but hidden)."""
    tap, click = words(lang, TAP), words(lang, CLICK)
    assert lang == "en" or (tap != TAP and click != CLICK)  # translated
    expect(phone.get_by_text(tap, exact=True)).to_be_visible()
    expect(phone.get_by_text(click, exact=True)).to_be_hidden()
    expect(desk.get_by_text(click, exact=True)).to_be_visible()
    expect(desk.get_by_text(tap, exact=True)).to_be_hidden()


def _closed(*pages: Page) -> None:
    for page in pages:
        expect(page.locator(".stException")).to_have_count(0)
        page.context.close()


def _inside_first_screen(phone: Page, lang: str) -> None:
    """Every option's box lies inside the phone's first screen, the page not scrolled."""
    options = _options(phone, lang)
    expect(options).to_have_count(len(SENTENCE) + 1)  # one per character, and </s>
    lowest = options.last.element_handle()  # the pills wrap downwards: the last is the lowest
    # the heatmap is fitted once the panel under it is drawn
    phone.wait_for_function("(last) => last.getBoundingClientRect().bottom <= innerHeight", arg=lowest, timeout=WAIT_MS)
    assert phone.evaluate("window.scrollY") == 0
    for i in range(options.count()):
        box = options.nth(i).bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 844, (i, box)
        assert 0 <= box["x"] and box["x"] + box["width"] <= 390, (i, box)
    heatmap = phone.locator("svg#decode-heatmap").bounding_box()
    assert heatmap["height"] < float(phone.locator("svg#decode-heatmap").get_attribute("height"))  # it shrank


def test_a_phone_sees_every_option_taps_and_changes_its_answer_before_the_reveal(browser: Browser, streamlit_server):
    teacher, phone, desk = _ask(browser, streamlit_server, "en")
    _prompts(phone, desk, "en")
    _inside_first_screen(phone, "en")

    first, second = _options(phone, "en").nth(0), _options(phone, "en").nth(1)
    first.tap()
    expect(phone.get_by_text(f"Your answer: {first.inner_text()}.", exact=False)).to_be_visible(timeout=WAIT_MS)
    phone.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    _options(desk, "en").nth(2).click()
    expect(teacher.get_by_text("Question 1: 2 answered")).to_be_visible(timeout=WAIT_MS)
    second.tap()  # a change of mind before the reveal
    expect(phone.get_by_text(f"Your answer: {second.inner_text()}.", exact=False)).to_be_visible(timeout=WAIT_MS)
    expect(second).to_have_attribute("aria-checked", "true")
    expect(first).to_have_attribute("aria-checked", "false")
    _inside_first_screen(phone, "en")  # the caption under the options did not push them out
    teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    expect(teacher.get_by_text("Question 1: 2 answered")).to_be_visible(timeout=WAIT_MS)  # still two, not three
    teacher.get_by_role("button", name="Reveal").click()
    teacher.wait_for_function(f"({REVEALED_COUNTS})() !== null", timeout=WAIT_MS)
    counts = teacher.evaluate(f"({REVEALED_COUNTS})()")
    assert counts == [0, 1, 1] + [0] * (len(SENTENCE) - 2), counts  # the phone's second answer, the desk's one
    expect(phone.get_by_text("of 2 answers were right.", exact=False)).to_be_visible(timeout=WAIT_MS)
    expect(_options(phone, "en")).to_have_count(0)  # revealed: nothing left to change
    _closed(teacher, phone, desk)


def test_the_prompt_says_tap_and_click_in_chinese(browser: Browser, streamlit_server):
    teacher, phone, desk = _ask(browser, streamlit_server, "zh")
    _prompts(phone, desk, "zh")
    _inside_first_screen(phone, "zh")
    _closed(teacher, phone, desk)
