"""The default run's sample of a test's parameter grid (tests/conftest.py, the `diagonal` marker): every value of
every parameter at least once, the rest of the grid left to the slow suites; and of a list of values (tests/quick.py,
`first_quick`), the first."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import diagonal


def kept(sizes: dict[str, int]) -> list[tuple[int, ...]]:
    grid = [dict(zip(sizes, example, strict=True)) for example in itertools.product(*map(range, sizes.values()))]
    return [tuple(example.values()) for example, keep in zip(grid, diagonal(grid), strict=True) if keep]


def test_pages_by_languages_keep_every_page_once_and_both_languages():
    assert kept({"page": 5, "lang": 2}) == [(0, 0), (1, 1), (2, 0), (3, 1), (4, 0)]
    assert kept({"lang": 2, "page": 5}) == [(0, 0), (0, 2), (0, 4), (1, 1), (1, 3)]


@pytest.mark.parametrize("sizes", [{"a": 2, "b": 2}, {"a": 3, "b": 4, "c": 2}, {"a": 1, "b": 7}, {"a": 6}])
def test_every_value_of_every_parameter_is_kept_in_as_many_examples_as_the_longest_has(sizes):
    examples = kept(sizes)
    assert len(examples) == max(sizes.values())
    for position, size in enumerate(sizes.values()):
        assert {example[position] for example in examples} == set(range(size))


def test_an_example_without_parameters_and_a_one_parameter_grid_are_kept_whole():
    assert diagonal([{}]) == [True]
    assert diagonal([{"size": 0}, {"size": 1}]) == [True, True]


def test_the_default_run_leaves_the_rest_of_a_marked_grid_to_the_slow_suites(pytester):
    pytester.makeconftest("from tests.conftest import pytest_collection_modifyitems  # noqa: F401")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.diagonal
        @pytest.mark.parametrize("lang", ["en", "zh"])
        @pytest.mark.parametrize("page", ["a", "b", "c"])
        def test_grid(page, lang):
            pass

        @pytest.mark.parametrize("lang", ["en", "zh"])
        @pytest.mark.parametrize("page", ["a", "b", "c"])
        def test_whole(page, lang):
            pass
        """
    )
    quick = pytester.runpytest("-p", "no:cacheprovider", "-m", "not slow", "-q", "--co", "-p", "no:xdist")
    slow = pytester.runpytest("-p", "no:cacheprovider", "-m", "slow", "-q", "--co", "-p", "no:xdist")
    assert cases(quick.outlines, "test_grid") == ["a-en", "b-zh", "c-en"]
    assert len(cases(quick.outlines, "test_whole")) == 6
    assert cases(slow.outlines, "test_grid") == ["a-zh", "b-en", "c-zh"] and cases(slow.outlines, "test_whole") == []


def cases(lines: list[str], test: str) -> list[str]:
    """The parameters of `test`'s examples listed by `pytest --co -q` (pytest-playwright's browser left out)."""
    found = [line.split("[", 1)[1].rstrip("]") for line in lines if f"::{test}[" in line]
    return [case.removeprefix("chromium-") for case in found]


def test_first_quick_keeps_the_first_value_for_the_default_run_and_marks_the_others_slow():
    from tests.quick import first_quick

    first, *others = first_quick(["1366x768", "1920x1080", "3840x2160"])
    assert first == "1366x768"  # a plain value: no mark
    assert [other.values for other in others] == [("1920x1080",), ("3840x2160",)]
    assert all([mark.name for mark in other.marks] == ["slow"] for other in others)
    assert first_quick(iter(["en", "zh"]))[0] == "en"  # any iterable, a dict's keys too
