"""A following student's page, pushed instead of polled: the class_follow component on the room's event stream.

The component (ui/classes/follow.js) opens the room's stream (explorer.ui.classes.stream) once per page. On
Decode it hands each step the stream sends to the page's stepper (explorer.ui.decode.stepper, mode "follow"),
which draws it in the browser at once and reports it to the student's session: an idle follower costs the server
no script run, and a teacher's step one message per follower (explorer.classrooms.events) and, once the step
rests, one short report run each, spread over a second and a half. Anything else reruns the follower's page
once through the component's trigger ("moved"); the page's run then reads the room as before
(explorer.ui.classes.student). The component is never inside a fragment: a fragment's rerun asked for by a page
being left reached the server after the switch, and Streamlit ran it inside the next page (issue 62).

`enabled()` is the switch: ``ATTENTION_EXPLORER_CLASS_PUSH=0`` keeps the followers polling every
follow.POLL_SECONDS (the way before the stream); a decode without attention is always polled.
"""

from __future__ import annotations

import functools
import os

import streamlit as st

from explorer.classrooms.runs import MOST_WAIT_S
from explorer.classrooms.store import CookiesNeeded, Question, TeacherView
from explorer.i18n import _
from explorer.i18n.errors import message_of
from explorer.ui.classes.memory import browser_member, in_browser
from explorer.ui.classes.state import joined, tab
from explorer.ui.classes.stream import url_path
from explorer.ui.common.components import rendered_anew
from seq2seq.decoded import DecodedSentence

NAME = "attention_explorer.class_follow"
# A change that reruns followers' fragments (a question, another page or sentence, the teacher away) reaches
# a whole hall at once: each follower waits a random part of this first, so 300 reruns come spread over
# it rather than in one burst that would hold up the teacher's own page (a step needs no rerun at all).
SPREAD_MS = 1500
# A page that could not reach the class server reruns its fragment this often (plus a random part of
# SPREAD_MS) until it can: the stream's own reconnect events may arrive while the not-live page is still
# being drawn, and are then judged against the page as it was, so the retry cannot rest on them alone.
RETRY_MS = 3000
# A rerun the page asked for that has not drawn it anew this long is asked for once more (follow.js says why). Longer
# than a student's run may wait for its turn (explorer.classrooms.runs.MOST_WAIT_S): a second ask while the first run
# waits would stop that run and start it again.
AGAIN_MS = int((MOST_WAIT_S + 2.0) * 1000)
# After a render with an open question, the page looks for the question's panel this long after (and then every
# 0.5 s until its run is over): a page without it asks for itself again (follow.js says why).
CHECK_MS = 1500
SWITCH = "ATTENTION_EXPLORER_CLASS_PUSH"
KEY = "class_follow_stream"


def enabled(env=os.environ) -> bool:
    """Whether followers are pushed (the default) rather than polled (SWITCH set to 0, off or false)."""
    return env.get(SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")


def script() -> str:
    """The component's script (constant: no data in it). It draws nothing of the decode: the page's stepper does
    (<svg id="decode-heatmap">, svg_heatmap.SVG_ID, which it scales to keep an open question in the first screen)."""
    return rendered_anew("classes/follow.js")


@functools.cache
def _component():
    return st.components.v2.component(NAME, js=script(), isolate_styles=False)


def stream_url(code: str) -> str:
    """The room's event stream (the code is a checked shape: no escaping needed). The member is the browser's
    HttpOnly cookie, which the EventSource sends by itself: never in the URL, so never in a log."""
    return f"{url_path()}?code={code}"


def _texts() -> dict[str, str]:
    return {
        "cookies": message_of(CookiesNeeded()),
        "reconnecting": _("Connection lost: reconnecting…"),
        "replaced": _("This class is followed in another tab of this browser: reload this page to follow here."),
        "refused": _("The server is busy: trying again in {seconds} s…"),
    }


def follower(
    code: str,
    member: str,
    view: TeacherView | None,
    teacher_here: bool,
    reachable: bool,
    data: DecodedSentence | None = None,
    question: Question | None = None,
    asks: bool = False,
) -> None:
    """The component: with `data` (Decode, a model with attention, drawn by the page's stepper in its "follow"
    mode) each teacher's step handed to that stepper, and the class's current `question` as the page shows it
    (its stream's first events say whether the room is still there: a question asked in between reruns the
    page); without, it only listens and reruns the page when the teacher's view moves, and (`asks`: a
    lesson's panel shows the class's questions) when a question other than `question` is asked or revealed."""
    payload = {
        "stream": stream_url(code),
        "version": view.version if view is not None else 0,
        "params": dict(view.params) if view is not None else {},
        "teacher_here": bool(teacher_here),
        "reachable": bool(reachable),
        "mode": "watch",
        "spread_ms": SPREAD_MS,
        "retry_ms": RETRY_MS,
        "again_ms": AGAIN_MS,
        "check_ms": CHECK_MS,
        "texts": _texts(),
        # The stream knows the member by the browser's cookie alone: a browser that no longer sends one (cookies
        # cleared or blocked since it joined) would be refused for ever, so its page says why instead.
        "cookies": not in_browser() or browser_member() is not None,
    }
    if asks:
        payload["question"] = [question.id, question.revealed] if question is not None else [0, False]
    if data is not None:
        payload.update(mode="decode", steps=int(data.num_steps))
        payload["question"] = [question.id, question.revealed] if question is not None else [0, False]
    _component()(data=payload, key=KEY, on_moved_change=_moved)


def _moved() -> None:
    """The stream said something moved: the page's run that follows asks the store at once (its
    heartbeat, otherwise at most every follow.HEARTBEAT_SECONDS, learns an end, a removal or the teacher away)."""
    if joined(st.session_state):
        tab(st.session_state).student.heartbeat = 0.0
