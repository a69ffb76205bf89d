"""Models: the comparison table, each model's card and its training curves."""

import pandas as pd
import streamlit as st

from explorer.figures import curves
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import catalog, owner, params
from explorer.ui import frame
from explorer.ui.common import cached, pickers, sharing
from explorer.ui.shell import layout
from explorer.views import models as models_view

PAGE = "models"
LINK_NOTES = "_models_link_notes"  # the notes of the link last opened (its model refused)
frame.page(N_("Models"), N_("Models"), page_name="models")


entries = catalog.entries()
if not entries:
    st.warning(_("No models are registered yet: train some (docs/models.md says how) and come back."))
    st.stop()

st.header(_("Comparison"))
st.caption(
    _(
        "One table per task, one row per registered model, its metrics on the test split (the cards "
        "below say how each was measured); click a column header to sort, say by alignment accuracy or BLEU."
    )
)
columns = {_("parameters"): st.column_config.NumberColumn(format="localized")}
columns |= {title: st.column_config.NumberColumn(help=text) for title, text in models_view.column_help().items()}
# A table per task, so each has only its own task's metrics (no BLEU column full of blanks for dates); the task
# every page shares first (a lesson's step on en-fr opens with en-fr's table in the projected frame).
for task in models_view.tasks_in_order([e.task for e in entries], owner.view(st.session_state).task):
    rows = models_view.table_rows([e for e in entries if e.task == task])
    st.subheader(catalog.task_label(task))
    # tall enough for every row (35 px each, the header too, and the border), so the whole table shows
    height = 35 * (len(rows) + 1) + 3
    table = pd.DataFrame(rows)
    table = table.rename(columns=models_view.column_titles(table.columns))  # headed in the page's language
    st.dataframe(
        table,
        hide_index=True,
        key=f"models_table_{task}",
        column_config=columns,
        height=height,
        placeholder=layout.MISSING,  # a metric a model lacks reads "–", not "None"
    )
index = models_view.comparison_readme()
if index:
    with st.expander(_("About these models ({file})").format(file=f"pretrained/{models_view.comparison_file()}")):
        st.markdown(index)

st.header(_("Model card"))
names = [e.name for e in entries]
# ?model=<name>: its card, the page's own field (explorer.state.owner.own), read when a link is opened
_view, new_link = owner.open_link(st.session_state, PAGE, st.query_params.to_dict())
if new_link:
    linked = params.parse(PAGE, st.query_params.to_dict(), model=names)
    st.session_state[LINK_NOTES] = linked.notes
    if "model" in linked.values:
        owner.propose_own(st.session_state, PAGE, {"model": linked.values["model"]})
for note in st.session_state.get(LINK_NOTES, ()):
    st.info(message_of(note))
if owner.own(st.session_state, PAGE).get("model") not in names:  # removed since, or none yet: the first
    owner.propose_own(st.session_state, PAGE, {"model": names[0]})
key, change = pickers.bound_own(PAGE, "model", names[0])
picked = st.selectbox(_("Model"), names, key=key, **change)
sharing.publish(PAGE, {"model": picked})  # the address bar opens this card
card = models_view.model_card(picked)
if card:
    st.markdown(models_view.demote_headings(card))
else:
    st.info(_("This model has no model card (README.md) yet."))

st.header(_("Training curves"))
tasks = list(dict.fromkeys(e.task for e in entries))
# Labels looked up, not computed, by format_func: AppTest calls it outside the page's run (in English).
if owner.view(st.session_state).task not in tasks:  # the task every page shares, when it has models here
    owner.propose(st.session_state, {"task": tasks[0]})
key, change = pickers.bound(PAGE, "task")
task = st.selectbox(_("Task"), tasks, key=key, format_func={t: catalog.task_label(t) for t in tasks}.get, **change)
histories, missing = {}, []
for entry in entries:
    if entry.task != task:
        continue
    path = models_view.probes_path(entry.name)
    records = cached.history(str(path), path.stat().st_mtime_ns) if path is not None else []
    if records:
        histories[entry.name] = (entry, records)
    else:
        missing.append(entry.name)
if histories:
    losses, metrics, metric_title = models_view.curves(histories)
    left, right = st.columns(2)
    left.plotly_chart(
        curves.training_curves(losses, _("training loss"), _("loss per target token (log)"), log_y=True),
        key="models_loss",
    )
    right.plotly_chart(curves.training_curves(metrics, _("validation"), metric_title), key="models_metric")
if missing:
    st.caption(_("No training record (probes.json) for: {models}.").format(models=", ".join(missing)))
