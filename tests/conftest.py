"""Root conftest: make the repository importable and keep Streamlit off the network.

Tests run from the repository root (pyproject.toml also sets ``pythonpath = ["."]``); the
insert below keeps ``import seq2seq`` working when pytest is started some other way.
"""

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
