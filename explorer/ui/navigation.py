"""The sidebar's list of pages, drawn by the app itself so that the home page reads "Home".

Streamlit's own list (hidden by `client.showSidebarNavigation = false` in .streamlit/config.toml)
names the home page after its file, "app". Declaring the pages with `st.navigation` would rename
it but breaks links straight to a page on a fresh server while `pages/` exists (docs/architecture.md,
"The sidebar"), so every page draws these links instead: the home page as "Home", then every file of
`pages/` under the name Streamlit gives it ("3_Hidden_states.py" → "Hidden states").
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

HOME = "app.py"
PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


@functools.cache
def page_scripts() -> tuple[str, ...]:
    """app.py, then the pages/ files in Streamlit's order (their number prefixes, all one digit)."""
    return (HOME, *(f"pages/{path.name}" for path in sorted(PAGES_DIR.glob("*.py"))))


def sidebar() -> None:
    """Draw a link to every page at the top of the sidebar; the open page's link is highlighted."""
    for path in page_scripts():
        try:
            st.sidebar.page_link(path, label="Home" if path == HOME else None)
        except StreamlitPageNotFoundError:
            # Only when a page script runs alone (AppTest.from_file on one page): there is no
            # app around it to link to. Served by `streamlit run app.py`, every page is known.
            return
    st.sidebar.divider()
