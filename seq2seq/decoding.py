"""The step API (`start`, `step`) and the decoding strategies built on it.

A `Translator` wraps a model and its tokenizers. It keeps no per-decode state: a `DecodeState`
is an immutable value and `step(state)` returns a new one, so many threads can share one
translator (the app caches one per model for all sessions). Everything runs under
`torch.inference_mode()`.

A `Trace` is plain data (lists, floats, strings) that converts to JSON for the CLI and the app.

What the model reads is the *normalized* source: every entry point (`start`, `greedy`, `beam`,
`sample`, `force`, `translate_batch`, `unknown_characters`, ...) goes through `encode_source`,
which applies the source tokenizer's Unicode normalization (`Tokenizer.normalize`: NFKC for the
character tasks, NFC for subwords), so NFD "café" and NFC "café" decode alike, and a full-width
"９ may 2018" like "9 may 2018". `DecodeState.source_text` and `Trace.source_text` hold the
normalized text; `Translator.normalize` gives it to a UI that wants to say it changed.

Source lengths: a `location` scorer learns one weight per source position, so it takes exactly the
lengths it was trained on (`ModelConfig.trained_source_len`, or max_source_len - 1 for configs
that did not record it). Every other scorer has nothing position-specific and takes sources up to
MAX_SOURCE_TOKENS (or its trained length, if longer); quality drops beyond the trained length
(`Translator.beyond_training`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import torch

from .beam import BatchBeamSearch, BeamNode, BeamSearch, Hypothesis, SearchHypothesis
from .config import MAX_SEED, ModelConfig
from .decoded import DecodedSentence, DecodedStep, Sampling, StepsView
from .messages import N_, Translatable
from .model import DecoderOutput, Hidden, Seq2Seq
from .scorers import is_positional
from .tokenizers import EOS, UNK, Tokenizer

# Longest source, in tokens (</s> not counted), that a scorer without position-specific weights takes.
MAX_SOURCE_TOKENS = 200
# Longest output a decode may be asked for (max_len): a bound on the work one request can cause.
MAX_OUTPUT_TOKENS = 1000
# Sampling temperatures allowed. Below the floor, logits / T overflows float32 and the softmax is
# NaN; at such temperatures sampling *is* greedy decoding, so ask for greedy instead.
MIN_TEMPERATURE, MAX_TEMPERATURE = 1e-3, 1e3
# An attention override must sum to 1 within this (checked in float64).
OVERRIDE_TOLERANCE = 1e-6


class InputError(Translatable, ValueError):
    """A source or target text, or a setting, the model cannot take (empty, too long); the message says why.

    Raised with a marked template and its values (seq2seq.messages), so the app can say it in its language.
    """


def check_temperature(temperature: float) -> float:
    """`temperature` as a float within MIN_TEMPERATURE..MAX_TEMPERATURE; InputError otherwise (NaN too)."""
    value = float(temperature)
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:  # NaN fails both comparisons
        bounds = {"low": MIN_TEMPERATURE, "high": MAX_TEMPERATURE, "value": temperature}
        if value < 1:
            raise InputError(
                N_(
                    "temperature must be between {low:g} and {high:g}, got {value!r} "
                    "(below {low:g} sampling is greedy decoding: decode greedily instead)"
                ),
                **bounds,
            )
        raise InputError(N_("temperature must be between {low:g} and {high:g}, got {value!r}"), **bounds)
    return value


def check_seed(seed: int) -> int:
    """`seed` as an int within 0..MAX_SEED (what torch.Generator.manual_seed takes); InputError otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InputError(N_("seed must be a whole number from 0 to {high}, got {value!r}"), high=MAX_SEED, value=seed)
    return seed


def check_override(weights: Sequence[float], length: int) -> list[float]:
    """An attention override as floats: `length` finite, non-negative weights summing to 1.

    Raises InputError naming the rule that failed. The sum is taken in float64 (math.fsum), within
    OVERRIDE_TOLERANCE: weights that are a distribution over the source, as attend() makes.
    """
    try:
        values = [float(w) for w in weights]
    except (TypeError, ValueError):
        raise InputError(N_("attention override weights must be numbers")) from None
    if len(values) != length:
        raise InputError(
            N_("attention override has {count} weights; the source has {length}"), count=len(values), length=length
        )
    if not all(math.isfinite(w) for w in values):
        raise InputError(N_("attention override weights must be finite (no NaN or infinity)"))
    if any(w < 0 for w in values):
        raise InputError(N_("attention override weights must be non-negative"))
    total = math.fsum(values)
    if abs(total - 1.0) > OVERRIDE_TOLERANCE:
        raise InputError(
            N_("attention override weights must sum to 1 (within {tolerance:g}); they sum to {total:.9g}"),
            tolerance=OVERRIDE_TOLERANCE,
            total=total,
        )
    return values


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


