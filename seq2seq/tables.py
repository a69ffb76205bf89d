"""Plain-text tables for the command line (`models`, `decode`, `evaluate`): columns aligned by display width."""

from __future__ import annotations

from collections.abc import Sequence

from .display_width import display_width, ljust


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table whose columns line up in a terminal, Chinese tokens (two columns each) too."""
    widths = [max(display_width(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(ljust(str(x), w) for x, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
