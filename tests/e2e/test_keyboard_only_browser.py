"""Keyboard only: Decode, a live class's panel and a lesson on its step's page worked with Tab, Shift+Tab, Enter and
Space (and the arrows a tab list takes, as every tab list does), each focused control showing its focus ring
(explorer.ui.shell.focus). No mouse click anywhere in these tests."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from explorer.ui.decode.stepper import ANNOUNCE_ID
from tests.e2e.test_decode_browser import server_shows
from tests.e2e.test_pages_browser import rows

SCRIPT_DONE = "[data-test-script-state='notRunning']"
MOST_PRESSES = 120  # more focusable elements than any of these pages has before its target
# The focused element, when the keyboard put it there, draws a ring of at least 2 px.
RING = """() => {
  const e = document.activeElement, s = e ? getComputedStyle(e) : null;
  return !!e && e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
}"""


def focus_on(page: Page, target: Locator, key: str = "Tab") -> None:
    """Press `key` until `target` (or an element inside it) has the focus, then check its focus ring."""
    expect(target).to_be_visible(timeout=30_000)
    for _ in range(MOST_PRESSES):
        page.keyboard.press(key)
        if target.evaluate("e => e === document.activeElement || e.contains(document.activeElement)"):
            assert page.evaluate(RING), f"no visible focus ring on {target}"
            return
    raise AssertionError(f"{key} never reached {target} in {MOST_PRESSES} presses")


def settled(page: Page) -> None:
    """The page's script has finished its run."""
    expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)


def test_decode_by_keyboard_example_step_back_table_and_a_tab(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general")
    settled(page)
    focus_on(page, page.get_by_role("combobox", name="Or pick an example"))
    page.keyboard.press("Enter")  # opens the list on its first example
    page.keyboard.press("Enter")  # picks it
    expect(page).to_have_url(re.compile(r"sentence=[^&]+"), timeout=30_000)
    rows(page, 0)

    step = page.get_by_role("button", name="Step", exact=True)
    focus_on(page, step)
    page.keyboard.press("Enter")
    server_shows(page, 1)
    settled(page)  # the rerun has ended: the button keeps the focus through it
    expect(step).to_be_focused(timeout=10_000)
    page.keyboard.press("Enter")  # (Space is Play/Pause anywhere on the stepper, as its legend says)
    server_shows(page, 2)
    expect(page.locator(f"#{ANNOUNCE_ID}")).to_contain_text("Step 2: ")
    back = page.get_by_role("button", name="Back", exact=True)
    focus_on(page, back)
    page.keyboard.press("Enter")
    server_shows(page, 1)
    focus_on(page, step, key="Shift+Tab")
    page.keyboard.press("Enter")
    server_shows(page, 2)

    focus_on(page, page.locator("summary", has_text="Attention as a table"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("stTable").locator("tbody tr")).to_have_count(2, timeout=30_000)

    focus_on(page, page.get_by_role("tab", name="Explain this cell"))
    page.keyboard.press("ArrowRight")  # a tab list's own keys move between its tabs
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="What if…")).to_have_attribute("aria-selected", "true", timeout=30_000)
    focus_on(page, page.get_by_role("button", name="Force it and decode on"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("What-if output")).to_be_visible(timeout=30_000)
    expect(page.locator(".stException")).to_have_count(0)


def test_start_a_class_and_lock_it_by_keyboard(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/Decode?task=dates&scorer=general&sentence=9+may+2018&step=1")
    settled(page)
    rows(page, 1)
    focus_on(page, page.get_by_role("button", name="Start a class"))
    page.keyboard.press("Enter")
    settled(page)
    close = page.get_by_role("dialog").get_by_role("button", name="Close")
    if close.count():  # the class's code opens in a dialog: closed from its own button
        focus_on(page, close)
        page.keyboard.press("Enter")
        expect(page.get_by_role("dialog")).to_have_count(0)
    focus_on(page, page.get_by_role("button", name="Lock", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Unlock", exact=True)).to_be_visible(timeout=30_000)
    expect(page.locator(".stException")).to_have_count(0)


def test_a_lesson_by_keyboard_next_step_and_an_answer(page: Page, streamlit_server: str) -> None:
    """Lesson 1 on its real pages (Decode), by keyboard: Next in the docked panel, the question's first
    option, Check, Next."""
    panel = page.locator(".st-key-lesson_dock")  # the lesson's docked panel on the step's page
    page.goto(f"{streamlit_server}/Lessons?lesson=1-why-attention&at=1")
    expect(page).to_have_url(re.compile(r"/Decode\?.*at=1$"), timeout=30_000)
    settled(page)
    focus_on(page, panel.get_by_role("button", name="Next", exact=True))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"at=2$"), timeout=30_000)
    settled(page)
    focus_on(page, panel.get_by_test_id("stRadio"))  # the question's first option
    page.keyboard.press("Space")
    check = panel.get_by_role("button", name="Check", exact=True)
    expect(check).to_be_enabled(timeout=30_000)
    focus_on(page, check)
    page.keyboard.press("Enter")
    next_button = panel.get_by_role("button", name="Next", exact=True)
    expect(next_button).to_be_enabled(timeout=30_000)
    focus_on(page, next_button)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"at=3$"), timeout=30_000)
    expect(page.locator(".stException")).to_have_count(0)
