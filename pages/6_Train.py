"""Train: a model of your own, with its loss, accuracy and a probe's attention drawn live."""

import uuid

import streamlit as st

from explorer.figures import curves, heatmaps
from explorer.state.catalog import task_label
from explorer.training import jobs as training_jobs
from explorer.ui import navigation, presentation
from explorer.ui.loaders import require_registry
from explorer.views import timelapse as timelapse_view
from seq2seq.config import CELLS, SCORERS

st.set_page_config(page_title="Train · Attention Explorer", layout="wide")
navigation.sidebar()
presentation.toggle()
require_registry()
st.title("Train a model")
st.caption(
    "Train a small model here and watch it learn: the loss falls, validation accuracy rises and the "
    "attention of a probe sentence sharpens (the anti-diagonal of reverse, the reordering of dates). "
    f"Training runs in its own process with one CPU thread, at most {training_jobs.max_trainings()} at once "
    f"on this server. It keeps going while you look at the other pages, and stops on its own "
    f"{training_jobs.SESSION_GONE_S:.0f} s after this browser tab is closed or reloaded."
)

manager = training_jobs.shared_manager()
session = st.session_state.setdefault("train_session", uuid.uuid4().hex)
job = manager.job(session)
if job is not None:
    job.heartbeat()
    job.poll()
active = job is not None and job.active
defaults = training_jobs.JobSettings()
tasks = training_jobs.available_tasks()

row = st.columns(4)
task = row[0].selectbox("Task", tasks, index=tasks.index(defaults.task), key="train_task", disabled=active,
                        format_func=task_label)  # fmt: skip
scorer = row[1].selectbox("Scorer", SCORERS, index=SCORERS.index(defaults.scorer), key="train_scorer", disabled=active)
cell = row[2].selectbox("Cell", CELLS, index=CELLS.index(defaults.cell), key="train_cell", disabled=active)
hidden = row[3].select_slider("Hidden size", [16, 32, 64, 128, 256], value=defaults.hidden_size, key="train_hidden",
                              disabled=active, help="Embeddings get a quarter of it (4 to 64).")  # fmt: skip
row = st.columns(4)
budget = row[0].radio("Budget", ["epochs", "steps"], key="train_budget", horizontal=True, disabled=active,
                      help=f"One epoch = {training_jobs.TASK_SETTINGS[task]['train_size']:,} pairs; validation "
                      "and the probes run after each.")  # fmt: skip
if budget == "epochs":
    epochs = row[1].number_input("Epochs", 1, 500, defaults.epochs, key="train_epochs", disabled=active)
    steps = 0
else:
    steps = row[1].number_input("Steps", 10, 100_000, 500, step=50, key="train_steps", disabled=active)
    epochs = 500
lr = row[2].select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], value=defaults.lr, key="train_lr",
                          disabled=active, format_func=lambda v: f"{v:g}")  # fmt: skip
with row[3]:
    start = st.button("Start", key="train_start", type="primary", disabled=active)
    stop = st.button("Stop", key="train_stop", disabled=not active or job.status == "stopping")

if start:
    settings = training_jobs.JobSettings(
        task=task, scorer=scorer, cell=cell, hidden_size=int(hidden), epochs=int(epochs), max_steps=int(steps),
        lr=float(lr),
    )  # fmt: skip
    try:
        manager.start(session, settings, browser_session=training_jobs.browser_session_id())
    except (training_jobs.TrainingLimitError, ValueError) as error:
        st.error(str(error))
    else:
        st.session_state.pop("train_saved", None)
        st.rerun()  # redraw the settings and buttons as disabled / enabled
if stop and job is not None:
    job.stop()
    st.rerun()
st.session_state["train_active"] = active


def live() -> None:
    """Curves and the probe heatmap; reruns every few seconds while training (and so is the heartbeat)."""
    job = manager.job(session)
    if job is None:
        st.info("Choose the settings and press **Start**.")
        return
    job.heartbeat()
    job.poll()
    view = job.view()
    if view.active != st.session_state.get("train_active"):
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


st.fragment(run_every=training_jobs.REFRESH_S if active else None)(live)()

if job is not None and not active and job.has_checkpoint():
    st.subheader("Save this model")
    st.caption(f"The best epoch is saved. {training_jobs.NAME_RULE} It appears as user/<name> in every model picker.")
    unusable = training_jobs.save_blocker()
    if unusable:  # the user models folder overlaps pretrained/, or its manifest is broken: nothing to save into
        st.error(unusable)
        st.stop()
    with st.form("train_save_form"):
        name = st.text_input("Name", key="train_name", placeholder="my-dates-model")
        save = st.form_submit_button("Save")
    if save:
        try:
            entry = training_jobs.save_model(job.run_dir, name.strip())
        except training_jobs.SaveError as error:
            st.error(str(error))
        else:
            st.session_state["train_saved"] = entry.name
    if st.session_state.get("train_saved"):
        st.success(f"Saved as **{st.session_state['train_saved']}**: pick it on any page.")
    st.page_link("pages/7_Timelapse.py", label="Replay this training epoch by epoch (Timelapse)", icon="⏯️")
