"""Who takes a seat, in real Chromium (issue 65): the member id is the server's, in an HttpOnly cookie that the
page's scripts cannot read and no URL carries; with "Let students in myself" a newcomer waits, showing its tag,
until the teacher lets that tag in, and then follows the teacher."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from explorer.ui.classes import members as members_ui
from tests.e2e.test_class_browser import WAIT_MS, start_class

# The student's page holds an open class stream (explorer/ui/classes/follow.js keeps its streams in this window
# field): its request has been made, and seen by the test's request listener, before this is true.
OPEN_STREAM = """() => Object.values(window.__aeClassStreams || {})
  .some(held => held.source && held.source.readyState === EventSource.OPEN)"""


def test_a_student_waits_with_its_tag_until_the_teacher_lets_it_in(browser: Browser, start_streamlit):
    server = start_streamlit()  # its own server and rooms
    teacher, code = start_class(browser, server)
    student = browser.new_context().new_page()
    try:
        members = teacher.get_by_text(re.compile(r"^\d+ members?$"))
        members.click()
        teacher.get_by_text("Let students in myself").click()
        expect(teacher.locator(".st-key-class_approval input")).to_be_checked(timeout=WAIT_MS)

        streams: list[str] = []  # the class streams the student's page opens
        student.on("request", lambda request: streams.append(request.url) if "class-events" in request.url else None)
        student.goto(f"{server}/?room={code}")
        waiting = student.get_by_text("Waiting for your teacher to let you in")
        expect(waiting).to_be_visible(timeout=WAIT_MS)
        tag = re.search(r"Your tag: (#[0-9a-f]{6})", waiting.inner_text()).group(1)
        cookie = next(c for c in student.context.cookies() if c["name"] == "ae_member")
        assert cookie["httpOnly"] and tag == members_ui.tag(cookie["value"])  # the tag is read from the id
        assert "ae_member" not in student.evaluate("() => document.cookie")  # no script of the page reads it

        bar = teacher.get_by_text(re.compile(rf"Class {code} · .*· 1 waiting"))  # the teacher's bar counts it
        expect(bar).to_be_visible(timeout=WAIT_MS)
        teacher.get_by_role("button", name="Refresh").click()  # the panel's list, as the bar counts it
        expect(teacher.get_by_text("1 waiting", exact=True)).to_be_visible(timeout=WAIT_MS)
        option = teacher.get_by_role("option").filter(has_text=tag)
        for _ in range(5):  # the list of tags waiting opens and its tag is picked (a redraw of the panel may close
            teacher.locator("[class*='st-key-class_waiting_pick'] input").click()  # the list: open it again)
            try:
                option.click(timeout=3000)
                break
            except PlaywrightTimeout:
                teacher.keyboard.press("Escape")
        teacher.keyboard.press("Escape")  # the list closes: the choice is sent
        teacher.get_by_text("1 waiting", exact=True).click()  # and the box loses the focus (a click elsewhere)
        let_in = teacher.get_by_role("button", name="Let in", exact=True)
        expect(let_in).to_be_enabled(timeout=WAIT_MS)
        let_in.click()
        expect(student.get_by_text(f"Following the teacher of class {code}")).to_be_visible(timeout=WAIT_MS)
        expect(student.get_by_text("· live")).to_be_visible(timeout=WAIT_MS)
        # "live" is the server's word; the class's stream is opened by the page's script after it is drawn
        student.wait_for_function(OPEN_STREAM, timeout=WAIT_MS)
        assert streams and not any("member" in url or cookie["value"] in url for url in streams)  # no id in a URL
        for page in (teacher, student):
            expect(page.locator(".stException")).to_have_count(0)
    finally:
        student.context.close()
        teacher.context.close()
