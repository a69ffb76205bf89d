"""What a class sees (issue 54), in Chromium, both languages, one server for the whole file: every page
declares its language (<html lang>), has its title at one height, logs no 404 and no "None" in a table; a
Chinese page has none of Streamlit's or plotly's own English left; Chinese labels stand upright in the SVG
heatmap and in plotly's; no SentencePiece "▁" in Decode's default output; Tab lands on the scorer chosen.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from explorer import i18n
from explorer.i18n import _
from explorer.ui.shell.chrome import FOREIGN
from tests.e2e.test_decode_browser import HEATMAP_ROWS
from tests.e2e.test_pages_browser import PAGES, SCRIPT_DONE

COMPACT_TOP_APPLIED = (
    "() => getComputedStyle(document.querySelector('[data-testid=\"stMainBlockContainer\"]')).paddingTop === '40px'"
)
TITLE_TOP = "() => document.querySelector('[data-testid=\"stMain\"] h1').getBoundingClientRect().top"
# Every attribute or text a Chinese page still shows in one of FOREIGN's English strings.
LEFTOVERS = """(english) => {
  const found = [];
  for (const node of document.querySelectorAll('[data-title],[aria-label],[title],[placeholder]')) {
    for (const name of ['data-title', 'aria-label', 'title', 'placeholder']) {
      const value = node.getAttribute(name);
      if (value && english.includes(value)) found.push(name + '=' + value);
    }
  }
  const skip = document.querySelector('[data-testid="stSkipToContent"]');
  if (skip && english.includes(skip.textContent.trim())) found.push('skip link: ' + skip.textContent);
  return found;
}"""
# Each label with a CJK character in an SVG or plotly figure: its text, box, and its transform's rotation.
CJK_LABELS = """(selector) => [...document.querySelectorAll(selector)].map(t => [t, [...t.childNodes].filter(
  n => n.nodeName !== 'title').map(n => n.textContent).join(' ')]).filter(
  ([t, text]) => /[\\u3000-\\u9fff]/.test(text) && t.getBBox().width > 0).map(([t, text]) => {
  const r = t.getBoundingClientRect(), turns = [];
  for (let n = t; n && n.getAttribute; n = n.parentNode) {
    const m = /rotate\\(\\s*(-?[\\d.]+)/.exec(n.getAttribute('transform') || '');
    if (m && Math.abs(parseFloat(m[1])) > 0.01) turns.push(parseFloat(m[1]));
  }
  return {text: text, width: r.width, height: r.height, turns: turns,
          vertical: getComputedStyle(t).writingMode.startsWith('vertical')};
})"""


def words(lang: str, message: str) -> str:
    with i18n.using(lang):
        return _(message)


def opened(page: Page, url: str, heading: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=30_000)
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    expect(page.locator(".stException")).to_have_count(0)


def assert_upright(labels: list[dict], where: str) -> None:
    assert labels, f"{where}: no Chinese label found"
    for label in labels:  # never turned, never written top to bottom
        assert not label["turns"] and not label["vertical"], (where, label)


# The default run reads every page in Chinese (where English left in the page hides) and Home and Decode in English;
# the slow suites (`make test-slow`) read every page in both languages.
@pytest.mark.parametrize(
    "english", [("", "Decode"), pytest.param(tuple(PAGES), marks=pytest.mark.slow)], ids=["quick", "full"]
)
def test_every_page_in_both_languages_reads_as_a_class_sees_it(page: Page, streamlit_server: str, english):
    page.set_viewport_size({"width": 1366, "height": 768})
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    tops: dict[str, float] = {}
    for lang in ("en", "zh"):
        for path, title in PAGES.items():
            if lang == "en" and path not in english:
                continue
            missing.clear()
            opened(page, f"{streamlit_server}/{path}?lang={lang}", words(lang, title))
            where = f"/{path}?lang={lang}"
            page.wait_for_function(f"document.documentElement.lang === '{lang}'")  # set by explorer.ui.shell.chrome
            # the compact top (explorer.ui.shell.layout) in effect: a fresh tab draws its first run before the style
            page.wait_for_function(COMPACT_TOP_APPLIED)
            tops[where] = page.evaluate(TITLE_TOP)
            # Python's None nowhere in the page's text (the tables' cells are drawn on a canvas: their
            # placeholder "–" is checked in tests/test_table_placeholders.py)
            text = page.locator('[data-testid="stMain"]').inner_text()
            assert not re.search(r"\bNone\b", text), (where, re.search(r".{0,80}\bNone\b.{0,80}", text))
            if lang == "zh":
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stSkipToContent\"]') || "
                    "document.querySelector('[data-testid=\"stSkipToContent\"]').textContent !== "
                    "'Skip to main content'"
                )
                # chrome.js translates what Streamlit and plotly write in the frame after they write it (a plotly
                # chart draws its modebar after the run has ended): wait for that frame, then read what is left.
                with contextlib.suppress(PlaywrightTimeoutError):
                    page.wait_for_function(
                        f"(english) => ({LEFTOVERS})(english).length === 0", arg=list(FOREIGN), timeout=15_000
                    )
                assert page.evaluate(LEFTOVERS, list(FOREIGN)) == [], where
            assert missing == [], (where, missing)
    assert max(tops.values()) - min(tops.values()) <= 2, tops  # one header height on every page


def test_chinese_labels_stand_upright_in_every_heatmap(page: Page, streamlit_server: str):
    page.set_viewport_size({"width": 1366, "height": 768})
    sentence = quote("我爱你。")
    opened(page, f"{streamlit_server}/?lang=zh", words("zh", "Attention Explorer"))
    page.wait_for_function(f"({HEATMAP_ROWS})() >= 1", timeout=30_000)
    home = page.evaluate(CJK_LABELS, "svg#decode-heatmap text")
    assert_upright(home, "Home")
    assert {"01 我", "02 爱", "03 你", "04 。"} <= {label["text"] for label in home}, home  # number and token
    opened(page, f"{streamlit_server}/Compare?task=zh-en&sentence={sentence}&lang=zh", words("zh", "Compare scorers"))
    page.locator(".js-plotly-plot .xtick text").first.wait_for(timeout=30_000)
    assert_upright(page.evaluate(CJK_LABELS, ".js-plotly-plot .xtick text"), "Compare's column labels")
    assert_upright(page.evaluate(CJK_LABELS, ".js-plotly-plot .annotation-text"), "Compare's row title 目标")


def test_decodes_default_output_has_no_sentencepiece_marker_and_tab_lands_on_the_scorer(
    page: Page, streamlit_server: str
):
    page.set_viewport_size({"width": 1366, "height": 768})
    sentence = quote("I am tired.")  # step 2: the current step is the word-start piece "▁suis"
    url = f"{streamlit_server}/Decode?task=en-fr&scorer=general&sentence={sentence}&step=2&lang=en"
    opened(page, url, "Decode, step by step")
    page.wait_for_function(f"({HEATMAP_ROWS})() === 2", timeout=30_000)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "\u2581" not in main and "\u00b7suis" in main  # the word-start dot, explained in a caption
    svg = page.locator("svg#decode-heatmap").inner_html()
    assert "\u2581" not in svg.split("<title>")[0]
    for path, title in (
        ("Compare", "Compare scorers"),
        ("Beam_search", "Beam search"),
        ("Hidden_states", "Hidden states"),
    ):
        opened(page, f"{streamlit_server}/{path}?task=en-fr&scorer=general&sentence={sentence}&lang=en", title)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
        expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)  # the tables too (Hidden states')
        shown = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').textContent")
        assert "\u2581" not in shown, (path, shown[shown.index("\u2581") - 80 : shown.index("\u2581") + 80])
    opened(page, url, "Decode, step by step")
    # Tab from the stop before the scorer switch lands on the scorer chosen, not on its first option (none)
    switch = page.get_by_role("radiogroup", name="Attention scorer")  # Streamlit's segmented control
    expect(switch.get_by_role("radio", checked=True)).to_have_text("general")
    page.locator("html[data-ae-lands-on-choice]").wait_for(state="attached")  # explorer.ui.shell.chrome has mounted
    page.get_by_role("button", name="Help for Attention scorer").focus()  # the Tab stop before the switch
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "general"


# Select boxes whose value overflows the box (the browser cuts it): value and widths.
CUT_BOXES = """() => [...document.querySelectorAll('[data-testid="stSelectbox"] input[role="combobox"]')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => [e.value, e.scrollWidth, e.clientWidth])"""
# The width the text of an element needs (a Range over it: CSS's ellipsis does not shorten it) and the width
# of the widget that holds it.
NEEDS = """(e) => { const r = document.createRange(); r.selectNodeContents(e);
  const box = e.closest('[data-testid="stElementContainer"]') || e.parentElement;
  return [r.getBoundingClientRect().right, box.getBoundingClientRect().right]; }"""


def test_the_model_box_and_timelapses_play_label_are_whole(page: Page, streamlit_server: str):
    page.set_viewport_size({"width": 1366, "height": 768})
    for lang in ("en", "zh"):
        url = f"{streamlit_server}/Beam_search?task=reverse&scorer=general&sentence=abc&lang={lang}"
        opened(page, url, words(lang, "Beam search"))
        model = page.get_by_role("combobox", name=words(lang, "Model"), exact=True)
        expect(model).to_have_value(re.compile("reverse/general"))  # "reverse/general · GRU, shipped"
        assert page.evaluate(CUT_BOXES) == [], lang
        opened(page, f"{streamlit_server}/Timelapse?lang={lang}", words(lang, "Timelapse"))
        play = page.get_by_text(words(lang, "▶ Play every epoch"), exact=True)
        expect(play).to_be_visible()
        text_right, box_right = play.evaluate(NEEDS)
        assert text_right <= box_right + 0.5, (lang, text_right, box_right)
