"""What a class reads (issue 54), without a browser: tokens in the reader's form, Chinese labels that never
turn, Streamlit's and plotly's own strings in Chinese, model cards' metrics in words."""

from __future__ import annotations

from explorer import i18n
from explorer.figures import common, heatmaps, svg_heatmap
from explorer.ui.shell import chrome, pieces
from explorer.views import models


def test_sentencepiece_word_starts_read_as_a_dot_and_raw_pieces_are_one_switch_away():
    tokens = ["\u2581Je", "\u2581suis", "\u2581fatigu", "é", ".", "</s>", "\u2581"]
    assert [common.shown_token(t) for t in tokens] == ["·Je", "·suis", "·fatigu", "é", ".", "</s>", "·"]
    assert common.position_labels(tokens[:2]) == ["01 ·Je", "02 ·suis"]
    assert (
        pieces.note(tokens)
        == "· starts a word; a piece without it continues the word before it (·jou ent reads jouent)."
    )
    assert pieces.note(["我", "爱"], ["a", "b"]) is None  # no SentencePiece side: nothing to explain
    with common.using_pieces(common.RAW):
        assert common.position_labels(tokens[:2]) == ["01 \u2581Je", "02 \u2581suis"] and pieces.note(tokens) is None


def test_chinese_column_labels_are_level_in_two_lines_and_the_row_title_is_an_annotation():
    figure = heatmaps.attention_heatmap(["我", "爱", "你", "</s>"], ["I", "</s>"], [[0.7, 0.1, 0.1, 0.1]] * 2)
    assert list(figure.data[0].x) == ["01<br>我", "02<br>爱", "03<br>你", "04<br>&lt;/s&gt;"]
    assert figure.layout.xaxis.tickangle == 0 and figure.layout.xaxis.autotickangles is None  # never turned
    latin = heatmaps.attention_heatmap(["I", "</s>"], ["Je", "</s>"], [[0.9, 0.1]] * 2)
    assert list(latin.data[0].x) == ["01 I", "02 &lt;/s&gt;"] and list(latin.layout.xaxis.autotickangles) == [0, -90]
    (title,) = [a for a in figure.layout.annotations if a.name == "row_title"]
    assert (title.text, title.textangle, figure.layout.yaxis.title.text) == ("target", None, None)
    with i18n.using("zh"):
        wide = heatmaps.attention_heatmap(["a"], ["b"], [[1.0]])
    # 目标 (4 columns) is wider than the row label "01 b" (4 columns): the margin leaves it room either way
    assert wide.layout.margin.l == heatmaps.row_title_margin("目标", ["01 b"]) >= 14
    assert svg_heatmap.flat_columns(["01 我"]) and not svg_heatmap.flat_columns(["01 I"])


def test_streamlit_and_plotly_strings_read_in_chinese():
    assert chrome.words() == {}  # English: nothing to change
    with i18n.using("zh"):
        words = chrome.words()
    assert set(words) == set(chrome.FOREIGN)  # every one translated
    assert words["Skip to main content"] == "跳到主要内容" and words["Download plot as a PNG"] == "下载图表为 PNG"


def test_a_cards_metric_keys_read_as_words():
    card = "| metric | float16 | float32 |\n|---|---|---|\n| exact_match | 0.9960 | 0.9960 |\n| bleu | 33.5 | |\n"
    assert models.metric_words(card).splitlines()[2:] == [
        "| exact match (share of outputs) | 0.9960 | 0.9960 |",
        "| BLEU | 33.5 | |",
    ]
    with i18n.using("zh"):
        assert models.metric_words(card).splitlines()[2] == "| 完全匹配（输出所占比例） | 0.9960 | 0.9960 |"
    assert models.metric_words("| other_key | 1 |") == "| other_key | 1 |"  # a key it does not know stays
