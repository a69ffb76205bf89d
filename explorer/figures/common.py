"""What every figure shares: token labels for axes, escaping for plotly's labels, titles that fit, colours,
shape checks.

The builders run inside a page's script run, so the texts they write (titles, axis titles, legends,
hover texts) are translated there with `_` into the session's language. A hover template keeps
plotly's ``%{...}`` placeholders out of the message: the message names its own placeholders
(``"weight {weight}"``) and `hover` fills them with plotly's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from explorer import i18n
from explorer.i18n.setting import ContextSetting
from explorer.state.view import COLOR_SCALES, DEFAULT_COLORS
from seq2seq.display_width import char_columns, display_width
from seq2seq.numbering import numbered

# -- the attention heatmaps' colour scale ------------------------------------------------------------
# Every heatmap of attention weights (fixed at 0–1) draws on the scale the viewer chose: ColorBrewer
# Blues (0 white, 1 dark blue) or cividis (0 dark blue, 1 yellow), which readers with any common
# colour-vision deficiency see alike and whose lightness rises evenly from end to end, so it stays
# readable on a washed-out projector. Like the language it is per browser session: the Streamlit
# layer installs a reader of the session's choice with `set_scale_source` (explorer.ui.shell.colors),
# `using_scale(name)` sets it for a block (tests), anything else draws Blues. Differences (RdBu,
# diverging), gold alignments (Greens) and the Lab's normalised importances keep their own scales.
PLOTLY_SCALES = {"blues": "Blues", "cividis": "Cividis"}  # a name of COLOR_SCALES -> plotly's scale
HEATMAP_COLORS = PLOTLY_SCALES[DEFAULT_COLORS]  # the default scale, plotly's name

# The scale in force (explorer.i18n.setting): `using_scale`'s, else the installed source's, else blues.
_SCALE = ContextSetting("explorer_heatmap_scale", allowed=COLOR_SCALES, default=DEFAULT_COLORS)
using_scale, scale_name, set_scale_source = _SCALE.using, _SCALE.current, _SCALE.install


def heatmap_colors() -> str:
    """Plotly's name of the colour scale in force, for a heatmap of weights 0–1."""
    return PLOTLY_SCALES[scale_name()]


# -- SentencePiece's word-start marker, as a reader sees it ----------------------------------------
# SentencePiece writes "▁" before a piece that starts a word ("▁Je ▁suis ▁fatigué ."), which a class reads
# as noise. By default every token shown (axis labels, hovers, the output so far) writes that marker as
# WORD_START, a dot a newcomer reads as "a word starts here" (the captions under the heatmaps say so); a
# piece without it continues the word before it. The raw pieces are one switch away (explorer.ui.shell.pieces,
# in the sidebar); exports and the lessons' checks always read the raw tokens.
SP_MARKER = "\u2581"
WORD_START = "\u00b7"  # "·"
READER, RAW = "reader", "raw"
_PIECES = ContextSetting("explorer_piece_form", allowed=(READER, RAW), default=READER)
using_pieces, piece_form, set_piece_source = _PIECES.using, _PIECES.current, _PIECES.install


def settings_in_force() -> tuple[str, str, str]:
    """What a figure's look depends on beside its data: the language, the colour scale and the piece form in force
    (a cache of figures shared by sessions keys on them: explorer.ui.common.cached)."""
    return i18n.current(), scale_name(), piece_form()


def shown_token(token: str) -> str:
    """`token` as the app shows it: SentencePiece's leading "▁" written as WORD_START, unless raw pieces are on."""
    if not token.startswith(SP_MARKER) or piece_form() == RAW:
        return token
    return WORD_START + token[len(SP_MARKER) :]


def has_word_starts(tokens: Sequence[str]) -> bool:
    """Whether any of `tokens` carries SentencePiece's word-start marker (a caption then explains the mark)."""
    return any(token.startswith(SP_MARKER) for token in tokens)


