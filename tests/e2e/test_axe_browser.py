"""Every page, in English and in Chinese, showing its main content, has no serious or critical
WCAG 2.1 A/AA violation that axe-core finds (tests/e2e/axe.py), shows its title in the page's language, and
has no exception on the page and no error in the browser console.

One server and one browser page for them all: each test opens its URL in the same tab, waits for the
script to finish, then runs axe (about a second a page). The page checks ride on the same visit: they were
two more visits of every page, one per language (test_pages_browser, test_chinese_browser).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from explorer import i18n
from explorer.ui.decode import sections as decode_sections
from tests.e2e import axe, page_clock
from tests.e2e.test_pages_browser import PAGES as TITLES
from tests.i18n_fixtures import CJK
from tests.quick import first_quick

SCRIPT_DONE = "[data-test-script-state='notRunning']"
SENTENCE = {"task": "dates", "scorer": "general", "sentence": "9 may 2018"}
# Each page with the query that makes it show its main content (a sentence decoded, a lesson's step …).
PAGES = {
    "": {},
    "Decode": {"task": "zh-en", "scorer": "concat", "sentence": "我爱你。", "step": "2"},
    "Compare": {"task": "reverse", "sentence": "hello world"},
    "Hidden_states": {**SENTENCE, "step": "3"},
    "Beam_search": {**SENTENCE, "beam": "3"},
    "Models": {},
    "Train": {},
    "Timelapse": {"task": "dates"},
    "Lessons": {"lesson": "1-why-attention", "at": "1"},
    "Lab": {**SENTENCE, "step": "3", "view": "step"},
}
LANGUAGES = ("en", "zh")


def page_url(base: str, path: str, lang: str) -> str:
    """The page's URL with its main-content query, in `lang`."""
    query = {**PAGES[path], "lang": lang}
    return f"{base}/{path}?{urllib.parse.urlencode(query)}"


@pytest.fixture(scope="module")
def tab(browser: Browser) -> Iterator[Page]:
    """One tab for every page: a new context per page would cost a Streamlit session start each. Its console's
    errors and the page's uncaught errors are kept in `tab.errors` (each test empties it first)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.errors, page.probe = [], None

    def on_console(message) -> None:
        # Opened directly at a page's own URL, Streamlit's frontend first probes <page>/_stcore/health
        # and host-config, gets 404s, then uses the root (streamlit/streamlit#7074): not this app's.
        probe = page.probe  # the page's own <page>/_stcore/, set by the test before it opens the page
        if message.type == "error" and not (probe and message.location.get("url", "").startswith(probe)):
            page.errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page_clock.watch(page)
    yield page
    context.close()


def settle(page: Page) -> None:
    """Wait until the page's script has finished and late components have drawn."""
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    expect(page.locator(".stSpinner")).to_have_count(0, timeout=60_000)
    page_clock.quiet(page)  # components (the heatmap, the bars) draw just after the run ends: until all is still
    # Elements of a run being replaced are dimmed (data-stale): their contrast is not the page's.
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=60_000)


@pytest.mark.diagonal  # the default run: every value once (tests/conftest.py); the whole grid: slow
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", list(PAGES))
def test_no_serious_accessibility_violation(tab: Page, streamlit_server: str, path: str, lang: str) -> None:
    tab.errors.clear()
    tab.probe = f"{streamlit_server}/{path}/_stcore/" if path else None
    tab.goto(page_url(streamlit_server, path, lang))
    settle(tab)
    heading = tab.locator("[data-testid=stMain] h1").first
    expect(heading).to_be_visible()
    title = heading.inner_text().strip()
    if path != "Lessons":  # a lesson's step opens on the step's own page, under that page's title
        assert title == zh_or_en(lang, TITLES[path]), (path, lang, title)
    assert lang == "en" or CJK.search(title), title  # the Chinese page's title is Chinese
    expect(tab.locator(".stException")).to_have_count(0)
    assert tab.errors == [], f"/{path} in {lang}"
    found = axe.blocking(axe.violations(tab))
    assert not found, f"/{path} in {lang}: axe found\n{axe.report(found)}"


def zh_or_en(lang: str, message: str) -> str:
    """`message` as the page shows it in `lang`."""
    with i18n.using(lang):
        return i18n._(message)


@pytest.mark.parametrize("lang", first_quick(LANGUAGES))  # each language's pages: the diagonal above
def test_decode_with_everything_open_has_no_serious_violation(page: Page, streamlit_server: str, lang: str) -> None:
    """What the main view leaves folded: the table view, each tab below the heatmap, a class's panels
    (in a tab of its own: a tab keeps the class it teaches across reloads)."""
    tab = page
    tab.goto(page_url(streamlit_server, "Decode", lang))
    settle(tab)
    tab.get_by_text(zh_or_en(lang, "Attention as a table"), exact=True).click()
    tab.get_by_role("button", name=zh_or_en(lang, "Start a class")).click()
    settle(tab)
    close = tab.get_by_role("dialog").get_by_role("button", name="Close")
    if close.count():
        close.click()
    found = []
    for name in decode_sections.TABS.values():
        tab.get_by_role("tab", name=zh_or_en(lang, name), exact=True).click()
        settle(tab)
        found += [{**v, "help": f"[{name}] {v['help']}"} for v in axe.blocking(axe.violations(tab))]
    expect(tab.locator(".stException")).to_have_count(0)
    assert not found, f"Decode in {lang}: axe found\n{axe.report(found)}"
