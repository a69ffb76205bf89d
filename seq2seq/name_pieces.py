"""Whole target pieces for the names a fine-tuning run's dictionary teaches (`train --name-pieces N`).

A SentencePiece vocabulary trained on Tatoeba's English spells a name it rarely saw in many pieces:
"Beijing" is ▁Be i j ing, "Tianjin" ▁T ian j in. A model fine-tuned on dictionary data then has to
learn a four-step spelling from a few dozen examples, and greedy decoding often stops after the first
piece ("Welcome to Be."). Here the --init model's target vocabulary gets one more piece per such name,
appended after the old ones, so every old id keeps its meaning, and the model's target rows grow to
match, each new row starting as the mean of the rows of the pieces that spelled the name:

    E'[v] = mean_{u in pieces(v)} E[u]      (decoder.embedding.weight, shape (V', E))
    W'[v] = mean_{u in pieces(v)} W[u]      (decoder.W_o.weight (V', H) and its bias (V',))

so the new piece begins where its spelling's pieces are, and the old rows are copied unchanged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import torch

from seq2seq.tokenizers import SentencePieceTokenizer

# The model tensors with one row per target id.
TARGET_ROWS = ("decoder.embedding.weight", "decoder.W_o.weight", "decoder.W_o.bias")
MIN_PIECES = 3  # a name spelled in fewer pieces is learnt well enough as it is
_WORD = r"[A-Z][a-z]+(?:['’][a-z]+)?"  # Beijing, Shanghai, Xi'an
# A name: a capitalised word inside a sentence (not its first, which any word can be), or a whole pair's
# English that is only capitalised words ("Beijing", "Great Wall").
_INSIDE = re.compile(rf"(?<=[ (\"]){_WORD}\b")
_ONLY_NAMES = re.compile(rf"{_WORD}(?: {_WORD})*")


def names_to_add(target: SentencePieceTokenizer, english: Iterable[str], at_least: int) -> list[str]:
    """The capitalised words of `english` (the dictionary pairs' English side) used at least `at_least`
    times that `target` spells in MIN_PIECES or more pieces, in order of first use."""
    counts: Counter[str] = Counter()
    for text in english:
        counts.update(text.split() if _ONLY_NAMES.fullmatch(text) else _INSIDE.findall(text))
    return [name for name, n in counts.items() if n >= at_least and len(target.encode(name)) >= MIN_PIECES]


def grow_rows(
    weights: dict[str, torch.Tensor], old: SentencePieceTokenizer, new: SentencePieceTokenizer
) -> dict[str, torch.Tensor]:
    """`weights` (a model's state dict for `old`'s vocabulary) for `new` = `old` with pieces appended:
    each tensor of TARGET_ROWS gets one row per new piece, the mean of the rows of the old pieces that
    spell it (the module's equations); every other tensor and every old row unchanged."""
    # "▁Beijing" read by the old vocabulary: ▁Be i j ing (SentencePiece writes the word's ▁ itself)
    spellings = [old.encode(new.piece(i).removeprefix("▁")) for i in range(old.vocab_size, new.vocab_size)]
    grown = dict(weights)
    for key in TARGET_ROWS:
        rows = weights[key]
        extra = torch.stack([rows[spelling].float().mean(dim=0) for spelling in spellings]).to(rows.dtype)
        grown[key] = torch.cat([rows, extra])
    return grown
