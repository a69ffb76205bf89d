"""The Train page's sections: the live curves and probe heatmap of a running training, and the save form."""

from __future__ import annotations

import streamlit as st

from explorer import i18n
from explorer.figures import curves, heatmaps
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state.catalog import metric_title
from explorer.training.manager import Job, JobManager, JobView
from explorer.training.saving import NAME_RULE, SaveError, save_blocker, save_model
from explorer.training.settings import task_metric
from explorer.ui.train import state as train_state
from explorer.ui.train import trainings
from explorer.views import timelapse as timelapse_view

# A job's status as the status line says it (the statuses themselves are code: JobView.status).
STATUS_WORDS = {
    "starting": N_("starting"),
    "running": N_("running"),
    "stopping": N_("stopping"),
    "finished": N_("finished"),
    "stopped": N_("stopped"),
    "failed": N_("failed"),
}
# The curves' series, as timelapse_view.live_series names them.
SERIES_WORDS = {"training loss": N_("training loss"), "epoch mean": N_("epoch mean")}


def where(view: JobView) -> str:
    """How far the job has come, for its status line: the last epoch and step, and the step it is at now."""
    latest = view.epochs[-1] if view.epochs else None
    now = view.steps[-1] if view.steps and (not latest or view.steps[-1]["step"] > latest["steps"]) else None
    if now is None:
        if latest:
            return _("epoch {epoch}, step {step}").format(epoch=latest["epoch"], step=latest["steps"])
        return _("starting (spawning a process, epoch 0)")
    seconds = i18n.number(now["seconds"])
    if latest:
        return _("epoch {epoch}, step {step}; now at step {now} ({seconds} s)").format(
            epoch=latest["epoch"], step=latest["steps"], now=now["step"], seconds=seconds
        )
    return _("starting (spawning a process, epoch 0); now at step {now} ({seconds} s)").format(
        now=now["step"], seconds=seconds
    )


def status_line(view: JobView) -> str:
    """The job's status line: "**running** · reverse/dot · epoch 2, step 20", then why it ended and its error."""
    status = _(STATUS_WORDS[view.status]) if view.status in STATUS_WORDS else view.status
    parts = [f"**{status}**", f"{view.settings.task}/{view.settings.scorer}", where(view)]
    reason = view.reason()
    if reason:
        parts.append(reason)
    if view.error:
        parts.append(message_of(view.error))
    return " · ".join(parts)


def live(manager: JobManager, session: str, task: str | None = None) -> None:
    """Curves and the probe heatmap; reruns every few seconds while training (and so is the heartbeat).

    Before a training, the curves' empty axes for `task` (the page's task box): a lesson's Train step shows the
    class where the curves will be drawn, in the projected frame (issue 62)."""
    view = trainings.current_view(manager, session)
    if view is None:
        st.info(_("Choose the settings and press **Start**."))
        if task is not None:
            _curves(task_metric(task), {}, {}, {})
        return
    metric = task_metric(view.settings.task)
    latest = view.epochs[-1] if view.epochs else None
    messages = {"failed": st.error, "stopped": st.warning, "finished": st.success}
    messages.get(view.status, st.info)(status_line(view))
    loss, valid = timelapse_view.live_series(view.steps, view.epochs, metric)
    loss = {_(SERIES_WORDS[name]) if name in SERIES_WORDS else name: series for name, series in loss.items()}
    # one series, the task's metric: named in the page's language
    valid = dict(zip([_("validation {metric}").format(metric=metric_title(metric))], valid.values(), strict=False))
    marker = {}
    if latest:
        marker = dict(marker_x=latest["steps"], marker_label=_("epoch {epoch}").format(epoch=latest["epoch"]))
    _curves(metric, loss, valid, marker)
    sources = timelapse_view.probe_sources({"run": view.epochs})
    if latest and sources:
        opening = timelapse_view.default_probe_index(sources, view.settings.task)  # reverse: "hello world"
        source = st.selectbox(_("Probe sentence"), sources, index=opening, key="train_probe")
        probe = timelapse_view.probe_for(latest, source)
        title = _("attention after epoch {epoch}").format(epoch=latest["epoch"])
        figure = heatmaps.probe_heatmap(probe, title=title) if probe else None
        if figure is None:
            st.info(_("The scorer 'none' has no attention: the decoder sees only the encoder's final state."))
        else:
            st.plotly_chart(figure, key="train_heatmap")
        if probe:
            st.caption(
                _("Output after epoch {epoch}: `{output}`").format(
                    epoch=latest["epoch"], output=probe.get("output", "")
                )
            )


def _curves(metric: str, loss: dict, valid: dict, marker: dict) -> None:
    """The training loss and the validation metric side by side (series name -> (steps, values))."""
    left, right = st.columns(2)
    left.plotly_chart(curves.curves(loss, _("training loss"), _("step"), _("loss per target token"), **marker),
                      key="train_loss_chart")  # fmt: skip
    right.plotly_chart(curves.curves(valid, _("validation"), _("step"), metric_title(metric), y_range=(0, 1.02)
                       if metric == "exact_match" else None, **marker), key="train_valid_chart")  # fmt: skip


def save_form(job: Job) -> None:
    """The form that saves a finished training's best epoch as user/<name>, and a link to its timelapse."""
    st.subheader(_("Save this model"))
    st.caption(
        _("The best epoch is saved. {rule} It appears as user/<name> in every model picker.").format(rule=_(NAME_RULE))
    )
    unusable = save_blocker()
    if unusable:  # the user models folder overlaps pretrained/, or its manifest is broken: nothing to save into
        st.error(message_of(unusable))
        return
    with st.form("train_save_form"):
        name = st.text_input(_("Name"), key="train_name", placeholder="my-dates-model")
        save = st.form_submit_button(_("Save"))
    if save:
        try:
            entry = save_model(job.run_dir, name.strip())
        except SaveError as error:
            st.error(message_of(error))
        else:
            train_state.tab(st.session_state).saved = entry.name
    if train_state.tab(st.session_state).saved:
        st.success(_("Saved as **{name}**: pick it on any page.").format(name=train_state.tab(st.session_state).saved))
    st.page_link("app_pages/7_Timelapse.py", label=_("Replay this training epoch by epoch (Timelapse)"), icon="⏯️")
