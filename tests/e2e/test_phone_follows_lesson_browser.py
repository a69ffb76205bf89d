"""A phone follows a taught lesson, in real Chromium (issue 62): a 390×844 phone on the list of lessons opens the
lesson the teacher starts, and each next step opens at the top of its page.

- The teacher starts lesson 2 and presses Next at once: the phone leaves the list of lessons and ends on step 2
  (issue 62 saw a phone stay on the list for more than 30 s after a start; with Next at once, 2-3 of 28 phones
  stayed on step 1 or on a blank page before cec8123).
- While it waits on the list the phone loads Streamlit's code and italic faces, which the list does not use and a
  lesson's text does (explorer/ui/classes/follow.js: a first step drawn late for its fonts on a busy machine).
- While the class waits on the list, the teacher's page and the phone's load the code of the elements a lesson's
  pages draw (explorer.ui.lessons.warm): the start and the step after it fetch no script, on either page. Each page
  then draws those elements once out of sight and takes them away (lessons/warm.js says so only once they came and
  went): nothing of them is left on the list or at the start.
- At step 2 the phone answers the question, the teacher reveals the answers, the phone scrolls 500 px down to
  read them; the teacher moves on: step 3 opens at the top of the phone's page (it opened 551 px down before).

How fast a phone follows under a busy machine is bench.lesson_start's (docs/performance.md); this test waits for
what the phone shows, never a time.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from explorer.lessons import catalog
from explorer.ui.lessons import warm
from tests.e2e import page_clock
from tests.e2e.test_lecture_frame_browser import QUESTION, SCROLLED, WAIT_MS, _phone, _settled

LESSON = "2-what-a-scorer-computes"
DOCK = ".st-key-lesson_dock"
RIGHT = re.compile(r"of \d+ answers? (was|were) right")  # the revealed question's line (show_reveal)
# Streamlit's text and code faces, upright and italic, all loaded in the page.
FACES_LOADED = """() => {
  const family = (face) => face.family.replace(/["']/g, "");
  const ours = [...document.fonts].filter((f) => ["Source Sans", "Source Code Pro"].includes(family(f)));
  return ours.length === 4 && ours.every((f) => f.status === "loaded");
}"""
# The element scripts a page fetched since its resource timings were last cleared (their file names).
SCRIPTS_FETCHED = """() => performance.getEntriesByType('resource').map((e) => e.name)
  .filter((name) => name.includes('/static/js/')).map((name) => name.split('/').pop())"""
SCROLL_BY = """(y) => { document.querySelector('[data-testid=stMain]').scrollTop = y; window.scrollTo(0, y); }"""


def test_a_phone_follows_a_lesson_start_and_opens_each_next_step_at_the_top(
    browser: Browser, streamlit_server: str
) -> None:
    titles = [step.title for step in catalog()[0][LESSON].steps]
    teacher = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page_clock.watch(teacher)
    teacher.goto(f"{streamlit_server}/Lessons?lang=en")
    _settled(teacher)
    teacher.get_by_role("button", name="Start a class", exact=True).click()
    counts = teacher.locator(".st-key-class_bar_counts")
    expect(counts).to_be_visible(timeout=WAIT_MS)
    code = counts.inner_text().split("·")[0].split()[-1]
    phone = _phone(browser, streamlit_server, code, "en")
    expect(phone.locator(f".st-key-lesson_start_{LESSON}")).to_be_visible(timeout=WAIT_MS)  # the list, followed
    # While it waits on the list, which uses neither, the phone loads the code and italic faces a lesson's text
    # uses: its first step is not drawn late for them (bench.lesson_start).
    phone.wait_for_function(FACES_LOADED, timeout=WAIT_MS)
    # Both pages load the code of the lessons' elements while the class waits (every file of this Streamlit).
    for page in (teacher, phone):
        expect(page.locator("html")).to_have_attribute(
            "data-ae-warm-code", str(len(warm.element_files())), timeout=WAIT_MS
        )
        assert page.locator(f".st-key-{warm.DRAW_KEY}").count() == 0  # drawn out of sight, and taken away
    for page in (teacher, phone):
        page.evaluate("performance.clearResourceTimings()")

    _settled(teacher)
    teacher.locator(f".st-key-lesson_start_{LESSON} button").click()
    teacher.locator(".st-key-lesson_next button").click()  # at once: the start and the Next reach the phone together
    expect(phone.locator(DOCK)).to_contain_text(titles[1], timeout=WAIT_MS)
    expect(teacher.locator(DOCK)).to_contain_text(titles[1], timeout=WAIT_MS)
    assert not phone.locator(".stException").count()
    _settled(teacher)
    _settled(phone)
    assert teacher.evaluate(SCRIPTS_FETCHED) == [] and phone.evaluate(SCRIPTS_FETCHED) == []

    _settled(teacher)
    teacher.locator(".st-key-class_lesson_ask button").click()
    question = phone.locator(QUESTION)
    question.wait_for(timeout=WAIT_MS)
    _settled(phone)
    option = question.get_by_role("radiogroup", name="Your answer").get_by_role("radio").first
    option.click()  # the phone answers
    expect(phone.get_by_text(f"Your answer: {option.inner_text()}.", exact=False)).to_be_visible(timeout=WAIT_MS)
    _settled(phone)
    _settled(teacher)
    teacher.locator(".st-key-class_reveal button").click()
    teacher.locator(".st-key-class_lesson_revealed, .st-key-class_revealed").first.wait_for(timeout=WAIT_MS)
    expect(phone.get_by_text(RIGHT).first).to_be_visible(timeout=WAIT_MS)  # the phone shows the class's answers
    _settled(phone)
    phone.evaluate(SCROLL_BY, 500)  # the student scrolls down to read the answers' explanation and the step
    assert phone.evaluate(SCROLLED) == 500

    _settled(teacher)
    teacher.locator(".st-key-lesson_next button").click()
    expect(phone.locator(DOCK)).to_contain_text(titles[2], timeout=WAIT_MS)
    _settled(phone)
    assert phone.evaluate(SCROLLED) == 0  # step 3 opens at the top
    assert not phone.locator(".stException").count() and not teacher.locator(".stException").count()
    for page in (teacher, phone):
        page.context.close()
