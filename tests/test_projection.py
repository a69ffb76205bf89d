"""seq2seq.projection: PCA basis, reference states and nearest neighbours."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seq2seq.decoding import Translator
from seq2seq.projection import (
    DECODER,
    ENCODER,
    collect_states,
    distances,
    fit_pca,
    fit_space,
    nearest_neighbours,
    reference_sentences,
)
from tests.helpers import letters_translator

SENTENCES = ("abc", "hello world", "a", "the quick brown fox", "zyx wvu", "aaaa bbbb", "racecar")


@pytest.fixture(scope="module")
def translator() -> Translator:
    return letters_translator()


@pytest.fixture(scope="module")
def space(translator):
    return fit_space(translator, SENTENCES, k=3)


def test_basis_is_deterministic(space, translator):
    again = fit_space(translator, SENTENCES, k=3)
    assert torch.equal(space.sample.states, again.sample.states)
    assert torch.equal(space.basis.components, again.basis.components)
    assert torch.equal(space.basis.mean, again.basis.mean)
    # Row order changes the SVD's arithmetic, not the basis: signs are fixed, values agree.
    shuffled = space.sample.states[torch.randperm(len(space.sample), generator=torch.Generator().manual_seed(1))]
    other = fit_pca(shuffled, k=3)
    torch.testing.assert_close(other.components, space.basis.components, atol=1e-5, rtol=0)


def test_components_are_orthonormal_with_fixed_sign(space):
    c = space.basis.components.double()
    torch.testing.assert_close(c @ c.T, torch.eye(3, dtype=torch.float64), atol=1e-6, rtol=0)
    strongest = c.abs().argmax(dim=1)
    assert (c[torch.arange(3), strongest] > 0).all()


def test_projected_variance_decreases_per_component(space):
    z = space.basis.project(space.sample.states).double()  # (N, 3)
    variance = z.var(dim=0)
    assert variance[0] >= variance[1] >= variance[2] > 0
    torch.testing.assert_close(variance, space.basis.explained_variance.double(), rtol=1e-4, atol=1e-6)
    ratios = space.basis.explained_ratio
    assert 0 < sum(ratios) <= 1 + 1e-6


def test_projection_is_centered_dot_components(space):
    x = space.sample.states[:25].numpy().astype(np.float64)
    expected = (x - space.basis.mean.numpy()) @ space.basis.components.numpy().T
    np.testing.assert_allclose(space.basis.project(space.sample.states[:25]).numpy(), expected, atol=1e-5)
    # a single state (H,) and plain lists are accepted; dims picks the first components
    single = space.basis.project(space.sample.states[3].tolist(), dims=2)
    np.testing.assert_allclose(single.numpy()[0], expected[3, :2], atol=1e-5)


def test_pca_finds_a_known_direction():
    generator = torch.Generator().manual_seed(0)
    direction = torch.tensor([0.0, 3.0, -4.0]) / 5  # largest-magnitude coordinate negative
    data = torch.randn(500, 1, generator=generator) * 10 * direction + 0.1 * torch.randn(500, 3, generator=generator)
    data = data + 7.0
    basis = fit_pca(data, k=2)
    torch.testing.assert_close(basis.components[0], -direction, atol=1e-2, rtol=0)  # sign flipped positive
    torch.testing.assert_close(basis.mean, data.mean(dim=0), atol=1e-5, rtol=0)


def test_bad_shapes_are_refused(space):
    with pytest.raises(ValueError, match="at least 2 states"):
        fit_pca(torch.zeros(1, 4))
    with pytest.raises(ValueError, match=r"states must be \(N, 16\)"):
        space.basis.project(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="dims must be"):
        space.basis.project(space.sample.states[:2], dims=4)
    with pytest.raises(ValueError, match="unknown metric"):
        distances(space.sample.states, space.sample.states[0], metric="manhattan")


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_a_reference_state_is_its_own_nearest_neighbour(space, metric):
    for index in (0, 7, len(space.sample) - 1):
        found = nearest_neighbours(space.sample, space.sample.states[index], k=4, metric=metric)
        assert found[0].index == index
        assert found[0].distance == pytest.approx(0.0, abs=1e-6)
        assert [n.distance for n in found] == sorted(n.distance for n in found)
        record = space.sample.records[index]
        assert (found[0].kind, found[0].token, found[0].position) == (record.kind, record.token, record.position)
        assert found[0].sentence == space.sample.sentences[record.sentence]


def test_cosine_ignores_length_euclidean_does_not(space):
    state = space.sample.states[5] * 3.0
    assert space.neighbours(state, k=1, metric="cosine")[0].distance == pytest.approx(0.0, abs=1e-6)
    assert space.neighbours(state, k=1, metric="euclidean")[0].distance > 0


def test_reference_states_are_those_of_greedy_decoding(translator, space):
    sample = space.sample
    assert sample.sentences == SENTENCES
    for i, text in enumerate(SENTENCES):
        trace = translator.greedy(text)
        rows = [j for j, r in enumerate(sample.records) if r.sentence == i]
        encoder = [j for j in rows if sample.records[j].kind == ENCODER]
        decoder = [j for j in rows if sample.records[j].kind == DECODER]
        assert [sample.records[j].token for j in encoder] == trace.source_tokens
        assert [sample.records[j].token for j in decoder] == trace.target_tokens
        assert [sample.records[j].position for j in decoder] == list(range(len(trace.steps)))
        assert sample.outputs[i] == trace.output
        torch.testing.assert_close(sample.states[encoder], torch.tensor(trace.encoder_states), atol=1e-5, rtol=0)
        expected = torch.tensor([s.decoder_state for s in trace.steps])
        torch.testing.assert_close(sample.states[decoder], expected, atol=1e-5, rtol=0)


def test_unusable_sentences_are_skipped(translator):
    sample = collect_states(translator, ["", "abc", "x" * 300, "abc"], batch_size=2)  # 300: over every limit
    assert sample.sentences == ("abc",)
    with pytest.raises(ValueError, match="none of the reference sentences"):
        collect_states(translator, ["", "   "])


def test_reference_sentences_per_task():
    dates = reference_sentences("dates", n=20)
    assert len(dates) == 20 and dates == reference_sentences("dates", n=20)
    from seq2seq.tasks import get_task, split_of

    assert all(split_of(s) == "valid" for s in dates)
    assert reference_sentences("en-fr", n=5, data="/nonexistent/corpus.tsv") == list(get_task("en-fr").probes)
