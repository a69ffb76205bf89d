"""The view's widgets on the pages that show one sentence (Compare, Hidden states, Beam search, Lab).

A page opens on `opening_view` (a link just opened becomes the view: explorer.state.owner.open_link), draws
its widgets bound to the view (`bound`: each shows the view's value and proposes its own change to the
owner), and writes the view into the URL, and a teacher's to the class, with `publish`. No widget keeps a
copy: the logic is in explorer.state.owner, this module only wires it to Streamlit. `model_choice`, the
"Model" box, and `units_toggle` also serve the Decode page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import streamlit as st

from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.state import catalog, owner
from explorer.state.view import MAX_SENTENCE_CHARS, ViewState, link_params
from explorer.ui.common import sharing
from explorer.ui.common.loaders import get_translator
from explorer.ui.common.markdown import escape_markdown
from explorer.views import words
from seq2seq.checkpoint import CheckpointError
from seq2seq.scorers import default_scorer


def opening_view(page: str) -> tuple[dict[str, list[str]], ViewState, bool]:
    """(registered models: task -> scorers, the view to open with, whether a link was opened on this run).

    First thing a page does, before any widget: a link just opened becomes the view at once
    (explorer.state.owner.open_link). Stops the page with a hint when no model is registered.
    """
    models = catalog.available()
    if not models:
        st.warning(_("No models are registered yet: train some (docs/models.md says how) and come back."))
        st.stop()
    view, new = owner.open_link(st.session_state, page, st.query_params.to_dict())
    return models, view, new


def link_notes(shown: tuple[str, ...]) -> None:
    """The opened link's notes (values it named that were refused), while the view still shows its `shown` fields."""
    for note in owner.link_notes(st.session_state, shown):
        st.info(escape_markdown(message_of(note)))


def publish(page: str, view: ViewState, leave_out: tuple[str, ...] = ()) -> None:
    """The page's view into the URL (only when it changed: the address bar is a share link) and, for a
    teacher, to the class's room (explorer.ui.common.sharing)."""
    sharing.publish(page, link_params(view, page, leave_out))


def bound(page: str, field: str, name: str = "") -> tuple[str, dict]:
    """(the key of `page`'s widget for view field `field`, the widget's on_change arguments): the widget shows
    the view's value (set here, before it is drawn) and proposes its own to the view's owner. `name`: the
    widget's name in its key when not the field's (explorer.state.owner.widget_key)."""
    state = st.session_state
    key = owner.fill(state, page, (field,), called=name)[field]
    return key, {"on_change": owner.take, "args": (state, field, key)}


def bound_own(page: str, field: str, default: object) -> tuple[str, dict]:
    """As `bound`, for `page`'s own field `field` (explorer.state.pages: Page.own), `default` until it has a
    value."""
    state = st.session_state
    key = owner.fill_own(state, page, field, default)
    return key, {"on_change": owner.take_own, "args": (state, page, field, key)}


MODEL_HELP = N_(
    "Other models with this scorer: another cell, or saved from the Train page. The first is the "
    "shipped GRU model, the one every scorer is compared on."
)


def model_choice(container, task: str, scorer: str, key: str, on_change: dict | None = None) -> str:
    """A "Model" box when the task and scorer have more than one model; the registry name to use.

    The box's session value (`key`) is "" for the default model (catalog.model_for) or another
    model's registry name; a value that is not one of the task and scorer's goes back to "".
    `on_change`: the box's on_change and its args (`bound`), for a box that proposes to the view's owner.
    """
    state = st.session_state
    models = catalog.variants(task, scorer)
    others = [e.name for e in models[1:]]
    if state.get(key) not in ("", *others):
        state[key] = ""
    if others:
        labels = {"": catalog.variant_label(models[0]), **{e.name: catalog.variant_label(e) for e in models[1:]}}
        _resend_when_relabelled(key, labels)
        container.selectbox(
            _("Model"), ["", *others], key=key, format_func=labels.get, help=_(MODEL_HELP), **(on_change or {})
        )
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


