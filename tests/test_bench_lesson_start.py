"""What bench.lesson_start waits for on a phone (issue 62): the first step's title as the lesson's panel shows it.

The bench itself starts a server, browsers and busy loops (docs/performance.md); here only what it looks for.
"""

from __future__ import annotations

import pytest

from bench import lesson_start
from bench.browser import FRAME_VIEW
from explorer.lessons import catalog


def test_the_title_waited_for_is_the_panels_with_its_numbers_filled_in() -> None:
    lessons = catalog()[0]
    # Lesson 6's first title is written "Epoch {e0.epoch}: a model that knows nothing": the bench waited for the
    # braces, which no page shows, and counted every start a miss.
    title, view = lesson_start.first_step(lessons["6-watching-attention-learn"])
    assert title == "Epoch 0: a model that knows nothing" and view == ", ".join(FRAME_VIEW["heatmap"])
    for lesson in lessons.values():
        title, view = lesson_start.first_step(lesson)
        assert title and "{" not in title and view


def test_a_lesson_that_does_not_exist_is_refused_with_the_list(capsys) -> None:
    with pytest.raises(SystemExit):
        lesson_start.main(["--lesson", "9-no-such-lesson", "--trials", "1"])
    err = capsys.readouterr().err
    assert "no lesson '9-no-such-lesson'" in err and "2-what-a-scorer-computes" in err
