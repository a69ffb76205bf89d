"""Compare: one sentence through every scorer of a task, beside the gold alignment."""

import streamlit as st

from explorer.i18n import N_, _
from explorer.state import catalog, keys, owner
from explorer.state.view import MAX_SENTENCE_CHARS
from explorer.ui import frame
from explorer.ui.classes import state as class_state
from explorer.ui.common import cached, pickers
from explorer.ui.common.loaders import get_translator
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.compare import sections
from explorer.views import compare as compare_view
from explorer.views import input_notes

# What the radios offer (values stay: tests and links use them), shown in the current language.
SENTENCE_MODES = {"type": N_("Type a sentence"), "pick": N_("Pick an example from the test split")}

projecting = frame.page(N_("Compare scorers"), N_("Compare scorers"), view="compare")
INTRO = N_("The same sentence through every scorer of a task: same architecture, only the score differs.")
if not projecting:  # on a projector the frame is for two heatmaps side by side (docs/pages/compare.md)
    st.caption(_(INTRO))


models, _view, new = pickers.opening_view("compare")
if new:  # a link names a sentence: show it in the sentence box, not the picked example
    st.session_state[keys.COMPARE_MODE] = "type"
pickers.link_notes(("task", "sentence"))

# Labels are looked up when drawn, in this run's language (a format_func called later, by a test, reads the same).
task_labels = {t: catalog.task_label(t) for t in models}
# On a projector the sentence stays in sight and the task, the sentence's origin and what the
# heatmaps show fold away beside it.
if projecting:
    sentence_box, beside = st.columns([2, 1], vertical_alignment="bottom")
    settings = beside.expander(_("Settings"))
else:
    sentence_box = settings = st
state = st.session_state
task_key, task_change = pickers.bound("cmp", "task")
task = settings.selectbox(_("Task"), list(models), key=task_key, format_func=task_labels.__getitem__, **task_change)
examples = cached.gold_examples(task)
mode = "type"
if examples:
    mode = settings.radio(
        _("Sentence"),
        ["type", "pick"],
        horizontal=True,
        key=keys.COMPARE_MODE,
        format_func={mode: _(label) for mode, label in SENTENCE_MODES.items()}.__getitem__,
    )
if mode == "pick":
    sources = [e.source for e in examples]
    if owner.view(state).sentence not in sources:  # the page shows an example: the view names it
        owner.propose(state, {"sentence": sources[0]})
    sentence_key, sentence_change = pickers.bound("cmp_example", "sentence")
    sentence = sentence_box.selectbox(
        _("Test example (with its gold alignment)"), sources, key=sentence_key, **sentence_change
    )
else:
    sentence_key, sentence_change = pickers.bound("cmp", "sentence")
    sentence = sentence_box.text_input(_("Sentence"), key=sentence_key, max_chars=MAX_SENTENCE_CHARS, **sentence_change)
sides = pickers.subword_sides(catalog.model_for(task, models[task][0]).name)  # the heatmaps' words toggle
pickers.pieces_only(sides)
pickers.publish("compare", owner.view(state))

reference = compare_view.reference_for(task, sentence, examples)
names = sections.model_source(task)  # {}: the shipped models; else a saved set's (a race's), scorer -> model
results, refused = sections.run_every_scorer(task, list(names) or models[task], sentence, reference, names)
if refused and not results:  # every model refuses (an empty sentence): one message
    st.warning(escape_markdown(_("{error}.").format(error=next(iter(refused.values())))))
    st.stop()
for scorer, why in refused.items():
    st.warning(escape_markdown(_("{scorer} cannot take this sentence: {error}").format(scorer=scorer, error=why)))
translators = [get_translator(catalog.model_for(task, s, names.get(s, "")).name) for s in results]
for note in input_notes.input_notes(sentence, *translators):  # normalised, unknown characters, length
    st.warning(escape_markdown(note))


following = class_state.following(state)  # a live class's follower: a phone, most often
if projecting:  # one frame: two scorers' heatmaps side by side; the table and the whole grid below
    show_forced = sections.heatmaps_show(settings, reference)
    merged = pickers.page_units(settings, "cmp", sides)
    sections.pair(results, show_forced, merged)
    sections.summary(results, reference, examples)
else:
    if not following:  # a follower's phone shows the heatmaps first, the step's frame: the table comes after them
        sections.summary(results, reference, examples)
    shows, toggle = st.columns(2) if any(sides) else (st, st)  # a character task has no toggle: no empty column
    merged = pickers.page_units(toggle, "cmp", sides)
    show_forced = sections.heatmaps_show(shows, reference)
sections.heatmap_grid(results, reference, show_forced, projecting, merged, following=following)
if following and not projecting:
    sections.summary(results, reference, examples, following=True)
sections.difference(results, reference, task, sentence, projecting, merged, following=following)
