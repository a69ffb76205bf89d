"""The cluster's security headers do not break the app (issue 51), in real Chromium through nginx.

nginx adds a Content-Security-Policy (everything from this server only, frame-ancestors 'self'),
X-Frame-Options and nosniff to every answer (deploy/nginx.conf.template). Every page, the Decode page's
instant stepper (a srcdoc frame) and a plotly chart among them, must render through it with no
exception, no refused resource and no console error; and another site cannot frame the app.
Skipped, with the reason, where nginx or redis-server is missing.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from deploy.cluster import start_cluster
from deploy.errors import ClusterError
from deploy.probes import free_port
from deploy.processes import find_program
from tests.e2e.test_pages_browser import PAGES, SCRIPT_DONE


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    for program in ("nginx", "redis-server"):
        try:
            find_program(program)
        except ClusterError as error:
            pytest.skip(str(error))
    started = start_cluster(1, free_port(), tmp_path_factory.mktemp("csp"), warm_up=False, timeout_s=60)
    yield started
    started.stop()


def test_every_page_renders_under_the_content_security_policy(browser: Browser, cluster) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} ({m.location.get('url')})") if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for path, title in PAGES.items():
            page.goto(f"{cluster.url}/{path}")
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=60_000)
            expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
            expect(page.locator(".stException")).to_have_count(0)
        # Decode's instant stepper (a srcdoc frame: its inline script under the page's policy) steps.
        page.goto(f"{cluster.url}/Decode?task=reverse&scorer=general&sentence=abcdef")
        expect(page.locator(SCRIPT_DONE)).to_have_count(1, timeout=60_000)
        refused = [e for e in errors if "Content Security Policy" in e or "Refused to" in e]
        assert refused == [] and errors == [], errors
    finally:
        page.context.close()


def test_another_site_cannot_frame_the_app(browser: Browser, cluster) -> None:
    page = browser.new_context().new_page()
    try:
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text, timeout=30_000) as refused:
            page.set_content(f'<iframe id="app" src="{cluster.url}/" width="800" height="600"></iframe>')
        assert "frame-ancestors 'self'" in refused.value.text
        expect(page.frame_locator("#app").locator("#root")).to_have_count(0)
    finally:
        page.context.close()