# Presentation mode folds a page's task, scorer and model away beside the sentence (explorer.ui.shell.presentation).
FOLDED_LABEL = N_("Task and model")


def within(models: dict[str, list[str]]) -> ViewState:
    """The view, moved onto a task and scorer of `models` when a page offers fewer than the view may name (the
    Lab has no fixed scorer): its first task, the task's default scorer."""
    state = st.session_state
    current = owner.view(state)
    if current.task not in models:
        current = owner.propose(state, {"task": next(iter(models))})
    if current.scorer not in models[current.task]:
        current = owner.propose(state, {"scorer": default_scorer(models[current.task])})
    return current


def model_and_sentence(page: str, models: dict[str, list[str]], folded: bool = False) -> Picked:
    """Task, scorer, model and sentence widgets of `page` (keys from explorer.state.owner.widget_key: "beam_task",
    …) showing the view, each proposing its change to the view's owner (a new task brings its example and
    keeps the scorer when it has it). `folded` (presentation mode): the sentence in sight, the task, scorer
    and model in an expander beside it. Returns what they show."""
    state = st.session_state
    if folded:
        right, beside = st.columns([2, 1], vertical_alignment="bottom")
        left = middle = box = beside.expander(_(FOLDED_LABEL))
    else:
        left, middle, right = st.columns([1, 1, 2])
        box = st
    task_labels = {task: catalog.task_label(task) for task in models}  # looked up: AppTest formats outside the run
    within(models)
    key, change = bound(page, "task")
    left.selectbox(_("Task"), list(models), key=key, format_func=task_labels.__getitem__, **change)
    key, change = bound(page, "scorer")
    middle.selectbox(_("Scorer"), models[owner.view(state).task], key=key, **change)
    key, change = bound(page, "sentence")
    right.text_input(_("Sentence"), key=key, max_chars=MAX_SENTENCE_CHARS, **change)
    view = owner.view(state)
    key, change = bound(page, "model")
    name = model_choice(box, view.task, view.scorer, key, change)  # a row of its own: its labels are long
    box.caption(escape_markdown(_("Model {name}").format(name=name)))
    return Picked(view.task, view.scorer, view.sentence, name, owner.view(state).model)


def units_toggle(
    container, key: str, sides: tuple[bool, bool], on_change: dict | None = None
) -> tuple[bool, bool] | None:
    """The "pieces / words" toggle of a subword task's heatmaps (explorer.views.words); the sides to merge
    into words when it shows words, else None. No toggle (None) when neither side is SentencePiece.

    Its session value (`key`) is "pieces" or "words"; the page's view carries units="words" or "".
    `on_change`: its on_change and args (`page_units`), for a toggle that proposes to the view's owner.
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
        **(on_change or {}),
    )
    return sides if state[key] == words.WORDS else None


def pieces_only(sides: tuple[bool, bool]) -> None:
    """A character task (neither side SentencePiece: `sides`) shows pieces only: its view says so (a link's
    units=words is dropped). Before the page publishes its view."""
    state = st.session_state
    if not any(sides) and owner.view(state).units:
        owner.propose(state, {"units": ""})


def page_units(container, page: str, sides: tuple[bool, bool]) -> tuple[bool, bool] | None:
    """`units_toggle` for `page`, bound to the view's `units` ("" pieces, "words"); none for a character task
    (`pieces_only`)."""
    state = st.session_state
    if not any(sides):
        return None
    key = owner.widget_key(state, page, "units")
    state[key] = owner.view(state).units or words.PIECES
    change = {"on_change": _units_changed, "args": (key,)}
    return units_toggle(container, key, sides, change)


def _units_changed(key: str) -> None:
    owner.propose(st.session_state, {"units": words.units_value(st.session_state.get(key))}, by="units")


def subword_sides(name: str | None) -> tuple[bool, bool]:
    """(source is SentencePiece?, target is?) of registry model `name`; (False, False) when it cannot load
    (the page says why where it loads it)."""
    try:
        return words.sides_of(get_translator(name)) if name else (False, False)
    except CheckpointError:
        return False, False
