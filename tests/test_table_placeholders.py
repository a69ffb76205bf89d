"""No table says "None": a missing value reads "–" (st.dataframe's placeholder) on Home and Models in both
languages (Home's table has none today; Models' has: the none and uniform models have no alignment metrics)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.ui.shell import layout
from tests.app_fixtures import ok

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("app.py", "app_pages/5_Models.py")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("script", PAGES)
def test_every_table_writes_a_dash_for_a_missing_value(script, lang):
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    at.query_params["lang"] = lang
    ok(at.run())
    assert at.dataframe, script
    for table in at.dataframe:
        assert table.proto.placeholder == layout.MISSING == "\u2013"
    if script.endswith("Models.py"):  # the shipped none and uniform models have no alignment metrics
        assert any(table.value.isna().any().any() for table in at.dataframe)
