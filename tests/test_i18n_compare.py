"""The Compare, Beam search and Timelapse pages in Chinese, state by state.

Each page runs on the shipped models (pretrained/) with ``lang=zh`` and, in each of its main states,
writes Chinese (`assert_chinese`: at most 5% English-only texts); a few labels, titles and notes are
checked exactly. Without ``lang`` the same pages stay English.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from explorer.views import compare as compare_view
from seq2seq.registry import registry
from tests import i18n_fixtures
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, app_test, named, ok, view_key
from tests.i18n_fixtures import CJK, assert_chinese, page_texts

COMPARE, BEAM, TIMELAPSE = "app_pages/2_Compare.py", "app_pages/4_Beam_search.py", "app_pages/7_Timelapse.py"


fresh_caches, shipped_models = i18n_fixtures.fresh_caches, i18n_fixtures.shipped_models  # autouse: pretrained/


def open_page(script: str, **query) -> AppTest:
    at = app_test(script, PAGE_TIMEOUT)
    at.query_params.update(query)
    return ok(at.run())


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    return [(c["layout"].get("title") or {}).get("text") or "" for c in charts(at)]


def values(elements) -> list[str]:
    return [str(el.value) for el in elements]


# -- Compare ------------------------------------------------------------------------------------
def test_compare_reverse_with_gold_alignment_and_a_difference():
    at = open_page(COMPARE, lang="zh", task="reverse", sentence="hello world")
    assert_chinese(at)
    assert at.title[0].value == "比较打分函数"
    assert at.selectbox(key="cmp_task").label == "任务"
    assert at.radio(key="cmp_mode").options == ["输入一个句子", "从测试集中选一个例子"]
    assert "标准对齐" in titles(at)  # the gold alignment's heatmap (reverse has gold for every sentence)
    columns = list(at.dataframe[0].value.columns)
    assert columns == ["打分函数", "输出", "对数概率", "平均熵（奈特）", "对齐准确率", "标准对齐权重"]
    texts = values(at.get("text"))
    assert "参考译文：dlrow olleh" in texts
    assert any(t.startswith("输出：dlrow olleh") and "对齐准确率：" in t for t in texts)
    none_lines = next(t for t in texts if "对数概率" in t)  # the 'none' card: its output, no formula line
    assert "无注意力" not in none_lines and "注意力" not in none_lines  # "no attention" is said once, in the box
    assert "没有注意力：解码器只能看到编码器的最终状态。" in values(at.info)
    assert at.header[0].value == "两个打分函数的差异"
    assert (at.selectbox(key="compare_a").label, at.selectbox(key="compare_b").label) == ("打分函数 A", "打分函数 B")
    assert any(t.startswith("差值：") for t in titles(at))
    assert "两者都在参考目标上做教师强制；红色：B 的注意力更多，蓝色：A 的注意力更多。" in values(at.caption)

    at.radio(key="cmp_show").set_value("forced").run()  # teacher forcing of the reference
    ok(at)
    assert at.radio(key="cmp_show").options == ["每个模型自己的输出", "对参考译文做教师强制"]
    assert_chinese(at)
    at.selectbox(key="compare_b").set_value("location").run()
    ok(at)
    assert_chinese(at)
    assert any(t.startswith("差值：") and "location" in t for t in titles(at))


def test_compare_dates_typed_then_a_test_example_with_its_gold_alignment(monkeypatch):
    at = open_page(COMPARE, lang="zh", task="dates")
    assert_chinese(at)
    assert any(v.startswith("这个句子是手动输入的，不是生成的，所以没有标准对齐。") for v in values(at.info))
    assert "标准对齐" not in titles(at)
    assert "两者都逐个词元输入 A 的输出；红色：B 的注意力更多，蓝色：A 的注意力更多。" in values(at.caption)

    # The test examples offered are sentences (data, as the tasks' own examples are): not counted.
    examples = {e.source for e in compare_view.gold_examples("dates")}
    monkeypatch.setattr(i18n_fixtures, "SENTENCES", i18n_fixtures.SENTENCES | examples)
    at.radio(key="cmp_mode").set_value("pick").run()
    ok(at)
    assert_chinese(at)
    assert at.selectbox(key=view_key(at, "cmp_example", "sentence")).label == "测试集例子（带标准对齐）"
    assert "标准对齐" in titles(at)
    assert all(v is not None for v in at.dataframe[0].value["对齐准确率"].iloc[1:])  # every scorer but none
    at.radio(key="cmp_show").set_value("forced").run()
    ok(at)
    assert_chinese(at)


def test_compare_translation_has_no_gold_alignment():
    at = open_page(COMPARE, lang="zh", task="en-fr")
    assert_chinese(at)
    assert "这个任务没有标准对齐：请把各个打分函数互相比较。" in values(at.info)


def test_compare_refusals_are_chinese():
    at = open_page(COMPARE, lang="zh", task="reverse", sentence="abcdefghijklmnopqrstuvwxyzabcde")
    refusals = [v for v in values(at.warning) if v.startswith("location 无法处理这个句子：")]
    assert len(refusals) == 1 and CJK.search(refusals[0].split("：", 1)[1]), values(at.warning)
    assert_chinese(at)
    at.text_input(key="cmp_sentence").set_value("").run()  # every model refuses: one message
    ok(at)
    assert len(at.warning) == 1 and at.warning[0].value.endswith("。") and CJK.search(at.warning[0].value)
    assert_chinese(at)


# -- Beam search --------------------------------------------------------------------------------
def test_beam_search_tree_and_hypotheses():
    at = open_page(BEAM, lang="zh", task="reverse", scorer="general", sentence="hello world")
    at.slider(key="beam_width").set_value(4).run()
    ok(at)
    assert_chinese(at)
    assert at.title[0].value == "束搜索"
    assert at.slider(key="beam_width").label == "束宽"
    assert named(at.selectbox, "beam_hypothesis").label == "假设"
    options = named(at.selectbox, "beam_hypothesis").options
    assert len(options) == 4 and options[0].startswith("1. dlrow olleh  （log p -")
    tree, heatmap = charts(at)
    assert tree["layout"]["xaxis"]["title"]["text"] == "深度（词元数）"
    assert titles(at)[1] == "假设 1 的注意力"
    assert any(c.startswith("共展开 ") and "个最终假设上" in c for c in values(at.caption))
    assert values(at.get("text"))[-1].startswith("假设 1：dlrow olleh\n对数概率 log p：")

    named(at.selectbox, "beam_hypothesis").set_value(1).run()
    ok(at)
    assert_chinese(at)
    assert titles(at)[1] == "假设 2 的注意力"


def test_beam_search_without_attention_and_a_width_out_of_range():
    at = open_page(BEAM, lang="zh", task="reverse", scorer="none", sentence="abc", beam="15")
    assert_chinese(at)
    assert "这个模型没有注意力（打分函数为 'none'）：这个假设没有可画的内容。" in values(at.info)
    assert any("超出" in v and "1–10" in v for v in values(at.info))  # the link's beam=15, clamped
    assert at.slider(key="beam_width").value == 10


def test_beam_search_refusal_is_chinese():
    at = open_page(BEAM, lang="zh", task="reverse", scorer="general", sentence="abc")
    at.text_input(key="beam_sentence").set_value("").run()
    ok(at)
    assert at.warning and all(CJK.search(v) for v in values(at.warning))
    assert_chinese(at)


# -- Timelapse ----------------------------------------------------------------------------------
def test_timelapse_probe_epochs_curves_and_animation():
    at = open_page(TIMELAPSE, lang="zh")
    assert_chinese(at)
    assert at.title[0].value == "延时回放"
    assert at.radio(key="timelapse_origin").options == ["预训练模型", "你的训练", "一个已保存的模型"]
    assert at.selectbox(key="timelapse_probe").label == "探针句"
    assert at.selectbox(key="timelapse_probe").value == "hello world"
    markdown = values(at.markdown)
    assert any(m.startswith("**general** · 第 ") and m.endswith(" 轮") for m in markdown), markdown
    assert any(m.endswith("（它的训练在这一轮结束）") for m in markdown), markdown
    assert "输出：dlrow olleh" in values(at.caption)
    figures = charts(at)
    assert "训练损失" in titles(at) and "验证" in titles(at)
    loss = next(f for f in figures if (f["layout"].get("title") or {}).get("text") == "训练损失")
    assert loss["layout"]["yaxis"]["title"]["text"] == "每个目标词元的损失"

    play = at.toggle(key="tl_play")
    assert play.label == "▶ 播放所有轮次"
    assert play.help == "把每一轮做成动画，在浏览器中运行：打开时它取代下面的热力图。"
    play.set_value(True).run()
    ok(at)
    assert_chinese(at)
    animation = next(spec for spec in charts(at) if spec.get("frames"))
    assert [b["label"] for b in animation["layout"]["updatemenus"][0]["buttons"]] == ["▶ 播放", "❚❚ 暂停"]

    epochs = at.select_slider(key="timelapse_epoch")
    assert epochs.label == "轮次"
    epochs.set_value(0).run()  # the untrained epoch
    ok(at)
    assert_chinese(at)

    at.selectbox(key="tl_task").set_value("dates").run()
    ok(at)
    assert_chinese(at)


def test_timelapse_without_a_training_or_a_saved_model():
    """Opened from the app (its link to the Train page needs the app's pages), on each empty origin."""
    for origin, note in (
        ("Your training", "本次会话还没有训练过模型。"),
        ("A saved model", "还没有从训练页面保存过模型。"),
    ):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT)
        at.query_params["lang"] = "zh"
        at.session_state["_view_own"] = {"timelapse": {"origin": origin}}  # the page's own field
        ok(at.run())
        at.switch_page(TIMELAPSE).run()
        ok(at)
        assert note in values(at.info), values(at.info)
        if origin == "Your training":
            assert "去训练一个" in [link.proto.label for link in at.get("page_link")]
        assert_chinese(at)


