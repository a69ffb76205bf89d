"""The Lessons page's sections: the list of lessons and the player (a step's text, its view, its
question, Back / Next). The logic is in explorer.lessons.player; this module only draws it.

Nothing from a lesson file is rendered as HTML: titles and audiences are escaped as plain text
(escape_markdown), texts, prompts and explanations are the author's Markdown with HTML and script
links shown as text (authored_markdown).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from explorer.figures import curves, heatmaps
from explorer.figures.common import position_labels
from explorer.lessons import Figure, Lesson, Problem, Step, check, measure, player
from explorer.state import catalog, keys
from explorer.state.view import ViewState, decoding_label
from explorer.ui import cached, presentation
from explorer.ui.loaders import get_translator
from explorer.ui.markdown import authored_markdown, escape_markdown
from explorer.views import decode as decode_view
from seq2seq.decoding import InputError
from seq2seq.registry import CheckpointError

TEACHER_HELP = "Show the notes the lesson's author wrote for the teacher; students do not see them."
ADD_LESSONS = (
    "Teachers add their own lessons: TOML files in a folder named by the environment variable "
    "ATTENTION_EXPLORER_LESSONS, checked with python -m explorer.lessons check FILE (docs/pages/lessons.md)."
)


def teacher_toggle() -> bool:
    """The sidebar's "Teacher's notes" toggle (off: the students' view). Returns whether it is on."""
    state = st.session_state
    if keys.LESSON_TEACHER in state:  # kept while the class visits other pages
        state[keys.LESSON_TEACHER] = state[keys.LESSON_TEACHER]
    return st.sidebar.toggle("Teacher's notes", key=keys.LESSON_TEACHER, persist_state="session", help=TEACHER_HELP)


def link_notes(notes: Sequence[str]) -> None:
    for note in notes:
        st.info(escape_markdown(note))


# -- the list ---------------------------------------------------------------------------------------
def lesson_list(lessons: Mapping[str, Lesson], problems: Sequence[Problem]) -> None:
    st.caption("Guided tours of the app: each step opens a view of a real model, asks a question and explains it.")
    if not lessons:
        st.info("No lesson could be read.")
    for lesson in lessons.values():
        with st.container(border=True):
            st.subheader(escape_markdown(lesson.title))
            st.caption(escape_markdown(player.lesson_line(lesson)))
            if lesson.summary:
                st.markdown(authored_markdown(lesson.summary))
            st.button(
                "Start", key=f"lesson_start_{lesson.id}", on_click=player.go, args=(st.session_state, lesson.id, 0)
            )
    by_file: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        by_file[str(problem.path)].append(player.problem_text(problem))
    for lines in by_file.values():
        st.warning("A lesson file could not be read:\n" + "\n".join(f"- {escape_markdown(line)}" for line in lines))
    st.caption(escape_markdown(ADD_LESSONS))


# -- the player -------------------------------------------------------------------------------------
def player_view(lesson: Lesson, index: int, projecting: bool, teacher: bool) -> None:
    """Step `index` of `lesson`: progress, text, teacher's notes, its view, figure and question, Back / Next."""
    state, step = st.session_state, lesson.steps[index]
    st.header(escape_markdown(lesson.title))
    label, share = player.progress(index, len(lesson.steps))
    st.progress(share, text=label)
    st.subheader(escape_markdown(step.title))
    st.markdown(authored_markdown(step.text))
    if teacher and step.teacher:
        st.info("**Teacher's notes.** " + authored_markdown(step.teacher))
    view = _view(step)
    answered = player.answer(state, lesson.id, index) is not None
    row = None  # an attention question's answer: (source tokens, the model's row)
    if view is not None and step.question is not None and step.question.kind == "attention":
        row = _attention_answer(view)
    if view is not None and step.page == "decode":
        _decode(view, projecting, row if answered else None)
    if view is not None:
        _open_in(step, view)
    if step.figure is not None:
        _figure(step.figure, projecting)
    if step.question is not None:
        answered = _question(lesson, index, step, row) or answered
    _navigation(lesson, index, answered or step.question is None or _unanswerable(step, view, row))


def _unanswerable(step: Step, view: ViewState | None, row) -> bool:
    """An attention question the model cannot answer (no attention, a short decode) does not block Next."""
    return step.question is not None and step.question.kind == "attention" and (view is None or row is None)


def _view(step: Step) -> ViewState | None:
    """The step's view as its share link would open it, its refused values noted; None without models."""
    try:
        view = check.step_view(step)
    except (ValueError, CheckpointError) as error:
        st.warning(escape_markdown(f"This step's view cannot be shown: {error}"))
        return None
    if view.notes:
        replaced = "\n".join(f"- {escape_markdown(note)}" for note in view.notes)
        st.info("This step's view had values that were replaced:\n" + replaced)
    return view


def _translator_name(view: ViewState) -> str | None:
    name = check.model_name(view)
    if name is None:
        st.warning(escape_markdown(f"No model for {view.task} with {view.scorer}."))
    return name


def _attention_answer(view: ViewState):
    name = check.model_name(view)
    if name is None:
        return None
    try:
        return cached.attention_answer(name, view.sentence, view.step)
    except (InputError, CheckpointError):
        return None


