"""Every st.session_state key that more than one place reads or writes, named once.

Two kinds: each page's own widgets where code outside the widget reads them, and private bookkeeping
(leading underscore) that no widget shows. The view every page shares is not here: it has one owner,
explorer.state.owner, whose widgets' keys it makes itself (owner.widget_key: "beam_task", "hs_step", …).
"""

from __future__ import annotations

# -- every page -----------------------------------------------------------------------------------
PRESENTATION = "presentation"  # the sidebar's presentation-mode toggle, a bool
# The interface language (explorer.ui.shell.language): the one in force on this run ("en", "zh"), the one the
# user or a link chose ("" = none: the browser's), and the sidebar switch's widget.
LANGUAGE, LANGUAGE_CHOICE, LANGUAGE_SWITCH = "_language", "_language_choice", "language_switch"
LANG_PARAM = "lang"  # its query parameter: on every page, beside the page's own view
# The heatmaps' colour scale (explorer.ui.shell.colors): the one in force ("blues", "cividis"), the sidebar's
# widget, and its query parameter (beside the page's own view, like the language).
COLORS, COLORS_SWITCH, COLORS_PARAM = "_colors", "colors_switch", "colors"
# A running lesson's id and step (1-based), beside every page's view: the lesson runs on the real pages, and a
# reloaded or shared page opens at its step (explorer.lessons.player).
LESSON_PARAM, AT_PARAM = "lesson", "at"
BESIDE_VIEW = (LANG_PARAM, COLORS_PARAM, LESSON_PARAM, AT_PARAM)  # query parameters of every page, no part of its view
VIEW_OWN = "_view_own"  # page -> its own fields (explorer.state.owner.own; the running lesson is the Lessons page's)
DECODING_KEYS = ("strategy", "beam", "temperature", "seed", "reference")  # the view's fields that say how it is decoded

# -- the Decode page's widgets ------------------------------------------------------------------
# (Its view's widgets are the view's owner's: explorer.state.owner.widget_key(session, "decode", field).)
DECODE_EXAMPLE, DECODE_SPEED = "decode_example", "decode_speed"
DECODE_EXPLAIN_TARGET, DECODE_EXPLAIN_SOURCE = "decode_explain_target", "decode_explain_source"
DECODE_WHATIF, DECODE_OVERRIDE = "decode_whatif_choice", "decode_override_source"
# The open tab below the heatmap: only what is open is
# rendered, so a page opens with one chart to draw (bench/app_speed's open measurements).
DECODE_TABS = "decode_tabs"
# Private: the step the link last opened asked for, the trace kept for the stepper's runs, the last what-if.
ASKED_STEP = "_decode_asked_step"
TRACE, WHATIF_RESULT = "_decode_trace", "_decode_whatif"
HOME_STEP = "_home_step"  # rows the home page's live example shows (explorer.views.home)

# -- the other pages ----------------------------------------------------------------------------
COMPARE_MODE = "cmp_mode"  # type a sentence or pick a test example
# The Lab page: the open view (step, split, scorers) and (private) the perturbations asked for:
# experiment -> (model, sentence, step).
LAB_ASKED = "_lab_asked"
LAB_MEASURES = "lab_measures"  # the step view's definitions of the importances: signed or Jain & Wallace's
REGISTRY_NOTES_SHOWN = "_registry_notes_shown"  # the registry notes this session has seen

# -- the Lessons page (explorer.lessons.player) -------------------------------------------------
LESSON_TEACHER = "lesson_teacher"  # the sidebar's "Teacher's notes" toggle, a bool
# The lesson feature's own state is one object, explorer.lessons.player.LessonTab.

# -- a live class (explorer.ui.classes) -----------------------------------------------------------
# The feature's own state (the role, the member id, joining, the tab memory) is one object,
# explorer.ui.classes.state.ClassTab; these are its widgets' keys.
CLASS_JOIN_CODE = "class_join_code"  # the home page's "Class code" box
CLASS_ASK_KIND = "class_ask_kind"  # the teacher's choice of question (explorer.classrooms.follow.KINDS)
CLASS_ANSWER = "class_answer"  # a student's answer widget (suffixed with the question's id)


def page_url(page: str) -> str:
    """The query parameters `page` wrote into the URL last (a URL that differs is a link opened)."""
    return f"_{page}_url"


# The page whose URL the session has read since it arrived there (explorer.state.owner.open_link; `reopen` and
# explorer.ui.frame, on another page or the browser's Back or Forward, clear it): its URL is a link no more.
LINK_READ = "_link_read"
RUN_PAGE = "_run_page"  # the script of the page the session ran last (explorer.ui.frame)


def tracked(key: str) -> str:
    """The value widget `key` last took from what it tracks (explorer.state.link.track)."""
    return f"_tracked_{key}"


def lesson_widget(kind: str, lesson: str, index: int) -> str:
    """The key of a lesson step's widget `kind` ("choice", "token", "check"): one per lesson and step."""
    return f"lesson_{kind}_{lesson}_{index}"
