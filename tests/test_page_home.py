"""The home page: what the app is, the registered models as a table, links that open Decode filled in."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from explorer.state.catalog import Entry, headline
from seq2seq.registry import Headline, registry
from tests.app_fixtures import use_registry

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
    assert lessons.proto.label.startswith("New to attention? Take a guided lesson")