# -- English stays -------------------------------------------------------------------------------
def test_without_lang_the_pages_stay_english():
    at = open_page(COMPARE, task="reverse", sentence="hello world")
    assert at.title[0].value == "Compare scorers"
    assert list(at.dataframe[0].value.columns)[:3] == ["scorer", "output", "log-probability"]
    assert "gold alignment" in titles(at) and at.header[0].value == "Difference between two scorers"
    assert any(t.startswith("output: dlrow olleh\nlog p: ") for t in values(at.get("text")))
    assert not any(CJK.search(t) for t in page_texts(at) if t != "English / 中文")

    at = open_page(BEAM, task="reverse", scorer="general", sentence="abc")
    assert at.slider(key="beam_width").label == "Beam width"
    assert named(at.selectbox, "beam_hypothesis").options[0].startswith("1. cba  (log p -")
    assert titles(at)[1] == "attention of hypothesis 1"
    assert not any(CJK.search(t) for t in page_texts(at) if t != "English / 中文")

    at = open_page(TIMELAPSE)
    assert at.radio(key="timelapse_origin").options == ["Shipped models", "Your training", "A saved model"]
    assert "training loss" in titles(at)
    assert not any(CJK.search(t) for t in page_texts(at) if t != "English / 中文")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_table_writes_a_dash_where_a_scorer_has_no_value(lang):
    """en-fr has no gold alignment and `none` no entropy: those cells read "–", never "None" or "nan"."""
    at = open_page(COMPARE, task="en-fr", sentence="I am tired.", lang=lang)
    table = at.dataframe[0].value
    cells = [str(v) for v in table.to_numpy().ravel()]
    assert not table.isna().to_numpy().any() and not {"None", "nan", "<NA>"} & set(cells)
    shipped = [e for e in registry(ROOT / "pretrained") if e.task == "en-fr" and e.cell == "gru"]  # a row each
    assert list(table.iloc[:, -1]) == [compare_view.EMPTY] * len(shipped)  # gold mass: no gold alignment for anyone
    assert table.iloc[0, 3] == compare_view.EMPTY and table.iloc[0, 0] == "none"  # no attention, no entropy
