"""The library's texts in the app's languages.

seq2seq/ stays English-only: it marks with N_ (seq2seq.messages) what the app shows of it (scorer
descriptions, task labels, data credits) and raises the errors a user reads with their English
template and values. The app translates them where it shows them (explorer.state.catalog,
explorer.i18n.errors.message_of); the command line and `str(error)` keep the English as it was.
Also the Hidden states page in Chinese.
"""

from __future__ import annotations

import ast
import math
import pickle

import pytest
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.i18n import _, catalogs
from explorer.i18n.errors import message_of
from explorer.state import catalog
from explorer.views import hidden_states as states_view
from seq2seq.attention import SCORER_INFO
from seq2seq.checkpoint import load_checkpoint, load_model
from seq2seq.inputs import InputError, check_override, check_seed, check_temperature
from seq2seq.messages import Message
from seq2seq.projection import collect_states
from seq2seq.registry import USER_MODELS_ENV, CheckpointError, ModelEntry, registry_notes, resolve
from seq2seq.tasks import REGISTRY
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, ok, use_registry
from tests.i18n_fixtures import CJK, assert_chinese, page_texts

PRETRAINED = ROOT / "pretrained"
STATES = "app_pages/3_Hidden_states.py"


@pytest.fixture(scope="module")
def zh_catalog():
    return catalogs.read("zh")


def _chinese(text: str) -> bool:
    return bool(CJK.search(text))


# -- the marked texts are in the catalog -------------------------------------------------------------
def test_every_scorer_description_and_task_label_is_translated(zh_catalog):
    texts = [info["description"] for info in SCORER_INFO.values()]
    texts += [task.label for task in REGISTRY.values()] + [task.credit for task in REGISTRY.values() if task.credit]
    assert len(texts) == len(SCORER_INFO) + len(REGISTRY) + 2
    for text in texts:
        entry = zh_catalog.get(text)
        assert entry is not None and entry.string and not entry.fuzzy, text
        with i18n.using("zh"):
            assert _chinese(_(text)), text
        assert _(text) == text  # English: the text itself
    chinese = {"reverse": "反转字符串", "dates": "日期规范化", "en-fr": "英语 → 法语", "zh-en": "中文 → 英语"}
    with i18n.using("zh"):
        assert {name: _(REGISTRY[name].label) for name in chinese} == chinese


def test_the_library_imports_neither_the_app_nor_streamlit():
    """Read with ast (imports inside functions too): seq2seq/ never imports explorer or streamlit."""
    found = []
    for path in sorted((ROOT / "seq2seq").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in ("explorer", "streamlit")]
    assert not found, found


# -- the app's catalog translates at call time --------------------------------------------------------
def test_the_catalog_translates_labels_credits_and_metrics_when_asked():
    entry = ModelEntry.from_dict(
        {"name": "user/mine", "path": "mine", "cell": "lstm", "metric": {"name": "exact_match"}}
    )
    shipped = ModelEntry.from_dict(
        {"name": "dates/dot", "path": "d", "metric": {"name": "char_accuracy", "value": 0.5}}
    )
    # English as it was
    assert catalog.task_label("en-fr") == "English → French" == catalog.TASK_LABELS["en-fr"]
    assert catalog.data_credits(["zh-en", "reverse"]) == [
        "Chinese–English pairs from www.manythings.org/anki and tatoeba.org (CC BY 2.0 FR)"
    ]
    assert catalog.headline(shipped) == ("char. accuracy %", 50.0)
    assert catalog.variant_label(entry) == "user/mine · LSTM, saved from the Train page"
    with i18n.using("zh"):
        assert catalog.task_label("zh-en") == "中文 → 英语" == catalog.TASK_LABELS["zh-en"]
        assert catalog.TASK_LABELS.get("nonsense", "nonsense") == "nonsense" == catalog.task_label("nonsense")
        assert dict(catalog.TASK_LABELS)["dates"] == "日期规范化" and len(catalog.TASK_LABELS) == len(REGISTRY)
        assert catalog.data_credits(["en-fr", "dates"]) == [
            "英语–法语句对，来自 www.manythings.org/anki 和 tatoeba.org（CC BY 2.0 FR）"
        ]
        assert catalog.headline(shipped) == ("字符准确率 %", 50.0)
        assert catalog.headline(ModelEntry.from_dict({"name": "a", "path": "a", "metric": {"name": "bleu"}})) == (
            "BLEU",
            None,
        )
        assert catalog.variant_label(entry) == "user/mine · LSTM，在训练页保存"
        assert catalog.variant_label(shipped) == "dates/dot · GRU，随应用提供"
    assert catalog.task_label("zh-en") == "Chinese → English"  # the language is per call, nothing is kept


