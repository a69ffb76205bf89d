"""The step API's values: `DecodeState` (where a decode stands), `Step` (one token chosen, with
everything the model computed for it) and `Trace` (a whole decode).

All three are immutable in use: a state is never changed (`Translator.step` returns the next one)
and the tensors they hold are never written to, so they are safe to share between threads. A
`Trace` converts to plain data (`Trace.plain`, a seq2seq.decoded.DecodedSentence) and to JSON.

Shapes (one sentence, S source positions with </s>, H the decoder's size): encoder states
`memory` (1, S, H) in a state and (S, H) in a trace, `pad_mask` (1, S), the input feed h~_{t-1}
(1, H); a step's c_t, h_t and h~_t are (H,) each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from .beam import BeamNode, Hypothesis
from .decoded import DecodedSentence, DecodedStep, Sampling, StepsView
from .model import Hidden


@dataclass(frozen=True)
class DecodeState:
    """Where a decode stands: never mutated, `step` returns the next one."""

    source_text: str
    source_ids: tuple[int, ...]  # ids fed to the encoder, </s> included
    source_tokens: tuple[str, ...]  # display pieces of source_ids
    memory: torch.Tensor = field(repr=False)  # (1, S, H) encoder states
    pad_mask: torch.Tensor = field(repr=False)  # (1, S) all False for a single sentence
    hidden: Hidden = field(repr=False)  # decoder RNN state
    feed: torch.Tensor = field(repr=False)  # (1, H) h~_{t-1}
    prev_id: int  # y_{t-1}; <s> at the start
    output_ids: tuple[int, ...] = ()  # tokens chosen so far (</s> included once chosen)
    finished: bool = False  # </s> was chosen
    # scorer.project_keys(memory), computed once in `start` (None: the scorer has nothing to precompute).
    # A tensor that is never written to, so sharing it between states and threads is safe.
    projected_keys: torch.Tensor | None = field(default=None, repr=False)

    @property
    def position(self) -> int:
        return len(self.output_ids)

    def after(self, hidden: Hidden, feed: torch.Tensor, token_id: int, eos_id: int) -> DecodeState:
        """The state once `token_id` is chosen: `dataclasses.replace`, written out (it is per step)."""
        return DecodeState(
            source_text=self.source_text,
            source_ids=self.source_ids,
            source_tokens=self.source_tokens,
            memory=self.memory,
            pad_mask=self.pad_mask,
            hidden=hidden,
            feed=feed,
            prev_id=token_id,
            output_ids=self.output_ids + (token_id,),
            finished=token_id == eos_id,
            projected_keys=self.projected_keys,
        )


@dataclass(frozen=True)
class Step:
    """One decoding step as plain data, plus the state that follows it.

    The vectors c_t, h_t and h~_t are kept as the (H,) tensors the model computed (never written
    to) and given as floats by `context`, `decoder_state` and `attentional_state` on demand: most
    steps of a decode are never inspected, and converting all three at every step took a tenth of
    a greedy decode (bench/decode_speed). Equality compares the plain-data fields.
    """

    position: int  # 0-based target position
    token_id: int
    token: str  # display piece
    prob: float  # p(token) under the model (temperature 1)
    topk: tuple[tuple[str, int, float], ...]  # (piece, id, prob), most probable first
    scores: tuple[float, ...] | None  # raw scores over the source, None without attention
    attention: tuple[float, ...] | None  # weights used, None without attention
    forced: bool  # the token was chosen by the caller (what-if or teacher forcing)
    overridden: bool  # the attention weights were replaced by the caller
    next_state: DecodeState = field(repr=False, compare=False)
    context_vector: torch.Tensor = field(repr=False, compare=False)  # (H,) c_t
    query_vector: torch.Tensor = field(repr=False, compare=False)  # (H,) h_t
    attentional_vector: torch.Tensor = field(repr=False, compare=False)  # (H,) h~_t

    @property
    def context(self) -> tuple[float, ...]:
        """c_t"""
        return tuple(self.context_vector.float().tolist())

    @property
    def decoder_state(self) -> tuple[float, ...]:
        """h_t: the query the scorer used."""
        return tuple(self.query_vector.float().tolist())

    @property
    def attentional_state(self) -> tuple[float, ...]:
        """h~_t"""
        return tuple(self.attentional_vector.float().tolist())


@dataclass
class Trace(StepsView):
    """A whole decode: the steps and what the app and CLI show about them.

    num_steps, target_tokens, token_ids, has_attention and attention are read off the steps as a
    DecodedSentence reads them (seq2seq.decoded.StepsView).
    """

    source_text: str
    source_tokens: list[str]
    steps: list[Step]
    scorer: str
    strategy: str
    output: str
    hit_max_len: bool
    memory: torch.Tensor = field(repr=False, compare=False)  # (S, H) encoder states h_s, never written to
    hypotheses: list[Hypothesis] | None = None  # beam search only, best first
    tree: list[BeamNode] | None = None  # beam search only, the root first

    @property
    def encoder_states(self) -> list[list[float]]:
        """One vector per source token: the keys the scorer compared against."""
        return self.memory.float().tolist()

    @property
    def logprob(self) -> float:
        return sum(math.log(max(s.prob, 1e-45)) for s in self.steps)

    def plain(self, model: str = "", states: bool = True, sampling: Sampling | None = None) -> DecodedSentence:
        """This decode as plain data (seq2seq.decoded): tokens, probabilities, scores and weights,
        and with `states` the encoder states h_s and each step's h_t, c_t and h~_t.

        `model` names the model that decoded it (a registry name); `sampling` the temperature and
        seed of a sampled decode, for a what-if that goes on sampling.
        """
        steps = self.steps
        vectors: list[list[list[float]]] = [[], [], []]
        if states and steps:  # one tensor-to-list conversion per kind, not one per step
            vectors = [
                torch.stack([getattr(s, name) for s in steps]).float().tolist()
                for name in ("query_vector", "context_vector", "attentional_vector")
            ]
        return DecodedSentence(
            model=model,
            source=self.source_text,
            source_tokens=list(self.source_tokens),
            steps=[
                DecodedStep(
                    position=s.position,
                    token=s.token,
                    token_id=s.token_id,
                    prob=s.prob,
                    topk=list(s.topk),
                    scores=list(s.scores) if s.scores is not None else None,
                    attention=list(s.attention) if s.attention is not None else None,
                    forced=s.forced,
                    decoder_state=vectors[0][i] if states else None,
                    context=vectors[1][i] if states else None,
                    attentional_state=vectors[2][i] if states else None,
                )
                for i, s in enumerate(steps)
            ],
            scorer=self.scorer,
            strategy=self.strategy,
            output=self.output,
            logprob=self.logprob,
            hit_max_len=self.hit_max_len,
            encoder_states=self.encoder_states if states else None,
            hypotheses=self.hypotheses,
            tree=self.tree,
            sampling=sampling,
        )

    def to_json(self, states: bool = False) -> dict:
        """Plain JSON: the keys the CLI promises (and the app downloads); `DecodedSentence.to_json`."""
        return self.plain(states=states).to_json(states=states)
