"""Presentation mode survives a reload of the projector's tab (issue 62): the tab keeps it (sessionStorage,
explorer/ui/shell/presentation.js), never the URL, and another tab opens without it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e import page_clock
from tests.e2e.test_presentation_browser import WAIT_MS, present

FOLDED = (
    "() => { const s = document.querySelector('[data-testid=stSidebar]');"
    " return s && s.getBoundingClientRect().right <= 0; }"
)
ANSWER = "[data-presentation-memory]"


def _answer(page: Page) -> str:
    """What the tab's memory answered on this document's first run: "answered" (the mode was on) or "none"."""
    found = page.locator(ANSWER).first
    found.wait_for(state="attached", timeout=WAIT_MS)
    return found.get_attribute("data-presentation-memory")


def test_a_reload_keeps_presentation_mode_and_a_new_tab_does_not(page: Page, streamlit_server: str) -> None:
    page.base_url = streamlit_server
    present(page, "Decode", "1366x768", task="reverse", scorer="general", sentence="abcd")
    assert "present" not in page.url  # the mode is the tab's, not the link's
    page.reload()
    assert _answer(page) == "answered"
    page.wait_for_function(FOLDED, timeout=WAIT_MS)  # the answer's run turned it on: the sidebar folds away
    page_clock.quiet(page)
    type_px = "e => parseFloat(getComputedStyle(e).fontSize)"
    assert page.locator("[data-testid=stMain] p").first.evaluate(type_px) > 20  # large type: 1.35rem, not 1rem
    other = page.context.new_page()  # another tab: its own sessionStorage, the mode off
    other.goto(f"{streamlit_server}/Decode")
    assert _answer(other) == "none"
    other.close()


def test_a_teaching_tab_reloaded_on_a_lesson_link_stays_in_presentation_mode(browser, streamlit_server: str) -> None:
    """With a class and a phone following, the page's other components ask for runs of their own as it opens; one
    that carried the toggle as first drawn (off) turned the recalled mode off again about a second after the
    reload (issue 62's full lecture walk, at each next lesson's link). The mode stays on once the tab said it drew
    it (its write component's "written")."""
    from tests.e2e.test_lecture_frame_browser import _phone, _teacher

    lesson = "2b-scaling-positions-side-by-side"
    teacher, code = _teacher(browser, streamlit_server, "en", "1366x768", lesson)
    phone = _phone(browser, streamlit_server, code, "en")
    teacher.goto(f"{streamlit_server}/Lessons?lesson={lesson}&at=3&lang=en")  # the Compare step, a page reload
    expect(teacher.locator("[data-testid=stMain] h1").first).to_have_css("font-size", "35.2px", timeout=WAIT_MS)
    teacher.locator("[data-presentation-written]").wait_for(state="attached", timeout=WAIT_MS)
    page_clock.answered(teacher)  # every run asked for so far (the one that turned the mode off came among them)
    page_clock.quiet(teacher)
    assert teacher.locator("[data-testid=stMain] h1").first.evaluate("e => getComputedStyle(e).fontSize") == "35.2px"
    assert teacher.evaluate("sessionStorage.getItem('attention-explorer.presentation')") == "on"
    assert teacher.evaluate(FOLDED)
    for page in (teacher, phone):
        page.context.close()
