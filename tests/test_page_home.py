"""The home page: what the app is, the registered models as a table, links that open Decode filled in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import svg_heatmap
from explorer.state import catalog, keys
from explorer.state.catalog import Entry, headline
from explorer.ui.common.loaders import get_translator
from explorer.ui.home import sections as home_sections
from explorer.views import home
from seq2seq.registry import Headline, registry
from tests.app_fixtures import ok, point_app_at, use_registry

APP = Path(__file__).resolve().parent.parent / "app.py"


def test_home_lists_every_registered_model(monkeypatch):
    root = use_registry(monkeypatch)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Attention Explorer"
    table = at.dataframe[0].value
    assert sorted(table["model"]) == sorted(e.name for e in registry(root))
    assert set(table.columns) >= {"model", "task", "scorer", "cell", "parameters", "metric", "value"}
    expected = {e.name: e.metric.value for e in registry(root)}
    for model, metric, value in zip(table["model"], table["metric"], table["value"], strict=True):
        assert metric == "exact match %" and value == round(100 * expected[model], 2)  # a fraction, in %


def test_headline_metrics_read_as_people_write_them():
    def entry(name, value):
        return Entry(name="x/dot", path="x/dot", task="x", scorer="dot", parameters=1, metric=Headline(name, value))

    assert headline(entry("exact_match", 0.99875)) == ("exact match %", 99.88)
    assert headline(entry("bleu", 36.94411)) == ("BLEU", 36.94)
    assert headline(entry("exact_match", None)) == ("exact match %", None)
    assert headline(entry("exact_match", "0.9")) == ("exact match %", None)  # not a number: no value


def test_home_with_an_empty_registry_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(tmp_path))
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(tmp_path / "user"))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "No models are registered yet" in at.info[0].value


def test_home_with_a_broken_manifest_shows_an_error_not_a_traceback(monkeypatch, tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(tmp_path))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "manifest.json" in at.error[0].value and "not valid JSON" in at.error[0].value


def test_home_starts_a_newcomer_on_the_lessons(monkeypatch):
    use_registry(monkeypatch)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    (lessons,) = [el for el in at.main.get("page_link") if "Lessons" in el.proto.page]
    assert lessons.proto.label == "Take a guided lesson"


# -- the first screen: a live example from a shipped model --------------------------------------------
def _example(at: AppTest) -> dict:
    (stepper,) = [
        json.loads(el.proto.json)
        for el in at.get("bidi_component")
        if el.proto.component_name == svg_heatmap.COMPONENT_NAME
    ]
    assert stepper["mode"] == "show"  # the heatmap alone: the example has its own Step
    return stepper["heatmap"]


def _shipped(monkeypatch) -> None:
    """The shipped models (the first screen's examples are theirs)."""
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(APP.parent / ".no-user-models"))
    point_app_at(monkeypatch, APP.parent / "pretrained")


@pytest.mark.parametrize(
    ("lang", "model", "sentence", "output"),
    [
        ("zh", "zh-en/scaled_dot", "我爱你。", "I love you."),
        ("en", "en-fr/scaled_dot", "I am tired.", "Je suis fatigué."),
    ],
)
def test_home_opens_on_a_live_example_stepped_one_click_a_row(monkeypatch, lang, model, sentence, output):
    _shipped(monkeypatch)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["lang"] = lang
    ok(at.run())
    decoded = get_translator(model).greedy(sentence).plain(model)
    example = _example(at)
    assert example["step"] == 1  # labels are "position token"
    # tokens as a reader writes them: SentencePiece's "▁" shown as the word-start dot (explorer.figures.common)
    shown = [
        token.replace("\u2581", "\u00b7", 1) if token.startswith("\u2581") else token for token in decoded.source_tokens
    ]
    assert [label.split(" ", 1)[1] for label in example["source"]] == shown
    assert "\u2581" not in "".join(example["source"] + example["target"])
    for shown, row in zip(example["attention"], decoded.attention, strict=True):  # the model's own rows
        assert shown == pytest.approx(row, abs=5.1e-5)  # sent rounded to 4 decimals
    assert get_translator(model).target_tokenizer.decode(decoded.token_ids) == output
    for step in range(2, decoded.num_steps + 1):
        ok(next(b for b in at.button if b.key == home_sections.STEP_BUTTON).click().run())
        assert _example(at)["step"] == step
    (again,) = [b for b in at.button if b.key == home_sections.STEP_BUTTON]
    assert again.label == ("从头再来" if lang == "zh" else "Start again")
    ok(again.click().run())
    assert _example(at)["step"] == 1
    (decode_link,) = [el for el in at.main.get("page_link") if el.proto.label in ("Open in Decode", "在解码页打开")]
    assert decode_link.proto.page == "Decode" and decode_link.proto.query_string.endswith("&step=1")


def test_home_offers_three_ways_in(monkeypatch):
    use_registry(monkeypatch)
    at = ok(AppTest.from_file(str(APP), default_timeout=60).run())
    pages = [el.proto.page for el in at.main.get("page_link")]
    assert any("Lessons" in p for p in pages) and any("Decode" in p for p in pages)
    assert any(b.key == "class_join" for b in at.main.button)
    assert at.text_input(key=keys.CLASS_JOIN_CODE).label == "Class code"


@pytest.mark.parametrize(
    ("lang", "available", "expected"),
    [
        ("zh", {"zh-en": ["none", "general"], "en-fr": ["general"]}, ("zh-en", "general", "我爱你。")),
        ("en", {"zh-en": ["general"], "en-fr": ["dot", "general"]}, ("en-fr", "general", "I love you.")),
        ("fr", {"en-fr": ["dot"]}, ("en-fr", "dot", "I love you.")),  # another language: the English example
        ("zh", {"reverse": ["dot"]}, ("reverse", "dot", "hello world")),  # no zh-en model: a task that has one
        ("zh", {}, None),
    ],
)
def test_which_example_a_language_opens_on(lang, available, expected):
    screens = {"zh-en": {"zh": "我爱你。"}, "en-fr": {"en": "I love you."}, "reverse": {}}
    assert home.first_example(lang, available, {"reverse": "hello world"}, screens) == expected
    named = home.first_example(lang, available, {"reverse": "hello world"}, screens, {"en-fr": "dot", "zh-en": "x"})
    if expected and expected[0] == "en-fr" and "dot" in available["en-fr"]:  # a named scorer with a model wins
        expected = (expected[0], "dot", expected[2])
    assert named == expected
    assert catalog.first_screens(["zh-en", "en-fr", "nope"]) == {
        "zh-en": {"zh": "我爱你。"},
        "en-fr": {"en": "I am tired."},
    }
    assert home.next_step(3, 3) == 1 and home.next_step(1, 3) == 2
    assert home.shown_step(None, 4) == 1 and home.shown_step(9, 4) == 4 and home.shown_step(True, 4) == 1
