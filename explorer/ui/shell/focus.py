"""A focus ring every keyboard user can see: one outline, in the theme's primary colour, on whatever
the keyboard moved to (buttons, links, tabs, expanders, inputs, our components).

Streamlit's own focus styles vary: its page links show focus as the same grey background as the
current page's link, its tabs and expanders a faint shadow. One rule for `:focus-visible` (the
keyboard's focus, not a mouse click's) makes them all alike: a 2 px outline 7.5:1 against white,
over WCAG's 3:1 for a focus indicator.
"""

from __future__ import annotations

import streamlit as st

RING_COLOR = "#a3212f"  # the theme's primaryColor (.streamlit/config.toml)
# Static CSS only (no user text). !important: Streamlit's widgets set `outline: none` in their own classes.
CSS = f"""<style>
:focus-visible {{outline: 2px solid {RING_COLOR} !important; outline-offset: 2px !important;}}
</style>"""


def show() -> None:
    """Inject the focus ring's CSS into the page (takes no room: Streamlit puts a style-only st.html aside)."""
    st.html(CSS)
