"""Widgets and link handling shared by the pages that show one sentence (Compare, Hidden states, Beam search).

`model_choice`, the "Model" box, also serves the Decode page.

A page opens on `opening_view` (a link, else the Decode page's session keys, else defaults), puts
it into its widgets with `apply_view`, draws them, and writes what they show back into the URL
with `publish`. The logic is in explorer.state (view, link); this module only wires it to Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import NamedTuple

import streamlit as st

from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import catalog, link
from explorer.state.view import MAX_SENTENCE_CHARS, ViewState, initial_view, link_params
from explorer.ui.markdown import escape_markdown


def opening_view(page: str) -> tuple[dict[str, list[str]], ViewState, dict[str, str], bool]:
    """(registered models: task -> scorers, the view to open with, the link it comes from, new link?).

    `page` names the page's link (a key of LINK_FIELDS). Stops the page with a hint
    when no model is registered.
    """
    models = catalog.available()
    if not models:
        st.warning(_("No models are registered yet: train some (docs/models.md says how) and come back."))
        st.stop()
    opened, new = link.opened_link(st.session_state, st.query_params.to_dict(), page)
    return models, initial_view(opened, st.session_state, models), opened, new


def apply_view(view: ViewState, widgets: Mapping[str, str], new: bool) -> None:
    """Put the view into the widgets before they are drawn, and show the link's notes.

    widgets: view field -> widget key. A widget takes the view's value the first time, when that
    value moves (the Decode page moved on), and always when a link has just been opened (`new`).
    The notes stay while the widgets still show the link's values.
    """
    state = st.session_state
    for field, key in widgets.items():
        link.follow(state, key, getattr(view, field), force=new)
    shown = {field: state.get(key) for field, key in widgets.items()}
    for note in link.notes_to_show(view, shown):
        st.info(escape_markdown(message_of(note)))


def publish(page: str, view: ViewState, leave_out: tuple[str, ...] = ()) -> None:
    """Write the page's current view into the URL (only when it changed): the address bar is a link."""
    link.publish(st.session_state, st.query_params, page, link_params(view, page, leave_out))


MODEL_HELP = N_(
    "Other models with this scorer: another cell, or saved from the Train page. The first is the "
    "shipped GRU model, the one every scorer is compared on."
)


def model_choice(container, task: str, scorer: str, key: str) -> str:
    """A "Model" box when the task and scorer have more than one model; the registry name to use.

    The box's session value (`key`) is "" for the default model (catalog.model_for) or another
    model's registry name; a value that is not one of the task and scorer's goes back to "".
    """
    state = st.session_state
    models = catalog.variants(task, scorer)
    others = [e.name for e in models[1:]]
    if state.get(key) not in ("", *others):
        state[key] = ""
    if others:
        labels = {"": catalog.variant_label(models[0]), **{e.name: catalog.variant_label(e) for e in models[1:]}}
        container.selectbox(_("Model"), ["", *others], key=key, format_func=labels.get, help=_(MODEL_HELP))
    return state[key] or models[0].name


class Picked(NamedTuple):
    task: str
    scorer: str
    sentence: str
    name: str  # the registry name of the model to run
    model: str  # the same for the link: "" when it is the task and scorer's default

    def view(self, base: ViewState, **more) -> ViewState:
        """`base` (the view the page opened on) with what the widgets picked, and `more` fields."""
        return replace(base, task=self.task, scorer=self.scorer, sentence=self.sentence, model=self.model, **more)


# Presentation mode folds a page's task, scorer and model away beside the sentence (explorer.ui.presentation).
FOLDED_LABEL = N_("Task and model")


def model_and_sentence(prefix: str, models: dict[str, list[str]], folded: bool = False) -> Picked:
    """Task, scorer, model and sentence widgets (keys `<prefix>_task`, …) and what they pick.

    Their values were set by `apply_view`; a new task brings its example sentence. `folded`
    (presentation mode): the sentence in sight, the task, scorer and model in an expander beside it.
    """
    state = st.session_state

    def task_changed() -> None:
        state[f"{prefix}_sentence"] = catalog.default_sentence(state[f"{prefix}_task"])

    if folded:
        right, beside = st.columns([2, 1], vertical_alignment="bottom")
        left = middle = box = beside.expander(_(FOLDED_LABEL))
    else:
        left, middle, right = st.columns([1, 1, 2])
        box = st
    task_labels = {task: catalog.task_label(task) for task in models}  # looked up: AppTest formats outside the run
    task = left.selectbox(
        _("Task"),
        list(models),
        key=f"{prefix}_task",
        on_change=task_changed,
        format_func=task_labels.__getitem__,
    )
    scorers = models[task]
    if state[f"{prefix}_scorer"] not in scorers:  # the task has just changed, or a link named another
        state[f"{prefix}_scorer"] = "general" if "general" in scorers else scorers[0]
    scorer = middle.selectbox(_("Scorer"), scorers, key=f"{prefix}_scorer")
    sentence = right.text_input(_("Sentence"), key=f"{prefix}_sentence", max_chars=MAX_SENTENCE_CHARS)
    name = model_choice(middle, task, scorer, f"{prefix}_model")
    box.caption(escape_markdown(_("Model {name}").format(name=name)))
    return Picked(task, scorer, sentence, name, state[f"{prefix}_model"])


def widget_keys(prefix: str) -> dict[str, str]:
    """view field -> widget key of `model_and_sentence`'s widgets: task, scorer, sentence, model."""
    return {field: f"{prefix}_{field}" for field in ("task", "scorer", "sentence", "model")}
