"""The keys a lecture needs (issue 62), in a real browser on the shipped models: in a lesson taught to a class
and projected at 1366×768, the clicker's PageDown and PageUp move the lesson on every step's page, Decode's
too, where the arrows step the decode; PageDown through the whole lesson never scrolls the page; Space plays
and pauses after a click on Step or Reset."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from explorer.lessons import catalog
from tests.e2e import page_clock
from tests.e2e.test_keys_browser import SCROLLED

WAIT_MS = 30_000
SCRIPT_DONE = "[data-test-script-state='notRunning']"
LESSON = catalog()[0]["1-why-attention"]  # steps 1–4 on Decode, step 5 on Compare
# The lesson's keys: on Decode the clicker's two (the stepper keeps the arrows), elsewhere four (→ ← too).
BOUND = {"decode": ".ae-keys[data-bound='2']", "compare": ".ae-keys[data-bound='4']"}
STEPPER = ".ae-stepper"


def _at(page: Page, index: int) -> None:
    """The lesson shows step `index` (0-based) on its page, its keys bound, the page done and still."""
    step = LESSON.steps[index]
    expect(page).to_have_url(re.compile(rf"lesson={LESSON.id}&at={index + 1}$"), timeout=WAIT_MS)
    panel = page.locator(".st-key-lesson_dock")
    expect(panel.get_by_role("heading", name=step.title)).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(BOUND[step.page])).to_be_attached(timeout=WAIT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    page_clock.quiet(page)


def _playing(page: Page, playing: bool) -> None:
    expect(page.locator(STEPPER)).to_have_attribute("data-playing", "true" if playing else "false", timeout=WAIT_MS)


def test_a_clicker_moves_a_taught_lesson_on_every_page_and_space_plays(page: Page, streamlit_server: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Lessons?lesson={LESSON.id}&at=1")
    _at(page, 0)
    page.get_by_role("button", name="Start a class").click()  # a class: its questions do not wait for an answer
    expect(page.locator(".st-key-class_teacher_bar")).to_be_visible(timeout=WAIT_MS)
    page.get_by_text("Presentation mode", exact=True).click()
    expect(page.locator("[data-testid=stMain] h1").first).to_have_css("font-size", "35.2px", timeout=WAIT_MS)
    _at(page, 0)

    # On a Decode step the arrows step the decode and the lesson stays; Space plays and pauses after a click on
    # Step or Reset (the focus on the button pressed).
    step = int(page.locator(STEPPER).get_attribute("data-step"))
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    expect(page.locator(STEPPER)).to_have_attribute("data-step", str(step + 1), timeout=WAIT_MS)
    expect(page).to_have_url(re.compile(rf"lesson={LESSON.id}&at=1$"))
    for button in ("Step", "Reset"):
        page.locator(STEPPER).get_by_role("button", name=button, exact=True).click()
        page.keyboard.press(" ")
        _playing(page, True)
        page.keyboard.press(" ")
        _playing(page, False)
    _at(page, 0)

    # PageDown through the whole lesson: each press one step, on Decode and on Compare, and the page never
    # scrolls; at the last step a clicker's extra PageDown does nothing; PageUp comes back.
    for index in range(1, len(LESSON.steps)):
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.keyboard.press("PageDown")
        _at(page, index)
        assert page.evaluate(SCROLLED) == 0, f"step {index + 1} scrolled"
    url = page.url
    page.keyboard.press("PageDown")
    page.keyboard.press(" ")
    page_clock.quiet(page)
    assert page.url == url and page.evaluate(SCROLLED) == 0  # the end: nothing moves, nothing scrolls
    page.keyboard.press("PageUp")
    _at(page, len(LESSON.steps) - 2)
    expect(page.locator(".stException")).to_have_count(0)
