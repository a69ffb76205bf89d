"""The sidebar's list of pages, drawn by the app itself so that the home page reads "Home".

Streamlit's own list (hidden by `client.showSidebarNavigation = false` in .streamlit/config.toml)
names the home page after its file, "app". Declaring the pages with `st.navigation` would rename
it but breaks links straight to a page on a fresh server while `pages/` exists (docs/architecture.md,
"The sidebar"), so every page draws these links instead: the home page as "Home", then every file of
`pages/` under the name Streamlit gives it ("3_Hidden_states.py" → "Hidden states").
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from explorer.i18n import _
from explorer.state import pages

HOME = pages.HOME.script


def page_scripts() -> tuple[str, ...]:
    """app.py, then the pages' scripts in the sidebar's order (explorer.state.pages)."""
    return pages.SCRIPTS


def label(path: str) -> str:
    """The sidebar name of page script `path` ("app.py", "pages/1_Decode.py"), in the current language."""
    found = next((page for page in pages.PAGES if page.script == path), None)
    return _(found.label) if found else Path(path).stem.split("_", 1)[-1].replace("_", " ")


def sidebar() -> None:
    """Draw a link to every page at the top of the sidebar; the open page's link is highlighted."""
    for path in page_scripts():
        try:
            st.sidebar.page_link(path, label=label(path))
        except StreamlitPageNotFoundError:
            # Only when a page script runs alone (AppTest.from_file on one page): there is no
            # app around it to link to. Served by `streamlit run app.py`, every page is known.
            return
    st.sidebar.divider()
