"""The home page's sections: the live example above the fold, and the three ways in (a lesson, Decode, a
class). The example is a shipped model's real decode and heatmap (explorer.views.home chooses it); Step
adds a row in a fragment run, and "Open in Decode" carries the same view there."""

from __future__ import annotations

import streamlit as st

from explorer import i18n
from explorer.i18n import _
from explorer.lessons.schema import MAX_MINUTES
from explorer.state import catalog, keys
from explorer.ui.classes import student as class_student
from explorer.ui.common.loaders import get_translator
from explorer.ui.decode import sections as decode_ui
from explorer.ui.decode import stepper as decode_stepper
from explorer.ui.shell import layout, pieces
from explorer.views import decode as decode_view
from explorer.views import home
from seq2seq.decoded import DecodedSentence

STEP_BUTTON = "home_step"


@st.cache_resource(max_entries=8, show_spinner=False)
def _decoded(name: str, sentence: str) -> DecodedSentence:
    """The example's greedy decode, once per server (the same for every visitor)."""
    return get_translator(name).greedy(sentence).plain(name)


def live_example() -> None:
    """The first screen's example: heatmap on the left, the output so far, Step and "Open in Decode" on the
    right. Says nothing when no model is registered (the page explains that below)."""
    available = catalog.available()
    chosen = home.first_example(
        i18n.current(),
        available,
        catalog.default_sentences(available),
        catalog.first_screens(available),
        catalog.first_screen_scorers(available),
    )
    if chosen is None:
        return
    task, scorer, sentence = chosen
    name = decode_view.model_name(task, scorer)
    if name is None:
        return
    with st.container(key=layout.HOME_EXAMPLE):  # a phone draws the class's box above it (layout.COMPACT_CSS)
        _example(name, task, scorer, sentence)


@st.fragment
def _example(name: str, task: str, scorer: str, sentence: str) -> None:
    ss = st.session_state
    data = _decoded(name, sentence)
    n = data.num_steps
    step = home.shown_step(ss.get(keys.HOME_STEP), n)
    ss[keys.HOME_STEP] = step
    figure, side = st.columns([3, 2], vertical_alignment="center")
    with figure:
        decode_stepper.show(data, get_translator(name), step, key="home_heatmap")
    with side:
        st.markdown(_("**{task}** · {scorer} attention").format(task=catalog.task_label(task), scorer=scorer))
        st.text(sentence)
        decode_ui.output_so_far(data, step, get_translator(name))
        label = _("Start again") if step >= n else _("Step")
        st.button(label, key=STEP_BUTTON, type="primary", on_click=_step, args=(n,), icon=":material/skip_next:")
        st.page_link(
            "app_pages/1_Decode.py",
            label=_("Open in Decode"),
            query_params={"task": task, "scorer": scorer, "sentence": sentence, "step": str(step)},
            icon=":material/open_in_new:",
        )
    st.caption(_("Each row is one output token; each cell, how much the model looked at a source token to write it."))
    word_starts = pieces.note(data.source_tokens, data.target_tokens)
    if word_starts:
        st.caption(word_starts)


def _step(n: int) -> None:
    ss = st.session_state
    ss[keys.HOME_STEP] = home.next_step(home.shown_step(ss.get(keys.HOME_STEP), n), n)


def ways_in() -> None:
    """Three ways in, side by side: take a lesson, explore on Decode, join a class (on a phone, the class's box
    comes first, above the live example: layout.COMPACT_CSS)."""
    with st.container(key=layout.HOME_WAYS):
        _ways_in()


def _ways_in() -> None:
    lesson, explore, join = st.columns(3, border=True)
    with lesson:
        st.markdown(_("**Learn** step by step"))
        st.page_link("app_pages/8_Lessons.py", label=_("Take a guided lesson"), icon=":material/school:")
        # the lessons' own bound (each states its minutes, at most this): true of every lesson listed
        st.caption(_("At most {minutes} minutes each, with questions to answer.").format(minutes=MAX_MINUTES))
    with explore:
        st.markdown(_("**Explore** on your own"))
        st.page_link("app_pages/1_Decode.py", label=_("Decode your own sentence"), icon=":material/play_circle:")
        st.caption(_("Every scorer and every task, one step at a time."))
    with join:
        class_student.join_box(heading=False)
