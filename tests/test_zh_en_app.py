"""Every page offers zh-en (Chinese -> English): AppTest over a registry of tiny zh-en models trained here.

The corpus is made in the test (a few dozen everyday sentences, some written in traditional
characters), never ../shared/data; each model trains for a few steps (hidden 16), so outputs are
noise but every page, note and figure runs on real zh-en tokenizers (characters in, English
SentencePiece out).
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import svg_heatmap
from explorer.state import catalog, keys
from explorer.training import data as td
from explorer.training import settings as ts
from explorer.ui.common.markdown import escape_markdown
from explorer.views import input_notes
from seq2seq.checkpoint import load_checkpoint
from seq2seq.config import TrainConfig
from seq2seq.registry import write_manifest
from seq2seq.tasks import get_task
from tests.app_fixtures import ok, point_app_at, run_page, temporary_registry

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
SCORERS = ("general", "dot")

# (Chinese, English): subject x verb x object; 爱/愛, 书/書 and 猫/貓 appear in both scripts, so
# training itself goes through the traditional -> simplified normalisation.
_SUBJECTS = (("我", "I", "I"), ("你", "You", "You"), ("他", "He", "He"), ("她", "She", "She"), ("我们", "We", "We"))
_VERBS = (("爱", "love", "loves"), ("喜欢", "like", "likes"), ("看", "see", "sees"))
_OBJECTS = (("你", "you"), ("猫", "cats"), ("狗", "dogs"), ("书", "books"), ("茶", "tea"))
_TRADITIONAL = str.maketrans("爱书猫们", "愛書貓們")


def zh_en_lines() -> list[str]:
    """The corpus in Tatoeba's format (English<TAB>Chinese<TAB>attribution), every third line traditional."""
    lines = []
    for i, ((zh_s, en_s, _), (zh_v, en_v, en_v3), (zh_o, en_o)) in enumerate(
        itertools.product(_SUBJECTS, _VERBS, _OBJECTS)
    ):
        chinese = f"{zh_s}{zh_v}{zh_o}。"
        english = f"{en_s} {en_v3 if en_s in ('He', 'She') else en_v} {en_o}."
        if i % 3 == 1:
            chinese = chinese.translate(_TRADITIONAL)
        lines.append(f"{english}\t{chinese}\tCC-BY 2.0 (France) Attribution: tatoeba.org #{i}")
    return lines


def _train(root: Path, corpus: Path, scorer: str) -> dict:
    """Train zh-en/<scorer> for a few steps into root and return its manifest entry."""
    config = TrainConfig(
        task="zh-en", data=str(corpus), scorer=scorer, hidden_size=16, embedding_size=8, batch_size=16,
        epochs=2, max_steps=12, lr=1e-2, vocab_size=60, valid_size=4, max_len=24, threads=1,
        out=str(root / "zh-en" / scorer),
    )  # fmt: skip
    from seq2seq.train import train

    folder = train(config, progress=False)
    return {
        "name": f"zh-en/{scorer}", "path": f"zh-en/{scorer}", "task": "zh-en", "scorer": scorer, "cell": "gru",
        "parameters": load_checkpoint(folder).model.num_parameters(), "metric": {"name": "bleu", "value": 0.0},
        "test": {"bleu": 0.0},
    }  # fmt: skip


def make_zh_en_registry(root: Path) -> Path:
    corpus = root / "cmn-eng.txt"
    corpus.write_text("".join(line + "\n" for line in zh_en_lines()), encoding="utf-8")
    write_manifest([_train(root, corpus, scorer) for scorer in SCORERS], root)
    return root


@functools.cache
def zh_en_registry() -> Path:
    """One registry of tiny trained zh-en models per test process (a few seconds), removed at exit."""
    return temporary_registry("ae-zh-en-registry-", make_zh_en_registry)


@pytest.fixture
def registry(monkeypatch):
    return point_app_at(monkeypatch, zh_en_registry())


# -- what the app asks the task --------------------------------------------------------------------
def test_the_app_asks_the_task_for_label_sentence_examples_metric_and_data():
    assert "zh-en" in catalog.known_tasks()
    assert catalog.task_label("zh-en") == "Chinese → English" == catalog.TASK_LABELS["zh-en"]
    assert catalog.default_sentence("zh-en") == "我爱你。" == catalog.default_sentence("zh-en")
    assert catalog.task_examples("zh-en")[0] == "我爱你。" and len(catalog.task_examples("zh-en")) >= 3
    assert (catalog.task_metric("zh-en"), catalog.data_file("zh-en")) == ("bleu", "cmn-eng.txt")
    # en-fr and the generated tasks say what they said before
    assert [catalog.task_label(t) for t in ("reverse", "dates", "en-fr")] == [
        "Reverse a string", "Normalize a date", "English → French"
    ]  # fmt: skip
    assert catalog.default_sentence("en-fr") == "Where is the station?"
    assert catalog.default_sentence("dates") == "Wednesday, May 9, 2018"
    assert [catalog.task_metric(t) for t in ("reverse", "dates", "en-fr")] == ["exact_match", "exact_match", "bleu"]
    assert catalog.data_file("reverse") is None and catalog.task_label("nonsense") == "nonsense"
    assert "nonsense" not in catalog.TASK_LABELS and catalog.TASK_LABELS.get("nonsense", "x") == "x"


