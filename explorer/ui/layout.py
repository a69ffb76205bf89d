"""Page layout shared by every page (explorer.ui.frame injects it): a smaller top margin and title, so that the
first thing a page shows (Home's live example, Decode's heatmap) is in sight on a laptop (1366×768) and every
page's title sits at one height."""

from __future__ import annotations

import streamlit as st

# What a table cell without a value reads (st.dataframe's `placeholder`): Streamlit would write "None".
MISSING = "\u2013"  # "–"

# Static CSS only (no user text). Streamlit's default top padding is 6rem and a title 2.75rem high.
COMPACT_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.5rem !important;}
[data-testid="stMain"] h1 {font-size: 2rem !important; padding: 0 0 0.25rem 0 !important;}
</style>"""


def compact_top(presentation: bool = False) -> None:
    """Inject the compact top margin (presentation mode has its own layout)."""
    if not presentation:
        st.html(COMPACT_CSS)