def _rows(*vectors: torch.Tensor) -> list[tuple[float, ...]]:
    """1-D tensors as tuples of Python floats, with one tensor-to-list conversion for all.

    Each conversion has a fixed cost that dominates for vectors of a few hundred floats; the
    values are those of each vector's own `.float().tolist()` (concatenation copies them exactly).
    """
    flat = torch.cat(vectors).float().tolist()
    rows, start = [], 0
    for v in vectors:
        rows.append(tuple(flat[start : start + v.numel()]))
        start += v.numel()
    return rows


def _select(hidden: Hidden, index: torch.Tensor) -> Hidden:
    """Rows `index` of a decoder state along the batch dimension (dim 1)."""
    if isinstance(hidden, tuple):
        return tuple(h.index_select(1, index) for h in hidden)
    return hidden.index_select(1, index)


class Translator:
    """A model, its tokenizers and a device; the object the UI and the CLI talk to."""

    def __init__(
        self,
        model: Seq2Seq,
        source_tokenizer: Tokenizer,
        target_tokenizer: Tokenizer,
        name: str = "model",
        device: str | torch.device = "cpu",
        topk: int = 5,
        metadata: dict | None = None,
    ):
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.config: ModelConfig = model.config
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.name = name
        self.topk = topk
        self.metadata = metadata or {}
        # Every target id as a tensor once: a step's previous token is a one-element slice of it
        # (a view), cheaper than building torch.tensor([id]) at every step.
        self._target_ids = torch.arange(self.config.tgt_vocab_size, device=self.device)
        # Every target id's display piece once: a step names six tokens (its own and the top-k).
        self._target_pieces = tuple(target_tokenizer.piece(i) for i in range(self.config.tgt_vocab_size))

    @property
    def scorer(self) -> str:
        return self.config.scorer

    @property
    def has_attention(self) -> bool:
        return self.config.scorer != "none"

    # -- input ---------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """`text` as the model reads it: the source tokenizer's Unicode normalization (NFKC or NFC).

        A page compares it with what was typed and says so when they differ.
        """
        return self.source_tokenizer.normalize(text)

    @property
    def trained_source_len(self) -> int:
        """Longest source seen in training, in tokens (</s> not counted).

        From ModelConfig.trained_source_len (which counts </s>) when recorded; otherwise
        max_source_len - 1 ids: training kept sources of at most --max-len ids and made
        max_source_len = --max-len + 1, a last position no source ever reached.
        """
        recorded = self.config.trained_source_len or self.config.max_source_len - 1
        return max(recorded - 1, 0)

    @property
    def source_limit(self) -> int:
        """Longest source this model takes, in tokens (</s> not counted).

        A positional scorer (location): its trained length (one learned weight per position; later
        positions were never trained, and there are no weights past max_source_len). Any other scorer:
        MAX_SOURCE_TOKENS, or the trained length where that is longer.
        """
        if is_positional(self.scorer):
            return min(self.trained_source_len, self.config.max_source_len - 1)
        return max(MAX_SOURCE_TOKENS, self.trained_source_len)

    def beyond_training(self, text: str) -> bool:
        """Whether `text` (normalized) is longer than any source this model saw in training."""
        return len(self.source_tokenizer.encode(self.normalize(text))) > self.trained_source_len

    def _source(self, text: str) -> tuple[str, list[int]]:
        """(normalized text, its ids with </s> appended); InputError for empty or too-long text."""
        text = self.normalize(text)
        if not text.strip():
            raise InputError(N_("the source sentence is empty: type a sentence to translate"))
        ids = self.source_tokenizer.encode(text) + [EOS]
        length, limit = len(ids) - 1, self.source_limit
        if length > limit:
            if is_positional(self.scorer):
                raise InputError(
                    N_(
                        "location attention learns one weight per source position and this model was trained on "
                        "sources of at most {limit} tokens; this one has {length}"
                    ),
                    limit=limit,
                    length=length,
                )
            raise InputError(
                N_("the source sentence is {length} tokens long; this model takes at most {limit}"),
                length=length,
                limit=limit,
            )
        return text, ids

    def encode_source(self, text: str) -> list[int]:
        """Ids of the normalized `text` with </s> appended; raises InputError for empty or too-long text."""
        return self._source(text)[1]

    def unknown_characters(self, text: str) -> list[str]:
        """Characters (or pieces) of normalized `text` that map to <unk>, in order of appearance, unique."""
        found: list[str] = []
        for char in dict.fromkeys(self.normalize(text)):
            if UNK in self.source_tokenizer.encode(char):
                found.append(char)
        return found

    # -- the step API ----------------------------------------------------------------------
    # Public methods enter inference mode; the strategies enter it once per decode and call the
    # undecorated `_advance`/`_step`, since entering it costs microseconds at every step.
    @torch.inference_mode()
    def start(self, text: str) -> DecodeState:
        """Normalize, tokenize and encode `text`; the first state of every decode."""
        text, ids = self._source(text)
        src = torch.tensor([ids], device=self.device)
        encoded = self.model.encoder(src, torch.tensor([len(ids)]))
        scorer = self.model.decoder.scorer
        return DecodeState(
            source_text=text,
            source_ids=tuple(ids),
            source_tokens=tuple(self.source_tokenizer.piece(i) for i in ids),
            memory=encoded.memory,
            pad_mask=encoded.pad_mask,
            hidden=encoded.hidden,
            feed=self.model.init_feed(encoded),
            prev_id=self.config.bos_id,
            projected_keys=scorer.project_keys(encoded.memory),
        )

    @torch.inference_mode()
    def advance(self, state: DecodeState, attention: Sequence[float] | None = None) -> DecoderOutput:
        """Run the decoder one step from `state` without choosing a token yet."""
        return self._advance(state, attention)

    def _advance(self, state: DecodeState, attention: Sequence[float] | None = None) -> DecoderOutput:
        if state.finished:
            raise ValueError("this decode has already produced </s>")
        override = None
        if attention is not None:
            if not self.has_attention:
                raise InputError(N_("this model has no attention to override (scorer 'none')"))
            weights = check_override(attention, state.pad_mask.size(1))
            override = torch.tensor([weights], dtype=state.memory.dtype, device=self.device)
        prev = self._target_ids[state.prev_id : state.prev_id + 1]  # (1,)
        # One unpadded sentence (`start`): no padding to mask, so no mask (pad_mask is all False).
        return self.model.decoder.step(
            prev, state.hidden, state.feed, state.memory, None, override, state.projected_keys
        )

    @torch.inference_mode()
    def step(
        self, state: DecodeState, choose: int | str | None = None, attention: Sequence[float] | None = None
    ) -> Step:
        """Advance one token: the most probable, or `choose` (an id or a piece) for a what-if.

        `attention` replaces this step's attention weights: one per source token (</s> included),
        finite, non-negative, summing to 1 within OVERRIDE_TOLERANCE; anything else raises InputError.
        """
        return self._step(state, choose, attention)

    def _step(
        self, state: DecodeState, choose: int | str | None = None, attention: Sequence[float] | None = None
    ) -> Step:
        token_id = None if choose is None else self._token_id(choose)
        out = self._advance(state, attention)
        return self._make_step(state, out, token_id, forced=choose is not None, overridden=attention is not None)

    def _token_id(self, choose: int | str) -> int:
        if isinstance(choose, str):
            try:
                return self._target_pieces.index(choose)
            except ValueError:
                raise ValueError(f"{choose!r} is not a token of this model's target vocabulary") from None
        if not 0 <= int(choose) < self.config.tgt_vocab_size:
            raise ValueError(f"token id {choose} is outside the vocabulary (0..{self.config.tgt_vocab_size - 1})")
        return int(choose)

    def _make_step(
        self, state: DecodeState, out: DecoderOutput, token_id: int | None, forced: bool, overridden: bool
    ) -> Step:
        """The Step for `token_id`, or for the most probable token when it is None (greedy).

        The most probable token is the first of the top-k (at least one is always computed), so a
        greedy step needs no separate argmax over the vocabulary.
        """
        probs = torch.softmax(out.logits[0].float(), dim=-1)  # (V,)
        top_p, top_i = probs.topk(max(1, min(self.topk, probs.numel())))
        # One tensor-to-list conversion for everything (_rows): the top-k ids ride along as floats,
        # exact for any id below 2**24.
        vectors = [top_p, top_i.float()]
        if token_id is not None:
            vectors.append(probs[token_id : token_id + 1])
        if out.scores is not None:
            vectors += [out.scores[0], out.weights[0]]
        top, top_ids, *rest = _rows(*vectors)
        top_ids = [int(i) for i in top_ids]
        if token_id is None:
            token_id, prob = top_ids[0], top[0]
        else:
            prob = rest.pop(0)[0]
        attention = rest  # [scores, weights], or empty without attention
        k = min(self.topk, len(top_ids))
        piece = self._target_pieces
        return Step(
            position=state.position,
            token_id=token_id,
            token=piece[token_id],
            prob=prob,
            topk=tuple((piece[i], i, p) for p, i in zip(top[:k], top_ids[:k], strict=True)),
            scores=attention[0] if attention else None,
            attention=attention[1] if attention else None,
            forced=forced,
            overridden=overridden,
            next_state=state.after(out.hidden, out.attentional, token_id, self.config.eos_id),
            context_vector=out.context[0],
            query_vector=out.query[0],
            attentional_vector=out.attentional[0],
        )

    # -- strategies built on step -----------------------------------------------------------
    def _trace(self, state: DecodeState, steps: list[Step], strategy: str, hit_max: bool, **extra) -> Trace:
        return Trace(
            source_text=state.source_text,
            source_tokens=list(state.source_tokens),
            steps=steps,
            scorer=self.scorer,
            strategy=strategy,
            output=self.target_tokenizer.decode([s.token_id for s in steps]),
            hit_max_len=hit_max,
            memory=state.memory[0],
            **extra,
        )

    def _max_len(self, max_len: int | None) -> int:
        """The output length limit: the model's own, or `max_len` within 1..MAX_OUTPUT_TOKENS."""
        return self.config.max_target_len if max_len is None else min(max(1, int(max_len)), MAX_OUTPUT_TOKENS)

    @torch.inference_mode()
    def greedy(self, text: str, max_len: int | None = None, prefix: Sequence[int] = ()) -> Trace:
        """Most probable token at every step; `prefix` ids are forced first (what-if re-decoding)."""
        state = first = self.start(text)
        steps: list[Step] = []
        limit = self._max_len(max_len)
        while not state.finished and len(steps) < limit:
            choose = prefix[len(steps)] if len(steps) < len(prefix) else None
            steps.append(self._step(state, choose=choose))
            state = steps[-1].next_state
        return self._trace(first, steps, "greedy", hit_max=not state.finished)

    @torch.inference_mode()
    def continue_from(self, trace_steps: Sequence[Step], max_len: int | None = None) -> list[Step]:
        """Greedy steps after the last of `trace_steps` until </s> or the length limit."""
        steps = list(trace_steps)
        limit = self._max_len(max_len)
        state = steps[-1].next_state
        while not state.finished and len(steps) < limit:
            steps.append(self._step(state))
            state = steps[-1].next_state
        return steps

    @torch.inference_mode()
    def sample(
        self,
        text: str,
        temperature: float = 1.0,
        top_k: int | None = None,
        seed: int = 0,
        max_len: int | None = None,
        prefix: Sequence[int] = (),
    ) -> Trace:
        """Ancestral sampling: y_t ~ softmax(logits / T), restricted to the top_k most probable.

        `prefix` ids are forced first (what-if). Their steps still draw, so the draws after the
        prefix are the ones the same seed makes without it: forcing the token a sample drew gives
        that sample back. `temperature` must lie in MIN_TEMPERATURE..MAX_TEMPERATURE, `seed` in
        0..MAX_SEED and `top_k` be None, 0 (no restriction) or positive (InputError otherwise):
        below the temperature floor, sampling is greedy decoding.
        """
        temperature = check_temperature(temperature)
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0):
            raise InputError(
                N_("top_k must be a whole number, 1 or more (0 or None: no restriction), got {value!r}"), value=top_k
            )
        generator = torch.Generator().manual_seed(check_seed(seed))
        state = first = self.start(text)
        steps: list[Step] = []
        limit = self._max_len(max_len)
        while not state.finished and len(steps) < limit:
            out = self._advance(state)
            logits = out.logits[0].float().cpu() / temperature
            if top_k:
                kth = logits.topk(min(int(top_k), logits.numel())).values[-1]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            token_id = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator))
            forced = len(steps) < len(prefix)
            if forced:
                token_id = self._token_id(prefix[len(steps)])
            steps.append(self._make_step(state, out, token_id, forced=forced, overridden=False))
            state = steps[-1].next_state
        return self._trace(first, steps, "sample", hit_max=not state.finished)

    @torch.inference_mode()
    def force_ids(self, text: str, token_ids: Sequence[int]) -> Trace:
        """Teacher forcing of exact target ids (a beam hypothesis, another model's output).

        Unlike `force` there is no detokenize/retokenize round trip, so outputs containing <unk>
        or cut before </s> replay exactly. Stops early if </s> comes before the ids run out.
        """
        state = first = self.start(text)
        steps: list[Step] = []
        for token_id in token_ids:
            if state.finished:
                break
            steps.append(self._step(state, choose=int(token_id)))
            state = steps[-1].next_state
        return self._trace(first, steps, "forced", hit_max=not state.finished)

    @torch.inference_mode()
    def force(self, text: str, target: str) -> Trace:
        """Teacher forcing: feed the target's tokens (then </s>); per-token probability and attention.

        The target is normalized like a source, by the target tokenizer's rule.
        """
        ids = self.target_tokenizer.encode(self.target_tokenizer.normalize(target)) + [EOS]
        if len(ids) > self.config.max_target_len:
            raise InputError(
                N_("the target is {length} tokens long; this model produces at most {limit}"),
                length=len(ids) - 1,
                limit=self.config.max_target_len - 1,
            )
        state = first = self.start(text)
        steps: list[Step] = []
        for token_id in ids:
            steps.append(self._step(state, choose=token_id))
            state = steps[-1].next_state
        return self._trace(first, steps, "forced", hit_max=False)

    @torch.inference_mode()
    def beam(self, text: str, width: int = 5, max_len: int | None = None) -> Trace:
        """Beam search of `width`; the trace follows the best hypothesis and carries the tree."""
        state = first = self.start(text)
        search = BeamSearch(width=width, eos_id=self.config.eos_id, max_len=self._max_len(max_len))
        memory, pad_mask = state.memory, state.pad_mask
        hidden, feed = state.hidden, state.feed
        prev = torch.tensor([self.config.bos_id], device=self.device)
        keys = state.projected_keys  # (1, S, H) or None, computed once in `start`
        while not search.done:
            n = prev.size(0)
            out = self.model.decoder.step(
                prev,
                hidden,
                feed,
                memory.expand(n, -1, -1),
                pad_mask.expand(n, -1),
                projected_keys=None if keys is None else keys.expand(n, -1, -1),
            )
            parents, tokens = search.advance(torch.log_softmax(out.logits.float(), dim=-1).cpu())
            if search.done:
                break
            index = torch.tensor(parents, device=self.device)
            hidden, feed = _select(out.hidden, index), out.attentional.index_select(0, index)
            prev = torch.tensor(tokens, device=self.device)
        piece, decode = self.target_tokenizer.piece, self.target_tokenizer.decode
        hypotheses = [Hypothesis.of(h, piece, decode) for h in search.hypotheses()]
        tree = [BeamNode.of(n, piece) for n in search.tree]
        best = search.hypotheses()[0]
        # The best path re-run step by step from the same first state (start is deterministic and
        # states are immutable): its steps carry attention and states like any trace.
        steps, current = [], first
        for token_id in best.token_ids:
            # The search chose these tokens, not the caller: the steps are not marked forced.
            steps.append(replace(self._step(current, choose=token_id), forced=False))
            current = steps[-1].next_state
        return self._trace(first, steps, "beam", hit_max=not best.finished, hypotheses=hypotheses, tree=tree)

    # -- batched decoding of many sentences ----------------------------------------------------
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
                hidden, feed = _select(out.hidden, index), out.attentional.index_select(0, index)
                prev = tokens.to(self.device)
                if not torch.equal(search.sentences, sentences):  # rows per sentence changed
                    sentences = search.sentences
                    rows = sentences.to(self.device)
                    memory, pad_mask = encoded.memory.index_select(0, rows), encoded.pad_mask.index_select(0, rows)
                    row_keys = None if keys is None else keys.index_select(0, rows)
            for row, i in enumerate(chunk):
                results[i] = search.hypotheses(row)[0]
        return results
