"""Encoder, decoder (Luong global attention with input feeding) and the Seq2Seq wrapper.

The decoder step is a pure function of its inputs: no state is kept on any module, so one model
can serve many threads (the app shares one per model across all sessions). (A loaded model's
decoder keeps one read-only table derived from its weights, `Decoder.precompute_token_inputs`,
and a record of the tensors its step reads, `DecodingWeights`.)

A step is `token_inputs` (the token's part of the first input product), `advance` (the recurrence,
the attention and h~_t) and `output_logits`; the teacher-forced batch forward runs the first and
the last once for all positions and only `advance` per position.

At step t (Luong et al. 2015, section 3.1 and input feeding, 3.3):
    h_t  = RNN([embed(y_{t-1}); h~_{t-1}], s_{t-1})
    a_t  = softmax(score(h_t, h_s)) over real source positions
    c_t  = sum_s a_ts h_s
    h~_t = tanh(W_c [c_t; h_t])
    p(y_t) = softmax(W_o h~_t)
With the `none` scorer c_t = 0: the decoder sees the source only through its initial state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .attention import attend, make_scorer
from .config import ModelConfig

Hidden = torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # (L, B, H), or (h, c) for an LSTM

_RNN = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@dataclass(frozen=True)
class Encoded:
    """Encoder output for a batch."""

    memory: torch.Tensor  # (B, S, H) encoder states h_s, the keys the scorer compares against
    pad_mask: torch.Tensor  # (B, S) bool, True = padding
    hidden: Hidden  # decoder's initial state, (L, B, H) each


@dataclass(frozen=True)
class DecodingWeights:
    """The tensors an eval-mode decoder step reads, gathered once (`Decoder.precompute_token_inputs`).

    A step then reads plain attributes instead of looking each weight up through `nn.Module`'s
    `__getattr__` and rebuilding `rnn.all_weights`, a measurable share of a batch-1 step (its cost:
    docs/performance.md, "Figures behind the code"). The tensors are the module's own (no copies),
    so they hold its values.
    """

    token_inputs: torch.Tensor  # (V, G*H): W_ie embed(y) + b_ih per target token
    layers: tuple[tuple[torch.Tensor, ...], ...]  # (w_ih, w_hh, b_ih, b_hh) per RNN layer; layer 0's w_ih is W_if
    W_c: torch.Tensor  # (H, 2H)
    W_o: torch.Tensor  # (V, H)
    b_o: torch.Tensor  # (V,)


@dataclass(frozen=True)
class DecoderOutput:
    """Everything one decoder step computed, batch-first."""

    logits: torch.Tensor  # (B, V) before softmax
    scores: torch.Tensor | None  # (B, S) raw scores, None without attention
    weights: torch.Tensor | None  # (B, S) attention a_t actually used, None without attention
    context: torch.Tensor  # (B, H) c_t
    query: torch.Tensor  # (B, H) h_t, the top RNN layer's output
    attentional: torch.Tensor  # (B, H) h~_t, fed to the next step
    hidden: Hidden  # RNN state after this step


class Encoder(nn.Module):
    """Embedding + RNN (rnn/gru/lstm, 1-2 layers, uni- or bidirectional) over packed sequences."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.src_vocab_size, config.embedding_size, padding_idx=config.pad_id)
        self.rnn = _RNN[config.cell](
            config.embedding_size,
            config.encoder_hidden_size,
            num_layers=config.num_layers,
            bidirectional=config.bidirectional,
            batch_first=True,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(config.dropout)
        # Why a bridge: without it the decoder starts from the encoder's final state, whose forward half
        # is the last memory position's own; a dot-product scorer then finds that position (</s>) the most
        # similar from the first step on, and its softmax saturates there before alignment is learned
        # (zh-en/dot looked only at </s>). One map per state (an LSTM has two: h and c).
        H = config.hidden_size
        states = 2 if config.cell == "lstm" else 1
        self.bridge = nn.ModuleList(nn.Linear(H, H) for _ in range(states)) if config.bridge else None

    def forward(self, src: torch.Tensor, lengths: torch.Tensor) -> Encoded:
        """src (B, S) ids, lengths (B,) real lengths -> memory (B, S, H) and the decoder's init."""
        embedded = F.embedding(src, self.embedding.weight, self.embedding.padding_idx)  # (B, S, E)
        if self.training:  # dropout is the identity in eval mode: skip the call (a decode encodes once)
            embedded = self.dropout(embedded)
        return self.from_embeddings(embedded, lengths)

    def from_embeddings(self, embedded: torch.Tensor, lengths: torch.Tensor) -> Encoded:
        """The encoder after its embedding lookup: embedded (B, S, E), lengths (B,) -> `Encoded`.

        `forward` is embed(src) (then dropout in training) followed by this; the attention lab
        (seq2seq/lab/importance.py) calls it on embeddings it differentiates through, or replaces.
        """
        length = embedded.shape[1]
        if bool((lengths == length).all()):
            # No padding (one sentence being decoded, a bucket of equal lengths, the attention lab's
            # copies of one sentence): nothing to pack, and packing has a cost (3x the backward pass
            # of the lab's batched integrated gradients).
            memory, hidden = self.rnn(embedded)  # (B, S, H)
        else:
            packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
            outputs, hidden = self.rnn(packed)
            memory, _ = pad_packed_sequence(outputs, batch_first=True, total_length=length)  # (B, S, H)
        device = embedded.device
        pad_mask = torch.arange(length, device=device)[None, :] >= lengths.to(device)[:, None]  # (B, S)
        return Encoded(memory=memory, pad_mask=pad_mask, hidden=self.decoder_init(hidden))

    def decoder_init(self, final: Hidden) -> Hidden:
        """The RNN's final states (L * D, B, H / D) each (an LSTM's h and c) -> the decoder's first (L, B, H).

        Both directions' final states joined per layer: h_enc; with a bridge, tanh(W_b h_enc + b_b).
        """
        states = final if isinstance(final, tuple) else (final,)
        joined = [self._join_directions(h) for h in states]
        if self.bridge is not None:
            joined = [torch.tanh(bridge(h)) for bridge, h in zip(self.bridge, joined, strict=True)]
        return tuple(joined) if isinstance(final, tuple) else joined[0]

    def _join_directions(self, h: torch.Tensor) -> torch.Tensor:
        """(L * D, B, H / D) -> (L, B, H): concatenate both directions' final states per layer."""
        if not self.config.bidirectional:
            return h
        layers, batch = self.config.num_layers, h.size(1)
        h = h.view(layers, 2, batch, -1)
        return torch.cat([h[:, 0], h[:, 1]], dim=-1).contiguous()


class Decoder(nn.Module):
    """Luong global attention with input feeding; the same for every scorer."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        H = config.hidden_size
        self.embedding = nn.Embedding(config.tgt_vocab_size, config.embedding_size, padding_idx=config.pad_id)
        self.rnn = _RNN[config.cell](
            config.embedding_size + H,
            H,
            num_layers=config.num_layers,
            batch_first=True,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        self.scorer = make_scorer(config.scorer, H, config.max_source_len)
        self.W_c = nn.Linear(2 * H, H, bias=False)
        self.W_o = nn.Linear(H, config.tgt_vocab_size)
        self.dropout = nn.Dropout(config.dropout)
        # Training only: the scores are divided by this before the softmax (seq2seq.train.score_temperature
        # sets it at each step of --soft-attention-steps); evaluation and decoding always use 1.
        self.score_temperature = 1.0
        # From `precompute_token_inputs`, or None: derived from the weights once and read-only
        # afterwards. Buffers, so that `.to(device)` moves them; not persistent, so checkpoints
        # never hold them; `train()` drops them.
        self.register_buffer("token_input_table", None, persistent=False)  # (V, G*H)
        self.register_buffer("feed_input_weight", None, persistent=False)  # (G*H, H)
        self.decoding_weights: DecodingWeights | None = None  # set with the table, dropped with it

    def precompute_token_inputs(self) -> None:
        """Fold the embedding into the first RNN layer's input product, once for every target token.

        The first layer's input is [embed(y); h~], so W_ih [embed(y); h~] + b_ih splits into
        W_ie embed(y) + b_ih, which depends on the token alone, and W_if h~. The first part is
        computed here for all V tokens as a (V, G*H) table (G = 3 gates for a GRU, 4 for an LSTM,
        1 for a tanh RNN); a step looks its row up and passes it to the cell function as the input
        bias, with W_if as the input weight. That replaces an embedding lookup, a concatenation
        and a third of the input product at every step, for a table of V x G*H floats (the
        measured gain: docs/performance.md). Values equal the unsplit product up to summation order
        (within 1e-6).
        """
        with torch.no_grad():
            self.token_input_table = self._token_product(self.embedding.weight)  # (V, G*H)
            W_if = self.rnn.weight_ih_l0[:, self.config.embedding_size :]  # the feed's columns
            self.feed_input_weight = W_if.t().contiguous().t()  # (G*H, H), the batch-1 fast layout
        self._gather_decoding_weights()

    def _gather_decoding_weights(self) -> None:
        self.decoding_weights = DecodingWeights(
            token_inputs=self.token_input_table,
            layers=tuple(self._feed_layers(self.feed_input_weight)),
            W_c=self.W_c.weight,
            W_o=self.W_o.weight,
            b_o=self.W_o.bias,
        )

    def _apply(self, fn, recurse: bool = True):
        # .to(device) and friends replace the buffers: gather the moved tensors again
        result = super()._apply(fn, recurse)
        if self.decoding_weights is not None:
            self._gather_decoding_weights()
        return result

    def train(self, mode: bool = True) -> Decoder:
        if mode:  # training changes the weights the table was computed from
            self.token_input_table = self.feed_input_weight = None
            self.decoding_weights = None
        return super().train(mode)

    @property
    def has_attention(self) -> bool:
        return self.config.scorer != "none"

    def token_inputs(self, tokens: torch.Tensor) -> torch.Tensor:
        """The first RNN layer's input product for the tokens alone: W_ie embed(y) + b_ih, (..., G*H).

        The first layer's input is [embed(y); h~], so W_ih [embed(y); h~] + b_ih = (W_ie embed(y)
        + b_ih) + W_if h~: the token's part does not depend on the recurrence. The batch forward
        computes it for every target position in one product before stepping; a loaded model looks
        it up in its table (`precompute_token_inputs`). tokens (...,) ids -> (..., G*H).
        """
        fast = self._decoding_weights()
        if fast is not None:  # the table's rows
            return fast.token_inputs.index_select(0, tokens.reshape(-1)).view(*tokens.shape, -1)
        embedded = F.embedding(tokens, self.embedding.weight, self.embedding.padding_idx)  # (..., E)
        if self.training:  # dropout is the identity in eval mode: skip the call while decoding
            embedded = self.dropout(embedded)
        return self._token_product(embedded)

    def _token_product(self, embedded: torch.Tensor) -> torch.Tensor:
        """W_ie e + b_ih: embeddings (..., E) -> the first layer's input product's token part (..., G*H)."""
        w_ih, b_ih = self.rnn.weight_ih_l0, self.rnn.bias_ih_l0
        return F.linear(embedded, w_ih[:, : self.config.embedding_size], b_ih)

    def _decoding_weights(self) -> DecodingWeights | None:
        """The gathered record while decoding with it (a loaded model out of training), else None."""
        return None if self.training else self.decoding_weights

    def step(
        self,
        prev_token: torch.Tensor,
        hidden: Hidden,
        feed: torch.Tensor,
        memory: torch.Tensor,
        pad_mask: torch.Tensor | None,
        attention: torch.Tensor | None = None,
        projected_keys: torch.Tensor | None = None,
    ) -> DecoderOutput:
        """One step. prev_token (B,), feed h~_{t-1} (B, H), memory (B, S, H), pad_mask (B, S) or None.

        `attention` (B, S), if given, replaces a_t (the attention override); scores are still
        computed so the app can show what the model would have done. `projected_keys` is
        `self.scorer.project_keys(memory)`, computed once per sentence (None: computed here).
        """
        scores, weights, context, query, attentional, hidden = self.advance(
            self.token_inputs(prev_token), hidden, feed, memory, pad_mask, attention, projected_keys
        )
        logits = self.output_logits(attentional)  # (B, V)
        return DecoderOutput(logits, scores, weights, context, query, attentional, hidden)

    def advance(
        self,
        token_input: torch.Tensor,
        hidden: Hidden,
        feed: torch.Tensor,
        memory: torch.Tensor,
        pad_mask: torch.Tensor | None,
        attention: torch.Tensor | None = None,
        projected_keys: torch.Tensor | None = None,
        step_weights: tuple[Sequence[Sequence[torch.Tensor]], torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor, torch.Tensor, torch.Tensor, Hidden]:
        """A step up to h~_t, without the output layer: (scores, weights, c_t, h_t, h~_t, new state).

        token_input (B, G*H) is `token_inputs(y_{t-1})`; the rest as in `step`. The output layer
        only reads h~_t, so the batch forward applies it once to every step's h~_t together.
        `step_weights` is `self.step_weights()`, which the batch forward gathers once for all steps.
        """
        # Layers are applied as functions of their weights, not called as modules: a module call's
        # hook handling costs microseconds, several percent of a decoding step at batch 1.
        layers, W_c = self.step_weights() if step_weights is None else step_weights
        query, hidden = self._cell_steps(feed, hidden, layers, token_input)  # (B, H): h_t
        if self.has_attention:
            scores = self.scorer.score(query, memory, projected_keys)  # (B, S)
            if self.training and self.score_temperature != 1.0:
                scores = scores / self.score_temperature  # softened early in training (--soft-attention-steps)
            weights = attend(scores, pad_mask) if attention is None else attention
            # c_t = sum_s a_t(s) h_s as a broadcast multiply and sum (cheaper than a bmm of B tiny products)
            context = (weights.unsqueeze(-1) * memory).sum(1)  # (B, H): c_t
        else:
            if attention is not None:
                raise ValueError("this model has no attention to override (scorer 'none')")
            scores = weights = None
            context = torch.zeros_like(query)
        attentional = torch.tanh(F.linear(torch.cat([context, query], dim=-1), W_c))  # (B, H): h~_t
        return scores, weights, context, query, attentional, hidden

    def output_logits(self, attentional: torch.Tensor) -> torch.Tensor:
        """W_o h~_t + b_o: h~ (..., H) -> logits (..., V); dropout on h~ in training."""
        fast = self._decoding_weights()
        if fast is not None:
            return F.linear(attentional, fast.W_o, fast.b_o)
        if self.training:
            attentional = self.dropout(attentional)
        return F.linear(attentional, self.W_o.weight, self.W_o.bias)

    def step_weights(self) -> tuple[Sequence[Sequence[torch.Tensor]], torch.Tensor]:
        """The RNN layers' (w_ih, w_hh, b_ih, b_hh), the first w_ih cut to W_if, and W_c."""
        fast = self._decoding_weights()
        if fast is not None:
            return fast.layers, fast.W_c
        return self._feed_layers(), self.W_c.weight

    def _feed_layers(self, feed_weight: torch.Tensor | None = None) -> list[tuple[torch.Tensor, ...]]:
        """(w_ih, w_hh, b_ih, b_hh) per layer from the module, the first layer's w_ih being W_if:
        `feed_weight` if given (its fast-layout copy), else the module's w_ih cut to its feed columns."""
        layers = [tuple(weights) for weights in self.rnn.all_weights]
        w_ih = layers[0][0]
        layers[0] = (w_ih[:, self.config.embedding_size :] if feed_weight is None else feed_weight, *layers[0][1:])
        return layers

    def _cell_steps(
        self,
        x: torch.Tensor,
        hidden: Hidden,
        layers: Sequence[Sequence[torch.Tensor]],
        first_input_bias: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, Hidden]:
        """One time step through the layers' cell functions: x (B, in) -> top output (B, H), new state.

        `layers` holds (w_ih, w_hh, b_ih, b_hh) per layer. `first_input_bias` (B, G*H), if given,
        replaces the first layer's b_ih: the decoder passes x = h~_{t-1} with w_ih = W_if, and the
        token's part W_ie embed(y) + b_ih as that bias (`token_inputs`).

        These are the cell functions `nn.GRU`/`nn.LSTM`/`nn.RNN` run for a one-step sequence
        (`torch.gru_cell`, `lstm_cell`, `rnn_tanh_cell`), called without the module's per-call
        checks, which cost as much as the cell itself at batch 1 (docs/performance.md); between
        layers, in training, the module's dropout.
        With the input product split in two they equal the module within 2e-6 (tested). Training,
        the batch forward and decoding all step through here, so decoding and the forward agree.
        """
        last = len(layers) - 1
        if self.config.cell == "lstm":
            h, c = hidden
            hs, cs = [], []
            for layer, (w_ih, w_hh, b_ih, b_hh) in enumerate(layers):
                if layer == 0 and first_input_bias is not None:
                    b_ih = first_input_bias
                x, c_layer = torch.lstm_cell(x, (h[layer], c[layer]), w_ih, w_hh, b_ih, b_hh)  # (B, H) each
                hs.append(x)
                cs.append(c_layer)
                if self.training and layer < last:
                    x = F.dropout(x, self.config.dropout, training=True)
            return x, (torch.stack(hs), torch.stack(cs))  # (L, B, H) each
        cell = torch.gru_cell if self.config.cell == "gru" else torch.rnn_tanh_cell
        states = []
        for layer, (w_ih, w_hh, b_ih, b_hh) in enumerate(layers):
            if layer == 0 and first_input_bias is not None:
                b_ih = first_input_bias
            x = cell(x, hidden[layer], w_ih, w_hh, b_ih, b_hh)  # (B, H)
            states.append(x)
            if self.training and layer < last:
                x = F.dropout(x, self.config.dropout, training=True)
        return x, torch.stack(states)  # (L, B, H)


