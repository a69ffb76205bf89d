"""The interface's languages: the catalog matches the code, the language is chosen the way
a user expects (link, switch, browser), and switching keeps the view.

The catalog test extracts the messages from app.py, pages/, explorer/ and the library's marked texts
with Babel (babel.cfg) and compares them with the Chinese catalog: any message missing, fuzzy,
untranslated, left over from removed code, or with placeholders other than the English's fails.
"""

from __future__ import annotations

import datetime

import pytest
from babel.messages.catalog import Catalog
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.i18n import _, catalogs, ngettext
from explorer.i18n.errors import message_of
from explorer.state import keys, link, owner
from tests.app_fixtures import PAGE_TIMEOUT, FakeQueryParams, app_test, ok
from tests.i18n_fixtures import CJK, page_texts


# -- the catalog -------------------------------------------------------------------------------------
def test_the_chinese_catalog_has_every_message_of_the_code_and_nothing_else():
    problems = catalogs.problems("zh")
    assert problems == [], "\n".join(problems[:50])


def test_the_catalog_check_finds_missing_fuzzy_untranslated_unused_and_placeholder_problems(tmp_path, monkeypatch):
    """The check itself, on a hand-made catalog: each kind of problem is reported once."""
    template = Catalog()
    for message in ("Step", "Back", "Play", "Cannot load {name}"):
        template.add(message, locations=[("pages/x.py", 1)])
    template.add(("{n} step", "{n} steps"), locations=[("pages/x.py", 2)])
    catalog = Catalog(locale="zh_Hans_CN")
    catalog.add("Back", "后退", flags=["fuzzy"])
    catalog.add("Play", "")
    catalog.add("Cannot load {name}", "无法加载 {model}")
    catalog.add(("{n} step", "{n} steps"), ("{n} 步",))
    catalog.add("Gone", "已删除")
    monkeypatch.setattr(catalogs, "read", lambda lang: catalog)
    found = catalogs.problems("zh", template)
    kinds = sorted(p.split(":")[0] for p in found)
    assert kinds == sorted(["fuzzy", "missing", "placeholders differ", "unused", "untranslated"])
    assert "missing: 'Step'" in found[0]


