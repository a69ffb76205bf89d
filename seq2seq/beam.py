"""Beam search that records its whole tree, and never calls the model.

Like OpenNMT's search strategies, `BeamSearch.advance(log_probs)` receives the next-token
log-probabilities of the live hypotheses and answers which of them continue with which token;
the caller runs the model. Tests drive it with hand-made tables.

Expansion keeps the `width` best continuations by cumulative log-probability
(sum_t log p(y_t | y_<t, x)); finished hypotheses are ranked by that sum divided by their
length ** length_penalty (0 = raw sum), so longer outputs are not penalized for every extra word.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Node:
    """An expanded node: one token chosen after `parent` (root: parent None, token None)."""

    id: int
    parent: int | None
    token_id: int | None
    logprob: float  # log p(token | prefix)
    cumulative: float  # sum of log-probabilities from the root
    depth: int  # number of tokens on the path


@dataclass(frozen=True)
class Hypothesis:
    token_ids: tuple[int, ...]
    logprob: float  # cumulative log-probability
    score: float  # logprob / len ** length_penalty, used for ranking
    finished: bool  # ended with </s> (False: cut at max_len)
    node: int  # the tree node it ends at


class BeamSearch:
    """State of one beam search over a single source sentence."""

    def __init__(self, width: int, eos_id: int, max_len: int, length_penalty: float = 1.0):
        if width < 1:
            raise ValueError("beam width must be at least 1")
        self.width, self.eos_id, self.max_len = int(width), eos_id, int(max_len)
        self.length_penalty = length_penalty
        self.tree: list[Node] = [Node(0, None, None, 0.0, 0.0, 0)]
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
            node = Node(len(self.tree), parent.id, token, float(log_probs[row, token]), total, parent.depth + 1)
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

    def hypotheses(self) -> list[Hypothesis]:
        """Finished hypotheses (or, if none finished, those cut at max_len), best first."""
        pool = [(i, True) for i in self.finished] or [(i, False) for i in self._cut + self.alive]
        result = []
        for node_id, finished in pool:
            node = self.tree[node_id]
            score = node.cumulative / max(node.depth, 1) ** self.length_penalty
            result.append(Hypothesis(self.path(node_id), node.cumulative, score, finished, node_id))
        result.sort(key=lambda h: h.score, reverse=True)
        return result[: self.width]
