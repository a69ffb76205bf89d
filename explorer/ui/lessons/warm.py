"""The code of a lesson's pages, loaded in the browser while a class waits on the list of lessons (issue 62).

Streamlit loads the code of most of its elements (a text box, a select box, a radio, a slider, a table, a Plotly
chart, Markdown's maths) the first time a page draws one: a script fetched, parsed and run in the browser. The list
of lessons draws none of them and a lesson's first step most (Decode: text box, select boxes, radio, slider, table;
Compare, Timelapse and the Lab: Plotly). So the first start after a page opened paid for them: in
bench.lesson_start (two busy cores) the teacher's page fetched about 40 scripts (1.6 MB) as it drew the first step,
and the phones, drawing theirs on the same cores, showed it in 2.2-2.7 s, the only starts over 2 s; with the
teacher's page warm, 0.9-1.7 s.

While a class waits on the list, ui/lessons/warm.js imports those elements' scripts in the teacher's page and in
each following student's: the very files Streamlit imports later (the same address: the browser's module map
already holds them), so a start loads no code. Nothing is drawn. A follower's page draws them too where a lesson
starts on Compare, Timelapse or the Lab (their pickers, sliders, tables and Plotly charts): in bench.lesson_start
(two busy cores) a phone that had not loaded them fetched about 50 scripts (5 MB, Plotly's 4.7 MB) at such a start
and drew it in 4.5-4.8 s, against 1.0-1.9 s for the starts after it. The files load one at a time when the page is
idle, from 3 s after the list opened (a phone that joins as the teacher starts loads nothing its start does not
draw; one whose start comes meanwhile shares its page with one file's compiling), and none begins once the page
has left the list; a page without a class is left alone: no one waits on it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import streamlit as st

from explorer.ui.classes import state as class_state
from explorer.ui.common.components import source

NAME = "attention_explorer.warm_code"
KEY = "lesson_warm_code"
# Streamlit's elements the pages of the shipped lessons draw and the list of lessons does not (their scripts in
# Streamlit's static/js, "<Element>.<hash>.js"; the browser's list of resources per page: docs/performance.md).
# rehype-katex: the Markdown's maths (a lesson's text writes its equations in it).
ELEMENTS = (
    *("TextInput", "Selectbox", "Multiselect", "Radio", "Slider", "NumberInput"),
    *("DataFrame", "PlotlyChart", "DownloadButton", "rehype-katex"),
)
# warm.js begins this long after the page first showed the list: a phone that joins as the teacher starts a lesson on
# Decode loads nothing its start does not draw (bench.lesson_start --no-gather: loading at once put the first phone's
# start at 2.3-2.4 s against 1.0 s), and a class gathering on the list waits longer than this.
SETTLE_S = 3.0
STATIC_JS = Path(st.__file__).resolve().parent / "static" / "static" / "js"
FILE = re.compile(r"[A-Za-z-]+\.[A-Za-z0-9_-]+\.js")


@functools.cache
def element_files(folder: Path = STATIC_JS) -> tuple[str, ...]:
    """The file name of each of ELEMENTS' scripts in `folder`, in that order; an element without exactly one file
    (another Streamlit) is left out: its code then loads when a page draws it, as before."""
    found = []
    for element in ELEMENTS:
        names = [path.name for path in folder.glob(f"{element}.*.js") if FILE.fullmatch(path.name)]
        if len(names) == 1:
            found.append(names[0])
    return tuple(found)


@functools.cache
def _component():
    """Register the component once per process (in the page's DOM: it imports into the page's own modules)."""
    return st.components.v2.component(NAME, js=source("lessons/warm.js"), isolate_styles=False)


def mount() -> None:
    """On the list of lessons, for a teacher with a class and the students following them: mount the component in
    the sidebar (it draws nothing)."""
    if not (class_state.teaching(st.session_state) or class_state.following(st.session_state)):
        return
    with st.sidebar:
        _component()(data={"files": list(element_files()), "settle_ms": round(SETTLE_S * 1000)}, key=KEY)
