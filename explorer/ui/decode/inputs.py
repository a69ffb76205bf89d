"""The Decode page's settings: task, scorer, model, sentence and its examples, strategy, reference and play
speed, in sight or folded (once a sentence is chosen, on a projector, for a student following a teacher);
and the line that names the model. Streamlit widgets over explorer.views.decode's plain logic."""

from __future__ import annotations

import streamlit as st

from explorer.i18n import _
from explorer.state import catalog, keys, owner
from explorer.state.view import MAX_SENTENCE_CHARS, STRATEGIES
from explorer.ui.common import pickers
from explorer.ui.common.markdown import escape_markdown
from explorer.views import decode as decode_view
from seq2seq.attention import SCORER_INFO


def inputs(available: dict[str, list[str]], presentation: bool, following: bool = False):
    """Task, scorer toggle (and model, if the scorer has several), sentence, examples, strategy, reference.

    Returns where the model line goes (explorer.ui.decode.sections.model_line): the page, or on a
    projector the folded settings. There the sentence is the one input in sight, beside the folded
    settings (task, scorer, model, strategy, reference), so the heatmap starts high on the screen.
    A class's follower gets no box to change (below): the model line, folded.
    """
    if presentation:
        sentence, settings = st.columns([2, 1], vertical_alignment="bottom")
        _sentence_box(sentence)
        box = settings.expander(_("Decoding settings"))
        with box:
            _task_box(st, available)
            _scorer_box(available)
            _model_box(narrow=False)
            _strategy_boxes((st, *st.columns(2), st))  # stacked: the expander is a third of the page wide
        return box
    ss = st.session_state
    if following:  # a student following the teacher: the teacher's model named, folded, under the teacher's step
        # No box to change: a follower changes the view with "Explore on my own" (the banner), and the page it opens
        # draws the settings. Folded boxes cost a phone's first drawing of Decode the text input's and the select
        # box's scripts (20 files) for nothing in sight: a lesson's start reached two phones in 2.4–3.6 s instead of
        # 1.3 s the first time (issue 62; bench.lesson_start, two busy loops), and every follower's run drew them.
        return st.expander(_("Settings (explore on your own to change them)"))
    if not owner.view(ss).sentence.strip():  # nothing chosen yet: every setting in sight
        task_box, _beside = st.columns([1, 2])  # the task box keeps its width of a third
        _task_box(task_box, available)
        _scorer_box(available)
        _model_box(narrow=True)
        _sentence_and_examples()
        _strategy_boxes(st.container().columns([5, 2, 2, 4]))
        return st
    # A sentence is chosen: the sentence and the scorer stay in sight, the rest folds, so that the
    # heatmap's first row is on a 1366×768 laptop's first screen.
    _sentence_and_examples()
    _scorer_box(available)
    box = st.expander(_("Task, model, strategy and play speed"))
    with box:
        _folded_settings(available)
    return box


def _folded_settings(available: dict[str, list[str]]) -> None:
    """Task, model, strategy (with its settings and the reference) and play speed, in a folded box."""
    ss = st.session_state
    task_box, _beside = st.columns([1, 2])
    _task_box(task_box, available)
    _model_box(narrow=True)
    _strategy_boxes(st.container().columns([5, 2, 2, 4]))
    speed_box, _beside = st.columns([1, 2])
    ss.setdefault(keys.DECODE_SPEED, decode_view.DEFAULT_SPEED)
    speed_box.slider(_("Play speed (seconds per step)"), 0.1, 2.0, step=0.1, key=keys.DECODE_SPEED)


