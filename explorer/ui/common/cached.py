"""The pages' cached computations: each page's pure logic (explorer.views) behind st.cache_data or st.cache_resource.

Keyed by registry names and plain values, never by translator objects: a model is looked up
through the shared loader (explorer.ui.common.loaders.get_translator), so every session reuses the
results of every other.

The cache is shared by every session, whatever its language: a cached function whose result holds
text a user reads takes the language as an argument (`lang`, i18n.current()), so each language has
its own entries. The computations here return data (tokens, numbers), except the Lab's stored
results' note. A spinner's text is fixed when the function is decorated, so none is given there:
a wrapper below shows a translated one with st.spinner (shown only when the call takes a while).
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

from explorer import i18n
from explorer.figures import common as figures_common
from explorer.i18n import N_, _
from explorer.lessons import measure
from explorer.state.view import ViewState
from explorer.ui.common.loaders import get_translator
from explorer.views import beam as beam_view
from explorer.views import compare as compare_view
from explorer.views import decode as decode_view
from explorer.views import hidden_states as states_view
from explorer.views import lab_step as lab_view
from explorer.views import models as models_view
from explorer.views import timelapse as timelapse_view
from seq2seq.beam import Hypothesis
from seq2seq.lab import results
from seq2seq.tasks import Example


def _under_spinner(message: str, cached):
    """`cached` (an st.cache_data/st.cache_resource function) called under a spinner saying `message`
    (marked with N_) in the current language: a cache's own spinner text is fixed at decoration. The
    wrapped function is `call.__wrapped__` (functools.wraps), read at each call."""

    @functools.wraps(cached)
    def call(*args):
        with st.spinner(_(message)):
            return call.__wrapped__(*args)

    return call


# -- Compare ------------------------------------------------------------------------------------
@st.cache_data(max_entries=512, show_spinner=False)
def scorer_result(name: str, sentence: str, target: str | None, alignment: tuple | None):
    """One scorer's greedy decode of `sentence` and, given a reference, its forced decode and scores."""
    reference = None if target is None else Example(sentence, target, alignment)
    return compare_view.run_scorer(get_translator(name), sentence, reference)


@st.cache_data(max_entries=256, show_spinner=False)
def on_output_of(first: str, second: str, sentence: str, token_ids: tuple[int, ...]):
    """Model `second`'s attention when fed model `first`'s output `token_ids`."""
    return compare_view.on_output_of(get_translator(first), get_translator(second), sentence, token_ids)


gold_examples = st.cache_data(show_spinner=False)(compare_view.gold_examples)


# -- Hidden states ------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=32)
def _state_space(name: str, task: str):
    """One basis per model (a name has one task), shared by every session: StateSpace is immutable."""
    return states_view.build_space(get_translator(name), task)


state_space = _under_spinner(N_("Fitting the projection on a reference sample…"), _state_space)


@st.cache_data(max_entries=256, show_spinner=False)
def sentence_states(name: str, sentence: str, strategy: str, beam: int, temperature: float, seed: int, reference: str):
    """A sentence's encoder and decoder states, decoded the way the view says."""
    translator = get_translator(name)
    return states_view.sentence_states(translator, sentence, strategy, beam, temperature, seed, reference)


# -- Beam search --------------------------------------------------------------------------------
@st.cache_data(max_entries=256, show_spinner=False)
def _beam_search(name: str, sentence: str, width: int):
    """The whole search tree of a beam search of `width`."""
    return beam_view.beam_search(get_translator(name), sentence, width)


beam_search = _under_spinner(N_("Searching…"), _beam_search)


@st.cache_data(max_entries=256, show_spinner=False)
def hypothesis_attention(name: str, sentence: str, hypothesis: Hypothesis):
    """A finished hypothesis's attention, recomputed by forcing its tokens (st.cache_data hashes the
    frozen dataclass by its fields)."""
    return beam_view.hypothesis_attention(get_translator(name), sentence, hypothesis)


# -- Models -------------------------------------------------------------------------------------
@st.cache_data(max_entries=128, show_spinner=False)
def history(path: str, mtime_ns: int) -> list[dict]:
    """Loss and validation metrics per epoch; the mtime keeps a retrained model's file fresh."""
    return models_view.read_history(Path(path))


# -- Timelapse ----------------------------------------------------------------------------------
@st.cache_resource(max_entries=128, show_spinner=False)
def _probe_records(path: str, mtime_ns: int, size: int) -> tuple[dict, ...]:
    """A probes.json's epoch records, parsed once per version of the file (its mtime and size) and shared, not
    copied: every page reads them and none changes them. A live class's followers each run the Timelapse page at
    a lesson's start, where parsing the seven files of a task took a third of a run (py-spy)."""
    return tuple(timelapse_view.read_history(Path(path)))


@st.cache_resource(max_entries=256, show_spinner=False)
def _shared_figure(_build, name: str, settings: tuple[str, str, str], args: tuple, kwargs: dict):
    """`_build(*args, **kwargs)` once per builder (its `name`: a function is not hashed), input (hashed by content)
    and `settings` (the language, colour scale and piece form it is drawn in)."""
    return _build(*args, **kwargs)


