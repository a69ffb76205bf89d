"""Importance of each source token for one decoding step, computed on the model's own graph.

The quantity explained is the log-probability of one token w at output step t, with the output
prefix y_<t held fixed (teacher forcing), as a function of the source embeddings
x = (x_1 .. x_S), </s> included (S positions, E features each):

    f(x) = log p(y_t = w | y_<t, x) = log_softmax(W_o h~_t)[w]

`next_token_logprobs` computes it: the encoder after its embedding lookup
(`Encoder.from_embeddings`) and the decoder's own step over <s> and the prefix, the same calls a
forced decode makes (it reproduces `Translator.force_ids` within 1e-5, tested). Three answers to
"which source tokens mattered for w", one value per source position, under one of two definitions
(`measures`; docs/cli.md, "The lab's measures", says each in words):

``"signed"`` (the default): every value signed, so that a token that raised w's log-probability
and one that lowered it stand apart (a norm would mix the two):

- gradient x input (Captum `InputXGradient`): GxI_s = sum_e df/dx_se * x_se, the first-order
  Taylor share of token s.
- integrated gradients (Sundararajan et al. 2017), from the baseline x' = embed(<pad>) at every
  position (a source of nothing but padding, run through the encoder like any source):
      IG_s = sum_e (x_se - x'_se) * integral_0^1 df(x' + a (x - x'))/dx_se da,
  computed to convergence (`seq2seq.lab.integrated`: from 32 up to 1,024 points, placed where the
  path bends, until |sum_s IG_s - (f(x) - f(x'))| <= min(max(0.01 nats, 1%), 5%) of |f(x) - f(x')|;
  seq2seq.lab.integrated.tolerance).
- leave-one-out: LOO_s = f(x) - f(x without token s). "Without" is `leave_one_out_method`'s choice:
  "deletion" (position s removed and the rest re-encoded, S - 1 positions) wherever the model's
  <unk> embedding was never trained, "unk" (x_s replaced by embed(<unk>)) where training taught it.
Every source position is ranked, </s> included: the model reads it as a source token, and attention
puts weight on it.

``"jain-wallace"``: the definitions of Jain & Wallace (NAACL 2019, "Attention is not Explanation",
section 4.1), every value a magnitude (>= 0):

- gradient: |sum_e df~/dx_se * x_se|, where f~ is f with the attention weights of every decoder step
  held constant (detached): the gradient flows through the encoder states h_s, not through where
  attention looks ("we disconnect the computation graph at the attention module", their section 4.1).
- leave-one-out by deletion, as their Algorithm 1 measures it: the total variation distance between
  the whole output distributions, TVD(p(. | x), p(. | x without token s)) = 1/2 sum_v |p(v | x) -
  p(v | x without s)| (`output_tvd`), the token removed, never replaced.
- integrated gradients (not in their paper): |IG_s|, on the whole graph (completeness is a property
  of f itself; it does not hold for the detached f~, whose gradient is not that of any function).
Special tokens (</s>) are left out of every ranking (`StepImportance.ranked`): Jain & Wallace rank
the input's words.

Everything runs with gradients enabled outside inference mode (the translator's own methods run
inside it) and touches no module state, so a translator shared between threads stays safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from captum.attr import InputXGradient

from ..decoding import MAX_OUTPUT_TOKENS, InputError, Translator
from ..messages import N_
from ..model import Seq2Seq
from ..specials import BOS, EOS, PAD, UNK
from . import integrated
from .integrated import MAX_IG_STEPS as MAX_IG_STEPS  # re-exported: the CLI and the app read it here
from .names import IMPORTANCES, LOO_METHODS, MEASURES, READABLE
from .names import SATURATED as SATURATED  # p above it: f is flat around x (re-exported: table.py reads it here)

SPECIAL_IDS = frozenset({PAD, BOS, EOS})  # never ranked by the jain-wallace measures


@dataclass(frozen=True)
class StepImportance:
    """The three importances of every source token for one output token, with attention beside them.

    All vectors have one value per source position S (</s> included), in source order; `ranked` says
    which positions the taus compare.
    """

    source_tokens: tuple[str, ...]  # (S,) display pieces, </s> last
    position: int  # the output step t = len(prefix)
    token: str  # the explained token w (display piece)
    token_id: int
    logprob: float  # f(x) = log p(w | prefix, source)
    attention: tuple[float, ...] | None  # (S,) a_t at this step; None for the `none` scorer
    grad_x_input: tuple[float, ...]  # (S,) signed: sum_e df/dx_se x_se; jain-wallace: |that| (attention detached)
    integrated_gradients: tuple[float, ...]  # (S,) signed: sums to f(x) - f(x') within ig_delta; jain-wallace: |IG_s|
    ig_delta: float  # |sum_s IG_s - (f(x) - f(x'))| of the signed values, f from our own forward passes
    leave_one_out: tuple[float, ...]  # (S,) signed: f(x) - f(x without s); jain-wallace: output TVD (`output_tvd`)
    baseline_logprob: float = math.nan  # f(x'), the all-<pad> source
    ig_points: int = 0  # the Gauss-Legendre points integrated gradients used
    ig_converged: bool = False  # whether ig_delta met seq2seq.lab.integrated.tolerance
    measures: str = "signed"  # which definitions (seq2seq.lab.names.MEASURES)
    loo: str = "unk"  # how leave-one-out removed a token: "deletion" or "unk" (seq2seq.lab.names.LOO_METHODS)
    ranked: tuple[int, ...] = ()  # the positions a tau ranks (signed: all; jain-wallace: all but </s>)

    @property
    def saturated(self) -> bool:
        """p(w) > 0.99: the model is sure and f is flat around x, so the local gradient (gradient x input)
        is tiny. Integrated gradients and leave-one-out are not local: they measure f(x) - f(x') and
        f(x) - f(x without s), which can be whole nats on a saturated step (`gradient_flat` says when
        the local gradient alone has nothing to rank)."""
        return self.logprob > math.log(SATURATED)

    @property
    def change(self) -> float:
        """f(x) - f(x'): what integrated gradients share out (NaN when the baseline was not computed)."""
        return self.logprob - self.baseline_logprob

    def size(self, name: str) -> float:
        """How much importance `name` (IMPORTANCES) has to rank at this step: |f(x) - f(x')| for integrated
        gradients (what they share out), the largest magnitude for gradient x input and leave-one-out."""
        if name == "integrated_gradients":
            return abs(self.change)
        return max((abs(v) for v in getattr(self, name)), default=0.0)

    @property
    def below_floor(self) -> tuple[str, ...]:
        """The importances (IMPORTANCES order) too small to rank at this step: `size` below the floor
        (seq2seq.lab.names.READABLE). Integrated gradients below it have nothing to attribute."""
        return tuple(n for n in IMPORTANCES if math.isfinite(self.size(n)) and self.size(n) < READABLE)

    def to_json(self) -> dict:
        """Plain JSON data: lists, floats, strings (None for no attention)."""
        data = {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}
        return data | {"saturated": self.saturated}


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
    logprobs, weights = _forward(model, embedded, prefix)
    return logprobs, weights[-1]


def _forward(
    model: Seq2Seq, embedded: torch.Tensor, prefix: Sequence[int], fixed: Sequence[torch.Tensor] | None = None
) -> tuple[torch.Tensor, list[torch.Tensor | None]]:
    """`next_token_logprobs` with every step's attention: (B, V) and t + 1 rows a_k (B, S) (None: `none`).

    `fixed`, if given, holds one (B, S) row per decoder step (<s> and the prefix), used in place of the
    model's own a_k (`Decoder.advance`'s override): constants, so no gradient flows through where
    attention looks. With the model's own rows passed back, the values are the same (f~ = f at x).
    """
    batch, length = embedded.shape[:2]
    encoded = model.encoder.from_embeddings(embedded, torch.full((batch,), length, dtype=torch.long))
    decoder, memory = model.decoder, encoded.memory
    hidden, feed = encoded.hidden, model.init_feed(encoded)
    keys = decoder.scorer.project_keys(memory)
    rows: list[torch.Tensor | None] = []
    for k, prev in enumerate((model.config.bos_id, *prefix)):
        tokens = torch.full((batch,), int(prev), dtype=torch.long, device=embedded.device)
        # `Decoder.step` without its output layer, which only the last step needs (the batch forward
        # splits it alike). pad_mask None: every position is real, as in the translator's decode.
        _, weights, _, _, feed, hidden = decoder.advance(
            decoder.token_inputs(tokens),
            hidden,
            feed,
            memory,
            None,
            attention=None if fixed is None else fixed[k],
            projected_keys=keys,
        )
        rows.append(weights)
    logits = decoder.output_logits(feed)  # (B, V): W_o h~_t + b_o
    return torch.log_softmax(logits.float(), dim=-1), rows


def unk_trained(translator: Translator) -> bool:
    """Whether the model's <unk> embedding was trained: its training replaced source tokens by <unk>.

    The rule: trained when the training settings the model carries (config.json "train") have
    unk_rate > 0; untrained otherwise, or when they are not recorded. Why: without <unk> substitution a
    source <unk> reaches the encoder only where the tokenizer cannot cover a training character, which
    a character tokenizer never does (its alphabet is the training text's) and SentencePiece rarely
    does, so the row keeps (or nearly keeps) its random initial value: replacing a token by it asks
    the model about a vector it never learned to read. The shipped en-fr models (unk_rate 0 or
    unrecorded) bear this out: their <unk> rows are byte-identical across all seven, the shared seed's
    initialisation, while reverse's and dates' (unk_rate 0.05) differ (tested). zh-en's were too until
    its fine-tuning on dictionary pairs, some of whose characters are outside the first stage's alphabet:
    there <unk> was read as "a rare character", never as a stand-in for a removed token, so it stays
    untrained for this rule.
    """
    train = translator.metadata.get("train") if isinstance(translator.metadata, dict) else None
    rate = train.get("unk_rate", 0.0) if isinstance(train, dict) else 0.0
    return isinstance(rate, int | float) and not isinstance(rate, bool) and rate > 0


def leave_one_out_method(translator: Translator, measures: str = "signed") -> str:
    """How leave-one-out removes a token: "deletion" for jain-wallace and wherever <unk> was never
    trained (`unk_trained`), "unk" (replacement by the learned <unk>) otherwise."""
    if measures == "jain-wallace" or not unk_trained(translator):
        return "deletion"
    return "unk"


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


def _check_settings(ig_steps: int | None, measures: str, loo: str | None) -> None:
    if ig_steps is not None and (
        isinstance(ig_steps, bool) or not isinstance(ig_steps, int) or not 1 <= ig_steps <= MAX_IG_STEPS
    ):
        raise InputError(
            N_("ig_steps must be a whole number from 1 to {high}, got {value!r}"), high=MAX_IG_STEPS, value=ig_steps
        )
    if measures not in MEASURES:
        raise InputError(
            N_("measures must be one of {choices}, got {value!r}"), choices=", ".join(MEASURES), value=measures
        )
    if loo is not None and loo not in LOO_METHODS:
        raise InputError(N_("loo must be one of {choices}, got {value!r}"), choices=", ".join(LOO_METHODS), value=loo)


def step_importance(
    translator: Translator,
    source: str,
    prefix: Sequence[int],
    token_id: int | None = None,
    ig_steps: int | None = None,
    measures: str = "signed",
    loo: str | None = None,
) -> StepImportance:
    """The importance of each source token for `token_id` at output step len(prefix) (module docstring).

    `prefix` holds the target ids already produced (</s> excluded), `token_id` the explained token
    (None: the most probable one after the prefix, the greedy choice). `source` is normalized and
    checked like any decode's (InputError when empty or too long). `ig_steps`: None to run integrated
    gradients to convergence (`seq2seq.lab.integrated`), or a fixed number of points (1..MAX_IG_STEPS).
    `measures`: "signed" or "jain-wallace". `loo`: "deletion" or "unk" to force leave-one-out's way of
    removing a token; None for `leave_one_out_method`'s choice.

    Cost: one pass over the source and the baseline together, one backward pass (the same for the
    detached gradient), integrated gradients' batches of forward and backward passes (32 points, then 16
    more for each panel cut; on the shipped en-fr models the median step needs no cut) with a forward
    pass at the new panel edges, and one batch of S forward passes (leave-one-out).
    """
    return step_importances(translator, source, prefix, token_id, ig_steps, (measures,), loo)[measures]


def step_importances(
    translator: Translator,
    source: str,
    prefix: Sequence[int],
    token_id: int | None = None,
    ig_steps: int | None = None,
    measures: Sequence[str] = MEASURES,
    loo: str | None = None,
) -> dict[str, StepImportance]:
    """`step_importance` under each of `measures` at once: {measures: StepImportance}.

    What the definitions share is computed once: the forward pass, integrated gradients (the costly
    part: the same signed attributions, of which jain-wallace keeps the magnitudes) and a leave-one-out
    method both use; only the gradient (whole, or with attention detached) is taken for each.
    """
    for name in measures:
        _check_settings(ig_steps, name, loo)
    ids = translator.encode_source(source)
    prefix = _check_prefix(translator, prefix)
    model, device = translator.model, translator.device
    config = translator.config
    methods = {name: loo or leave_one_out_method(translator, name) for name in measures}
    with torch.inference_mode(False), torch.enable_grad():
        embedding = model.encoder.embedding.weight.detach()  # (V_src, E)
        x = embedding[torch.tensor(ids, device=device)].unsqueeze(0)  # (1, S, E): the source's embeddings
        pad = embedding[config.pad_id].expand_as(x)  # (1, S, E): the baseline x'
        with torch.no_grad():
            logprobs, rows = _forward(model, torch.cat([x, pad]), prefix)  # (2, V): f at x and x'; a_k (2, S)
        if token_id is None:
            token_id = int(logprobs[0].argmax())
        elif not 0 <= int(token_id) < config.tgt_vocab_size:
            raise InputError(
                N_("token id {token_id} is outside the target vocabulary (0..{last})"),
                token_id=token_id,
                last=config.tgt_vocab_size - 1,
            )
        token_id = int(token_id)
        f_x, f_baseline = logprobs[:, token_id]  # scalars: f(x), f(x')

        def f(embedded: torch.Tensor) -> torch.Tensor:  # (B, S, E) -> (B,)
            return _forward(model, embedded, prefix)[0][:, token_id]

        fixed = [row[:1] for row in rows] if translator.has_attention else None  # the model's own a_k at x

        def f_detached(embedded: torch.Tensor) -> torch.Tensor:  # f~: the same values, attention held fixed
            return _forward(model, embedded, prefix, fixed)[0][:, token_id]

        gradients = {}  # (S,) sum_e df/dx_se x_se, whole or detached
        for name in measures:
            forward = f_detached if name == "jain-wallace" else f
            gxi = InputXGradient(forward).attribute(x.clone().requires_grad_())  # (1, S, E)
            gradients[name] = gxi[0].detach().float().sum(dim=-1)
        ig = integrated.integrated_gradients(f, x, pad, points=ig_steps)
        removed = {  # (S, V) log p(. | x without s), once per method
            how: _leave_one_out(model, x, embedding[UNK], prefix, how) for how in set(methods.values())
        }
    attributions = ig.attributions[0].sum(dim=-1)  # (S,) signed
    weights = rows[-1]
    common = dict(
        source_tokens=tuple(translator.source_tokenizer.piece(i) for i in ids),
        position=len(prefix),
        token=translator.target_tokenizer.piece(token_id),
        token_id=token_id,
        logprob=float(f_x),
        attention=None if weights is None else tuple(weights[0].float().tolist()),
        ig_delta=float(ig.delta[0]),
        baseline_logprob=float(f_baseline),
        ig_points=int(ig.points[0]),
        ig_converged=bool(ig.converged[0]),
    )
    found = {}
    for name in measures:
        without = removed[methods[name]]  # (S, V)
        gradient, values, left_out = gradients[name], attributions, float(f_x) - without[:, token_id]
        if name == "jain-wallace":  # magnitudes, as Jain & Wallace rank them
            gradient, values = gradient.abs(), values.abs()
            left_out = output_tvd(logprobs[0], without)  # their Algorithm 1: TVD of the whole output distributions
            ranked = tuple(s for s, i in enumerate(ids) if i not in SPECIAL_IDS)
        else:
            ranked = tuple(range(len(ids)))
        found[name] = StepImportance(
            **common,
            grad_x_input=tuple(gradient.tolist()),
            integrated_gradients=tuple(values.tolist()),
            leave_one_out=tuple(left_out.tolist()),
            measures=name,
            loo=methods[name],
            ranked=ranked,
        )
    return found


def output_tvd(logprobs: torch.Tensor, others: torch.Tensor) -> torch.Tensor:
    """TVD(p, q_s) = 1/2 sum_v |p(v) - q_s(v)| between one output distribution and each of S others:
    log-probabilities (V,) and (S, V) -> (S,) float, in [0, 1]. Jain & Wallace's leave-one-out
    (their Algorithm 1) measures a removed token by this change of the whole distribution, not of one
    token's probability."""
    return 0.5 * (logprobs.float().exp().unsqueeze(0) - others.float().exp()).abs().sum(dim=-1)


@torch.no_grad()
def _leave_one_out(model: Seq2Seq, x: torch.Tensor, unk: torch.Tensor, prefix: Sequence[int], how: str) -> torch.Tensor:
    """log p(. | x without token s) for every position s, in one batch: x (1, S, E), unk (E,) -> (S, V) float.

    "deletion": row s is x with position s removed (S - 1 positions, re-encoded: the encoder reads the
    source as if the token had never been there). "unk": row s is x with x_s := embed(<unk>).
    """
    length = x.size(1)
    if how == "deletion":
        keep = ~torch.eye(length, dtype=torch.bool, device=x.device)  # (S, S): row s keeps all but s
        rows = x.expand(length, -1, -1)[keep].view(length, length - 1, -1)  # (S, S - 1, E)
    else:
        rows = x.expand(length, -1, -1).clone()  # (S, S, E)
        rows[torch.arange(length), torch.arange(length)] = unk
    return _forward(model, rows, prefix)[0].float()
