"""Presentation mode in Chromium: a Step (the button, → or PageDown) taken while "Decoding
settings" is open leaves the Decode heatmap as large as it was before the step, at 1280×720 and
1920×1080: its width and its labels' type size, right after the step's rerun and a second later.

The open expander pushes the heatmap down the page, out of the frame; the fit to the screen
(explorer.figures.svg_heatmap, heatmap_draw.js's fitScreen) measures the heatmap's top edge as if the
settings above it were folded, so a step's redraw does not shrink it to the smallest type.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import page_clock
from tests.e2e.test_presentation_browser import SCRIPT_DONE, SENTENCE, SIZES, WAIT_MS, present
from tests.quick import first_quick

SVG = "svg#decode-heatmap"
# The heatmap's drawn width, its column labels' type size and the width of the room it is drawn in (the
# component's element: the heatmap takes all of it, explorer/ui/decode/stepper.js).
GEOMETRY = f"""() => {{
  const svg = document.querySelector('{SVG}');
  const label = svg && svg.querySelector('text.col');
  const room = svg && svg.closest('.ae-heatmap') && svg.closest('.ae-heatmap').parentElement;
  return svg && label && room
    ? [svg.getBoundingClientRect().width, parseFloat(getComputedStyle(label).fontSize), room.clientWidth]
    : null;
}}"""
# task -> (task, sentence; None: the task's own first example)
CASES = {
    "en-fr": ("en-fr", SENTENCE),
    "zh-en": ("zh-en", None),
}
# Every way to Step in turn (mouse, the → and PageDown keys a clicker sends), on both tasks' sentences.
SEQUENCES = {"all": ("mouse", "ArrowRight", "PageDown", "mouse")}
RUNS = [("en-fr", "all"), ("zh-en", "all")]


# True once the geometry has stayed the same for 20 animation frames in a row (the fit looks again after a
# draw, later on a busy machine): what the page shows has settled, however long that took.
SETTLED = f"""() => {{
  const key = JSON.stringify(({GEOMETRY})());
  window.__aeStable = window.__aeGeometry === key ? (window.__aeStable || 0) + 1 : 0;
  window.__aeGeometry = key;
  return key !== "null" && window.__aeStable >= 20;
}}"""


def geometry(page: Page) -> list[float]:
    found = page.evaluate(GEOMETRY)
    assert found, "no heatmap"
    return found


def settled(page: Page) -> list[float]:
    """The geometry once it has stopped moving (SETTLED)."""
    page.evaluate("() => { window.__aeGeometry = undefined; window.__aeStable = 0; }")
    page.wait_for_function(SETTLED, polling="raf", timeout=WAIT_MS)
    return geometry(page)


def assert_same(before: list[float], after: list[float], what: str) -> None:
    (width0, font0, room0), (width1, font1, room1) = before, after
    # The heatmap keeps taking the width of its room (which may move by a scrollbar's when the open
    # settings make the page scroll, or as Streamlit lays the page out again); the type may not move.
    assert abs((room1 - width1) - (room0 - width0)) <= 16 and abs(font1 - font0) <= 0.5, (what, before, after)
    assert abs(room1 - room0) <= 64, ("the page's column changed width", what, before, after)


def press_step(page: Page, how: str) -> None:
    if how == "mouse":
        page.get_by_role("button", name="Step", exact=True).click()
    else:
        page.evaluate("document.activeElement && document.activeElement.blur()")  # the keys act off the fields
        page.keyboard.press(how)


@pytest.fixture
def page(page: Page, streamlit_server: str) -> Page:
    page.base_url = streamlit_server  # read by present()
    return page


@pytest.mark.diagonal  # the default run: every value once (tests/conftest.py); the whole grid: slow
@pytest.mark.parametrize(("case", "ways"), RUNS)
@pytest.mark.parametrize("size", SIZES)
def test_a_step_with_the_settings_open_keeps_the_heatmap_size(page: Page, size: str, case: str, ways: str) -> None:
    task, sentence = CASES[case]
    query = {"task": task, "step": "0", **({"scorer": "general", "sentence": sentence} if sentence else {})}
    present(page, "Decode", size, **query)
    page.wait_for_function(f"() => document.querySelector('{SVG}')?.getAttribute('data-rows') === '0'", timeout=WAIT_MS)
    closed = settled(page)  # the fit looks again 300 ms after a draw
    assert closed[1] >= (18 if size == "1920x1080" else 11), closed  # the fit's type for the screen
    page.get_by_text("Decoding settings", exact=True).click()  # open it
    expect(page.locator("[data-testid=stExpander] details[open]")).to_have_count(1, timeout=WAIT_MS)
    before = settled(page)
    assert_same(closed, before, "opened")
    step = 0
    for how in SEQUENCES[ways]:
        press_step(page, how)
        step += 1
        expect(page).to_have_url(re.compile(rf"step={step}&"), timeout=WAIT_MS)
        page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
        # The step's rerun has drawn the heatmap afresh, with `step` rows.
        page.wait_for_function(
            f"() => document.querySelector('{SVG}')?.getAttribute('data-rows') === '{step}'", timeout=WAIT_MS
        )
        assert_same(before, geometry(page), (how, step, "at once"))
        # the fit looks again 300 ms after a draw: once the page is still (20 frames), it has
        assert_same(before, settled(page), (how, step, "once still"))
    expect(page.locator("[data-testid=stExpander] details[open]")).to_have_count(1)  # still open throughout
    expect(page.locator(".stException")).to_have_count(0)


@pytest.mark.parametrize("size", first_quick(SIZES))
def test_quick_steps_with_the_settings_open_keep_the_heatmap_size(page: Page, size: str) -> None:
    """Steps in quick succession (each before the last one's rerun is over): the size still stays."""
    present(page, "Decode", size, task="en-fr", scorer="general", sentence=SENTENCE, step="2")
    page.wait_for_function(f"() => document.querySelector('{SVG}')?.getAttribute('data-rows') === '2'", timeout=WAIT_MS)
    page.get_by_text("Decoding settings", exact=True).click()
    expect(page.locator("[data-testid=stExpander] details[open]")).to_have_count(1, timeout=WAIT_MS)
    before = settled(page)
    for how in ("mouse", "ArrowRight", "PageDown", "mouse"):
        asked = page_clock.asked(page)
        press_step(page, how)
        page.wait_for_function(f"window.__aeAsked > {asked}", timeout=WAIT_MS)  # taken: its step is asked for
    page.wait_for_function(f"() => document.querySelector('{SVG}')?.getAttribute('data-rows') !== '2'", timeout=WAIT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    assert_same(before, settled(page), "after quick steps")
    page_clock.answered(page)  # every step's run has ended (none still on its way)
    assert_same(before, settled(page), "every run over")
    expect(page.locator(".stException")).to_have_count(0)
