"""A page's own query parameters (explorer.state.params): declared once per page (explorer.state.pages),
looked up among the page's values, a Message and a safe default for a value refused, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer import i18n
from explorer.i18n.errors import message_of
from explorer.state import pages, params
from explorer.state.params import Parsed
from seq2seq.messages import Message

ROOT = Path(__file__).resolve().parent.parent
MODELS = ["dates/general", "dates/dot", "reverse/general"]
VIEWS = ("step", "split", "scorers")
LESSONS = {"first-look": 4, "beam": 2}
TASKS = ["dates", "reverse"]
PROBES = ["9 may 2018", "Wednesday, May 9, 2018"]
EPOCHS = [0, 1, 2, 10]
LONG = "x" * 5000
HOSTILE = [LONG, "../x", "../../etc/passwd", "<script>alert(1)</script>", "a\x00b", "%2e%2e%2f", " dates", "DATES"]


def notes(parsed: Parsed) -> list[tuple[str, dict]]:
    """Each note as (its template, its values): what the page translates and fills in."""
    assert all(isinstance(note, Message) for note in parsed.notes)
    return [(note.template, note.params) for note in parsed.notes]


# -- the registry ------------------------------------------------------------------------------------------
def test_every_page_declares_the_parameters_it_reads_and_each_has_its_parser():
    declared = {page.name: page.params for page in pages.PAGES if page.params}
    assert declared == {
        "models": ("model",),
        "timelapse": ("task", "probe", "epoch"),
        "lessons": ("lesson", "at"),
        "lab": ("view",),
    }
    assert set(params.PARSERS) == set(declared)
    for page in pages.PAGES:  # a page's own parameters are no field of its view's link
        assert not set(page.params) & set(page.link_fields), page.name


def test_a_callers_mistake_is_an_error_but_no_url_is():
    with pytest.raises(ValueError):
        params.parse("decode", {"task": "dates"})  # the Decode page's link is a view (explorer.state.view)
    with pytest.raises(ValueError):
        params.parse("models", {}, view=VIEWS)  # Models reads no `view`
    with pytest.raises(KeyError):
        params.parse("nowhere", {})


def test_only_the_pages_own_parameters_are_read():
    query = {"view": "split", "lesson": "beam", "at": "2", "task": "dates", "lang": "zh", "colors": "cividis"}
    assert params.parse("models", query, model=MODELS) == Parsed({})
    assert params.parse("lab", {**query, "model": "nope"}, view=VIEWS) == Parsed({"view": "split"})


# -- Models: ?model=<name> -----------------------------------------------------------------------------------
def test_models_opens_a_registered_models_card():
    assert params.parse("models", {"model": "dates/dot"}, model=MODELS) == Parsed({"model": "dates/dot"})
    assert params.parse("models", {}, model=MODELS) == Parsed({})  # no link: the page's own default


@pytest.mark.parametrize("raw", ["dates/transformer", "", "Dates/Dot", *HOSTILE])
def test_models_refuses_an_unknown_model_for_the_first_with_a_note(raw):
    parsed = params.parse("models", {"model": raw}, model=MODELS)
    assert parsed.values == {"model": "dates/general"}
    assert notes(parsed) == [
        ("The model named in the link is not registered; showing {name}.", {"name": "dates/general"})
    ]
    assert str(parsed.notes[0]) == "The model named in the link is not registered; showing dates/general."


def test_models_reads_the_last_of_a_repeated_key():
    assert params.parse("models", {"model": ["nope", "reverse/general"]}, model=MODELS) == Parsed(
        {"model": "reverse/general"}
    )
    assert params.parse("models", {"model": ["reverse/general", "nope"]}, model=MODELS).values == {
        "model": "dates/general"
    }


# -- Lab: ?view=step|split|scorers -------------------------------------------------------------------------
@pytest.mark.parametrize("view", VIEWS)
def test_lab_opens_the_view_named(view):
    assert params.parse("lab", {"view": view}, view=VIEWS) == Parsed({"view": view})


def test_lab_opens_step_without_a_view():
    assert params.parse("lab", {"task": "dates"}, view=VIEWS) == Parsed({"view": "step"})


@pytest.mark.parametrize("raw", ["", "Split", "<script>", "../x", LONG, "a\x00b"])
def test_lab_refuses_an_unknown_view_for_step_with_a_note(raw):
    parsed = params.parse("lab", {"view": raw}, view=VIEWS)
    assert parsed.values == {"view": "step"}
    assert notes(parsed) == [
        (
            "Unknown view {view}; showing 'step' (one of {views}).",
            {"view": repr(raw[:40]), "views": "step, split, scorers"},
        )
    ]


def test_lab_reads_the_last_of_a_repeated_key():
    assert params.parse("lab", {"view": ["split", "scorers"]}, view=VIEWS) == Parsed({"view": "scorers"})
    assert params.parse("lab", {"view": []}, view=VIEWS).values == {"view": "step"}  # an empty list: ""


# -- Lessons: ?lesson=<id>&at=<step from 1> -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "values"),
    [
        ({"lesson": "beam", "at": "2"}, {"lesson": "beam", "at": 2}),
        ({"lesson": "first-look"}, {"lesson": "first-look", "at": 1}),
        ({"lesson": "first-look", "at": ""}, {"lesson": "first-look", "at": 1}),
        ({"lesson": "first-look", "at": " 3 "}, {"lesson": "first-look", "at": 3}),
        ({}, {}),
        ({"lesson": ""}, {}),
    ],
)
def test_lessons_open_the_step_named(query, values):
    assert params.parse("lessons", query, lesson=LESSONS) == Parsed(values)


LIST_NOTE = "There is no lesson {lesson}; here is the list of lessons."
NOT_A_STEP = "Ignored at={value}: not a step number; showing step 1."
OUTSIDE = "at={value} is outside the lesson's steps 1–{last}; showing step {nearest}."


@pytest.mark.parametrize(
    ("query", "values", "expected"),
    [
        ({"lesson": "nope", "at": "2"}, {}, [(LIST_NOTE, {"lesson": "'nope'"})]),
        ({"lesson": "../x"}, {}, [(LIST_NOTE, {"lesson": "'../x'"})]),
        ({"lesson": "<script>"}, {}, [(LIST_NOTE, {"lesson": "'<script>'"})]),
        ({"lesson": LONG}, {}, [(LIST_NOTE, {"lesson": repr("x" * 40 + "…")})]),
        (
            {"at": "3"},
            {},
            [("The link names step {step} but no lesson; here is the list of lessons.", {"step": "'3'"})],
        ),
        ({"lesson": "beam", "at": "two"}, {"lesson": "beam", "at": 1}, [(NOT_A_STEP, {"value": "'two'"})]),
        ({"lesson": "beam", "at": "1.5"}, {"lesson": "beam", "at": 1}, [(NOT_A_STEP, {"value": "'1.5'"})]),
        ({"lesson": "beam", "at": "<script>"}, {"lesson": "beam", "at": 1}, [(NOT_A_STEP, {"value": "'<script>'"})]),
        (
            {"lesson": "beam", "at": "9"},
            {"lesson": "beam", "at": 2},
            [(OUTSIDE, {"value": 9, "last": 2, "nearest": 2})],
        ),
        (
            {"lesson": "beam", "at": "-4"},
            {"lesson": "beam", "at": 1},
            [(OUTSIDE, {"value": -4, "last": 2, "nearest": 1})],
        ),
        (
            {"lesson": "beam", "at": "9" * 5000},  # past int()'s 4,300 digits: no step number
            {"lesson": "beam", "at": 1},
            [(NOT_A_STEP, {"value": repr("9" * 40 + "…")})],
        ),
        (
            {"lesson": "beam", "at": "9" * 4000},  # a number, quoted cut rather than in full
            {"lesson": "beam", "at": 2},
            [(OUTSIDE, {"value": repr("9" * 40 + "…"), "last": 2, "nearest": 2})],
        ),
    ],
)
def test_lessons_refuse_a_value_with_a_note_and_a_safe_place(query, values, expected):
    parsed = params.parse("lessons", query, lesson=LESSONS)
    assert parsed.values == values
    assert notes(parsed) == expected


def test_lessons_read_the_last_of_a_repeated_key():
    query = {"lesson": ["nope", "beam"], "at": ["1", "2"]}
    assert params.parse("lessons", query, lesson=LESSONS) == Parsed({"lesson": "beam", "at": 2})


# -- Timelapse: ?task=<task>&probe=<sentence>&epoch=<n> ---------------------------------------------------------
def test_timelapse_reads_each_parameter_once_its_choices_are_known():
    query = {"task": "reverse", "probe": "Wednesday, May 9, 2018", "epoch": "10"}
    assert params.parse("timelapse", query, task=TASKS) == Parsed({"task": "reverse"})
    parsed = params.parse("timelapse", query, probe=PROBES, epoch=EPOCHS)
    assert parsed == Parsed({"probe": "Wednesday, May 9, 2018", "epoch": 10})
    assert isinstance(parsed.values["epoch"], int)  # the history's own epoch, not the URL's text
    assert params.parse("timelapse", {}, task=TASKS, probe=PROBES, epoch=EPOCHS) == Parsed({})


@pytest.mark.parametrize("raw", ["klingon", "", "../x", "<script>", LONG])
def test_timelapse_ignores_an_unknown_task_with_a_note(raw):
    parsed = params.parse("timelapse", {"task": raw}, task=TASKS)
    assert parsed.values == {}  # the page keeps what it shows
    assert notes(parsed) == [
        ("Ignored task={value}: no shipped models of that task have a timelapse.", {"value": params.quoted(raw)})
    ]
    assert params.parse("timelapse", {"task": "dates"}, task=[]).notes  # no shipped task at all: refused too


def test_timelapse_ignores_an_unknown_probe_or_epoch_with_a_note():
    query = {"probe": "<script>alert(1)</script>", "epoch": "07"}
    parsed = params.parse("timelapse", query, probe=PROBES, epoch=EPOCHS)
    assert parsed.values == {}
    assert notes(parsed) == [
        (
            "Ignored probe={value}: not one of this timelapse's probe sentences.",
            {"value": "'<script>alert(1)</script>'"},
        ),
        (
            "Ignored epoch={value}: not one of the epochs recorded ({first}–{last}).",
            {"value": "'07'", "first": 0, "last": 10},
        ),
    ]
    assert str(parsed.notes[1]) == "Ignored epoch='07': not one of the epochs recorded (0–10)."
    long = params.parse("timelapse", {"probe": LONG, "epoch": "../x"}, probe=PROBES, epoch=EPOCHS)
    assert [note.params["value"] for note in long.notes] == [repr("x" * 40 + "…"), "'../x'"]


def test_timelapse_says_nothing_of_a_history_with_nothing_recorded():
    """The page says itself that no epoch is recorded: no note about the link's probe or epoch."""
    assert params.parse("timelapse", {"probe": "a", "epoch": "1"}, probe=[], epoch=[]) == Parsed({})


