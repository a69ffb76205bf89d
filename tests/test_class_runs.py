"""Script runs scheduled (issue 65, the teacher's screen ahead of a flood: explorer/classrooms/runs.py).

A teacher's run never waits; a student's waits while a teacher's run is going and while its address has
`per_address` runs going; another address is not held back; no run waits longer than `most_wait_s`. Runs are
threads here (as Streamlit's script runners are) that hold their turn until the test lets them go.
"""

from __future__ import annotations

import threading

from explorer.classrooms import runs

WAIT_S = 10.0  # what a test waits for a thread at most (it never needs that long)


class Run:
    """A run in a thread of its own: `started` once it has its turn; it ends when `finish()` is called."""

    def __init__(self, enter) -> None:
        self.started, self._finish, self.waited = threading.Event(), threading.Event(), None
        self._thread = threading.Thread(target=self._go, args=(enter,), daemon=True)
        self._thread.start()

    def _go(self, enter) -> None:
        with enter() as waited:
            self.waited = waited
            self.started.set()
            self._finish.wait(WAIT_S)

    def finish(self) -> None:
        self._finish.set()
        self._thread.join(WAIT_S)


def _waiting(scheduler: runs.Runs, n: int) -> None:
    """Until `n` threads wait on the scheduler's turn (Condition's waiters: no sleeping for a guessed time)."""
    done = threading.Event()
    for _ in range(int(WAIT_S * 1000)):
        if len(scheduler._turn._waiters) >= n:  # noqa: SLF001 (what a waiting run is)
            return
        done.wait(0.001)
    raise AssertionError(f"{n} runs never waited")


def test_a_flood_from_one_address_takes_a_few_turns_and_the_teacher_goes_at_once():
    scheduler = runs.Runs(per_address=2)
    flood = [Run(lambda: scheduler.student("203.0.113.7")) for _ in range(2)]
    for run in flood:
        assert run.started.wait(WAIT_S)
    third = Run(lambda: scheduler.student("203.0.113.7"))
    _waiting(scheduler, 1)
    assert not third.started.is_set() and scheduler.going() == (0, {"203.0.113.7": 2})
    other = Run(lambda: scheduler.student("198.51.100.1"))  # another address is not held back
    assert other.started.wait(WAIT_S)
    teacher = Run(scheduler.teacher)  # nor is the teacher, whatever the room runs
    assert teacher.started.wait(WAIT_S)
    flood[0].finish()  # a turn frees: the waiting run still waits, for the teacher's run
    _waiting(scheduler, 1)
    assert not third.started.is_set()
    teacher.finish()
    assert third.started.wait(WAIT_S) and third.waited > 0
    for run in (flood[1], third, other):
        run.finish()
    assert scheduler.going() == (0, {})  # nothing kept of an address without runs


def test_a_students_run_waits_for_a_teachers_run_then_goes():
    scheduler = runs.Runs(per_address=4)
    teacher = Run(scheduler.teacher)
    assert teacher.started.wait(WAIT_S)
    student = Run(lambda: scheduler.student("local"))
    _waiting(scheduler, 1)
    assert scheduler.going() == (1, {})
    teacher.finish()
    assert student.started.wait(WAIT_S)
    student.finish()
    assert scheduler.going() == (0, {})


def test_no_run_waits_longer_than_the_most():
    scheduler = runs.Runs(per_address=1, most_wait_s=0.05)
    first = Run(lambda: scheduler.student("local"))
    assert first.started.wait(WAIT_S)
    late = Run(lambda: scheduler.student("local"))  # its turn never comes: it goes after 0.05 s
    assert late.started.wait(WAIT_S) and 0.05 <= late.waited < WAIT_S
    first.finish()
    late.finish()
    assert scheduler.going() == (0, {})


def test_a_run_that_fails_gives_its_turn_back():
    scheduler = runs.Runs(per_address=1)
    for _ in range(3):
        try:
            with scheduler.student("local"):
                raise RuntimeError("a rerun or a stop ends a run by an exception")
        except RuntimeError:
            pass
        try:
            with scheduler.teacher():
                raise RuntimeError
        except RuntimeError:
            pass
    assert scheduler.going() == (0, {})


def test_the_setting():
    assert runs.per_address({}) == runs.RUNS_PER_ADDRESS == 1
    assert runs.per_address({runs.SETTING: " 8 "}) == 8
    for bad in ("0", "-1", "x", "2.5", "1001", "9" * 20):
        assert runs.per_address({runs.SETTING: bad}) == 1


def test_a_teachers_run_stopped_for_its_next_keeps_the_students_waiting_through_the_gap():
    """Issue 62: a lesson's start is the list's run, then (a page switch) the step page's; the phones' runs slipped in
    between and shared the interpreter with the teacher's step page. The gap is held until the next run starts, at
    most TEACHER_NEXT_S."""
    scheduler = runs.Runs()
    first = Run(scheduler.teacher)
    assert first.started.wait(WAIT_S)
    scheduler.teacher_again()  # the list's run switches to the step's page
    first.finish()
    student = Run(lambda: scheduler.student("203.0.113.7"))
    _waiting(scheduler, 1)
    assert not student.started.is_set()  # the teacher's run has ended, and its next is due
    following = Run(scheduler.teacher)
    assert following.started.wait(WAIT_S)
    _waiting(scheduler, 1)
    assert not student.started.is_set()  # now behind the step page's run
    following.finish()
    assert student.started.wait(WAIT_S)
    student.finish()
    now = [0.0]
    late = runs.Runs(clock=lambda: now[0])  # a next run that never comes holds nobody past TEACHER_NEXT_S
    late.teacher_again()
    now[0] = runs.TEACHER_NEXT_S
    alone = Run(lambda: late.student("203.0.113.7"))
    assert alone.started.wait(WAIT_S) and alone.waited == 0.0
    alone.finish()
