"""A class that holds, in real Chromium, in order: the teacher starts a class and reloads, and is still its
teacher (another tab of the same browser is not); three students join; the teacher locks, a fourth is
told the class is locked, and a student who reloads gets back in; the teacher's tab closes, and the
students are told the teacher is away within 30 s (the server's `ATTENTION_EXPLORER_CLASS_AWAY_SECONDS` is 6)."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, Page, expect

from tests.e2e import page_clock
from tests.e2e.test_class_browser import WAIT_MS, join, start_class
from tests.e2e.test_pages_browser import SCRIPT_DONE

AWAY_WITHIN_MS = 30_000  # what a student may wait, at most, to learn that the teacher's page closed


def teaches(page: Page, code: str) -> None:
    """The page is the teacher of class `code`: its sidebar shows the class and End the class."""
    expect(page.get_by_text(re.compile(rf"Your class · code {code}"))).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("button", name="End the class")).to_be_visible(timeout=WAIT_MS)


def test_a_class_holds_a_reload_a_lock_and_the_teacher_leaving(browser: Browser, start_streamlit):
    # Its own server and rooms; the teacher is away 6 s after its page's last call (15 s by default).
    server = start_streamlit(
        env={"ATTENTION_EXPLORER_CLASS_IDLE_MINUTES": "10", "ATTENTION_EXPLORER_CLASS_AWAY_SECONDS": "6"}
    )
    teacher, code = start_class(browser, server)
    pages = [teacher]
    try:
        teacher.reload()
        teaches(teacher, code)
        assert code not in teacher.url  # the token and code live in the tab, never in the projected URL

        other_tab = teacher.context.new_page()  # the same browser, another tab: not the teacher
        pages.append(other_tab)
        page_clock.watch(other_tab)
        other_tab.goto(teacher.url)
        other_tab.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
        expect(other_tab.get_by_role("button", name="Start a class")).to_be_visible(timeout=WAIT_MS)
        page_clock.answered(other_tab)  # its one run: a new tab keeps no class, and its memory asks for none
        expect(other_tab.get_by_role("button", name="End the class")).to_have_count(0)
        other_tab.close()
        pages.remove(other_tab)

        students = [join(browser, server, code) for _ in range(3)]
        pages += students

        teacher.get_by_role("button", name="Lock", exact=True).click()  # in the teacher's bar
        expect(teacher.get_by_role("button", name="Unlock", exact=True)).to_be_visible(timeout=WAIT_MS)
        fourth = browser.new_context().new_page()
        pages.append(fourth)
        fourth.goto(f"{server}/?room={code}")
        expect(fourth.get_by_text("This class is locked: ask your teacher.")).to_be_visible(timeout=WAIT_MS)

        students[0].reload()  # a member who reloads gets back in
        expect(students[0].get_by_text(f"Following the teacher of class {code}")).to_be_visible(timeout=WAIT_MS)

        for page in pages:
            expect(page.locator(".stException")).to_have_count(0)
        closed = time.monotonic()
        teacher.context.close()
        pages.remove(teacher)
        for student in students:
            expect(student.get_by_text("the teacher is away", exact=False)).to_be_visible(
                timeout=max(1, AWAY_WITHIN_MS - int((time.monotonic() - closed) * 1000))
            )
        for student in students:  # nothing else changed for them: the last view stays
            expect(student.locator(".stException")).to_have_count(0)
            assert "sentence=abcdef" in student.url
    finally:
        for page in pages:
            page.context.close()
