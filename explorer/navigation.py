"""The sidebar's list of pages, drawn by the app itself so that the home page reads "Home".

Streamlit's own list (hidden by `client.showSidebarNavigation = false` in .streamlit/config.toml)
names the home page after its file, "app". Declaring the pages with `st.navigation` would rename
it but breaks links straight to a page on a fresh server while `pages/` exists (README, "The
app"), so every page draws these links instead, the same ones in the same order.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

# (script path relative to app.py, label): the pages/ files in their order, the home page first.
PAGES = (
    ("app.py", "Home"),
    ("pages/1_Decode.py", "Decode"),
    ("pages/2_Compare.py", "Compare"),
    ("pages/3_Hidden_states.py", "Hidden states"),
    ("pages/4_Beam_search.py", "Beam search"),
    ("pages/5_Models.py", "Models"),
    ("pages/6_Train.py", "Train"),
    ("pages/7_Timelapse.py", "Timelapse"),
)


def sidebar() -> None:
    """Draw a link to every page at the top of the sidebar; the open page's link is highlighted."""
    for path, label in PAGES:
        try:
            st.sidebar.page_link(path, label=label)
        except StreamlitPageNotFoundError:
            # Only when a page script runs alone (AppTest.from_file on one page): there is no
            # app around it to link to. Served by `streamlit run app.py`, every page is known.
            return
    st.sidebar.divider()
