"""Keyboard and clicker control in a real browser (explorer.views.keyboard, ui/common/keyboard.js), on the
shipped models: Decode in presentation mode on a 12-token English→French sentence steps with → and
PageDown, back with PageUp and ←, resets with Home and plays with Space; keys typed in the sentence box
move its caret and nothing else; on a lesson's step page (Lab, Compare) PageDown / → press Next and ← Back,
and at the first and last steps they leave the page where it is; a clicker's key pressed while the lesson's panel
is drawn anew is held until its button is back (ui/common/keyboard.js alone, in a page of its own). And the colour
scale chosen in the URL is the heatmap's."""

from __future__ import annotations

import re
import urllib.parse

from playwright.sync_api import Page, expect

from explorer.figures.svg_heatmap import CIVIDIS
from explorer.lessons import catalog
from explorer.ui.common import components
from explorer.views import keyboard
from tests.e2e import page_clock
from tests.e2e.test_decode_browser import HEATMAP_ROWS

SCRIPT_DONE = "[data-test-script-state='notRunning']"
WAIT_MS = 30_000
SENTENCE = "My brother is reading a good book in the garden."  # 12 source pieces (</s> included), 15 target
TARGET_STEPS = 15
LEGEND = ".ae-stepper-legend"  # Decode's keys are its stepper's
# Every heatmap on the page: its data-rows and the rows it shows (for a failure's message).
HEATMAPS = """() => [...document.querySelectorAll('svg#decode-heatmap')].map(s => [s.getAttribute('data-rows'),
  [...s.querySelectorAll('g[data-row]')].filter(g => g.style.display !== 'none').length])"""


def decode_url(base: str, step: int, **extra: str) -> str:
    query = {"task": "en-fr", "scorer": "general", "sentence": SENTENCE, "step": str(step), **extra}
    return f"{base}/Decode?{urllib.parse.urlencode(query)}"


def rows(page: Page, n: int) -> None:
    """The heatmap shows `n` rows, painted."""
    page.wait_for_function(f"({HEATMAP_ROWS})() === {n}", timeout=WAIT_MS)


def server_at(page: Page, step: int) -> None:
    """The server's rerun for `step` has arrived: the page says so and the URL keeps it."""
    expect(page.get_by_text(f"Step {step} of {TARGET_STEPS}", exact=False)).to_be_visible(timeout=WAIT_MS)
    expect(page).to_have_url(re.compile(rf"step={step}&"), timeout=WAIT_MS)


