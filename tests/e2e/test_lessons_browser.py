"""A lesson on the real pages, in a real browser, on the shipped models: lesson 1 started from the Lessons
list and walked to its last step with Next. Each step opens its own page (its path in the address bar) with
exactly its view in the URL beside lesson=&at=, the step's heading in the lesson's docked panel, a Decode
step's heatmap and sentence box showing the step's view; each question answered right (the choice marked
correct in the file; for an attention question the token the model itself looks at most)."""

from __future__ import annotations

import urllib.parse

from playwright.sync_api import Page, expect

from explorer.figures.common import position_labels
from explorer.lessons import catalog, check, measure, player
from explorer.state.pages import BY_NAME
from seq2seq.checkpoint import load_model
from tests.e2e import page_clock
from tests.e2e.test_decode_browser import HEATMAP_ROWS

SCRIPT_DONE = "[data-test-script-state='notRunning']"
PANEL = ".st-key-lesson_dock"  # the lesson's docked panel (its expander's key)
LESSON = catalog()[0]["1-why-attention"]
WAIT_MS = 30_000


def right_token(step) -> str:
    """The label of the source token the step's model looks at most for the next output token."""
    view = check.step_view(step)
    tokens, row = measure.attention_row(load_model(check.model_name(view)), view)
    return position_labels(tokens)[max(range(len(row)), key=row.__getitem__)]


def answer(page: Page, step) -> None:
    """Answer the step's question right in the panel, and see it judged right."""
    panel = page.locator(PANEL)
    check_button = panel.get_by_role("button", name="Check", exact=True)
    expect(check_button).to_be_disabled()
    expect(panel.get_by_role("button", name="Next", exact=True)).to_be_disabled()
    if step.question.kind == "choice":
        right = next(option.text for option in step.question.options if option.correct)
        page_clock.click_still(page, panel.get_by_test_id("stRadio").get_by_text(right, exact=True))
    else:
        label = right_token(step)
        pills = panel.get_by_test_id("stButtonGroup")  # pills are radios
        page_clock.click_still(page, pills.get_by_role("radio", name=label, exact=True))
    expect(check_button).to_be_enabled(timeout=WAIT_MS)
    page_clock.click_still(page, check_button)
    expect(panel.get_by_test_id("stAlertContentSuccess").filter(has_text="Right")).to_be_visible(timeout=WAIT_MS)


def on_the_steps_page(page: Page, index: int) -> None:
    """The address bar is the step's page with the step's share link and the lesson's position."""
    step = LESSON.steps[index]
    _script, params = player.step_link(step, check.step_view(step))
    wanted = {**params, **player.link_params(LESSON.id, index)}
    path = "/" + BY_NAME[step.page].url_path
    try:
        page.wait_for_function(
            "([path, at]) => location.pathname === path && new URLSearchParams(location.search).get('at') === at",
            arg=[path, str(index + 1)],
            timeout=WAIT_MS,
        )
    except Exception as error:  # say where the page is instead
        shown = page.locator(PANEL).inner_text(timeout=WAIT_MS)[:300]
        raise AssertionError(f"step {index + 1} wants {path}; the page is at {page.url}, its panel: {shown}") from error
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(page.url).query))
    assert query == wanted, (index, query)


def test_walk_lesson_1_on_its_pages_answering_its_questions(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/Lessons")
    expect(page.get_by_role("heading", name="Lessons", exact=True)).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("heading", name=LESSON.title)).to_be_visible()
    page.get_by_role("button", name="Start", exact=True).first.click()  # lesson 1 comes first
    steps = len(LESSON.steps)
    panel = page.locator(PANEL)
    for index, step in enumerate(LESSON.steps):
        on_the_steps_page(page, index)
        expect(panel).to_contain_text(f"Step {index + 1} of {steps}", timeout=WAIT_MS)
        expect(panel.get_by_role("heading", name=step.title)).to_be_visible(timeout=WAIT_MS)
        page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
        view = check.step_view(step)
        if step.page == "decode":  # the page itself shows the step's view
            expect(page.get_by_label("Source sentence")).to_have_value(view.sentence)
            if view.scorer != "none":
                page.wait_for_function(f"({HEATMAP_ROWS})() === {view.step}", timeout=WAIT_MS)
        if step.question is not None:
            answer(page, step)
        expect(page.locator(".stException")).to_have_count(0)
        if index < steps - 1:
            next_button = panel.get_by_role("button", name="Next", exact=True)
            expect(next_button).to_be_enabled(timeout=WAIT_MS)
            page_clock.click_still(page, next_button)
    expect(panel.get_by_text("This is the end of the lesson.")).to_be_visible(timeout=WAIT_MS)
    expect(panel.get_by_role("button", name="Next", exact=True)).to_be_disabled()
    expect(page.locator(".stException")).to_have_count(0)