def shared_figure(build, *args, **kwargs):
    """The plotly figure `build(*args, **kwargs)` makes, built once for every session that draws it with the same
    inputs and settings, and shared, not copied: st.plotly_chart reads a figure and changes nothing, so `build` does
    whatever else changes it (a projector's enlarging). A lesson's start runs the step's page for the teacher and
    then every phone, and each built the page's figures anew: Timelapse's six probe heatmaps took a third of a run,
    the Lab's τ histograms a third of its split view's (py-spy)."""
    name = f"{build.__module__}.{build.__qualname__}"
    return _shared_figure(build, name, figures_common.settings_in_force(), args, kwargs)


def probe_history(path: Path) -> tuple[dict, ...]:
    """timelapse_view.read_history, cached (_probe_records); () for a file that cannot be read."""
    try:
        found = path.stat()
    except OSError:
        return ()
    return _probe_records(str(path), found.st_mtime_ns, found.st_size)


# -- Decode -------------------------------------------------------------------------------------
@st.cache_data(max_entries=256, show_spinner=False)
def trace(name: str, sentence: str, strategy: str, beam: int, temperature: float, seed: int, reference: str):
    """A view's decode (decode_view.compute_trace), once per process for every session: a class's followers open
    the teacher's view, and each decoded it for itself (a hall of 300, 300 decodes of each new sentence; at a
    lesson's start the teacher's run and each phone's in turn). The warm-up decodes the lessons' first Decode steps
    (explorer/ui/serve.py)."""
    view = ViewState("", "", sentence, strategy=strategy, beam=beam, temperature=temperature, seed=seed)
    return decode_view.compute_trace(get_translator(name), name, view, reference)


def shared_trace(_translator, name: str, view: ViewState, reference: str = ""):
    """`trace` in compute_trace's form, for decode_view.get_trace (the model is the registry's `name`)."""
    return trace(name, view.sentence, view.strategy, view.beam, view.temperature, view.seed, reference)


@st.cache_data(max_entries=256, show_spinner=False)
def attention_answer(name: str, sentence: str, step: int) -> tuple[list[str], list[float]] | None:
    """An attention question's answer: the source tokens and the model's own row at output position `step`."""
    return measure.attention_row(get_translator(name), ViewState("", "", sentence, step=step))


@st.cache_data(max_entries=64, show_spinner=False)
def _exact_by_length(name: str, task: str) -> dict[int, tuple[int, int]]:
    """Source length -> (right, examples) of a model's greedy decodes of its task's test examples
    (the accuracy_by_length figure), once per model for every session."""
    return measure.exact_by_length(get_translator(name), task)


exact_by_length = _under_spinner(N_("Decoding the test examples…"), _exact_by_length)


# -- Lab ----------------------------------------------------------------------------------------
@st.cache_data(max_entries=256, show_spinner=False)
def lab_greedy(name: str, sentence: str) -> lab_view.GreedyOutput:
    """The greedy decode the Lab explains: its tokens and ids."""
    return lab_view.greedy_output(get_translator(name), sentence)


@st.cache_data(max_entries=256, show_spinner=False)
def _lab_step(name: str, sentence: str, step: int, measures: str = "signed") -> lab_view.StepLab:
    """Output token `step`'s three importances under `measures` and their taus with attention."""
    return lab_view.step_lab(get_translator(name), sentence, step, measures)


lab_step = _under_spinner(N_("Computing the importances…"), _lab_step)


@st.cache_data(max_entries=128, show_spinner=False)
def _lab_permutation(name: str, sentence: str, step: int) -> dict:
    """Output token `step`'s attention shuffled (explorer.views.lab_step.permutation)."""
    return lab_view.permutation(get_translator(name), sentence, step)


lab_permutation = _under_spinner(N_("Shuffling the attention…"), _lab_permutation)


@st.cache_data(max_entries=128, show_spinner=False)
def _lab_adversarial(name: str, sentence: str, step: int) -> dict:
    """The attention farthest from output token `step`'s own within TVD 0.05."""
    return lab_view.adversarial(get_translator(name), sentence, step)


lab_adversarial = _under_spinner(N_("Searching for an adversarial attention…"), _lab_adversarial)


@st.cache_data(max_entries=16, show_spinner=False)
def _lab_results(where: str, stamp: int | None, task: str, lang: str) -> tuple[dict | None, str | None]:
    """`lang`: the note is text a user reads (an entry per language, should the library ever word it so)."""
    return results.load(task)


def lab_results(task: str) -> tuple[dict | None, str | None]:
    """The task's stored lab results: (data, None), (None, None) when none are stored, (None, note) when
    the file cannot be used (seq2seq.lab.results.load). Read once per file version (path and mtime)
    and language."""
    try:
        where = results.path(task)
        stamp = where.stat().st_mtime_ns if where.exists() else None
    except (ValueError, OSError):
        return results.load(task)  # says what is wrong, never raises
    with st.spinner(_("Reading the stored results…")):
        return _lab_results(str(where), stamp, task, i18n.current())
