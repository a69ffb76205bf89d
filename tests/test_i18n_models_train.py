"""The Home, Models and Train pages in Chinese, and in English as before without a choice.

Home and Models run on the shipped models (pretrained/); the model cards' language is checked on a
small registry written here (README.zh.md beside README.md). The Train page runs a tiny real training
with ``lang=zh`` (as tests/test_pages_train.py does in English) and shows stand-in jobs for the
status lines that are hard to time (running, stopped because the page was closed).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.i18n.errors import message_of
from explorer.training import events as te
from explorer.training import manager as tm
from explorer.training import settings as ts
from explorer.ui.train import state as train_state
from explorer.ui.train import trainings
from explorer.views import models as models_view
from seq2seq.messages import Message
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, make_registry, ok, point_app_at
from tests.i18n_fixtures import CJK, assert_chinese
from tests.train_fixtures import FakeProcess, fake_job, trained_registry, use_tiny_trainings

APP = ROOT / "app.py"


def open_page(script: str, *, session: dict | None = None, **query) -> AppTest:
    """`script` as a link opens it (from app.py for pages/, so page links resolve)."""
    at = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    at.query_params.update(query)
    for key, value in (session or {}).items():
        at.session_state[key] = value
    if script != "app.py":
        at.switch_page(script)
    return ok(at.run())


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures by title."""
    found = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        found[((spec["layout"].get("title") or {}).get("text")) or ""] = spec
    return found


# -- Home ---------------------------------------------------------------------------------------------
def test_home_in_chinese():
    at = open_page("app.py", lang="zh")
    assert_chinese(at)
    assert at.title[0].value == "注意力探索器"
    assert [h.value for h in at.subheader] == ["从这里开始", "模型"]  # the live example and the ways in above
    table = at.dataframe[0].value
    assert list(table.columns) == ["模型", "任务", "打分函数", "循环单元", "参数量", "指标", "数值"]
    assert "en-fr/general" in set(table["模型"]) and "英语 → 法语" in set(table["任务"])
    assert "完全匹配 %" in set(table["指标"])  # the headline metric's label, translated
    assert "参数量" in json.loads(at.dataframe[0].proto.columns)  # its localized number format follows the header
    (lessons,) = [el for el in at.main.get("page_link") if "Lessons" in el.proto.page]
    assert lessons.proto.label == "开始一节引导课"
    (credits,) = [c.value for c in at.caption if c.value.startswith("数据：")]
    assert credits.endswith("reverse和dates 的数据由程序生成。")


def test_home_stays_english_without_a_choice():
    at = open_page("app.py")
    assert at.title[0].value == "Attention Explorer"
    assert [h.value for h in at.subheader] == ["Start here", "Models"]
    assert list(at.dataframe[0].value.columns) == ["model", "task", "scorer", "cell", "parameters", "metric", "value"]
    assert "exact match %" in set(at.dataframe[0].value["metric"])
    (credits,) = [c.value for c in at.caption if c.value.startswith("Data: ")]
    assert credits.endswith("; reverse and dates are generated.")
    assert not any(CJK.search(m.value) for m in at.markdown if "Watch a neural translator" in m.value)


# -- Models -------------------------------------------------------------------------------------------
def test_models_in_chinese_with_a_chinese_card():
    at = open_page("app_pages/5_Models.py", lang="zh")
    assert_chinese(at)
    assert [h.value for h in at.header] == ["比较", "模型卡片", "训练曲线"]
    table = at.dataframe[0].value
    assert list(table.columns)[:3] == ["名称", "打分函数", "参数量"] and "完全匹配 %" in table.columns
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["完全匹配 %"]["help"] == "与参考译文完全相同的输出所占比例（测试集）"
    assert at.selectbox(key="models_model").label == "模型" and at.selectbox(key="models_task").label == "任务"
    assert set(charts(at)) == {"训练损失", "验证"}
    assert charts(at)["验证"]["layout"]["yaxis"]["title"]["text"] == "完全匹配"  # the metric's key, in words
    name = at.selectbox(key="models_model").value
    folder = models_view.resolve(name)
    if (folder / "README.zh.md").is_file():  # the shipped cards have Chinese versions: the page shows them
        card = (folder / "README.zh.md").read_text(encoding="utf-8")
        with i18n.using("zh"):
            shown = models_view.demote_headings(models_view.metric_words(card)).strip()
        assert any(m.value.strip() == shown for m in at.markdown)
        assert "| 完全匹配（输出所占比例） |" in shown and "exact_match" not in shown  # the metrics' keys in words


