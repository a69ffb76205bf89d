"""Lab: is attention an explanation? Attention beside three importances for one step, a split, every scorer.

Wiring only: the logic is in explorer.views.lab and its lab_* modules, one per view (plain Python,
tested without a browser), the sections in explorer.ui.lab.sections. The URL keeps the view: task,
scorer, model, sentence, step and the open view (`view=step|split|scorers`).
"""

import streamlit as st

from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import owner
from explorer.ui import frame
from explorer.ui.classes import state as class_state
from explorer.ui.common import cached, pickers
from explorer.ui.common.loaders import get_translator
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.lab import sections as lab_sections
from explorer.views import input_notes, lab
from seq2seq.checkpoint import CheckpointError
from seq2seq.decoding import InputError

projecting = frame.page(N_("Attention lab"), N_("Lab"), view="lab")
INTRO = N_(
    "Does attention explain the model's choices? The classic experiments (Jain & Wallace 2019, Wiegreffe & "
    "Pinter 2019, Bahdanau et al. 2015, Luong et al. 2015) on this app's models, with what the papers found "
    "beside ours, each labelled with the kind of model it was measured on."
)
if not projecting:  # on a projector the frame is for the figure (docs/pages/lab.md)
    st.caption(_(INTRO))

models, _view, new = pickers.opening_view("lab")
models = lab.lab_models(models)  # not the fixed scorers: uniform's attention is 1/S by construction
pickers.link_notes(("task", "scorer", "sentence", "model"))
# On a projector the view choice and its folded explanation share a row, and the pickers fold: one frame.
choice_box, explanation_box = st.columns(2, vertical_alignment="center") if projecting else (st, st)
which = lab_sections.view_choice(st.query_params.to_dict(), new, choice_box)  # the URL's view= (the page writes it)
lab_sections.explanation(which, projecting, explanation_box)
picked = lab_sections.pickers_for(which, models, folded=projecting)
shown = owner.view(st.session_state)  # the step view's step is kept while another view is open

if which == "split":
    lab_sections.publish(shown, which)
    # In a live class every page draws the τ histograms in SVG, the teacher's too (the class sees one drawing).
    lab_sections.split_view(picked.task, picked.scorer, picked.name, projecting, class_state.in_class(st.session_state))
    st.stop()
if which == "scorers":
    lab_sections.publish(shown, which)
    lab_sections.scorers_view(picked.task, projecting)
    st.stop()

if not picked.sentence.strip():
    lab_sections.publish(shown, which)
    st.info(_("Type a sentence in **Sentence** to explain its decode, or pick another task for its example."))
    st.stop()
try:
    output = cached.lab_greedy(picked.name, picked.sentence)
    notes = input_notes.input_notes(picked.sentence, get_translator(picked.name))
except InputError as error:
    lab_sections.publish(shown, which)
    st.warning(escape_markdown(_("Cannot decode this input: {error}.").format(error=message_of(error))))
    st.stop()
except CheckpointError as error:
    lab_sections.publish(shown, which)
    st.error(
        escape_markdown(_("Cannot load the model {name}: {error}").format(name=picked.name, error=message_of(error)))
    )
    st.stop()
for note in notes:  # normalised, unknown characters, length
    st.warning(escape_markdown(message_of(note)))
step = lab_sections.step_slider(output, new)
lab_sections.publish(owner.view(st.session_state), which)
lab_sections.step_view(picked.name, picked.sentence, output, step, projecting)
