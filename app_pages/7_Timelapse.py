"""Timelapse: a probe's attention after every epoch of training, every scorer side by side."""

import streamlit as st

from explorer import i18n
from explorer.i18n import N_, _
from explorer.state import catalog, link, owner, params
from explorer.state.catalog import task_label
from explorer.training.manager import REFRESH_S
from explorer.ui import frame
from explorer.ui.classes import state as class_state
from explorer.ui.common import cached, pickers, sharing
from explorer.ui.train import state as train_state
from explorer.ui.train import timelapse as sections
from explorer.ui.train import trainings
from explorer.views import race as race_view
from explorer.views import timelapse as timelapse_view

PAGE = "timelapse"  # its link (explorer.state.link): the shipped models' task, probe and epoch
projecting = frame.page(N_("Timelapse"), N_("Timelapse"), view=PAGE)
INTRO = N_(
    "Training recorded the attention of a few probe sentences after every epoch, from the untrained "
    "epoch 0 on. Scrub through the epochs and watch the alignment form, scorer by scorer."
)
if not projecting:  # on a projector the frame is for the heatmaps (docs/pages/timelapse.md)
    st.caption(_(INTRO))

# The radio's values stay English (tests and widget keys use them); it shows them translated. Labels
# are looked up when drawn, in this run's language (a format_func called later, by a test, reads the same).
SHIPPED, YOURS, SAVED = N_("Shipped models"), N_("Your training"), N_("A saved model")
# A link just opened (a live class's teacher view: the shipped models of a task, a probe, an epoch) becomes
# the view at once (explorer.state.owner: the task is the one every page shares); its task is checked here,
# its probe and epoch against the task's history (sections.show: explorer.state.params).
_view, new_link = owner.open_link(st.session_state, PAGE, st.query_params.to_dict())
opened = link.flat(st.query_params.to_dict()) if new_link else {}
if new_link:
    linked = params.parse(PAGE, opened, task=timelapse_view.shipped_tasks())
    sections.notes(linked.notes)
    if "task" in linked.values:  # the shipped models' history: the origin is the page's own field
        owner.propose_own(st.session_state, PAGE, {"origin": SHIPPED})

# In a live class every page draws the heatmaps and curves as SVG, the teacher's too: the class sees one drawing,
# and eight Plotly charts on the teacher's page took the cores the phones needed at a lesson's start (issue 62).
in_class = class_state.in_class(st.session_state)
origins = {origin: _(origin) for origin in (SHIPPED, YOURS, SAVED)}
# On a projector the origin and its task (or model) share a row: the heatmaps start higher.
origin_box, pick_box = st.columns(2, vertical_alignment="bottom") if projecting else (st, st)
key, change = pickers.bound_own(PAGE, "origin", SHIPPED)
origin = origin_box.radio(
    _("History of"), list(origins), horizontal=True, key=key, format_func=origins.__getitem__, **change
)


if origin == SHIPPED:
    tasks = timelapse_view.shipped_tasks()
    if not tasks:
        st.info(_("No shipped models are registered yet (docs/models.md says how to train them)."))
        st.stop()
    task_labels = {t: task_label(t) for t in tasks}
    if owner.view(st.session_state).task not in tasks:  # a task without a recorded history: the first with one
        owner.propose(st.session_state, {"task": tasks[0]})
    key, change = pickers.bound("tl", "task")  # the task every page shares
    task = pick_box.selectbox(_("Task"), tasks, key=key, format_func=task_labels.__getitem__, **change)
    shown = sections.show(
        timelapse_view.shipped_histories(task, cached.probe_history),
        task,
        f"{SHIPPED}_{task}",
        projecting,
        opened=opened or None,
        in_class=in_class,
    )
    sharing.publish(PAGE, {"task": task, **shown})
elif origin == YOURS:
    job = trainings.shared_manager().job(train_state.tab(st.session_state).id)
    if job is None:
        st.info(_("This session has not trained a model yet."))
        st.page_link("app_pages/6_Train.py", label=_("Train one"), icon="🏋️")
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
            st.caption(
                _("Still training: the newest epochs appear by themselves (every {seconds} s).").format(
                    seconds=i18n.number(REFRESH_S, 1 if REFRESH_S % 1 else 0)
                )
            )
        yours_name = _("your {model}").format(model=f"{view.settings.task}/{view.settings.scorer}")
        history = {yours_name: view.epochs}
        if view.is_race:  # a race: each scorer's own history, side by side
            split = race_view.by_scorer(view.epochs, view.settings.racing())
            history = {_("your {model}").format(model=f"{view.settings.task}/{s}"): e for s, e in split.items() if e}
        sections.show(history, view.settings.task, f"{YOURS}_job-{view.started_at:.0f}", projecting, live=view.active)

    st.fragment(run_every=REFRESH_S if running else None)(yours)()
else:
    names = timelapse_view.user_models()
    for note in catalog.notes():  # a broken user manifest: say why saved models are missing
        st.warning(_("Saved models are left out: {reason}").format(reason=note))
    if not names:
        st.info(_("No model has been saved from the Train page yet."))
        st.stop()
    if owner.own(st.session_state, PAGE).get("model") not in names:  # deleted since, or none yet: the first
        owner.propose_own(st.session_state, PAGE, {"model": names[0]})
    key, change = pickers.bound_own(PAGE, "model", names[0])
    name = pick_box.selectbox(_("Model"), names, key=key, **change)
    history = timelapse_view.model_history(name, cached.probe_history)
    sections.show({name: history}, None, f"{SAVED}_{name}", projecting, in_class=in_class)
