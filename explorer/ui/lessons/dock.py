"""The running lesson's panel, docked on the real page its step opens (Decode, Compare, Lab, …).

A lesson step names a page and a view (explorer.lessons.schema.Step): Start, Back and Next open that page with
that view, exactly as its share link would, and this panel sits at the top of the page, under its title (and
under a class's teacher bar): the lesson and its progress, the step's text, the teacher's notes, its figure,
its question, Back / Next / End. It folds away (an expander the reader can close) and stays folded from step
to step until opened. Every control the step's text names is the page's own, since the page is the page
(explorer.lessons.controls checks the names against what each page declares).

explorer.ui.frame calls `dock` on every page before the page reads its URL: a move waiting to open its page
(explorer.lessons.player.move) or a lesson link opened elsewhere switches pages here, first thing.
"""

from __future__ import annotations

import functools

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from explorer.classrooms import follow
from explorer.classrooms.store import PAGES as PAGES_SHOWN
from explorer.i18n import N_, _, pgettext
from explorer.lessons import player
from explorer.lessons.listing import catalog
from explorer.lessons.schema import PAGES, Lesson, Step
from explorer.state import keys, link, owner
from explorer.state.page_controls import PAGE_CONTROLS
from explorer.state.pages import BY_NAME
from explorer.training.settings import available_tasks
from explorer.ui.classes import answers as class_answers
from explorer.ui.classes import state as class_state
from explorer.ui.classes import student as class_student
from explorer.ui.classes import teacher as class_teacher
from explorer.ui.common.components import source
from explorer.ui.common.markdown import authored_markdown, escape_markdown
from explorer.ui.lessons import player as lesson_player
from explorer.ui.lessons import text as lesson_text

# The step's words beside its question and Back / Next: the panel stays short, and the page's own view (the
# heatmap a question asks about) starts higher.
PANEL_COLUMNS = (3, 2)
# On a projector (presentation mode, a window at least PROJECTOR_MIN_PX wide) the panel is a column at the
# frame's right edge, beside the page's own view (its heatmap, output and the class's answers start under the
# title and the class's bar): the step's title, its words in a box that scrolls beyond a share of the screen's
# height, the step's figure, the question, Back / Next. Once the class's answers are revealed they come right
# under the title, the words' box (smaller) after them. Static CSS only.
WORDS_KEY, NAV_KEY = "lesson_words", "lesson_nav"
REVEALED_KEY = class_teacher.LESSON_REVEALED_KEY  # the class's answers to the step's question, revealed
PROJECTOR_MIN_PX = 1000
SIDE_COLUMN = "min(32vw, 620px)"
_ITEM = '[data-testid="stLayoutWrapper"]:has(> .st-key-{key})'
# In the projected frame the column's title says where the class is and the heatmap's labels say the sentence:
# the page's title and Decode's sentence row (with its settings, which the lesson's step sets) stay out, so
# that the heatmap's labels keep the screen's 24 px at 1366x768 for sentences up to 15 tokens (issue 62).
_OUT_OF_FRAME = (
    '[data-testid="stElementContainer"]:has(> [data-testid="stHeading"] h1)',
    # The box's key gains "@N" once a lesson or link set the sentence (explorer.state.owner.widget_key), and
    # Streamlit writes that "@" as "-" in the class: st-key-decode_sentence-1 (lesson 3 step 5 showed the row).
    '[data-testid="stLayoutWrapper"]:has(> [data-testid="stHorizontalBlock"] '
    ':is(.st-key-decode_sentence, [class*="st-key-decode_sentence-"]))',
)
_REVEALED = f".st-key-lesson_dock:has(.st-key-{REVEALED_KEY})"


def projected_css(busy: bool) -> str:
    """The panel as the frame's side column (static CSS, no user text). `busy`: the step has a question or a
    figure below its words, whose box is then shorter."""
    words_vh = 24 if busy else 50
    # The words' box fades out at its foot while more of it is below (a scroll-driven animation of --ae-more,
    # whose timeline is inactive when nothing overflows): a line cut at the box's edge says "scroll", not "the end".
    # Its syntax's "<" is written \3C: st.html reads the style as HTML, where "<length>" would be a tag.
    return f"""<style>
@property --ae-more {{syntax: '\\3C length>'; inherits: false; initial-value: 0px;}}
@keyframes ae-more-below {{from {{--ae-more: 3rem;}} to {{--ae-more: 0px;}}}}
@media (min-width: {PROJECTOR_MIN_PX}px) {{
.st-key-lesson_dock {{position: fixed !important; top: 3.75rem; right: 0.75rem; bottom: 0.5rem; width: {SIDE_COLUMN};
  overflow-y: auto; z-index: 99;}}
[data-testid="stMainBlockContainer"] {{padding-right: calc({SIDE_COLUMN} + 1.75rem) !important;}}
.st-key-lesson_dock h3 {{font-size: 1.6rem !important; padding: 0.25rem 0 !important;}}
{", ".join(_OUT_OF_FRAME)} {{display: none !important;}}
.st-key-{WORDS_KEY} {{max-height: {words_vh}vh; overflow-y: auto;
  mask-image: linear-gradient(to bottom, #000 calc(100% - var(--ae-more)), transparent);
  animation: ae-more-below linear both; animation-timeline: scroll(self);}}
{_REVEALED} .st-key-{WORDS_KEY} {{max-height: 16vh;}}
{_REVEALED} {_ITEM.format(key=WORDS_KEY)} {{order: 1;}}
{_REVEALED} {_ITEM.format(key=NAV_KEY)} {{order: 2;}}
}}
</style>"""


