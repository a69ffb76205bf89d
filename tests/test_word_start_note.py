"""Where a heatmap shows SentencePiece pieces in the reader's form, a caption says what the word-start dot
means (issue 54: "explained in the legend"): Compare, Beam search and Timelapse on en-fr, never on reverse
(characters have no word starts), and not when the raw pieces are asked for (explorer.ui.shell.pieces)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.ui.shell import pieces

PAGES = Path(__file__).resolve().parent.parent / "app_pages"


def _captions(page: str, raw: bool = False, **query) -> list[str]:
    at = AppTest.from_file(str(PAGES / page), default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    if raw:
        at.session_state[pieces.KEY] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return [c.value for c in at.caption]


@pytest.mark.parametrize("page", ["2_Compare.py", "4_Beam_search.py", "7_Timelapse.py"])
def test_the_word_start_dot_is_explained_beside_subword_heatmaps(page):
    query = {"task": "en-fr", "sentence": "I am cold."} if page != "7_Timelapse.py" else {"task": "en-fr"}
    assert pieces.NOTE in _captions(page, **query)
    assert pieces.NOTE not in _captions(page, raw=True, **query)


def test_characters_carry_no_word_start_note():
    assert pieces.NOTE not in _captions("2_Compare.py", task="reverse", sentence="hello")
