"""The Train page's scorer race: its settings and button, the live race (a probe heatmap per scorer, three to a row,
the curves of every scorer in one chart per metric) and the form that saves a race's models as a set."""

from __future__ import annotations

import streamlit as st

from explorer import i18n
from explorer.figures import curves, heatmaps
from explorer.i18n import _
from explorer.i18n.errors import message_of
from explorer.state.catalog import default_sentence, metric_title
from explorer.training.events import metric_words
from explorer.training.manager import Job, JobManager, JobView
from explorer.training.saving import RACE_NAME_CHARS, RACE_NAME_RULE, SaveError, save_blocker, save_race
from explorer.training.settings import RACE_BUDGETS, RaceSettings, task_bar, task_metric
from explorer.ui.train import sections as train_sections
from explorer.ui.train import state as train_state
from explorer.ui.train import trainings
from explorer.views import race as race_view

HEATMAP_PX = 260  # a small heatmap: two rows of three fit one screen with the curves below
PER_ROW = 3  # heatmaps side by side: six scorers in one row left each too narrow for its column labels
COLUMN_PX = 300  # about how wide each is then, at 1400 px: its labels thin out to fit (heatmaps.thin_labels)


def settings_row(task: str, cell: str, active: bool, folded: bool = False) -> RaceSettings | None:
    """The race's settings and its button, in an expander (`folded`: closed, as on a projector); the RaceSettings
    to start when the button was pressed."""
    with st.expander(_("Race all scorers"), expanded=not folded):
        bar = task_bar(task)
        metric = metric_words(task_metric(task))
        if bar is None:
            rule = _("This task has no bar: the race runs its whole budget.")
        else:
            rule = _("A scorer passes at {bar}% validation {metric} and stops training; the race ends when every "
                     "scorer with attention has passed, or when its time is up.").format(
                bar=i18n.number(100 * bar), metric=metric)  # fmt: skip
        st.caption(
            _("Every scorer ({scorers}) learns the same task with the same settings and seed, one step of each in "
              "turn in one process: the race counts as one training.").format(
                scorers=_(", ").join(RaceSettings().racing()))
            + " " + rule
        )  # fmt: skip
        defaults = RaceSettings()
        row = st.columns(4)
        hidden = row[0].select_slider(_("Hidden size"), [16, 32, 64, 128], value=defaults.hidden_size,
                                      key="race_hidden", disabled=active)  # fmt: skip
        lr = row[1].select_slider(_("Learning rate"), [1e-3, 3e-3, 1e-2], value=defaults.lr, key="race_lr",
                                  disabled=active, format_func=lambda v: f"{v:g}")  # fmt: skip
        seconds = row[2].select_slider(_("Time (s)"), list(RACE_BUDGETS), value=int(defaults.seconds),
                                       key="race_seconds", disabled=active)  # fmt: skip
        with row[3]:
            pressed = st.button(_("Race all scorers"), key="race_start", type="primary", disabled=active)
    if not pressed:
        return None
    return RaceSettings(task=task, cell=cell, hidden_size=int(hidden), lr=float(lr), seconds=float(seconds))


def _shown(value: float | None, metric: str) -> str:
    if value is None:
        return "–"
    return i18n.number(100 * value, 1) + "%" if metric == "exact_match" else i18n.number(value, 1)


def standing_line(row: race_view.Standing, metric: str) -> str:
    """One scorer's caption under its heatmap: steps, best so far, passed (and stopped training)."""
    text = _("{steps} steps · best {best}").format(steps=i18n.number(row.steps), best=_shown(row.best, metric))
    if row.passed_at:
        text += " · " + _("passed at step {step} ({seconds} s): stopped training").format(
            step=i18n.number(row.passed_at.get("steps", 0)), seconds=i18n.number(row.passed_at.get("race_seconds", 0))
        )
    return text


def outcome(view: JobView, metric: str) -> str | None:
    """Who passed first, and how the race ended (None while nobody has passed and it runs)."""
    race = view.race or {}
    scorers = list(race.get("scorers", []))
    first = race_view.first_to_pass(view.passes, scorers)
    parts = []
    if first:
        passed = next(p for p in view.passes if p.get("scorer") == first)
        parts.append(_("**{scorer}** passed first, at step {step}.").format(
            scorer=first, step=i18n.number(passed.get("steps", 0))))  # fmt: skip
    summary = view.summary or {}
    if summary.get("reason") == "all passed":
        parts.append(_("Every scorer with attention passed the bar in {seconds} s.").format(
            seconds=i18n.number(summary.get("seconds", 0))))  # fmt: skip
    elif summary.get("reason") == "budget":
        waiting = [s for s in race.get("contenders", []) if s not in {p.get("scorer") for p in view.passes}]
        parts.append(_("Time is up ({seconds} s); not passed: {scorers}.").format(
            seconds=i18n.number(summary.get("seconds", 0)), scorers=", ".join(waiting) or "–"))  # fmt: skip
    return " ".join(parts) or None


