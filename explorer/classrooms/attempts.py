"""A session's join attempts, rate-limited: after `limit` failed attempts within a window, wait.

Join codes are short enough to type, so trying codes one after another must be slow: the page keeps
one `JoinAttempts` in the session's state, calls `check()` before trying a code, `failed()` when
the code opened no class and `succeeded()` when it did. A plain object (the session keeps and may
copy it); the clock is injected, so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from explorer.classrooms.store import Limits, TooManyAttempts


class JoinAttempts:
    """The failed join attempts of one session within the last `window_seconds`, at most `limit` of them."""

    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or not window_seconds > 0:
            raise ValueError("a join limit is at least 1 attempt in a window of more than 0 seconds")
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._failed: list[float] = []  # times of the failed attempts still in the window, oldest first

    @classmethod
    def from_limits(cls, limits: Limits, clock: Callable[[], float] = time.monotonic) -> JoinAttempts:
        """The attempts `limits` allows (`join_attempts` per `join_window_seconds`)."""
        return cls(limits.join_attempts, limits.join_window_seconds, clock)

    def _recent(self) -> float:
        now = self._clock()
        self._failed = [t for t in self._failed if t > now - self.window_seconds][-self.limit :]
        return now

    def check(self) -> None:
        """TooManyAttempts(seconds=...) when `limit` attempts failed within the window (seconds: until one leaves)."""
        now = self._recent()
        if len(self._failed) >= self.limit:
            seconds = max(1, math.ceil(self._failed[0] + self.window_seconds - now))
            raise TooManyAttempts(seconds=seconds)

    def failed(self) -> None:
        """Record a failed attempt (a code that opened no class)."""
        self._recent()
        self._failed.append(self._clock())
        self._failed = self._failed[-self.limit :]

    def strikes(self) -> int:
        """The failed attempts still in the window: a session that sent wrong codes (the store slows such
        sessions when their address sent too many, never a session that sent none)."""
        self._recent()
        return len(self._failed)

    def succeeded(self) -> None:
        """A code opened a class: the failures before it are forgotten."""
        self._failed.clear()
