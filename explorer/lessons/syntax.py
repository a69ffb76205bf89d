"""A lesson text's syntax, which the placeholders (explorer.lessons.placeholders) and the tokens of a step's view
(explorer.lessons.tokens) both read: what a placeholder looks like, what a code span is, and a token's value.

Its own module so that those two need only it, not each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Anything in braces that starts like a name is meant as a placeholder (its form is checked).
PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)(?::([^{}]*))?\}")
# A code span (`…`, ``…``) or a fenced block: kept as written, numbers and braces included.
CODE = re.compile(r"```.*?```|(`+)(?:(?!\1).)+?\1", re.DOTALL)
PIECE = "piece"  # {view.token:piece}: a token as the page writes it, SentencePiece's word mark ▁ kept


@dataclass(frozen=True)
class Token:
    """A token of the step's view's decode (or its sentence, or its output): shown as a code span, `text` as a
    word (SentencePiece's word mark ▁ left out), `piece` as the page's heatmap writes it (``{view.token:piece}``)."""

    text: str
    piece: str = ""
