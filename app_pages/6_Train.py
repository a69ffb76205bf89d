"""Train: a model of your own, with its loss, accuracy and a probe's attention drawn live."""

import streamlit as st

from explorer import i18n
from explorer.i18n import N_, _, ngettext
from explorer.i18n.errors import message_of
from explorer.state.catalog import task_label
from explorer.training.manager import REFRESH_S, SESSION_GONE_S, TrainingLimitError
from explorer.training.settings import PAGE_LIMITS, TASK_SETTINGS, JobSettings, available_tasks, max_trainings
from explorer.ui import frame
from explorer.ui.train import race as race_sections
from explorer.ui.train import sections, trainings
from explorer.ui.train import state as train_state
from seq2seq.config import CELLS, SCORERS

# The budget's options (their values stay English: the settings read them).
BUDGETS = {"epochs": N_("epochs"), "steps": N_("steps")}

projecting = frame.page(N_("Train a model"), N_("Train"), page_name="train")
# Projected, the frame keeps the settings and the curves (a lesson's Train step: both in 1366×768, issue 62): the
# page's introduction is left out and the race folded.
if not projecting:
    st.caption(
        _(
            "Train a small model here and watch it learn: the loss falls, validation accuracy rises and the "
            "attention of a probe sentence sharpens (the anti-diagonal of reverse, the reordering of dates). "
            "Training runs in its own process with one CPU thread, at most {limit} at once on this server. "
            "It keeps going while you look at the other pages, and stops on its own {seconds} s after this "
            "browser tab is closed or reloaded."
        ).format(limit=max_trainings(), seconds=i18n.number(SESSION_GONE_S))
    )

manager = trainings.shared_manager()
mine = train_state.tab(st.session_state)
session = mine.id
job = manager.job(session)
if job is not None:
    job.heartbeat()
    job.poll()
active = job is not None and job.active
defaults = JobSettings()
tasks = available_tasks()

row = st.columns(4)
if st.session_state.get("train_task") not in tasks:  # a lesson's step may have set it (explorer.ui.lessons.dock)
    st.session_state["train_task"] = defaults.task  # so no default beside it: Streamlit warned of both
task = row[0].selectbox(_("Task"), tasks, key="train_task", disabled=active,
                        format_func={t: task_label(t) for t in tasks}.__getitem__)  # fmt: skip
scorer = row[1].selectbox(_("Scorer"), SCORERS, index=SCORERS.index(defaults.scorer), key="train_scorer",
                          disabled=active)  # fmt: skip
cell = row[2].selectbox(_("Cell"), CELLS, index=CELLS.index(defaults.cell), key="train_cell", disabled=active)
hidden = row[3].select_slider(_("Hidden size"), [16, 32, 64, 128, 256], value=defaults.hidden_size,
                              key="train_hidden", disabled=active,
                              help=_("Embeddings get a quarter of it (4 to 64)."))  # fmt: skip
row = st.columns(4)
pairs = TASK_SETTINGS[task]["train_size"]
budget = row[0].radio(_("Budget"), list(BUDGETS), key="train_budget", horizontal=True, disabled=active,
                      format_func={value: _(label) for value, label in BUDGETS.items()}.__getitem__,
                      help=ngettext("One epoch = {pairs} pair; validation and the probes run after each.",
                                    "One epoch = {pairs} pairs; validation and the probes run after each.",
                                    pairs).format(pairs=i18n.number(pairs)))  # fmt: skip
if budget == "epochs":
    epochs = row[1].number_input(
        _("Epochs"), *PAGE_LIMITS["epochs"][1:], defaults.epochs, key="train_epochs", disabled=active
    )
    steps = 0
else:
    steps = row[1].number_input(
        _("Steps"), 10, PAGE_LIMITS["max_steps"][2], 500, step=50, key="train_steps", disabled=active
    )
    epochs = 500
lr = row[2].select_slider(_("Learning rate"), [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], value=defaults.lr, key="train_lr",
                          disabled=active, format_func=lambda v: f"{v:g}")  # fmt: skip
with row[3]:
    start = st.button(_("Start"), key="train_start", type="primary", disabled=active)
    stop = st.button(_("Stop"), key="train_stop", disabled=not active or job.status == "stopping")

race = race_sections.settings_row(
    task, cell, active, folded=projecting
)  # its own settings; the task, cell and Stop are the page's

if start or race is not None:
    settings = race or JobSettings(
        task=task, scorer=scorer, cell=cell, hidden_size=int(hidden), epochs=int(epochs), max_steps=int(steps),
        lr=float(lr),
    )  # fmt: skip
    try:
        manager.start(session, settings, browser_session=trainings.browser_session_id())
    except (TrainingLimitError, ValueError) as error:
        st.error(message_of(error))
    else:
        mine.saved = None
        st.rerun()  # redraw the settings and buttons as disabled / enabled
if stop and job is not None:
    job.stop()
    st.rerun()
mine.active = active


racing = job is not None and job.is_race
refreshed = st.fragment(run_every=REFRESH_S if active else None)
if racing:
    refreshed(race_sections.live)(manager, session)
else:
    refreshed(sections.live)(manager, session, task)  # before a training: its curves' empty axes
if job is not None and not active and job.has_checkpoint():
    (race_sections.save_form if racing else sections.save_form)(job)
