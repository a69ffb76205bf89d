"""The view's one owner in a real browser (explorer.state.owner), each case four times in a row in the default run
(the link three times) and ten times with the slow suites (`make test-slow`).

- Beam search: a new task's search is the one shown: its best hypothesis in the Hypothesis box and
  under the heatmap, the width kept (the box used to keep the last task's "1. dlrow olleh", and the
  width to drop to 1).
- Hidden states and Beam search: a new task keeps the scorer it has (concat, here not the default); the
  box used to fall back to its first option, `none`.
- A Decode link with a 28-character sentence opens on that sentence with both cores kept busy by CPU-bound
  processes the test starts (a teacher's laptop is a busy machine); the page used to draw the default.

Every wait is for what the page shows, never for a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from explorer.state import catalog
from explorer.views import beam as beam_view
from seq2seq.checkpoint import load_model
from tests.quick import first_quick

# How many times in a row each case is taken: the default run's, then the slow suites' (tests/quick.py).
REPEATS = pytest.mark.parametrize("repeat", first_quick([4, 10]))
LINK_REPEATS = pytest.mark.parametrize("repeat", first_quick([3, 10]))
TASKS = ("zh-en", "reverse")  # switched back and forth: each has every scorer
SCORER = "concat"  # not the tasks' default scorer (general): kept, or the fallback shows
WIDTH = 4
SENTENCE = "<img src=x onerror=alert(1)>"  # 28 characters, markup that must stay text


def _best(task: str) -> tuple[str, str]:
    """(the Hypothesis box's label, the hypothesis's text) of the task's example under SCORER at WIDTH."""
    model = load_model(catalog.model_for(task, SCORER).name)
    best = model.beam(catalog.default_sentence(task), width=WIDTH).hypotheses[0]
    return beam_view.hypothesis_label(0, best), best.text


def _choose(page: Page, label: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


@REPEATS
def test_beam_search_shows_the_new_tasks_search_and_keeps_scorer_and_width(
    page: Page, streamlit_server: str, repeat: int
) -> None:
    expected = {task: _best(task) for task in TASKS}
    query = urllib.parse.urlencode({"task": "reverse", "scorer": SCORER, "sentence": "hello world", "beam": WIDTH})
    page.goto(f"{streamlit_server}/Beam_search?{query}")
    expect(page.get_by_role("combobox", name="Hypothesis")).to_have_value(expected["reverse"][0])
    for i in range(repeat):
        task = TASKS[i % 2]
        _choose(page, "Task", catalog.task_label(task))
        label, text = expected[task]
        expect(page.get_by_role("combobox", name="Hypothesis")).to_have_value(label)
        expect(page.get_by_text(f"hypothesis 1: {text}")).to_be_visible()  # under the heatmap: the same search
        expect(page.get_by_role("combobox", name="Scorer")).to_have_value(SCORER)
        expect(page.get_by_role("slider", name="Beam width")).to_have_value(str(WIDTH))
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query).get("beam") == [str(WIDTH)]
    expect(page.locator(".stException")).to_have_count(0)


@REPEATS
def test_hidden_states_keeps_the_scorer_the_new_task_has(page: Page, streamlit_server: str, repeat: int) -> None:
    query = urllib.parse.urlencode({"task": "reverse", "scorer": SCORER, "sentence": "hello world"})
    page.goto(f"{streamlit_server}/Hidden_states?{query}")
    expect(page.get_by_role("combobox", name="Scorer")).to_have_value(SCORER)
    for i in range(repeat):
        task = TASKS[i % 2]
        _choose(page, "Task", catalog.task_label(task))
        expect(page.get_by_role("combobox", name="Scorer")).to_have_value(SCORER)
        expect(page.get_by_role("textbox", name="Sentence")).to_have_value(catalog.default_sentence(task))
        expect(page.get_by_text(f"Model {catalog.model_for(task, SCORER).name}", exact=False).first).to_be_visible()
    expect(page.locator(".stException")).to_have_count(0)


@pytest.fixture
def busy_cores() -> Iterator[None]:
    """Every core kept busy by a CPU-bound process of the test's own while the test runs."""
    spin = "while True:\n    pass\n"
    hogs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(os.cpu_count() or 2)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


@LINK_REPEATS
def test_a_decode_link_opens_on_its_sentence_on_a_busy_machine(
    page: Page, streamlit_server: str, busy_cores, repeat: int
) -> None:
    query = urllib.parse.urlencode({"task": "dates", "scorer": "general", "sentence": SENTENCE, "step": "2"})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for _ in range(repeat):
        page.goto(f"{streamlit_server}/Decode?{query}")  # a fresh page: a new session opens the link
        expect(page.get_by_role("textbox", name="Source sentence")).to_have_value(SENTENCE, timeout=60_000)
        heatmap = page.locator("svg#decode-heatmap")
        expect(heatmap).to_have_attribute("data-rows", "2", timeout=60_000)
        # one column per source token (the 28 characters and </s>) in each row drawn
        expect(heatmap.locator('g[data-row="0"] rect')).to_have_count(len(SENTENCE) + 1)
    expect(page.locator("img[src=x]")).to_have_count(0)
    assert dialogs == []
