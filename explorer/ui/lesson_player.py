"""The Lessons page's sections: the list of lessons and the player (a step's text, its view, its
question, Back / Next). The logic is in explorer.lessons.player; this module only draws it.

Nothing from a lesson file is rendered as HTML: titles and audiences are escaped as plain text
(escape_markdown), texts, prompts and explanations are the author's Markdown with HTML and script
links shown as text (authored_markdown).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from explorer import i18n
from explorer.figures import curves, heatmaps
from explorer.figures.common import position_labels
from explorer.i18n import N_, _, pgettext
from explorer.i18n.errors import message_of
from explorer.lessons import check, measure, player
from explorer.lessons.schema import Figure, Lesson, Problem, Step
from explorer.state import catalog, keys
from explorer.state.view import ViewState, decoding_label
from explorer.ui import cached, components, lesson_text, pieces, presentation
from explorer.ui.loaders import get_translator
from explorer.ui.markdown import authored_markdown, escape_markdown
from explorer.views import decode as decode_view
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
                _("Start"), key=f"lesson_start_{lesson.id}", on_click=player.go, args=(st.session_state, lesson.id, 0)
            )
    by_file: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        by_file[str(problem.path)].append(player.problem_text(problem))
    for lines in by_file.values():
        listed = "\n".join(f"- {escape_markdown(line)}" for line in lines)
        st.warning(_("A lesson file could not be read:\n{problems}").format(problems=listed))
    st.caption(escape_markdown(_(ADD_LESSONS)))


# -- the player -------------------------------------------------------------------------------------
# Presentation mode: the step's words (text, question, Back / Next) beside its view and figure.
FRAME_COLUMNS = (2, 3)
# The lesson's heatmap and figure on a projector: one frame at 1280×720 below the lesson's
# title, progress bar and the output so far (explorer.ui.presentation.fit).
FRAME_FIGURE_PX = 340


def player_view(lesson: Lesson, index: int, projecting: bool, teacher: bool) -> None:
    """Step `index` of `lesson`: progress, text, teacher's notes, its view, figure and question, Back / Next."""
    state, step = st.session_state, lesson.steps[index]
    step = lesson_text.filled(step, check_view(step))  # its numbers measured, as the page beside it shows
    label, share = player.progress(index, len(lesson.steps))
    if projecting:  # one row: the lesson and its progress, Back, Next, All lessons (their state is known up front)
        bar, *buttons = st.columns([6, 1, 1, 2], vertical_alignment="bottom")
        title = _("{lesson} · {progress}").format(
            lesson=escape_markdown(player.own_text(lesson, "title")), progress=label
        )
        bar.progress(share, text=title)
        _navigation(lesson, index, _can_leave(lesson, index, step), buttons)
    else:
        st.header(escape_markdown(player.own_text(lesson, "title")))
        st.progress(share, text=label)
    # On a projector, one frame: the step's text, question and Back / Next beside its view and figure.
    if projecting:
        words, shown = st.columns(FRAME_COLUMNS)
        after = words
    else:  # one after the other, as ever
        words, shown, after = st.container(), st.container(), st.container()
    with words:
        st.subheader(escape_markdown(step.local("title")))
        st.markdown(authored_markdown(step.local("text")))
        if teacher and step.teacher:
            st.info(_("**Teacher's notes.** {notes}").format(notes=authored_markdown(step.local("teacher"))))
    with shown:
        view = _view(step)
        answered = player.answer(state, lesson.id, index) is not None
        row = None  # an attention question's answer: (source tokens, the model's row)
        if view is not None and step.question is not None and step.question.kind == "attention":
            row = _attention_answer(view)
        if view is not None and step.page == "decode":
            # On a projector its Step / Back / Play / Reset go beside, under the words: the heatmap keeps the frame.
            _decode(view, projecting, row if answered else None, words if projecting else st)
        if view is not None:
            _open_in(step, view)
        if step.figure is not None:
            _figure(step.figure, projecting)
    with after:
        if step.question is not None:
            answered = _question(lesson, index, step, row) or answered
        if not projecting:
            _navigation(lesson, index, answered or step.question is None or _unanswerable(step, view, row))
        else:  # the buttons are in the progress bar's row; their keys' legend here, not above the frame
            clicker_keys()
            if index == len(lesson.steps) - 1:
                st.success(_(END))
    _play_on()


