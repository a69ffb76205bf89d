"""Importance of each source token for one decoding step, computed on the model's own graph.

The quantity explained is the log-probability of one token w at output step t, with the output
prefix y_<t held fixed (teacher forcing), as a function of the source embeddings
x = (x_1 .. x_S), </s> included (S positions, E features each):

    f(x) = log p(y_t = w | y_<t, x) = log_softmax(W_o h~_t)[w]

`next_token_logprobs` computes it: the encoder after its embedding lookup
(`Encoder.from_embeddings`) and the decoder's own step over <s> and the prefix, the same calls a
forced decode makes (it reproduces `Translator.force_ids` within 1e-5, tested). Three answers to
"which source tokens mattered for w", one value per source position:

- gradient x input (Captum `InputXGradient`): GxI_s = || df/dx_s ⊙ x_s ||_2, the norm over the E
  features, so a magnitude (>= 0) without a direction.
- integrated gradients (Captum `IntegratedGradients`, Sundararajan et al. 2017) from the baseline
  x' = embed(<pad>) at every position (a source of nothing but padding, run through the encoder
  like any source, all S positions attended):
      IG_s = sum_e (x_se - x'_se) * integral_0^1 df(x' + a (x - x'))/dx_se da,
  the integral by Captum's Gauss-Legendre rule with `ig_steps` points. Summed over the features,
  signed: completeness, sum_s IG_s = f(x) - f(x'), holds for the sum (a norm would lose both it and
  the sign), so a positive value is a token that raised w's log-probability over the padding
  baseline and a negative one a token that lowered it. Captum's convergence delta is
  delta = sum_s IG_s - (f(x) - f(x')), the quadrature's error.
- leave-one-out (Captum `FeatureAblation`, one position's E features as one feature):
      LOO_s = f(x) - f(x with x_s replaced by embed(<unk>)),
  signed, the same as a forced decode of the source with token s replaced by <unk> (tested). The
  </s> position is ablated like the others: the model reads it as a source token, and attention
  puts weight on it.

Everything runs with gradients enabled outside inference mode (the translator's own methods run
inside it) and touches no module state, so a translator shared between threads stays safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from captum.attr import FeatureAblation, InputXGradient, IntegratedGradients

from ..decoding import MAX_OUTPUT_TOKENS, InputError, Translator
from ..messages import N_
from ..model import Seq2Seq
from ..specials import UNK

MAX_IG_STEPS = 1024  # a bound on the work one request can cause (the bar is set at 32)


@dataclass(frozen=True)
class StepImportance:
    """The three importances of every source token for one output token, with attention beside them.

    All vectors have one value per source position S (</s> included), in source order.
    """

    source_tokens: tuple[str, ...]  # (S,) display pieces, </s> last
    position: int  # the output step t = len(prefix)
    token: str  # the explained token w (display piece)
    token_id: int
    logprob: float  # f(x) = log p(w | prefix, source)
    attention: tuple[float, ...] | None  # (S,) a_t at this step; None for the `none` scorer
    grad_x_input: tuple[float, ...]  # (S,) ||df/dx_s ⊙ x_s||_2 >= 0
    integrated_gradients: tuple[float, ...]  # (S,) signed, sums to f(x) - f(x') + ig_delta
    ig_delta: float  # Captum's convergence delta: sum_s IG_s - (f(x) - f(x'))
    leave_one_out: tuple[float, ...]  # (S,) f(x) - f(x with x_s := embed(<unk>)), signed

    def to_json(self) -> dict:
        """Plain JSON data: lists, floats, strings (None for no attention)."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}


