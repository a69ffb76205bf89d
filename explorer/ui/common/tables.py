"""A page's table as its reader's screen wants it: Streamlit's data grid on a page of one's own (sort, resize,
scroll, search), a still table for a live class's follower.

A follower reads the table on a phone, most often, while the teacher talks: a still table wraps each cell's text
in the phone's width, and costs a busy phone's drawing less than the grid's canvas, which a lesson's start drew
with the step's heatmaps or chart (issue 62: a phone shows a lesson's first step within 2 s; docs/performance.md,
"A phone follows a lesson's start beside busy cores").
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.ui.shell import layout


def table(frame: pd.DataFrame, following: bool, **grid) -> None:
    """`frame` without its index: a still table for a follower (`following`, a missing value written
    layout.MISSING, as the grid's placeholder writes it), else the data grid with `grid`'s options
    (st.dataframe's column_config, placeholder…)."""
    if following:
        gaps = [column for column in frame.columns if frame[column].isna().any()]
        filled = {column: layout.MISSING for column in gaps}
        st.table(frame.astype(dict.fromkeys(gaps, object)).fillna(filled) if gaps else frame, hide_index=True)
    else:
        st.dataframe(frame, hide_index=True, **grid)
