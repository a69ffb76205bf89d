"""The Lessons page's list of lessons, and the pieces of the lesson's docked panel (explorer.ui.lessons.dock):
a step's figure, its question and result, Back / Next / All lessons, the clicker's keys, the teacher's notes
toggle. The logic is in explorer.lessons.player; this module only draws it.

Nothing from a lesson file is rendered as HTML: titles and audiences are escaped as plain text
(escape_markdown), texts, prompts and explanations are the author's Markdown with HTML and script
links shown as text (authored_markdown).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import streamlit as st

from explorer import i18n
from explorer.figures import curves
from explorer.figures.common import position_labels
from explorer.i18n import N_, _
from explorer.i18n.errors import message_of
from explorer.lessons import check, controls, measure, player
from explorer.lessons.schema import Figure, Lesson, Problem, Step
from explorer.state import catalog, keys
from explorer.state.view import ViewState
from explorer.ui.common import cached, components
from explorer.ui.common.markdown import authored_markdown, escape_markdown
from explorer.ui.lessons import warm
from explorer.ui.shell import presentation
from explorer.views import keyboard
from seq2seq.decoding import InputError
from seq2seq.registry import CheckpointError

TEACHER_HELP = N_("Show the notes the lesson's author wrote for the teacher; students do not see them.")
ADD_LESSONS = N_(
    "Teachers add their own lessons: TOML files in a folder named by the environment variable "
    "ATTENTION_EXPLORER_LESSONS, checked with python -m explorer.lessons check FILE (docs/pages/lessons.md)."
)


def teacher_toggle() -> bool:
    """The sidebar's "Teacher's notes" toggle (off: the students' view). Returns whether it is on."""
    state = st.session_state
    if keys.LESSON_TEACHER in state:  # kept while the class visits other pages
        state[keys.LESSON_TEACHER] = state[keys.LESSON_TEACHER]
    return st.sidebar.toggle(
        _("Teacher's notes"), key=keys.LESSON_TEACHER, persist_state="session", help=_(TEACHER_HELP)
    )


def link_notes(notes: Sequence[str]) -> None:
    for note in notes:  # in the current language, also after a switch (seq2seq.messages.Message)
        st.info(escape_markdown(message_of(note)))


# -- the list ---------------------------------------------------------------------------------------
def lesson_list(lessons: Mapping[str, Lesson], problems: Sequence[Problem]) -> None:
    """Every lesson with Start; a file that cannot be read named with its problems; a lesson whose text names a
    control its step's page does not show (explorer.lessons.controls: the checker's rule) named too."""
    st.caption(_("Guided tours of the app: each step opens a view of a real model, asks a question and explains it."))
    if not lessons:
        st.info(_("No lesson could be read."))
    for lesson in lessons.values():
        with st.container(border=True):
            st.subheader(escape_markdown(player.own_text(lesson, "title")))
            st.caption(escape_markdown(player.lesson_line(lesson)))
            if lesson.summary:
                st.markdown(authored_markdown(player.own_text(lesson, "summary")))
            st.button(
                _("Start"), key=f"lesson_start_{lesson.id}", on_click=player.move, args=(st.session_state, lesson.id, 0)
            )
    by_file: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        by_file[str(problem.path)].append(player.problem_text(problem))
    for lines in by_file.values():
        listed = "\n".join(f"- {escape_markdown(line)}" for line in lines)
        st.warning(_("A lesson file could not be read:\n{problems}").format(problems=listed))
    unshown = [player.problem_text(p) for lesson in lessons.values() for p in controls.problems(lesson)]
    if unshown:
        listed = "\n".join(f"- {escape_markdown(line)}" for line in unshown)
        st.warning(
            _(
                "A lesson names a control its step's page does not show (it still runs; "
                "python -m explorer.lessons check FILE says the same):\n{problems}"
            ).format(problems=listed)
        )
    st.caption(escape_markdown(_(ADD_LESSONS)))
    warm.mount()  # a class waits here: the browser loads the code the lesson's pages draw with (issue 62)


# The lesson's figure on a projector: in the lesson's side column under the step's words, Back / Next below it.
FRAME_FIGURE_PX = 260


# -- the pieces of the docked panel (explorer.ui.lessons.dock) -----------------------------------------
def check_view(step: Step) -> ViewState | None:
    """The step's view, or None where it cannot be read (its page then opens as it is)."""
    try:
        return check.step_view(step)
    except (ValueError, CheckpointError):
        return None


def unanswerable(step: Step, view: ViewState | None, row) -> bool:
    """An attention question the model cannot answer (no attention, a short decode) does not block Next."""
    return step.question is not None and step.question.kind == "attention" and (view is None or row is None)


def attention_answer(view: ViewState):
    """(source tokens, the model's attention row for the output token after `view.step`), None without one."""
    name = check.model_name(view)
    if name is None:
        return None
    try:
        return cached.attention_answer(name, view.sentence, view.step)
    except (InputError, CheckpointError):
        return None