@pytest.fixture(scope="module")
def card_registry(tmp_path_factory) -> Path:
    """Two reverse models: dot with an English and a Chinese card, general with an English one only;
    the comparison in both languages at the root."""
    root = make_registry(tmp_path_factory.mktemp("cards"), tasks=("reverse",), scorers=("dot", "general"))
    (root / "reverse" / "dot" / "README.md").write_text("# reverse/dot\n\nAn English card.\n", encoding="utf-8")
    (root / "reverse" / "dot" / "README.zh.md").write_text("# reverse/dot\n\n中文模型卡片。\n", encoding="utf-8")
    (root / "reverse" / "general" / "README.md").write_text("# reverse/general\n\nOnly English.\n")
    (root / "README.md").write_text("The comparison.\n", encoding="utf-8")
    (root / "README.zh.md").write_text("模型比较。\n", encoding="utf-8")
    return root


def test_the_card_follows_the_language(card_registry, monkeypatch):
    point_app_at(monkeypatch, card_registry)
    assert models_view.model_card("reverse/dot", "zh").endswith("中文模型卡片。\n")
    assert models_view.model_card("reverse/dot", "en").endswith("An English card.\n")
    assert models_view.model_card("reverse/general", "zh").endswith("Only English.\n")  # none in Chinese: English
    assert (models_view.card_file("reverse/dot", "zh"), models_view.card_file("reverse/general", "zh")) == (
        "README.zh.md",
        "README.md",
    )
    assert models_view.model_card("../reverse/dot", "zh") is None  # only registry names resolve
    with i18n.using("zh"):
        assert models_view.model_card("reverse/dot").endswith("中文模型卡片。\n")
        assert models_view.comparison_readme() == "模型比较。\n"
    assert models_view.comparison_readme() == "The comparison.\n"

    at = open_page("app_pages/5_Models.py", lang="zh", session={"_view_own": {"models": {"model": "reverse/dot"}}})
    assert any("中文模型卡片。" in m.value for m in at.markdown)
    assert not any("An English card." in m.value for m in at.markdown)
    assert [e.label for e in at.expander] == ["关于这些模型（pretrained/README.zh.md）"]
    assert any(m.value.strip() == "模型比较。" for m in at.markdown)

    at = open_page("app_pages/5_Models.py", session={"models_model": "reverse/dot"})
    assert any("An English card." in m.value for m in at.markdown)
    assert not any("中文模型卡片" in m.value for m in at.markdown)
    assert [e.label for e in at.expander] == ["About these models (pretrained/README.md)"]
    assert [h.value for h in at.header] == ["Comparison", "Model card", "Training curves"]
    assert list(at.dataframe[0].value.columns)[:3] == ["name", "scorer", "parameters"]


# -- Train --------------------------------------------------------------------------------------------
@pytest.fixture
def manager(tmp_path, monkeypatch):
    use_tiny_trainings(tmp_path, monkeypatch)
    manager = tm.JobManager(max_jobs=2)
    monkeypatch.setattr(trainings, "shared_manager", lambda: manager)
    yield manager
    manager.shutdown()


def test_train_page_in_chinese_before_a_training(manager):
    at = open_page("app_pages/6_Train.py", lang="zh")
    assert_chinese(at)
    assert at.title[0].value == "训练一个模型"
    assert at.selectbox(key="train_task").label == "任务"
    assert at.selectbox(key="train_task").options[:2] == ["反转字符串", "日期规范化"]
    assert at.radio(key="train_budget").options == ["轮数", "步数"] and at.radio(key="train_budget").value == "epochs"
    assert at.radio(key="train_budget").help == "一轮 = 640 个句对；每轮结束后进行验证并运行探针句。"
    assert (at.button(key="train_start").label, at.button(key="train_stop").label) == ("开始", "停止")
    assert at.info[0].value == "选好设置，然后按 **开始**。"


