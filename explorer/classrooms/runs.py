"""Script runs scheduled: a teacher's page runs first, and a few students' runs per client address at once.

Streamlit runs each session's script in a thread of its own, and every thread of the one server process takes
turns at Python's one interpreter lock: ten flooding tabs mean ten runs sharing it with the teacher's, whose Step
then shows late. `explorer.classrooms.flood` meters the messages that ask for runs; this meters the runs
themselves. A teacher's run never waits. A student's run (any session that is not teaching) waits before its script
starts while a teacher's run is going anywhere in the process, and while `per_address` runs of its client address
are going: a flood from one address takes a few turns at the lock, not all of them. A teacher's run stopped for its
next (`teacher_again`) keeps the students waiting through the gap until that next one starts. No run waits longer than
`most_wait_s` in all (a run that waited that long goes ahead), so nothing is held for ever. A waiting run holds no
lock and uses no CPU. The clock is injected, so tests move time instead of sleeping.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator

from explorer.classrooms.held_log import HeldLog

# Students' runs going at once per client address. A run costs 0.1-0.3 s of the interpreter, which all of a process's
# threads share: two or four runs of a flood beside the teacher's slowed its Step to 3 and 10 s at p95 (50 flooding
# tabs, bench.class_flood, docs/deployment.md), one to 0.14 s; a hall's runs take the same time in turn as together.
RUNS_PER_ADDRESS = 1
MOST_WAIT_S = 10.0  # a student's run waits at most this long for its turn, then goes ahead
# A teacher's run stopped for its next (a page switch, st.rerun, a click while it ran) is followed by that run at
# once: students' runs wait through the gap between the two, at most this long (issue 62: the phones of a lesson's
# start slipped in between the teacher's list and its step's page and shared the interpreter with that page's run).
TEACHER_NEXT_S = 0.5
SETTING = "ATTENTION_EXPLORER_CLASS_RUNS_PER_ADDRESS"


def per_address(env=os.environ) -> int:
    """RUNS_PER_ADDRESS, or the SETTING's whole number in 1..1000 (another value: the default)."""
    raw = env.get(SETTING, "")
    try:
        value = int(raw.strip()) if isinstance(raw, str) and len(raw) <= 10 else 0
    except ValueError:
        return RUNS_PER_ADDRESS
    return value if 1 <= value <= 1000 else RUNS_PER_ADDRESS


class Runs:
    """The runs going in this process: teachers' (any address), students' per client address."""

    def __init__(
        self,
        per_address: int = RUNS_PER_ADDRESS,
        most_wait_s: float = MOST_WAIT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_address, self.most_wait_s, self._clock = per_address, most_wait_s, clock
        self._turn = threading.Condition()
        self._teaching = 0  # teachers' runs going
        self._next_until = float("-inf")  # a teacher's next run is due until then (`teacher_again`)
        self._students: dict[str, int] = {}  # address -> students' runs going (an address without any: absent)
        self._held = HeldLog(__name__)  # a run held 2 s or more for its turn is said in the log

    @contextlib.contextmanager
    def teacher(self) -> Iterator[None]:
        """A teacher's run: it goes at once, and students' runs wait for it to end."""
        with self._turn:
            self._teaching += 1
            self._next_until = float("-inf")
        try:
            yield
        finally:
            with self._turn:
                self._teaching -= 1
                self._turn.notify_all()

    def teacher_again(self) -> None:
        """The teacher's run ending now is stopped for its next, which starts at once: students' runs wait for it
        (at most TEACHER_NEXT_S)."""
        with self._turn:
            self._next_until = self._clock() + TEACHER_NEXT_S

    @contextlib.contextmanager
    def student(self, address: str) -> Iterator[float]:
        """A student's run from `address`: it starts once no teacher's run is going and fewer than `per_address` of
        its address's are (at most `most_wait_s` later); yields the seconds it waited."""
        start = self._clock()
        with self._turn:
            while (
                self._teaching > 0
                or self._students.get(address, 0) >= self.per_address
                or self._clock() < self._next_until
            ):
                now = self._clock()
                left = start + self.most_wait_s - now
                if left <= 0:
                    break
                self._turn.wait(min(left, self._next_until - now) if now < self._next_until else left)
            self._students[address] = self._students.get(address, 0) + 1
            now = self._clock()
            waited = now - start
            self._held.held(waited, now, "a student's run (%d teachers' runs going): its turn", self._teaching)
        try:
            yield waited
        finally:
            with self._turn:
                left = self._students[address] - 1
                if left > 0:
                    self._students[address] = left
                else:
                    del self._students[address]
                self._turn.notify_all()

    def going(self) -> tuple[int, dict[str, int]]:
        """(teachers' runs going, students' runs going per address): what tests and benches read."""
        with self._turn:
            return self._teaching, dict(self._students)


RUNS = Runs(per_address())  # this process's (every page run goes through it: explorer.ui.classes.turns)
