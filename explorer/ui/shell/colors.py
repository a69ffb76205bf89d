"""The heatmaps' colour scale: a sidebar control on every page, the choice kept in the session and the URL.

Which scale the attention heatmaps draw with (explorer.figures.common.heatmap_colors), first that applies:
1. a link's ``colors=cividis`` / ``colors=blues`` (a shared link opens on the sender's scale);
2. the user's choice on the control, kept for the whole browser session;
3. Blues.

A ``colors`` value that names no scale keeps the scale in force, with a note. The URL carries the
scale beside every page's view when it is not Blues (explorer.state.link.beside_view), so the
address bar stays a link to what is on screen.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from explorer.figures import common
from explorer.i18n import N_, _
from explorer.state import keys
from explorer.state.view import COLOR_LABELS, COLOR_SCALES, DEFAULT_COLORS, parse_colors

LABEL = N_("Heatmap colours")
HELP = N_(
    "The colour scale of every attention heatmap. Cividis (dark blue to yellow) reads the same with "
    "any common colour-vision deficiency and keeps its contrast on a washed-out projector."
)


def _session_scale() -> str | None:
    """The current session's colour scale, or None outside a script run (a server thread, a test)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    try:
        return st.session_state.get(keys.COLORS)
    except Exception:  # no session behind this context (AppTest teardown): the default  # noqa: BLE001
        return None


# Every heatmap asks the session it is drawn for, fragments and callbacks included.
common.set_scale_source(_session_scale)


def _switched() -> None:
    """The control moved: that scale is now the session's, in the URL too (a Blues choice leaves it out)."""
    chosen = st.session_state.get(keys.COLORS_SWITCH)
    if chosen in COLOR_SCALES:
        st.session_state[keys.COLORS] = chosen
        _write_url(chosen)


def _write_url(scale: str) -> None:
    if scale != DEFAULT_COLORS:
        st.query_params[keys.COLORS_PARAM] = scale
    elif keys.COLORS_PARAM in st.query_params:
        del st.query_params[keys.COLORS_PARAM]


def choose() -> str | None:
    """Settle this run's colour scale and draw the control. Returns a note to show, for an invalid ``colors``."""
    state = st.session_state
    note = None
    raw = st.query_params.get(keys.COLORS_PARAM)
    if raw is not None:
        scale, note = parse_colors(raw, fallback=state.get(keys.COLORS, DEFAULT_COLORS))
        state[keys.COLORS] = scale
    scale = state.get(keys.COLORS, DEFAULT_COLORS)
    if scale not in COLOR_SCALES:  # never set, or a value of an older session
        scale = state[keys.COLORS] = DEFAULT_COLORS
    if raw != (scale if scale != DEFAULT_COLORS else None):  # pages that publish no view keep it in the URL too
        _write_url(scale)
    state[keys.COLORS_SWITCH] = scale  # the control shows the scale in force, on every page
    labels = {name: _(COLOR_LABELS[name]) for name in COLOR_SCALES}
    st.sidebar.segmented_control(
        _(LABEL),
        options=list(COLOR_SCALES),
        format_func=labels.__getitem__,
        key=keys.COLORS_SWITCH,
        required=True,
        on_change=_switched,
        help=_(HELP),
    )
    return note
