"""Presentation mode: one sidebar toggle on every page, for projecting to a class.

When it is on, the sidebar collapses (explorer.ui.frame) and every page gets large type, a
smaller title and top margin (static CSS), and figures sized for one frame: at 1920×1080 and at
1280×720, a page's main figure(s) and their controls fit the screen without scrolling, and what
else the page offers follows below. The Decode page folds its settings away and sets its heatmap
beside the Step, Back, Play and Reset buttons, the heatmap sized to the screen's height in the
browser (explorer.figures.svg_heatmap); Compare and Timelapse draw two heatmaps per row; Hidden
states hides the neighbours table. The toggle's session key is shared by all pages and persists
across page switches, so the mode stays on while the class moves around.
"""

from __future__ import annotations

import streamlit as st

from explorer.i18n import N_, _
from explorer.state import keys

LABEL = N_("Presentation mode")
HELP = N_("Large type and large figures for a projector; fewer controls.")
BIG_FONT = {"size": 18}
# A page's main plotly figure on a projector (fit): the height that fits one 1280×720 frame below
# the page's title and its folded pickers (about 260 px above it).
FRAME_FIGURE_PX = 400
SIDEBAR = "collapsed"  # st.set_page_config(initial_sidebar_state=…) while presentation mode is on
# Static CSS only (no user text): larger type for a projector; the keys' legends (.ae-keys,
# explorer/ui/common/keyboard.js, and the Decode stepper's) 19 px, readable from a hall's back row.
CSS = """<style>
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label p {font-size: 1.35rem !important;}
[data-testid="stMain"] h1 {font-size: 2.2rem !important; padding: 0 0 0.5rem 0 !important;}
[data-testid="stMain"] h2, [data-testid="stMain"] h3 {font-size: 2rem !important;}
[data-testid="stMain"] button p {font-size: 1.3rem !important;}
[data-testid="stMain"] code {font-size: 1.35rem !important;}
[data-testid="stMain"] input {font-size: 1.4rem !important;}
[data-testid="stMain"] [data-testid="stText"] {font-size: 1.35rem !important;}
[data-testid="stMain"] [data-testid="stTable"] :is(th, td) {font-size: 1.35rem !important;}
[data-testid="stMainBlockContainer"] {padding: 3.5rem 2rem 2rem 2rem !important;}
[data-testid="stMain"] .ae-keys {font-size: 1.2rem !important; opacity: 0.8 !important;}
[data-testid="stMain"] :is(.ae-stepper-output, .ae-stepper-reads) {font-size: 1.35rem !important;}
[data-testid="stMain"] .ae-stepper-button {font-size: 1.3rem !important;}
[data-testid="stMain"] .ae-stepper-legend {font-size: 1.2rem !important; opacity: 0.8 !important;}
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


def fit(figure, height: int = FRAME_FIGURE_PX):
    """A page's main plotly figure on a projector: `height` pixels (one frame with its controls at
    1280×720) and large fonts (the figure is changed and returned)."""
    figure.update_layout(height=height)
    return enlarge(figure, factor=1.0, most=None)


def enlarge(figure, factor: float = 1.5, most: int | None = None):
    """Scale a plotly figure's height by `factor`, at most `most` pixels (None: no cap), and use large
    fonts (the figure is changed and returned). The cap keeps a page's main figure in one projector frame.

    Every figure builder of the app sets a height; a figure without one is left at plotly's default.
    """
    if figure.layout.height:
        height = int(figure.layout.height * factor)
        figure.update_layout(height=height if most is None else min(height, most))
    figure.update_layout(font=BIG_FONT)
    figure.update_xaxes(tickfont=BIG_FONT)
    figure.update_yaxes(tickfont=BIG_FONT)
    return figure
