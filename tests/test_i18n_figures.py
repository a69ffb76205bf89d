"""The figures in Chinese: every builder's titles, axis titles, legends and hover texts translated at
build time (English unchanged without a language), plotly placeholders kept, the SVG charts' words
sent in their payloads and their label widths measured in display columns, and the cache keeping a
language's results apart from another's."""

from __future__ import annotations

import re

import pytest

from explorer import i18n
from explorer.figures import bars, curves, heatmaps, links, scatter, svg_bars, svg_heatmap, trees
from explorer.figures.common import TITLE_COLUMNS, TITLE_LINE_PX, wrap_title
from seq2seq.beam import BeamNode
from seq2seq.display_width import display_width

SOURCE, TARGET = ["我们", "喜欢", "北京", "</s>"], ["we", "like", "Beijing", "</s>"]
WEIGHTS = [[0.7, 0.1, 0.1, 0.1], [0.0, 0.5, 0.5, 0.0], [0.1, 0.1, 0.7, 0.1], [0.25, 0.25, 0.25, 0.25]]
TREE = [
    BeamNode(id=0, parent=None, token="<s>", token_id=None, logprob=0.0, cumulative=0.0, depth=0),
    BeamNode(id=1, parent=0, token="a", token_id=5, logprob=-0.1, cumulative=-0.1, depth=1),
    BeamNode(id=2, parent=0, token="c", token_id=7, logprob=-1.0, cumulative=-1.0, depth=1),
]
PROBE = {"source_tokens": ["a", "b"], "target_tokens": ["b", "a"], "attention": [[0.1, 0.9], [0.8, 0.2]]}
PLACEHOLDER = re.compile(r"%\{[^}]*\}")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def build_all() -> dict:
    """Every figure builder once, on Chinese tokens (their texts are then the builders' own words)."""
    return {
        "attention": heatmaps.attention_heatmap(SOURCE, TARGET, WEIGHTS, title="注意力", highlight_row=1),
        "difference": heatmaps.difference_heatmap(SOURCE, TARGET, WEIGHTS, WEIGHTS),
        "grid": heatmaps.grid_heatmap(SOURCE, TARGET, WEIGHTS, title="dot"),
        "gold": heatmaps.gold_heatmap(SOURCE, TARGET, [[1, 0, 0, 0]] * 4),
        "probe": heatmaps.probe_heatmap(PROBE),
        "timelapse": heatmaps.timelapse_animation({"dot": [PROBE, PROBE]}, [0, 1]),
        "rows": heatmaps.rows_heatmap(SOURCE, {"注意力": [0.1, 0.2, 0.3, 0.4]}, normalize=True),
        "topk": bars.topk_bars([("我", 0.9), ("你", 0.1)], chosen="我"),
        "histograms": bars.histogram_grid({"注意力 ~ 留一法": [0.1, 0.5]}, "Kendall τ", (-1, 1), 0.1),
        "training": curves.training_curves([{"name": "dot", "epochs": [0, 1], "values": [None, 0.5]}], "损失", "损失"),
        "curves": curves.curves({"dot": ([0, 1], [1.0, 0.5])}, "损失", "轮次", "损失", whole_x=True),
        "links": links.alignment_links(SOURCE, TARGET, WEIGHTS),
        "scatter": scatter.state_scatter(
            [[0, 0], [1, 0], [2, 1], [3, 3]],
            [[0, 1], [1, 1], [2, 2], [3, 1]],
            SOURCE,
            TARGET,
            current=1,
            background=[[5, 5]],
            explained=[0.5, 0.25],
        ),
        "tree": trees.beam_tree(TREE, frozenset({0, 1})),
    }


