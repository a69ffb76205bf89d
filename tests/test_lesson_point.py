"""A lesson step's `point`: a control of its page that the lesson's panel names and outlines on the page
(explorer.lessons.reader checks it against explorer.state.page_controls; explorer.ui.lessons.dock draws it)."""

from __future__ import annotations

import pytest

from explorer.i18n import _, using
from explorer.lessons import LessonError, read
from tests.app_fixtures import app_test, ok
from tests.test_lessons import GOOD, write

POINTED = GOOD.replace('step = "2" }\n', 'step = "2" }\npoint = "Current step"\n')


def test_a_step_points_at_a_control_its_page_shows(tmp_path):
    (step,) = read(write(tmp_path, "pointed.toml", POINTED)).steps
    assert step.point == "Current step"
    assert read(write(tmp_path, "plain.toml", GOOD)).steps[0].point == ""


@pytest.mark.parametrize("control", ["Sentence", "Scorer A", "<b>x</b>"])  # Compare's, Compare's, none
def test_a_point_at_a_control_the_page_does_not_show_is_named_with_its_line(tmp_path, control):
    with pytest.raises(LessonError) as error:
        read(write(tmp_path, "bad.toml", POINTED.replace('"Current step"', f'"{control}"')))
    (problem,) = error.value.problems
    assert problem.line == 10 and f"point names {control!r}, which the decode page does not show" in problem.message
    assert "Current step" in problem.message  # the controls it may name


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_panel_names_the_pointed_control_in_the_pages_language(tmp_path, monkeypatch, lang):
    monkeypatch.setenv("ATTENTION_EXPLORER_LESSONS", str(tmp_path))
    write(tmp_path, "pointed.toml", POINTED)
    at = app_test("app_pages/8_Lessons.py")
    at.query_params.update({"lesson": "pointed", "at": "1", "lang": lang})
    ok(at.run())  # the link opens the step on its page: Decode
    with using(lang):
        said = _("Look at **{control}**, outlined on the page.").format(control=_("Current step"))
        title = _("Decode, step by step")
    assert at.title[0].value == title  # the step's own page
    assert said in [m.value for m in at.markdown], [m.value for m in at.markdown][:12]


def test_the_catalog_is_read_again_only_when_a_file_changes(tmp_path):
    """A running lesson's panel reads the catalog on every run of every page: the files are parsed once, and
    again as soon as one is changed, added or removed."""
    from explorer.lessons.listing import catalog

    write(tmp_path, "pointed.toml", POINTED)
    first, _ = catalog([tmp_path])
    assert catalog([tmp_path])[0]["pointed"] is first["pointed"]  # not parsed again
    write(tmp_path, "pointed.toml", POINTED.replace('title = "A lesson"', 'title = "A lesson, edited"'))
    assert catalog([tmp_path])[0]["pointed"].title == "A lesson, edited"
    write(tmp_path, "second.toml", GOOD)
    assert sorted(catalog([tmp_path])[0]) == ["pointed", "second"]
    (tmp_path / "second.toml").unlink()
    assert sorted(catalog([tmp_path])[0]) == ["pointed"]
