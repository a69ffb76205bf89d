"""The Decode page's attention in words, for a screen reader: a sentence per step and the matrix as a table.

A step's announcement names the token the step produced and the source token it attended to most,
with that weight: "Step 2: love — looks most at 爱 (0.83)". Steps are numbered as the page numbers
them ("Step 2 of 5": the second output token, row 2 of the heatmap). The heatmap component reads
the announcement of the step it shows into an ``aria-live`` region (explorer/ui/decode/stepper.js),
so a Step, Back or Reset is spoken as soon as the row is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from explorer import i18n
from explorer.figures.common import position_labels
from explorer.i18n import _
from seq2seq.decoded import DecodedSentence

WORD_START = "▁"  # SentencePiece's mark of a piece that starts a word: not something to read aloud
END = "</s>"


def spoken_token(piece: str) -> str:
    """A token as a screen reader should say it: without the word-start mark, the end token named."""
    if piece == END:
        return _("end of sentence")
    return piece.replace(WORD_START, "") or piece


def step_announcement(
    step: int, token: str | None, source_tokens: Sequence[str], weights: Sequence[float] | None
) -> str:
    """The sentence for the page at `step` (tokens produced so far): the step's token and, with attention
    `weights` (S,), the source token weighted most and its weight to 2 decimals (the first on a tie)."""
    if step <= 0 or token is None:
        return _("Step 0: nothing produced yet")
    finite = [s for s in range(len(weights or ())) if math.isfinite(weights[s])]  # a broken row (NaN) names no token
    if not finite:
        return _("Step {step}: {token}").format(step=step, token=spoken_token(token))
    top = max(finite, key=lambda s: weights[s])
    return _("Step {step}: {token} — looks most at {source} ({weight})").format(
        step=step,
        token=spoken_token(token),
        source=spoken_token(source_tokens[top]),
        weight=i18n.number(weights[top], 2),
    )


def announcements(data: DecodedSentence) -> list[str]:
    """Every step's announcement, index k for the page at step k (0 … num_steps)."""
    texts = [step_announcement(0, None, data.source_tokens, None)]
    for k, row in enumerate(data.steps, start=1):
        texts.append(step_announcement(k, row.token, data.source_tokens, row.attention))
    return texts


def table_rows(
    source_tokens: Sequence[str], target_tokens: Sequence[str], attention: Sequence[Sequence[float]]
) -> tuple[list[str], list[str], list[list[str]]]:
    """The attention matrix as a table's text: (column headers: the source tokens, row headers: the
    output tokens, cells (T, S): the weights to 2 decimals). Headers carry their position ("01 love"),
    so a repeated token stays its own row or column."""
    if len(attention) != len(target_tokens):
        raise ValueError(f"{len(attention)} attention rows for {len(target_tokens)} output tokens")
    cells = [[i18n.number(w, 2) if math.isfinite(w) else _("n/a") for w in row] for row in attention]
    return position_labels(source_tokens), position_labels(target_tokens), cells
