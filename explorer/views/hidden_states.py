"""Hidden states page logic: a sentence's states on its model's fixed PCA basis, and neighbours.

The sentence is decoded the way the Decode page decodes it (greedy, sampling, beam search or
teacher forcing: the shared view's decoding), so a step highlights the token the Decode page shows at that step.
The basis (seq2seq.projection) is fitted once per model on a reference sample of greedy decodes
of the task's valid split; the page caches it with st.cache_resource keyed by the model name.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from explorer.figures.common import shown_token
from explorer.i18n import N_, _
from explorer.state.view import ViewState
from explorer.views.decode import decode
from seq2seq.decoded import DecodedSentence
from seq2seq.decoding import Translator
from seq2seq.numbering import shown
from seq2seq.projection import StateSpace, fit_space, reference_sentences

REFERENCE_SIZE = 200  # sentences in a model's reference sample
BACKGROUND_POINTS = 1500  # reference points drawn behind a sentence, at most
# The distances of seq2seq.projection.METRICS as the page names them (English, marked; shown translated).
METRIC_LABELS = {"cosine": N_("cosine"), "euclidean": N_("euclidean")}


def sentence_states(
    translator: Translator,
    sentence: str,
    strategy: str = "greedy",
    beam: int = 3,
    temperature: float = 1.0,
    seed: int = 0,
    reference: str = "",
) -> DecodedSentence:
    """Decode `sentence` as the Decode page would with these settings, with its states (h_s and each h_t).

    Plain arguments, so the page can cache the result with st.cache_data. Raises InputError for
    bad input.
    """
    # Task and scorer play no part in decoding: the translator is the model.
    view = ViewState("", "", sentence, strategy=strategy, beam=beam, temperature=temperature, seed=seed)
    return decode(translator, view, reference).plain(translator.name)


def build_space(translator: Translator, task: str, n: int = REFERENCE_SIZE) -> StateSpace:
    """Reference sample of `n` valid-split inputs (en-fr: its corpus, else the probes) and basis."""
    data = (translator.metadata.get("train") or {}).get("data")
    return fit_space(translator, reference_sentences(task, n, data=data), k=3)


def project(space: StateSpace, states: DecodedSentence, dims: int) -> tuple[list[list[float]], list[list[float]]]:
    """(S, dims) encoder and (T, dims) decoder coordinates on the model's basis."""
    encoder = space.basis.project(states.encoder_states, dims).tolist() if states.encoder_states else []
    decoder = space.basis.project(states.decoder_states, dims).tolist() if states.steps else []
    return encoder, decoder


def background(space: StateSpace, dims: int, limit: int = BACKGROUND_POINTS) -> list[list[float]]:
    """Up to `limit` reference points (every k-th row, so the same ones each time), projected."""
    n = len(space.sample)
    every = max(1, -(-n // limit))
    return space.basis.project(space.sample.states[::every], dims).tolist()


def axis_ranges(
    space: StateSpace, dims: int, points: Sequence[Sequence[float]] = (), pad: float = 0.05
) -> list[tuple[float, float]]:
    """(low, high) per axis covering the whole reference sample and `points`, padded by 5%.

    The same for every sentence that stays inside the reference cloud, so frames line up.
    """
    coords = space.basis.project(space.sample.states, dims)  # (N, dims)
    if points:
        coords = torch.cat([coords, torch.tensor(points, dtype=coords.dtype).reshape(-1, dims)])
    low, high = coords.min(dim=0).values, coords.max(dim=0).values
    margin = (high - low).clamp_min(1e-6) * pad
    return [(float(a), float(b)) for a, b in zip(low - margin, high + margin, strict=True)]


def state_choices(states: DecodedSentence) -> list[tuple[str, int]]:
    """(kind, index) of every state of the sentence, decoder states first."""
    decoder = [("decoder", i) for i in range(states.num_steps)]
    return decoder + [("encoder", i) for i in range(len(states.encoder_states))]


def choice_label(states: DecodedSentence, choice: tuple[str, int]) -> str:
    """How the state picker names a state, in the current language ("decoder step 2: b", "encoder 01: e")."""
    kind, i = choice
    if kind == "decoder":
        return _("decoder step {k}: {token}").format(k=shown(i), token=states.target_tokens[i])
    return _("encoder {position}: {token}").format(position=f"{shown(i):02d}", token=states.source_tokens[i])


def vector(states: DecodedSentence, choice: tuple[str, int]) -> list[float]:
    """The state vector of a choice: h_t of decoder step i, or h_s of encoder position i."""
    kind, i = choice
    return states.steps[i].decoder_state if kind == "decoder" else states.encoder_states[i]


# A neighbour's kind (seq2seq.projection: "encoder" or "decoder") as the table shows it.
KIND_LABELS = {"encoder": N_("encoder"), "decoder": N_("decoder")}


def neighbour_rows(space: StateSpace, state: Sequence[float], k: int = 8, metric: str = "cosine") -> list[dict]:
    """Table rows of the k nearest reference states: distance, kind, token, position, sentence and its
    output, the headers and kinds in the current language."""
    return [
        {
            _("distance"): round(n.distance, 4),
            _("kind"): _(KIND_LABELS.get(n.kind, n.kind)),
            _("token"): shown_token(n.token),
            _("position"): shown(n.position),
            _("sentence"): n.sentence,
            _("its output"): n.output,
        }
        for n in space.neighbours(torch.tensor(state), k=k, metric=metric)
    ]