TRAIN_TASK = "train_task"  # the Train page's task box (app_pages/6_Train.py)
ELSEWHERE = N_("This step is on the {page} page.")


def open_pending(page: str | None) -> None:
    """Switch to the step's page when a move or a lesson link opened on `page` (its name in explorer.state.pages)
    asks for it; nothing otherwise.

    Called before anything on the page can ask for a run of its own (explorer.ui.frame): the tab's memory answers
    as soon as it is drawn (explorer.ui.classes.memory), and an answer that left before the browser heard of the
    switch reran the page it was asked on, after the step's page had taken the link: the link opened the
    Lessons page (seen under load)."""
    state, query = st.session_state, st.query_params.to_dict()
    linked = keys.LESSON_PARAM in query or keys.AT_PARAM in query
    if player.where(state).lesson is None and not linked and player.tab(state).go is None:
        return
    if class_state.following(state):  # a follower's lesson is the teacher's (explorer.ui.classes.student)
        return
    lessons, _problems = catalog()  # read on every run: a teacher's edited file shows at once
    player.follow_link(state, query, lessons, page)
    lesson, index = player.running(state, lessons)
    step = lesson.steps[index] if lesson else None
    if player.pending(state, page, step.page if step else player.PAGE, query):
        _open(step)


def dock(page: str | None, projecting: bool) -> None:
    """The running lesson's panel on `page` (its name in explorer.state.pages), or nothing when no lesson runs."""
    state = st.session_state
    if player.where(state).lesson is None:
        return
    lessons, _problems = catalog()
    lesson, index = player.running(state, lessons)
    if lesson is None:
        return
    step = lesson.steps[index]
    if class_state.teaching(state) and page == step.page and page not in PAGES_SHOWN:
        class_teacher.send_view(state, player.PAGE, {})  # a page no class shows: the class reads the step there
    for name, value in player.link_params(lesson.id, index).items():  # on pages that publish no view too
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    lesson_player.teacher_toggle()
    _panel(lesson, index, page, projecting)


def _open(step: Step | None) -> None:
    """Open the step's page with its view (a step whose view cannot be read: the page as it is), or the
    list of lessons once the lesson has ended."""
    state = st.session_state
    if step is None:
        try:
            st.switch_page(BY_NAME[player.PAGE].script, query_params=link.beside_view(state))
        except StreamlitPageNotFoundError:  # a page script run alone: it stays where it is
            pass
        return
    view = lesson_player.check_view(step)
    script, params = player.step_link(step, view) if view is not None else (PAGES[step.page], {})
    if step.page == "train" and view is not None and view.task in available_tasks():
        state[TRAIN_TASK] = view.task  # Train's task box, before it is drawn: Train has no link to carry it
    owner.reopen(state)  # the page takes these parameters as a link just opened
    if view is not None and class_state.teaching(state):
        # The class follows from here, as the teacher's step page opens, not once that page has drawn its decode
        # (issue 62: a phone within 2 s of a lesson's start). The page publishes the same view again: no event.
        class_teacher.send_view(state, step.page, params)
    try:
        st.switch_page(script, query_params={**params, **link.beside_view(state)})
    except StreamlitPageNotFoundError:  # a page script run alone (AppTest): the panel says where the step is
        pass


