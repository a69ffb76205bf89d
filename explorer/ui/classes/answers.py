"""Live classes, a student answering the open question: its panel (the prompt, the options as pills, the answer
counted, then the reveal) and a phone's first screen while it is open (issue 62: the question first, options
wrapped). No student text exists: answers are option numbers, counted anonymously."""

from __future__ import annotations

import streamlit as st

from explorer.classrooms import follow
from explorer.classrooms.store import ClassError
from explorer.i18n import N_, _
from explorer.state import keys
from explorer.ui.classes.state import KIND_LABELS, Student, joined, option_markdown, rooms, show_reveal, tab
from explorer.ui.decode import sections as decode_sections
from explorer.ui.shell.layout import HEAD_KEY, PHONE_MAX_PX
from seq2seq.numbering import numbered


def _mine() -> Student:
    """The student's part of this session."""
    return tab(st.session_state).student


def current_question():
    """The class's current question, or None (none asked, or the store away: the banner says so)."""
    try:
        return rooms().current_question(_mine().code)
    except ClassError:
        return None


# A touch screen taps where a mouse clicks: the prompt is written both ways and the browser shows the one for
# its pointer (PROMPT_CSS), since only the browser knows whether it has a mouse.
TAP_LABELS = {"attend": N_("Where will the next token look? (tap a source token)")}
CLICK_KEY, TAP_KEY = "class_prompt_click", "class_prompt_tap"
QUESTION_KEY = "class_question"  # the open question's panel (class_follow.js fits the heatmap above it)
# A phone's first screen is the open question (issue 62): the part of the page that holds it (the lesson's panel,
# or Decode's heatmap with its panel under it) comes first, before the title and the lesson's words. Static CSS.
# Its options wrap, never cut (a pill's label would end in an ellipsis). Decode's notes and table under the heatmap
# are left out meanwhile (a 27-letter source's question ended 8-24 px below a 390x844 phone's first screen).
_LEFT_OUT = (decode_sections.FOLLOWER_NOTES_KEY, decode_sections.TABLE_KEY)
FIRST_SCREEN_CSS = f"""<style>
@media (max-width: {PHONE_MAX_PX}px) {{
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] > :has(.st-key-{QUESTION_KEY}),
.st-key-{HEAD_KEY} > :has(.st-key-{QUESTION_KEY}) {{order: -1;}}
{", ".join(f'[data-testid="stLayoutWrapper"]:has(> .st-key-{key}), .st-key-{key}' for key in _LEFT_OUT)} {{
  display: none !important;}}
}}
.st-key-{QUESTION_KEY} button {{height: auto !important; max-width: 100% !important;}}
.st-key-{QUESTION_KEY} button * {{white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; overflow-wrap: anywhere;}}
</style>"""
TOUCH = "(hover: none) and (pointer: coarse)"
# Static CSS only (no user text): Streamlit gives a container with a key the class st-key-KEY.
PROMPT_CSS = f"""<style>
@media {TOUCH} {{.st-key-{CLICK_KEY} {{display: none !important;}}}}
@media not all and {TOUCH} {{.st-key-{TAP_KEY} {{display: none !important;}}}}
</style>"""


def _prompt(kind: str) -> None:
    """The question's heading: for a mouse ("click") and, where it differs, for a finger ("tap")."""
    click = _(KIND_LABELS.get(kind, KIND_LABELS["token"]))
    tap = _(TAP_LABELS[kind]) if kind in TAP_LABELS else None
    if tap is None:
        st.markdown(f"**{click}**")
        return
    st.html(PROMPT_CSS)
    with st.container(key=CLICK_KEY):
        st.markdown(f"**{click}**")
    with st.container(key=TAP_KEY):
        st.markdown(f"**{tap}**")


def answer_panel(question, prompt: str | None = None, labels: list[str] | None = None) -> None:
    """A follower's side of the open `question`: an answer (a source token, a candidate, a lesson's option) it
    may change until the reveal, then the reveal. `prompt`: the question's own words (a lesson's, Markdown
    already made safe), else the kind's; `labels`: the options as this page shows them (a lesson's, in the
    page's language, its author's Markdown: option_markdown), else the room's."""
    ss = st.session_state
    store = rooms()
    code, member = _mine().code, tab(ss).member
    if question is None:
        return
    try:
        mine = store.answered(code, question.id, member)
    except ClassError:
        return  # the banner says what is wrong
    if not question.revealed:
        st.html(FIRST_SCREEN_CSS)
    with st.container(border=True, key=QUESTION_KEY if not question.revealed else None):
        if prompt is not None:
            st.markdown(prompt)
        else:
            _prompt(question.kind)
        if question.revealed:
            before = follow.asked_before(store.questions(code), question) if question.again_of else None
            show_reveal(question, mine, before)
            return
        shown = labels if labels is not None and len(labels) == len(question.options) else question.options
        labels = {i: option_markdown(question.kind, text) for i, text in enumerate(_option_labels(list(shown)))}
        key = f"{keys.CLASS_ANSWER}_{question.id}"
        if mine is not None and ss.get(key) != mine:  # the answer counted shows chosen (a reload; a tap to unchoose)
            ss[key] = mine
        st.pills(
            _("Your answer"), list(labels), format_func=labels.__getitem__, key=key,
            on_change=_answer, args=(question.id, key),
        )  # fmt: skip
        if mine is not None:
            st.info(
                _("Your answer: {option}. Wait for the teacher to reveal; until then you can change it.").format(
                    option=_unstopped(labels[mine])
                )
            )


def _unstopped(label: str) -> str:
    """An option's label inside a sentence that ends it: its own final full stop dropped ("wrong." was "wrong..")."""
    return label[:-1] if label.endswith(".") and not label.endswith("..") else label


def _option_labels(options) -> list[str]:
    """The options as the pills show them: a repeated one (a source's two "e") after its position, as the
    heatmap's columns are labelled ("04 e", "11 e"), since the pills keep a choice by its label and would
    take one "e" for another."""
    repeated = {text for text in options if options.count(text) > 1}
    return [label if text in repeated else text for text, label in zip(options, numbered(options), strict=True)]


def _answer(question: int, key: str) -> None:
    """The answer buttons' callback: the option chosen, counted once (until the reveal a new choice replaces
    the member's earlier answer; choosing none keeps it)."""
    ss = st.session_state
    choice = ss.get(key)
    if choice is None or not joined(ss):
        return
    try:
        rooms().answer(_mine().code, question, tab(ss).member, int(choice))
    except ClassError as error:
        tab(ss).problem = error