def next_token_logprobs(
    model: Seq2Seq, embedded: torch.Tensor, prefix: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """log p(y_t | y_<t = prefix, x) for source embeddings x: embedded (B, S, E) -> (B, V), a_t (B, S).

    Every row is a whole unpadded source of S positions (</s> included), all decoded with the same
    prefix of target ids (t = len(prefix)). The encoder runs on the embeddings given
    (`Encoder.from_embeddings`), the decoder steps over <s> and the prefix with the model's own
    step (`Decoder.advance`, then `output_logits` at the last), as `Translator.force_ids` does.
    Differentiable in `embedded`. The attention a_t is that of the last step; None for the `none`
    scorer.
    """
    batch, length = embedded.shape[:2]
    encoded = model.encoder.from_embeddings(embedded, torch.full((batch,), length, dtype=torch.long))
    decoder, memory = model.decoder, encoded.memory
    hidden, feed = encoded.hidden, model.init_feed(encoded)
    keys = decoder.scorer.project_keys(memory)
    for prev in (model.config.bos_id, *prefix):
        tokens = torch.full((batch,), int(prev), dtype=torch.long, device=embedded.device)
        # `Decoder.step` without its output layer, which only the last step needs (the batch forward
        # splits it alike). pad_mask None: every position is real, as in the translator's decode.
        _, weights, _, _, feed, hidden = decoder.advance(
            decoder.token_inputs(tokens), hidden, feed, memory, None, projected_keys=keys
        )
    logits = decoder.output_logits(feed)  # (B, V): W_o h~_t + b_o
    return torch.log_softmax(logits.float(), dim=-1), weights


def _check_prefix(translator: Translator, prefix: Sequence[int]) -> tuple[int, ...]:
    ids = tuple(int(i) for i in prefix)
    vocab, eos = translator.config.tgt_vocab_size, translator.config.eos_id
    if any(not 0 <= i < vocab for i in ids):
        raise InputError(N_("the prefix has a token id outside the target vocabulary (0..{last})"), last=vocab - 1)
    if eos in ids:
        raise InputError(N_("the prefix contains </s>: the decode has ended there, there is no next step"))
    if len(ids) >= MAX_OUTPUT_TOKENS:
        raise InputError(
            N_("the prefix is {length} tokens long; a decode has at most {limit} steps"),
            length=len(ids),
            limit=MAX_OUTPUT_TOKENS,
        )
    return ids


def step_importance(
    translator: Translator,
    source: str,
    prefix: Sequence[int],
    token_id: int | None = None,
    ig_steps: int = 32,
) -> StepImportance:
    """The importance of each source token for `token_id` at output step len(prefix) (module docstring).

    `prefix` holds the target ids already produced (</s> excluded), `token_id` the explained token
    (None: the most probable one after the prefix, the greedy choice). `source` is normalized and
    checked like any decode's (InputError when empty or too long). `ig_steps` is integrated
    gradients' number of points (1..MAX_IG_STEPS).

    Cost: one plain pass, one backward pass (gradient x input), one batch of `ig_steps` forward and
    backward passes (integrated gradients) and one batch of S forward passes (leave-one-out).
    """
    if isinstance(ig_steps, bool) or not isinstance(ig_steps, int) or not 1 <= ig_steps <= MAX_IG_STEPS:
        raise InputError(
            N_("ig_steps must be a whole number from 1 to {high}, got {value!r}"), high=MAX_IG_STEPS, value=ig_steps
        )
    ids = translator.encode_source(source)
    prefix = _check_prefix(translator, prefix)
    model, device = translator.model, translator.device
    config = translator.config
    with torch.inference_mode(False), torch.enable_grad():
        embedding = model.encoder.embedding.weight.detach()  # (V_src, E)
        src = torch.tensor(ids, device=device)
        x = embedding[src].unsqueeze(0)  # (1, S, E): the source's embeddings, a leaf
        pad = embedding[config.pad_id].expand_as(x)  # (1, S, E): the baseline x'
        unk = embedding[UNK].expand_as(x)  # (1, S, E): every position's <unk>
        with torch.no_grad():
            logprobs, weights = next_token_logprobs(model, x, prefix)  # (1, V), (1, S)
        if token_id is None:
            token_id = int(logprobs[0].argmax())
        elif not 0 <= int(token_id) < config.tgt_vocab_size:
            raise InputError(
                N_("token id {token_id} is outside the target vocabulary (0..{last})"),
                token_id=token_id,
                last=config.tgt_vocab_size - 1,
            )
        token_id = int(token_id)

        def f(embedded: torch.Tensor) -> torch.Tensor:  # (B, S, E) -> (B,)
            return next_token_logprobs(model, embedded, prefix)[0][:, token_id]

        x.requires_grad_()  # Captum differentiates with respect to it (and warns if it must set this)
        gxi = InputXGradient(f).attribute(x)  # (1, S, E): df/dx ⊙ x
        ig, delta = IntegratedGradients(f).attribute(
            x, baselines=pad, n_steps=ig_steps, return_convergence_delta=True
        )  # (1, S, E), (1,)
        positions = torch.arange(len(ids), device=device).view(1, -1, 1)  # (1, S, 1): one feature per token
        loo = FeatureAblation(f).attribute(
            x, baselines=unk, feature_mask=positions, perturbations_per_eval=len(ids)
        )  # (1, S, E), each position's value repeated over its features
    return StepImportance(
        source_tokens=tuple(translator.source_tokenizer.piece(i) for i in ids),
        position=len(prefix),
        token=translator.target_tokenizer.piece(token_id),
        token_id=token_id,
        logprob=float(logprobs[0, token_id]),
        attention=None if weights is None else tuple(weights[0].float().tolist()),
        grad_x_input=tuple(gxi[0].detach().float().norm(dim=-1).tolist()),
        integrated_gradients=tuple(ig[0].detach().float().sum(dim=-1).tolist()),
        ig_delta=float(delta.reshape(-1)[0]),
        leave_one_out=tuple(loo[0, :, 0].detach().float().tolist()),
    )
