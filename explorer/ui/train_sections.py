"""The Train page's sections: the live curves and probe heatmap of a running training, and the save form."""

from __future__ import annotations

import streamlit as st

from explorer.figures import curves, heatmaps
from explorer.state import keys
from explorer.training import jobs as training_jobs
from explorer.views import timelapse as timelapse_view


def live(manager: training_jobs.JobManager, session: str) -> None:
    """Curves and the probe heatmap; reruns every few seconds while training (and so is the heartbeat)."""
    job = manager.job(session)
    if job is None:
        st.info("Choose the settings and press **Start**.")
        return
    job.heartbeat()
    job.poll()
    view = job.view()
    if view.active != st.session_state.get(keys.TRAIN_ACTIVE):
        st.rerun()  # started or ended: redraw the buttons and the save form
    metric = training_jobs.task_metric(view.settings.task)
    latest = view.epochs[-1] if view.epochs else None
    where = f"epoch {latest['epoch']}, step {latest['steps']}" if latest else "starting (spawning a process, epoch 0)"
    if view.steps and (not latest or view.steps[-1]["step"] > latest["steps"]):
        where += f"; now at step {view.steps[-1]['step']} ({view.steps[-1]['seconds']:.0f} s)"
    messages = {"failed": st.error, "stopped": st.warning, "finished": st.success}
    reason = None if view.active else view.stop_reason or view.end_reason
    messages.get(view.status, st.info)(
        f"**{view.status}** · {view.settings.task}/{view.settings.scorer} · {where}"
        + (f" · {reason}" if reason else "")
        + (f" · {view.error}" if view.error else "")
    )
    loss, valid = timelapse_view.live_series(view.steps, view.epochs, metric)
    marker = dict(marker_x=latest["steps"], marker_label=f"epoch {latest['epoch']}") if latest else {}
    left, right = st.columns(2)
    left.plotly_chart(curves.curves(loss, "training loss", "step", "loss per target token", **marker),
                      key="train_loss_chart")  # fmt: skip
    right.plotly_chart(curves.curves(valid, "validation", "step", metric, y_range=(0, 1.02) if metric ==
                       "exact_match" else None, **marker), key="train_valid_chart")  # fmt: skip
    sources = timelapse_view.probe_sources({"run": view.epochs})
    if latest and sources:
        opening = timelapse_view.default_probe_index(sources, view.settings.task)  # reverse: "hello world"
        source = st.selectbox("Probe sentence", sources, index=opening, key="train_probe")
        probe = timelapse_view.probe_for(latest, source)
        figure = heatmaps.probe_heatmap(probe, title=f"attention after epoch {latest['epoch']}") if probe else None
        if figure is None:
            st.info("The scorer 'none' has no attention: the decoder sees only the encoder's final state.")
        else:
            st.plotly_chart(figure, key="train_heatmap")
        if probe:
            st.caption(f"Output after epoch {latest['epoch']}: `{probe.get('output', '')}`")


def save_form(job: training_jobs.Job) -> None:
    """The form that saves a finished training's best epoch as user/<name>, and a link to its timelapse."""
    st.subheader("Save this model")
    st.caption(f"The best epoch is saved. {training_jobs.NAME_RULE} It appears as user/<name> in every model picker.")
    unusable = training_jobs.save_blocker()
    if unusable:  # the user models folder overlaps pretrained/, or its manifest is broken: nothing to save into
        st.error(unusable)
        return
    with st.form("train_save_form"):
        name = st.text_input("Name", key="train_name", placeholder="my-dates-model")
        save = st.form_submit_button("Save")
    if save:
        try:
            entry = training_jobs.save_model(job.run_dir, name.strip())
        except training_jobs.SaveError as error:
            st.error(str(error))
        else:
            st.session_state[keys.TRAIN_SAVED] = entry.name
    if st.session_state.get(keys.TRAIN_SAVED):
        st.success(f"Saved as **{st.session_state['train_saved']}**: pick it on any page.")
    st.page_link("pages/7_Timelapse.py", label="Replay this training epoch by epoch (Timelapse)", icon="⏯️")
