"""The Lessons page in a real browser, on the shipped models: lesson 1 walked from the list to its last
step, each question answered right (the choice marked correct in the file; for an attention question
the token the model itself looks at most), and a step's "Open in Decode" link opening its view."""

from __future__ import annotations

import re
import urllib.parse

from playwright.sync_api import Page, expect

from explorer.figures.common import position_labels
from explorer.lessons import catalog, check, measure, player
from seq2seq.checkpoint import load_model
from tests.e2e.test_decode_browser import HEATMAP_ROWS

SCRIPT_DONE = "[data-test-script-state='notRunning']"
LESSON = catalog()[0]["1-why-attention"]
WAIT_MS = 30_000


def right_token(step) -> str:
    """The label of the source token the step's model looks at most for the next output token."""
    view = check.step_view(step)
    tokens, row = measure.attention_row(load_model(check.model_name(view)), view)
    return position_labels(tokens)[max(range(len(row)), key=row.__getitem__)]


def answer(page: Page, step) -> None:
    check_button = page.get_by_role("button", name="Check", exact=True)
    expect(check_button).to_be_disabled()
    expect(page.get_by_role("button", name="Next", exact=True)).to_be_disabled()
    if step.question.kind == "choice":
        right = next(option.text for option in step.question.options if option.correct)
        page.get_by_test_id("stRadio").get_by_text(right, exact=True).click()
    else:
        label = right_token(step)
        page.get_by_test_id("stButtonGroup").get_by_role("radio", name=label, exact=True).click()  # pills are radios
    expect(check_button).to_be_enabled(timeout=WAIT_MS)
    check_button.click()
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="Right")).to_be_visible(timeout=WAIT_MS)


def test_walk_lesson_1_answering_its_questions(page: Page, streamlit_server: str) -> None:
    page.goto(f"{streamlit_server}/Lessons")
    expect(page.get_by_role("heading", name="Lessons", exact=True)).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("heading", name=LESSON.title)).to_be_visible()
    page.get_by_role("button", name="Start", exact=True).first.click()  # lesson 1 comes first
    steps = len(LESSON.steps)
    for number, step in enumerate(LESSON.steps, start=1):
        expect(page.get_by_text(f"Step {number} of {steps}", exact=True)).to_be_visible(timeout=WAIT_MS)
        expect(page).to_have_url(re.compile(rf"lesson={LESSON.id}&at={number}$"), timeout=WAIT_MS)
        expect(page.get_by_role("heading", name=step.title)).to_be_visible()
        page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
        if step.question is not None:
            answer(page, step)
        expect(page.locator(".stException")).to_have_count(0)
        if number < steps:
            next_button = page.get_by_role("button", name="Next", exact=True)
            expect(next_button).to_be_enabled(timeout=WAIT_MS)
            next_button.click()
    expect(page.get_by_text("This is the end of the lesson.")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("button", name="Next", exact=True)).to_be_disabled()
    expect(page.locator(".stException")).to_have_count(0)


def test_a_steps_link_opens_its_view_on_the_decode_page(page: Page, streamlit_server: str) -> None:
    index, view = next(
        (i, view)
        for i, step in enumerate(LESSON.steps)
        if step.page == "decode" and (view := check.step_view(step)).step and view.scorer != "none"
    )  # a step whose heatmap has rows
    page.goto(f"{streamlit_server}/Lessons?{urllib.parse.urlencode(player.link_params(LESSON.id, index))}")
    page.get_by_role("link", name="Open in Decode").click()
    expect(page).to_have_url(re.compile(r"/Decode\?"), timeout=WAIT_MS)
    page.wait_for_function(f"({HEATMAP_ROWS})() === {view.step}", timeout=WAIT_MS)
    expect(page.get_by_label("Source sentence")).to_have_value(view.sentence)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert query["scorer"] == [view.scorer] and query["step"] == [str(view.step)]
    expect(page.locator(".stException")).to_have_count(0)
