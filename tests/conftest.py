"""Root conftest: make the repository importable and keep Streamlit off the network.

Tests run from the repository root (pyproject.toml also sets ``pythonpath = ["."]``); the
insert below keeps ``import seq2seq`` working when pytest is started some other way.
"""

import functools
import os
import sys
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)  # tests/test_diagonal.py runs pytest on a grid of its own

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Streamlit reads this when it starts (AppTest in-process, and servers started by tests/e2e,
# which inherit the environment); without it the page reports usage statistics.
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")


def _scan_installed_components_once() -> None:
    """AppTest scans every installed package's metadata for Streamlit components at the first run of each new
    AppTest (streamlit.testing.v1.app_test: `discover_and_register_components`): about 1 s each on the 2-core
    machine, most of the default run's time (cProfile of tests/test_page_decode.py: 82 s of 128 in the scan).
    Nothing is installed while the tests run, so the first scan's answer serves the session. The app's own
    components are declared in code (st.components.v2.component), never found by this scan."""
    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


_scan_installed_components_once()

# Models saved from the Train page go to a user folder; tests must never read or write the
# developer's own, so every test session gets a fresh one (servers started by tests inherit it).
if "ATTENTION_EXPLORER_USER_MODELS" not in os.environ:
    import tempfile

    os.environ["ATTENTION_EXPLORER_USER_MODELS"] = tempfile.mkdtemp(prefix="ae-user-models-")


@pytest.fixture(scope="session")
def en_fr_run():
    """The tiny en-fr model trained through `python -m seq2seq train` (tests/train_fixtures.py), once per session."""
    from tests.train_fixtures import en_fr_run as train_once

    return train_once()


@pytest.fixture
def shipped(monkeypatch):
    """The shipped registry (pretrained/), with Streamlit's caches emptied (other tests cache other models)."""
    import streamlit as st

    monkeypatch.delenv("ATTENTION_EXPLORER_PRETRAINED", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield Path(__file__).resolve().parent.parent / "pretrained"
    st.cache_resource.clear()
    st.cache_data.clear()


def diagonal(indices: list[dict[str, int]]) -> list[bool]:
    """Which examples of one test's parameter grid the default run keeps: the grid's diagonal, the examples whose
    parameters all take their k-th value (each parameter counted modulo its number of values) for some k below the
    largest number of values. Every value of every parameter is taken at least once (every page, and each language
    on some page), in as many examples as the longest parameter has values. `indices`: each example's
    parameter -> the index of its value among that parameter's values."""
    sizes: dict[str, int] = {}
    for example in indices:
        for name, index in example.items():
            sizes[name] = max(sizes.get(name, 0), index + 1)
    longest = max(sizes.values(), default=0)
    return [
        not example or any(all(index == k % sizes[name] for name, index in example.items()) for k in range(longest))
        for example in indices
    ]


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `diagonal` (a grid of pages × languages, sizes × cases) runs its grid's diagonal in the default
    run (`diagonal` above) and the rest of its grid with the slow suites (`make test-slow`): the default run stays
    within its 15 minutes and still takes every value of every parameter."""
    grids: dict[str, list[pytest.Item]] = {}
    for item in items:
        if item.get_closest_marker("diagonal") is not None and hasattr(item, "callspec"):
            grids.setdefault(item.nodeid.split("[")[0], []).append(item)
    for grid in grids.values():
        values: dict[str, list[str]] = {}  # each parameter's values in the order collected (pytest's callspec
        indices = []  # .indices number a stack of parametrize marks together, not each parameter's values)
        for item in grid:
            example = {}
            for name, value in item.callspec.params.items():
                seen = values.setdefault(name, [])
                if repr(value) not in seen:
                    seen.append(repr(value))
                example[name] = seen.index(repr(value))
            indices.append(example)
        for item, kept in zip(grid, diagonal(indices), strict=True):
            if not kept:
                item.add_marker(pytest.mark.slow)
