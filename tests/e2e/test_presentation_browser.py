"""Presentation mode in a real browser at the two common projector sizes, on the shipped models:
each page's main figure(s) and controls in one frame, without scrolling.

Decode: a 12-token English→French sentence stepped to the end. The heatmap's bounding box lies
inside the viewport and spans at least 60% of the main area's width; the source sentence, the
output so far and Step, Back, Play and Reset are inside the viewport; the heatmap's labels are at
least 18 px at 1920×1080 (their computed style); the sidebar is collapsed. The other pages: their
main figure(s) and controls are inside the viewport. A lesson's step on its page (1366×768 and 1920×1080): the
docked panel's Check, Back and Next inside the frame, and the page's heatmap starting inside it below the panel.

One server for the file, one page per test; presentation mode is switched on with its sidebar toggle
(a new browser session starts with it off).
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from explorer.lessons import catalog, check, player
from explorer.state import keys
from explorer.ui.shell.presentation import LABEL
from tests.e2e import page_clock
from tests.e2e.test_decode_browser import HEATMAP_ROWS
from tests.quick import first_quick

SIZES = {"1920x1080": (1920, 1080), "1280x720": (1280, 720)}
SCRIPT_DONE = "[data-test-script-state='notRunning']"
WAIT_MS = 30_000
# 11 pieces and </s>: ▁My ▁brother ▁and ▁I ▁went ▁to ▁the ▁market ▁this ▁morning . </s>; the shipped
# en-fr/general model writes 13 target tokens for it ("Mon frère et moi sommes allés au marché ce matin.").
SENTENCE = "My brother and I went to the market this morning."
SOURCE_TOKENS, TARGET_TOKENS = 12, 13

# An element's box in the viewport's coordinates (the page is not scrolled: nothing is).
BOX = "e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }"


def box(page: Page, selector: str) -> list[float]:
    """The bounding box (left, top, right, bottom) of the one visible element `selector` matches."""
    found = page.locator(selector).locator("visible=true")
    expect(found).to_have_count(1, timeout=WAIT_MS)
    return found.evaluate(BOX)


def assert_in_view(page: Page, selector: str) -> list[float]:
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    left, top, right, bottom = box(page, selector)
    assert 0 <= left and 0 <= top and right <= width and bottom <= height, (selector, [left, top, right, bottom])
    return [left, top, right, bottom]


def present(page: Page, path: str, size: str, toggle: str = LABEL, **query: str) -> None:
    """Open `path` at `size` and switch presentation mode on (its toggle, named `toggle` in the page's
    language, is in the sidebar)."""
    page.set_viewport_size(dict(zip(("width", "height"), map(int, size.split("x")), strict=True)))
    page_clock.watch(page)
    page.goto(f"{page.base_url}/{path}?{urllib.parse.urlencode(query)}" if query else f"{page.base_url}/{path}")
    page_clock.answered(page)  # its one run (no class: the tab's memory asks for none)
    before = page_clock.runs(page)
    page.get_by_text(toggle, exact=True).click()
    # The sidebar folds away once the mode is on (st.set_page_config(initial_sidebar_state="collapsed")).
    page.wait_for_function(
        "() => { const s = document.querySelector('[data-testid=stSidebar]');"
        " return s && s.getBoundingClientRect().right <= 0; }",
        timeout=WAIT_MS,
    )
    page_clock.run_over(page, before)  # the toggle's run (it folded the sidebar) has ended
    kept(page)


KEPT = "html[data-presentation-kept=on]"  # the tab has kept the mode (explorer/ui/shell/presentation.js)


def kept(page: Page) -> None:
    """Wait until the tab keeps presentation mode: the large type is drawn by the run's CSS before the tab's
    script has loaded and written it, so a navigation right after the type grows could open without the mode."""
    page.locator(KEPT).wait_for(state="attached", timeout=WAIT_MS)


@pytest.fixture
def page(page: Page, streamlit_server: str) -> Page:
    page.base_url = streamlit_server  # read by present()
    return page


@pytest.mark.parametrize("size", first_quick(reversed(SIZES)))  # 1280×720 the default run's: the tighter frame
def test_decode_in_one_frame(page: Page, size: str) -> None:
    present(page, "Decode", size, task="en-fr", scorer="general", sentence=SENTENCE, step=str(TARGET_TOKENS - 2))
    for step in (TARGET_TOKENS - 1, TARGET_TOKENS):  # stepped to the end with the Step button
        page.get_by_role("button", name="Step", exact=True).click()
        expect(page).to_have_url(re.compile(rf"step={step}&"), timeout=WAIT_MS)
        expect(page.get_by_text(f"Step {step} of {TARGET_TOKENS}")).to_be_visible(timeout=WAIT_MS)
    page.wait_for_function(f"({HEATMAP_ROWS})() === {TARGET_TOKENS}", timeout=WAIT_MS)
    svg = "svg#decode-heatmap"
    assert page.locator(f"{svg} text.col").count() == SOURCE_TOKENS
    # Sized to the screen in the browser, a moment after it is drawn (explorer.figures.svg_heatmap): wait
    # for the frame to settle, then measure.
    page.wait_for_function(
        f"() => {{ const s = document.querySelector('{svg}'); return s && s.getBoundingClientRect().bottom"
        " <= window.innerHeight; }",
        timeout=WAIT_MS,
    )
    page_clock.quiet(page, 20)  # the fit looks again 300 ms after a draw: until the page is still
    left, _top, right, _bottom = assert_in_view(page, svg)
    main_left, _, main_right, _ = box(page, "[data-testid=stMain]")
    assert right - left >= 0.6 * (main_right - main_left), (right - left, main_right - main_left)
    assert_in_view(page, "[data-testid=stTextInput]:has(input[aria-label='Source sentence'])")
    output = page.locator(".ae-stepper-output").filter(has_text="·Mon ·frère")
    expect(output).to_have_count(1)
    assert_in_view(page, ".ae-stepper-output")
    for button in ("ae-step", "ae-back", "ae-play", "ae-reset"):  # the stepper's, beside its heatmap
        assert_in_view(page, f".ae-stepper .{button}")
    assert_in_view(page, "[data-testid=stExpander]:has-text('Decoding settings')")  # folded away, still at hand
    sizes = page.eval_on_selector_all(f"{svg} text", "ts => ts.map(t => parseFloat(getComputedStyle(t).fontSize))")
    assert len(sizes) == SOURCE_TOKENS + TARGET_TOKENS
    if size == "1920x1080":
        assert min(sizes) >= 18, sizes
    else:
        assert min(sizes) >= 11, sizes
    expect(page.locator(".stException")).to_have_count(0)


# Each page's controls and main figure(s) in presentation mode: path, query, control keys (or a
# selector), figure keys.
PAGES = {
    "Compare": (
        "Compare",
        {"task": "en-fr", "sentence": SENTENCE},
        ["compare_a", "compare_b"],  # Scorer A's and B's boxes (the page's own fields)
        ["cmp_pair_cmp_a", "cmp_pair_cmp_b"],  # two heatmaps side by side
    ),
    "Beam search": (
        "Beam_search",
        {"task": "en-fr", "scorer": "general", "sentence": SENTENCE},
        ["beam_width", "beam_hypothesis"],
        ["beam_tree", "beam_heatmap"],
    ),
    "Timelapse": (  # the first row of two: none (no heatmap: a note) and concat
        "Timelapse",
        {},
        ["timelapse_probe", "[data-testid=stSlider]"],  # the probe and the epoch slider
        ["tl_heatmap_1"],
    ),
    "Lab": (
        "Lab",
        {"task": "en-fr", "scorer": "general", "sentence": SENTENCE, "step": "2"},
        ["lab_step"],
        ["lab_rows"],
    ),
}


@pytest.mark.diagonal  # the default run: every value once (tests/conftest.py); the whole grid: slow
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_page_in_one_frame(page: Page, name: str, size: str) -> None:
    path, query, controls, figures = PAGES[name]
    present(page, path, size, **query)
    for key in figures:
        # plotly has drawn it (late in a long run the shared server is still busy with earlier sessions)
        page.locator(f".st-key-{key} .main-svg").first.wait_for(timeout=2 * WAIT_MS)
    page_clock.quiet(page)  # laid out: until the page is still
    for key in controls + figures:
        assert_in_view(page, key if key.startswith("[") else f".st-key-{key}")
    expect(page.locator(".stException")).to_have_count(0)


LESSON_SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}


@pytest.mark.parametrize("size", first_quick(LESSON_SIZES))  # both sizes walked by test_lecture_frame_browser
def test_a_lesson_step_and_its_page_start_in_one_frame(page: Page, size: str) -> None:
    """A lesson's step on its real page (lesson 4 step 2: an attention question on Decode, en-fr): the docked
    panel with its question, Check, Back and Next is inside the projected frame, a column at its right edge,
    and the page's own view (the heatmap) is inside it too, beside the panel (issue 62)."""
    lesson = catalog()[0]["4-attention-in-translation"]
    step = lesson.steps[1]
    view = check.step_view(step)
    _script, params = player.step_link(step, view)
    present(page, "Decode", size, **params, **player.link_params(lesson.id, 1))
    page.wait_for_function(f"({HEATMAP_ROWS})() === {view.step}", timeout=WAIT_MS)
    panel = ".st-key-lesson_dock"
    expect(page.locator(panel).get_by_role("heading", name=step.title)).to_be_visible(timeout=WAIT_MS)
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    for key in ("lesson_back", "lesson_next", keys.lesson_widget("check", lesson.id, 1)):
        assert_in_view(page, f".st-key-{key} button")
    panel_left, panel_top, panel_right, panel_bottom = box(page, panel)
    left, top, right, bottom = box(page, "svg#decode-heatmap")
    assert 0 <= panel_top < panel_bottom <= height and panel_right <= width, (panel_top, panel_bottom, panel_right)
    assert 0 <= left and right <= panel_left and 0 <= top < bottom <= height, (left, top, right, bottom, panel_left)
    expect(page.locator(".stException")).to_have_count(0)


