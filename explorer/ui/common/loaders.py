"""Cached loaders shared by every session (st.cache_resource): one translator per model."""

from __future__ import annotations

import streamlit as st
from streamlit.logger import get_logger

from explorer.i18n import _
from seq2seq.checkpoint import load_model
from seq2seq.decoding import Translator
from seq2seq.registry import resolve

_loaded: set[str] = set()  # names this process has loaded: no spinner for those (a cached call is instant)


def get_translator(name: str) -> Translator:
    """The translator for registry name `name`, loaded once for all sessions.

    Translators keep no per-decode state (see seq2seq.decoding), so sharing them is safe.
    Only registry names resolve: a name from a URL is never joined into a path. While a model
    loads, the page shows a spinner in its language (a cache's own spinner text is fixed when the
    function is decorated, so it is shown here).
    """
    if name in _loaded:
        return _cached_translator(name)
    with st.spinner(_("Loading the model…")):
        translator = _cached_translator(name)
    _loaded.add(name)
    return translator


@st.cache_resource(show_spinner=False, max_entries=64)
def _cached_translator(name: str) -> Translator:
    resolve(name)  # raises CheckpointError for a name the registry does not know
    get_logger(__name__).info("loading model %s (once per server process)", name)  # the load test counts these
    return load_model(name)


def require_registry() -> None:
    """Stop the page with a clear message when the model registry cannot be read (never a traceback)."""
    from explorer.i18n.errors import message_of
    from explorer.state.catalog import entries
    from explorer.ui.common.markdown import escape_markdown
    from seq2seq.registry import CheckpointError

    try:
        entries()
    except CheckpointError as error:  # a manifest that is not valid JSON, say
        st.error(_("The model registry cannot be read: {error}").format(error=escape_markdown(message_of(error))))
        st.stop()
