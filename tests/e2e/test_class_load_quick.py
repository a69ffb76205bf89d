"""The live-class benchmark, quick mode (bench/class_follow.py --quick): 1 teacher, 5 followers, 5 steps.

One server started as the benchmark starts it (`python -m explorer.ui.serve`, the shipped models, the
embedded room store); the teacher and the followers are protocol clients (Streamlit's websocket
protocol; a follower, as its browser does, takes its view from the pushed component's data and then
from the class's event stream), so no browser is needed. Every follower must show every one of the
teacher's steps itself (none only through a later one), with no error, and without a single Python run
asked for by the stream (a step is drawn from the event). A join the class refuses stops the benchmark
at once. The full runs (300 followers on one server, 1000 on two replicas) are
`python -m bench.class_follow` (not tests).
"""

from __future__ import annotations

import time

import pytest

from bench import class_follow

# Each follower must show every step itself, steps about a second apart: run by themselves (make test).
pytestmark = pytest.mark.alone


def test_five_followers_see_every_step() -> None:
    result = class_follow.run(followers=5, steps=5, idle_s=3.0)
    class_follow.print_report(result)
    assert result["errors"] == 0, result["error_messages"]
    assert result["steps"] == 5
    assert result["shown_steps"] == result["expected_shown_steps"] == 25
    assert result["skipped_steps"] == 0
    assert [row["steps_shown"] for row in result["per_follower"]] == [5] * 5
    assert result["latency"]["n"] == 25
    assert result["pushed_followers"] == 5 and result["follower_reruns"] == 0
    # an idle follower costs no run of its page, and a teacher's step is a message, not a run, for each
    assert result["follower_runs_idle"] == 0 and result["follower_runs_stepping"] == 0


def test_a_refused_join_stops_the_benchmark_at_once(monkeypatch) -> None:
    monkeypatch.setenv("ATTENTION_EXPLORER_CLASS_MAX_STUDENTS", "2")
    started = time.monotonic()
    with pytest.raises(SystemExit, match="join refused: This class is full: it takes at most 2 students"):
        class_follow.run(followers=4, steps=2, idle_s=1.0)
    assert time.monotonic() - started < 90  # the server's start and three joins, not 120 s per refused follower
