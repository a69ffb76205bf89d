"""A decoded sentence as plain data: the one shape the app's pages, figures and downloads read.

A `Trace` (seq2seq.decoding) keeps the model's tensors until they are read; `Trace.plain(...)`
reads them once into a `DecodedSentence` of lists, floats and strings: a value that pickles (so it
can sit in ``st.session_state`` and be cached by ``st.cache_data``), compares with ``==``, and
converts to the JSON the CLI prints and the app downloads (`DecodedSentence.to_json`, which is
what `Trace.to_json` returns).

No torch here: the explorer's figure builders import this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .metrics import row_entropy

if TYPE_CHECKING:
    from .beam import BeamNode, Hypothesis


@dataclass(frozen=True)
class Sampling:
    """How a sampled decode drew its tokens: a what-if of it goes on with the same draws."""

    temperature: float
    seed: int


@dataclass(frozen=True)
class DecodedStep:
    """One target token and everything the model computed to choose it (seq2seq.decoding.Step as plain data)."""

    position: int  # 0-based target position
    token: str  # display piece
    token_id: int
    prob: float  # p(token) under the model (temperature 1)
    topk: list[tuple[str, int, float]]  # (piece, id, prob), most probable first
    scores: list[float] | None  # raw scores over the source (S,), None without attention
    attention: list[float] | None  # the weights used (S,), None without attention
    forced: bool  # chosen by the caller (what-if or teacher forcing)
    # The step's vectors, kept only when the sentence keeps its states (`DecodedSentence.has_states`).
    decoder_state: list[float] | None = None  # h_t: the query the scorer used
    context: list[float] | None = None  # c_t
    attentional_state: list[float] | None = None  # h~_t

    @property
    def candidates(self) -> list[tuple[str, float]]:
        """The top-k as (piece, prob), most probable first."""
        return [(piece, prob) for piece, _, prob in self.topk]

    def to_json(self) -> dict:
        """The step as the trace's JSON writes it (top-k without ids)."""
        return {
            "token": self.token,
            "id": self.token_id,
            "prob": self.prob,
            "topk": [[piece, prob] for piece, _, prob in self.topk],
            "scores": list(self.scores) if self.scores is not None else None,
            "forced": self.forced,
        }


class StepsView:
    """What a decode's `steps` say, read the same way by `DecodedSentence` and seq2seq.decoding.Trace.

    A step is anything with `token` (display piece), `token_id` and `attention` ((S,) weights, None
    without attention): a DecodedStep here, a seq2seq.decoding.Step there.
    """

    steps: Sequence

    @property
    def num_steps(self) -> int:
        return len(self.steps)

    @property
    def target_tokens(self) -> list[str]:
        return [s.token for s in self.steps]

    @property
    def token_ids(self) -> list[int]:
        return [s.token_id for s in self.steps]

    @property
    def has_attention(self) -> bool:
        return bool(self.steps) and self.steps[0].attention is not None

    @property
    def attention(self) -> list[list[float]] | None:
        """(T, S): one row per target token, one column per source token; None without attention."""
        if not self.has_attention:
            return None
        return [list(s.attention) for s in self.steps]


@dataclass(frozen=True)
class DecodedSentence(StepsView):
    """A whole decode of one sentence by one model, as plain data.

    `model` is the registry name of the model that decoded it ("" when it has none); `sampling`
    says the temperature and seed of a sampled decode (None otherwise); `encoder_states` and the
    steps' vectors are None unless the states were kept; `hypotheses` and `tree` are a beam
    search's (seq2seq.decoding.Translator.beam), None otherwise.
    """

    model: str
    source: str  # the normalized source text the model read
    source_tokens: list[str]  # </s> included
    steps: list[DecodedStep]
    scorer: str
    strategy: str  # "greedy", "sample", "beam" or "forced"
    output: str
    logprob: float  # sum of log p(token) over the steps
    hit_max_len: bool
    encoder_states: list[list[float]] | None = None  # (S, H) h_s
    hypotheses: list[Hypothesis] | None = None  # best first
    tree: list[BeamNode] | None = None  # every node the search expanded, the root first
    sampling: Sampling | None = None

    # -- what the pages read (num_steps, target_tokens, token_ids, attention: StepsView) -------
    @property
    def has_states(self) -> bool:
        return self.encoder_states is not None

    @property
    def decoder_states(self) -> list[list[float]]:
        """(T, H) h_t of every step (needs the states kept)."""
        return [list(self._state(s.decoder_state)) for s in self.steps]

    @property
    def mean_entropy(self) -> float | None:
        """Mean attention row entropy in nats (0 = every row on one source token); None without attention."""
        attention = self.attention
        if not attention:
            return None
        return sum(row_entropy(r) for r in attention) / len(attention)

    def visible(self, step: int) -> tuple[list[str], list[str], list[list[float]] | None]:
        """Source tokens, the first `step` target tokens and their attention rows (None without)."""
        attention = self.attention
        return self.source_tokens, self.target_tokens[:step], None if attention is None else attention[:step]

    def current(self, step: int) -> DecodedStep | None:
        """The latest step shown when `step` tokens are (index step - 1, clamped to the last); None at 0."""
        if step <= 0 or not self.steps:
            return None
        return self.steps[min(step, self.num_steps) - 1]

    # -- the JSON document ---------------------------------------------------------------------
    def to_json(self, states: bool = False) -> dict:
        """Plain JSON: the keys the CLI promises (and the app downloads), states too when asked."""
        data = {
            "source": self.source,
            "output": self.output,
            "scorer": self.scorer,
            "strategy": self.strategy,
            "source_tokens": list(self.source_tokens),
            "target_tokens": self.target_tokens,
            "attention": self.attention,
            "steps": [s.to_json() for s in self.steps],
            "logprob": self.logprob,
            "hit_max_len": self.hit_max_len,
        }
        if states:
            data["encoder_states"] = [list(h) for h in self._state(self.encoder_states)]
            data["decoder_states"] = self.decoder_states
            data["contexts"] = [list(self._state(s.context)) for s in self.steps]
            data["attentional_states"] = [list(self._state(s.attentional_state)) for s in self.steps]
        if self.hypotheses is not None:
            data["hypotheses"] = [h.to_json() for h in self.hypotheses]
            data["tree"] = [n.to_json() for n in self.tree]
        return data

    @staticmethod
    def _state(value):
        if value is None:
            raise ValueError("this decoded sentence was made without its states (Trace.plain(states=False))")
        return value
