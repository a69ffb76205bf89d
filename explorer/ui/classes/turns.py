"""A page run takes its turn (explorer.classrooms.runs): a teacher's session at once, any other session once no
teacher's run is going and few runs of its client address are (app.py wraps every page run in `turn`). A teacher's
run that starts ends the hold on the students' messages that its teacher's message began (explorer.classrooms.flood).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

from explorer.classrooms.flood import SOCKETS
from explorer.classrooms.runs import RUNS
from explorer.ui.classes.state import client, teaching


@contextlib.contextmanager
def turn() -> Iterator[None]:
    """This session's page run, in its turn (a fragment's run is not one: it does not run the page)."""
    if teaching(st.session_state):
        with RUNS.teacher():
            SOCKETS.teacher_ran(time.monotonic())  # the students' messages held for it are read now (flood)
            try:
                yield
            except RerunException:  # a page switch, st.rerun, a click while it ran: its next run starts at once
                RUNS.teacher_again()
                raise
    else:
        with RUNS.student(client()):
            yield
