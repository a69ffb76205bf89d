"""Home page: what Attention Explorer is, which models exist, and where to start."""

import pandas as pd
import streamlit as st
from babel.lists import format_list

from explorer import i18n
from explorer.i18n import N_, _, ngettext
from explorer.i18n.errors import message_of
from explorer.state.catalog import data_credits, entries, example_scorer, headline, task_examples, task_label
from explorer.ui import frame
from explorer.ui.classes import student as class_student
from explorer.ui.home import sections as home_sections
from explorer.ui.shell import layout
from seq2seq.checkpoint import CheckpointError
from seq2seq.scorers import SCORERS

# The models table's columns (English names; headed in the page's language).
COLUMNS = (N_("model"), N_("task"), N_("scorer"), N_("cell"), N_("parameters"), N_("metric"), N_("value"))

presentation = frame.page(N_("Attention Explorer"), needs_registry=False, icon="🔎")  # registry errors: below
class_student.join_from_link()  # a join link (?room=CODE) joins at once
st.markdown(_("Watch a neural translator decide, one token at a time, and see where it looks."))

try:
    models = entries()
except CheckpointError as error:
    st.error(_("The model registry cannot be read: {error}").format(error=message_of(error)))
    st.stop()

if not models:
    st.info(
        _(
            "No models are registered yet. Train one with `python -m seq2seq train` "
            "(docs/models.md says how), or restore `pretrained/` from the repository."
        )
    )
    st.stop()

home_sections.live_example()  # above the fold: a shipped model's real decode, one click a row
home_sections.ways_in()  # a lesson, Decode, a class
st.markdown(
    _(
        "Type a sentence, step through the decoding and see where the model looks: the alignment heatmap, "
        "the scores behind it and the next-token candidates. Every attention scoring function ({scorers}), "
        "trained identically so that a comparison isolates the scorer, side by side, scored against gold "
        "alignments, and watched as attention forms while a model trains."
    ).format(scorers=_(", ").join(SCORERS))
)

st.subheader(_("Start here"))
tasks = list(dict.fromkeys(e.task for e in models))
columns = st.columns(max(len(tasks), 1))
for column, task in zip(columns, tasks, strict=False):
    with column:
        st.markdown(f"**{task_label(task)}**")
        for sentence in task_examples(task):  # the task's own examples, the most telling first, each on its scorer
            st.page_link(
                "app_pages/1_Decode.py",
                label=sentence,
                query_params={"task": task, "scorer": example_scorer(task, sentence), "sentence": sentence},
                icon="▶️",
            )

st.subheader(_("Models"))
rows = []
for e in models:
    metric, value = headline(e)
    label = task_label(e.task)
    row = {"model": e.name, "task": label, "scorer": e.scorer, "cell": e.cell, "parameters": e.parameters}
    rows.append({**row, "metric": _(metric) if metric else metric, "value": value})
table = pd.DataFrame(rows).rename(columns={column: _(column) for column in COLUMNS})
number = st.column_config.NumberColumn(format="localized")
config = {_("parameters"): number}
st.dataframe(table, hide_index=True, width="stretch", column_config=config, placeholder=layout.MISSING)
generated = [task for task in tasks if not data_credits([task])]
credits = list(data_credits(tasks))
if generated:  # the tasks' names, as the code calls them ("reverse and dates are generated")
    names = format_list(generated, locale=i18n.locale())
    credits.append(ngettext("{tasks} is generated", "{tasks} are generated", len(generated)).format(tasks=names))
if credits:
    # Translators: the separator between two data credits on one line
    st.caption(_("Data: {credits}.").format(credits=_("; ").join(credits)))
