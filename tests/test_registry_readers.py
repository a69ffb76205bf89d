"""tests/registry_readers.py finds the tests that read a registry by what they name, as its docstring says."""

from __future__ import annotations

from pathlib import Path

from tests.registry_readers import page_tests, registry_tests

CATALOG = """
from seq2seq.scorers import SCORERS
from seq2seq.tasks import REGISTRY


def scorers_for(task):
    return list(SCORERS)


def label(task):
    return task.upper()  # reads no registry
"""

HELPERS = """
import pytest
from seq2seq.scorers import SCORERS as NAMES
from streamlit.testing.v1 import AppTest

ATTENTION = [s for s in NAMES if s != "none"]


@pytest.fixture
def every_scorer():
    return ATTENTION


def open_page(script):
    return AppTest.from_file(script)
"""

TESTS = """
import pytest
from explorer.state import catalog
from tests.helpers import ATTENTION, open_page

SCORERS = ("none", "dot")  # this module's own, not the registry


@pytest.mark.parametrize("scorer", ATTENTION)
def test_through_a_helper(scorer): ...
def test_through_a_fixture(every_scorer): ...
def test_through_the_catalog(): catalog.scorers_for("reverse")
def test_a_catalog_function_that_reads_nothing(): catalog.label("reverse")
def test_a_local_tuple_named_like_the_registry(): assert SCORERS
def test_the_doc(): open("docs/architecture.md")
def test_an_import_inside(): from seq2seq.tasks import all_tasks
def test_a_page(): open_page("app.py")
@pytest.mark.slow
def test_slow(): ATTENTION


class TestGroup:
    names = ATTENTION

    def test_in_a_class(self): ...
"""


def test_the_finder_follows_helpers_fixtures_and_the_catalog_and_leaves_out_look_alikes_and_slow_tests(tmp_path):
    (tmp_path / "explorer/state").mkdir(parents=True)
    (tmp_path / "explorer/state/catalog.py").write_text(CATALOG, encoding="utf-8")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (tests / "test_sample.py").write_text(TESTS, encoding="utf-8")
    (tests / "test_extensibility.py").write_text("from seq2seq.scorers import SCORERS\ndef test_x(): SCORERS\n")
    assert registry_tests(tests) == [
        f"tests/test_sample.py::{name}"
        for name in (
            "test_through_a_helper", "test_through_a_fixture", "test_through_the_catalog", "test_the_doc",
            "test_an_import_inside", "TestGroup::test_in_a_class",
        )
    ]  # fmt: skip
    assert page_tests(tests) == ["tests/test_sample.py::test_a_page"]


def test_the_real_suite_has_registry_tests_of_every_kind():
    """The rules find, in this repository, the tests the issue named (a test that stops finding them fails)."""
    found = registry_tests(Path(__file__).resolve().parent)
    for test in (
        "tests/test_attention.py::test_the_scorer_classes_are_the_one_list",
        "tests/test_pretrained.py::test_every_shipped_task_and_scorer_is_registered_in_display_order",
        "tests/test_curve_colors.py::test_every_scorer_of_the_race_gets_its_own_colour_and_none_is_the_markers",
        "tests/test_view_fields.py::test_a_value_refused_gives_the_default_and_one_note_naming_it",
    ):
        assert test in found
    assert "tests/test_pretrained.py::test_the_quality_bars_are_met_on_the_test_split" not in found  # the manifest's
