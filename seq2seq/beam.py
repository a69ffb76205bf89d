"""Beam search that records its whole tree, and never calls the model.

Like OpenNMT's search strategies, `BeamSearch.advance(log_probs)` receives the next-token
log-probabilities of the live hypotheses and answers which of them continue with which token;
the caller runs the model. Tests drive it with hand-made tables.

Expansion keeps the `width` best continuations by cumulative log-probability
(sum_t log p(y_t | y_<t, x)); finished hypotheses are ranked by that sum divided by their
length ** length_penalty (0 = raw sum), so longer outputs are not penalized for every extra word.

`BatchBeamSearch` runs that same search for many sentences at once (`translate --beam`): the live
hypotheses of every sentence are one batch of rows, and it keeps no tree.

The search's records hold token ids only (`SearchNode`, `SearchHypothesis`). A beam trace carries
them with the target tokenizer's pieces and text (`BeamNode`, `Hypothesis`): frozen values that
pickle (the app caches them) and write the JSON the CLI prints (`to_json`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch


def length_normalized(cumulative: float, depth: int, length_penalty: float) -> float:
    """The ranking score of a hypothesis: cumulative log-probability / length ** length_penalty."""
    return cumulative / max(depth, 1) ** length_penalty


@dataclass(frozen=True)
class SearchNode:
    """A node the search expanded: one token chosen after `parent` (root: parent None, token_id None)."""

    id: int  # index in the search's tree (root: 0)
    parent: int | None  # the node it extends (root: None)
    token_id: int | None  # the token chosen (root: None)
    logprob: float  # log p(token | prefix)
    cumulative: float  # sum of log-probabilities from the root
    depth: int  # number of tokens on the path


@dataclass(frozen=True)
class SearchHypothesis:
    """A path the search ranks, as the search knows it: token ids only."""

    token_ids: tuple[int, ...]  # (depth,) the tokens from the root, </s> last when finished
    logprob: float  # cumulative log-probability
    score: float  # logprob / len ** length_penalty, used for ranking
    finished: bool  # ended with </s> (False: cut at max_len)
    node: int  # the tree node it ends at (-1: BatchBeamSearch keeps no tree)


# What a beam trace carries (seq2seq.decoding.Translator.beam): the pieces and text come from the
# target tokenizer, which the search never sees, so they are added to its records afterwards.
@dataclass(frozen=True)
class BeamNode(SearchNode):
    """A node of a beam search's tree with its token's display piece.

    id, parent, token_id, logprob, cumulative, depth: as in SearchNode.
    token: the display piece of token_id; "<s>" at the root.
    """

    token: str

    @classmethod
    def of(cls, node: SearchNode, piece: Callable[[int], str]) -> BeamNode:
        return cls(**vars(node), token=piece(node.token_id) if node.token_id is not None else "<s>")

    def to_json(self) -> dict:
        """The node as the trace's JSON writes it (key order included)."""
        return {
            "id": self.id,
            "parent": self.parent,
            "token": self.token,
            "token_id": self.token_id,
            "logprob": self.logprob,
            "cumulative": self.cumulative,
            "depth": self.depth,
        }


@dataclass(frozen=True)
class Hypothesis(SearchHypothesis):
    """A final hypothesis of a beam search with its pieces and text, best first in a trace.

    token_ids (depth,), logprob, score, finished, node: as in SearchHypothesis (node: a BeamNode's id).
    tokens: (depth,) the display piece of each of token_ids, "</s>" included when finished.
    text: the detokenized output (token_ids decoded, </s> left out).
    """

    tokens: tuple[str, ...]
    text: str

    @classmethod
    def of(
        cls, hypothesis: SearchHypothesis, piece: Callable[[int], str], decode: Callable[[Sequence[int]], str]
    ) -> Hypothesis:
        ids = hypothesis.token_ids
        return cls(**vars(hypothesis), tokens=tuple(piece(i) for i in ids), text=decode(ids))

    def to_json(self) -> dict:
        """The hypothesis as the trace's JSON writes it (key order included; `ids` are token_ids)."""
        return {
            "tokens": list(self.tokens),
            "ids": list(self.token_ids),
            "text": self.text,
            "logprob": self.logprob,
            "score": self.score,
            "finished": self.finished,
            "node": self.node,
        }


