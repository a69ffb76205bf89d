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

import pandas as pd
import streamlit as st

from explorer.figures import bars, curves, heatmaps, svg_curves, svg_heatmap, svg_histograms
from explorer.ui.classes import state as class_state
from explorer.ui.common import cached, components

NAME = "attention_explorer.warm_code"
KEY = "lesson_warm_code"
# Streamlit's elements the pages of the shipped lessons draw and the list of lessons does not (their scripts in
# Streamlit's static/js, "<Element>.<hash>.js"; the browser's list of resources per page: docs/performance.md).
# rehype-katex: the Markdown's maths (a lesson's text writes its equations in it).
ELEMENTS = (
    *("TextInput", "Selectbox", "Multiselect", "Radio", "Slider", "NumberInput"),
    *("DataFrame", "Table", "PlotlyChart", "DownloadButton", "rehype-katex"),
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
    return st.components.v2.component(NAME, js=components.source("lessons/warm.js"), isolate_styles=False)


def mount() -> None:
    """On the list of lessons, for a teacher with a class and the students following them: mount the component in
    the sidebar (it draws nothing); once it has loaded the files (its state `loaded`: how many), `draw`, until it
    has seen the drawing (its state `drawn`): the box is then taken down while the class waits, not at the start."""
    teaching = class_state.teaching(st.session_state)
    if not class_state.in_class(st.session_state):
        return
    data = {
        "files": list(element_files()),
        "settle_ms": round(SETTLE_S * 1000),
        "box": f".st-key-{DRAW_KEY}",
        "drawn": [*DRAWN, *(DRAWN_TEACHING if teaching else ())],
    }
    with st.sidebar:
        shown = _component()(
            data=data, key=KEY, default={"loaded": None, "drawn": None},
            on_loaded_change=lambda: None, on_drawn_change=lambda: None,
        )  # fmt: skip
    if getattr(shown, "loaded", None) is not None and not getattr(shown, "drawn", None):
        draw(teaching)


# -- the elements drawn once out of sight ------------------------------------------------------------------
DRAW_KEY = "lesson_warm_draw"
# What the box holds once drawn (selectors inside it): warm.js says the page is ready when each is there.
DRAWN = (
    "[data-testid=stPlotlyChart] .main-svg .barlayer .trace",
    "[data-testid=stPlotlyChart] .main-svg .scatterlayer .trace",
    "[data-testid=stDataFrame] canvas",
    "[data-testid=stTable] table",
    "svg.ae-heatmap-svg",
    "svg[data-series]",
    "svg[data-panels]",
    ".katex",
    "[data-testid=stSelectbox]",
    "[data-testid=stRadio]",
    "[data-testid=stSlider]",
    "[data-testid=stCheckbox]",
    "[data-testid=stTextInput]",
    "[data-testid=stExpander]",
    "[data-testid=stTooltipIcon]",
)
# A teacher's Compare draws Plotly heatmaps too (a follower's are SVG: explorer.ui.common.components; in a class
# Timelapse's are SVG on every page).
DRAWN_TEACHING = ("[data-testid=stPlotlyChart] .main-svg .heatmaplayer .hm",)
# Off the screen, invisible and not reached by a pointer, a key or a screen reader; fixed, so the list's own layout
# keeps no gap for it. Static CSS (no user text).
DRAW_CSS = f"""<style>
[data-testid="stLayoutWrapper"]:has(> .st-key-{DRAW_KEY}), .st-key-{DRAW_KEY} {{position: fixed !important;
  left: -10000px; top: 0; width: 390px; visibility: hidden; pointer-events: none;}}
</style>"""
PAIRS = ("a ~ b", "a ~ c")  # the samples' names: nothing here is read (no words to translate)
# A 2×2 attention grid (source tokens, target tokens, weights), drawn as Plotly's heatmap and as the still SVG one.
GRID = (["a", "b"], ["b", "a"], [[0.1, 0.9], [0.8, 0.2]])
# Two pairs' τ per example, drawn as the Lab's Plotly histograms and as a follower's SVG ones.
TAUS = {"a ~ b": [-0.2, 0.1, 0.3, 0.3, 0.5, 0.8], "a ~ c": [-0.6, -0.1, 0.0, 0.2, 0.4, 0.4]}
# Two lines by epoch (epoch 0 without a value), drawn as Timelapse's Plotly curves and as a follower's SVG ones.
LINES = {"a": ([0, 1, 2, 3], [None, 2.0, 1.2, 0.9]), "b": ([0, 1, 2, 3], [None, 2.2, 1.5, 1.1])}


def sample_histograms():
    """Two τ histograms in subplots with their medians, as the Lab's split view draws (bars.histogram_grid)."""
    return bars.histogram_grid(TAUS, "τ", (-1, 1), 0.1, columns=2)


def sample_curves():
    """Two lines by epoch with a marker, as Timelapse's curves (curves.curves)."""
    return curves.curves(LINES, "τ", "τ", "τ", marker_x=3, marker_label="3", whole_x=True)


def sample_svg_curves() -> dict:
    """The same two lines drawn in SVG, as a follower's Timelapse curves (explorer.figures.svg_curves)."""
    return svg_curves.payload(LINES, "τ", "τ", "τ", "lesson-warm-curves", marker_x=3, marker_label="3")


def sample_svg_histograms() -> dict:
    """The same two histograms drawn in SVG, as a follower's Lab (explorer.figures.svg_histograms)."""
    return svg_histograms.payload(TAUS, "τ", (-1, 1), 0.1, "lesson-warm-histograms", {"a ~ b": {"τ": 0.5}})


def sample_heatmap():
    """A 2×2 attention heatmap, as a teacher's Compare draws (heatmaps.attention_heatmap)."""
    return heatmaps.attention_heatmap(*GRID, height=200)


def draw(teaching: bool) -> None:
    """Draw each kind of element the lessons' first steps open on, once, out of sight: a few small figures (made once
    per process: cached.shared_figure), a table, a still heatmap and still curves, maths, and the widgets and boxes of
    their pickers (keyed, read by nothing); for a teacher a Plotly heatmap too."""
    st.html(DRAW_CSS)
    with st.container(key=DRAW_KEY):
        st.plotly_chart(cached.shared_figure(sample_histograms), key="lesson_warm_histograms")
        st.plotly_chart(cached.shared_figure(sample_curves), key="lesson_warm_curves")
        if teaching:
            st.plotly_chart(cached.shared_figure(sample_heatmap), key="lesson_warm_heatmap_chart")
        sample = pd.DataFrame({"τ": list(PAIRS), "median": [0.3, 0.1]})
        st.dataframe(sample, hide_index=True)
        st.table(sample, hide_index=True)  # a follower's Compare draws its scorers' table still
        components.heatmap(svg_heatmap.payload(*GRID), "lesson_warm_heatmap")
        components.bars(sample_svg_curves(), "lesson_warm_svg_curves")
        components.bars(sample_svg_histograms(), "lesson_warm_svg_histograms")
        st.markdown(r"$\tau = 1$")
        with st.expander("τ", expanded=True):
            st.selectbox("τ", PAIRS, key="lesson_warm_select", help="τ")
            st.radio("τ", PAIRS, key="lesson_warm_radio", horizontal=True)
            st.slider("τ", 0, 3, 3, key="lesson_warm_slider")
            st.checkbox("τ", key="lesson_warm_checkbox")
            st.toggle("τ", key="lesson_warm_toggle")
            st.text_input("τ", "a", key="lesson_warm_text")
            st.success("τ")
