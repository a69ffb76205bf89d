"""Images in a teacher's lesson, in a real browser: one from another server is never fetched (it is
shown as a link to its address) unless ATTENTION_EXPLORER_LESSON_REMOTE_IMAGES=1 allows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from explorer.lessons import LESSONS_ENV
from explorer.ui.common.markdown import REMOTE_IMAGES_ENV

SCRIPT_DONE = "[data-test-script-state='notRunning']"
WAIT_MS = 30_000
ELSEWHERE = "https://images.example"
LESSON = f'''title = "Pictures"
audience = "Anyone"
minutes = 5

[[steps]]
title = "A picture"
text = """
Inline ![a cat]({ELSEWHERE}/cat.png), by reference ![a dog][dog].

[dog]: {ELSEWHERE}/dog.png
"""
page = "models"
'''


@pytest.fixture(scope="module")
def lessons_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lessons")
    (folder / "pictures.toml").write_text(LESSON, encoding="utf-8")
    return folder


def open_step(page: Page, url: str) -> tuple[list[str], list[str]]:
    """(the step's image addresses, the requests made to the other server) once the step is drawn."""
    asked: list[str] = []

    def refuse(route: Route) -> None:
        asked.append(route.request.url)
        route.abort()

    page.route(f"{ELSEWHERE}/**", refuse)
    page.goto(f"{url}/Lessons?lesson=pictures&at=1")
    expect(page.get_by_role("heading", name="A picture")).to_be_visible(timeout=WAIT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    sources = page.locator("[data-testid='stMarkdown'] img").evaluate_all("images => images.map(i => i.src)")
    return sources, asked


def test_images_from_another_server_are_links_by_default(page: Page, start_streamlit, lessons_folder) -> None:
    url = start_streamlit(env={LESSONS_ENV: str(lessons_folder), REMOTE_IMAGES_ENV: ""})
    sources, asked = open_step(page, url)
    assert sources == [] and asked == []
    expect(page.get_by_role("link", name="a cat")).to_have_attribute("href", f"{ELSEWHERE}/cat.png")
    expect(page.get_by_role("link", name="a dog")).to_have_attribute("href", f"{ELSEWHERE}/dog.png")
    expect(page.locator(".stException")).to_have_count(0)


def test_the_setting_shows_images_from_another_server(page: Page, start_streamlit, lessons_folder) -> None:
    url = start_streamlit(env={LESSONS_ENV: str(lessons_folder), REMOTE_IMAGES_ENV: "1"})
    sources, _asked = open_step(page, url)
    assert sorted(sources) == [f"{ELSEWHERE}/cat.png", f"{ELSEWHERE}/dog.png"]
    expect(page.locator(".stException")).to_have_count(0)
