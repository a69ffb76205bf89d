"""The frame every page opens with: browser title, the sidebar's page links, presentation mode, the page title."""

from __future__ import annotations

import streamlit as st

from explorer.ui import navigation, presentation
from explorer.ui.loaders import require_registry

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
    st.title(title)
    return projecting