def test_registry_notes_stay_english_and_the_catalog_says_them_in_chinese(monkeypatch):
    monkeypatch.setenv(USER_MODELS_ENV, str(PRETRAINED / "reverse"))  # inside the shipped models folder
    (note,) = registry_notes()
    assert isinstance(note, Message) and note == (
        f"the user models folder {PRETRAINED / 'reverse'} is inside the shipped models folder {PRETRAINED}: models "
        f"saved there would be registered among the shipped ones; set {USER_MODELS_ENV} to a folder of its own"
    )
    assert catalog.notes() == [note]
    with i18n.using("zh"):
        (shown,) = catalog.notes()
    assert shown.startswith(f"用户模型文件夹 {PRETRAINED / 'reverse'} 位于") and USER_MODELS_ENV in shown
    assert pickle.loads(pickle.dumps(note)).params == note.params  # a Message survives a cache's copy


# -- errors: str() is the English, message_of() the current language -------------------------------
@pytest.fixture(scope="module")
def location():
    return load_model("reverse/location", root=PRETRAINED)


def test_a_too_long_source_on_a_location_model(location):
    limit = location.source_limit
    with pytest.raises(InputError) as caught:
        location.greedy("a" * (limit + 3))
    error = caught.value
    assert str(error) == (
        "location attention learns one weight per source position and this model was trained on "
        f"sources of at most {limit} tokens; this one has {limit + 3}"
    )
    assert message_of(error) == str(error)  # English
    with i18n.using("zh"):
        shown = message_of(error)
    expected = (
        "location 注意力为每个源位置学习一个权重，而本模型训练时的源句子最多 {limit} 个词元；这一句有 {length} 个"
    )
    assert shown == expected.format(limit=limit, length=limit + 3)
    assert str(error).startswith("location attention")  # message_of changes nothing in the error


def test_an_empty_source_and_a_too_long_one_on_another_scorer():
    general = load_model("reverse/general", root=PRETRAINED)
    with pytest.raises(InputError) as caught:
        general.start("   ")
    assert str(caught.value) == "the source sentence is empty: type a sentence to translate"
    with i18n.using("zh"):
        assert message_of(caught.value) == "源句子为空：请输入要翻译的句子"
    limit = general.source_limit
    with pytest.raises(InputError) as caught:
        general.encode_source("a" * (limit + 1))
    assert str(caught.value) == f"the source sentence is {limit + 1} tokens long; this model takes at most {limit}"
    with i18n.using("zh"):
        assert message_of(caught.value) == f"源句子长 {limit + 1} 个词元；本模型最多接受 {limit} 个"


def test_a_model_that_fits_no_reference_sentence_says_so_in_chinese(location):
    with pytest.raises(ValueError) as caught:  # the Hidden states page shows it as "Cannot show this model's states"
        collect_states(location, ["", "a" * (location.source_limit + 1)])
    assert str(caught.value) == "none of the reference sentences can be encoded by this model"
    with i18n.using("zh"):
        assert message_of(caught.value) == "参考句子中没有一句能被该模型编码"


@pytest.mark.parametrize(
    ("call", "english", "chinese"),
    [
        (
            lambda: check_temperature(0.0),
            "temperature must be between 0.001 and 1000, got 0.0 "
            "(below 0.001 sampling is greedy decoding: decode greedily instead)",
            "温度必须在 0.001 到 1000 之间，收到的是 0.0（低于 0.001 时采样就是贪心解码：请直接用贪心解码）",
        ),
        (
            lambda: check_temperature(math.inf),
            "temperature must be between 0.001 and 1000, got inf",
            "温度必须在 0.001 到 1000 之间，收到的是 inf",
        ),
        (lambda: check_seed(-1), "seed must be a whole number from 0 to", "随机种子必须是 0 到"),
        (
            lambda: check_override([0.5, 0.6], 2),
            "attention override weights must sum to 1 (within 1e-06); they sum to 1.1",
            "改写的注意力权重之和必须为 1（误差不超过 1e-06）；现在的和是 1.1",
        ),
        (
            lambda: check_override([1.0], 3),
            "attention override has 1 weights; the source has 3",
            "改写的注意力有 1 个权重，而源有 3 个位置",
        ),
    ],
)
def test_setting_errors_keep_their_english_and_read_in_chinese(call, english, chinese):
    with pytest.raises(InputError) as caught:
        call()
    assert str(caught.value).startswith(english)
    with i18n.using("zh"):
        assert message_of(caught.value).startswith(chinese)


def test_checkpoint_errors_keep_their_english_and_read_in_chinese(tmp_path):
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(tmp_path / "nowhere")
    assert str(caught.value) == f"{tmp_path / 'nowhere'}: no such checkpoint folder"
    with i18n.using("zh"):
        assert message_of(caught.value) == f"{tmp_path / 'nowhere'}：没有这个检查点文件夹"
    (tmp_path / "manifest.json").write_text('{"models": [{"name": "a/b", "path": "a/b"}]}')
    with pytest.raises(CheckpointError) as caught:
        resolve("x/y", root=tmp_path)
    assert str(caught.value) == "unknown model 'x/y' (known models: a/b)"
    with i18n.using("zh"):
        assert message_of(caught.value) == "未知模型 'x/y'（已知模型：a/b）"
    (tmp_path / "manifest.json").write_text("[]")
    with pytest.raises(CheckpointError) as caught:
        resolve("x/y", root=tmp_path)
    assert (
        str(caught.value) == f'{tmp_path / "manifest.json"}: expected {{"models": [{{"name": ..., "path": ...}}, ...]}}'
    )
    with i18n.using("zh"):
        assert message_of(caught.value).startswith(f"{tmp_path / 'manifest.json'}：应为 {{")


