"""Hidden states: encoder and decoder states on a PCA basis fitted once per model."""

from dataclasses import replace

import streamlit as st

from explorer.figures import scatter
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import keys, link
from explorer.state.view import decoding_label
from explorer.ui import cached, frame, pickers, presentation, states_sections
from explorer.ui.loaders import get_translator
from explorer.ui.markdown import escape_markdown
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


models, view, opened, new = pickers.opening_view("states")
shared_step = keys.STEP in st.session_state or "step" in opened
pickers.apply_view(view, pickers.widget_keys("hs"), new)
picked = pickers.model_and_sentence("hs", models)
task, scorer, sentence, name, model = picked
how = states_view.decoding(view, task, sentence)  # the Decode page's decoding (or the link's)
shown = picked.view(how)  # what the page shows, for its link

try:
    states = cached.sentence_states(name, sentence, how.strategy, how.beam, how.temperature, how.seed, how.reference)
    space = cached.state_space(name, task)
    notes = input_notes.input_notes(sentence, get_translator(name))
except InputError as error:
    pickers.publish("states", shown, leave_out=("step",))
    st.warning(_("{error}.").format(error=message_of(error)))
    st.stop()
except (CheckpointError, ValueError) as error:
    pickers.publish("states", shown, leave_out=("step",))
    st.error(_("Cannot show this model's states: {error}").format(error=message_of(error)))
    st.stop()
for note in notes:  # normalised, unknown characters, length
    st.warning(escape_markdown(note))

n_target = len(states.target_tokens)
first_step = clamp_step(view.step if shared_step else 1, n_target)
if new and "step" in opened and view.step > n_target:  # a link's step past this output's end
    st.info(
        _("The link's step {step} is past the end of this output ({n} tokens): showing step {n}.").format(
            step=view.step, n=n_target
        )
    )
link.follow(st.session_state, keys.STATES_STEP, first_step, force=new)
st.session_state[keys.STATES_STEP] = clamp_step(st.session_state[keys.STATES_STEP], n_target)
a, b, c = st.columns([3, 1, 1])
step = a.slider(_("Step (output tokens shown)"), 0, max(n_target, 1), key=keys.STATES_STEP)
pickers.publish("states", replace(shown, step=step))
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
