"""Compare: one sentence through every scorer of a task, beside the gold alignment."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from explorer.i18n import N_
from explorer.state import catalog, keys
from explorer.state.view import MAX_SENTENCE_CHARS
from explorer.ui import cached, frame, pickers
from explorer.ui import compare_sections as sections
from explorer.ui.loaders import get_translator
from explorer.ui.markdown import escape_markdown
from explorer.views import compare as compare_view
from explorer.views import input_notes

projecting = frame.page(N_("Compare scorers"), N_("Compare scorers"))
st.caption("The same sentence through every scorer of a task: same architecture, only the score differs.")


models, view, _, new = pickers.opening_view("compare")
if new:  # a link names a sentence: show it in the sentence box, not the picked example
    st.session_state[keys.COMPARE_MODE] = "type"
pickers.apply_view(view, {"task": keys.COMPARE_TASK, "sentence": keys.COMPARE_SENTENCE}, new)


def _task_changed() -> None:
    st.session_state[keys.COMPARE_SENTENCE] = catalog.default_sentence(st.session_state[keys.COMPARE_TASK])


task = st.selectbox(
    "Task", list(models), key=keys.COMPARE_TASK, format_func=catalog.task_label, on_change=_task_changed
)
examples = cached.gold_examples(task)
mode = "type"
if examples:
    mode = st.radio(
        "Sentence",
        ["type", "pick"],
        horizontal=True,
        key=keys.COMPARE_MODE,
        format_func={"type": "Type a sentence", "pick": "Pick an example from the test split"}.get,
    )
if mode == "pick":
    sentence = st.selectbox("Test example (with its gold alignment)", [e.source for e in examples], key="cmp_example")
else:
    sentence = st.text_input("Sentence", key=keys.COMPARE_SENTENCE, max_chars=MAX_SENTENCE_CHARS)
pickers.publish("compare", replace(view, task=task, sentence=sentence))

reference = compare_view.reference_for(task, sentence, examples)
results, refused = sections.run_every_scorer(task, models[task], sentence, reference)
if refused and not results:  # every model refuses (an empty sentence): one message
    st.warning(escape_markdown(f"{next(iter(refused.values()))}."))
    st.stop()
for scorer, why in refused.items():
    st.warning(escape_markdown(f"{scorer} cannot take this sentence: {why}"))
translators = [get_translator(catalog.model_for(task, s).name) for s in results]
for note in input_notes.input_notes(sentence, *translators):  # normalised, unknown characters, length
    st.warning(escape_markdown(note))

if reference is None:
    if examples:
        st.info(
            "This sentence was typed, not generated, so it has no gold alignment. "
            "Pick an example from the test split to see one and each scorer's alignment accuracy."
        )
    else:
        st.info("This task has no gold alignment: compare the scorers with each other.")
st.dataframe(pd.DataFrame(compare_view.summary_rows(list(results.values()))), hide_index=True)

show_forced = False
if reference is not None:
    show_forced = (
        st.radio(
            "Heatmaps show",
            ["own", "forced"],
            horizontal=True,
            key="cmp_show",
            format_func={"own": "each model's own output", "forced": "teacher forcing of the reference"}.get,
        )
        == "forced"
    )
sections.heatmap_grid(results, reference, show_forced, projecting)
sections.difference(results, reference, task, sentence, projecting)