def figure(figure: Figure, projecting: bool) -> None:
    """accuracy_by_length: exact match by source-length group for each listed scorer's model."""
    series, missing = {}, []
    for scorer in figure.scorers:
        entry = catalog.model_for(figure.task, scorer)
        if entry is None:
            missing.append(scorer)
            continue
        try:
            series[scorer] = measure.length_curve(cached.exact_by_length(entry.name, figure.task))
        except (ValueError, InputError, CheckpointError) as error:
            st.warning(escape_markdown(_("The figure cannot be drawn: {error}").format(error=message_of(error))))
            return
    if missing:
        st.warning(
            escape_markdown(
                _("No {task} model for {scorers}: left out of the figure.").format(
                    task=figure.task, scorers=", ".join(missing)
                )
            )
        )
    if not series:
        return
    chart = curves.curves(
        series,
        _("Exact match by source length ({n} test examples of {task})").format(
            n=i18n.number(measure.ACCURACY_EXAMPLES), task=figure.task
        ),
        _("source length (characters)"),
        _("exact match"),
        y_range=(0, 1.05),
        height=340,
    )
    st.plotly_chart(presentation.fit(chart, FRAME_FIGURE_PX) if projecting else chart, key="lesson_figure")


def question(lesson: Lesson, index: int, step: Step, row) -> bool:
    """The step's question, then (once answered) its result and explanations. Returns whether it is answered."""
    state, question = st.session_state, step.question
    given = player.answer(state, lesson.id, index)
    widget = keys.lesson_widget("choice" if question.kind == "choice" else "token", lesson.id, index)
    if question.kind == "attention" and row is None:
        st.info(_("The model has no attention row to ask about at this step: the question is left out."))
        return True
    st.markdown(_("**Question.** {prompt}").format(prompt=authored_markdown(question.local("prompt"))))
    if given is None:
        if question.kind == "choice":
            shown = [authored_markdown(option.local("text")) for option in question.options]
            picked = st.radio(
                _("Your answer"), range(len(shown)), index=None, key=widget, format_func=shown.__getitem__
            )
        else:
            labels = position_labels(row[0])
            picked = st.pills(
                _("The source token it looks at most"),
                range(len(labels)),
                key=widget,
                format_func=lambda i: escape_markdown(labels[i]),
            )
        st.button(
            _("Check"),
            key=keys.lesson_widget("check", lesson.id, index),
            disabled=picked is None,
            on_click=player.check,
            args=(state, lesson.id, index, widget),
        )
        st.caption(_("Answer to go on to the next step."))
        return False
    if question.kind == "choice":
        _choice_result(question, given)
    else:
        _attention_result(question, row, given)
    return True


def _choice_result(question, given: int) -> None:
    result = player.judge_choice(question, given)
    chosen = question.options[result.chosen]
    right = " / ".join(authored_markdown(question.options[i].local("text")) for i in result.right_options)
    if result.right:
        st.success(_("Right: {answer}").format(answer=authored_markdown(chosen.local("text"))))
    else:
        st.error(
            _("Not this one: {answer}  \nThe right answer: {right}").format(
                answer=authored_markdown(chosen.local("text")), right=right
            )
        )
    st.markdown(authored_markdown(chosen.local("explain")))
    with st.expander(_("Every answer, explained"), expanded=True):
        for option in question.options:
            mark = "✓" if option.correct else "✗"
            text, why = authored_markdown(option.local("text")), authored_markdown(option.local("explain"))
            st.markdown(_("{mark} **{answer}**: {explanation}").format(mark=mark, answer=text, explanation=why))


def _attention_result(question, row, given: int) -> None:
    tokens, weights = row
    labels = position_labels(tokens)
    result = player.judge_attention(weights, given)
    token, weight = labels[result.answer], i18n.number(result.weight, 2)
    if result.right:
        said = _("Right. The model looks most at {token} (weight {weight}).")
        st.success(escape_markdown(said.format(token=token, weight=weight)))
    else:
        said = _("You picked {picked}. The model looks most at {token} (weight {weight}).")
        st.error(escape_markdown(said.format(picked=labels[given], token=token, weight=weight)))
    if question.explain:
        st.markdown(authored_markdown(question.local("explain")))


END = N_("This is the end of the lesson.")


def clicker_keys(clicker_only: bool = False) -> None:
    """→ / PageDown and ← / PageUp (a presentation clicker's keys) press Next and Back; a line of legend.
    `clicker_only`: PageDown and PageUp alone (on Decode, whose stepper keeps the arrows)."""
    buttons = {keyboard.FORWARD: "lesson_next", keyboard.BACK: "lesson_back"}
    only, legend = (
        (keyboard.CLICKER_KEYS, keyboard.LESSON_CLICKER_LEGEND) if clicker_only else (None, keyboard.LESSON_LEGEND)
    )
    components.keyboard(buttons, _(legend), key="lesson_keys", only=only)


def navigation(lesson: Lesson, index: int, answered: bool, keys_too: bool = True) -> None:
    """Back, Next (open once `answered`) and All lessons (the lesson ends); the clicker's PageDown and PageUp press
    Next and Back on every page, and with `keys_too` the arrows too (a page with keys of its own, Decode's
    stepper, keeps them)."""
    state = st.session_state
    back, forward, leave = st.columns([1, 1, 2])
    back.button(
        _("Back"), key="lesson_back", on_click=player.move, args=(state, lesson.id, index - 1), disabled=index == 0
    )
    forward.button(
        _("Next"),
        key="lesson_next",
        type="primary",
        on_click=player.move,
        args=(state, lesson.id, index + 1),
        disabled=not player.can_go_next(lesson, index, answered),
    )
    leave.button(_("All lessons"), key="lesson_leave", on_click=player.move, args=(state, None))
    clicker_keys(clicker_only=not keys_too)
    if index == len(lesson.steps) - 1:
        st.success(_(END))
