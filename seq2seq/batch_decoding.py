"""Decoding many sentences at once: greedy (`translate_batch`) and beam search (`beam_batch`), batched.

Evaluation, the lab and training's validation translate whole sets. Sentences are sorted by length
and decoded `batch_size` at a time as one padded batch: sources (B, S) with `pad_mask` (B, S),
True = padding; each decoder step takes the previous tokens (B,) and gives logits (B, V). A beam
search's live hypotheses are the batch's rows (up to B x width). They give outputs only: no steps,
attention or tree (for those, decode one sentence with the step API).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .beam import BatchBeamSearch, SearchHypothesis
from .inputs import InputError
from .model import Hidden


def select_rows(hidden: Hidden, index: torch.Tensor) -> Hidden:
    """Rows `index` of a decoder state along the batch dimension: (L, B, H) -> (L, len(index), H), each of (h, c)."""
    if isinstance(hidden, tuple):
        return tuple(h.index_select(1, index) for h in hidden)
    return hidden.index_select(1, index)


class BatchDecoding:
    """The batched decoding methods of `seq2seq.decoding.Translator`, which inherits them.

    They read the translator's `model`, `config`, `device`, `target_tokenizer`, `encode_source` and
    `_max_len`, and keep no state of their own.
    """

    def _encode_many(self, texts: Sequence[str], refused: list[int] | None) -> dict[int, list[int]]:
        """Source ids of every text the model takes, by index; see `translate_batch` for `refused`."""
        encoded_all: dict[int, list[int]] = {}
        for i, text in enumerate(texts):
            try:
                encoded_all[i] = self.encode_source(text)
            except InputError:
                if refused is None:
                    raise
                refused.append(i)
        return encoded_all

    def _encode_padded(self, ids: Sequence[Sequence[int]]):
        """Encode sentences of source ids as one padded batch: (Encoded, the scorer's projected keys)."""
        lengths = torch.tensor([len(x) for x in ids])
        src = torch.full((len(ids), int(lengths.max())), self.config.pad_id, dtype=torch.long)
        for row, x in enumerate(ids):
            src[row, : len(x)] = torch.tensor(x)
        src = src.to(self.device)
        encoded = self.model.encoder(src, lengths)
        # the scorer's keys-only product (concat's U_a h_s, general's W_a h_s) once per batch
        return encoded, self.model.decoder.scorer.project_keys(encoded.memory)

    @torch.inference_mode()
    def translate_batch(
        self,
        texts: Sequence[str],
        max_len: int | None = None,
        batch_size: int = 128,
        refused: list[int] | None = None,
        beam: int | None = None,
    ) -> list[str]:
        """Greedy outputs for many sentences at once (sorted by length so batches pad little).

        An input the model cannot take (empty, over the length limit) raises InputError, unless
        a `refused` list is given: then its output is "" and its index is appended there.
        `beam` K: the best hypothesis of a beam search of width K instead (`beam_batch`).
        """
        if beam:
            best = self.beam_batch(texts, width=beam, max_len=max_len, batch_size=batch_size, refused=refused)
            return ["" if h is None else self.target_tokenizer.decode(h.token_ids) for h in best]
        encoded_all = self._encode_many(texts, refused)
        order = sorted(encoded_all, key=lambda i: len(encoded_all[i]))
        results: list[str] = [""] * len(texts)
        limit = self._max_len(max_len)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            encoded, keys = self._encode_padded([encoded_all[i] for i in chunk])
            hidden, feed = encoded.hidden, self.model.init_feed(encoded)
            prev = torch.full((len(chunk),), self.config.bos_id, device=self.device)
            outputs = torch.zeros((len(chunk), 0), dtype=torch.long, device=self.device)
            finished = torch.zeros(len(chunk), dtype=torch.bool, device=self.device)
            for _ in range(limit):
                out = self.model.decoder.step(prev, hidden, feed, encoded.memory, encoded.pad_mask, projected_keys=keys)
                hidden, feed = out.hidden, out.attentional
                prev = out.logits.argmax(-1)
                outputs = torch.cat([outputs, prev[:, None]], dim=1)
                finished |= prev == self.config.eos_id
                if bool(finished.all()):
                    break
            for row, i in enumerate(chunk):
                tokens = outputs[row].tolist()
                if self.config.eos_id in tokens:
                    tokens = tokens[: tokens.index(self.config.eos_id)]
                results[i] = self.target_tokenizer.decode(tokens)
        return results

    @torch.inference_mode()
    def beam_batch(
        self,
        texts: Sequence[str],
        width: int = 5,
        max_len: int | None = None,
        batch_size: int = 128,
        refused: list[int] | None = None,
    ) -> list[SearchHypothesis | None]:
        """The best hypothesis of `beam(text, width, max_len)` for many sentences, batched (no tree).

        `batch_size` sentences (sorted by length) are searched together: their live hypotheses,
        up to batch_size x width, are one batch of decoder steps (`BatchBeamSearch`), and a
        sentence whose search ended takes no more rows. The result's `token_ids` are those of
        `beam(text).hypotheses[0]` (</s> included when finished), `node` is -1. Refused
        inputs as in `translate_batch` (their entry is None).
        """
        encoded_all = self._encode_many(texts, refused)
        order = sorted(encoded_all, key=lambda i: len(encoded_all[i]))
        results: list[SearchHypothesis | None] = [None] * len(texts)
        limit = self._max_len(max_len)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            encoded, keys = self._encode_padded([encoded_all[i] for i in chunk])
            search = BatchBeamSearch(len(chunk), width=width, eos_id=self.config.eos_id, max_len=limit)
            hidden, feed = encoded.hidden, self.model.init_feed(encoded)
            prev = torch.full((len(chunk),), self.config.bos_id, device=self.device)
            memory, pad_mask, row_keys = encoded.memory, encoded.pad_mask, keys  # one live row per sentence
            sentences = search.sentences
            while True:
                out = self.model.decoder.step(prev, hidden, feed, memory, pad_mask, projected_keys=row_keys)
                parents, tokens = search.advance(torch.log_softmax(out.logits.float(), dim=-1))
                if search.done:
                    break
                index = parents.to(self.device)
                hidden, feed = select_rows(out.hidden, index), out.attentional.index_select(0, index)
                prev = tokens.to(self.device)
                if not torch.equal(search.sentences, sentences):  # rows per sentence changed
                    sentences = search.sentences
                    rows = sentences.to(self.device)
                    memory, pad_mask = encoded.memory.index_select(0, rows), encoded.pad_mask.index_select(0, rows)
                    row_keys = None if keys is None else keys.index_select(0, rows)
            for row, i in enumerate(chunk):
                results[i] = search.hypotheses(row)[0]
        return results