def presentation_decode(page: Page, base: str, step: int) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    page_clock.watch(page)
    page.goto(decode_url(base, step))
    rows(page, step)
    page.get_by_text("Presentation mode").click()
    expect(page.locator(".ae-stepper-output").first).to_have_css("font-size", "21.6px", timeout=WAIT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # the page has the focus
    expect(page.locator(LEGEND)).to_contain_text("PageDown", timeout=WAIT_MS)
    rows(page, step)


def taken(page: Page, keys: list[str]) -> None:
    """Press `keys` and wait until the page is done with them: each has reached the window (after the
    page's own key handlers), two frames on (a scroll would have begun), with the script done. A key the
    stepper took is marked on it (data-last-key) and moves its step at once."""
    page.evaluate(KEYS_SEEN)
    for key in keys:
        page.keyboard.press(key)
    page.wait_for_function(f"window.__keysSeen.length >= {len(keys)}", timeout=WAIT_MS)
    page_clock.drawn(page)


def test_arrows_and_page_keys_step_the_decode_by_one_row(page: Page, streamlit_server: str) -> None:
    presentation_decode(page, streamlit_server, 3)
    for key, step in (("ArrowRight", 4), ("PageUp", 3), ("PageDown", 4), ("ArrowLeft", 3)):
        page.keyboard.press(key)
        rows(page, step)  # drawn in the browser at once, as a click on the button draws it
        server_at(page, step)
        rows(page, step)
    page.keyboard.press("Home")
    rows(page, 0)
    server_at(page, 0)
    scrolled = page.evaluate("window.scrollTo(0, 120), window.scrollY")  # PageUp would scroll back to the top
    taken(page, ["PageUp"])  # Back is disabled at step 0: nothing happens, not even a scroll
    rows(page, 0)
    expect(page).to_have_url(re.compile(r"step=0&"))
    assert page.evaluate("window.scrollY") == scrolled
    expect(page.locator(".stException")).to_have_count(0)


SHOWN = "() => Number(document.querySelector('.ae-stepper').dataset.step)"


def test_space_plays_and_pauses_exactly_where_pressed(page: Page, streamlit_server: str) -> None:
    """Play runs in the browser; the step shown when the second Space lands is where it stays: the page, the
    heatmap and then the URL (the stepper's report) all say it. Three times, from where the last pause left."""
    presentation_decode(page, streamlit_server, 0)
    for _ in range(3):
        start = page.evaluate(SHOWN)
        page.keyboard.press(" ")
        expect(page.get_by_role("button", name="Pause", exact=True)).to_be_visible(timeout=WAIT_MS)
        page.wait_for_function(f"({SHOWN})() >= {start + 1}", timeout=WAIT_MS)  # play's ticks add rows
        page.keyboard.press(" ")
        paused = page.evaluate(SHOWN)  # the pause took effect in the key's own handler: no tick after it
        expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible(timeout=WAIT_MS)
        assert start < paused <= TARGET_STEPS, (start, paused)
        server_at(page, paused)
        assert page.evaluate(SHOWN) == paused
        try:
            rows(page, paused)
        except Exception as error:  # say what the page shows instead
            raise AssertionError(f"paused at step {paused}; the heatmaps: {page.evaluate(HEATMAPS)}") from error
        if paused == TARGET_STEPS:
            break
    expect(page.locator(".stException")).to_have_count(0)


def test_space_right_after_presentation_mode_plays_instead_of_switching_it_off(
    page: Page, streamlit_server: str
) -> None:
    """The toggle keeps the focus after its click while the sidebar folds away: Space goes to Play."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(decode_url(streamlit_server, 0))
    rows(page, 0)
    page.get_by_text("Presentation mode").click()
    expect(page.locator(".ae-stepper-output").first).to_have_css("font-size", "21.6px", timeout=WAIT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    expect(page.locator("[data-testid=stSidebar]")).to_have_attribute("data-collapsed", "true", timeout=WAIT_MS)
    assert page.evaluate("document.activeElement.getAttribute('role')") == "switch"  # the folded toggle has it
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name="Pause", exact=True)).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".ae-stepper-output").first).to_have_css("font-size", "21.6px")  # still presenting
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".stException")).to_have_count(0)


def test_keys_typed_in_the_sentence_box_do_not_step(page: Page, streamlit_server: str) -> None:
    presentation_decode(page, streamlit_server, 3)
    box = page.get_by_label("Source sentence")
    box.click()
    taken(page, ["ArrowRight", "PageDown", "ArrowLeft", "PageUp", "Home", "ArrowRight"])
    rows(page, 3)
    expect(page).to_have_url(re.compile(r"step=3&"))
    assert page.locator(".ae-stepper").get_attribute("data-last-key") is None  # no key was taken
    assert box.evaluate("b => b.selectionStart") == 1  # Home, then → : the caret moved, as in any text box
    expect(box).to_have_value(SENTENCE)
    box.evaluate("b => b.blur()")
    page.keyboard.press("ArrowRight")  # out of the box, the same key steps
    rows(page, 4)
    server_at(page, 4)


# Every keydown that reaches the window, with whether a listener prevented its default (the browser's scroll).
KEYS_SEEN = """() => { window.__keysSeen = [];
  window.addEventListener('keydown', e => window.__keysSeen.push([e.key, e.defaultPrevented])); }"""
LESSON_LEGEND = ".ae-keys[data-bound='4']"  # a lesson's step page off Decode binds 4 keys: Next and Back
# How far the page is scrolled: the window (presentation mode) or Streamlit's main area, whichever scrolls.
SCROLLED = "() => window.scrollY + (document.querySelector('[data-testid=stMain]')?.scrollTop || 0)"
TALL = """() => Math.max(document.scrollingElement.scrollHeight,
  document.querySelector('[data-testid=stMain]')?.scrollHeight || 0) > window.innerHeight + 100"""


def press_in_vain(page: Page, key: str) -> None:
    """`key` reaches the page and does nothing: no default action (no scroll), the same scroll position two
    frames on, the same URL. The page must be taller than the window, so that a scroll could happen at all."""
    url, scrolled = page.url, page.evaluate(SCROLLED)
    assert page.evaluate(TALL)
    seen = page.evaluate("window.__keysSeen.length")
    page.keyboard.press(key)
    page.wait_for_function(f"window.__keysSeen.length > {seen}")
    assert page.evaluate(f"window.__keysSeen[{seen}]") == [key, True]  # the keyboard component took it
    page_clock.frames(page)
    assert page.evaluate(SCROLLED) == scrolled and page.url == url


def test_the_clicker_keys_move_a_lesson_on_its_step_page(page: Page, streamlit_server: str) -> None:
    """On a Lab step (lesson 8) PageDown / → press Next and ← Back; at the first step and at an unanswered
    question they do nothing, and at the last step (lesson 1's Compare, projected at 1366×768) neither: the
    page stays where it is."""
    lesson, last = catalog()[0]["8-is-attention-an-explanation-baselines"], catalog()[0]["1-why-attention"]
    panel = page.locator(".st-key-lesson_dock")  # the lesson's docked panel
    page.goto(f"{streamlit_server}/Lessons?lesson={lesson.id}&at=1")
    expect(page).to_have_url(re.compile(rf"/Lab\?.*lesson={lesson.id}&at=1$"), timeout=WAIT_MS)
    expect(panel.get_by_role("heading", name=lesson.steps[0].title)).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(LESSON_LEGEND)).to_contain_text("Next", timeout=WAIT_MS)
    # Still, not just done: the lesson's switch to the step's page can run it again just after (a busy machine),
    # and a key pressed while its panel is drawn anew finds no button to press.
    page.evaluate(page_clock.CHANGES)
    page_clock.quiet(page)
    page.evaluate(KEYS_SEEN)
    for key in ("PageUp", "ArrowLeft", "PageDown", "ArrowRight"):  # the first step; its question unanswered
        press_in_vain(page, key)
    right = next(option.text for option in lesson.steps[0].question.options if option.correct)
    panel.get_by_test_id("stRadio").get_by_text(right, exact=True).click()
    panel.get_by_role("button", name="Check", exact=True).click()
    expect(panel.get_by_role("button", name="Next", exact=True)).to_be_enabled(timeout=WAIT_MS)
    page.keyboard.press("PageDown")
    expect(page).to_have_url(re.compile(rf"/Lab\?.*lesson={lesson.id}&at=2$"), timeout=WAIT_MS)
    expect(panel.get_by_role("heading", name=lesson.steps[1].title)).to_be_visible(timeout=WAIT_MS)
    page_clock.quiet(page)  # the step's page has settled
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"lesson={lesson.id}&at=1$"), timeout=WAIT_MS)
    expect(panel.get_by_role("heading", name=lesson.steps[0].title)).to_be_visible(timeout=WAIT_MS)

    page.goto(f"{streamlit_server}/Lessons?lesson={last.id}&at={len(last.steps)}")  # its last step, on Compare
    expect(page).to_have_url(re.compile(rf"/Compare\?.*lesson={last.id}&at={len(last.steps)}$"), timeout=WAIT_MS)
    expect(panel.get_by_text("This is the end of the lesson.")).to_be_visible(timeout=WAIT_MS)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_text("Presentation mode").click()
    expect(page.locator("[data-testid='stText']").first).to_have_css("font-size", "21.6px", timeout=WAIT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # the page has the focus
    expect(page.locator(LESSON_LEGEND)).to_be_attached(timeout=WAIT_MS)
    page.evaluate(KEYS_SEEN)
    for key in ("PageDown", "ArrowRight", "PageDown"):  # a clicker's extra presses at the end
        press_in_vain(page, key)
    expect(page.locator(".stException")).to_have_count(0)


def test_the_colour_scale_in_the_link_is_the_heatmaps(page: Page, streamlit_server: str) -> None:
    page.goto(decode_url(streamlit_server, 2, colors="cividis"))
    rows(page, 2)
    stops = page.locator("linearGradient#decode-heatmap-scale stop").evaluate_all(
        "ss => ss.map(s => s.getAttribute('stop-color'))"
    )
    assert stops == list(CIVIDIS)
    fill = page.locator('svg#decode-heatmap g[data-row="0"] rect').first.get_attribute("fill")
    assert fill.startswith("rgb("), fill
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)  # a key pressed during a rerun can be lost with it
    page.keyboard.press("ArrowRight")
    server_at(page, 3)
    expect(page).to_have_url(re.compile(r"colors=cividis"))  # kept while the view moves
    expect(page.locator(".stException")).to_have_count(0)


# ui/common/keyboard.js alone: its module's default export made a global, mounted and unmounted by hand in a page
# of its own with a lesson's Next button, as Streamlit mounts it in a lesson's panel (and unmounts it for a moment
# when a run draws the panel anew).
HARNESS_JS = components.keyboard_js().replace("export default function", "window.__aeMountKeys = function", 1)
HARNESS = """data => {
  window.__clicks = 0;
  window.panel = () => { const box = document.createElement('div'); box.className = 'st-key-lesson_next';
    const button = document.createElement('button'); button.textContent = 'Next';
    button.addEventListener('click', () => { window.__clicks += 1; }); box.appendChild(button);
    document.getElementById('panel').replaceChildren(box); };
  window.mount = () => {
    window.__unmount = window.__aeMountKeys({data, parentElement: document.getElementById('keys')}); };
}"""


def test_a_key_pressed_while_the_lessons_panel_is_drawn_anew_waits_for_its_button(page: Page) -> None:
    """Unmounted and without its button, the panel's Next still takes → and PageDown: held (no scroll), then
    pressed in order once the component and the button are back. With no panel back (the lesson has ended), a
    held key is dropped after its hold and the keys go back to the browser; with no key held, they go back once
    the hold's time has passed, so the first key after a lesson is the browser's."""
    data = {
        "bindings": keyboard.bindings({keyboard.FORWARD: "lesson_next"}),
        "focus": {selector: list(keys) for selector, keys in keyboard.LEFT_TO_THE_FOCUS.items()},
        "legend": "PageDown: Next",
    }
    page.set_viewport_size({"width": 800, "height": 600})
    page.set_content('<body style="height: 4000px"><div id="keys"></div><div id="panel"></div></body>')
    page.add_script_tag(content=HARNESS_JS)
    page.evaluate(HARNESS, data)
    page.evaluate(KEYS_SEEN)
    page.evaluate("() => { panel(); mount(); }")
    page.keyboard.press("PageDown")
    assert page.evaluate("window.__clicks") == 1
    page.evaluate("() => { __unmount(); document.getElementById('panel').replaceChildren(); }")  # a run draws anew
    page.keyboard.press("PageDown")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.__keysSeen.slice(1)") == [["PageDown", True], ["ArrowRight", True]]  # held, no scroll
    assert page.evaluate("window.__clicks") == 1 and page.evaluate("window.scrollY") == 0
    page.evaluate("() => { panel(); mount(); }")  # the panel is back
    page.wait_for_function("window.__clicks === 3", timeout=WAIT_MS)
    page.evaluate("() => { __unmount(); document.getElementById('panel').replaceChildren(); }")  # the lesson ends
    page.keyboard.press("PageDown")
    assert page.evaluate("window.__keysSeen[3]") == ["PageDown", True]
    page.wait_for_function("document.__aeKeyboard === null", timeout=WAIT_MS)  # dropped after its hold
    page.keyboard.press("PageDown")
    assert page.evaluate("window.__keysSeen[4]") == ["PageDown", False]  # the browser's again: it scrolls
    page.wait_for_function("window.scrollY > 0", timeout=WAIT_MS)
    assert page.evaluate("window.__clicks") == 3
    page.evaluate("() => { window.scrollTo(0, 0); panel(); mount(); __unmount(); }")  # another lesson, ended
    page.wait_for_function("document.__aeKeyboard === null", timeout=WAIT_MS)  # not back: no key held meanwhile
    page.keyboard.press("PageDown")  # the first key after it is the browser's
    assert page.evaluate("window.__keysSeen[5]") == ["PageDown", False]
    assert page.evaluate("window.__clicks") == 3
