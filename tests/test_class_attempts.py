"""A session's join attempts, rate-limited (explorer/classrooms/attempts.py)."""

from __future__ import annotations

import pickle
import time

import pytest

from explorer.classrooms.attempts import JoinAttempts
from explorer.classrooms.store import Limits, TooManyAttempts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_then_the_wait():
    clock = Clock()
    attempts = JoinAttempts(3, 60.0, clock=clock)
    for _ in range(3):
        attempts.check()
        attempts.failed()
        clock.now += 10
    # failures at 1000, 1010, 1020; now 1030: the first leaves the window at 1060
    with pytest.raises(TooManyAttempts) as raised:
        attempts.check()
    assert raised.value.params == {"seconds": 30}
    assert str(raised.value) == "Too many join attempts; try again in 30 s."
    clock.now = 1059.5
    with pytest.raises(TooManyAttempts) as raised:
        attempts.check()
    assert raised.value.params == {"seconds": 1}
    clock.now = 1060.0
    attempts.check()  # one left the window
    attempts.failed()
    with pytest.raises(TooManyAttempts) as raised:
        attempts.check()
    assert raised.value.params == {"seconds": 10}  # the failure at 1010 leaves at 1070


def test_a_success_forgets_the_failures():
    clock = Clock()
    attempts = JoinAttempts(2, 60.0, clock=clock)
    attempts.failed()
    attempts.succeeded()
    attempts.failed()
    attempts.check()
    attempts.failed()
    with pytest.raises(TooManyAttempts):
        attempts.check()
    attempts.succeeded()
    attempts.check()


def test_failures_keep_counting_while_blocked_but_are_bounded():
    clock = Clock()
    attempts = JoinAttempts(3, 60.0, clock=clock)
    for _ in range(1000):
        attempts.failed()
        clock.now += 0.01
    assert len(attempts._failed) == 3
    with pytest.raises(TooManyAttempts) as raised:
        attempts.check()
    assert raised.value.params == {"seconds": 60}
    clock.now += 60
    attempts.check()


def test_from_limits_and_defaults():
    attempts = JoinAttempts.from_limits(Limits())
    assert (attempts.limit, attempts.window_seconds) == (10, 60.0)
    assert attempts._clock is time.monotonic
    for _ in range(10):
        attempts.check()
        attempts.failed()
    with pytest.raises(TooManyAttempts):
        attempts.check()


def test_it_lives_in_a_session_state():
    attempts = JoinAttempts(2, 30.0)
    attempts.failed()
    copy = pickle.loads(pickle.dumps(attempts))
    copy.failed()
    with pytest.raises(TooManyAttempts):
        copy.check()
    attempts.check()  # the original is its own


@pytest.mark.parametrize(("limit", "window"), [(0, 60.0), (3, 0.0), (3, -1.0), (3, float("nan"))])
def test_bad_limits(limit, window):
    with pytest.raises(ValueError):
        JoinAttempts(limit, window)