def test_switching_the_mode_keeps_the_view(page: Page) -> None:
    """Presentation mode on and off, again and again: the page keeps the link's task, scorer, sentence
    and width. (Its pickers move into their fold and out: on the run that moved them they could come
    back empty, and the page then showed reverse/none/"hello world", 3 times in 8 on a busy machine.)"""
    query = {"task": "en-fr", "scorer": "general", "sentence": SENTENCE, "beam": "4"}
    present(page, "Beam_search", "1280x720", **query)
    toggle = page.get_by_role("switch", name=LABEL)  # (a click on its text, dispatched, does not reach it)
    for _ in range(3):
        expect(page).to_have_url(re.compile(r"task=en-fr&scorer=general&sentence=My\+brother.*&beam=4"))
        before = page_clock.asked(page)
        toggle.dispatch_event("click")  # off (the folded sidebar holds it: a click where it is)
        page_clock.answered(page, at_least=before + 1)  # the page asked for the toggle's run, and it has ended
        expect(page).to_have_url(re.compile(r"task=en-fr&scorer=general&sentence=My\+brother.*&beam=4"))
        before = page_clock.asked(page)
        toggle.dispatch_event("click")  # on again
        page_clock.answered(page, at_least=before + 1)
    expect(page).to_have_url(re.compile(r"task=en-fr&scorer=general&sentence=My\+brother.*&beam=4"))
    expect(page.locator(".st-key-beam_heatmap .main-svg").first).to_be_visible(timeout=2 * WAIT_MS)
