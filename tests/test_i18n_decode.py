"""The Decode page in Chinese, on the shipped models: every tab below the heatmap, the step
controls, the explain-a-cell text, a link's notes, an input error, the stepper, presentation mode,
and the same page without ``lang`` still English.

The shipped registry (pretrained/), not the tiny test one: what a class sees. The dates models read
characters, so a page's tokens are single characters, never counted as English by the CJK share.
"""

from __future__ import annotations

import json
import pickle

import pytest
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.i18n import _
from explorer.i18n.errors import message_of
from explorer.state import keys
from explorer.state.view import decoding_label, parse_query
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.decode import stepper as decode_stepper
from explorer.views import decode as decode_view
from explorer.views import decode_analysis, input_notes
from seq2seq.checkpoint import load_model
from seq2seq.decoding import InputError
from seq2seq.messages import Message
from seq2seq.numbering import shown
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, ok, report_step, stepper_data, view_key
from tests.i18n_fixtures import CJK, assert_chinese, english_only, page_texts

PAGE = str(ROOT / "app_pages" / "1_Decode.py")
DATES = {"task": "dates", "scorer": "general", "sentence": "9 may 2018"}
TABS_ZH = ["解释这个格子", "假如……", "改写注意力", "连线图", "交互式热力图"]
TABS_EN = ["Explain this cell", "What if…", "Attention override", "Links", "Interactive heatmap"]


