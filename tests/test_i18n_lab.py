"""The Lab page (app_pages/9_Lab.py) in Chinese, and its English kept as it is.

With ``lang=zh`` on the shipped models each of its three views (step, split, scorers) is Chinese by
assert_chinese's bar (tests/i18n_fixtures.py), with exact checks of the labels, table headers, figure
titles and readings a teacher sees, the Permute and Adversarial attention results included. Without
``lang`` the same views read as before. The logic's readings (explorer.views.lab_*) are checked in both
languages without Streamlit.
"""

from __future__ import annotations

import json
import math
import re

import pytest
import torch
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.i18n.errors import message_of
from explorer.state import keys
from explorer.views import lab, lab_readings, lab_scorers, lab_split, lab_step, lab_stored
from seq2seq.lab import results
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, make_registry, ok, point_app_at, use_registry, view_key
from tests.i18n_fixtures import MAX_ENGLISH_SHARE, assert_chinese, counted, english_only, page_texts
from tests.papers_fixtures import MARK_LABELS, use_papers

PAGE = "app_pages/9_Lab.py"
TIMEOUT = max(PAGE_TIMEOUT, 120)  # integrated gradients and 100 shuffles on a busy 2-core machine
STEP = {"task": "reverse", "scorer": "dot", "sentence": "hello world", "step": "3"}
METHODS_ZH = ["注意力", "梯度×输入", "积分梯度", "留一法"]

torch.set_num_threads(1)


