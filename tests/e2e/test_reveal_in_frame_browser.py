"""The class's answers appear where the class looks (issue 50): a teacher projecting Decode in presentation
mode asks a question, a student answers, and after Reveal the answers (the class's shares beside the model's
row) lie inside the viewport at 1366×768 and at 1920×1080 without a scroll (in English: checked in Chinese too
while it was built, whose words are shorter); the next step clears them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from explorer import i18n
from explorer.i18n import _
from explorer.ui.shell.presentation import LABEL
from tests.e2e.test_class_browser import CODE, WAIT_MS
from tests.e2e.test_pages_browser import SCRIPT_DONE

PROJECTORS = ((1366, 768), (1920, 1080))
REVEALED = ".st-key-class_revealed"
INSIDE = """(selector) => {
  const r = document.querySelector(selector).getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight, window.scrollY];
}"""
SIDEBAR_FOLDED = (
    "() => { const s = document.querySelector('[data-testid=stSidebar]');"
    " return s && s.getBoundingClientRect().right <= 0; }"
)


def step(teacher: Page) -> None:
    """Step once (the stepper's button by its class: its label is the page's language's), then wait for the URL's
    step (the stepper's report, taken by the server)."""
    teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    shown = int(re.search(r"[?&]step=(\d+)", teacher.url).group(1)) if "step=" in teacher.url else 0
    teacher.locator(".ae-stepper .ae-step").click()
    expect(teacher).to_have_url(re.compile(rf"[?&]step={shown + 1}(&|$)"), timeout=WAIT_MS)
    teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)


def words(lang: str, message: str) -> str:
    with i18n.using(lang):
        return _(message)


def teacher_projecting(browser: Browser, server: str, lang: str) -> tuple[Page, str]:
    """A teacher's Decode page with a class started, then presentation mode on (the sidebar folds away)."""
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{server}/Decode?task=reverse&scorer=general&sentence=abcdef&lang={lang}")
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name=words(lang, "Start a class")).click()
    link = page.get_by_text(CODE).first
    expect(link).to_be_visible(timeout=WAIT_MS)
    code = CODE.search(link.inner_text()).group(1)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    page.get_by_text(words(lang, LABEL), exact=True).click()
    page.wait_for_function(SIDEBAR_FOLDED, timeout=WAIT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    return page, code


@pytest.mark.parametrize("lang", ["en"])  # the Chinese words are shorter: the English frame is the tighter one
def test_the_revealed_answers_are_inside_the_projected_frame(browser: Browser, streamlit_server: str, lang: str):
    teacher, code = teacher_projecting(browser, streamlit_server, lang)
    student = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    student.goto(f"{streamlit_server}/?room={code}&lang={lang}")
    options = student.get_by_role("radiogroup", name=words(lang, "Your answer")).get_by_role("radio")

    step(teacher)
    teacher.get_by_role("button", name=words(lang, "Ask the class")).click()
    expect(options.first).to_be_visible(timeout=WAIT_MS)
    options.first.click()
    answered = words(lang, "Question {id}: **{n}** answered").replace("**", "").format(id=1, n=1)
    expect(teacher.get_by_text(answered)).to_be_visible(timeout=WAIT_MS)
    teacher.get_by_role("button", name=words(lang, "Reveal")).click()

    revealed = teacher.locator(REVEALED)
    model_says = re.compile(re.escape(words(lang, "The model's answer: **{right}**").split("**")[0]))
    expect(revealed.get_by_text(model_says)).to_be_visible(timeout=WAIT_MS)
    expect(revealed.locator(".js-plotly-plot")).to_have_count(1, timeout=WAIT_MS)  # the shares beside the model's
    for width, height in PROJECTORS:
        teacher.set_viewport_size({"width": width, "height": height})
        teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
        # the frame's heatmap sizes itself to the screen in the browser: measure once the box has settled
        teacher.wait_for_function(
            f"() => {{ const b = document.querySelector('{REVEALED}').getBoundingClientRect();"
            f" return b.bottom > 0 && b.bottom <= {height} && b.right <= {width}; }}",
            timeout=WAIT_MS,
        )
        left, top, right, bottom, inner_w, inner_h, scrolled = teacher.evaluate(INSIDE, REVEALED)
        assert scrolled == 0 and 0 <= left < right <= inner_w and 0 <= top < bottom <= inner_h, (
            width,
            height,
            (left, top, right, bottom),
        )

    step(teacher)  # the next step clears them
    expect(teacher.locator(REVEALED)).to_have_count(0, timeout=WAIT_MS)
    for page in (teacher, student):
        expect(page.locator(".stException")).to_have_count(0)
        page.context.close()