def test_a_tiny_training_in_chinese(manager):
    # AppTest formats widget values with the page's format_func in the test's thread: Chinese there too
    with i18n.using("zh"):
        at = open_page("app_pages/6_Train.py", lang="zh")
        at.selectbox(key="train_task").set_value("reverse")
        at.select_slider(key="train_hidden").set_value(16)
        at.select_slider(key="train_lr").set_value(1e-2)
        at.number_input(key="train_epochs").set_value(2)
        at.button(key="train_start").click().run()
        ok(at)
        deadline = time.monotonic() + 90
        while not (at.success or at.error) and time.monotonic() < deadline:
            time.sleep(0.3)
            ok(at.run())
        assert not at.error, [e.value for e in at.error]
        status = at.success[0].value
        assert status.startswith("**已完成** · reverse/dot · 第 2 轮，第 20 步") and status.endswith(
            " · 全部 2 轮已完成"
        )
        figures = charts(at)
        assert {"训练损失", "验证"} <= set(figures)
        assert [t["name"] for t in figures["训练损失"]["data"]] == ["训练损失", "每轮平均"]
        assert [t["name"] for t in figures["验证"]["data"]] == ["验证集完全匹配"]
        assert figures["验证"]["layout"]["xaxis"]["title"]["text"] == "步数"
        assert figures["第 2 轮后的注意力"]["data"][0]["type"] == "heatmap"
        assert at.selectbox(key="train_probe").label == "探针句"
        assert any(c.value.startswith("第 2 轮后的输出：`") for c in at.caption)
        assert at.subheader[0].value == "保存这个模型"
        assert_chinese(at)

        at.text_input(key="train_name").input("no spaces please")
        at.button(key="FormSubmitter:train_save_form-保存").click().run()
        assert at.error[0].value == "这不能作为模型名称。请使用 1–40 个字母、数字、“-”或“_”（不能有空格、点或斜杠）。"
        at.text_input(key="train_name").input("my-zh-model")
        at.button(key="FormSubmitter:train_save_form-保存").click().run()
        ok(at)
        assert at.success[-1].value == "已保存为 **user/my-zh-model**：在任何页面都可以选用它。"
        at.text_input(key="train_name").input("my-zh-model")
        at.button(key="FormSubmitter:train_save_form-保存").click().run()
        assert at.error[0].value == "已经有名为 user/my-zh-model 的模型：请换一个名称。"


def stand_in(manager: tm.JobManager, tmp_path: Path, status: str, epochs: int = 3) -> tm.Job:
    """A job of this session ("me") that has run `epochs` epochs of reverse/general."""
    history = json.loads((trained_registry() / "reverse" / "general" / "probes.json").read_text())["epochs"]
    job = tm.Job("me", ts.JobSettings(task="reverse", scorer="general"), tmp_path, FakeProcess(), threading.Event())
    job.status, job.epochs = status, history[:epochs]
    manager._jobs = {"me": job}
    return job


def test_the_status_lines_in_chinese_and_in_english(manager, tmp_path):
    job = stand_in(manager, tmp_path, "running")
    steps = job.epochs[-1]["steps"]
    job.steps = [{"step": steps + 5, "loss": 1.0, "seconds": 12.4}]
    at = open_page("app_pages/6_Train.py", lang="zh", session={train_state.KEY: train_state.TrainTab(id="me")})
    assert (
        at.info[0].value == f"**训练中** · reverse/general · 第 2 轮，第 {steps} 步；现已到第 {steps + 5} 步（12 秒）"
    )
    assert at.button(key="train_start").disabled
    at = open_page("app_pages/6_Train.py", session={train_state.KEY: train_state.TrainTab(id="me")})
    assert at.info[0].value == f"**running** · reverse/general · epoch 2, step {steps}; now at step {steps + 5} (12 s)"

    job.status, job.process.alive = "running", True
    why = Message("no heartbeat for {seconds} s", seconds="31")
    job.stop(Message("stopped: the page was closed ({why})", why=why))  # what the watchdog says
    assert job.stop_reason == "stopped: the page was closed (no heartbeat for 31 s)"
    job.status = "stopped"
    at = open_page("app_pages/6_Train.py", lang="zh", session={train_state.KEY: train_state.TrainTab(id="me")})
    assert at.warning[0].value.startswith("**已停止** · reverse/general · 第 2 轮")
    assert at.warning[0].value.endswith(" · 已停止：页面已关闭（已有 31 秒没有心跳）")


def test_a_failed_training_says_why_in_chinese(manager, tmp_path):
    job = stand_in(manager, tmp_path, "running", epochs=0)
    job.process.alive, job.process.exitcode = False, -9
    job.poll()
    assert job.status == "failed" and job.error == "the training process ended with exit code -9"
    at = open_page("app_pages/6_Train.py", lang="zh", session={train_state.KEY: train_state.TrainTab(id="me")})
    assert (
        at.error[0].value == "**失败** · reverse/general · 正在启动（创建进程，第 0 轮） · 训练进程已结束，退出码为 -9"
    )


def test_the_limit_and_bad_settings_are_refused_in_chinese(manager, tmp_path):
    manager.max_jobs = 1
    manager._jobs = {"someone else": fake_job(tmp_path, "other")}
    at = open_page("app_pages/6_Train.py", lang="zh")
    with i18n.using("zh"):  # the task box's options are formatted in Chinese (see test_a_tiny_training_in_chinese)
        at.button(key="train_start").click().run()
    ok(at)
    assert at.error[0].value == (
        "这台服务器上已有 1 个训练在运行，已达到允许的上限（ATTENTION_EXPLORER_MAX_TRAININGS=1）。"
        "请等其中一个结束后再试。"
    )
    with pytest.raises(ValueError) as refused:
        ts.JobSettings(task="reverse", lr=1.0).check(["reverse"])
    with i18n.using("zh"):
        assert message_of(refused.value) == "学习率必须在 0.00001 到 0.1 之间，当前为 1.0"
    assert message_of(refused.value) == str(refused.value) == "the learning rate must be from 0.00001 to 0.1, got 1.0"


