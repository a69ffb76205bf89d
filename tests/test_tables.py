"""A page's table (explorer.ui.common.tables): Streamlit's data grid on a page of one's own, a still table for a
live class's follower (issue 62: a phone read Compare's scorer table in a canvas that cost its lesson start time)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from explorer.ui.shell import layout

SCRIPT = """
import pandas as pd
from explorer.ui.common import tables
frame = pd.DataFrame({"scorer": ["dot", "none"], "τ": [0.5, None], "BLEU": [12.25, 3.5]})
tables.table(frame, FOLLOWING, placeholder="–")
"""


def _page(following: bool) -> AppTest:
    at = AppTest.from_string(SCRIPT.replace("FOLLOWING", str(following)))
    at.run()
    assert not at.exception
    return at


def test_a_follower_reads_every_row_in_a_still_table_a_missing_value_as_the_grids_dash():
    at = _page(True)
    assert not at.dataframe and len(at.table) == 1
    shown = at.table[0].value
    assert list(shown.columns) == ["scorer", "τ", "BLEU"]
    assert shown["scorer"].tolist() == ["dot", "none"] and shown["BLEU"].tolist() == [12.25, 3.5]
    assert [str(v) for v in shown["τ"]] == ["0.5", layout.MISSING]


def test_a_page_of_ones_own_keeps_the_data_grid_with_its_options():
    at = _page(False)
    assert not at.table and len(at.dataframe) == 1
    grid = at.dataframe[0]
    assert grid.value["τ"].isna().tolist() == [False, True] and grid.proto.placeholder == layout.MISSING
