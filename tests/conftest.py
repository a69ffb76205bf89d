"""Root conftest: make the repository importable and keep Streamlit off the network.

Tests run from the repository root (pyproject.toml also sets ``pythonpath = ["."]``); the
insert below keeps ``import seq2seq`` working when pytest is started some other way.
"""

import functools
import os
import sys
from pathlib import Path

import pytest

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
