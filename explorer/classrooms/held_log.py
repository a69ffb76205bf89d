"""A line in the server's log when a limit holds something back long enough to matter, at most once in a while:
an operator sees the limits bite (a class waiting on them, not on the machine) without a line per message."""

from __future__ import annotations

import logging
import threading

AT_LEAST_S = 2.0  # a hold this long is said
EVERY_S = 10.0  # at most one line per this many seconds, per log


class HeldLog:
    """`held(seconds, now, what, *args)` logs "`what` … held N s" when `seconds` >= `at_least_s`, unless it logged
    less than `every_s` before `now` (any clock, as long as one log is given one clock)."""

    def __init__(self, name: str, at_least_s: float = AT_LEAST_S, every_s: float = EVERY_S) -> None:
        self._log, self.at_least_s, self.every_s = logging.getLogger(name), at_least_s, every_s
        self._lock = threading.Lock()
        self._said: float | None = None  # when it last logged

    def held(self, seconds: float, now: float, what: str, *args) -> bool:
        """Log the hold if it is long and the last line is old; whether it did."""
        if seconds < self.at_least_s:
            return False
        with self._lock:
            if self._said is not None and now - self._said < self.every_s:
                return False
            self._said = now
        self._log.warning(what + " held %.1f s", *args, seconds)
        return True
