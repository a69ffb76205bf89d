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
from explorer.ui.loaders import get_translator
from explorer.ui.markdown import escape_markdown
from explorer.views import words
from seq2seq.checkpoint import CheckpointError
from seq2seq.scorers import default_scorer


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
        _resend_when_relabelled(key, labels)
        container.selectbox(_("Model"), ["", *others], key=key, format_func=labels.get, help=_(MODEL_HELP))
    return state[key] or models[0].name


def _resend_when_relabelled(key: str, labels: dict[str, str]) -> None:
    """Make the box send its value to the browser again when its labels changed (another task, scorer or
    language) while its value did not ("" names each task's default model).

    A keyed selectbox stays one widget across reruns, and the browser holds its value as the label it
    showed: left alone it would go on showing, and send back, the previous task's model.
    """
    state, seen = st.session_state, f"_{key}_labels"
    shown = list(labels.values())
    if state.get(seen) is not None and state[seen] != shown and key in state:
        state[key] = state[key]  # a value set this run is sent to the browser with the new options
    state[seen] = shown


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
        state[f"{prefix}_scorer"] = default_scorer(scorers)
    scorer = middle.selectbox(_("Scorer"), scorers, key=f"{prefix}_scorer")
    sentence = right.text_input(_("Sentence"), key=f"{prefix}_sentence", max_chars=MAX_SENTENCE_CHARS)
    name = model_choice(box, task, scorer, f"{prefix}_model")  # a row of its own: its labels are long
    box.caption(escape_markdown(_("Model {name}").format(name=name)))
    return Picked(task, scorer, sentence, name, state[f"{prefix}_model"])


def widget_keys(prefix: str) -> dict[str, str]:
    """view field -> widget key of `model_and_sentence`'s widgets: task, scorer, sentence, model."""
    return {field: f"{prefix}_{field}" for field in ("task", "scorer", "sentence", "model")}


def units_toggle(container, key: str, sides: tuple[bool, bool]) -> tuple[bool, bool] | None:
    """The "pieces / words" toggle of a subword task's heatmaps (explorer.views.words); the sides to merge
    into words when it shows words, else None. No toggle (None) when neither side is SentencePiece.

    Its session value (`key`) is "pieces" or "words"; the page's view carries units="words" or "".
    """
    state = st.session_state
    if not any(sides):
        state.pop(key, None)  # a character task: pieces only (a link's units=words is dropped)
        return None
    if state.get(key) not in words.UNITS:
        state[key] = words.PIECES
    labels = {unit: _(label) for unit, label in words.UNIT_LABELS.items()}  # looked up: AppTest formats later
    container.segmented_control(
        _("Heatmap in"),
        words.UNITS,
        key=key,
        required=True,
        format_func=labels.__getitem__,
        help=_("Words: SentencePiece pieces joined back into the words they spell; the rule is under the heatmap."),
    )
    return sides if state[key] == words.WORDS else None


def units_of(key: str) -> str:
    """The view's units from toggle `key`: "words", or "" (pieces, or no toggle)."""
    return words.units_value(st.session_state.get(key))


def follow_units(view: ViewState, key: str, new: bool) -> None:
    """Put the view's units into toggle `key` (as `apply_view` does for the other widgets)."""
    link.follow(st.session_state, key, view.units or words.PIECES, force=new)


def subword_sides(name: str | None) -> tuple[bool, bool]:
    """(source is SentencePiece?, target is?) of registry model `name`; (False, False) when it cannot load
    (the page says why where it loads it)."""
    try:
        return words.sides_of(get_translator(name)) if name else (False, False)
    except CheckpointError:
        return False, False
