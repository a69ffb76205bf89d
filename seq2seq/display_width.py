"""How many monospace columns text takes (Unicode East Asian Width, UAX #11).

len() undercounts Chinese: 我 and 。 take two columns each. The CLI's tables align with this, and
the app's SVG heatmap sizes its labels with it.
"""

from __future__ import annotations

import unicodedata


def char_columns(ch: str) -> int:
    """Columns one character takes: 2 for wide and full-width ones (CJK, ideographic punctuation
    such as 。), 0 for combining marks, else 1."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes in a monospace font: the sum of its characters' columns."""
    return sum(char_columns(ch) for ch in text)


def ljust(text: str, width: int) -> str:
    """`text` padded with spaces to `width` columns (str.ljust counts characters, not columns)."""
    return text + " " * max(width - display_width(text), 0)
