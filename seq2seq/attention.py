"""Attention scorers and the one masked `attend()` they share.

Following OpenNMT's split, a scorer only returns raw scores; `attend()` masks padding and
normalizes, so the app can show raw scores and weights side by side. Every scorer carries its
formula (plain text and LaTeX) and its reference as data: the app explains a cell from the same
place the code computes it.

Shapes: query ``h_t`` (B, H); keys ``h_s`` (B, S, H); scores (B, S); pad_mask (B, S), True = padding.
``projected`` is what ``project_keys(keys)`` returned (a per-sentence cache), or None: then it is computed.

Each scorer's ``symbols`` maps every symbol of its formula to the parameter it names (``b_a`` is
concat's ``U_a.bias`` and location's ``W_a.bias``), and covers every learned tensor the scorer has:
tests/test_formula_truth.py recomputes the scores of the shipped models from the formula and these
tensors alone. ``explain(query, keys)`` gives the named terms of one step's scores, computed by the
scorer's own functions, for the app's "Explain this cell".

The classes are the one list of scorers: each registers under its name (``class DotScorer(Scorer,
name="dot")``) in ``SCORER_CLASSES``, which ``make_scorer``, ``SCORER_INFO`` and
``scorer_has_weights`` read. ``seq2seq.scorers.SCORERS`` repeats only the names, in display order,
for what must not import torch (the configs, the app's catalog); importing this module checks that
the two agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .messages import N_
from .scorers import FIXED, POSITIONAL, SCORERS

SCORER_CLASSES: dict[str, type[Scorer]] = {}  # name -> class, filled as the classes below are defined


class Scorer(nn.Module):
    """Base class: ``score(query, keys) -> (B, S)`` raw, unnormalized scores.

    A subclass names itself in its class line, ``class DotScorer(Scorer, name="dot")``, which
    registers it in SCORER_CLASSES; its formula, latex, reference and description are class data.
    """

    name = ""
    formula = ""  # plain text, as the code computes it
    latex = ""
    reference = ""  # where the scorer comes from
    description = ""  # one line for readers: what the score compares (marked with N_: the app translates it)
    # nn.Linear layers applied to the query (B, H) at every step: Seq2Seq.use_decoding_layout keeps
    # their weights transposed in memory, the faster layout for a batch of one.
    query_layers: tuple[str, ...] = ()
    # One learned row per source position, keys unused: a model takes sources only up to the length it
    # was trained on (seq2seq.scorers.POSITIONAL names the same scorers, for what must not import torch).
    positional = False
    # Weights that do not depend on the states (seq2seq.scorers.FIXED names the same scorers): the lab's
    # baseline, which it does not ask whether its attention explains.
    fixed = False
    # Formula symbol -> the parameter it names (a path for nn.Module.get_parameter). Every parameter
    # of the scorer appears here, so the formula shown cannot leave a learned tensor out.
    symbols: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, name: str = "", **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if name:
            if name in SCORER_CLASSES:
                raise TypeError(f"two scorer classes are called {name!r}")
            cls.name = name
            SCORER_CLASSES[name] = cls

    @classmethod
    def build(cls, hidden_size: int, max_source_len: int) -> Scorer:
        """A scorer for states of `hidden_size` features and sources of up to `max_source_len` positions."""
        return cls()

    def symbol_values(self) -> dict[str, torch.Tensor]:
        """The tensor behind each formula symbol, e.g. {"W_a": (H, H), "b_a": (H,)} for concat."""
        return {symbol: self.get_parameter(path) for symbol, path in self.symbols.items()}

    def explain(self, query: torch.Tensor, keys: torch.Tensor) -> dict[str, torch.Tensor]:
        """The named terms of one query's scores: query h_t (H,), keys h_s (S, H) -> {LaTeX name: (S,)}.

        Each term is one number per source position, computed by this scorer's own functions; the
        last entry is always "score", what `score()` returns for this query and these keys.
        """
        return {"score": self._score_one(query, keys)}

    def _score_one(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """score() for one query (H,) and its keys (S, H) -> (S,)."""
        return self.score(query.unsqueeze(0), keys.unsqueeze(0))[0]

    def explain_cell(self, query: Sequence[float], keys: Sequence[Sequence[float]], s: int) -> dict[str, float]:
        """The terms of one cell's score, score_ts = score(h_t, h_s) (this scorer's `formula`), as numbers.

        query: h_t (H,) and keys: every h_s (S, H), as the floats a decoded sentence keeps
        (seq2seq.decoded); they go through `explain` in this scorer's own dtype and device, and
        position `s`'s value of each term is returned, {LaTeX name: float}, ending with "score".
        """
        parameter = next(self.parameters(), None)
        dtype = parameter.dtype if parameter is not None else torch.float32
        device = parameter.device if parameter is not None else torch.device("cpu")
        with torch.inference_mode():
            terms = self.explain(
                torch.tensor(query, dtype=dtype, device=device), torch.tensor(keys, dtype=dtype, device=device)
            )
        return {name: float(values[s].detach()) for name, values in terms.items()}

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor | None:
        """The part of the score that depends on the keys alone, or None if there is none (also `none`'s).

        Decoding computes it once per sentence (`Translator.start`) and passes it to every step as
        ``projected``, instead of recomputing it at each step; the formula is unchanged.
        """
        return None

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        return self.score(query, keys, projected)


class NoAttention(Scorer, name="none"):
    """No attention: the decoder sees only the encoder's final state."""

    formula = N_("no attention: the decoder reads only the encoder's final state")  # words, not a formula: marked
    latex = r"\text{no attention}"
    reference = "Sutskever, Vinyals and Le (2014), Sequence to Sequence Learning with Neural Networks"
    description = N_("no attention: the baseline that reads one summary of the whole source")

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        raise RuntimeError("the 'none' scorer computes no attention")


def dot_each(keys: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
    """keys (B, S, H) · query (B, H) -> (B, S): the dot product of the query with every key.

    A broadcast multiply and sum, not torch.bmm: bmm of B tiny (S, H) x (H, 1) products was several
    times slower, forward and backward, at training batch sizes on CPU, and no faster at batch 1
    (docs/performance.md, "Figures behind the code").
    """
    return (keys * query.unsqueeze(1)).sum(-1)


class DotScorer(Scorer, name="dot"):
    """score(h_t, h_s) = h_t · h_s"""

    formula = "score(h_t, h_s) = h_t · h_s"
    latex = r"\mathrm{score}(h_t, \bar h_s) = h_t^\top \bar h_s"
    reference = "Luong, Pham and Manning (2015), Effective Approaches to Attention-based NMT"
    description = N_("the dot product of the decoder state with each encoder state; no weights of its own")

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        return dot_each(keys, query)  # (B, S)

    def explain(self, query: torch.Tensor, keys: torch.Tensor) -> dict[str, torch.Tensor]:
        return {r"h_t^\top \bar h_s": keys @ query, "score": self._score_one(query, keys)}


class ScaledDotScorer(Scorer, name="scaled_dot"):
    """score(h_t, h_s) = h_t · h_s / sqrt(d), d = the state size."""

    formula = "score(h_t, h_s) = h_t · h_s / sqrt(d)"
    latex = r"\mathrm{score}(h_t, \bar h_s) = \frac{h_t^\top \bar h_s}{\sqrt{d}}"
    reference = "Vaswani et al. (2017), Attention Is All You Need"
    description = N_("the dot product divided by the square root of the state size; no weights of its own")

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        return dot_each(keys, query) / math.sqrt(keys.size(-1))  # (B, S)

    def explain(self, query: torch.Tensor, keys: torch.Tensor) -> dict[str, torch.Tensor]:
        return {
            r"h_t^\top \bar h_s": keys @ query,
            r"\sqrt{d}": keys.new_full((keys.size(0),), math.sqrt(keys.size(-1))),
            "score": self._score_one(query, keys),
        }


class GeneralScorer(Scorer, name="general"):
    """score(h_t, h_s) = h_t^T W_a h_s, W_a (H, H); no bias (a bias b_a would add h_t · b_a, the same
    for every source position, which the softmax cancels)."""

    formula = "score(h_t, h_s) = h_t^T W_a h_s"
    latex = r"\mathrm{score}(h_t, \bar h_s) = h_t^\top W_a \bar h_s"
    reference = "Luong, Pham and Manning (2015), Effective Approaches to Attention-based NMT"
    description = N_("a learned bilinear form between the decoder state and each encoder state")
    symbols: ClassVar[dict[str, str]] = {"W_a": "W_a.weight"}

    def __init__(self, hidden_size: int):
        super().__init__()
        self.W_a = nn.Linear(hidden_size, hidden_size, bias=False)

    @classmethod
    def build(cls, hidden_size: int, max_source_len: int) -> Scorer:
        return cls(hidden_size)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """W_a h_s for every source position, (B, S, H): the same at every decoding step.

        h_t^T W_a h_s = h_t · (W_a h_s), so projecting the keys once per sentence (or training
        batch) leaves one dot product per source position to each step, instead of a product
        with the (H, H) matrix at every step.
        """
        return F.linear(keys, self.W_a.weight)  # nn.Linear's x W^T: row s is (W_a h_s)^T

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        keys_part = self.project_keys(keys) if projected is None else projected  # (B, S, H): W_a h_s
        return dot_each(keys_part, query)  # (B, S)

    def explain(self, query: torch.Tensor, keys: torch.Tensor) -> dict[str, torch.Tensor]:
        projected = self.project_keys(keys)  # (S, H): W_a h_s
        return {
            r"\lVert h_t \rVert": query.norm().expand(keys.size(0)),
            r"\lVert W_a \bar h_s \rVert": projected.norm(dim=-1),
            "score": self._score_one(query, keys),
        }


class ConcatScorer(Scorer, name="concat"):
    """Additive attention: score(h_t, h_s) = v_a^T tanh(W_a h_t + U_a h_s + b_a).

    W_a, U_a (H, H); b_a (H,) is U_a's bias (inside the tanh it shifts every unit, so unlike a bias
    outside it, it changes the weights); v_a (H,).
    """

    formula = "score(h_t, h_s) = v_a^T tanh(W_a h_t + U_a h_s + b_a)"
    latex = r"\mathrm{score}(h_t, \bar h_s) = v_a^\top \tanh(W_a h_t + U_a \bar h_s + b_a)"
    reference = "Bahdanau, Cho and Bengio (2015), Neural Machine Translation by Jointly Learning to Align and Translate"
    description = N_("additive: a small learned network scores each encoder state against the decoder state")
    query_layers = ("W_a",)
    symbols: ClassVar[dict[str, str]] = {
        "W_a": "W_a.weight",
        "U_a": "U_a.weight",
        "b_a": "U_a.bias",
        "v_a": "v_a.weight",
    }

    def __init__(self, hidden_size: int):
        super().__init__()
        self.W_a = nn.Linear(hidden_size, hidden_size, bias=False)
        self.U_a = nn.Linear(hidden_size, hidden_size, bias=True)
        self.v_a = nn.Linear(hidden_size, 1, bias=False)

    @classmethod
    def build(cls, hidden_size: int, max_source_len: int) -> Scorer:
        return cls(hidden_size)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """U_a h_s + b_a for every source position, (B, S, H): the same at every decoding step."""
        return self.U_a(keys)

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        keys_part = self.U_a(keys) if projected is None else projected  # (B, S, H): U_a h_s + b_a
        # W_a as a function of its weight, not a module call (whose hook handling costs microseconds
        # a step at batch 1); the sum is a new tensor, so tanh can run in place on it.
        energy = torch.add(keys_part, F.linear(query, self.W_a.weight).unsqueeze(1)).tanh_()  # (B, S, H)
        # v_a^T energy as a product with v_a's one row: a matrix-vector product, not nn.Linear's
        # (B*S, H) x (H, 1) matrix product and squeeze (a third of the time at batch 1).
        return energy @ self.v_a.weight[0]  # (B, S)

    def explain(self, query: torch.Tensor, keys: torch.Tensor) -> dict[str, torch.Tensor]:
        """The sizes of the two parts inside the tanh, then the score."""
        return {
            r"\lVert W_a h_t \rVert": F.linear(query, self.W_a.weight).norm().expand(keys.size(0)),
            r"\lVert U_a \bar h_s + b_a \rVert": self.project_keys(keys).norm(dim=-1),
            "score": self._score_one(query, keys),
        }


class LocationScorer(Scorer, name="location"):
    """Location-based: score(h_t, s) = (W_a h_t + b_a)_s, one score per source position, keys unused.

    W_a (max_source_len, H), b_a (max_source_len,): row s scores source position s.
    """

    positional = True

    formula = N_("score(h_t, s) = (W_a h_t + b_a)_s   (depends on the position s only, not on h_s)")  # words: marked
    latex = r"\mathrm{score}(h_t, s) = (W_a h_t + b_a)_s"
    reference = "Luong, Pham and Manning (2015), Effective Approaches to Attention-based NMT"
    description = N_("a learned score per source position, from the decoder state alone (the keys are unused)")
    query_layers = ("W_a",)
    symbols: ClassVar[dict[str, str]] = {"W_a": "W_a.weight", "b_a": "W_a.bias"}

    def __init__(self, hidden_size: int, max_source_len: int):
        super().__init__()
        self.W_a = nn.Linear(hidden_size, max_source_len, bias=True)

    @classmethod
    def build(cls, hidden_size: int, max_source_len: int) -> Scorer:
        return cls(hidden_size, max_source_len)

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        scores = F.linear(query, self.W_a.weight, self.W_a.bias)  # (B, max_source_len)
        return scores[:, : keys.size(1)]  # (B, S): positions beyond the source dropped

    def explain(self, query: torch.Tensor, keys: torch.Tensor) -> dict[str, torch.Tensor]:
        """The two summands of each position's score: (W_a h_t)_s and (b_a)_s."""
        positions = keys.size(0)
        return {
            "(W_a h_t)_s": F.linear(query, self.W_a.weight)[:positions],
            "(b_a)_s": self.W_a.bias[:positions],
            "score": self._score_one(query, keys),
        }


class UniformScorer(Scorer, name="uniform"):
    """Uniform attention: score(h_t, h_s) = 0 for every real source position, so a_t,s = 1/S and the
    context is the mean of the encoder states, c_t = (1/S) sum_s h_s.

    Wiegreffe & Pinter's baseline (2019, "Attention is not not Explanation", section 3.1): a model
    trained with its attention frozen at uniform. If it does as well as a model that learned where to
    look, the learned weights were not needed for the task. No parameters; ``attend`` masks the
    padding, so a batch's shorter sentences average their own positions only.
    """

    fixed = True
    formula = N_(
        "score(h_t, h_s) = 0, so every source position gets 1/S: the context is the mean of the encoder states"
    )
    latex = r"\mathrm{score}(h_t, \bar h_s) = 0 \;\Rightarrow\; a_{ts} = \tfrac{1}{S}"
    reference = "Wiegreffe and Pinter (2019), Attention is not not Explanation, section 3.1"
    description = N_(
        "uniform: every source position weighs the same, the baseline that learns nothing about where to look"
    )

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected: torch.Tensor | None = None) -> torch.Tensor:
        return keys.new_zeros(keys.shape[:2])  # (B, S): the masked softmax of zeros is 1/S on real positions


def _check_registry() -> None:
    """ImportError unless the scorer classes and seq2seq.scorers.SCORERS name the same scorers."""
    unlisted = [name for name in SCORER_CLASSES if name not in SCORERS]
    missing = [name for name in SCORERS if name not in SCORER_CLASSES]
    if unlisted or missing:
        raise ImportError(
            "seq2seq/scorers.py SCORERS and the scorer classes of seq2seq/attention.py differ: "
            f"classes not listed {unlisted}, listed without a class {missing}"
        )
    positional = sorted(name for name, cls in SCORER_CLASSES.items() if cls.positional)
    if positional != sorted(POSITIONAL):
        raise ImportError(
            f"seq2seq/scorers.py POSITIONAL {sorted(POSITIONAL)} and the positional scorer classes of "
            f"seq2seq/attention.py {positional} differ"
        )
    fixed = sorted(name for name, cls in SCORER_CLASSES.items() if cls.fixed)
    if fixed != sorted(FIXED):
        raise ImportError(f"seq2seq/scorers.py FIXED {sorted(FIXED)} and the fixed scorer classes {fixed} differ")


_check_registry()


def make_scorer(name: str, hidden_size: int, max_source_len: int) -> Scorer:
    """The scorer called `name`, sized for states of `hidden_size` features."""
    cls = SCORER_CLASSES.get(name)
    if cls is None:
        raise ValueError(f"unknown scorer {name!r}")
    return cls.build(hidden_size, max_source_len)


def scorer_has_weights(name: str) -> bool:
    """Whether the scorer learns weights of its own (general, concat, location: what
    `train --score-lr-scale` scales), rather than comparing the states as they are."""
    return any(True for _ in make_scorer(name, 1, 1).parameters())


# name -> its formula (plain and LaTeX), reference and description, in SCORERS order: read from the classes.
SCORER_INFO = {
    name: {
        "formula": SCORER_CLASSES[name].formula,
        "latex": SCORER_CLASSES[name].latex,
        "reference": SCORER_CLASSES[name].reference,
        "description": SCORER_CLASSES[name].description,
    }
    for name in SCORERS
}


def attend(scores: torch.Tensor, pad_mask: torch.Tensor | None) -> torch.Tensor:
    """Masked softmax over source positions: a_t = softmax(score) over real positions.

    scores (B, S) raw; pad_mask (B, S) bool, True = padding, or None when nothing is padded (one
    sentence decoded on its own). Returns weights (B, S) that sum to 1 over real positions and are
    exactly 0.0 on padding.
    """
    if pad_mask is None:
        return torch.softmax(scores, dim=-1)
    masked = scores.masked_fill(pad_mask, float("-inf"))
    return torch.softmax(masked, dim=-1)  # exp(-inf) is exactly 0.0: padding gets no weight
