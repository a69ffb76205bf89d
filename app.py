"""Home page: what Attention Explorer is, which models exist, and where to start."""

import pandas as pd
import streamlit as st

from explorer.i18n import N_
from explorer.state.catalog import data_credits, entries, headline, task_examples, task_label
from explorer.ui import frame
from seq2seq.checkpoint import CheckpointError

frame.page(N_("Attention Explorer"), needs_registry=False, icon="🔎")  # the registry's errors are shown below
st.markdown(
    "Watch a neural translator decide, one token at a time. Type a sentence, step through the "
    "decoding and see where the model looks: the alignment heatmap, the scores behind it and the "
    "next-token candidates. Six attention scoring functions, trained identically so that a "
    "comparison isolates the scorer, side by side, scored against gold alignments, and watched "
    "as attention forms while a model trains."
)

try:
    models = entries()
except CheckpointError as error:
    st.error(f"The model registry cannot be read: {error}")
    st.stop()

if not models:
    st.info(
        "No models are registered yet. Train one with `python -m seq2seq train` "
        "(docs/models.md says how), or restore `pretrained/` from the repository."
    )
    st.stop()

st.subheader("Models")
rows = []
for e in models:
    metric, value = headline(e)
    label = task_label(e.task)
    row = {"model": e.name, "task": label, "scorer": e.scorer, "cell": e.cell, "parameters": e.parameters}
    rows.append({**row, "metric": metric, "value": value})
table = pd.DataFrame(rows)
number = st.column_config.NumberColumn(format="localized")
st.dataframe(table, hide_index=True, width="stretch", column_config={"parameters": number})

st.subheader("Start here")
st.page_link(
    "pages/8_Lessons.py", label="New to attention? Take a guided lesson (15–20 minutes each)", icon=":material/school:"
)
tasks = list(dict.fromkeys(e.task for e in models))
columns = st.columns(max(len(tasks), 1))
for column, task in zip(columns, tasks, strict=False):
    with column:
        st.markdown(f"**{task_label(task)}**")
        for sentence in task_examples(task):  # the task's own examples, the most telling first
            st.page_link(
                "pages/1_Decode.py",
                label=sentence,
                query_params={"task": task, "sentence": sentence},
                icon="▶️",
            )
generated = [task for task in tasks if not data_credits([task])]
credits = data_credits(tasks) + ([f"{' and '.join(generated)} {'is' if len(generated) == 1 else 'are'} generated"]
                                 if generated else [])  # fmt: skip
if credits:
    st.caption("Data: " + "; ".join(credits) + ".")