def _can_leave(lesson: Lesson, index: int, step: Step) -> bool:
    """Whether Next is open before the step is drawn (presentation mode draws it first): answered, no
    question, or an attention question the model cannot answer (as player_view finds after drawing)."""
    if step.question is None or player.answer(st.session_state, lesson.id, index) is not None:
        return True
    if step.question.kind != "attention":
        return False
    view = check_view(step)
    return view is None or _attention_answer(view) is None


def check_view(step: Step) -> ViewState | None:
    """The step's view, or None where it cannot be shown (quietly: _view says why where it is drawn)."""
    try:
        return check.step_view(step)
    except (ValueError, CheckpointError):
        return None


def _unanswerable(step: Step, view: ViewState | None, row) -> bool:
    """An attention question the model cannot answer (no attention, a short decode) does not block Next."""
    return step.question is not None and step.question.kind == "attention" and (view is None or row is None)


def _view(step: Step) -> ViewState | None:
    """The step's view as its share link would open it, its refused values noted; None without models."""
    try:
        view = check.step_view(step)
    except (ValueError, CheckpointError) as error:
        st.warning(escape_markdown(_("This step's view cannot be shown: {error}").format(error=message_of(error))))
        return None
    if view.notes:
        replaced = "\n".join(f"- {escape_markdown(message_of(note))}" for note in view.notes)
        st.info(_("This step's view had values that were replaced:\n{notes}").format(notes=replaced))
    return view


def _translator_name(view: ViewState) -> str | None:
    name = check.model_name(view)
    if name is None:
        st.warning(escape_markdown(_("No model for {task} with {scorer}.").format(task=view.task, scorer=view.scorer)))
    return name


def _attention_answer(view: ViewState):
    name = check.model_name(view)
    if name is None:
        return None
    try:
        return cached.attention_answer(name, view.sentence, view.step)
    except (InputError, CheckpointError):
        return None


def _decode(view: ViewState, projecting: bool, reveal, controls=st) -> None:
    """The step's decode embedded: its controls (in `controls`), the output so far and the heatmap of its
    first `view.step` rows (and, once an attention question is answered, the model's own next row, outlined)."""
    name = _translator_name(view)
    if name is None:
        return
    try:
        translator = get_translator(name)
        data = cached.lesson_decode(
            name, view.sentence, view.strategy, view.beam, view.temperature, view.seed, view.reference
        )
    except (InputError, CheckpointError) as error:
        st.error(
            escape_markdown(
                _("Cannot decode this step's sentence with {model}: {error}").format(
                    model=name, error=message_of(error)
                )
            )
        )
        return
    step = _stepper(view, data.num_steps, controls)
    caption = _("Model {model} · {decoding} · {step} of {total} output tokens").format(
        model=name, decoding=decoding_label(view), step=step, total=data.num_steps
    )
    st.caption(escape_markdown(caption))
    src, tgt, att = data.visible(step)
    st.markdown(_("**Output so far:**"))
    st.text(" ".join(tgt) if tgt else _("(nothing yet)"))
    if tgt:
        reads = escape_markdown(decode_view.output_text(data, step, translator.target_tokenizer))
        st.caption(_("reads: {text}").format(text=reads))
    if att is None:
        st.info(_(decode_view.NO_ATTENTION))
        return
    highlight = None
    if reveal is not None and step == min(view.step, data.num_steps) < data.num_steps:  # the question's row
        tgt, att, highlight = [*tgt, data.target_tokens[step]], [*att, reveal[1]], step
    if not tgt:
        st.caption(_("The heatmap gains a row per output token: open the step in Decode and press Step."))
        return
    figure = heatmaps.attention_heatmap(src, tgt, att, highlight_row=highlight)
    st.plotly_chart(presentation.fit(figure, FRAME_FIGURE_PX) if projecting else figure, key="lesson_heatmap")
    if word_starts := pieces.note(src, tgt):  # what the word-start dot means
        st.caption(word_starts)


# The step's own decode controls, as the Decode page has them (explorer.lessons.controls lists them for
# the lesson checker): keys, the session's record of the decode shown, and Play's pace (seconds a step).
STEPPER_KEYS = {
    "Step": "lesson_step_button",
    "Back": "lesson_decode_back",
    "Play": "lesson_play",
    "Pause": "lesson_play",  # Play's button, while playing
    "Reset": "lesson_reset",
}
STEPPER = "_lesson_stepper"
PLAY_S = 0.6


