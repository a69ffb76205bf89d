"""The classes one teacher's page has started, rate-limited: `Limits.session_creates` per hour (the store limits the
client address too, at a school's size: `Limits.creates`).

A page that starts a class again and again (a script, a stuck key) is held back alone, so a school's other teachers
behind the same address are not. The page keeps one `ClassStarts` in the session's state, calls `check()` before it
starts a class and `started()` once the store opened one. A plain object; the clock is injected, so tests move time
instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from explorer.classrooms.errors import TooManyStarts
from explorer.classrooms.store import Limits, Rate


class ClassStarts:
    """The classes started by one session within the last `rate.window_seconds`, at most `rate.count` of them."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        if rate.count < 1 or not rate.window_seconds > 0:
            raise ValueError("a start limit is at least 1 class in a window of more than 0 seconds")
        self.rate = rate
        self._clock = clock
        self._started: list[float] = []  # times of the starts still in the window, oldest first

    @classmethod
    def from_limits(cls, limits: Limits, clock: Callable[[], float] = time.monotonic) -> ClassStarts:
        return cls(limits.session_creates, clock)

    def _recent(self) -> float:
        now = self._clock()
        self._started = [t for t in self._started if t > now - self.rate.window_seconds][-self.rate.count :]
        return now

    def check(self) -> None:
        """TooManyStarts(seconds=...) when `rate.count` classes were started within the window (seconds: until the
        oldest leaves it)."""
        now = self._recent()
        if len(self._started) >= self.rate.count:
            raise TooManyStarts(seconds=max(1, math.ceil(self._started[0] + self.rate.window_seconds - now)))

    def started(self) -> None:
        """Record a class the store opened."""
        self._recent()
        self._started.append(self._clock())
