"""Timelapse: a probe's attention after every epoch of training, every scorer side by side."""

import streamlit as st

from explorer.figures import curves, heatmaps
from explorer.state import catalog
from explorer.state.catalog import task_label
from explorer.training import jobs as training_jobs
from explorer.ui import navigation, presentation
from explorer.ui.loaders import require_registry
from explorer.views import timelapse as tv

st.set_page_config(page_title="Timelapse · Attention Explorer", layout="wide")
navigation.sidebar()
projecting = presentation.toggle()
require_registry()
st.title("Timelapse")
st.caption(
    "Training recorded the attention of a few probe sentences after every epoch, from the untrained "
    "epoch 0 on. Scrub through the epochs and watch the alignment form, scorer by scorer."
)

SHIPPED, YOURS, SAVED = "Shipped models", "Your training", "A saved model"
origin = st.radio("History of", [SHIPPED, YOURS, SAVED], horizontal=True, key="tl_origin")


def show(histories: dict[str, list[dict]], task: str | None, context: str, live: bool = False) -> None:
    """The probe and epoch pickers, a heatmap per history at the chosen epoch, the curves and Play.

    `live`: a running training's history, redrawn every few seconds; the epoch slider follows the
    newest epoch unless the user has moved it elsewhere."""
    histories = {name: records for name, records in histories.items() if records}
    epochs = tv.epoch_numbers(histories)
    sources = tv.probe_sources(histories)
    if not epochs or not sources:
        st.info("No epoch has been recorded for this choice yet.")
        return

    left, right = st.columns([2, 3])
    source = left.selectbox("Probe sentence", sources, index=tv.default_probe_index(sources, task), key="tl_probe")
    slider_key = f"tl_epoch_{origin}_{context}"
    newest_key = f"{slider_key}_newest"  # the newest epoch when the slider was last drawn
    chosen = st.session_state.get(slider_key)
    if chosen not in epochs or (live and chosen == st.session_state.get(newest_key)):
        st.session_state[slider_key] = epochs[-1]  # open on (and, live, follow) the newest epoch
    st.session_state[newest_key] = epochs[-1]
    epoch = right.select_slider("Epoch", epochs, key=slider_key) if len(epochs) > 1 else epochs[0]

    # Row by row (a fresh st.columns per row), so each row's heatmaps line up even when one of the
    # row above is shorter (the `none` model has no heatmap); fewer, larger ones on a projector.
    per_row = min(2 if projecting else 3, len(histories))
    for index, (name, records) in enumerate(histories.items()):
        if index % per_row == 0:
            row = st.columns(per_row)
        record = tv.record_at(records, epoch)
        probe = tv.probe_for(record, source)
        with row[index % per_row]:
            shown = record["epoch"] if record else epoch
            note = " (its training ended there)" if record and shown < epoch else ""
            st.markdown(f"**{name}** · epoch {shown}{note}")
            figure = heatmaps.probe_heatmap(probe, height=480 if projecting else 320) if probe else None
            if figure is not None:
                st.plotly_chart(figure, key=f"tl_heatmap_{index}")
            else:
                st.caption("No attention to draw: this decoder sees only the encoder's final state.")
            if probe:
                st.caption(f"output: `{probe.get('output', '')}`")

    metric = tv.metric_name(histories)
    losses, metrics = tv.epoch_series(histories, metric)
    left, right = st.columns(2)
    marker = {"marker_x": epoch, "marker_label": f"epoch {epoch}", "whole_x": True}
    left.plotly_chart(curves.curves(losses, "training loss", "epoch", "loss per target token", **marker), key="tl_loss")
    if metric:
        y_range = (0, 1.02) if metric == "exact_match" else None
        right.plotly_chart(
            curves.curves(metrics, "validation", "epoch", metric, y_range=y_range, **marker), key="tl_metric"
        )

    if len(epochs) > 1 and st.toggle("▶ Play: every epoch as an animation (runs in your browser)", key="tl_play"):
        panels = tv.animation_panels(histories, source, epochs)
        try:
            st.plotly_chart(heatmaps.timelapse_animation(panels, epochs), key="tl_animation")
        except ValueError as error:
            st.info(str(error))


if origin == SHIPPED:
    tasks = tv.shipped_tasks()
    if not tasks:
        st.info("No shipped models are registered yet (see the README to train them).")
        st.stop()
    task = st.selectbox("Task", tasks, key="tl_task", format_func=task_label)
    show(tv.shipped_histories(task), task, task)
elif origin == YOURS:
    job = training_jobs.shared_manager().job(st.session_state.get("train_session", ""))
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
        show(history, view.settings.task, f"job-{view.started_at:.0f}", live=view.active)

    st.fragment(run_every=training_jobs.REFRESH_S if running else None)(yours)()
else:
    names = tv.user_models()
    for note in catalog.notes():  # a broken user manifest: say why saved models are missing
        st.warning(f"Saved models are left out: {note}")
    if not names:
        st.info("No model has been saved from the Train page yet.")
        st.stop()
    name = st.selectbox("Model", names, key="tl_model")
    show({name: tv.model_history(name)}, None, name)