def test_timelapse_reads_the_last_of_a_repeated_key():
    parsed = params.parse("timelapse", {"epoch": ["1", "2"], "task": ["nope", "dates"]}, task=TASKS, epoch=EPOCHS)
    assert parsed == Parsed({"task": "dates", "epoch": 2})


# -- every note in the reader's language ------------------------------------------------------------------------
def test_the_notes_are_translated_where_shown():
    found = [
        *params.parse("models", {"model": "nope"}, model=MODELS).notes,
        *params.parse("lab", {"view": "nope"}, view=VIEWS).notes,
        *params.parse(
            "timelapse", {"task": "x", "probe": "y", "epoch": "z"}, task=TASKS, probe=PROBES, epoch=EPOCHS
        ).notes,
        *params.parse("lessons", {"lesson": "beam", "at": "x"}, lesson=LESSONS).notes,
    ]
    assert len(found) == 6
    with i18n.using("zh"):
        translated = [message_of(note) for note in found]
    assert translated == [
        "链接中指定的模型没有登记；现在显示 dates/general。",
        "未知的视图 'nope'；改为显示 'step'（可选：step, split, scorers）。",
        "已忽略 task='x'：这个任务没有带延时回放的随附模型。",
        "已忽略 probe='y'：它不是这段延时回放的探针句。",
        "已忽略 epoch='z'：它不是已记录的轮次（0–10）。",
        "已忽略 at='x'：它不是步数；显示第 1 步。",
    ]


def test_no_page_reads_a_query_parameter_itself():
    """Pages hand st.query_params over (to explorer.state, explorer.ui.common.pickers, a page's sections): none
    picks a value out of it."""
    for page in pages.PAGES:
        text = (ROOT / page.script).read_text(encoding="utf-8")
        assert "query_params.get(" not in text and "query_params[" not in text, page.script