def position_labels(tokens: Sequence[str]) -> list[str]:
    """'03 t': the position a person reads (seq2seq.numbering: from 1) keeps repeated tokens apart on an
    axis (plotly merges equal labels); each token as shown (`shown_token`)."""
    return numbered([shown_token(token) for token in tokens])


# -- Chinese, Japanese and Korean labels stand upright ----------------------------------------------
# A CJK character is never turned on its side: a column label with one is written horizontally (its number
# on one line, the token under it), and the axis never turns its labels; a Latin label may angle.
_CJK = re.compile(r"[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    """Whether `text` has a Chinese, Japanese or Korean character (or full-width punctuation)."""
    return bool(_CJK.search(text))


def plotly_text(text: str) -> str:
    """Escape &, < and > so plotly draws text as typed.

    Plotly reads a small HTML subset in every label: without this "</s>" is drawn as nothing
    (a closing strike-through tag) and a token "<b>" turns the rest of a label bold.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hover(message: str, **fields: str) -> str:
    """A hover template from a translated `message` whose named placeholders are filled with plotly's
    (``hover(_("weight {weight}"), weight="%{z:.3f}")``), closed with an empty <extra> box."""
    return message.format(**fields) + "<extra></extra>"


# Plotly never wraps a title: one wider than its figure is cut at the edge. A Chinese character
# takes about twice the width of a Latin letter, so titles are measured in display columns
# (seq2seq.display_width) and broken into lines past TITLE_COLUMNS; each extra line adds
# TITLE_LINE_PX to the figure's top margin.
TITLE_COLUMNS = 80  # a full-width figure of the wide layout
HALF_TITLE_COLUMNS = 44  # a figure in one of two columns
TITLE_LINE_PX = 22
_NO_LINE_START = set("，。、：；！？）」』》〉”’,.:;!?)]")


def _title_units(text: str) -> list[str]:
    """Pieces a line may break between: runs of narrow characters (words, with their trailing spaces),
    and every wide (CJK) character alone; closing punctuation stays with what it closes."""
    units: list[str] = []
    for ch in text:
        wide = char_columns(ch) == 2
        if units and (ch in _NO_LINE_START or ch == " "):
            units[-1] += ch
        elif wide or not units or units[-1].endswith(" ") or char_columns(units[-1][-1]) == 2:
            units.append(ch)
        else:
            units[-1] += ch
    return units


def wrap_title(text: str | None, columns: int = TITLE_COLUMNS) -> tuple[str | None, int]:
    """`text` broken with <br> into lines of at most `columns` display columns, and how many lines
    were added (0: unchanged). A single word wider than a line stays whole."""
    if not text or display_width(text) <= columns or "<br>" in text:
        return text, 0
    lines, line = [], ""
    for unit in _title_units(text):
        if line and display_width((line + unit).rstrip()) > columns:
            lines.append(line.rstrip())
            line = unit.lstrip()
        else:
            line += unit
    lines.append(line.rstrip())
    return "<br>".join(lines), len(lines) - 1


# An axis of tokens: every token labelled (dtick 1: plotly would otherwise drop every other label
# of a narrow chart), horizontally while the labels fit, upright once they would overlap (the
# Compare page's grid, long sentences): plotly picks between the two angles at draw time.
TOKEN_TICKS = {"type": "category", "dtick": 1, "autotickangles": [0, -90]}


# -- the Decode page: top-k (the attention override's before and after), links -----------------
# (The current step's bars and "Explain this cell"'s are SVG in the page: explorer.figures.svg_bars.)
CHOSEN_COLOR, OTHER_COLOR, SCORE_COLOR = "#d62728", "#1f77b4", "#7f7f7f"


def check_row(name: str, values: Sequence[float], source_tokens: Sequence[str]) -> list[float]:
    row = [float(v) for v in values]
    if len(row) != len(source_tokens):
        raise ValueError(f"{name} have {len(row)} values but there are {len(source_tokens)} source tokens")
    return row
