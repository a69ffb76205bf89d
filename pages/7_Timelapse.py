"""Timelapse: a probe's attention after every epoch of training, every scorer side by side."""

import streamlit as st

from explorer.i18n import N_
from explorer.state import catalog, keys
from explorer.state.catalog import task_label
from explorer.training import jobs as training_jobs
from explorer.ui import frame, trainings
from explorer.ui import timelapse_sections as sections
from explorer.views import timelapse as tv

projecting = frame.page(N_("Timelapse"), N_("Timelapse"))
st.caption(
    "Training recorded the attention of a few probe sentences after every epoch, from the untrained "
    "epoch 0 on. Scrub through the epochs and watch the alignment form, scorer by scorer."
)

SHIPPED, YOURS, SAVED = "Shipped models", "Your training", "A saved model"
origin = st.radio("History of", [SHIPPED, YOURS, SAVED], horizontal=True, key="tl_origin")


if origin == SHIPPED:
    tasks = tv.shipped_tasks()
    if not tasks:
        st.info("No shipped models are registered yet (docs/models.md says how to train them).")
        st.stop()
    task = st.selectbox("Task", tasks, key="tl_task", format_func=task_label)
    sections.show(tv.shipped_histories(task), task, f"{SHIPPED}_{task}", projecting)
elif origin == YOURS:
    job = trainings.shared_manager().job(st.session_state.get(keys.TRAIN_SESSION, ""))
    if job is None:
        st.info("This session has not trained a model yet.")
        st.page_link("pages/6_Train.py", label="Train one", icon="🏋️")
        st.stop()
    job.heartbeat()
    job.poll()
    running = job.active

    def yours() -> None:
        """This session's training; while it runs, redrawn every few seconds with its newest epochs."""
        job.heartbeat()  # where no runtime tells that this tab is open (tests), this keeps the run alive
        job.poll()
        view = job.view()
        if view.active != running:
            st.rerun()  # it ended (or was restarted): redraw the whole page, without the timer
        if view.active:
            st.caption(f"Still training: the newest epochs appear by themselves (every {training_jobs.REFRESH_S:g} s).")
        history = {f"your {view.settings.task}/{view.settings.scorer}": view.epochs}
        sections.show(history, view.settings.task, f"{YOURS}_job-{view.started_at:.0f}", projecting, live=view.active)

    st.fragment(run_every=training_jobs.REFRESH_S if running else None)(yours)()
else:
    names = tv.user_models()
    for note in catalog.notes():  # a broken user manifest: say why saved models are missing
        st.warning(f"Saved models are left out: {note}")
    if not names:
        st.info("No model has been saved from the Train page yet.")
        st.stop()
    name = st.selectbox("Model", names, key="tl_model")
    sections.show({name: tv.model_history(name)}, None, f"{SAVED}_{name}", projecting)
