"""The live-class benchmark, quick mode (bench/class_follow.py --quick): 1 teacher, 5 followers, 5 steps.

One server started as the benchmark starts it (`python -m explorer.ui.serve`, the shipped models, the
embedded room store); the teacher and the followers are protocol clients (Streamlit's websocket
protocol, with the frontend's fragment timers), so no browser is needed. Every follower must show
every one of the teacher's steps itself (none only through a later one), with no error. The full runs
(30 followers on one server, 100 on two replicas) are `python -m bench.class_follow` (not tests).
"""

from __future__ import annotations

from bench import class_follow


def test_five_followers_see_every_step() -> None:
    result = class_follow.run(followers=5, steps=5, idle_s=3.0)
    class_follow.print_report(result)
    assert result["errors"] == 0, result["error_messages"]
    assert result["steps"] == 5
    assert result["shown_steps"] == result["expected_shown_steps"] == 25
    assert result["skipped_steps"] == 0
    assert [row["steps_shown"] for row in result["per_follower"]] == [5] * 5
    assert result["latency"]["n"] == 25
