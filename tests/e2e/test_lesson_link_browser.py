"""A lesson link opened on the Lessons page, in a real browser, read from the websocket itself: the page switches
to the step's page before anything on the Lessons page can ask for a run of its own.

The tab's memory (explorer.ui.classes.memory) answers as soon as it is drawn, and its answer asks for a run of the
page the browser believes it is on. Drawn on the Lessons page before the switch, an answer that left before the
browser heard of the switch reran the Lessons page after the step's page had taken the link, and the link ended
on the list of lessons (seen under load). Whether that happens depends on timing; what the app controls does not:
the Lessons page's run must send no tab-memory component, and no run the browser asks for may name the Lessons
page.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, WebSocket, expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from explorer.lessons import catalog
from explorer.ui.classes.memory import NAME as TAB_MEMORY_NAME
from tests.e2e import page_clock

WAIT_MS = 30_000


def test_a_lesson_link_switches_before_the_lessons_page_asks_the_tab_anything(
    page: Page, streamlit_server: str
) -> None:
    lesson = catalog()[0]["8-is-attention-an-explanation-baselines"]
    pages: dict[str, str] = {}  # page script hash -> URL path, from new_session
    running: list[str] = []  # the page of each run the server began, in order
    drawn: list[tuple[str, str]] = []  # (the run's page, component name) for every v2 component sent
    asked: list[str] = []  # the page each rerun the browser asked for names, after the first (the URL's page)

    def received(payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg.FromString(payload)
        if message.HasField("new_session"):
            for app_page in message.new_session.app_pages:
                pages[app_page.page_script_hash] = app_page.url_pathname or "(home)"
            running.append(pages.get(message.new_session.page_script_hash, "?"))
        elif message.HasField("delta") and message.delta.new_element.HasField("bidi_component"):
            drawn.append((running[-1] if running else "?", message.delta.new_element.bidi_component.component_name))

    def sent(payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        message = BackMsg.FromString(payload)
        if message.HasField("rerun_script") and running:
            asked.append(pages.get(message.rerun_script.page_script_hash, "?"))

    def socket(ws: WebSocket) -> None:
        ws.on("framereceived", received)
        ws.on("framesent", sent)

    page.on("websocket", socket)
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/Lessons?lesson={lesson.id}&at=1")
    expect(page).to_have_url(re.compile(rf"/Lab\?.*lesson={lesson.id}&at=1$"), timeout=WAIT_MS)
    expect(page.locator(".st-key-lesson_dock").get_by_role("heading", name=lesson.steps[0].title)).to_be_visible(
        timeout=WAIT_MS
    )
    page_clock.answered(page)  # every run asked for has ended (the tab keeps no class: its memory asks for none)
    assert running[:2] == ["Lessons", "Lab"], running
    assert (running[0], TAB_MEMORY_NAME) not in drawn, drawn  # the Lessons run left before drawing it
    assert ("Lab", TAB_MEMORY_NAME) in drawn, drawn
    assert set(asked) <= {"Lab"}, asked  # every run the browser asked for (if any): the step's page
    expect(page).to_have_url(re.compile(rf"/Lab\?.*lesson={lesson.id}&at=1$"))
