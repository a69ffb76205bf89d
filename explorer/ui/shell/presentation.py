"""Presentation mode: one sidebar toggle on every page, for projecting to a class.

When it is on, the sidebar collapses (explorer.ui.frame) and every page gets large type, a
smaller title and top margin (static CSS), and figures sized for one frame: at 1920×1080 and at
1280×720, a page's main figure(s) and their controls fit the screen without scrolling, and what
else the page offers follows below. The Decode page folds its settings away and sets its heatmap
beside the Step, Back, Play and Reset buttons, the heatmap sized to the screen's height in the
browser (explorer.figures.svg_heatmap); Compare and Timelapse draw two heatmaps per row; Hidden
states hides the neighbours table. The toggle's session key is shared by all pages and persists
across page switches, so the mode stays on while the class moves around; the tab keeps it too
(presentation.js: sessionStorage, never the URL), so a reload of the projector's tab opens in it. While it
is on, no key scrolls the page (presentation.js: a clicker's extra PageDown never carries the frame away).
"""

from __future__ import annotations

import functools
import secrets

import streamlit as st

from explorer.i18n import N_, _
from explorer.state import keys
from explorer.ui.common import components
from explorer.views import keyboard

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
[data-testid="stMain"] h1 {font-size: 2.2rem !important; padding: 0 0 0.25rem 0 !important;}
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


MEMORY = "attention_explorer.presentation"
READ_KEY, WRITE_KEY = "presentation_memory_read", "presentation_memory_write"
NONCE_KEY = "_presentation_memory_nonce"  # the suffix of this session's READ_KEY (a reconnect keeps old values)
RECALLED = "_presentation_recalled"  # the tab's answer taken: it is not asked again in this session
WRITES = "_presentation_writes"  # the mode has been on in this session: every run writes it to the tab
# The tab has drawn the mode it was asked back (its write component's answer). Until then a run that another
# component of the page asked for (a class's tab memory, its bar) carries the toggle as the page first drew it,
# off: that is not the teacher's choice, and the recalled mode is kept (issue 62: a projector's reload on a
# lesson's link turned the mode on, then off again a second later, with a class and a phone following).
CONFIRMED = "_presentation_confirmed"


@functools.cache
def _memory():
    """Register the tab's component once per process (in the page's DOM: it reads sessionStorage and keeps the
    page's keys from scrolling it)."""
    return st.components.v2.component(MEMORY, js=script(), isolate_styles=False)


def script() -> str:
    """The tab's component's whole script: the focus rules it shares, then presentation.js (static)."""
    return components.source("common/focus_rules.js") + components.source("shell/presentation.js")


def _recall(state) -> None:
    """Until the tab answers (it answers only when it keeps the mode on), ask it on every run; its answer, with
    the next run, turns the mode on before the toggle is drawn."""
    if state.get(RECALLED):
        return
    nonce = state.setdefault(NONCE_KEY, secrets.token_hex(6))
    with st.sidebar:
        answer = _memory()(
            data={"read": True}, key=f"{READ_KEY}_{nonce}", default={"on": None}, on_on_change=lambda: None
        )
    if getattr(answer, "on", None):
        state[RECALLED] = True
        state[keys.PRESENTATION] = True


def _remember(state, on: bool) -> None:
    """Write the mode into the tab once it has been on in this session (a session that never had it on writes
    nothing: a mode the tab keeps and has not answered yet must stay kept); while on, no key scrolls the page."""
    if not on and not state.get(WRITES):
        return
    state[WRITES] = True
    confirm = on and bool(state.get(RECALLED)) and not state.get(CONFIRMED)  # ask the tab to say it drew the mode
    data = {"write": on, "confirm": confirm, "scroll": list(keyboard.SCROLL_KEYS), "focus": keyboard.LEFT_TO_THE_FOCUS}
    with st.sidebar:
        written = _memory()(data=data, key=WRITE_KEY, default={"written": None}, on_written_change=lambda: None)
    if getattr(written, "written", None):
        state[CONFIRMED] = True


def toggle() -> bool:
    """Draw the sidebar toggle; when it is on, inject the large-type CSS. Returns whether it is on. The tab
    keeps the mode, so a reload opens in it (the page's first run without it, the tab's answer's run with it)."""
    state = st.session_state
    _recall(state)
    if state.get(RECALLED) and not state.get(CONFIRMED):  # a toggle off before the tab drew it on is not a choice
        state[keys.PRESENTATION] = True
    if keys.PRESENTATION in state:  # re-set the value, so the toggle of the page just opened takes it on its first run
        state[keys.PRESENTATION] = state[keys.PRESENTATION]
    on = st.sidebar.toggle(_(LABEL), key=keys.PRESENTATION, persist_state="session", help=_(HELP))
    _remember(state, on)
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
