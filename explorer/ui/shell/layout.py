"""Page layout shared by every page (explorer.ui.frame injects it): a smaller top margin and title, so that the
first thing a page shows (Home's live example, Decode's heatmap) is in sight on a laptop (1366×768) and every
page's title sits at one height; on a phone, the title below Streamlit's header and Home's class-code box in the
first screen."""

from __future__ import annotations

import streamlit as st

# What a table cell without a value reads (st.dataframe's `placeholder`): Streamlit would write "None".
MISSING = "\u2013"  # "–"

# Home's containers (st.container keys; explorer.ui.home.sections draws them): its live example and its row of
# ways in (a lesson, Decode, a class), which a phone reorders (PHONE_CSS).
HOME_EXAMPLE, HOME_WAYS = "home_example", "home_ways"
# The frame's one container (explorer.ui.frame). Streamlit names a fragment by the place of the container it is
# called in, and drops a fragment's run (and the widget change that asked for it) once a whole run in between has
# put that container elsewhere (app_session: "The fragment with id … does not exist anymore"). The frame draws a
# varying number of elements (notes, a class's bar, a lesson's panel), so it draws them all inside this one: a
# page's own containers keep their place from run to run (a follower's answer on Decode was lost so, issue 62).
HEAD_KEY = "frame_head"

# Streamlit's default top padding is 6rem and a title 2.75rem high. Its header is 3.75rem (60 px) high and fixed;
# above 768 px wide it is transparent and the sidebar beside it, so a title 2.5rem down reads whole.
_DESKTOP = """[data-testid="stMainBlockContainer"] {padding-top: 2.5rem !important;}
[data-testid="stMain"] h1 {font-size: 2rem !important; padding: 0 0 0.25rem 0 !important;}"""
# At 768 px and narrower the header is opaque (white, over the page): the title starts below it, 4rem down.
# At 640 px and narrower Streamlit stacks columns, and Home's ways in would stack under the live example, the
# class-code box 1.3 screens down: Home's row of ways in steps aside (display: contents) so that its three boxes
# are items of the page's own column, and the order puts the class's box (a student's way in) before the live
# example, the lesson's and Decode's boxes after it, everything below them after those.
PHONE_MAX_PX = 640  # the widest screen laid out as a phone's (Streamlit stacks columns at this width and below)
_WAYS = f'.st-key-{HOME_WAYS} > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"]'
_EXAMPLE = f'[data-testid="stLayoutWrapper"]:has(> .st-key-{HOME_EXAMPLE})'
_WRAPPER = f'[data-testid="stLayoutWrapper"]:has(> .st-key-{HOME_WAYS})'
_PHONE = f"""@media (max-width: 768px) {{
[data-testid="stMain"] [data-testid="stMainBlockContainer"] {{padding-top: 4rem !important;}}
}}
@media (max-width: {PHONE_MAX_PX}px) {{
{_WRAPPER}, .st-key-{HOME_WAYS},
.st-key-{HOME_WAYS} > [data-testid="stLayoutWrapper"], {_WAYS} {{display: contents !important;}}
{_WAYS} > [data-testid="stColumn"] {{order: 2; width: 100% !important; flex: 0 0 auto !important;}}
{_WAYS} > [data-testid="stColumn"]:has(.st-key-class_join) {{order: 1;}}
{_EXAMPLE}, {_EXAMPLE} ~ *, {_WRAPPER} ~ * {{order: 2;}}
}}"""
# Static CSS only (no user text).
COMPACT_CSS = f"<style>\n{_DESKTOP}\n{_PHONE}\n</style>"


def compact_top(presentation: bool = False) -> None:
    """Inject the compact top margin and the phone's first screen (presentation mode has its own layout)."""
    if not presentation:
        st.html(COMPACT_CSS)
