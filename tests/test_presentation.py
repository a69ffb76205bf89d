"""explorer.ui.presentation without Streamlit: the shared key and figure enlargement."""

from __future__ import annotations

import plotly.graph_objects as go

from explorer.ui import presentation


def test_enlarge_scales_the_height_and_the_fonts():
    figure = go.Figure(go.Heatmap(z=[[0, 1]]), layout={"height": 300})
    assert presentation.enlarge(figure) is figure
    assert figure.layout.height == 450
    assert figure.layout.font.size == 18 and figure.layout.xaxis.tickfont.size == 18
    assert presentation.enlarge(go.Figure(layout={"height": 301}), factor=2).layout.height == 602


def test_enlarge_leaves_a_figure_without_height_at_the_default():
    figure = presentation.enlarge(go.Figure())
    assert figure.layout.height is None and figure.layout.font.size == 18


def test_css_is_static_style_only():
    assert presentation.CSS.startswith("<style>") and presentation.CSS.endswith("</style>")
    assert "<script" not in presentation.CSS and "{" in presentation.CSS