def _stepper(view: ViewState, n: int, box=st) -> int:
    """Step, Back, Play (Pause while playing) and Reset for the step's decode; the number of output tokens
    shown. Each lesson step starts where its view says (`view.step`)."""
    state = st.session_state
    at = (view.task, view.scorer, view.model, view.sentence, view.strategy, view.reference, view.step)
    kept = state.get(STEPPER)
    if not kept or kept["view"] != at:
        kept = state[STEPPER] = {"view": at, "step": min(view.step, n), "playing": False, "n": n}
    kept["n"] = n
    k = kept["step"] = min(kept["step"], n)
    cols = box.columns([1, 1, 1, 1, 3] if box is st else 4)  # a narrow column: the four buttons share it
    labels = {"Step": pgettext("button", "Step"), "Back": _("Back"), "Reset": _("Reset")}
    labels["Play"] = _("Pause") if kept["playing"] else _("Play")
    cols[0].button(labels["Step"], key=STEPPER_KEYS["Step"], on_click=_move, args=(1,), disabled=k >= n)
    cols[1].button(labels["Back"], key=STEPPER_KEYS["Back"], on_click=_move, args=(-1,), disabled=k <= 0)
    cols[2].button(labels["Play"], key=STEPPER_KEYS["Play"], on_click=_toggle_play)
    cols[3].button(labels["Reset"], key=STEPPER_KEYS["Reset"], on_click=_move, args=(-n,), disabled=k <= 0)
    return k


def _move(by: int) -> None:
    """Step forward (1), back (-1) or to the start (-n) in the lesson's decode; stops Play."""
    kept = st.session_state[STEPPER]
    kept["step"] = min(max(kept["step"] + by, 0), kept["n"])
    kept["playing"] = False


def _toggle_play() -> None:
    """Play from here (from the start when at the end), or pause."""
    kept = st.session_state[STEPPER]
    if not kept["playing"] and kept["step"] >= kept["n"]:
        kept["step"] = 0
    kept["playing"] = not kept["playing"]


def _play_on() -> None:
    """While playing: once the page is drawn, wait PLAY_S and show one more output token."""
    kept = st.session_state.get(STEPPER)
    if not kept or not kept["playing"]:
        return
    if kept["step"] >= kept["n"]:
        kept["playing"] = False
        return
    time.sleep(PLAY_S)
    kept["step"] += 1
    st.rerun()


def _open_in(step: Step, view: ViewState) -> None:
    """A link that opens the step's view on its own page, exactly as a share link would."""
    script, params = player.step_link(step, view)
    label = _("Open in {page}").format(page=_(player.page_label(step.page)))
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


def _question(lesson: Lesson, index: int, step: Step, row) -> bool:
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
        said = _("Right. The model looks most at {token} (weight {weight}), outlined in the heatmap.")
        st.success(escape_markdown(said.format(token=token, weight=weight)))
    else:
        said = _("You picked {picked}. The model looks most at {token} (weight {weight}), outlined in the heatmap.")
        st.error(escape_markdown(said.format(picked=labels[given], token=token, weight=weight)))
    if question.explain:
        st.markdown(authored_markdown(question.local("explain")))


END = N_("This is the end of the lesson.")


def clicker_keys() -> None:
    """→ / PageDown and ← / PageUp (a presentation clicker's keys) press Next and Back; a line of legend."""
    buttons = {keyboard.FORWARD: "lesson_next", keyboard.BACK: "lesson_back"}
    components.keyboard(buttons, _(keyboard.LESSON_LEGEND), key="lesson_keys")


def _navigation(lesson: Lesson, index: int, answered: bool, boxes=None) -> None:
    """Back, Next (open once `answered`) and All lessons: a row of their own, or in `boxes`."""
    state = st.session_state
    back, forward, leave = boxes or st.columns([1, 1, 3])
    back.button(
        _("Back"), key="lesson_back", on_click=player.go, args=(state, lesson.id, index - 1), disabled=index == 0
    )
    forward.button(
        _("Next"),
        key="lesson_next",
        type="primary",
        on_click=player.go,
        args=(state, lesson.id, index + 1),
        disabled=not player.can_go_next(lesson, index, answered),
    )
    leave.button(_("All lessons"), key="lesson_leave", on_click=player.go, args=(state, None))
    if boxes is None:  # on a projector the step's words column holds it, under the frame's text (player_view)
        clicker_keys()
    if index == len(lesson.steps) - 1 and boxes is None:
        st.success(_(END))