@pytest.fixture(autouse=True)
def shipped(monkeypatch):
    """The shipped registry, with no translator cached from a test registry of an earlier test."""
    import streamlit as st

    monkeypatch.delenv("ATTENTION_EXPLORER_PRETRAINED", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()


def page(lang: str | None = "zh", presentation: bool = False, **query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=PAGE_TIMEOUT)
    at.query_params.update({**({"lang": lang} if lang else {}), **query})
    if presentation:
        at.session_state[keys.PRESENTATION] = True
    return ok(at.run())


def open_tab(at: AppTest, label: str) -> AppTest:
    """Open a tab below the heatmap through its widget's key (its value is the label shown)."""
    at.session_state[keys.DECODE_TABS] = label
    return ok(at.run())


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def title_of(figure: dict) -> str:
    title = figure["layout"].get("title") or {}
    return title.get("text", "") if isinstance(title, dict) else str(title)


def zh(message: str) -> str:
    with i18n.using("zh"):
        return _(message)


# -- the tabs below the heatmap -----------------------------------------------------------------------------
def test_every_tab_below_the_heatmap_is_chinese():
    at = page(step="2", **DATES)
    assert [t.label for t in at.tabs] == TABS_ZH
    assert at.session_state[keys.DECODE_TABS] == TABS_ZH[0]
    for label in TABS_ZH:
        open_tab(at, label)
        assert at.session_state[keys.DECODE_TABS] == label and [t.label for t in at.tabs] == TABS_ZH
        assert_chinese(at)
    # each tab's own words
    captions = [c.value for c in at.caption]
    assert "同一个矩阵的 plotly 版本：可悬停查看、缩放，点相机图标可保存为 PNG。" in captions
    open_tab(at, "连线图")
    assert "每条线连接一个目标词元和一个源词元，线的粗细就是注意力权重。" in [c.value for c in at.caption]


def test_the_what_if_tab_in_chinese():
    at = open_tab(page(step="2", **DATES), "假如……")
    box = at.selectbox(key=keys.DECODE_WHATIF)
    assert box.label == "假如模型在第 2 步选了另一个词元，会怎样？"  # step 2 shows output token 2
    ok(button(at, "decode_whatif_go").click().run())
    assert {"**原输出**", "**假如的输出**"} <= {m.value for m in at.markdown}
    topk, table = at.dataframe  # the current step's candidates, then the what-if's comparison
    assert list(topk.value.columns) == ["排名", "词元", "概率", "已选中"]
    assert list(table.value.columns) == ["位置", "原输出", "假如", "说明"]
    assert "强制" in set(table.value["说明"])
    assert "与原解码一样，从被强制的词元起用贪心解码继续。" in [c.value for c in at.caption]
    assert_chinese(at)


def test_the_override_tab_in_chinese():
    at = open_tab(page(step="2", **DATES), "改写注意力")
    box = at.selectbox(key=keys.DECODE_OVERRIDE)
    assert box.label == "把第 2 步的全部注意力放在这个源位置上" and box.placeholder == "选择一个源位置"
    ok(box.set_value(0).run())
    assert any(t.value.startswith("改写前的预测：") for t in at.text)
    assert [title_of(f) for f in charts(at)] == ["改写前的前 k 个候选", "改写后的前 k 个候选（独热）"]
    assert_chinese(at)


def test_a_tab_open_in_english_stays_open_in_chinese():
    """The tab widget's value is the label shown: a language switch moves it to the same tab's label."""
    at = page(lang="en", step="2", **DATES)
    open_tab(at, "Links")
    at.query_params["lang"] = "zh"
    ok(at.run())
    assert at.session_state[keys.DECODE_TABS] == "连线图" and [t.label for t in at.tabs] == TABS_ZH


# -- step controls and the current step ---------------------------------------------------------------------
def test_step_controls_are_chinese_and_step_three_times():
    at = page(**DATES)
    words = stepper(at)["texts"]  # the stepper's buttons and slider, drawn in the browser from these words
    assert (words["step"], words["back"], words["play"], words["pause"], words["reset"]) == (
        "单步", "上一步", "播放", "暂停", "重置"
    )  # fmt: skip
    assert words["slider"] == "步数"  # the slider: a count, the button: an action
    assert at.slider(key=keys.DECODE_SPEED).label == "播放速度（每步秒数）"
    assert at.text_input(key="decode_sentence").label == "源句子"
    assert at.selectbox(key="decode_task").label == "任务"
    assert at.radio(key="decode_strategy").options == ["贪心解码", "采样", "束搜索"]
    assert "按 **单步** 生成第一个词元。" in [i.value for i in at.info]
    assert report_step(at, 3)  # three Steps in the browser, reported
    ok(at.run())
    n = at.session_state[keys.TRACE]["data"].num_steps
    assert at.session_state["_view"].step == 3
    assert stepper(at)["texts"]["status"].format(step=3, n=n) == f"**第 3 步，共 {n} 步** · 目前的输出："
    assert at.subheader[0].value == "当前这一步"
    row = at.session_state[keys.TRACE]["data"].current(3)
    assert any(t.value.startswith(f"第 {shown(row.position)} 步：") for t in at.text)  # counted from 1
    (table,) = at.dataframe
    assert list(table.value.columns) == ["排名", "词元", "概率", "已选中"]
    assert {d.label for d in at.get("download_button")} == {"注意力矩阵（CSV）", "完整解码记录（JSON）"}
    assert_chinese(at)


def test_strategy_settings_and_a_step_past_the_end_in_chinese():
    at = page(strategy="sample", temperature="0.5", seed="3", step="150", **DATES)
    assert at.slider(key=view_key(at, "decode", "temperature")).label == "温度"
    assert at.number_input(key="decode_seed").label == "随机种子"
    assert at.text_input(key="decode_reference").label == "参考译文（教师强制）"
    n = at.session_state[keys.TRACE]["data"].num_steps
    assert [w.value for w in at.warning] == [f"链接要求显示第 150 步；这次解码只有 {n} 步，因此显示第 {n} 步。"]
    at = page(strategy="beam", beam="4", **DATES)
    assert at.slider(key=view_key(at, "decode", "beam")).label == "束宽"
    assert_chinese(at)


def test_the_steps_words_and_notes_in_chinese():
    model = load_model("dates/general")
    data = decode_view.compute_trace(model, "dates/general", parse_query(DATES, {"dates": ["general"]}, {}))
    row = data.current(1)
    with i18n.using("zh"):
        assert decode_view.step_note(row, "beam") == f"第 1 步：{row.token}   p = {row.prob:.4f}   （束搜索的最佳路径）"
        assert decode_view.step_note(row, "greedy") == f"第 1 步：{row.token}   p = {row.prob:.4f}"
        assert decode_analysis.candidate_label(row, 0).endswith("← 模型的选择")
        assert decode_analysis.continuation(data) == "与原解码一样，从被强制的词元起用贪心解码继续。"
        view = parse_query(
            {**DATES, "strategy": "sample", "temperature": "0.5", "seed": "9"}, {"dates": ["general"]}, {}
        )
        assert decoding_label(view) == "采样（温度 0.5，随机种子 9）"
        assert decoding_label(parse_query(DATES, {"dates": ["general"]}, {})) == "贪心解码"
    assert decode_view.step_note(row, "beam").endswith("(best beam path)")  # English outside


# -- explain a cell -----------------------------------------------------------------------------------------
def test_explain_a_cell_in_chinese():
    at = page(step="2", **DATES)
    assert at.selectbox(key=keys.DECODE_EXPLAIN_TARGET).label == "目标步"
    assert at.selectbox(key=keys.DECODE_EXPLAIN_SOURCE).label == "源位置"
    data = at.session_state[keys.TRACE]["data"]
    t, s = at.session_state[keys.DECODE_EXPLAIN_TARGET], at.session_state[keys.DECODE_EXPLAIN_SOURCE]
    cell = decode_analysis.explain_cell(data, t, s, load_model("dates/general").model.decoder.scorer)
    with i18n.using("zh"):
        expected = decode_analysis.explain_text(cell)
    assert expected.startswith(f"在目标第 {t + 1} 步，打分函数给源位置 {s + 1} 的原始分数是 {cell['score']:.4f}。")
    assert f"**{100 * cell['share']:.1f}%**" in expected and "\n\n核对：" in expected
    assert expected in [m.value for m in at.markdown]
    assert any(c.value.startswith("出处：Luong") for c in at.caption)  # the paper itself stays as it is
    assert decode_analysis.explain_text(cell).startswith("At target step")  # English outside


# -- a link's notes, input errors and input notes -----------------------------------------------------------
def test_a_link_with_bad_values_gives_chinese_notes():
    at = page(task="nope", scorer="xyz", step="abc", beam="99", temperature="nan", strategy="fast")
    (warning,) = at.warning
    text = warning.value.replace("\\", "")
    assert text.startswith("链接中有些值已被替换：\n- ")
    task = at.session_state["_view"].task
    for said in (
        f"未知任务 'nope'；显示 '{task}'。",
        "已忽略 step='abc'：不是整数；改用 0。",
        "beam=99 超出 1–10 的范围；改用 10。",
        "temperature=nan 超出 0.05–5.0 的范围；改用 1.0。",
        "未知解码策略 'fast'；改用贪心解码。",
    ):
        assert said in text, (said, text)
    assert not english_only([text])


def test_a_note_made_in_one_language_reads_in_the_current_one():
    """A note is a Message: its English, with its template kept, read in whatever language is current."""
    with i18n.using("zh"):
        view = parse_query({"task": "nope", "seed": "-3"}, {"dates": ["general"]}, {})
    english = ("Unknown task 'nope'; showing 'dates'.", "seed=-3 is outside 0–2147483647; using 0.")
    assert view.notes == english and all(isinstance(n, Message) for n in view.notes)
    with i18n.using("zh"):
        chinese = ["未知任务 'nope'；显示 'dates'。", "seed=-3 超出 0–2147483647 的范围；改用 0。"]
        assert [message_of(n) for n in view.notes] == chinese
    assert [message_of(n) for n in view.notes] == list(english)
    copied = pickle.loads(pickle.dumps(view.notes[0]))  # a session copied keeps the template, braces and all
    assert (copied, copied.template, copied.params) == (view.notes[0], view.notes[0].template, view.notes[0].params)


def test_other_pages_show_the_links_notes_in_chinese():
    """The pickers' notes (Compare, Hidden states, Beam search, Lab) come from the same view."""
    at = AppTest.from_file(str(ROOT / "app_pages" / "2_Compare.py"), default_timeout=PAGE_TIMEOUT)
    at.query_params.update(lang="zh", task="nope")
    ok(at.run())
    assert any(i.value.startswith("未知任务 'nope'；显示 ") for i in at.info)


def test_an_input_error_is_chinese():
    sentence = "a" * 30  # dates/location was trained on at most 29 tokens
    at = page(task="dates", scorer="location", sentence=sentence)
    with pytest.raises(InputError) as refused:
        load_model("dates/location").start(sentence)
    with i18n.using("zh"):
        expected = escape_markdown(_("Cannot decode this input: {error}").format(error=message_of(refused.value)))
    assert [e.value for e in at.error] == [expected]
    assert expected.startswith("无法解码这个输入：")


def test_input_notes_are_chinese():
    at = page(task="dates", scorer="general", sentence="9 may 2018 €")
    assert [w.value for w in at.warning] == [escape_markdown("不在这个模型的词表中，按未知词元 <unk> 解码：'€'")]
    model = load_model("dates/general")
    with i18n.using("zh"):
        (note,) = input_notes.input_notes("9\u00a0may 2018", model)
    assert note == "你的文本已规范化为“9 may 2018”：内容相同，只是换成了模型读取的 Unicode 形式。"


def test_an_empty_sentence_hint_is_chinese():
    at = page(task="dates", scorer="general", sentence="")
    assert [i.value for i in at.info] == ["在 **源句子** 中输入一个句子来解码，或选一个示例。"]


# -- the stepper ------------------------------------------------------------------------------------------
def stepper(at: AppTest) -> dict:
    (data,) = stepper_data(at)
    return data


def test_the_stepper_is_chinese():
    at = page(**DATES)
    data = stepper(at)
    words = data["texts"]
    assert words["status"] == "**第 {step} 步，共 {n} 步** · 目前的输出：" and words["reads"] == "读作：{text}"
    assert words["empty"] == "（还没有输出：请按“单步”或“播放”）"
    assert all(CJK.search(value) for value in words.values())
    assert all(CJK.search(value) for value in data["announce"])  # what a screen reader hears at each step
    assert_chinese(at)


def test_the_stepper_keeps_its_english_in_its_script():
    """The words arrive as data; the static script keeps English only as its fallback."""
    script = decode_stepper.script()
    assert '"Step"' in script and "单步" not in script


# -- presentation mode ---------------------------------------------------------------------------------------
def test_presentation_mode_in_chinese():
    at = page(presentation=True, step="2", **DATES)
    assert at.toggle(key=keys.PRESENTATION).label == "演示模式"
    assert at.toggle(key=keys.PRESENTATION).help == "为投影仪放大文字和图表，并减少控件。"
    assert [e.label for e in at.expander] == ["解码设置", "以表格查看注意力"]
    (table,) = at.table
    assert list(table.value.columns) == ["排名", "词元", "概率", "已选中"]
    assert not at.get("download_button")
    assert_chinese(at)


# -- English unchanged ---------------------------------------------------------------------------------------
def test_without_lang_the_page_stays_english():
    at = page(lang=None, step="2", **DATES)
    assert [t.label for t in at.tabs] == TABS_EN
    assert (stepper(at)["texts"]["step"], stepper(at)["texts"]["play"]) == ("Step", "Play")
    assert at.text_input(key="decode_sentence").label == "Source sentence"
    assert at.radio(key="decode_strategy").options == ["greedy", "sampling", "beam search"]
    assert [e.label for e in at.expander] == [
        "Task, model, strategy and play speed",
        "Attention as a table",
    ]
    assert stepper(at)["texts"]["status"] == "**Step {step} of {n}** · output so far:" and stepper(at)["step"] == 2
    (table,) = at.dataframe
    assert list(table.value.columns) == ["rank", "token", "probability", "chosen"]
    assert not [t for t in page_texts(at) if CJK.search(t) and t not in ("English / 中文", "中文")]
    at = open_tab(at, "What if…")
    assert at.selectbox(key=keys.DECODE_WHATIF).label == "What if the model had chosen another token at step 2?"
