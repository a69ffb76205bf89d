"""What a lesson step's projected frame keeps in sight (explorer.lessons.schema.Step.frame_view, issue 62): the
step's `shows`, else its page's usual view; a `shows` the frame does not know is a problem on its line. The
Models page leads with the task the step names, so that its table is the one in the frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.lessons import catalog
from explorer.lessons.__main__ import main
from explorer.lessons.reader import read
from explorer.lessons.schema import Step
from explorer.views.models import tasks_in_order

LESSON = """title = "Frame"
audience = "Anyone"
minutes = 5

[[steps]]
title = "A step"
text = "Look."
page = "lab"
view = {{ task = "dates", view = "scorers" }}
{shows}
"""


def write(folder: Path, shows: str) -> Path:
    path = folder / "frame.toml"
    path.write_text(LESSON.format(shows=shows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("page", "view", "shows", "kept"),
    [
        ("decode", {}, "", "heatmap"),
        ("compare", {}, "", "heatmap"),
        ("timelapse", {}, "", "heatmap"),
        ("models", {}, "", "table"),
        ("lab", {"view": "scorers"}, "", "table"),
        ("lab", {"view": "split"}, "", "chart"),
        ("train", {}, "", "chart"),
        ("beam", {}, "", "chart"),
        ("decode", {}, "output", "output"),
        ("models", {}, "chart", "chart"),
    ],
)
def test_a_step_keeps_what_it_names_or_its_pages_usual_view(page, view, shows, kept):
    assert Step("s", "t", page, view, line=1, shows=shows).frame_view() == kept


def test_a_step_naming_a_view_the_frame_does_not_know_fails_the_check_on_its_line(tmp_path, capsys):
    path = write(tmp_path, 'shows = "poster"')
    assert main(["check", "--no-claims", str(path)]) == 1
    said = capsys.readouterr().out
    assert f"{path}:10: step 1: shows must be one of heatmap, chart, table, output, not " in said


def test_a_named_view_is_read(tmp_path):
    assert read(write(tmp_path, 'shows = "chart"')).steps[0].frame_view() == "chart"
    assert read(write(tmp_path, "")).steps[0].frame_view() == "table"


def test_the_models_page_leads_with_the_shared_task():
    tasks = ["reverse", "dates", "en-fr", "reverse", "zh-en"]
    assert tasks_in_order(tasks, "en-fr") == ["en-fr", "reverse", "dates", "zh-en"]
    assert tasks_in_order(tasks, "fr-de") == ["reverse", "dates", "en-fr", "zh-en"]  # no models: registry order
    assert tasks_in_order(tasks, None) == ["reverse", "dates", "en-fr", "zh-en"]


def test_every_shipped_step_on_the_models_page_names_the_task_its_table_leads_with():
    for lesson in catalog()[0].values():
        for step in lesson.steps:
            if step.page == "models":
                assert step.view.get("task") in ("en-fr", "zh-en", "reverse", "dates"), (lesson.id, step.title)