def test_a_new_catalog_is_a_new_language(tmp_path, monkeypatch):
    """Adding a language is `python -m explorer.i18n init CODE` and translating: nothing in code."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert catalogs.main(["init", "fr"]) == 0
    assert catalogs.main(["init", "fr"]) == 2  # never over an existing catalog
    assert catalogs.main(["init", "not a locale"]) == 2
    assert i18n._languages() == {"en": "English", "fr": "français"}
    french = catalogs.read("fr")
    strings = [s for m in french if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,))]
    assert len(french) == len(catalogs.extract()) and not any(strings)
    assert catalogs.problems("fr")  # untranslated, all of it
    assert i18n.parse_language("fr") is None  # the running app's languages were fixed at its start


def test_translations_and_plurals_come_from_the_catalog():
    with i18n.using("zh"):
        assert _("Home") == "首页"
        assert _("Decode") == "解码"
        assert _("a message no catalog has") == "a message no catalog has"
        assert ngettext("{n} step", "{n} steps", 3) in ("{n} steps", "{n} 步")
    assert _("Home") == "Home"
    assert ngettext("{n} step", "{n} steps", 1) == "{n} step"


def test_numbers_percentages_and_dates_follow_the_language():
    day = datetime.date(2026, 11, 23)
    assert i18n.number(12345.678, 1) == "12,345.7"
    assert i18n.percent(0.4567) == "45.7%"
    assert i18n.date(day) == "Nov 23, 2026"
    with i18n.using("zh"):
        assert i18n.date(day) == "2026年11月23日"
        assert i18n.percent(0.5, 0) == "50%"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans_CN", "zh"), ("ZH", "zh"), ("en", "en"), ("en-GB", "en"),
     ("fr", None), ("", None), ("x" * 100, None), (None, None), (3, None), ("../zh", None)],
)  # fmt: skip
def test_a_language_value_is_parsed_or_refused(raw, expected):
    assert i18n.parse_language(raw) == expected


def test_the_browser_language_decides_when_nothing_else_does():
    assert i18n.from_browser("zh-TW") == "zh"
    assert i18n.from_browser("de-DE") == "en"
    assert i18n.from_browser(None) == "en"


def test_an_error_with_a_template_is_translated_and_keeps_its_values():
    class Refused(ValueError):
        template = "Saved models are left out: {reason}"
        params = {"reason": "x"}

    assert message_of(Refused("plain")) == "Saved models are left out: x"
    with i18n.using("zh"):
        assert CJK.search(message_of(Refused("plain")))
    assert message_of(ValueError("plain")) == "plain"


# -- the language in links ---------------------------------------------------------------------------
def test_a_published_link_carries_the_chosen_language_and_a_page_view_ignores_it():
    session = {keys.LANGUAGE_CHOICE: "zh"}
    query = FakeQueryParams()
    link.publish(session, query, "decode", {"task": "dates", "step": "2"})
    assert query == {"task": "dates", "step": "2", "lang": "zh"}
    assert owner.open_link(session, "decode", query)[1] is False  # the page's own URL, not a link
    session[keys.LANGUAGE_CHOICE] = ""
    link.publish(session, query, "decode", {"task": "dates", "step": "2"})
    assert query == {"task": "dates", "step": "2"}


# -- the switch in the app ---------------------------------------------------------------------------
def _app(script: str = "app_pages/1_Decode.py", locale: str | None = None, **query) -> AppTest:
    at = app_test(script, PAGE_TIMEOUT)
    at.query_params.update(query)
    if locale:
        at.context = {"locale": locale}
    return at


def _switch(at: AppTest):
    return at.sidebar.segmented_control[0]


def test_a_link_with_lang_zh_opens_in_chinese_and_the_switch_shows_it():
    at = ok(_app("app.py", lang="zh").run())
    assert at.title[0].value == _zh("Attention Explorer")
    assert _switch(at).value == "zh"
    assert _switch(at).label == "English / 中文"


def _zh(message: str) -> str:
    with i18n.using("zh"):
        return _(message)


def test_without_a_choice_the_browser_language_decides():
    assert ok(_app("app.py", locale="zh-CN").run()).title[0].value == _zh("Attention Explorer")
    assert ok(_app("app.py", locale="de-DE").run()).title[0].value == "Attention Explorer"
    at = ok(_app("app.py", locale="zh-CN").run())
    assert "lang" not in at.query_params  # no choice made: the URL says nothing


def test_an_invalid_lang_falls_back_to_the_browser_language_with_a_note():
    at = ok(_app("app.py", locale="zh-CN", lang="klingon").run())
    assert at.title[0].value == _zh("Attention Explorer")
    notes = [w.value for w in at.warning]
    assert any("klingon" in n and CJK.search(n) for n in notes), notes
    assert "lang" not in at.query_params
    at = ok(_app("app.py", lang="<script>").run())
    assert at.title[0].value == "Attention Explorer"
    assert any("'<script>'" in w.value for w in at.warning)


def test_the_switch_keeps_the_view_and_writes_lang_into_the_url():
    at = ok(_app(task="dates", scorer="dot", sentence="9th of May 18", step="3").run())
    assert at.title[0].value == "Decode, step by step"
    _switch(at).set_value("zh").run()
    ok(at)
    assert at.title[0].value == _zh("Decode, step by step")
    assert at.query_params["lang"] == "zh"
    for key, value in {"task": "dates", "scorer": "dot", "sentence": "9th of May 18", "step": "3"}.items():
        assert at.query_params[key] == value, key
    assert at.session_state["_view"].step == 3  # the view every page shares
    assert any(CJK.search(t) for t in page_texts(at) if t != "English / 中文")
    _switch(at).set_value("en").run()
    assert at.title[0].value == "Decode, step by step"
    assert at.query_params["lang"] == "en" and at.query_params["step"] == "3"


def test_the_chosen_language_follows_the_user_to_another_page():
    at = ok(_app("app.py").run())
    _switch(at).set_value("zh").run()
    at.switch_page("app_pages/5_Models.py").run()
    ok(at)
    assert at.title[0].value == _zh("Models")
    assert at.query_params["lang"] == "zh"


def test_a_message_without_values_may_hold_braces():
    from explorer.i18n.errors import message_of
    from seq2seq.messages import Message

    assert message_of(Message("a {literal} brace")) == "a {literal} brace"
