"""A page opened without a live class runs its script once (issue 61): the tab's memory (explorer.ui.classes.memory)
answers only when the tab keeps a class, and an answer is a second run. A second run as a page opens was a race:
a click given while it was asked for (a sidebar link, a Step) could be folded into it and lost.

The test waits for what the page shows, never for a time: the tab memory marks its element once it has read the
tab (`data-tab-memory`, "none" when it keeps nothing), and only then are the runs counted.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import page_clock

WAIT_MS = 30_000
READ = "[data-tab-memory]"


@pytest.mark.parametrize(
    "path",
    ["", "Decode?task=dates&scorer=general&sentence=9+may+2018&step=2", "Compare"],
    ids=["home", "decode", "compare"],
)
def test_a_page_opened_without_a_class_runs_once(page: Page, streamlit_server: str, path: str) -> None:
    page_clock.watch(page)
    page.goto(f"{streamlit_server}/{path}")
    memory = page.locator(READ)
    expect(memory).to_have_attribute("data-tab-memory", "none", timeout=WAIT_MS)  # the tab has been read
    page_clock.drawn(page)  # the page shows its run done
    assert (page_clock.asked(page), page_clock.runs(page)) == (1, 1)
    expect(page.locator(".stException")).to_have_count(0)


def test_a_tab_that_keeps_a_class_answers_and_the_page_runs_twice(page: Page, streamlit_server: str) -> None:
    """The answer is still given where it matters: a tab that keeps a class (here one the server refuses, an
    ended class) answers, the server reads it back in a second run, and then writes the tab's memory anew,
    forgetting the class it cannot take back."""
    page_clock.watch(page)
    page.add_init_script("sessionStorage.setItem('attention-explorer.class', 'student:ABCDEF:not-a-member')")
    page.goto(f"{streamlit_server}/Compare")
    expect(page.locator(READ)).to_have_attribute("data-tab-memory", "answered", timeout=WAIT_MS)
    # the second run read the answer and wrote the tab's memory anew: the class it cannot take back is forgotten
    page.wait_for_function("() => sessionStorage.getItem('attention-explorer.class') === null", timeout=WAIT_MS)
    assert page_clock.asked(page) == 2