def open_lab(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return ok(at.run())


# The histograms' marks of the papers' numbers (tests/papers_fixtures.py's made-up ones): a data set's name
# and a number, as the Chinese papers print them too.
PAPER_MARK = re.compile(rf"(?:{'|'.join(MARK_LABELS)}) [\d.]+")


def assert_chinese_but_paper_marks(at: AppTest) -> None:
    """assert_chinese, with the papers' marks counted as names (tests/i18n_fixtures.py does not know them)."""
    texts = counted(page_texts(at))
    english = [t for t in english_only(texts) if not PAPER_MARK.fullmatch(t)]
    assert len(english) <= MAX_ENGLISH_SHARE * len(texts), english


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def titled(at: AppTest, start: str) -> dict:
    (found,) = [f for f in figures(at) if f["layout"].get("title", {}).get("text", "").startswith(start)]
    return found


def columns(at: AppTest) -> list[list[str]]:
    return [list(el.value.columns) for el in at.dataframe]


def markdown(at: AppTest) -> str:
    return "\n".join(md.value.replace("\\", "") for md in at.markdown)


# -- the three views in Chinese --------------------------------------------------------------------------
def test_the_step_view_is_chinese_and_so_are_permute_and_adversarial(shipped):
    at = open_lab(lang="zh", **STEP)
    assert_chinese(at)
    assert at.radio(key="lab_view").value == "step"  # the option values stay; their labels are Chinese
    assert at.radio(key="lab_view").options == ["这个句子，这一步", "这个模型，整个测试集", "所有打分函数"]
    assert at.select_slider(key=view_key(at, "lab", "step")).label == "要解释的输出词元"
    assert [e.label for e in at.expander] == ["这个视图测量什么，论文又发现了什么"]
    figure = titled(at, "为什么是“r”（第 3 个输出词元）")
    assert figure["data"][0]["y"] == METHODS_ZH
    assert ["方法对", "τ", "p", "解读"] in columns(at)  # the shipped papers.toml quotes no number: no paper column
    (taus,) = [el.value for el in at.dataframe if "方法对" in el.value.columns]
    assert taus["方法对"][0] == "注意力 ~ 梯度×输入"
    assert "模型选择了“r”（对数概率 " in markdown(at)
    assert at.radio(key=keys.LAB_MEASURES).options == ["带符号", "Jain & Wallace"]
    shown = [el.value.replace("\\", "") for el in at.caption]
    assert any(c.startswith("积分梯度：δ = |Σ IG − (f(x) − f(x′))| = ") and "个点" in c for c in shown), shown
    assert any(c.startswith("留一法（替换为 <unk>）：") for c in shown), shown  # reverse trained its <unk>
    (saturated,) = [w.value.replace("\\", "") for w in at.warning]  # p 0.9992
    assert saturated.startswith("饱和的一步：模型对“r”非常确定（p 高于 0.99；1 − p = ")
    assert [b.label for b in at.main.button] == ["置换", "对抗注意力"]

    ok(at.button(key="lab_permute").click().run())
    ok(at.button(key="lab_adversarial").click().run())
    assert [h.value for h in at.subheader] == ["置换后的注意力", "对抗注意力"]
    labels = [m.label for m in at.metric]
    assert {"TVD 中位数", "词元改变", "与模型自身注意力的 JSD", "输出的 TVD"} <= set(labels)
    assert any(label.startswith("本次打乱的 TVD（随机种子 ") for label in labels)
    (jsd,) = [m for m in at.metric if m.label == "与模型自身注意力的 JSD"]
    assert jsd.value.endswith(" 奈特")
    (changed,) = [m for m in at.metric if m.label == "词元改变" and m.value in ("是", "否")]  # the adversarial one
    assert changed.value in ("是", "否")
    assert titled(at, "注意力：模型自身的与打乱后的")["data"][0]["y"][0] == "模型自身的"
    assert titled(at, "注意力：模型自身的与对抗的")["data"][0]["y"] == ["模型自身的", "对抗"]
    titles = [f["layout"].get("title", {}).get("text") for f in figures(at)]
    assert titles.count("改变前的输出") == 2 and titles.count("改变后的输出") == 2
    readings = markdown(at)
    assert "次打乱的总变差距离中位数为" in readings and "Jensen–Shannon 散度为" in readings
    assert "图中显示的是 TVD 最接近中位数的那一次打乱。" in [c.value for c in at.caption]
    assert_chinese(at)


def test_a_model_without_attention_says_so_in_chinese(shipped):
    at = open_lab(lang="zh", task="reverse", scorer="none", sentence="hello world", step="2")
    assert_chinese(at)
    assert titled(at, "为什么是“")["data"][0]["y"] == METHODS_ZH[1:]
    with i18n.using("zh"):
        note = i18n._(lab.NONE_NOTE)
    assert note.startswith("这个模型没有注意力（打分函数 `none`）") and note in [i.value for i in at.info]
    assert not at.main.button


def test_the_split_view_is_chinese(shipped, monkeypatch, tmp_path):
    use_papers(monkeypatch, tmp_path)  # numbers to mark: the shipped file quotes none
    at = open_lab(lang="zh", task="en-fr", scorer="general", view="split")
    assert_chinese_but_paper_marks(at)
    assert at.radio(key="lab_view").value == "split"
    assert at.selectbox(key="lab_task").label == "任务" and at.selectbox(key="lab_task").value == "en-fr"
    assert "英语 → 法语" in at.selectbox(key="lab_task").options
    assert any(c.value.startswith("已存储的测试集结果；样例数：一致性 40、") for c in at.caption)
    assert [h.value for h in at.subheader] == ["一致性：每个样例的 τ", "置换", "均匀注意力", "对抗注意力"]
    histograms = [f for f in figures(at) if f["data"][0]["type"] == "histogram"][0]
    panels = {a["text"] for a in histograms["layout"]["annotations"]}
    assert {"注意力 ~ 梯度×输入", "梯度×输入 ~ 留一法", "SETA 0.50", "SETB 0.25"} <= panels
    shown = columns(at)
    agreement = ["方法对", "τ 中位数 [95% 区间]", "解读", "显著一致的步（τ > 0，p < 0.05）", "随机情况下的预期"]
    assert shown.count([*agreement, "论文报告的数值（在论文自己的模型上）"]) == 2  # the lab's measures, then J&W's
    assert any(c.value.startswith("每个样例在各步上的平均 τ。红线：我们的中位数。虚线：") for c in at.caption)
    assert ["度量", "中位数 [95% 区间]"] in shown and ["注意力", "BLEU", "样例数"] in shown
    (uniform,) = [el.value for el in at.dataframe if "注意力" in el.value.columns]
    assert list(uniform["注意力"])[:2] == ["模型自身的", "均匀（处处为 1/S），推理时换上"]
    assert all(row.startswith("用均匀注意力训练（") for row in list(uniform["注意力"])[2:])  # the trained baseline
    (readings,) = [md.value.replace("\\", "") for md in at.markdown if md.value.startswith("- ")]
    assert readings.startswith("- 一致性：在典型样例上，注意力与") and "\n- 置换：" in readings


def test_the_scorers_view_is_chinese(shipped):
    at = open_lab(lang="zh", task="reverse", scorer="dot", view="scorers")
    assert_chinese(at)
    assert [h.value for h in at.subheader] == ["打分函数对比表", "质量随源长度的变化"]
    (table,) = columns(at)
    assert table == [
        "模型",
        "循环单元",
        "困惑度",
        "完全匹配 %",
        "AER",
        "熵（奈特）",
        "平均 τ(注意力, IG)",
        "τ 中位数 [95% 区间]",
    ]
    data, _note = results.load("reverse")
    n = data["table"]["n"]
    caption = f"{n} 个测试集样例；τ 在每个贪心解码步上计算后取平均；AER 对照标准对齐计算。"
    assert caption in [c.value.replace("\\", "") for c in at.caption]
    assert "\n- 困惑度最低：reverse/" in markdown(at)
    curves = titled(at, "完全匹配 % 随源长度的变化（每个打分函数一条曲线）")
    assert curves["layout"]["xaxis"]["title"]["text"] == "源长度（字符，取每组中最长的）"
    assert curves["layout"]["yaxis"]["title"]["text"] == "完全匹配 %"
    assert [trace["name"] for trace in curves["data"]][:2] == ["reverse/none", "reverse/dot"]  # names stay


def test_an_unknown_view_is_noted_in_chinese(shipped):
    at = open_lab(lang="zh", task="reverse", sentence="abc", view="nope")
    assert "未知的视图 'nope'；改为显示 'step'（可选：step, split, scorers）。" in [
        i.value.replace("\\", "") for i in at.info
    ]
    assert at.radio(key="lab_view").value == "step"


@pytest.mark.parametrize("view", ["split", "scorers"])
def test_without_stored_results_the_note_is_chinese(view, monkeypatch):
    use_registry(monkeypatch)  # the shared test registry: no lab/ folder
    at = open_lab(lang="zh", task="dates", scorer="general", view=view)
    assert_chinese(at)
    notes = [i.value.replace("\\", "") for i in at.info]
    missing = "dates/general 没有已存储的结果。" if view == "split" else "dates 的打分函数对比表没有已存储的结果。"
    assert any(n.startswith(missing + "`scripts/lab_results.py` 会计算") for n in notes), notes
    assert "--tasks dates   # 随应用提供的模型，结果存放在 pretrained/lab/" in "\n".join(c.value for c in at.code)


def test_a_broken_results_file_is_warned_of_in_chinese(tmp_path, monkeypatch):
    root = tmp_path / "registry"
    make_registry(root, tasks=("reverse",), scorers=("dot",))
    (root / "lab").mkdir()
    (root / "lab" / "reverse.json").write_text("{not json")
    point_app_at(monkeypatch, root)
    at = open_lab(lang="zh", task="reverse", scorer="dot", view="split")
    (warning,) = at.warning
    assert warning.value.startswith("无法使用已存储的实验室结果：")


# -- English without lang --------------------------------------------------------------------------------
def test_without_lang_the_lab_stays_english(shipped):
    at = open_lab(**STEP)
    assert at.title[0].value == "Attention lab"
    assert at.radio(key="lab_view").options == [
        "This sentence, this step",
        "This model, a whole split",
        "All scorers",
    ]
    assert titled(at, "why “r”, output token 3: each row scaled to its largest value")["data"][0]["y"] == [
        "attention",
        "gradient × input",
        "integrated gradients",
        "leave-one-out",
    ]
    assert ["pair", "τ", "p", "reading"] in columns(at)
    assert [b.label for b in at.main.button] == ["Permute", "Adversarial attention"]
    ok(at.button(key="lab_permute").click().run())
    assert [h.value for h in at.subheader] == ["Permuted attention"]
    assert "Median total variation " in markdown(at) and " over 100 shuffles (0 = the same" in markdown(at)
    texts = page_texts(at)
    assert not [t for t in texts if any("\u4e00" <= c <= "\u9fff" for c in t) and t != "English / 中文"]
    at.radio(key="lab_view").set_value("scorers")
    ok(at.run())
    assert [h.value for h in at.subheader] == ["The scorer table", "Quality against source length"]
    curves = titled(at, "exact match % by source length, each scorer")
    assert curves["layout"]["xaxis"]["title"]["text"] == "source length (characters), bucket's longest"


# -- the logic's readings in both languages ---------------------------------------------------------------
ROWS = [
    {"model": "t/none", "scorer": "none", "perplexity": 2.0, "exact_match": 0.5, "aer": None, "tau": None},
    {"model": "t/dot", "scorer": "dot", "perplexity": 1.0, "exact_match": 1.0, "aer": 0.0, "tau": 0.15},
    {"model": "t/concat", "scorer": "concat", "perplexity": 1.1, "exact_match": 1.0, "aer": 0.2, "tau": 0.2},
]
SETTINGS = {"settings": {"split": "test", "n": {"agreement": 40, "table": 50}, "ig_steps": 32, "seeds": 100}}


def test_readings_in_chinese(monkeypatch, tmp_path):
    use_papers(monkeypatch, tmp_path)
    with i18n.using("zh"):
        assert lab_readings.tau_words(0.9) == "对词元的排序非常相近"
        assert lab_readings.tau_words(math.nan) == "无法比较（其中一方给所有词元的值都相同）"
        assert lab_readings.pair_label("attention~leave_one_out") == "注意力 ~ 留一法"
        assert lab_readings.paper_value("attention~grad_x_input") == (
            "Example & Sample 2000，Table 9，BiLSTM 文本分类器，按类别的均值，SETA：0.50 ± 0.15"
        )
        assert lab_step.explained_step(9, 5)[1] == "第 9 步超出了这次输出的末尾（共 5 个词元）：改为显示第 5 步。"
        (note,) = lab.lab_view("nope")[1]
        assert message_of(note) == "未知的视图 'nope'；改为显示 'step'（可选：step, split, scorers）。"
        assert lab_stored.settings_text(SETTINGS) == (
            "已存储的测试集结果；样例数：一致性 40、对比表 50；积分梯度取 32 个点；每步打乱 100 次。"
        )
        lines = lab_scorers.table_reading({"metric": "exact_match", "rows": ROWS}, gold=True)
        assert lines[0] == "困惑度最低：t/dot（1.000）。"
        assert lines[1] == "完全匹配最高（100.0%）：t/dot、t/concat。"
        assert lines[2].startswith("最接近标准对齐的注意力：t/dot（AER 0.000），然而它的注意力与积分梯度仅略微一致")
        uniform = {"summary": {"metric": "bleu", "model": 30.0, "uniform": 2.5, "n": 10}}
        (line,) = lab_split.split_reading({"uniform": uniform})
        assert line.startswith(
            "推理时换上均匀注意力：用模型自身的注意力时为 30.0，用均匀权重时为 2.5，损失了 27.5 个 BLEU 分："
        )
        buckets = [{"range": [11, 20], "n": 0, "value": None, "refused": 2}]
        stored = {"by_model": {"t/location": {"length": {"buckets": buckets}}}}
        (note,) = lab_scorers.refused_notes(stored, ["t/location"])
        assert note.startswith("t/location 拒绝了 2 个超出其可接受长度的源句子")
        (row,) = lab_scorers.table_rows({"metric": "bleu", "rows": [ROWS[1]]}, gold=False)
        assert row.keys() >= {"模型", "困惑度", "BLEU"}
        assert (
            lab_readings.summary_text({"n": 2, "median": 0.5, "low": 0.1, "high": 0.9}, percent=True)
            == "50% [10%, 90%] (n 2)"
        )


def test_readings_in_english_are_as_before(monkeypatch, tmp_path):
    use_papers(monkeypatch, tmp_path)
    assert lab_stored.settings_text(SETTINGS) == (
        "Stored results on the test split; examples: agreement 40, table 50; 32 integrated-gradients points; "
        "100 shuffles per step."
    )
    assert lab_readings.paper_value("attention~grad_x_input") == (
        "Example & Sample 2000, Table 9, BiLSTM text classifier, per-class mean, SETA: 0.50 ± 0.15"
    )
    lines = lab_scorers.table_reading({"metric": "exact_match", "rows": ROWS}, gold=True)
    assert lines[:2] == ["Lowest perplexity: t/dot (1.000).", "Best exact match (100.0%): t/dot, t/concat."]
    # no alignment experiment stored for t/dot: nothing is claimed of the importances' top (issue 64)
    assert lines[2].endswith("is the alignment experiment's question, not stored for this model.")
    assert (
        lab_readings.metric_label("exact_match") == "exact match %"
        and lab_readings.metric_value("exact_match", 0.995) == "99.5%"
    )
    permuted = {"median_tvd": 0.01, "fraction_changed": 0.0, "n_seeds": 100}
    assert lab_step.permutation_reading(permuted).startswith(
        "Median total variation 0.010 over 100 shuffles (0 = the same output distribution, 1 = disjoint); 0% of "
        "them change the chosen token: where the weight goes hardly matters at this step"
    )
