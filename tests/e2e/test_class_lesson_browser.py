"""A class follows a lesson, in a real browser: a teacher on a laptop and two students on phones (390×844, touch).

The teacher starts a class, then lesson 1 from the Lessons page: each of its first three steps opens on the
Decode page, and each student's page shows the step's own title in the lesson's panel, at the teacher's step,
moved by the teacher's Next only. Step 2's question is the class's: the teacher asks it from the panel, the
two students answer it on their phones (one right, one not), the teacher reveals, and the panel shows the
class's share right, computed from the two answers (1 of 2: 50%), inside the teacher's projected frame
(presentation mode at 1366×768).
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from explorer.lessons import catalog
from tests.e2e import page_clock
from tests.e2e.test_class_browser import join, start_class
from tests.e2e.test_pages_browser import SCRIPT_DONE

LESSON = catalog()[0]["1-why-attention"]
WAIT_MS = 30_000
PROJECTOR = {"width": 1366, "height": 768}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def panel(page: Page):
    """The lesson's docked panel."""
    return page.locator(".st-key-lesson_dock")


def shows_step(page: Page, number: int) -> None:
    """`page`'s lesson panel is at step `number` (1-based): its progress and the step's own title."""
    expect(panel(page).get_by_text(f"Step {number} of {len(LESSON.steps)}")).to_be_visible(timeout=WAIT_MS)
    title = LESSON.steps[number - 1].title
    expect(panel(page).get_by_role("heading", name=title)).to_be_visible(timeout=WAIT_MS)


def next_step(teacher: Page, number: int) -> None:
    teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    page_clock.click_still(teacher, panel(teacher).get_by_role("button", name="Next", exact=True))
    shows_step(teacher, number)


def test_a_class_follows_three_lesson_steps_and_answers_its_question(browser: Browser, streamlit_server: str) -> None:
    teacher, code = start_class(browser, streamlit_server)
    teacher.set_viewport_size(PROJECTOR)  # a lecture hall's projector
    students = [join(browser, streamlit_server, code, **PHONE) for _ in range(2)]
    teacher.get_by_test_id("stSidebar").get_by_role("link", name="Lessons", exact=True).click()
    teacher.get_by_role("button", name="Start", exact=True).first.click()  # lesson 1 comes first
    shows_step(teacher, 1)
    teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    teacher.get_by_test_id("stSidebar").get_by_text("Presentation mode").click()
    expect(teacher.get_by_test_id("stSidebar")).not_to_be_visible(timeout=WAIT_MS)  # folded on a projector
    for student in students:
        shows_step(student, 1)
        expect(panel(student).get_by_role("button", name="Next", exact=True)).to_have_count(0)  # the teacher's

    next_step(teacher, 2)
    question = LESSON.steps[1].question
    for student in students:
        shows_step(student, 2)
    teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    panel(teacher).get_by_role("button", name="Ask the class this question", exact=True).click()
    right = next(i for i, option in enumerate(question.options) if option.correct)
    wrong = next(i for i, option in enumerate(question.options) if not option.correct)
    for student, pick in zip(students, (right, wrong), strict=True):
        options = panel(student).get_by_test_id("stButtonGroup")
        expect(options).to_be_visible(timeout=WAIT_MS)
        box = options.bounding_box()  # the question's options on the phone's first screen
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["viewport"]["height"], box
        options.get_by_role("radio", name=question.options[pick].text, exact=True).tap()
        expect(panel(student).get_by_text("Wait for the teacher to reveal", exact=False)).to_be_visible(timeout=WAIT_MS)
    expect(teacher.get_by_text("Question 1: 2 answered")).to_be_visible(timeout=WAIT_MS)
    teacher.get_by_role("button", name="Reveal", exact=True).click()
    expect(panel(teacher).get_by_text("50% of 2 answers were right.")).to_be_visible(timeout=WAIT_MS)
    answers = panel(teacher).locator(".st-key-class_lesson_revealed")
    expect(answers).to_be_visible(timeout=WAIT_MS)
    box = answers.bounding_box()  # the class's answers inside the projected frame, as the page opened
    assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], box
    # On a projector each option says its share (issue 62: no chart, so that the answers fit the frame).
    items = answers.locator("li")
    expect(items).to_have_count(len(question.options), timeout=WAIT_MS)
    assert [text.count("50%") for text in items.all_inner_texts()].count(1) == 2  # one right, one wrong
    sizes = items.evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 18, sizes  # the options and their shares, readable from a hall's back row
    expect(panel(students[0]).get_by_text("You were right.")).to_be_visible(timeout=WAIT_MS)
    expect(panel(students[1]).get_by_text("You were not right this time.")).to_be_visible(timeout=WAIT_MS)

    next_step(teacher, 3)
    for student in students:
        shows_step(student, 3)
        expect(student).to_have_url(re.compile(r"/Decode\?.*lesson=1-why-attention&at=3"))
    for page in (teacher, *students):
        expect(page.locator(".stException")).to_have_count(0)
