"""No English sentence left on a page under ``lang=zh``: not even a phrase inside a Chinese line.

tests/i18n_fixtures.py's `english_sentences` finds three English words in a row, or an English function
word ("and", "the", "no" …), once names, model ids, papers' references and titles, addresses and code are
taken out. Every page opens as a link opens it, then the states where English was once left: the model
cards of `none` and `location` (the scorer's words), Decode and Compare on those scorers.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests import i18n_fixtures
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, app_test, ok
from tests.i18n_fixtures import english_phrases, english_sentences, page_texts

SCRIPTS = tuple(f"app_pages/{p.name}" for p in sorted((ROOT / "app_pages").glob("*.py")))


fresh_caches, shipped_models = i18n_fixtures.fresh_caches, i18n_fixtures.shipped_models  # autouse: pretrained/


def open_page(script: str, **query) -> AppTest:
    at = app_test(script, PAGE_TIMEOUT)
    at.query_params.update(lang="zh", **query)
    return ok(at.run())


def assert_no_english_sentence(at: AppTest) -> None:
    left = english_sentences(page_texts(at))
    assert not left, "\n".join(f"{found} in {text[:200]!r}" for text, found in left.items())


def test_the_rule_finds_english_inside_chinese_and_spares_names():
    assert english_phrases("注意力分数：no attention: the decoder reads only the encoder's final state")
    assert english_phrases("来自 www.manythings.org/anki and tatoeba.org") == ["and"]
    assert english_phrases("空单元格：None") == [] and english_phrases("单步") == []
    for kept in (
        "模型 zh-en/general · LSTM（Luong, Pham and Manning (2015), Effective Approaches to Attention-based NMT）",
        "（Jain & Wallace 2019、Bahdanau et al. 2015）",
        "Sutskever, Vinyals and Le (2014), Sequence to Sequence Learning with Neural Networks",
        "来自 www.manythings.org/anki 和 tatoeba.org（CC BY 2.0 FR）",
        "`scorer none, cell gru, bidirectional True`。",
        "环境变量 ATTENTION\\_EXPLORER\\_LESSONS",
        "hello world",  # a task's sentence: data
    ):
        assert english_phrases(kept) == [], kept


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_page_leaves_an_english_sentence(script):
    assert_no_english_sentence(open_page(script))


@pytest.mark.parametrize("model", ["zh-en/none", "dates/location", "en-fr/general"])
def test_no_model_card_leaves_an_english_sentence(model):
    at = open_page("app_pages/5_Models.py")
    at.selectbox(key="models_task").set_value(model.split("/")[0]).run()
    at.selectbox(key="models_model").set_value(model).run()
    ok(at)
    assert any(m.value.startswith(f"### {model}") for m in at.markdown)
    assert_no_english_sentence(at)


@pytest.mark.parametrize(("page", "query"), [
    ("app_pages/1_Decode.py", {"task": "en-fr", "scorer": "none", "sentence": "I am tired.", "step": "2"}),
    ("app_pages/1_Decode.py", {"task": "reverse", "scorer": "location", "sentence": "hello", "step": "3"}),
    ("app_pages/2_Compare.py", {"task": "reverse", "sentence": "hello world"}),
    ("app_pages/2_Compare.py", {"task": "dates", "sentence": "9 may 2018"}),  # en-fr: its outputs are French
])  # fmt: skip
def test_the_none_and_location_scorers_are_said_in_chinese(page, query):
    assert_no_english_sentence(open_page(page, **query))
