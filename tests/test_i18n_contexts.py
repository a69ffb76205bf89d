"""Messages with a context (pgettext): one English word, two Chinese ones, and the catalog tools that
carry the context (`todo` lists it, `add` takes it back)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.i18n import catalogs, pgettext
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, ok, stepper_data, use_registry


def test_the_step_button_and_the_step_slider_are_two_words_in_chinese_and_one_in_english():
    with i18n.using("zh"):
        assert (pgettext("button", "Step"), pgettext("slider", "Step")) == ("单步", "步数")
    assert pgettext("button", "Step") == pgettext("slider", "Step") == "Step"


def test_the_decode_page_under_lang_zh_labels_its_step_button_and_step_slider_apart(monkeypatch):
    use_registry(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app_pages" / "1_Decode.py"), default_timeout=PAGE_TIMEOUT)
    at.query_params.update(task="reverse", scorer="dot", sentence="abc", lang="zh")
    ok(at.run())
    (stepper,) = stepper_data(at)  # the stepper's button and slider, in the browser
    assert (stepper["texts"]["step"], stepper["texts"]["slider"]) == ("单步", "步数")


def test_todo_lists_a_context_as_add_takes_it_back():
    todo = catalogs.untranslated(["explorer/ui/decode/stepper.py"], "fr")  # no French catalog: all to do
    assert f"button{catalogs.CONTEXT_SEP}Step" in todo and f"slider{catalogs.CONTEXT_SEP}Step" in todo