# -- the Hidden states page in Chinese ------------------------------------------------------------------
@pytest.fixture
def tiny(monkeypatch):
    return use_registry(monkeypatch)


def _states_page(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / STATES), default_timeout=PAGE_TIMEOUT)
    at.query_params.update(query)
    return ok(at.run())


def test_hidden_states_in_chinese(tiny):
    at = _states_page(lang="zh", task="reverse", scorer="dot", sentence="abcde", step="2")
    assert_chinese(at)
    assert at.title[0].value == "隐藏状态"
    assert at.slider(key="hs_step").label == "步数（已显示的输出词元）" and at.slider(key="hs_step").value == 2
    assert at.radio(key="hs_metric").label == "距离" and list(at.radio(key="hs_metric").options) == ["余弦", "欧氏"]
    assert at.radio(key="hs_metric").value == "cosine"  # the values stay as they are
    assert at.header[0].value == "参考样本中的最近邻"
    assert list(at.dataframe[0].value.columns) == ["距离", "类别", "词元", "位置", "句子", "它的输出"]
    assert set(at.dataframe[0].value["类别"]) <= {"编码器", "解码器"}
    assert any(t.value.startswith("输出：") for t in at.text)
    assert any(c.value.startswith("基：来自 ") for c in at.caption)
    (state,) = [box for box in at.selectbox if box.key.startswith("hs_state_")]
    assert state.label == "状态" and state.options[0].startswith("解码器第 1 步：")
    with i18n.using("zh"):  # AppTest formats the widgets' values in this thread, with their format_func
        ok(at.radio(key="hs_metric").set_value("euclidean").run())
    assert list(at.dataframe[0].value.columns)[0] == "距离"


def test_hidden_states_messages_in_chinese(tiny):
    at = _states_page(lang="zh", task="reverse", scorer="dot", sentence="abcde", step="150")
    last = int(at.slider(key="hs_step").max)
    assert [i.value for i in at.info] == [f"链接中的第 150 步超出了这次输出的长度（{last} 个词元）：显示第 {last} 步。"]
    with i18n.using("zh"):  # AppTest formats the widgets' values in this thread, with their format_func
        ok(at.text_input(key="hs_sentence").set_value("").run())
        assert [w.value for w in at.warning] == ["源句子为空：请输入要翻译的句子。"]
    at = _states_page(lang="zh", task="reverse", scorer="location", sentence="x" * 60)
    limit = load_model("reverse/location", root=tiny).source_limit
    expected = "location 注意力为每个源位置学习一个权重，而本模型训练时的源句子最多 {limit} 个词元；这一句有 60 个。"
    assert [w.value for w in at.warning] == [expected.format(limit=limit)]


def test_hidden_states_stay_english_without_a_choice(tiny):
    at = _states_page(task="reverse", scorer="dot", sentence="abcde", step="2")
    assert at.slider(key="hs_step").label == "Step (output tokens shown)"
    assert list(at.radio(key="hs_metric").options) == ["cosine", "euclidean"]
    assert list(at.dataframe[0].value.columns) == ["distance", "kind", "token", "position", "sentence", "its output"]
    switch = {"English / 中文", *i18n.LANGUAGES.values()}  # the language switch names itself in both
    assert not [t for t in page_texts(at) if _chinese(t) and t not in switch]
    ok(at.text_input(key="hs_sentence").set_value("").run())
    assert [w.value for w in at.warning] == ["the source sentence is empty: type a sentence to translate."]


def test_the_state_picker_names_states_in_the_current_language():
    class States:  # the two fields choice_label reads
        target_tokens = ["x", "</s>"]
        source_tokens = ["a", "b"]

    assert states_view.choice_label(States, ("decoder", 1)) == "decoder step 2: </s>"
    assert states_view.choice_label(States, ("encoder", 1)) == "encoder 02: b"  # positions counted from 1
    with i18n.using("zh"):
        assert states_view.choice_label(States, ("decoder", 1)) == "解码器第 2 步：</s>"
        assert states_view.choice_label(States, ("encoder", 1)) == "编码器 02：b"


def test_every_file_of_this_area_is_marked_and_translated():
    files = [
        "seq2seq/attention.py", "seq2seq/decoding.py", "seq2seq/inputs.py", "seq2seq/registry.py",
        "seq2seq/checkpoint.py",
        "seq2seq/metrics.py", "seq2seq/lab/importance.py", "seq2seq/lab/perturb.py", "explorer/state/catalog.py",
        STATES, "explorer/views/hidden_states.py",
        *(f"seq2seq/tasks/{p.name}" for p in (ROOT / "seq2seq/tasks").glob("*.py")),
    ]  # fmt: skip
    assert all((ROOT / f).is_file() for f in files)
    found = [p for p in catalogs.problems("zh") if any(f in p for f in files)]
    assert not found, found