def test_the_decode_page_examples_are_the_tasks_own_each_once_on_the_scorer_that_shows_it():
    examples = catalog.task_examples("zh-en")  # Decode's examples box offers these
    assert examples == get_task("zh-en").example_sentences and examples[0] == "我爱你。"
    assert len(examples) == len(set(examples)) >= 3
    # the probes that no shipped model aligns are not offered (tests/test_offered_examples.py checks the rest)
    assert not {"我明天去北京。", "他在图书馆看书。"} & set(examples)
    assert [catalog.example_scorer("zh-en", e) for e in examples] == ["scaled_dot", "concat", "scaled_dot"]


def test_the_train_page_offers_zh_en_with_its_data_file(tmp_path, monkeypatch):
    monkeypatch.setattr(td, "DATA_DIR", tmp_path)
    monkeypatch.delenv(td.DATA_ENV, raising=False)
    monkeypatch.delenv(td.data_env("zh-en"), raising=False)
    assert ts.available_tasks() == ["reverse", "dates"]
    data = tmp_path / "elsewhere.txt"
    data.write_text("\n".join(zh_en_lines()) + "\n", encoding="utf-8")
    monkeypatch.setenv("ATTENTION_EXPLORER_DATA_ZH_EN", str(data))
    assert ts.available_tasks() == ["reverse", "dates", "zh-en"]
    config = ts.JobSettings(task="zh-en").train_config(tmp_path / "run", td.data_path("zh-en"))
    assert (config.task, config.data, config.vocab_size) == (
        "zh-en",
        str(data),
        ts.TASK_SETTINGS["zh-en"]["vocab_size"],
    )
    assert ts.JobSettings(task="dates").train_config(tmp_path / "run", data).data is None  # generated: no file
    (tmp_path / "cmn-eng.txt").write_text("Hi.\t你好。\n", encoding="utf-8")  # the default place, by its file name
    monkeypatch.delenv("ATTENTION_EXPLORER_DATA_ZH_EN")
    assert td.data_path("zh-en") == tmp_path / "cmn-eng.txt" and td.data_path("en-fr") is None
    assert ts.task_metric("zh-en") == "bleu" and ts.task_metric("dates") == "exact_match"


# -- notes -----------------------------------------------------------------------------------------
def test_traditional_characters_get_a_note_that_says_so(registry):
    translator = load_checkpoint(registry / "zh-en" / "general")
    assert input_notes.input_notes("我爱你。", translator) == []
    notes = input_notes.input_notes("我愛你們。", translator)
    assert notes[0] == (
        "Traditional characters were converted to simplified, as in training: 愛 → 爱, 們 → 们. "
        "Your text was normalised to “我爱你们。”."
    )
    # full-width punctuation is only Unicode normalisation: the generic note, no claim about traditional
    (note,) = [n for n in input_notes.input_notes("我爱你！", translator) if "normalised" in n]
    assert note.startswith("Your text was normalised to “我爱你!”")


def test_unknown_characters_are_listed(registry):
    translator = load_checkpoint(registry / "zh-en" / "general")
    assert input_notes.unknown_note("我爱鱼。", translator) == (
        "Not in this model's vocabulary, decoded as the unknown token <unk>: '鱼'"
    )


# -- the pages -------------------------------------------------------------------------------------
def test_decode_page_decodes_i_love_you_and_shows_the_traditional_note(registry):
    at = run_page("1_Decode.py", task="zh-en", scorer="general", sentence="我爱你。")
    assert at.selectbox(key="decode_task").value == "zh-en"
    assert "Chinese → English" in at.selectbox(key="decode_task").options
    trace = at.session_state[keys.TRACE]["data"]
    assert trace.source_tokens == ["我", "爱", "你", "。", "</s>"]
    assert len(trace.attention[0]) == 5 and not at.warning
    at = run_page("1_Decode.py", task="zh-en", scorer="general", sentence="我愛你。")
    assert at.session_state[keys.TRACE]["data"].source_tokens == ["我", "爱", "你", "。", "</s>"]
    shown = [n.value for n in [*at.info, *at.warning]]
    assert any("Traditional characters were converted to simplified" in v and "愛 → 爱" in v for v in shown), shown