def _sentence_and_examples() -> None:
    """The sentence box and, beside it, the task's examples."""
    ss = st.session_state
    sentence, example = st.columns([2, 1])
    _sentence_box(sentence)
    task = owner.view(ss).task
    # the task's own examples (not its probes: no shipped model aligns some of them), each with the scorer it
    # opens on (picking it switches to that scorer: decode_view.on_example)
    labels = {e: f"{e} · {catalog.example_scorer(task, e)}" for e in catalog.task_examples(task)}
    example.selectbox(
        _("Or pick an example"),
        list(labels),
        format_func=labels.__getitem__,
        index=None,
        key=keys.DECODE_EXAMPLE,
        placeholder=_("examples for this task"),
        on_change=decode_view.on_example,
        args=(ss,),
    )


def _task_box(box, available: dict[str, list[str]]) -> None:
    # Labels looked up, not computed, by format_func: AppTest calls it outside the page's run (in English).
    task_labels = {task: catalog.task_label(task) for task in available}
    key, change = pickers.bound(decode_view.PAGE, "task")  # a new task: its example, its scorer if it has this one
    box.selectbox(_("Task"), list(available), key=key, format_func=task_labels.__getitem__, **change)


def _scorer_box(available: dict[str, list[str]]) -> None:
    # A row of its own: the six options need about 480 px, more than a column beside the task box
    # has on a 1024-pixel laptop or a projector ("location" was cut off, out of reach).
    key, change = pickers.bound(decode_view.PAGE, "scorer")
    st.segmented_control(
        _("Attention scorer"),
        available[owner.view(st.session_state).task],
        key=key,
        required=True,
        help=_("Each scorer is its own trained model; switching keeps the sentence and the step."),
        **change,
    )


def _model_box(narrow: bool) -> None:
    """The Model box, drawn only when the scorer has several models (else no empty row); `narrow`:
    in two thirds of the page's width (the folded settings are narrow already)."""
    view = owner.view(st.session_state)
    several = len(catalog.variants(view.task, view.scorer)) > 1
    box = st.columns([2, 1])[0] if several and narrow else st
    key, change = pickers.bound(decode_view.PAGE, "model")
    pickers.model_choice(box, view.task, view.scorer, key, change)


def _sentence_box(box) -> None:
    key, change = pickers.bound(decode_view.PAGE, "sentence")  # another sentence starts at step 0 (owner.DEPENDS)
    box.text_input(_("Source sentence"), key=key, max_chars=MAX_SENTENCE_CHARS, **change)


def _strategy_boxes(boxes) -> None:
    """Strategy, its temperature and seed or beam width, and the reference, in four boxes (a row of
    four on the page; stacked in the projector's folded settings)."""
    strategy, first, second, reference = boxes
    key, change = pickers.bound(decode_view.PAGE, "strategy")
    strategy.radio(
        _("Strategy"),
        STRATEGIES,
        key=key,
        horizontal=True,
        format_func={s: _(decode_view.STRATEGY_LABELS[s]) for s in STRATEGIES}.__getitem__,
        **change,
    )
    chosen = owner.view(st.session_state).strategy
    if chosen == "sample":
        key, change = pickers.bound(decode_view.PAGE, "temperature")
        first.slider(_("Temperature"), 0.05, 5.0, step=0.05, key=key, **change)
        key, change = pickers.bound(decode_view.PAGE, "seed")
        second.number_input(_("Seed"), 0, 2**31 - 1, step=1, key=key, **change)
    if chosen == "beam":
        key, change = pickers.bound(decode_view.PAGE, "beam")
        first.slider(_("Beam width"), 1, 10, key=key, **change)
    key, change = pickers.bound(decode_view.PAGE, "reference")
    reference.text_input(
        _("Reference (teacher forcing)"),
        key=key,
        max_chars=MAX_SENTENCE_CHARS,
        help=_("When set, the decoder is fed this target (teacher forcing) instead of its own choices."),
        **change,
    )


def model_line(name: str, scorer: str, box=st) -> None:
    info = SCORER_INFO.get(scorer, {})
    formula = info.get("formula", "")
    line = _("Model {name} · {formula} · {reference}").format(
        name=name, formula=_(formula) if formula else "", reference=info.get("reference", "")
    )
    box.caption(escape_markdown(line))
