"""A teacher's lesson on every kind of page, in a real browser: one step on each of Decode, Compare, Beam
search, Hidden states, Timelapse, Train, Lab and Models, each step's text naming one control of its page in
bold. Walked with Next from the first step, each step opens its own page (its path in the address bar),
and the control its text names is there, on the page, outside the lesson's panel; the named word is bold
in the panel.

The lesson is written to a temporary folder named by ATTENTION_EXPLORER_LESSONS; the app serves the
shipped models. Each control is one the page declares (explorer.state.page_controls) and shows at once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from explorer.lessons import LESSONS_ENV
from explorer.state.page_controls import PAGE_CONTROLS
from explorer.state.pages import BY_NAME
from tests.e2e import page_clock

SCRIPT_DONE = "[data-test-script-state='notRunning']"
PANEL = ".st-key-lesson_dock"
WAIT_MS = 30_000
# page, the control its step names (its role on the page: "box" by its label, "button" or "radiogroup"), view
STEPS = (
    ("decode", "box", "Source sentence", 'task = "reverse", scorer = "dot", sentence = "hello", step = "2"'),
    ("compare", "box", "Scorer A", 'task = "reverse", sentence = "hello"'),
    ("beam", "box", "Hypothesis", 'task = "reverse", scorer = "dot", sentence = "hello", beam = "3"'),
    ("states", "box", "Projection", 'task = "reverse", scorer = "dot", sentence = "hello", step = "2"'),
    ("timelapse", "radiogroup", "History of", 'task = "reverse"'),
    ("train", "button", "Race all scorers", 'task = "dates"'),
    ("lab", "button", "Permute", 'task = "reverse", scorer = "dot", sentence = "hello", step = "1", view = "step"'),
    ("models", "box", "Model", ""),
)


def lesson_toml() -> str:
    steps = "".join(
        f'\n[[steps]]\ntitle = "On {BY_NAME[page].label}"\ntext = "Find **{label}** on this page."\n'
        f'page = "{page}"\n' + (f"view = {{ {view} }}\n" if view else "")
        for page, _role, label, view in STEPS
    )
    return f'title = "Every page"\naudience = "Testers"\nminutes = 10\n{steps}'


def test_the_steps_name_controls_their_pages_declare():
    for page, _role, label, _view in STEPS:
        assert label in {control.label for control in PAGE_CONTROLS[page] if not control.after}, (page, label)


@pytest.fixture(scope="module")
def lessons_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lessons")
    (folder / "every-page.toml").write_text(lesson_toml(), encoding="utf-8")
    return folder


def control(page: Page, role: str, label: str):
    """The page's own control `label` (the lesson's panel labels none of these)."""
    if role == "box":
        return page.get_by_label(label, exact=True)
    return page.get_by_role(role, name=label, exact=True)  # type: ignore[arg-type]


def test_a_lesson_walks_every_kind_of_page_with_its_named_control(
    page: Page, start_streamlit, lessons_folder: Path
) -> None:
    url = start_streamlit(env={LESSONS_ENV: str(lessons_folder)})
    panel = page.locator(PANEL)
    page.goto(f"{url}/Lessons?lesson=every-page&at=1")
    for number, (name, role, label, _view) in enumerate(STEPS, start=1):
        path = BY_NAME[name].url_path
        expect(page).to_have_url(re.compile(rf"/{path}(\?.*)?[?&]lesson=every-page&at={number}$"), timeout=WAIT_MS)
        expect(panel.get_by_role("heading", name=f"On {BY_NAME[name].label}")).to_be_visible(timeout=WAIT_MS)
        expect(panel.locator("strong").filter(has_text=re.compile(rf"^{re.escape(label)}$"))).to_be_visible()
        found = control(page, role, label).first
        expect(found).to_be_visible(timeout=WAIT_MS)
        assert found.evaluate(f"e => e.closest('{PANEL}') === null"), (name, label)  # the page's, not the panel's
        page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
        expect(page.locator(".stException")).to_have_count(0)
        if number < len(STEPS):
            page_clock.click_still(page, panel.get_by_role("button", name="Next", exact=True))
    expect(panel.get_by_text("This is the end of the lesson.")).to_be_visible(timeout=WAIT_MS)
