"""The page's chrome in its language: ``<html lang>`` and the words Streamlit and plotly write themselves.

Streamlit serves one index.html, ``<html lang="en">``, for every page and language, so a screen reader read a
Chinese page in its English voice; and a few words come from Streamlit's and plotly's own code, not from
our catalog: Streamlit's "Skip to main content" link and its element toolbar, plotly's modebar tooltips.
A small in-page component (ui/shell/chrome.js), mounted in the sidebar of every page by explorer.ui.frame,
sets ``document.documentElement.lang`` from the session's language and, in Chinese, puts our catalog's
translation in place of each of those strings (`FOREIGN`) as they appear.
"""

from __future__ import annotations

import functools

import streamlit as st

from explorer import i18n
from explorer.i18n import N_, _
from explorer.ui.common.components import source

NAME = "attention_explorer.chrome"
KEY = "page_chrome"
# The strings Streamlit 1.67 and plotly.js write in English whatever the page's language, exactly as they
# write them (the browser tests check that none is left on a Chinese page).
FOREIGN = (
    N_("Skip to main content"),
    N_("Fullscreen"),
    N_("Close fullscreen"),
    N_("Toggle fullscreen"),
    N_("Download as CSV"),
    N_("Download as PNG"),
    N_("Search"),
    N_("Show data"),
    N_("Show chart"),
    N_("Download plot as a PNG"),
    N_("Download plot"),
    N_("Zoom"),
    N_("Pan"),
    N_("Box Select"),
    N_("Lasso Select"),
    N_("Zoom in"),
    N_("Zoom out"),
    N_("Autoscale"),
    N_("Reset axes"),
    N_("Reset view"),
    N_("Toggle Spike Lines"),
    N_("Show closest data on hover"),
    N_("Compare data on hover"),
    N_("Produced with Plotly.js"),
)


def words() -> dict[str, str]:
    """English -> the page's language, for every string of FOREIGN that the catalog translates ({} in English)."""
    if i18n.current() == i18n.SOURCE:
        return {}
    return {english: _(english) for english in FOREIGN if _(english) != english}


@functools.cache
def _component():
    """Register the component once per process (in the page's DOM: it sets the page's own <html lang>)."""
    return st.components.v2.component(NAME, js=source("shell/chrome.js"), isolate_styles=False)


def mount() -> None:
    """Mount the component in the sidebar (it draws nothing)."""
    with st.sidebar:
        _component()(data={"lang": i18n.current(), "words": words()}, key=KEY)