def live(manager: JobManager, session: str) -> None:
    """The race as it goes: status, outcome, a probe heatmap per scorer (three to a row), loss and validation curves."""
    view = trainings.current_view(manager, session)
    if view is None:
        return
    metric = task_metric(view.settings.task)
    race = view.race or {"scorers": list(view.settings.racing()), "contenders": []}
    scorers = list(race["scorers"])
    messages = {"failed": st.error, "stopped": st.warning, "finished": st.success}
    status = _(train_sections.STATUS_WORDS.get(view.status, view.status))
    line = " · ".join([f"**{status}**", _("race of {task}").format(task=view.settings.task)]
                      + ([view.reason()] if view.reason() else [])
                      + ([message_of(view.error)] if view.error else []))  # fmt: skip
    messages.get(view.status, st.info)(line)
    told = outcome(view, metric)
    if told:
        st.success(told) if view.passes else st.warning(told)
    source = default_sentence(view.settings.task)
    rows = {row.scorer: row for row in race_view.standings(view.steps, view.epochs, view.passes, race, metric)}
    probes = {scorer: race_view.latest_probe(view.steps, view.epochs, scorer, source) for scorer in scorers}
    lines = {scorer: standing_line(rows[scorer], metric) for scorer in scorers if scorer in rows}
    probe_grid(probes, lines)
    left, right = st.columns(2)
    loss = race_view.loss_series(view.steps, scorers)
    valid = race_view.valid_series(view.epochs, scorers, metric)
    left.plotly_chart(curves.curves(loss, _("training loss"), _("step"), _("loss per target token")),
                      key="race_loss_chart")  # fmt: skip
    bar = task_bar(view.settings.task)
    right.plotly_chart(curves.curves(valid, _("validation"), _("step"), metric_title(metric),
                                     y_range=(0, 1.02) if metric == "exact_match" else None),
                       key="race_valid_chart")  # fmt: skip
    if bar is not None:
        st.caption(_("The bar: {bar}% validation {metric}.").format(
            bar=i18n.number(100 * bar), metric=metric_words(metric)))  # fmt: skip


def probe_grid(probes: dict[str, dict | None], lines: dict[str, str]) -> None:
    """Each scorer's newest probe heatmap, PER_ROW to a row, its output and its standing line under it.

    probes: scorer -> its probe record (None before its first); lines: scorer -> its standing line.
    """
    scorers = list(probes)
    for start in range(0, len(scorers), PER_ROW):
        for column, scorer in zip(st.columns(PER_ROW), scorers[start : start + PER_ROW], strict=False):
            with column:
                st.markdown(f"**{scorer}**")
                probe = probes[scorer]
                figure = heatmaps.probe_heatmap(probe, height=HEATMAP_PX, width=COLUMN_PX) if probe else None
                if figure is not None:
                    figure.update_layout(showlegend=False, margin={"l": 4, "r": 4, "t": 4, "b": 4})
                    figure.update_traces(showscale=False)
                    st.plotly_chart(figure, key=f"race_heatmap_{scorer}")
                elif scorer == "none":
                    st.caption(_("no attention"))
                if probe:
                    st.caption(_("Output: `{output}`").format(output=probe.get("output", "")))
                if scorer in lines:
                    st.caption(lines[scorer])


def save_form(job: Job) -> None:
    """Save every scorer of a finished race as user/<name>-<scorer>, the set as race/<name> (Compare lists it)."""
    st.subheader(_("Save this race"))
    st.caption(_("Each scorer's best epoch is saved as user/<name>-<scorer>, and the set as race/<name>: "
                 "Compare shows the set's models side by side. {rule}").format(
        rule=_(RACE_NAME_RULE).format(most=RACE_NAME_CHARS)))  # fmt: skip
    unusable = save_blocker()
    if unusable:
        st.error(message_of(unusable))
        return
    with st.form("race_save_form"):
        name = st.text_input(_("Name"), key="race_name", placeholder="my-race")
        save = st.form_submit_button(_("Save"))
    if save:
        first = race_view.first_to_pass(job.view().passes, list(job.settings.racing()))
        try:
            saved = save_race(job.run_dir, name.strip(), first)
        except SaveError as error:
            st.error(message_of(error))
        else:
            train_state.tab(st.session_state).saved = saved.name
    if train_state.tab(st.session_state).saved:
        st.success(_("Saved as **{name}**: pick it on the Compare page.").format(
            name=train_state.tab(st.session_state).saved))  # fmt: skip