@pytest.mark.parametrize("page", ["2_Compare.py", "3_Hidden_states.py", "4_Beam_search.py"])
def test_view_pages_open_on_zh_en_note_the_conversion_and_list_an_unseen_character(registry, page):
    at = run_page(page)  # no link: the page opens on the task's default sentence
    assert at.get("plotly_chart"), "the page draws its figure for 我爱你。"
    assert "我爱你。" in [t.value for t in at.text_input] or page == "2_Compare.py"
    at = run_page(page, task="zh-en", sentence="我愛鱼。")  # 愛 is converted to 爱; 鱼 was never seen
    converted = escape_markdown(
        "Traditional characters were converted to simplified, as in training: 愛 → 爱. "
        "Your text was normalised to “我爱鱼。”."
    )
    unknown = escape_markdown("decoded as the unknown token <unk>: '鱼'")
    shown = [w.value for w in at.warning]
    assert shown[0] == converted and unknown in shown[1], shown


def test_compare_page_offers_zh_en_with_every_scorer(registry):
    at = run_page("2_Compare.py", task="zh-en", sentence="我爱你。")
    assert at.selectbox(key="cmp_task").value == "zh-en"
    assert at.text_input(key="cmp_sentence").value == "我爱你。"
    assert {f"cmp_heatmap_{scorer}" for scorer in SCORERS} <= {c.key for c in at.get("plotly_chart")}


def test_models_and_timelapse_pages_list_zh_en(registry):
    at = run_page("5_Models.py")
    assert "Chinese → English" in [s.value for s in at.subheader]
    assert at.selectbox(key="models_task").options == ["Chinese → English"]
    at = run_page("7_Timelapse.py")
    assert at.selectbox(key="tl_task").options == ["Chinese → English"]
    assert at.selectbox(key="timelapse_probe").value == "我爱你。"  # the probe every page opens on


def test_home_page_links_i_love_you_first(registry):
    at = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run())
    links = [p for p in at.get("page_link") if "Decode" in p.proto.page]  # the example links, not the lessons'
    labels = [
        link.proto.label
        for link in links
        if "sentence=" in link.proto.query_string and "step=" not in link.proto.query_string
    ]  # "Start here"'s (the live example's Open in Decode carries a step)
    assert labels[: len(catalog.task_examples("zh-en"))] == list(catalog.task_examples("zh-en"))
    assert "Chinese → English" in [m.value.strip("*") for m in at.markdown]
    assert any("Chinese–English pairs" in c.value for c in at.caption)


# -- Chinese labels in the SVG heatmap -------------------------------------------------------------
FLAT_TOP_PX = round(2 * 1.3 * 12) + 10  # two lines of 1.3 em at 12 px (svg_heatmap.LINE_EM), and the gap


def test_cjk_labels_are_measured_at_double_width():
    assert [svg_heatmap.display_width(t) for t in ("我", "。", "abc", "我爱你", "e\u0301")] == [2, 2, 3, 6, 1]
    chinese = svg_heatmap.payload(["我爱你", "</s>"], ["I", "</s>"], [[0.5, 0.5], [0.5, 0.5]])
    # A source with Chinese: every column label flat in two lines, number over token, never turned ("02 </s>" too)
    assert chinese["source_flat"] and chinese["source_lines"] == [["01", "我爱你"], ["02", "</s>"]]
    assert chinese["layout"]["top"] == FLAT_TOP_PX
    assert chinese["layout"]["min_column"] == round(svg_heatmap.CHAR_PX * 6) + 6  # 我爱你: 6 columns wide
    rows = svg_heatmap.payload(["a"], ["我爱你", "。"], [[1.0], [1.0]])
    assert rows["layout"]["left"] == round(svg_heatmap.CHAR_PX * 9) + 10  # row labels too
    assert not rows["source_flat"] and rows["layout"]["min_column"] == 0  # a Latin source: turned, as before
    wide = svg_heatmap.payload(["我爱你们我爱你们"], ["I"], [[1.0]])  # "01 " + 8 characters = 19 columns
    assert wide["source"] == wide["source_full"] == ["01 我爱你们我爱你们"]  # whole: nothing a class reads is cut
    single = svg_heatmap.payload(["我", "爱", "你", "。", "</s>"], ["I"], [[0.2] * 5])
    assert single["source"] == ["01 我", "02 爱", "03 你", "04 。", "05 </s>"]  # never cut


def test_train_page_offers_zh_en(registry, tmp_path, monkeypatch):
    data = tmp_path / "cmn-eng.txt"
    data.write_text("\n".join(zh_en_lines()) + "\n", encoding="utf-8")
    monkeypatch.setenv(td.data_env("zh-en"), str(data))
    at = run_page("6_Train.py")
    task = at.selectbox(key="train_task")
    assert "Chinese → English" in task.options  # the registry's order: a task registered later comes after it
    ok(task.set_value("zh-en").run())
    assert "4,000 pairs" in at.radio(key="train_budget").help  # the zh-en subset's epoch
