"""The heatmaps' colour scale (Blues or cividis): a link's ``colors=`` read with a note for a bad value
(explorer.state.view), carried beside every page's view in the URL (explorer.state.link), drawn by
every attention heatmap, plotly and SVG (explorer.figures), and chosen in the sidebar (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.colors
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import common, heatmaps, svg_heatmap
from explorer.i18n import using
from explorer.i18n.errors import message_of
from explorer.state import keys, link, owner
from explorer.state.view import COLOR_SCALES, DEFAULT_COLORS, parse_colors
from tests.app_fixtures import report_step, use_registry

ROOT = Path(__file__).resolve().parents[1]
BLUES = go.Heatmap(colorscale="Blues").colorscale
CIVIDIS = go.Heatmap(colorscale="Cividis").colorscale
SRC, TGT, ATT = ["a", "b", "</s>"], ["x", "</s>"], [[0.7, 0.2, 0.1], [0.0, 0.1, 0.9]]


# -- reading a link's value -----------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "scale"), [("cividis", "cividis"), ("blues", "blues"), (" Cividis ", "cividis")])
def test_a_scale_the_link_names_is_read(raw, scale):
    assert parse_colors(raw) == (scale, None)


@pytest.mark.parametrize("raw", ["rainbow", "", "viridis", "cividis_r", "<b>x</b>"])
def test_an_unknown_scale_keeps_the_fallback_with_a_note(raw):
    scale, note = parse_colors(raw, fallback="cividis")
    assert scale == "cividis"
    assert note == f"Unknown colour scale colors={raw!r}; using cividis."
    with using("zh"):
        assert raw in message_of(note) and message_of(note) != str(note)  # shown in the language in force


def test_a_long_bad_value_is_cut_in_the_note():
    _scale, note = parse_colors("x" * 1000)
    assert note == f"Unknown colour scale colors={'x' * 40!r}; using blues."


def test_the_scales_and_the_default():
    assert COLOR_SCALES == ("blues", "cividis") and DEFAULT_COLORS == "blues"
    assert set(common.PLOTLY_SCALES) == set(svg_heatmap.SCALE_STOPS) == set(COLOR_SCALES)


# -- the URL: colors= beside the view ------------------------------------------------------------------
class Query(dict):
    """st.query_params' to_dict / from_dict over a dict, counting the writes."""

    writes = 0

    def to_dict(self):
        return dict(self)

    def from_dict(self, values):
        self.writes += 1
        self.clear()
        self.update(values)


def test_colors_is_no_part_of_a_pages_view():
    assert link.flat({"task": "dates", "colors": "cividis", "lang": "zh"}) == {"task": "dates"}


def test_a_chosen_scale_rides_beside_the_view_and_blues_is_left_out():
    session = {keys.COLORS: "cividis"}
    query = Query()
    link.publish(session, query, "decode", {"task": "dates", "step": "2"})
    assert query == {"task": "dates", "step": "2", "colors": "cividis"} and query.writes == 1
    link.publish(session, query, "decode", {"task": "dates", "step": "2"})
    assert query.writes == 1  # unchanged: not written again
    session[keys.COLORS] = "blues"
    link.publish(session, query, "decode", {"task": "dates", "step": "2"})
    assert query == {"task": "dates", "step": "2"} and query.writes == 2


def test_the_language_and_the_scale_ride_together():
    session = {keys.COLORS: "cividis", keys.LANGUAGE_CHOICE: "zh"}
    assert link.beside_view(session) == {"lang": "zh", "colors": "cividis"}
    assert link.beside_view({}) == {}


def test_a_link_opened_with_another_scale_is_the_same_view():
    session: dict = {}
    opened, new = owner.open_link(session, "decode", {"task": "dates"})
    assert new and opened.task == "dates"
    link.publish(session, Query(), "decode", {"task": "dates"})
    assert owner.open_link(session, "decode", {"task": "dates", "colors": "cividis"}) == (opened, False)


# -- the figures ----------------------------------------------------------------------------------------
def test_the_scale_in_force_is_blues_unless_chosen():
    assert common.scale_name() == "blues" and common.heatmap_colors() == "Blues"
    with common.using_scale("cividis"):
        assert common.scale_name() == "cividis" and common.heatmap_colors() == "Cividis"
    assert common.scale_name() == "blues"


def test_an_installed_source_says_the_scale_and_a_bad_one_falls_back(monkeypatch):
    monkeypatch.setattr(common._SCALE, "source", lambda: "cividis")
    assert common.scale_name() == "cividis"
    with common.using_scale("blues"):  # a block's own choice comes first
        assert common.scale_name() == "blues"
    monkeypatch.setattr(common._SCALE, "source", lambda: "jet")
    assert common.scale_name() == "blues"


def test_every_attention_heatmap_draws_on_the_scale_in_force():
    probe = {"source_tokens": SRC, "target_tokens": TGT, "attention": ATT}
    for scale, expected in (("blues", BLUES), ("cividis", CIVIDIS)):
        with common.using_scale(scale):
            figures = [
                heatmaps.attention_heatmap(SRC, TGT, ATT),
                heatmaps.grid_heatmap(SRC, TGT, ATT, "general"),
                heatmaps.probe_heatmap(probe),
                heatmaps.rows_heatmap(SRC, {"own": ATT[0], "shuffled": ATT[1]}),
                heatmaps.timelapse_animation({"general": [probe, probe]}, [1, 2]),
            ]
            for figure in figures:
                assert figure.data[0].colorscale == expected, scale
            frame = heatmaps.timelapse_animation({"general": [probe, probe]}, [1, 2]).frames[1]
            assert frame.data[0].colorscale == expected


