"""explorer.ui.shell.presentation without Streamlit: the shared key and figure enlargement."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from explorer import i18n
from explorer.ui.shell import presentation


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


def test_enlarge_keeps_to_a_cap_and_fit_sets_the_frame_height():
    assert presentation.enlarge(go.Figure(layout={"height": 300}), most=420).layout.height == 420
    assert presentation.enlarge(go.Figure(layout={"height": 200}), most=420).layout.height == 300
    figure = presentation.fit(go.Figure(go.Heatmap(z=[[0, 1]]), layout={"height": 1208}))
    assert figure.layout.height == presentation.FRAME_FIGURE_PX and figure.layout.font.size == 18
    assert presentation.fit(go.Figure(), 340).layout.height == 340


def test_heatmap_payload_asks_the_browser_to_fit_the_screen_only_in_presentation_mode():
    from explorer.figures import svg_heatmap

    src, tgt = ["▁My", "▁brother", "</s>"], ["▁Mon", "▁frère", "</s>"]
    attention = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.0, 0.2, 0.8]]
    assert "fit" not in svg_heatmap.payload(src, tgt, attention)["layout"]
    fit = svg_heatmap.payload(src, tgt, attention, fit=True)["layout"]["fit"]
    # the widest labels in monospace columns: "01 ▁brother" (11) across the top, "01 ▁frère" (9) at the left
    assert (fit["top_columns"], fit["left_columns"]) == (11, 9)

    # the script's type, clamp(Math.round(H / screen_px_per_font_px), min_font, max_font): a hall's back row
    # reads 24 px at 1366×768 and 28 px at 1920×1080 (issue 50); 23 px at 1280×720
    def font(height: int) -> int:
        return max(fit["min_font"], min(fit["max_font"], math.floor(height / fit["screen_px_per_font_px"] + 0.5)))

    assert (font(768), font(1080), font(720), font(1440), font(300)) == (24, 28, 23, 28, 11)
    assert fit["min_font"] == 11 and fit["note_px"] > 16
    # a sentence too long for that type gets smaller type and a note with both sizes (the script fills them)
    assert fit["note"].format(font=15, full=24, rows=13, columns=12) == (
        "Smaller type (15 px, not 24 px): 13 rows and 12 columns must fit the screen."
    )
    with i18n.using("zh"):
        note = svg_heatmap.payload(src, tgt, attention, fit=True)["layout"]["fit"]["note"]
    assert (
        note.format(font=15, full=24, rows=13, columns=12)
        == "字号已缩小（15 像素，而非 24 像素）：13 行、12 列须放进一屏。"
    )
    assert fit["char_per_font"] == svg_heatmap.CHAR_PX / 12