class Seq2Seq(nn.Module):
    """Encoder + decoder. `forward` is the teacher-forced batch pass used in training."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)

    def init_feed(self, encoded: Encoded) -> torch.Tensor:
        """h~_0 = 0, (B, H)."""
        return encoded.memory.new_zeros(encoded.memory.size(0), self.config.hidden_size)

    def forward(
        self, src: torch.Tensor, src_lengths: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """src (B, S), src_lengths (B,), tgt_in (B, T) starting with <s>.

        Returns logits (B, T, V) and attention (B, T, S) (None for the `none` scorer).
        """
        encoded = self.encoder(src, src_lengths)
        hidden, feed = encoded.hidden, self.init_feed(encoded)
        decoder = self.decoder
        # The keys-only part of the score (concat's U_a h_s), once per batch, not once per step:
        # half of a concat training step on reverse went to recomputing it.
        projected = decoder.scorer.project_keys(encoded.memory)
        # Likewise every position's token part of the first input product (T, B, G*H), in one product,
        # and after the loop the output layer over every h~_t at once: the loop keeps only the recurrence.
        # Unbound and sliced once: a view taken at every step would give backward a full-size zero
        # gradient to fill per step (that made a reverse training step 8% slower than the module's).
        token_inputs = decoder.token_inputs(tgt_in.t()).unbind(0)  # T x (B, G*H)
        step_weights = decoder.step_weights()
        attentional, weights = [], []
        for token_input in token_inputs:
            _, a_t, _, _, feed, hidden = decoder.advance(
                token_input,
                hidden,
                feed,
                encoded.memory,
                encoded.pad_mask,
                projected_keys=projected,
                step_weights=step_weights,
            )
            attentional.append(feed)
            weights.append(a_t)
        logits = decoder.output_logits(torch.stack(attentional, dim=1))  # (B, T, V)
        attention = torch.stack(weights, dim=1) if decoder.has_attention else None
        return logits, attention

    def load_weights(self, state: dict[str, torch.Tensor]) -> None:
        """load_state_dict, then the decoding layout's tables made again from the new weights: a loaded model
        (`use_decoding_layout`) folds the embedding into a table once, which load_state_dict leaves stale."""
        self.load_state_dict(state)
        if self.decoder.token_input_table is not None:
            self.decoder.precompute_token_inputs()

    def use_decoding_layout(self) -> Seq2Seq:
        """Keep the decoder's matrices transposed in memory (same values and shapes) for decoding.

        A linear layer computes x W^T; at batch 1 that product runs a faster kernel when W^T, not W,
        is contiguous: so W_c, W_o, a GRU decoder's W_ih, W_hh and the scorer's query layers
        (`Scorer.query_layers`) are kept transposed (the gain: bench/decode_speed, docs/performance.md).
        An LSTM decoder's weights are left as they are: its `lstm_cell` gained too little to be worth
        a layout the module's own path never sees. Outputs
        change only in the last bits (probabilities within 2e-6). For loaded models only: the
        parameters are replaced, so an optimizer that holds the old ones would stop updating them.

        Then the decoder folds its target embedding into the first input product, a table per
        token (`Decoder.precompute_token_inputs`), which `train()` drops again.
        """
        scorer = self.decoder.scorer
        targets = [(self.decoder.W_c, "weight"), (self.decoder.W_o, "weight")]
        targets += [(getattr(scorer, name), "weight") for name in scorer.query_layers]  # concat's, location's W_a
        if self.config.cell != "lstm":  # GRU and tanh RNN decode through torch.gru_cell / rnn_tanh_cell
            for layer in range(self.config.num_layers):
                targets += [(self.decoder.rnn, f"weight_ih_l{layer}"), (self.decoder.rnn, f"weight_hh_l{layer}")]
        for module, name in targets:
            weight = getattr(module, name)
            column_major = weight.detach().t().contiguous().t()  # (out, in) with strides (1, out)
            setattr(module, name, nn.Parameter(column_major, requires_grad=weight.requires_grad))
        self.decoder.precompute_token_inputs()
        return self

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
