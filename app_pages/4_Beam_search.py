"""Beam search: the whole search tree, and the attention of any finished hypothesis."""

import streamlit as st

from explorer import i18n
from explorer.figures import trees
from explorer.figures.heatmaps import attention_heatmap
from explorer.i18n import N_, _, ngettext
from explorer.i18n.errors import message_of
from explorer.state import owner
from explorer.ui import frame
from explorer.ui.common import cached, pickers
from explorer.ui.common.loaders import get_translator
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.shell import pieces, presentation
from explorer.views import beam as beam_view
from explorer.views import input_notes, words
from seq2seq.checkpoint import CheckpointError
from seq2seq.decoding import InputError

projecting = frame.page(N_("Beam search"), N_("Beam search"), view="beam")
INTRO = N_(
    "Every node the search expanded, with its token and cumulative log-probability. Nodes that are "
    "not on a final hypothesis were pruned (grey). Hypotheses are ranked by log p / length."
)
if not projecting:  # on a projector the frame is for the figures (docs/pages/beam.md)
    st.caption(_(INTRO))


models, _view, _new = pickers.opening_view("beam")
pickers.link_notes(("task", "scorer", "sentence", "model", "beam"))
picked = pickers.model_and_sentence("beam", models, folded=projecting)
task, scorer, sentence, name, model = picked
# On a projector the width and the hypothesis share a row, and the tree and the heatmap another:
# one frame.
width_box, hypothesis_box = st.columns(2) if projecting else (st, st)
width_key, width_change = pickers.bound("beam", "beam", "width")  # the width is the view's `beam` (1–10)
width = width_box.slider(_("Beam width"), beam_view.MIN_WIDTH, beam_view.MAX_WIDTH, key=width_key, **width_change)
sides = pickers.subword_sides(name)  # the heatmap's words toggle
pickers.pieces_only(sides)
pickers.publish("beam", owner.view(st.session_state))

try:
    trace = cached.beam_search(name, sentence, width)
except InputError as error:
    st.warning(_("{error}.").format(error=message_of(error)))
    st.stop()
except CheckpointError as error:
    st.error(_("The model could not be loaded: {error}").format(error=message_of(error)))
    st.stop()
for note in input_notes.input_notes(sentence, get_translator(name)):  # normalised, unknown characters, length
    st.warning(escape_markdown(note))

hypotheses, tree = trace.hypotheses, trace.tree
if not any(h.finished for h in hypotheses):
    st.info(_("No hypothesis produced </s> before the length limit: showing the ones cut there."))
labels = [beam_view.hypothesis_label(i, h) for i, h in enumerate(hypotheses)]
# A new search (another model, sentence or width) is a new box: no choice of the last one's outlives it.
chosen_key = owner.derived_key(st.session_state, "beam_hypothesis", (name, sentence, width, *labels))
rank = hypothesis_box.selectbox(_("Hypothesis"), range(len(hypotheses)), format_func=labels.__getitem__, key=chosen_key)
chosen = hypotheses[rank]

kept = beam_view.kept_nodes(tree, hypotheses)
tree_box, heatmap_box = st.columns(2) if projecting else (st, st)
figure = trees.beam_tree(tree, kept, chosen=beam_view.path_nodes(tree, chosen.node))
tree_box.plotly_chart(presentation.fit(figure) if projecting else figure, key="beam_tree")
tree_box.caption(
    ngettext(
        "{nodes} nodes expanded, {kept} on the {hypotheses} final hypothesis.",
        "{nodes} nodes expanded, {kept} on the {hypotheses} final hypotheses.",
        len(hypotheses),
    ).format(nodes=len(tree), kept=len(kept), hypotheses=len(hypotheses))
)

attention = cached.hypothesis_attention(name, sentence, chosen)
if attention.attention is None:
    heatmap_box.info(_("This model has no attention (scorer 'none'): nothing to draw for the hypothesis."))
else:
    chart = heatmap_box.empty()  # the heatmap first, its words toggle under it (the projector's frame ends there)
    merged = pickers.page_units(heatmap_box, "beam", sides)
    title = _("attention of hypothesis {n}").format(n=rank + 1)
    shown = (attention.source_tokens, attention.target_tokens, attention.attention)
    grid = words.grid(*shown, *merged) if merged else None
    if grid is not None:
        shown = (grid.source_labels, grid.target_labels, grid.attention)
    figure = attention_heatmap(*shown, title=title, cell_notes=grid.notes() if grid else None)
    chart.plotly_chart(presentation.fit(figure) if projecting else figure, key="beam_heatmap")
    if merged:
        heatmap_box.caption(words.rule(merged))
    if word_starts := pieces.note(attention.source_tokens, attention.target_tokens):
        heatmap_box.caption(word_starts)  # what the word-start dot means
heatmap_box.text(
    _("hypothesis {n}: {text}\nlog p: {logprob}   score: {score}").format(
        n=rank + 1,
        text=chosen.text,
        logprob=i18n.number(chosen.logprob, 3),
        score=i18n.number(chosen.score, 3),
    )
)
