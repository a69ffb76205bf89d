"""Every page in Chinese: with ``lang=zh`` at most 5% of what a page writes is English-only.

The pages run on the shipped models (pretrained/), so zh-en, en-fr and the synthetic tasks all show.
Each page opens as a link would open it; the pages' other states (tabs, views, steps) have their own
cases in the tests of their areas.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from explorer.ui.shell.language import LABEL
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, app_test, ok
from tests.i18n_fixtures import CJK, SENTENCES, assert_chinese, counted, page_texts

SCRIPTS = tuple(f"app_pages/{p.name}" for p in sorted((ROOT / "app_pages").glob("*.py")))


def open_page(script: str, **query) -> AppTest:
    at = app_test(script, PAGE_TIMEOUT)
    at.query_params.update(query)
    return ok(at.run())


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_page_is_chinese_with_lang_zh(script):
    at = open_page(script, lang="zh")
    assert_chinese(at)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_page_stays_english_by_default(script):
    """English is kept as it is: without a choice (AppTest has no browser locale) nothing is Chinese
    but the switch's label and zh-en's sentences and tokens."""
    at = open_page(script)
    texts = [t for t in counted(page_texts(at)) if t != LABEL and t.strip("*") not in SENTENCES]
    chinese = [t for t in texts if CJK.search(t) and "zh-en" not in t]
    assert len(chinese) <= 0.05 * len(texts), chinese
