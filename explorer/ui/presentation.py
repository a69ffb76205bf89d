"""Presentation mode: one sidebar toggle on every page, for projecting to a class.

When it is on, every page gets large type and a smaller top margin (static CSS) and larger
figures; each page also shows fewer controls where that makes sense (the Decode page folds its
settings away and packs its inputs into fewer rows, so the heatmap starts higher on the screen;
Compare and Timelapse draw two heatmaps per row; Hidden states hides the neighbours table). The
toggle's session key is shared by all pages and persists across page switches, so the mode stays
on while the class moves around.
"""

from __future__ import annotations

import streamlit as st

from explorer.i18n import N_, _
from explorer.state import keys

LABEL = N_("Presentation mode")
HELP = N_("Large type and large figures for a projector; fewer controls.")
BIG_FONT = {"size": 18}
# Static CSS only (no user text): larger type for a projector.
CSS = """<style>
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label p {font-size: 1.35rem !important;}
[data-testid="stMain"] h1 {font-size: 3rem !important;}
[data-testid="stMain"] h2, [data-testid="stMain"] h3 {font-size: 2rem !important;}
[data-testid="stMain"] button p {font-size: 1.3rem !important;}
[data-testid="stMain"] code {font-size: 1.35rem !important;}
[data-testid="stMain"] input {font-size: 1.4rem !important;}
[data-testid="stMain"] [data-testid="stText"] {font-size: 1.35rem !important;}
[data-testid="stMain"] [data-testid="stTable"] :is(th, td) {font-size: 1.35rem !important;}
[data-testid="stMainBlockContainer"] {padding-top: 2.5rem !important;}
</style>"""


def toggle() -> bool:
    """Draw the sidebar toggle; when it is on, inject the large-type CSS. Returns whether it is on."""
    state = st.session_state
    if keys.PRESENTATION in state:  # re-set the value, so the toggle of the page just opened takes it on its first run
        state[keys.PRESENTATION] = state[keys.PRESENTATION]
    on = st.sidebar.toggle(_(LABEL), key=keys.PRESENTATION, persist_state="session", help=_(HELP))
    if on:
        st.html(CSS)  # static CSS, no user text
    return on


def enlarge(figure, factor: float = 1.5):
    """Scale a plotly figure's height by `factor` and use large fonts (the figure is changed and returned).

    Every figure builder of the app sets a height; a figure without one is left at plotly's default.
    """
    if figure.layout.height:
        figure.update_layout(height=int(figure.layout.height * factor))
    figure.update_layout(font=BIG_FONT)
    figure.update_xaxes(tickfont=BIG_FONT)
    figure.update_yaxes(tickfont=BIG_FONT)
    return figure
