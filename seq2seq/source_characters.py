"""New source characters for the ones a fine-tuning run's dictionary uses (`train --source-characters`).

The zh-char source vocabulary (seq2seq/zh_tokenizer.py) holds the characters of the corpus it was fitted
on, and fine-tuning keeps it, so that each id means what it meant. A character the corpus never had is
read as <unk>: 芳, 刘, 杨 and 赵 are in no sentence of Tatoeba's cmn-eng.txt, so no dictionary pair can
teach 王芳 → "Wang Fang" (docs/models.md, the fourth names pilot). Here the --init model's source
vocabulary gets one more id per character of the dictionary's Chinese side that it lacks, appended after
the old ones in order of first use (every old id unchanged), and the encoder's embedding grows to match,
each new row starting as the <unk> row:

    E'[v] = E[<unk>]      for each new id v      (encoder.embedding.weight, shape (V', E))
    E'[u] = E[u]          for each old id u < V

so at the first step the model reads the new character exactly as it read it before (as <unk>), and
training moves each row away from there on its own.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from .specials import UNK
from .zh_tokenizer import ZhCharTokenizer

# The model tensors with one row per source id.
SOURCE_ROWS = ("encoder.embedding.weight",)


def characters_to_add(source: ZhCharTokenizer, texts: Iterable[str]) -> list[str]:
    """The single characters of `texts` (the dictionary pairs' Chinese side, normalised as every source
    is) that `source` reads as <unk>, each once, in order of first use."""
    pieces = (piece for text in texts for piece in source.pieces(text) if len(piece) == 1)
    return [c for c in dict.fromkeys(pieces) if source.encode(c) == [UNK]]


def grow_rows(weights: dict[str, torch.Tensor], old: ZhCharTokenizer, new: ZhCharTokenizer) -> dict[str, torch.Tensor]:
    """`weights` (a model's state dict for `old`'s source vocabulary) for `new` = `old` with characters
    appended: each tensor of SOURCE_ROWS gets one row per new id, a copy of its <unk> row (the module's
    equations); every other tensor and every old row unchanged."""
    grown = dict(weights)
    for key in SOURCE_ROWS:
        rows = weights[key]
        grown[key] = torch.cat([rows, rows[UNK].expand(new.vocab_size - old.vocab_size, -1)])
    return grown
