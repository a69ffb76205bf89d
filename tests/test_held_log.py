"""The server says when a limit holds a message or a run back long enough to matter (explorer.classrooms.held_log),
at most once in a while: the rate budget (explorer.classrooms.flood) and the runs' turns (explorer.classrooms.runs)."""

from __future__ import annotations

import logging

from explorer.classrooms.held_log import HeldLog


def test_a_long_hold_is_said_once_per_interval_and_a_short_one_never(caplog):
    log = HeldLog("tests.held", at_least_s=2.0, every_s=10.0)
    with caplog.at_level(logging.WARNING, logger="tests.held"):
        assert not log.held(1.9, now=0.0, what="a run: its turn")
        assert log.held(2.5, 1.0, "a %s's run: its turn", "student")
        assert not log.held(30.0, now=10.9, what="a run: its turn")  # 9.9 s after the last line
        assert log.held(2.0, now=11.0, what="a run: its turn")
    said = [r.getMessage() for r in caplog.records]
    assert said == ["a student's run: its turn held 2.5 s", "a run: its turn held 2.0 s"]