@pytest.mark.parametrize(
    ("state", "config", "chinese"),
    [
        (
            {"early_stopped": True, "best": 0.0, "best_epoch": 1, "bad_epochs": 5, "epoch": 6},
            {"task": "reverse", "patience": 5},
            "提前停止：验证集完全匹配连续 5 轮没有提升；保留最好的一轮（第 1 轮，0.0%）",
        ),
        (
            {"early_stopped": True, "best": 12.34, "best_epoch": 2, "bad_epochs": 5, "epoch": 7},
            {"task": "en-fr", "patience": 5},
            "提前停止：验证集BLEU连续 5 轮没有提升；保留最好的一轮（第 2 轮，12.3）",
        ),
        (
            {"early_stopped": False, "steps": 500, "epoch": 5},
            {"task": "reverse", "max_steps": 500},
            "步数预算（500 步）已用完",
        ),
        ({"early_stopped": False, "epoch": 30}, {"task": "reverse"}, "全部 30 轮已完成"),
    ],
)
def test_why_a_training_ended_in_chinese(state, config, chinese):
    with i18n.using("zh"):
        assert te.end_reason(state, config) == chinese


def test_a_finished_training_says_why_in_the_pages_language(manager, tmp_path):
    """The done event carries what end_reason read: the page says it again in its own language."""
    job = stand_in(manager, tmp_path, "running")
    facts = {"state": {"early_stopped": False, "epoch": 2}, "config": {"task": "reverse"}}
    events = [{"type": "done", "out": "x", "reason": "all 2 epochs done", "facts": facts}]
    (tmp_path / te.EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in events))
    job.process.alive = False
    job.poll()
    assert (job.status, job.end_reason) == ("finished", "all 2 epochs done")
    at = open_page("app_pages/6_Train.py", lang="zh", session={train_state.KEY: train_state.TrainTab(id="me")})
    assert at.success[0].value.endswith(" · 全部 2 轮已完成")
    at = open_page("app_pages/6_Train.py", session={train_state.KEY: train_state.TrainTab(id="me")})
    assert at.success[0].value.endswith(" · all 2 epochs done")


def test_a_broken_user_manifest_is_explained_in_chinese(manager, tmp_path, monkeypatch):
    """The frame's toast (saved models left out) and the save form's refusal, on a finished job."""
    user = tmp_path / "broken-user"
    user.mkdir()
    (user / "manifest.json").write_text('{"models": [')
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(user))
    job = stand_in(manager, tmp_path, "finished")
    job.process.alive = False
    (tmp_path / tm.RUN_DIR).mkdir()
    (tmp_path / tm.RUN_DIR / "config.json").write_text("{}")  # has_checkpoint(): the save form shows
    at = open_page("app_pages/6_Train.py", lang="zh", session={train_state.KEY: train_state.TrainTab(id="me")})
    assert at.toast[0].value.startswith("已保存的模型未列出：") and "manifest.json" in at.toast[0].value
    assert at.subheader[0].value == "保存这个模型"
    (refusal,) = [e.value for e in at.error]
    assert refusal.startswith("无法保存模型：") and refusal.endswith("。请先解决这个问题。")
    at = open_page("app_pages/6_Train.py", session={train_state.KEY: train_state.TrainTab(id="me")})
    assert at.toast[0].value.startswith("Saved models are left out: ")
    assert [e.value for e in at.error][0].startswith("Models cannot be saved: ")


def test_a_workers_error_is_said_in_the_pages_language(tmp_path):
    """The worker writes an error's template and values into its event; the page says it in Chinese."""
    job = fake_job(tmp_path, "s1")
    with pytest.raises(ValueError) as refused:
        ts.JobSettings(task="reverse", hidden_size=1024).check(["reverse"])
    error = refused.value
    event = {"type": "error", "message": f"{type(error).__name__}: {error}", **te.error_fields(error)}
    (job.folder / te.EVENTS_FILE).write_text(json.dumps(event) + "\n")
    job.process.alive = False
    job.poll()
    assert job.status == "failed"
    assert job.error == "SettingsError: the hidden size must be from 8 to 512, got 1024"
    with i18n.using("zh"):
        assert message_of(job.error) == "SettingsError: 隐藏层大小必须在 8 到 512 之间，当前为 1024"
