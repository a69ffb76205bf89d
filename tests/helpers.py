"""Tiny models and translators shared by the library tests: plain builders, not fixtures.

Everything here is small enough to run hundreds of times in a second on a busy CPU
(hidden 16, embedding 8) and seeded, so a failure reproduces exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from seq2seq.config import CELLS, SCORERS, ModelConfig
from seq2seq.data import Batch, collate
from seq2seq.decoding import Translator
from seq2seq.model import Seq2Seq
from seq2seq.tokenizers import CharTokenizer

# Tiny models gain nothing from intra-op threads, and on a busy machine a thread pool waiting
# for a free core makes each call 100x slower.
torch.set_num_threads(1)

ATTENTION_SCORERS = tuple(s for s in SCORERS if s != "none")
ALPHABET = "abcdefgh "
# (source, target) pairs of different lengths: padding is exercised on both sides of a batch.
PAIRS = (
    ("abc", "cba"),
    ("hgfedcba", "abcdefgh"),
    ("a b c", "c b a"),
    ("e", "e"),
)
# num_layers and bidirectional per cell, so every scorer x cell grid covers both values of each.
SHAPES = {"rnn": (1, False), "gru": (2, True), "lstm": (2, False)}


def char_tokenizer(alphabet: str = ALPHABET) -> CharTokenizer:
    return CharTokenizer(alphabet)


def tiny_config(
    scorer: str = "general",
    cell: str = "gru",
    num_layers: int = 1,
    bidirectional: bool = True,
    hidden_size: int = 16,
    embedding_size: int = 8,
    vocab_size: int | None = None,
    max_target_len: int = 12,
    max_source_len: int = 16,
    **overrides,
) -> ModelConfig:
    """A ModelConfig for the character tokenizer of ALPHABET (same vocabulary on both sides)."""
    vocab = vocab_size or char_tokenizer().vocab_size
    return ModelConfig(
        src_vocab_size=vocab,
        tgt_vocab_size=vocab,
        scorer=scorer,
        cell=cell,
        embedding_size=embedding_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        bidirectional=bidirectional,
        max_source_len=max_source_len,
        max_target_len=max_target_len,
        **overrides,
    )


def tiny_model(seed: int = 0, **kwargs) -> Seq2Seq:
    """A seeded, untrained Seq2Seq in eval mode."""
    torch.manual_seed(seed)
    return Seq2Seq(tiny_config(**kwargs)).eval()


def tiny_translator(seed: int = 0, topk: int = 5, **kwargs) -> Translator:
    """A Translator over tiny_model(seed, **kwargs) with character tokenizers of ALPHABET."""
    tokenizer = char_tokenizer()
    return Translator(tiny_model(seed, **kwargs), tokenizer, tokenizer, name="tiny", topk=topk)


def grid(scorers: Sequence[str] = SCORERS, cells: Sequence[str] = CELLS) -> list[tuple[str, str]]:
    return [(s, c) for s in scorers for c in cells]


def teacher_batch(translator: Translator, pairs: Sequence[tuple[str, str]] = PAIRS) -> Batch:
    """The padded batch training builds (seq2seq.data.collate) for `pairs`."""
    encoded = [(translator.encode_source(src), translator.target_tokenizer.encode(tgt)) for src, tgt in pairs]
    return collate(encoded)


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Copies of every parameter and buffer, by name."""
    state = {f"param:{k}": v.detach().clone() for k, v in model.named_parameters()}
    state |= {f"buffer:{k}": v.detach().clone() for k, v in model.named_buffers()}
    return state


def changed(model: torch.nn.Module, before: dict[str, torch.Tensor]) -> list[str]:
    """Names of parameters or buffers that differ from `before` (torch.equal), or appeared/vanished."""
    after = snapshot(model)
    names = sorted(set(before) | set(after))
    return [n for n in names if n not in before or n not in after or not torch.equal(before[n], after[n])]


def letters_translator(scorer: str = "general", seed: int = 0) -> Translator:
    """A tiny untrained translator over a–z and space (room for ordinary words), for views tests."""
    tokenizer = CharTokenizer("abcdefghijklmnopqrstuvwxyz ")
    torch.manual_seed(seed)
    config = tiny_config(scorer=scorer, vocab_size=tokenizer.vocab_size, max_source_len=32)
    return Translator(Seq2Seq(config), tokenizer, tokenizer, name=f"tiny/{scorer}")
