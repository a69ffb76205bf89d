"""The frame every page opens with: browser title, the sidebar's page links, presentation mode, the page title."""

from __future__ import annotations

import streamlit as st

from explorer.state import catalog, keys
from explorer.ui import navigation, presentation
from explorer.ui.loaders import require_registry
from seq2seq.registry import CheckpointError

APP_NAME = "Attention Explorer"


def page(title: str, tab_title: str | None = None, needs_registry: bool = True, icon: str | None = None) -> bool:
    """Open a page: its browser tab reads "<tab_title> · Attention Explorer", then the sidebar, then
    `title`. Stops the page with a clear message when it needs the model registry and that cannot be
    read. Returns whether presentation mode is on (its toggle is in the sidebar of every page)."""
    st.set_page_config(page_title=f"{tab_title} · {APP_NAME}" if tab_title else APP_NAME, page_icon=icon, layout="wide")
    navigation.sidebar()
    projecting = presentation.toggle()
    if needs_registry:
        require_registry()
    announce_registry_notes()
    st.title(title)
    return projecting


def announce_registry_notes() -> None:
    """Say once per browser session, in a toast that stays until it is closed, why saved models are
    missing from the model lists (a broken user manifest, a user models folder inside pretrained/)."""
    try:
        messages = catalog.notes()
    except CheckpointError:  # the shipped registry itself is broken: the page says so
        return
    shown = st.session_state.setdefault(keys.REGISTRY_NOTES_SHOWN, [])
    for message in messages:
        if message not in shown:
            shown.append(message)
            st.toast(f"Saved models are left out: {message}", icon="⚠️", duration="infinite")
