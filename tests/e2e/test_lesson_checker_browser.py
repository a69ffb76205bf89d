"""The lessons' controls rule in a real browser: a teacher's lesson whose Compare step tells students to use
**Explain this cell** (a Decode tab; Compare has none) is named on the Lessons page, with its file, line and the
control, in the page's language, and still listed; `python -m explorer.lessons check` fails on the same file."""

from __future__ import annotations

import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT

WAIT_MS = 30_000
LESSON = """title = "A teacher's lesson"
audience = "Anyone"
minutes = 5

[[steps]]
title = "Two scorers"
text = "Compare the heatmaps, then open **Explain this cell**."
text_zh = "比较热力图，然后打开**解释这个格子**。"
page = "compare"
view = { task = "reverse", sentence = "hello" }
"""


@pytest.fixture(scope="module")
def teachers_folder(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("teachers-lessons")
    (folder / "absent-control.toml").write_text(LESSON, encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(
    ("lang", "heading", "words"),
    [
        ("en", "Lessons", 'step 1: the text names "Explain this cell"'),
        ("zh", "课程", "第 1 步：正文提到了"),
    ],
)
def test_a_step_naming_a_control_its_page_lacks_is_named_on_the_lessons_page(
    page: Page, start_streamlit, teachers_folder, lang, heading, words
) -> None:
    server = start_streamlit(env={"ATTENTION_EXPLORER_LESSONS": teachers_folder})
    page.goto(f"{server}/Lessons?lang={lang}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=WAIT_MS)
    warning = page.get_by_test_id("stAlertContentWarning").filter(has_text="absent-control.toml:5")
    expect(warning).to_be_visible(timeout=WAIT_MS)
    expect(warning).to_contain_text(words)
    expect(warning).to_contain_text("compare")
    expect(page.get_by_role("heading", name="A teacher's lesson")).to_be_visible()  # still listed: it runs


def test_the_command_line_checker_fails_on_the_same_file(teachers_folder) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "explorer.lessons", "check", f"{teachers_folder}/absent-control.toml"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'absent-control.toml:5: step 1: the text names "Explain this cell"' in result.stdout + result.stderr
