"""PCA basis, projections and nearest neighbours of hidden states.

The app draws encoder states h_s (one per source token) and decoder query states h_t (one per
target token: the vector the scorer compares with every h_s) as points in 2D or 3D. To keep
pictures comparable across sentences and steps, the projection is fitted once per model on a
*reference sample*: the states met while greedy-decoding a few hundred inputs of the task's
valid split. Encoder and decoder states share one basis: both are H-dimensional and the dot
scorers compare them directly, so one frame shows which source tokens a query is close to.

PCA (Pearson 1901; e.g. Bishop, PRML §12.1) of the centered data matrix X - mean = U S V^T:
the components are the first rows of V^T, and the variance along component k is
S_k^2 / (N - 1). Projecting is z = (x - mean) @ components^T.

Plain torch, no Streamlit or plotly; nothing runs at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .decoding import InputError, Translator
from .messages import N_, Translatable

METRICS = ("cosine", "euclidean")
ENCODER, DECODER = "encoder", "decoder"


class ProjectionError(Translatable, ValueError):
    """A model whose states cannot be projected (none of the reference sentences fits it); the message
    is marked (seq2seq.messages), so the app can say it in its language."""


@dataclass(frozen=True)
class PCABasis:
    """A fitted projection: z = (x - mean) @ components^T."""

    mean: torch.Tensor  # (H,) mean of the reference states
    components: torch.Tensor  # (k, H) orthonormal rows, the directions of most variance first
    explained_variance: torch.Tensor  # (k,) variance of the reference sample along each component
    total_variance: float  # sum of the variances of all H coordinates of the reference sample

    @property
    def dims(self) -> int:
        return int(self.components.size(0))

    @property
    def explained_ratio(self) -> list[float]:
        """Share of the total variance each component explains, e.g. [0.41, 0.22, 0.09]."""
        if self.total_variance <= 0:
            return [0.0] * self.dims
        return [float(v) / self.total_variance for v in self.explained_variance]

    def project(self, states: torch.Tensor | Sequence[Sequence[float]], dims: int | None = None) -> torch.Tensor:
        """states (N, H) -> coordinates (N, dims) on the first `dims` components (all by default)."""
        x = torch.as_tensor(states, dtype=self.mean.dtype)
        if x.dim() == 1:
            x = x[None, :]
        if x.dim() != 2 or x.size(1) != self.mean.numel():
            raise ValueError(f"states must be (N, {self.mean.numel()}), got {tuple(x.shape)}")
        dims = self.dims if dims is None else int(dims)
        if not 1 <= dims <= self.dims:
            raise ValueError(f"dims must be 1..{self.dims}, got {dims}")
        return (x - self.mean) @ self.components[:dims].T  # (N, dims)


def fit_pca(states: torch.Tensor | Sequence[Sequence[float]], k: int = 3) -> PCABasis:
    """Fit a k-component PCA basis to states (N, H), N >= 2.

    Deterministic: a full SVD in float64 of the centered data, and each component's sign fixed so
    that its largest-magnitude coordinate is positive (an SVD may flip any component's sign).
    """
    x = torch.as_tensor(states, dtype=torch.float64)
    if x.dim() != 2 or x.size(0) < 2:
        raise ValueError(f"need at least 2 states as an (N, H) matrix, got {tuple(x.shape)}")
    k = min(int(k), x.size(0), x.size(1))
    mean = x.mean(dim=0)  # (H,)
    centered = x - mean  # (N, H)
    _, s, vt = torch.linalg.svd(centered, full_matrices=False)  # s (min(N,H),), vt (min(N,H), H)
    components = vt[:k]  # (k, H)
    strongest = components.abs().argmax(dim=1)  # (k,)
    signs = torch.sign(components[torch.arange(k), strongest])
    components = components * signs[:, None]
    variance = s[:k] ** 2 / (x.size(0) - 1)  # (k,)
    total = float(centered.pow(2).sum() / (x.size(0) - 1))
    dtype = torch.float32
    return PCABasis(mean.to(dtype), components.to(dtype), variance.to(dtype), total)


@dataclass(frozen=True)
class StateRecord:
    """Where one reference state comes from."""

    kind: str  # "encoder" (h_s of a source token) or "decoder" (query h_t at a target step)
    token: str  # the source token, or the target token chosen at that step
    position: int  # 0-based token position in the source (encoder) or the output (decoder)
    sentence: int  # index into ReferenceSample.sentences


@dataclass(frozen=True)
class ReferenceSample:
    """The states of a few hundred greedy decodes, with where each came from."""

    states: torch.Tensor  # (N, H) float32, one row per record
    records: tuple[StateRecord, ...]  # (N,)
    sentences: tuple[str, ...]  # the sources that were decoded
    outputs: tuple[str, ...]  # their greedy outputs

    def __len__(self) -> int:
        return len(self.records)


@dataclass(frozen=True)
class Neighbour:
    index: int  # row of the reference sample
    kind: str
    token: str
    position: int
    sentence: str  # the source sentence the state came from
    output: str  # that sentence's greedy output
    distance: float


@torch.inference_mode()
def collect_states(
    translator: Translator, sentences: Sequence[str], max_len: int | None = None, batch_size: int = 64
) -> ReferenceSample:
    """Greedy-decode `sentences` in batches; keep every encoder state and decoder query state.

    The steps are those of `Translator.greedy` (the same argmax and </s> rule, padding masked),
    batched because a basis needs a few thousand states. Sentences the model cannot take
    (empty, too long) are skipped. Decoder states stop at the first </s>, which is included.
    """
    model, config = translator.model, translator.config
    limit = config.max_target_len if max_len is None else max(1, int(max_len))
    kept: list[tuple[str, list[int]]] = []
    for text in dict.fromkeys(sentences):  # unique, in order
        try:
            kept.append((text, translator.encode_source(text)))
        except InputError:
            continue
    if not kept:
        raise ProjectionError(N_("none of the reference sentences can be encoded by this model"))
    src_piece, tgt_piece = translator.source_tokenizer.piece, translator.target_tokenizer.piece
    rows: list[torch.Tensor] = []
    records: list[StateRecord] = []
    outputs: list[str] = []
    for start in range(0, len(kept), batch_size):
        chunk = kept[start : start + batch_size]
        lengths = torch.tensor([len(ids) for _, ids in chunk])
        src = torch.full((len(chunk), int(lengths.max())), config.pad_id, dtype=torch.long)
        for row, (_, ids) in enumerate(chunk):
            src[row, : len(ids)] = torch.tensor(ids)
        encoded = model.encoder(src.to(translator.device), lengths)
        hidden, feed = encoded.hidden, model.init_feed(encoded)
        # the scorer's keys-only product (concat's U_a h_s, general's W_a h_s) once per batch
        keys = model.decoder.scorer.project_keys(encoded.memory)
        prev = torch.full((len(chunk),), config.bos_id, dtype=torch.long, device=translator.device)
        finished = torch.zeros(len(chunk), dtype=torch.bool, device=translator.device)
        queries, chosen = [], []
        for _ in range(limit):
            out = model.decoder.step(prev, hidden, feed, encoded.memory, encoded.pad_mask, projected_keys=keys)
            hidden, feed = out.hidden, out.attentional
            prev = out.logits.argmax(-1)  # (B,)
            queries.append(out.query.float().cpu())  # (B, H)
            chosen.append(prev.cpu())
            finished |= prev == config.eos_id
            if bool(finished.all()):
                break
        query = torch.stack(queries, dim=1)  # (B, T, H)
        tokens = torch.stack(chosen, dim=1).tolist()  # (B, T)
        memory = encoded.memory.float().cpu()  # (B, S, H)
        for row, (_, ids) in enumerate(chunk):
            sentence = start + row
            rows.append(memory[row, : len(ids)])
            records.extend(StateRecord(ENCODER, src_piece(i), p, sentence) for p, i in enumerate(ids))
            out_ids = tokens[row]
            if config.eos_id in out_ids:
                out_ids = out_ids[: out_ids.index(config.eos_id) + 1]
            rows.append(query[row, : len(out_ids)])
            records.extend(StateRecord(DECODER, tgt_piece(i), p, sentence) for p, i in enumerate(out_ids))
            outputs.append(translator.target_tokenizer.decode(out_ids))
    return ReferenceSample(
        states=torch.cat(rows, dim=0),
        records=tuple(records),
        sentences=tuple(text for text, _ in kept),
        outputs=tuple(outputs),
    )


def reference_sentences(task: str, n: int = 200, seed: int = 0, data: str | None = None) -> list[str]:
    """Inputs for a reference sample: `n` sources of the task's valid split.

    A generated task (reverse, dates) generates its split; a corpus task (en-fr, zh-en) reads the file at
    `data` (the path the model was trained on) and falls back to the task's probe sentences when there
    is no such file.
    """
    from .tasks import get_task

    found = get_task(task)
    if not found.needs_data:
        return [e.source for e in found.examples("valid", n, seed)]
    if data:
        try:
            return [e.source for e in found.load(data, "valid")][:n]
        except (OSError, ValueError):
            pass
    return list(found.probes)


@dataclass(frozen=True)
class StateSpace:
    """A model's reference sample and the PCA basis fitted on it."""

    sample: ReferenceSample
    basis: PCABasis

    def neighbours(self, state: torch.Tensor | Sequence[float], k: int = 5, metric: str = "cosine") -> list[Neighbour]:
        return nearest_neighbours(self.sample, state, k=k, metric=metric)


def fit_space(translator: Translator, sentences: Sequence[str], k: int = 3) -> StateSpace:
    """Collect the reference states of `sentences` and fit a k-component basis on all of them."""
    sample = collect_states(translator, sentences)
    return StateSpace(sample=sample, basis=fit_pca(sample.states, k=k))


def distances(states: torch.Tensor, state: torch.Tensor | Sequence[float], metric: str = "cosine") -> torch.Tensor:
    """Distance from `state` (H,) to every row of `states` (N, H) -> (N,).

    euclidean: ||x - y||. cosine: 1 - cos(x, y), computed as ||x/|x| - y/|y| ||^2 / 2 so that a
    state's distance to itself is exactly 0; it ignores vector length, only direction counts.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    y = torch.as_tensor(state, dtype=states.dtype).reshape(-1)  # (H,)
    if y.numel() != states.size(1):
        raise ValueError(f"the state has {y.numel()} values; the reference states have {states.size(1)}")
    if metric == "euclidean":
        return (states - y).norm(dim=1)
    unit = states / states.norm(dim=1, keepdim=True).clamp_min(1e-12)  # (N, H)
    y = y / y.norm().clamp_min(1e-12)
    return (unit - y).pow(2).sum(dim=1) / 2


def nearest_neighbours(
    sample: ReferenceSample, state: torch.Tensor | Sequence[float], k: int = 5, metric: str = "cosine"
) -> list[Neighbour]:
    """The `k` reference states closest to `state` (H,), closest first (ties: lower row first)."""
    d = distances(sample.states, state, metric)  # (N,)
    order = torch.argsort(d, stable=True)[: max(0, int(k))].tolist()
    result = []
    for i in order:
        record = sample.records[i]
        result.append(
            Neighbour(
                index=i,
                kind=record.kind,
                token=record.token,
                position=record.position,
                sentence=sample.sentences[record.sentence],
                output=sample.outputs[record.sentence],
                distance=float(d[i]),
            )
        )
    return result