class BeamSearch:
    """State of one beam search over a single source sentence."""

    def __init__(self, width: int, eos_id: int, max_len: int, length_penalty: float = 1.0):
        if width < 1:
            raise ValueError("beam width must be at least 1")
        self.width, self.eos_id, self.max_len = int(width), eos_id, int(max_len)
        self.length_penalty = length_penalty
        self.tree: list[SearchNode] = [SearchNode(0, None, None, 0.0, 0.0, 0)]
        self.alive: list[int] = [0]  # node ids of live hypotheses, in the caller's batch order
        self.finished: list[int] = []
        self._cut: list[int] = []  # hypotheses stopped by max_len

    @property
    def done(self) -> bool:
        return not self.alive

    def advance(self, log_probs: torch.Tensor) -> tuple[list[int], list[int]]:
        """log_probs (n_alive, V) -> (parent row, token) of each hypothesis that lives on.

        Returns the rows of `log_probs` to keep (for reordering the decoder state) and the
        tokens to feed next; both empty when the search is done.
        """
        if log_probs.size(0) != len(self.alive):
            raise ValueError(f"expected {len(self.alive)} rows of log-probabilities, got {log_probs.size(0)}")
        cumulative = torch.tensor([self.tree[i].cumulative for i in self.alive], dtype=log_probs.dtype)
        totals = (cumulative[:, None] + log_probs).reshape(-1)  # (n_alive * V,)
        vocab = log_probs.size(1)
        best = totals.topk(min(self.width, totals.numel()))
        parents, tokens, alive = [], [], []
        for total, flat in zip(best.values.tolist(), best.indices.tolist(), strict=True):
            row, token = divmod(flat, vocab)
            parent = self.tree[self.alive[row]]
            node = SearchNode(len(self.tree), parent.id, token, float(log_probs[row, token]), total, parent.depth + 1)
            self.tree.append(node)
            if token == self.eos_id:
                self.finished.append(node.id)
            elif node.depth >= self.max_len:
                self._cut.append(node.id)
            else:
                alive.append(node.id)
                parents.append(row)
                tokens.append(token)
        if len(self.finished) >= self.width:
            self._cut.extend(alive)
            alive, parents, tokens = [], [], []
        self.alive = alive
        return parents, tokens

    def path(self, node_id: int) -> tuple[int, ...]:
        tokens = []
        node = self.tree[node_id]
        while node.parent is not None:
            tokens.append(node.token_id)
            node = self.tree[node.parent]
        return tuple(reversed(tokens))

    def hypotheses(self) -> list[SearchHypothesis]:
        """Finished hypotheses (or, if none finished, those cut at max_len), best first."""
        pool = [(i, True) for i in self.finished] or [(i, False) for i in self._cut + self.alive]
        result = []
        for node_id, finished in pool:
            node = self.tree[node_id]
            score = length_normalized(node.cumulative, node.depth, self.length_penalty)
            result.append(SearchHypothesis(self.path(node_id), node.cumulative, score, finished, node_id))
        result.sort(key=lambda h: h.score, reverse=True)
        return result[: self.width]


