"""A page run takes its turn (explorer.classrooms.runs): a teacher's session at once, any other session once no
teacher's run is going and few runs of its client address are (app.py wraps every page run in `turn`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st

from explorer.classrooms.runs import RUNS
from explorer.ui.classes.state import client, teaching


@contextlib.contextmanager
def turn() -> Iterator[None]:
    """This session's page run, in its turn (a fragment's run is not one: it does not run the page)."""
    if teaching(st.session_state):
        with RUNS.teacher():
            yield
    else:
        with RUNS.student(client()):
            yield
