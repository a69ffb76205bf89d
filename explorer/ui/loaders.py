"""Cached loaders shared by every session (st.cache_resource): one translator per model."""

from __future__ import annotations

import streamlit as st
from streamlit.logger import get_logger

from seq2seq.checkpoint import load_model
from seq2seq.decoding import Translator
from seq2seq.registry import resolve


@st.cache_resource(show_spinner="Loading the model…", max_entries=64)
def get_translator(name: str) -> Translator:
    """The translator for registry name `name`, loaded once for all sessions.

    Translators keep no per-decode state (see seq2seq.decoding), so sharing them is safe.
    Only registry names resolve: a name from a URL is never joined into a path.
    """
    resolve(name)  # raises CheckpointError for a name the registry does not know
    get_logger(__name__).info("loading model %s (once per server process)", name)  # the load test counts these
    return load_model(name)


def require_registry() -> None:
    """Stop the page with a clear message when the model registry cannot be read (never a traceback)."""
    from explorer.state.catalog import entries
    from explorer.ui.markdown import escape_markdown
    from seq2seq.registry import CheckpointError

    try:
        entries()
    except CheckpointError as error:  # a manifest that is not valid JSON, say
        st.error(f"The model registry cannot be read: {escape_markdown(str(error))}")
        st.stop()
