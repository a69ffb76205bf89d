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

from explorer.i18n import N_, _
from seq2seq.paths import project_root

HOME = "app.py"
PAGES_DIR = project_root() / "pages"  # beside app.py, in the checkout or installed
# Each page's name in the sidebar, by file name (a page without one is named after its file, as
# Streamlit names it: "3_Hidden_states.py" -> "Hidden states").
LABELS = {
    HOME: N_("Home"),
    "1_Decode.py": N_("Decode"),
    "2_Compare.py": N_("Compare"),
    "3_Hidden_states.py": N_("Hidden states"),
    "4_Beam_search.py": N_("Beam search"),
    "5_Models.py": N_("Models"),
    "6_Train.py": N_("Train"),
    "7_Timelapse.py": N_("Timelapse"),
    "8_Lessons.py": N_("Lessons"),
    "9_Lab.py": N_("Lab"),
}


@functools.cache
def page_scripts() -> tuple[str, ...]:
    """app.py, then the pages/ files in Streamlit's order (their number prefixes, all one digit)."""
    return (HOME, *(f"pages/{path.name}" for path in sorted(PAGES_DIR.glob("*.py"))))


def label(path: str) -> str:
    """The sidebar name of page script `path` ("app.py", "pages/1_Decode.py"), in the current language."""
    name = Path(path).name
    if name in LABELS:
        return _(LABELS[name])
    return Path(path).stem.split("_", 1)[-1].replace("_", " ")


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
