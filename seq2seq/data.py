"""Turning text pairs into padded, length-bucketed batches of ids."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .tokenizers import BOS, EOS, PAD, UNK, Tokenizer


@dataclass(frozen=True)
class Batch:
    src: torch.Tensor  # (B, S) source ids + </s>, padded
    src_lengths: torch.Tensor  # (B,)
    tgt_in: torch.Tensor  # (B, T) <s> + target ids, padded
    tgt_out: torch.Tensor  # (B, T) target ids + </s>, padded (the loss ignores PAD)

    @property
    def num_tokens(self) -> int:
        return int((self.tgt_out != PAD).sum())

    def to(self, device) -> Batch:
        return Batch(self.src.to(device), self.src_lengths, self.tgt_in.to(device), self.tgt_out.to(device))


def encode_pairs(
    pairs: Sequence[tuple[str, str]], source: Tokenizer, target: Tokenizer, max_len: int
) -> list[tuple[list[int], list[int]]]:
    """(source ids + </s>, target ids) for each pair whose sides fit in max_len tokens."""
    encoded = []
    for src_text, tgt_text in pairs:
        src_ids, tgt_ids = source.encode(src_text) + [EOS], target.encode(tgt_text)
        if len(src_ids) <= max_len and len(tgt_ids) + 1 <= max_len:
            encoded.append((src_ids, tgt_ids))
    return encoded


def collate(pairs: Sequence[tuple[list[int], list[int]]]) -> Batch:
    """Padded tensors of (source ids, target ids) pairs: src (B, S), tgt_in <s> y (B, T), tgt_out y </s>.

    Rows are padded as Python lists and each tensor is built in one call: filling a tensor row by
    row was a visible share of a training step (docs/performance.md, "Figures behind the code").
    """
    src_len = max(len(s) for s, _ in pairs)
    tgt_len = max(len(t) for _, t in pairs) + 1
    src = torch.tensor([[*s] + [PAD] * (src_len - len(s)) for s, _ in pairs], dtype=torch.long)
    tgt_in = torch.tensor([[BOS, *t] + [PAD] * (tgt_len - 1 - len(t)) for _, t in pairs], dtype=torch.long)
    tgt_out = torch.tensor([[*t, EOS] + [PAD] * (tgt_len - 1 - len(t)) for _, t in pairs], dtype=torch.long)
    return Batch(src, torch.tensor([len(s) for s, _ in pairs]), tgt_in, tgt_out)


def substitute_unk(src: torch.Tensor, rate: float, generator: torch.Generator) -> torch.Tensor:
    """src with each real source token replaced by <unk> with probability `rate` (never </s> or padding).

    src: (B, S) long ids, padded. One uniform number is drawn per position, padding included, so
    what `generator` yields next depends only on the batch's shape: a seeded generator gives the
    same masks on every run. rate 0 returns `src` itself and draws nothing. Why: a character model
    otherwise never sees <unk> in training, yet every unknown character of a user's input is one.
    """
    if rate == 0:
        return src
    draw = torch.rand(src.shape, generator=generator)  # (B, S) on the generator's device (CPU)
    replace = (draw < rate) & (src != PAD) & (src != EOS)
    return torch.where(replace, torch.full_like(src, UNK), src)


def bucketed_batches(num_pairs: int, lengths: Sequence[int], batch_size: int, seed: int) -> list[list[int]]:
    """Index batches of similar length (little padding), in a seeded random order.

    Pairs are shuffled, sorted by length within windows of 50 batches, cut into batches, and the
    batches shuffled: the same seed always gives the same batches.
    """
    rng = random.Random(seed)
    order = list(range(num_pairs))
    rng.shuffle(order)
    window = batch_size * 50
    batches = []
    for start in range(0, num_pairs, window):
        chunk = sorted(order[start : start + window], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches
