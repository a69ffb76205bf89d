"""A lesson step's texts with their numbers filled in: the placeholders measured on the models when shown.

`filled(step, view)` is the step with every text field (in every language) filled from
explorer.lessons.placeholders.step_values, the checker's own measure, computed once per step and
view for every session (st.cache_data), with the tokens of the view's own decode (explorer.lessons.tokens).
The player draws the filled step, so the text says what the page beside it shows.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from explorer.lessons import placeholders
from explorer.lessons.numbers import markers
from explorer.lessons.schema import Claim, Step
from explorer.state.view import ViewState
from explorer.ui.common.loaders import get_translator


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs={Claim: repr, ViewState: repr, Step: repr})
def _numbers(step: Step, view: ViewState | None) -> dict[str, placeholders.Number | placeholders.Token]:
    """The values of a step's placeholders (its view's settings and tokens, its named claims' measures)."""
    return placeholders.step_values(step.claims, view, get_translator, step)


def _fill_part(part, names: tuple[str, ...], numbers) -> dict:
    """The filled text fields `names` of a step, question or option, and of their translations."""
    changed = {name: placeholders.fill(getattr(part, name), numbers) for name in names}
    changed["translated"] = tuple((key, placeholders.fill(text, numbers)) for key, text in part.translated)
    return changed


def filled(step: Step, view: ViewState | None) -> Step:
    """`step` with the placeholders of its texts replaced by their numbers (unchanged when it has none)."""
    everything = " ".join(_texts(step))
    if not placeholders.found(everything) and not markers(everything):
        return step  # nothing to fill: no placeholder, no date or citation marker {=…}
    numbers = _numbers(step, view)
    question = step.question
    if question is not None:
        options = tuple(dataclasses.replace(o, **_fill_part(o, ("text", "explain"), numbers)) for o in question.options)
        question = dataclasses.replace(
            question, options=options, **_fill_part(question, ("prompt", "explain"), numbers)
        )
    return dataclasses.replace(step, question=question, **_fill_part(step, ("title", "text", "teacher"), numbers))


def _texts(step: Step) -> list[str]:
    """Every text of a step, in every language."""
    parts: list[tuple[object, tuple[str, ...]]] = [(step, ("title", "text", "teacher"))]
    if step.question is not None:
        parts.append((step.question, ("prompt", "explain")))
        parts += [(option, ("text", "explain")) for option in step.question.options]
    return [
        text
        for part, names in parts
        for text in (*(getattr(part, n) for n in names), *(t for _key, t in part.translated))
    ]
