"""Decode: type a sentence, step through decoding token by token, watch attention move.

Wiring only: the logic lives in explorer.views.decode (plain Python, tested without a browser)
and the sections in explorer.ui.decode.sections. The view (task, scorer, sentence, decoding, step) is
the one every page shares (explorer.state.owner): a link opened becomes it first, before any widget.
"""

import streamlit as st

from explorer.i18n import N_, _, ngettext
from explorer.i18n.errors import message_of
from explorer.state import catalog
from explorer.ui import frame
from explorer.ui.classes import state as class_state
from explorer.ui.classes import student as class_student
from explorer.ui.common import cached, sharing
from explorer.ui.common.loaders import get_translator
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.decode import inputs as decode_inputs
from explorer.ui.decode import sections as decode_sections
from explorer.views import decode as decode_view
from explorer.views import input_notes
from seq2seq.checkpoint import CheckpointError
from seq2seq.decoding import InputError

presentation = frame.page(N_("Decode, step by step"), N_("Decode"), view="decode")
ss = st.session_state
following = class_state.following(ss)
# A follower sees the teacher's step first (a phone's first screen); the settings, which a follower does not
# use, fold below it, and open when the student explores. Its container is the page's first (after the frame's):
# its place, which names the follower's fragment, is the same in every run (explorer.ui.shell.layout.HEAD_KEY).
followed_view = st.container() if following else None

available = catalog.available()
if not available:
    st.error(_("No models are registered yet: train some or point ATTENTION_EXPLORER_PRETRAINED at a registry."))
    st.stop()
decode_view.open_link(ss, st.query_params.to_dict())
notes = decode_view.notes_to_show(ss)
if notes:
    listed = "\n".join(f"- {escape_markdown(message_of(n))}" for n in notes)
    st.warning(_("The link had values that were replaced:") + "\n" + listed)

settings = decode_inputs.inputs(available, presentation, following)  # where the model line goes (folded or not)
view = decode_view.current_view(ss)
if not view.sentence.strip():
    sharing.publish("decode", decode_view.shared_link(ss))
    st.info(_(decode_view.EMPTY_HINT))
    st.stop()

name = decode_view.model_name(view.task, view.scorer, view.model)
try:
    translator = get_translator(name)
except CheckpointError as error:
    st.error(
        _("Cannot load the model {name}: {error}").format(
            name=escape_markdown(name), error=escape_markdown(message_of(error))
        )
    )
    st.stop()
decode_inputs.model_line(name, view.scorer, settings)
decode_sections.words_sides(
    translator
)  # a character task has no words toggle: a link's units=words is dropped before publishing
for note in input_notes.input_notes(view.sentence, translator):  # normalised, unknown characters, length
    st.warning(escape_markdown(note))
try:
    data = decode_view.get_trace(ss, translator, name, view, view.reference.strip(), compute=cached.shared_trace)
except InputError as error:
    sharing.publish("decode", decode_view.shared_link(ss))
    st.error(escape_markdown(_("Cannot decode this input: {error}").format(error=message_of(error))))
    st.stop()
if data.hit_max_len:
    st.caption(
        escape_markdown(
            ngettext(
                "Decoding stopped at the length limit ({n} token) before </s>.",
                "Decoding stopped at the length limit ({n} tokens) before </s>.",
                data.num_steps,
            ).format(n=data.num_steps)
        )
    )

n = data.num_steps
decode_view.fit_session_step(ss, n)
past_end = decode_view.past_end_note(ss, n)
if past_end:  # numbers only: no user text
    st.warning(past_end)


@st.fragment
def stepper() -> None:
    """The stepper and its heatmap: the stepper's report of the step it shows reruns only this part, which writes
    the step into the URL (and a teacher's class, explorer.ui.classes.teacher)."""
    sharing.publish("decode", decode_view.shared_link(ss))
    decode_sections.heatmap(data, presentation, translator, decode_sections.words_sides(translator))


@st.fragment
def live() -> None:
    """The step's panels around the stepper, run again once its step rests (docs/pages/decode.md)."""
    if presentation:  # one frame: the stepper and its heatmap, a teacher's revealed answers
        decode_sections.frame_views(data, translator, stepper)
    else:
        decode_sections.step_views(data, translator, presentation, stepper)


if following:  # the teacher's steps, drawn from this decode by a small polling fragment, above the settings
    with followed_view:
        class_student.decode_follower(data, translator, n)
    st.stop()
live()
if not presentation:
    decode_sections.exports(data, decode_view.file_stem(view))
