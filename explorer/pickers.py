"""Widgets shared by the pages that show one sentence through one model (Hidden states, Beam search)."""

from __future__ import annotations

import streamlit as st

from explorer import catalog, view_defaults
from explorer.state import MAX_SENTENCE_CHARS, ViewState


def opening_view() -> tuple[dict[str, list[str]], ViewState]:
    """The registered models (task -> scorers) and the view to open with, its notes shown.

    Stops the page with a hint when no model is registered.
    """
    models = view_defaults.available()
    if not models:
        st.warning("No models are registered yet: train some (see the README) and come back.")
        st.stop()
    view = view_defaults.initial_view(st.query_params.to_dict(), st.session_state, models)
    for note in view.notes:
        st.info(view_defaults.markdown_safe(note))
    return models, view


def model_and_sentence(prefix: str, models: dict[str, list[str]], view: ViewState) -> tuple[str, str, str, str]:
    """Task, scorer and sentence widgets (keys `<prefix>_task`, …) -> (task, scorer, sentence, model name).

    They open on `view` and keep the user's later choices; a new task brings its example sentence.
    """
    state = st.session_state
    view_defaults.follow(state, f"{prefix}_task", view.task)
    view_defaults.follow(state, f"{prefix}_sentence", view.sentence)

    def task_changed() -> None:
        state[f"{prefix}_sentence"] = view_defaults.default_sentence(state[f"{prefix}_task"])

    left, middle, right = st.columns([1, 1, 2])
    task = left.selectbox(
        "Task",
        list(models),
        key=f"{prefix}_task",
        on_change=task_changed,
        format_func=lambda t: catalog.TASK_LABELS.get(t, t),
    )
    scorers = models[task]
    view_defaults.follow(state, f"{prefix}_scorer", view.scorer)
    if state[f"{prefix}_scorer"] not in scorers:
        state[f"{prefix}_scorer"] = "general" if "general" in scorers else scorers[0]
    scorer = middle.selectbox("Scorer", scorers, key=f"{prefix}_scorer")
    sentence = right.text_input("Sentence", key=f"{prefix}_sentence", max_chars=MAX_SENTENCE_CHARS)
    return task, scorer, sentence, catalog.model_for(task, scorer).name