def _panel(lesson: Lesson, index: int, page: str | None, projecting: bool) -> None:
    state, step = st.session_state, lesson.steps[index]
    view = lesson_player.check_view(step)
    step = lesson_text.filled(step, view)  # its numbers measured, as the page under it shows them
    label, _share = player.progress(index, len(lesson.steps))
    title = _("Lesson: {lesson} · {progress}").format(lesson=player.own_text(lesson, "title"), progress=label)
    following = class_state.following(state)
    if projecting:
        st.html(projected_css(busy=step.question is not None or step.figure is not None))
    with st.expander(escape_markdown(title), expanded=True, icon=":material/school:", key="lesson_dock"):
        lesson_player.link_notes(player.link_notes(state))  # a bad at= in the link that opened this step
        # An attention question's source tokens take the panel's whole width (a column would cut the row).
        wide = step.question is not None and step.question.kind == "attention"
        if projecting:  # one column, top to bottom: the words (a box that scrolls), the question, Back / Next
            st.subheader(escape_markdown(step.local("title")))
            words, asking, side = st.container(key=WORDS_KEY), st.container(), st.container(key=NAV_KEY)
        elif following:  # the class's question first, then the words (a phone's first screen: explorer.ui.classes)
            asking = st.container()
            words, side = st.columns(PANEL_COLUMNS)
        else:
            words, side = st.columns(PANEL_COLUMNS)  # a phone stacks them
            asking = st.container() if wide else side
        with words:
            if not projecting:
                st.subheader(escape_markdown(step.local("title")))
            st.markdown(authored_markdown(step.local("text")))
            if state.get(keys.LESSON_TEACHER) and step.teacher and not following:
                st.info(_("**Teacher's notes.** {notes}").format(notes=authored_markdown(step.local("teacher"))))
            if page != step.page:
                _elsewhere(lesson, index, step)
            elif step.point:
                _point(step, projecting)
            if step.figure is not None and not projecting:
                lesson_player.figure(step.figure, projecting)
        if step.figure is not None and projecting:  # what the step shows: in the frame, not in the words' box
            with asking:
                lesson_player.figure(step.figure, projecting)
        answered = player.answer(state, lesson.id, index) is not None
        row = lesson_player.attention_answer(view) if wide and view is not None else None  # a decode: only if asked
        asked = _class_question(step, index, view, row)
        with asking:
            if following:
                _follower_question(step, asked, page)
            elif class_state.teaching(state) and asked is not None:  # the class answers; the teacher moves on
                st.markdown(_("**Question.** {prompt}").format(prompt=authored_markdown(step.question.local("prompt"))))
                shown = not (asked.kind == "attend" and page == "decode")
                class_teacher.lesson_question(asked, show=shown, projecting=projecting)
                answered = True
            elif step.question is not None:
                answered = lesson_player.question(lesson, index, step, row) or answered
        with side:
            if following:
                st.caption(_("The teacher moves the lesson on."))
                return
            open_next = answered or step.question is None or lesson_player.unanswerable(step, view, row)
            lesson_player.navigation(lesson, index, open_next, keys_too=page != "decode")


def _class_question(step: Step, index: int, view, row) -> follow.Asked | None:
    """The step's question as a live class's (explorer.classrooms.follow): a choice as the lesson's options (its
    file's own words, the same in every language), an attention question as the model's row; None without one
    (or an attention question the model cannot answer)."""
    question = step.question
    if question is None:
        return None
    if question.kind == "choice":
        right = [i for i, option in enumerate(question.options) if option.correct]
        return follow.lesson_choice(index, [option.text for option in question.options], right)
    return follow.lesson_attention(view.step, *row) if row is not None and view is not None else None


def _follower_question(step: Step, asked: follow.Asked | None, page: str | None) -> None:
    """A follower's side of the step's question once the teacher asks the class (on Decode an attention
    question is the page's own: its panel under the heatmap)."""
    question = class_answers.current_question()
    class_student.dock_drew(question)
    if asked is None or not follow.is_asked(question, asked) or (asked.kind == "attend" and page == "decode"):
        return
    prompt = authored_markdown(step.question.local("prompt"))
    labels = [option.local("text") for option in step.question.options] if asked.kind == "choice" else None
    class_answers.answer_panel(question, prompt=prompt, labels=labels)


def _point(step: Step, projecting: bool = False) -> None:
    """The control the step wants the class to look at: named in the panel, and outlined on the page (and
    brought into view, but on a projector, whose frame never scrolls) by a small in-page component, found by its
    label in the page's language."""
    control = next((c for c in PAGE_CONTROLS.get(step.page, ()) if c.label == step.point), None)
    if control is None:  # the reader keeps only a declared control's label
        return
    label = pgettext(control.context, control.label) if control.context else _(control.label)
    st.markdown(_("Look at **{control}**, outlined on the page.").format(control=escape_markdown(label)))
    _pointer()(data={"label": label, "scroll": not projecting}, key="lesson_point")


@functools.cache
def _pointer():
    """Register the component once per process (in the page's DOM: it outlines the page's own elements)."""
    return st.components.v2.component("attention_explorer.point", js=source("lessons/point.js"), isolate_styles=False)


def _elsewhere(lesson: Lesson, index: int, step: Step) -> None:
    """The step's page is another one (the reader went to another page): a button back to it."""
    name = _(player.page_label(step.page))
    st.info(_(ELSEWHERE).format(page=name))
    if class_state.following(st.session_state):
        return  # a follower is where the teacher is
    st.button(
        _("Open {page}").format(page=name),
        key="lesson_open_page",
        on_click=player.move,
        args=(st.session_state, lesson.id, index),
    )