def _decode(view: ViewState, projecting: bool, reveal) -> None:
    """The step's decode embedded: the output so far and the heatmap of its first `view.step` rows
    (and, once an attention question is answered, the model's own next row, outlined)."""
    name = _translator_name(view)
    if name is None:
        return
    try:
        translator = get_translator(name)
        data = cached.lesson_decode(
            name, view.sentence, view.strategy, view.beam, view.temperature, view.seed, view.reference
        )
    except (InputError, CheckpointError) as error:
        st.error(escape_markdown(f"Cannot decode this step's sentence with {name}: {error}"))
        return
    step = min(view.step, data.num_steps)
    st.caption(escape_markdown(f"Model {name} · {decoding_label(view)} · {step} of {data.num_steps} output tokens"))
    src, tgt, att = data.visible(step)
    st.markdown("**Output so far:**")
    st.text(" ".join(tgt) if tgt else "(nothing yet)")
    if tgt:
        st.caption(f"reads: {escape_markdown(decode_view.output_text(data, step, translator.target_tokenizer))}")
    if att is None:
        st.info(decode_view.NO_ATTENTION)
        return
    highlight = None
    if reveal is not None and step < data.num_steps:
        tgt, att, highlight = [*tgt, data.target_tokens[step]], [*att, reveal[1]], step
    if not tgt:
        st.caption("The heatmap gains a row per output token: open the step in Decode and press Step.")
        return
    figure = heatmaps.attention_heatmap(src, tgt, att, highlight_row=highlight)
    st.plotly_chart(presentation.enlarge(figure) if projecting else figure, key="lesson_heatmap")


def _open_in(step: Step, view: ViewState) -> None:
    """A link that opens the step's view on its own page, exactly as a share link would."""
    script, params = player.step_link(step, view)
    label = f"Open in {player.page_label(step.page)}"
    try:
        st.page_link(script, label=label, query_params=params, icon=":material/open_in_new:")
    except StreamlitPageNotFoundError:  # the page script run alone (AppTest): no app around it to link in
        st.link_button(label, player.step_url(step, view), icon=":material/open_in_new:")


def _figure(figure: Figure, projecting: bool) -> None:
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
            st.warning(escape_markdown(f"The figure cannot be drawn: {error}"))
            return
    if missing:
        st.warning(escape_markdown(f"No {figure.task} model for {', '.join(missing)}: left out of the figure."))
    if not series:
        return
    chart = curves.curves(
        series,
        f"Exact match by source length ({measure.ACCURACY_EXAMPLES} test examples of {figure.task})",
        "source length (characters)",
        "exact match",
        y_range=(0, 1.05),
        height=340,
    )
    st.plotly_chart(presentation.enlarge(chart) if projecting else chart, key="lesson_figure")


def _question(lesson: Lesson, index: int, step: Step, row) -> bool:
    """The step's question, then (once answered) its result and explanations. Returns whether it is answered."""
    state, question = st.session_state, step.question
    given = player.answer(state, lesson.id, index)
    widget = keys.lesson_widget("choice" if question.kind == "choice" else "token", lesson.id, index)
    if question.kind == "attention" and row is None:
        st.info("The model has no attention row to ask about at this step: the question is left out.")
        return True
    st.markdown("**Question.** " + authored_markdown(question.prompt))
    if given is None:
        if question.kind == "choice":
            picked = st.radio(
                "Your answer",
                range(len(question.options)),
                index=None,
                key=widget,
                format_func=lambda i: authored_markdown(question.options[i].text),
            )
        else:
            labels = position_labels(row[0])
            picked = st.pills(
                "The source token it looks at most",
                range(len(labels)),
                key=widget,
                format_func=lambda i: escape_markdown(labels[i]),
            )
        st.button(
            "Check",
            key=keys.lesson_widget("check", lesson.id, index),
            disabled=picked is None,
            on_click=player.check,
            args=(state, lesson.id, index, widget),
        )
        st.caption("Answer to go on to the next step.")
        return False
    if question.kind == "choice":
        _choice_result(question, given)
    else:
        _attention_result(question, row, given)
    return True


def _choice_result(question, given: int) -> None:
    result = player.judge_choice(question, given)
    chosen = question.options[result.chosen]
    right = " / ".join(authored_markdown(question.options[i].text) for i in result.right_options)
    if result.right:
        st.success("Right: " + authored_markdown(chosen.text))
    else:
        st.error(f"Not this one: {authored_markdown(chosen.text)}  \nThe right answer: {right}")
    st.markdown(authored_markdown(chosen.explain))
    with st.expander("Every answer, explained", expanded=True):
        for option in question.options:
            mark = "✓" if option.correct else "✗"
            st.markdown(f"{mark} **{authored_markdown(option.text)}**: {authored_markdown(option.explain)}")


def _attention_result(question, row, given: int) -> None:
    tokens, weights = row
    labels = position_labels(tokens)
    result = player.judge_attention(weights, given)
    said = f"The model looks most at {labels[result.answer]} (weight {result.weight:.2f}), outlined in the heatmap."
    if result.right:
        st.success(escape_markdown(f"Right. {said}"))
    else:
        st.error(escape_markdown(f"You picked {labels[given]}. {said}"))
    if question.explain:
        st.markdown(authored_markdown(question.explain))


def _navigation(lesson: Lesson, index: int, answered: bool) -> None:
    state = st.session_state
    back, forward, leave = st.columns([1, 1, 3])
    back.button("Back", key="lesson_back", on_click=player.go, args=(state, lesson.id, index - 1), disabled=index == 0)
    forward.button(
        "Next",
        key="lesson_next",
        type="primary",
        on_click=player.go,
        args=(state, lesson.id, index + 1),
        disabled=not player.can_go_next(lesson, index, answered),
    )
    leave.button("All lessons", key="lesson_leave", on_click=player.go, args=(state, None))
    if index == len(lesson.steps) - 1:
        st.success("This is the end of the lesson.")
