"""The step API (`start`, `step`) and the decoding strategies built on it, for one sentence.

A `Translator` wraps a model and its tokenizers. It keeps no per-decode state: a `DecodeState`
is an immutable value and `step(state)` returns a new one, so many threads can share one
translator (the app caches one per model for all sessions). Everything runs under
`torch.inference_mode()`.

The values it gives are in seq2seq/trace.py (`DecodeState`, `Step`, `Trace`; a `Trace` converts to
plain data and JSON for the CLI and the app); what it accepts, and `InputError`, in seq2seq/inputs.py;
`translate_batch` and `beam_batch`, many sentences at once, in seq2seq/batch_decoding.py. This module
re-exports the names callers import from it (`__all__`).

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

from collections.abc import Sequence
from dataclasses import replace

import torch

from .batch_decoding import BatchDecoding, select_rows
from .beam import BeamNode, BeamSearch, Hypothesis
from .config import ModelConfig
from .inputs import (
    MAX_OUTPUT_TOKENS,
    MAX_SOURCE_TOKENS,
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    OVERRIDE_TOLERANCE,
    InputError,
    check_override,
    check_seed,
    check_temperature,
)
from .messages import N_
from .model import DecoderOutput, Seq2Seq
from .scorers import is_positional
from .tokenizers import EOS, UNK, Tokenizer
from .trace import DecodeState, Step, Trace

__all__ = [
    "MAX_OUTPUT_TOKENS",
    "MAX_SOURCE_TOKENS",
    "MAX_TEMPERATURE",
    "MIN_TEMPERATURE",
    "OVERRIDE_TOLERANCE",
    "DecodeState",
    "InputError",
    "Step",
    "Trace",
    "Translator",
    "check_override",
    "check_seed",
    "check_temperature",
]


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


class Translator(BatchDecoding):
    """A model, its tokenizers and a device; the object the UI and the CLI talk to.

    Many sentences at once: `translate_batch` and `beam_batch` (seq2seq/batch_decoding.py).
    """

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
            hidden, feed = select_rows(out.hidden, index), out.attentional.index_select(0, index)
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
