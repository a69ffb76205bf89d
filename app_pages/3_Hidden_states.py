"""Hidden states: encoder and decoder states on a PCA basis fitted once per model."""

import streamlit as st

from explorer.figures import scatter
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import owner
from explorer.state.view import decoding_label
from explorer.ui import frame
from explorer.ui.common import cached, pickers
from explorer.ui.common.loaders import get_translator
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.shell import presentation
from explorer.ui.states import sections as states_sections
from explorer.views import hidden_states as states_view
from explorer.views import input_notes
from seq2seq.checkpoint import CheckpointError
from seq2seq.decoding import InputError
from seq2seq.numbering import clamp_step

projecting = frame.page(N_("Hidden states"), N_("Hidden states"), view="states")


st.caption(
    _(
        "Encoder states (one per source token) and the decoder's query states (one per output token), "
        "projected on the principal components of a fixed reference sample of this model's states, so "
        "pictures of different sentences and steps share one frame."
    )
)


models, _view, new = pickers.opening_view("states")
pickers.link_notes(("task", "scorer", "sentence", "model"))
picked = pickers.model_and_sentence("hs", models)
task, scorer, sentence, name, model = picked
how = owner.view(st.session_state)  # decoded as the view says: the Decode page's decoding, or the link's

try:
    states = cached.sentence_states(name, sentence, how.strategy, how.beam, how.temperature, how.seed, how.reference)
    space = cached.state_space(name, task)
    notes = input_notes.input_notes(sentence, get_translator(name))
except InputError as error:
    pickers.publish("states", how, leave_out=("step",))
    st.warning(_("{error}.").format(error=message_of(error)))
    st.stop()
except (CheckpointError, ValueError) as error:
    pickers.publish("states", how, leave_out=("step",))
    st.error(_("Cannot show this model's states: {error}").format(error=message_of(error)))
    st.stop()
for note in notes:  # normalised, unknown characters, length
    st.warning(escape_markdown(note))

n_target = len(states.target_tokens)
if how.step > n_target:  # a link's or another page's step past this output's end
    if new:
        st.info(
            _("The link's step {step} is past the end of this output ({n} tokens): showing step {n}.").format(
                step=how.step, n=n_target
            )
        )
    owner.propose(st.session_state, {"step": clamp_step(how.step, n_target)})
a, b, c = st.columns([3, 1, 1])
step_key, step_change = pickers.bound("hs", "step")
step = a.slider(_("Step (output tokens shown)"), 0, max(n_target, 1), key=step_key, **step_change)
pickers.publish("states", owner.view(st.session_state))
dims = 3 if b.radio(_("Projection"), ["2D", "3D"], horizontal=True, key="hs_dims") == "3D" else 2
with_background = c.checkbox(_("reference sample"), value=True, key="hs_background")

encoder, decoder = states_view.project(space, states, dims)
current = step - 1 if step >= 1 else None
figure = scatter.state_scatter(
    encoder,
    decoder,
    states.source_tokens,
    states.target_tokens,
    current=current,
    dims=dims,
    background=states_view.background(space, dims) if with_background else (),
    explained=space.basis.explained_ratio,
    ranges=states_view.axis_ranges(space, dims, encoder + decoder),
)
st.plotly_chart(presentation.enlarge(figure) if projecting else figure, key="hs_scatter")
st.text(_("output: {output}").format(output=states.output))
st.caption(  # the reference is user text: escaped
    escape_markdown(
        _(
            "Decoding: {decoding}, the Decode page's setting (or the link's), so a step "
            "here highlights the token the Decode page shows at that step."
        ).format(decoding=decoding_label(how))
    )
)
states_sections.basis_caption(space, current)
if projecting:  # fewer controls on a projector: the neighbours table is for exploring alone
    st.stop()
states_sections.neighbours(states, space, name, step, current)
