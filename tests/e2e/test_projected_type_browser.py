"""Projected type (issue 50): in presentation mode the Decode heatmap's tokens are large enough for a
hall's back row, at the two projector sizes, in English (en-fr) and in Chinese (the zh-en task with the
Chinese interface, so CJK tokens are measured too): at least 24 px at 1366×768 and 28 px at 1920×1080,
the keys' legend and the colour bar's words at least 18 px, and the heatmap still inside the frame.

Sizes are measured as drawn on the screen: each label's computed font size times the ``<svg>``'s scale
(its box over its own width), not an attribute. The type holds for sentences whose rows and columns fit
the frame at it: about MAX_ROWS[size] output rows of short Latin words; the sentences here are within it.
A longer one (the 13-row sentence at 1366×768) gets the largest type that fits and a note under the
colour bar that says so (explorer.figures.svg_heatmap; docs/pages/decode.md, Presentation mode).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from explorer import i18n
from explorer.i18n import _
from explorer.ui.shell.presentation import LABEL
from tests.e2e.test_presentation_browser import SCRIPT_DONE, SENTENCE, WAIT_MS, assert_in_view, present
from tests.e2e.test_presentation_step_browser import settled

SVG = "svg#decode-heatmap"
SIZES = {"1366x768": 24, "1920x1080": 28}  # the type the back row needs, in pixels on the screen
# The most output rows of short Latin words the frame holds at that type (explorer.figures.svg_heatmap).
MAX_ROWS = {"1366x768": 9, "1920x1080": 16}
SHORT = "I went to the market."
# (task, interface language, query): en-fr on a short sentence at 1366×768 and the presentation tests'
# 12-token one (13 output rows) at 1920×1080; zh-en on its own first example (Chinese tokens written
# upright, in two lines) with the Chinese interface.
CASES = {
    "en": ("en-fr", "en", {"1366x768": SHORT, "1920x1080": SENTENCE}),
    "zh": ("zh-en", "zh", {}),
}
# Every label of the heatmap, its legend's words and the keys' legend, in pixels on the screen.
MEASURE = f"""() => {{
  const svg = document.querySelector('{SVG}');
  if (!svg) return null;
  const scale = svg.getBoundingClientRect().width / svg.width.baseVal.value;
  const px = t => parseFloat(getComputedStyle(t).fontSize) * scale;
  const legend = svg.closest('.ae-heatmap').querySelectorAll(':scope > svg text');  // the colour bar
  const keys = [...document.querySelectorAll('.ae-keys, .ae-stepper-legend')].filter(k => k.checkVisibility());
  return {{
    columns: [...svg.querySelectorAll('text.col')].map(px),
    rows: [...svg.querySelectorAll('g[data-row] > text')].filter(t => t.checkVisibility()).map(px),
    colour_bar: [...legend].map(t => parseFloat(getComputedStyle(t).fontSize)),
    keys: keys.map(k => parseFloat(getComputedStyle(k).fontSize)),
  }};
}}"""


def say(language: str, message: str) -> str:
    with i18n.using(language):
        return _(message)


@pytest.fixture
def page(page: Page, streamlit_server: str) -> Page:
    page.base_url = streamlit_server  # read by present()
    return page


def measure(page: Page, size: str, task: str, language: str, sentence: str | None) -> dict:
    """Decode in presentation mode at `size`, stepped to the end by its link (a step past the end is the
    last one, so every row label is drawn); once the heatmap has its rows and sits in the frame, the sizes."""
    query = {"scorer": "general", "sentence": sentence} if sentence else {}
    present(page, "Decode", size, toggle=say(language, LABEL), task=task, lang=language, step="99", **query)
    page.wait_for_function(
        f"() => {{ const s = document.querySelector('{SVG}'); return s && s.getAttribute('data-rows') !== '-1'"
        " && s.getAttribute('data-rows') === String(s.querySelectorAll('g[data-row]').length)"
        " && s.getBoundingClientRect().bottom <= window.innerHeight; }",
        timeout=WAIT_MS,
    )
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    settled(page)  # the fit looks again after a draw: measured once the heatmap has stopped moving
    found = page.evaluate(MEASURE)
    assert found and found["columns"] and found["rows"], found
    assert found["keys"] and min(found["keys"]) >= 18, found  # the keys' legend, beside the heatmap
    assert_in_view(page, SVG)
    assert_in_view(page, f".ae-heatmap:has({SVG}) > svg")  # the colour bar below it
    expect(page.locator(".stException")).to_have_count(0)
    return found


@pytest.mark.diagonal  # the default run: every value once (tests/conftest.py); the whole grid: slow
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("size", SIZES)
def test_the_projected_heatmap_is_readable_from_the_back_row(page: Page, size: str, case: str) -> None:
    task, language, sentences = CASES[case]
    found = measure(page, size, task, language, sentences.get(size))
    rows = len(found["rows"])
    assert rows <= MAX_ROWS[size], ("the sentence should fit at full size", rows)
    assert min(found["columns"] + found["rows"]) >= SIZES[size], (size, case, found)
    assert min(found["colour_bar"]) >= SIZES[size], found
    expect(page.locator(".ae-heatmap-shrunk")).to_be_hidden()  # nothing shrunk, no note


def test_a_long_sentence_shrinks_to_fit_and_says_so(page: Page) -> None:
    """The 13-row sentence at 1366×768: more rows than fit at 24 px; smaller type, still in the frame,
    and the note under the colour bar gives both sizes."""
    found = measure(page, "1366x768", "en-fr", "en", SENTENCE)
    font = round(min(found["columns"] + found["rows"]))
    assert len(found["rows"]) > MAX_ROWS["1366x768"] and 11 <= font < SIZES["1366x768"], found
    note = page.locator(".ae-heatmap-shrunk")
    expect(note).to_have_text(
        f"Smaller type ({font} px, not 24 px): {len(found['rows'])} rows and {len(found['columns'])} columns"
        " must fit the screen."
    )
    assert_in_view(page, ".ae-heatmap-shrunk")


def test_a_window_moved_to_a_larger_projector_redraws_the_colour_bar_in_the_new_type(page: Page) -> None:
    """A laptop's window at 1366×768 made 1920×1080 (moved to the projector): the heatmap's labels and the colour
    bar's words both take the larger type (the colour bar kept the first size before)."""
    found = measure(page, "1366x768", "en-fr", "en", SHORT)
    assert min(found["colour_bar"]) >= SIZES["1366x768"] and min(found["colour_bar"]) < SIZES["1920x1080"], found
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function(
        f"() => {{ const f = ({MEASURE})(); return f && f.colour_bar.length"
        f" && Math.min(...f.colour_bar) >= {SIZES['1920x1080']}"
        f" && Math.min(...f.columns, ...f.rows) >= {SIZES['1920x1080']}; }}",
        timeout=WAIT_MS,
    )
