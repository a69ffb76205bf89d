"""One decoding step under an attention row of our choosing: what the perturbation experiments share.

The permutation (Jain & Wallace 2019, section 4.1), adversarial (section 4.2), uniform (Wiegreffe &
Pinter 2019) and override (Moradi et al. 2019) experiments all ask the same question of one step t
with its output prefix y_<t held fixed: what does the model predict when a_t is replaced?

    h_t      from the state after the prefix (it does not depend on a_t)
    c_t      = sum_s a_ts h_s               over the real source positions (</s> included)
    h~_t     = tanh(W_c [c_t; h_t])
    p(y_t)   = softmax(W_o h~_t + b_o)

This module owns:
- `state_after`: the DecodeState after a forced prefix (the translator's step API with `choose=`);
- `distribution_with`: p(y_t) (V,) for one attention row, through the step API's `attention=`
  override, the reference every other path is tested against;
- `StepGraph`: the same equations as a differentiable, batched function of the attention
  (R, S) -> (R, V), built from the model's own modules (`Decoder.W_c`, `Decoder.output_logits`;
  no weight is copied), for the adversarial search's gradients and for scoring many rows at once;
- `total_variation` and `jensen_shannon`, the two distances the experiments report, and `jsd_spread`,
  the shape of many steps' JSDs (adversarial, seed variance);
- `top_tokens`: a distribution's most probable tokens as plain data.

A single sentence has no padding, so every position of the state's memory (source tokens and
</s>) is a real position; an attention row here always has one weight per such position.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from seq2seq.decoding import InputError, Translator
from seq2seq.messages import N_
from seq2seq.trace import DecodeState

LN2 = math.log(2.0)  # the largest Jensen-Shannon divergence, in nats (disjoint supports)
# Half the largest JSD (0.5 bits, 0.347 nats): rows this far apart put most of their weight on different
# positions (a one-hot row and a row splitting the same weight evenly over two positions are 0.22 nats apart).
HALF_JSD = LN2 / 2
# A JSD histogram's bins, in nats: fine near 0, where a copying model's rows stay, up to ln 2.
JSD_EDGES = (0.0, 0.01, 0.05, 0.1, 0.2, 0.3, HALF_JSD, 0.5, 0.6, LN2)


def require_attention(translator: Translator) -> None:
    """InputError for a model without attention (scorer `none`): there is no row to perturb."""
    if not translator.has_attention:
        raise InputError(N_("this model has no attention to perturb (scorer 'none')"))


def state_after(translator: Translator, source: str, prefix: Sequence[int | str] = ()) -> DecodeState:
    """The decode state of `source` after the output `prefix` (target ids or pieces) was forced.

    Step t = len(prefix) is the one the experiments perturb. InputError for a source the model
    cannot take; ValueError for a prefix that already ended with </s> or names no target token.
    """
    state = translator.start(source)
    for token in prefix:
        state = translator.step(state, choose=token).next_state
    return state


def distribution_with(translator: Translator, state: DecodeState, attention: Sequence[float] | None) -> torch.Tensor:
    """p(y_t) (V,) float32 at `state` with its attention replaced by `attention` (None: the model's own).

    Through the translator's step API (`Translator.advance(state, attention)`): `attention` has one
    finite, non-negative weight per source position (</s> included) summing to 1 within
    OVERRIDE_TOLERANCE (InputError otherwise). A tensor is accepted and read as float64.
    """
    if isinstance(attention, torch.Tensor):
        attention = attention.detach().double().cpu().tolist()
    out = translator.advance(state, attention)
    return torch.softmax(out.logits[0].float(), dim=-1)


@dataclass(frozen=True)
class StepGraph:
    """Step t as a differentiable function of its attention row: a (..., S) -> p(y_t) (..., V).

    Built by `at(translator, state)`, which runs the step once through the step API for h_t, the
    model's own a_t and p(y_t). `memory` and `query` are plain (not inference-mode) copies of the
    state's h_s and h_t, so autograd can save them; the layers are the decoder's own modules.
    With the model's own row, `distribution` reproduces the translator's p(y_t) within 1e-5 (tested).
    """

    translator: Translator
    state: DecodeState
    memory: torch.Tensor  # (S, H) encoder states h_s
    query: torch.Tensor  # (H,) h_t
    attention: torch.Tensor  # (S,) the model's own a_t
    probs: torch.Tensor  # (V,) the model's own p(y_t), from the step API

    @classmethod
    def at(cls, translator: Translator, state: DecodeState) -> StepGraph:
        require_attention(translator)
        out = translator.advance(state)
        with torch.inference_mode(False):
            return cls(
                translator=translator,
                state=state,
                memory=state.memory[0].float().clone(),
                query=out.query[0].float().clone(),
                attention=out.weights[0].float().clone(),
                probs=torch.softmax(out.logits[0].float(), dim=-1).clone(),
            )

    @property
    def length(self) -> int:
        """S: the number of source positions (</s> included)."""
        return self.memory.size(0)

    def logits(self, attention: torch.Tensor) -> torch.Tensor:
        """W_o tanh(W_c [c_t; h_t]) + b_o for c_t = attention @ h_s: (..., S) -> (..., V), differentiable."""
        decoder = self.translator.model.decoder
        context = attention.to(self.memory.dtype) @ self.memory  # (..., H): c_t
        query = self.query.expand(*context.shape[:-1], -1)  # (..., H): h_t
        attentional = torch.tanh(decoder.W_c(torch.cat([context, query], dim=-1)))  # (..., H): h~_t
        return decoder.output_logits(attentional)  # (..., V)

    def distribution(self, attention: torch.Tensor) -> torch.Tensor:
        """p(y_t) = softmax(logits(attention)): (..., S) -> (..., V)."""
        return torch.softmax(self.logits(attention), dim=-1)


def total_variation(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """TVD(p, q) = 1/2 sum_v |p_v - q_v| over the last dimension, in 0..1."""
    return 0.5 * (p - q).abs().sum(-1)


def jensen_shannon(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """JSD(a, b) = 1/2 KL(a || m) + 1/2 KL(b || m), m = (a + b) / 2, in nats (0..ln 2), over the last dimension.

    Zero weights contribute nothing (0 log 0 = 0); differentiable in both arguments where they are positive.
    """
    m = 0.5 * (a + b)
    kl_a = (torch.xlogy(a, a) - torch.xlogy(a, m)).sum(-1)
    kl_b = (torch.xlogy(b, b) - torch.xlogy(b, m)).sum(-1)
    return (0.5 * (kl_a + kl_b)).clamp_min(0.0)


def jsd_spread(values: Sequence[float]) -> dict:
    """The shape of many steps' JSDs (nats): {"jsd": `stats.distribution` (mean, min, max, p10 .. p90),
    "share_above_half": the share above HALF_JSD (None for no step), "histogram": over JSD_EDGES}."""
    from .stats import distribution, histogram, share

    values = list(values)
    return {
        "jsd": distribution(values),
        "share_above_half": share(sum(1 for v in values if v > HALF_JSD), len(values)),
        "histogram": histogram([min(v, LN2) for v in values], JSD_EDGES),  # ln 2 itself, rounded up, stays in
    }


def top_tokens(translator: Translator, probs: torch.Tensor, k: int = 5) -> list[tuple[str, int, float]]:
    """The `k` most probable tokens of `probs` (V,) as (piece, id, probability), most probable first."""
    values, ids = probs.detach().float().topk(min(k, probs.numel()))
    piece = translator.target_tokenizer.piece
    return [(piece(i), i, p) for p, i in zip(values.tolist(), ids.tolist(), strict=True)]
