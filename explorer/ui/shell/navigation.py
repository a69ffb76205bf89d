"""The app's pages as Streamlit knows them, and the sidebar's list of them.

`run` is app.py: it declares every page of explorer.state.pages with `st.navigation` and `st.Page`
(each at its registry address, the home page at the root) and runs the one the URL names. The
navigation menu Streamlit would draw is hidden (position "hidden"): every page draws the sidebar's
links itself (`sidebar`), after the language switch, so that the labels are in the page's language.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from explorer.i18n import _
from explorer.state import pages

HOME = pages.HOME.script


def page_scripts() -> tuple[str, ...]:
    """The home page's script, then the other pages' in the sidebar's order (explorer.state.pages)."""
    return pages.SCRIPTS


def run() -> None:
    """Declare every page to Streamlit and run the one the URL asks for (an unknown path: the home page)."""
    declared = [
        st.Page(
            page.script, title=page.label, icon=page.icon, url_path=page.url_path or None, default=page is pages.HOME
        )
        for page in pages.PAGES
    ]
    st.navigation(declared, position="hidden").run()


def label(path: str) -> str:
    """The sidebar name of page script `path` ("app_pages/1_Decode.py"), in the current language."""
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