def words(figure) -> list[str]:
    """What a reader reads of a figure: title, axis and colour-bar titles, legend names, hover texts
    (plotly's placeholders and markup taken out), the animation's buttons and slider."""
    layout = figure.layout
    found = [layout.title.text]
    for axis in [*figure.select_xaxes(), *figure.select_yaxes()]:
        found.append(axis.title.text)
    if layout.scene:
        found += [layout.scene.xaxis.title.text, layout.scene.yaxis.title.text]
    for trace in figure.data:
        if trace.showlegend is not False and trace.type != "heatmap":
            found.append(trace.name)
        if trace.type == "heatmap" and trace.colorbar.title.text:
            found.append(trace.colorbar.title.text)
        if trace.hovertemplate:
            text = PLACEHOLDER.sub("", trace.hovertemplate).replace("<br>", " ")
            found.append(re.sub(r"<extra>.*?</extra>", "", text))  # the box names a model or series given
    for menu in layout.updatemenus:
        found += [button.label for button in menu.buttons]
    for slider in layout.sliders:
        found.append(slider.currentvalue.prefix)
    return [w for w in found if w and w.strip()]


def test_every_builder_writes_its_words_in_chinese():
    with i18n.using("zh"):
        figures = build_all()
    for name, figure in figures.items():
        found = words(figure)
        assert found, name
        english = [w for w in found if ENGLISH_WORD.search(w.replace("Kendall τ", "").replace("dot", ""))]
        assert not english, (name, english)


def test_chinese_titles_and_hover_texts_exactly():
    with i18n.using("zh"):
        f = build_all()
    attention = f["attention"]
    row_title = next(a for a in attention.layout.annotations if a.name == "row_title")
    assert (attention.layout.xaxis.title.text, row_title.text) == ("源", "目标")
    assert row_title.textangle is None and attention.layout.yaxis.title.text is None  # level, never turned
    assert attention.data[0].colorbar.title.text == "权重"
    assert attention.data[0].hovertemplate == (
        "目标 %{customdata[1]} ← 源 %{customdata[0]}<br>权重 %{z:.3f}<extra></extra>"  # plotly's placeholders kept
    )
    assert f["difference"].layout.title.text == "差值：A − B" and f["difference"].data[0].colorbar.title.text == "差值"
    assert f["gold"].layout.title.text == "标准对齐"
    assert f["rows"].data[0].colorbar.title.text == "占本行最大值的比例"
    assert f["topk"].layout.xaxis.title.text == "概率"
    assert f["histograms"].data[0].hovertemplate.startswith("τ %{x}：%{y} 个样例<extra>")
    assert f["training"].layout.xaxis.title.text == "轮次"
    assert {t.name for t in f["scatter"].data} == {"参考样本", "编码器状态", "解码器状态", "当前步"}
    assert f["scatter"].layout.xaxis.title.text == "主成分 1（50%）"
    assert {t.name for t in f["tree"].data if t.mode == "markers+text"} == {"已剪枝", "属于最终假设"}
    assert f["tree"].layout.xaxis.title.text == "深度（词元数）"
    timelapse = f["timelapse"]
    assert [b.label for b in timelapse.layout.updatemenus[0].buttons] == ["▶ 播放", "❚❚ 暂停"]
    assert timelapse.layout.sliders[0].currentvalue.prefix == "第 "  # "第 3 轮": the number inside the words
    assert timelapse.layout.sliders[0].currentvalue.suffix == " 轮"
    with i18n.using("zh"), pytest.raises(ValueError, match="没有哪个模型带有注意力权重"):
        heatmaps.timelapse_animation({"none": [None, None]}, [0, 1])


