"""Raw SentencePiece pieces, one switch away: a sidebar toggle on every page, the choice kept in the session.

By default every token the app shows writes SentencePiece's word-start marker "▁" as a dot a newcomer
reads ("·Je ·suis ·fatigué ."; explorer.figures.common.shown_token), and the captions under the heatmaps
say what the dot means (`note`). The toggle shows the pieces as the tokenizer writes them, "▁" and all.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from explorer.figures import common
from explorer.i18n import N_, _

KEY = "pieces_raw_switch"  # the toggle's session value: True shows the raw pieces
LABEL = N_("Raw pieces (▁)")
HELP = N_(
    "Show subword pieces as SentencePiece writes them, with ▁ before a piece that starts a word. "
    "Off: a dot · marks a word's start instead, and the words read as you write them."
)
NOTE = N_("· starts a word; a piece without it continues the word before it (·jou ent reads jouent).")


def _session_form() -> str | None:
    """The current session's piece form, or None outside a script run (a server thread, a test)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    try:
        return common.RAW if st.session_state.get(KEY) else common.READER
    except Exception:  # no session behind this context (AppTest teardown): the default  # noqa: BLE001
        return None


# Every token shown asks the session it is drawn for, fragments and callbacks included.
common.set_piece_source(_session_form)


def toggle() -> None:
    """Draw the sidebar's toggle (off: the reader's form)."""
    st.sidebar.toggle(_(LABEL), key=KEY, help=_(HELP))


def note(*sides: Sequence[str]) -> str | None:
    """The caption that explains the word-start dot, when one of `sides` (token lists) has a SentencePiece
    word start and the reader's form is on; else None."""
    if common.piece_form() == common.RAW or not any(common.has_word_starts(tokens) for tokens in sides):
        return None
    return _(NOTE)
