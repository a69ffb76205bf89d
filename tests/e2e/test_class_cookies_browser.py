"""A browser that keeps no cookie, in real Chromium (issue 65): a profile whose settings block every site's cookies
(what a user's "Block all cookies" does), so the server's member id never comes back; the join link then says that
joining a class needs cookies, and the page opens no class stream (it used to retry a refused stream for ever,
saying the server was busy)."""

from __future__ import annotations

import json

from playwright.sync_api import Browser, Playwright, expect

from explorer.classrooms.store import CookiesNeeded
from tests.e2e.test_class_browser import WAIT_MS, start_class

BLOCK_COOKIES = {"profile": {"default_content_setting_values": {"cookies": 2}}}  # Chromium's "Block all cookies"


def test_a_browser_without_cookies_is_told_that_joining_needs_them(
    browser: Browser, playwright: Playwright, browser_type_launch_args: dict, start_streamlit, tmp_path
):
    server = start_streamlit()  # its own server and rooms
    _teacher, code = start_class(browser, server)
    (tmp_path / "Default").mkdir()
    (tmp_path / "Default" / "Preferences").write_text(json.dumps(BLOCK_COOKIES))
    context = playwright.chromium.launch_persistent_context(tmp_path, **browser_type_launch_args)
    try:
        student = context.new_page()
        streams: list[str] = []
        student.on("request", lambda request: streams.append(request.url) if "class-events" in request.url else None)
        student.goto(f"{server}/?room={code}")
        expect(student.get_by_text(str(CookiesNeeded()))).to_be_visible(timeout=WAIT_MS)
        expect(student.get_by_text(f"Following the teacher of class {code}")).to_have_count(0)
        assert not [c for c in context.cookies() if c["name"] == "ae_member"]  # no member id was kept
        assert streams == []  # and no stream was opened to be refused
    finally:
        context.close()