def test_differences_gold_and_importances_keep_their_own_scales():
    rdbu, greens = go.Heatmap(colorscale="RdBu").colorscale, go.Heatmap(colorscale="Greens").colorscale
    with common.using_scale("cividis"):
        assert heatmaps.difference_heatmap(SRC, TGT, ATT, ATT).data[0].colorscale == rdbu
        assert heatmaps.gold_heatmap(SRC, TGT, [[1, 0, 0], [0, 0, 1]]).data[0].colorscale == greens
        assert heatmaps.rows_heatmap(SRC, {"m": [1.0, -1.0, 0.5]}, normalize=True).data[0].colorscale == rdbu
        assert heatmaps.attention_heatmap(SRC, TGT, ATT, colorscale="Greens").data[0].colorscale == greens


def test_the_svg_heatmap_carries_the_stops_of_the_scale_in_force():
    assert svg_heatmap.payload(SRC, TGT, ATT)["colors"] == list(svg_heatmap.BLUES)
    with common.using_scale("cividis"):
        colors = svg_heatmap.payload(SRC, TGT, ATT)["colors"]
    assert colors == list(svg_heatmap.CIVIDIS) == plotly.colors.sequential.Cividis  # plotly's stops, SVG alike
    assert colors[0] == "#00224e" and colors[-1] == "#fee838"  # 0 dark blue, 1 yellow


def test_cividis_gets_lighter_all_the_way():
    """Its lightness rises with the weight (so it reads on a washed-out projector, and in grey)."""

    def luminance(hex_color: str) -> float:
        r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lights = [luminance(c) for c in svg_heatmap.CIVIDIS]
    assert all(b > a for a, b in zip(lights, lights[1:], strict=False))
    assert lights[-1] - lights[0] > 0.75  # dark blue to bright yellow


# -- the pages (AppTest) ------------------------------------------------------------------------------------
def decode(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / "1_Decode.py"), default_timeout=60)
    at.query_params.update({"task": "dates", "scorer": "general", "step": "2", **query})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def svg_colors(at: AppTest) -> list[str]:
    (found,) = [
        json.loads(el.proto.json)["heatmap"]["colors"]
        for el in at.get("bidi_component")
        if el.proto.component_name == svg_heatmap.COMPONENT_NAME
    ]
    return found


def test_the_links_scale_is_the_heatmaps_and_stays_in_the_url(monkeypatch):
    use_registry(monkeypatch)
    at = decode(colors="cividis")
    assert svg_colors(at) == list(svg_heatmap.CIVIDIS)
    assert at.sidebar.segmented_control(key=keys.COLORS_SWITCH).value == "cividis"
    assert at.query_params["colors"] == "cividis"
    assert report_step(at, 3)  # a Step in the browser
    at.run()
    assert not at.exception and at.session_state["_view"].step == 3
    assert at.query_params["colors"] == "cividis"
    assert svg_colors(at) == list(svg_heatmap.CIVIDIS)
    assert not at.warning  # no note for a good value


def test_a_bad_scale_in_the_link_gets_a_note_and_leaves_the_url(monkeypatch):
    use_registry(monkeypatch)
    at = decode(colors="<b>rainbow</b>")
    notes = [str(w.value) for w in at.warning]
    escaped = "Unknown colour scale colors\\='\\<b\\>rainbow\\</b\\>'; using blues\\."  # shown as typed
    assert notes == [escaped]
    assert svg_colors(at) == list(svg_heatmap.BLUES)
    assert "colors" not in at.query_params


def test_the_sidebar_choice_goes_into_the_url_and_back_out(monkeypatch):
    use_registry(monkeypatch)
    at = decode()
    assert at.sidebar.segmented_control(key=keys.COLORS_SWITCH).value == "blues"
    assert "colors" not in at.query_params and svg_colors(at) == list(svg_heatmap.BLUES)
    at.sidebar.segmented_control(key=keys.COLORS_SWITCH).set_value("cividis").run()
    assert not at.exception
    assert at.query_params["colors"] == "cividis"
    assert svg_colors(at) == list(svg_heatmap.CIVIDIS)
    assert at.session_state["_view"].step == 2  # the view stays
    at.sidebar.segmented_control(key=keys.COLORS_SWITCH).set_value("blues").run()
    assert "colors" not in at.query_params and svg_colors(at) == list(svg_heatmap.BLUES)


def test_the_compare_grid_follows_the_scale(monkeypatch):
    use_registry(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app_pages" / "2_Compare.py"), default_timeout=60)
    at.query_params.update({"task": "dates", "colors": "cividis"})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    scales = {(s["layout"].get("title") or {}).get("text"): s["data"][0]["colorscale"] for s in specs}
    cividis, rdbu = [list(pair) for pair in CIVIDIS], [list(p) for p in go.Heatmap(colorscale="RdBu").colorscale]
    for scorer in ("dot", "general", "concat", "scaled_dot", "location"):  # the grid: one heatmap per scorer
        assert scales[scorer] == cividis, scorer
    assert scales["difference: dot − general"] == rdbu  # a difference keeps its diverging scale
    assert at.query_params["colors"] == "cividis"


def test_the_scales_are_named_in_chinese_under_lang_zh():
    """The control's options say what the scale looks like in the reader's language (the plotly name may
    follow in brackets): no option is an English word alone."""
    from explorer.i18n import _
    from explorer.state.view import COLOR_LABELS

    with using("zh"):
        labels = [_(COLOR_LABELS[name]) for name in COLOR_SCALES]
    assert labels == ["蓝色", "蓝–黄（Cividis，色盲友好）"]
    assert all("\u4e00" <= label[0] <= "\u9fff" for label in labels)  # each starts with its Chinese name