def test_english_is_unchanged_without_a_language():
    f = build_all()
    attention = f["attention"]
    row_title = next(a for a in attention.layout.annotations if a.name == "row_title")
    assert (attention.layout.xaxis.title.text, row_title.text) == ("source", "target")
    assert attention.data[0].hovertemplate == (
        "target %{customdata[1]} ← source %{customdata[0]}<br>weight %{z:.3f}<extra></extra>"
    )
    assert f["difference"].layout.title.text == "difference: A − B"
    assert f["difference"].data[0].hovertemplate == (
        "target %{customdata[1]} ← source %{customdata[0]}<br>A − B %{z:+.3f}<extra></extra>"
    )
    assert f["rows"].data[0].hovertemplate == "%{y} · source %{customdata[0]}<br>value %{customdata[1]}<extra></extra>"
    assert f["histograms"].data[0].hovertemplate.startswith("τ %{x}: %{y} examples<extra>")
    assert f["scatter"].layout.xaxis.title.text == "PC1 (50%)"
    assert f["scatter"].data[1].hovertemplate == "encoder %{text}<extra></extra>"
    assert f["tree"].data[-1].hovertemplate == "node %{customdata[0]}, depth %{customdata[1]}<br>%{text}<extra></extra>"
    assert f["links"].data[0].hovertemplate == "weight 0.700<extra></extra>"
    timelapse = f["timelapse"]
    assert [b.label for b in timelapse.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    assert (
        timelapse.layout.sliders[0].currentvalue.prefix == "epoch "
        and not timelapse.layout.sliders[0].currentvalue.suffix
    )
    given = {"注意力", "损失", "轮次", "注意力 ~ 留一法"}  # the titles and names the builders were given
    for name, figure in f.items():
        assert not [w for w in words(figure) if CJK.search(w) and w not in given], name


def test_a_long_chinese_title_is_broken_into_lines_that_fit_and_the_margin_grows():
    title = "为什么是“北京”（第 3 个输出词元）：每行按该行的最大值缩放，" * 2
    assert display_width(title) > TITLE_COLUMNS  # len() would say it fits
    assert len(title) < TITLE_COLUMNS
    with i18n.using("zh"):
        figure = heatmaps.rows_heatmap(SOURCE, {"注意力": [0.1, 0.2, 0.3, 0.4]}, title=title)
        short = heatmaps.rows_heatmap(SOURCE, {"注意力": [0.1, 0.2, 0.3, 0.4]}, title="注意力")
    lines = figure.layout.title.text.split("<br>")
    assert len(lines) == 2 and " ".join(lines) == title  # broken at the space
    assert all(display_width(line) <= TITLE_COLUMNS for line in lines)
    assert figure.layout.margin.t == short.layout.margin.t + TITLE_LINE_PX
    assert figure.layout.height == short.layout.height + TITLE_LINE_PX
    assert wrap_title("a short English title") == ("a short English title", 0)


# -- the SVG charts ---------------------------------------------------------------------------
def test_the_svg_heatmap_sends_its_words_translated_and_measures_cjk_labels():
    source, target = ["我们", "非常", "喜欢", "北京天安门广场"], ["我", "爱", "北京"]
    with i18n.using("zh"):
        data = svg_heatmap.payload(source, target, WEIGHTS[:3], step=1)
    texts = data["texts"]
    assert texts["label"] == "注意力热力图" and texts["legend"] == "权重 0" and texts["missing"] == "无"
    assert texts["cell"] == "目标 {target} ← 源 {source}\n权重 {weight}"  # the script fills the braces
    layout = data["layout"]
    widest_row = max(display_width(label) for label in data["target"])  # "03 北京": 7 columns, 5 characters
    assert widest_row == 7 and max(len(label) for label in data["target"]) == 5
    assert layout["left"] == round(svg_heatmap.CHAR_PX * widest_row) + 10
    assert data["source"][3] == "04 北京天安门广场" and "…" not in "".join(data["source"])  # nothing cut
    # Chinese column labels stand upright, flat in two lines (number over token): the column as wide as the
    # widest line (14 columns), the room above two lines of 1.3 em
    assert data["source_flat"] and data["source_lines"][3] == ["04", "北京天安门广场"]
    assert layout["min_column"] == round(svg_heatmap.CHAR_PX * 14) + 6
    assert layout["top"] == round(2 * 1.3 * 12) + 10
    assert layout["legend_left"] >= round(svg_heatmap.CHAR_PX * display_width(texts["legend"]))
    english = svg_heatmap.payload(source, target, WEIGHTS[:3], step=1)["texts"]
    assert english == {
        "label": "attention heatmap",
        "scale": "colour scale 0 to 1",
        "legend": "weight 0",
        "cell": "target {target} ← source {source}\nweight {weight}",
        "missing": "n/a",
    }
    # A long Chinese legend label pushes the gradient right, measured in columns.
    wide = svg_heatmap.legend_layout("注意力权重的颜色刻度从")
    assert wide["legend_left"] == round(svg_heatmap.CHAR_PX * 22) + 2 > svg_heatmap.LEGEND_LABEL_PX


def test_the_svg_bars_send_their_words_translated_and_measure_cjk_labels():
    with i18n.using("zh"):
        scores = svg_bars.scores_payload(["我们", "北京"], [1.0, -1.0], [0.6, 0.4])
        topk = svg_bars.topk_payload([("北京天安门", 0.9), ("a", 0.1)], chosen="a")
        shares = svg_bars.shares_payload(["我们", "北京"], [0.6, 0.4], [0.5, 0.5], highlight=0)
    assert scores["texts"]["scores_title"] == "原始分数 score(h_t, h_s)"
    assert scores["texts"]["scores_tip"] == "{token}\n分数 {score}\n权重 {weight}"
    assert topk["texts"]["topk_title"] == "下一个词元的候选"
    assert (
        shares["texts"]["share_legend"] == "在 c_t 中的占比" and shares["texts"]["share_tip"] == "{token}\n占比 {value}"
    )
    assert scores["columns"] == display_width("00 我们") == 7
    assert topk["columns"] == display_width("1. 北京天安门") == 13  # the label margin fits the wide characters
    assert shares["legend_gap"] >= 7 * display_width(shares["texts"]["weight_legend"])
    english = svg_bars.topk_payload([("a", 1.0)])
    assert english["texts"]["topk_title"] == "next-token candidates" and english["columns"] == 4


def test_the_drawing_scripts_take_their_words_from_the_payload():
    from explorer.ui.common import components
    from explorer.ui.decode import stepper as decode_stepper

    draw, bar_js = decode_stepper.script(), components.bars_js()
    for key in ("label", "scale", "legend", "cell", "missing"):
        assert f'say("{key}"' in draw
    for key in ("scores_title", "weights_title", "scores_tip", "weight_legend", "share_legend", "topk_title", "none"):
        assert f'"{key}"' in bar_js
    assert "data.columns" in bar_js and "data.legend_gap" in bar_js and "L.legend_left" in draw


# -- the cache ------------------------------------------------------------------------------
def test_a_cached_result_with_text_is_kept_per_language(monkeypatch, tmp_path):
    from explorer.i18n import _
    from explorer.ui.common import cached

    # The stored results' note is text a user reads: an entry per language, never the other's.
    stored = tmp_path / "results.json"
    stored.write_text("{}", encoding="utf-8")
    calls = []

    def load(task):
        calls.append(i18n.current())
        return None, _("n/a")

    monkeypatch.setattr(cached.results, "path", lambda task: stored)
    monkeypatch.setattr(cached.results, "load", load)
    cached._lab_results.clear()
    with i18n.using("en"):
        assert cached.lab_results("dates") == (None, "n/a")
    with i18n.using("zh"):
        assert cached.lab_results("dates") == (None, "无")
    with i18n.using("en"):
        assert cached.lab_results("dates") == (None, "n/a")  # the English entry, still there
    with i18n.using("zh"):
        assert cached.lab_results("dates") == (None, "无")
    assert calls == ["en", "zh"]  # each language computed once, then read from the cache
    cached._lab_results.clear()


def test_cached_spinners_are_translated_at_the_call(monkeypatch):
    from explorer.ui.common import cached

    shown = []

    class Spinner:
        def __init__(self, text):
            shown.append(text)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(cached.st, "spinner", Spinner)
    monkeypatch.setattr(cached.beam_search, "__wrapped__", lambda name, sentence, width: "tree")
    with i18n.using("zh"):
        assert cached.beam_search("dates/dot", "x", 3) == "tree"
    assert cached.beam_search("dates/dot", "x", 3) == "tree"
    assert shown == ["正在搜索…", "Searching…"]