class BatchBeamSearch:
    """`BeamSearch` for many source sentences at once, without the tree (what `translate --beam` needs).

    Each sentence gets the search `BeamSearch` runs on it alone: keep the `width` best
    continuations by cumulative log-probability, a hypothesis ending in </s> finishes, one reaching
    `max_len` tokens is cut, a sentence stops once `width` hypotheses finished, and hypotheses are
    ranked by the same length-normalized score. Only the bookkeeping is batched.

    The live hypotheses of all sentences are the rows of one batch, sentence by sentence (the
    first sentence's, best first, then the second's, ...), so the caller runs the model on live
    rows only. `advance(log_probs)` takes their next-token log-probabilities (n_alive, V) and
    answers which rows continue with which token, in that same order, like `BeamSearch.advance`.
    Internally the sentences are slots of a (batch, width) table; a slot without a live
    hypothesis holds cumulative -inf and is never chosen.
    """

    def __init__(self, batch_size: int, width: int, eos_id: int, max_len: int, length_penalty: float = 1.0):
        if width < 1:
            raise ValueError("beam width must be at least 1")
        if batch_size < 1:
            raise ValueError("a batch needs at least one sentence")
        self.batch_size, self.width, self.eos_id, self.max_len = int(batch_size), int(width), eos_id, int(max_len)
        self.length_penalty = length_penalty
        self.depth = 0  # tokens on every live hypothesis (all grow by one per step)
        # slot 0 of every sentence holds the empty hypothesis; the others are free
        self.alive = torch.zeros(self.batch_size, self.width, dtype=torch.bool)
        self.alive[:, 0] = True
        self.cumulative: torch.Tensor | None = None  # (batch, width) in the log-probabilities' dtype
        self.history = torch.zeros(self.batch_size, self.width, 0, dtype=torch.long)  # tokens of each slot
        self.finished: list[list[SearchHypothesis]] = [[] for _ in range(self.batch_size)]
        self._cut: list[list[SearchHypothesis]] = [[] for _ in range(self.batch_size)]  # stopped by max_len
        self._rows = torch.arange(self.batch_size) * self.width  # flat slot (b * width + j) of each live row

    @property
    def done(self) -> bool:
        return self._rows.numel() == 0

    @property
    def sentences(self) -> torch.Tensor:
        """The sentence (0..batch_size-1) of each live row, (n_alive,): which encoder states it reads."""
        return torch.div(self._rows, self.width, rounding_mode="floor")

    def paths(self) -> list[tuple[int, tuple[int, ...]]]:
        """(sentence, tokens so far) of each live row, in row order."""
        tokens = self.history.reshape(self.batch_size * self.width, self.depth)[self._rows].tolist()
        return [(b, tuple(t)) for b, t in zip(self.sentences.tolist(), tokens, strict=True)]

    def advance(self, log_probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """log_probs (n_alive, V) -> (parent row, token) of each hypothesis that lives on, (n,) each.

        Rows are live hypotheses in the order described above, on any device; the answer (on the
        CPU) gives, in the new order, the row of `log_probs` each new live hypothesis extends (for
        reordering the decoder state) and the token to feed next; both empty when the search is done.
        """
        n = self._rows.numel()
        if log_probs.dim() != 2 or log_probs.size(0) != n:
            raise ValueError(f"expected {n} rows of log-probabilities, got {tuple(log_probs.shape)}")
        B, K, V = self.batch_size, self.width, log_probs.size(1)
        if self.cumulative is None:
            self.cumulative = torch.zeros(B, K, dtype=log_probs.dtype).masked_fill(~self.alive, float("-inf"))
        # The same sums as BeamSearch (cumulative and table in the table's dtype), per live row.
        totals = self.cumulative.view(-1)[self._rows].to(log_probs.device)[:, None] + log_probs  # (n, V)
        # A sentence's `width` best continuations are among its rows' `width` best each: keep only
        # those, then choose among them per sentence (a (B, K * k) table instead of (B, K * V)).
        k = min(K, V)
        row_values, row_tokens = (t.cpu() for t in totals.topk(k, dim=1))  # (n, k), best first
        table = torch.full((B * K, k), float("-inf"), dtype=row_values.dtype)
        table[self._rows] = row_values
        table_tokens = torch.zeros(B * K, k, dtype=torch.long)
        table_tokens[self._rows] = row_tokens
        values, picked = table.view(B, K * k).topk(K, dim=1)  # (B, K), best first per sentence
        parent = torch.div(picked, k, rounding_mode="floor")  # slot extended
        token = table_tokens.view(B, K * k).gather(1, picked)
        valid = self.alive.gather(1, parent)  # a free slot's -inf filler is never a candidate
        depth = self.depth + 1
        ends = valid & (token == self.eos_id)
        grows = valid & (token != self.eos_id)
        if depth >= self.max_len:
            cut, grows = grows, torch.zeros_like(grows)
        else:
            cut = torch.zeros_like(grows)
        self._record(self.finished, ends, parent, token, values, depth, finished=True)
        self._record(self._cut, cut, parent, token, values, depth, finished=False)
        # A sentence with `width` finished hypotheses stops (its live ones could still be recorded
        # as cut, but a sentence with finished hypotheses never ranks cut ones).
        full = torch.tensor([len(f) >= K for f in self.finished])
        grows &= ~full[:, None]
        # Live hypotheses move to the first slots, best first (a stable sort keeps topk's order).
        order = torch.sort((~grows).to(torch.uint8), dim=1, stable=True).indices
        alive = grows.gather(1, order)
        parent = parent.gather(1, order)
        token = token.gather(1, order)
        self.cumulative = values.gather(1, order).masked_fill(~alive, float("-inf"))
        gathered = self.history.gather(1, parent[:, :, None].expand(-1, -1, self.depth))
        self.history = torch.cat([gathered, token[:, :, None]], dim=2)
        row_of_slot = torch.full((B * K,), -1, dtype=torch.long)
        row_of_slot[self._rows] = torch.arange(n)
        new_rows = alive.view(-1).nonzero().squeeze(1)
        sentence = torch.div(new_rows, K, rounding_mode="floor")
        parents = row_of_slot[sentence * K + parent.view(-1)[new_rows]]
        tokens = token.view(-1)[new_rows]
        self.alive, self._rows, self.depth = alive, new_rows, depth
        return parents, tokens

    def _record(
        self,
        into: list[list[SearchHypothesis]],
        mask: torch.Tensor,
        parent: torch.Tensor,
        token: torch.Tensor,
        values: torch.Tensor,
        depth: int,
        finished: bool,
    ) -> None:
        """Append the hypotheses `mask` (batch, width) selects to `into`, sentence by sentence, best first."""
        index = mask.nonzero(as_tuple=True)
        if index[0].numel() == 0:
            return
        prefixes = self.history[index[0], parent[index]].tolist()
        rows = zip(index[0].tolist(), token[index].tolist(), values[index].tolist(), prefixes, strict=True)
        for b, last, cumulative, prefix in rows:
            ids = (*prefix, last)
            score = length_normalized(cumulative, depth, self.length_penalty)
            into[b].append(SearchHypothesis(ids, cumulative, score, finished, -1))

    def hypotheses(self, sentence: int) -> list[SearchHypothesis]:
        """`BeamSearch.hypotheses` for one sentence (finished ones, else those cut), best first.

        `node` is -1: this search keeps no tree.
        """
        pool = self.finished[sentence] or self._cut[sentence]
        return sorted(pool, key=lambda h: h.score, reverse=True)[: self.width]

    def best(self) -> list[SearchHypothesis]:
        """The best hypothesis of every sentence, in batch order (call once the search is done)."""
        return [self.hypotheses(b)[0] for b in range(self.batch_size)]
