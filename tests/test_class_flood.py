"""One student cannot freeze the lecture (issue 51): a flood of reruns from one session slows that session only.

explorer.classrooms.flood meters each Streamlit websocket (a token bucket: a burst, then a rate a second);
nginx cannot, it never sees a websocket's messages. The unit tests check the bucket and the middleware;
the last test runs the app as `make run` does, with a teacher and pushed followers (protocol clients,
bench/protocol.py) while one more session sends a rerun every 2 ms (the issue's attack, from one tab): the
followers see every one of the teacher's steps, typically within 1 s, and the flooder's page runs no more
often than its bucket allows. The default run's class is bench.class_flood --quick's (2 followers, 3 steps);
`make test-slow` runs its default class too (5 followers, 8 steps). Latencies as figures (median and p95,
quiet against flooded): `python -m bench.class_flood`.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest

from explorer.classrooms.flood import (
    BURST,
    RATE_PER_SECOND,
    SOCKET_HEADER,
    TEACHER_FIRST_S,
    Bucket,
    SessionRateLimit,
    Sockets,
)
from tests.async_run import run as run_async


def test_a_bucket_lets_a_burst_through_then_the_rate():
    bucket = Bucket(rate=10.0, burst=5.0)
    assert [bucket.take(100.0) for _ in range(5)] == [0.0] * 5
    assert bucket.take(100.0) == pytest.approx(0.1)  # the sixth at once waits one token's time
    assert bucket.take(100.0) == pytest.approx(0.2)
    assert Bucket(rate=10.0, burst=5.0).take(0.0) == 0.0
    later = Bucket(rate=10.0, burst=5.0)
    for _ in range(5):
        later.take(0.0)
    assert later.take(10.0) == 0.0  # refilled (to the burst, no more)
    assert [later.take(10.0) for _ in range(4)] == [0.0] * 4 and later.take(10.0) > 0


def _run(coroutine):
    return run_async(coroutine)


def test_the_middleware_meters_a_websocket_and_nothing_else():
    seen: list[float] = []

    async def app(scope, receive, send):
        while (await receive())["type"] != "websocket.disconnect":
            seen.append(time.monotonic())

    async def flood(path: str, kind: str = "websocket") -> float:
        messages = [{"type": "websocket.receive", "bytes": b"x"}] * 30 + [{"type": "websocket.disconnect"}]

        async def receive():
            return messages.pop(0)

        started = time.monotonic()
        await SessionRateLimit(app, rate=100.0, burst=10.0)({"type": kind, "path": path}, receive, None)
        return time.monotonic() - started

    assert _run(flood("/_stcore/stream")) >= 0.19  # 10 at once, then 20 at 100 a second
    assert len(seen) == 30
    assert _run(flood("/api/class-events")) < 0.05  # only Streamlit's websocket is metered
    assert RATE_PER_SECOND <= 10 and BURST >= 20  # a page opening or a clicker never waits


def _sockets_flooding(n: int, monkeypatch, messages: int = 20) -> tuple[dict[str, float], list[str], Sockets]:
    """`n` websockets from one address and one more whose session registers as the teacher's, each sending
    `messages` at once: (the seconds each was told to wait in all, by "student i" / "teacher", the socket names
    the app saw, the Sockets)."""
    import explorer.classrooms.flood as flood

    sockets = Sockets(address_rate=100.0, address_burst=20.0)
    names: list[str] = []
    waited: dict[str, float] = {}
    real_sleep = asyncio.sleep

    async def sleep(seconds):
        who = asyncio.current_task().get_name()
        waited[who] = waited.get(who, 0.0) + seconds
        await real_sleep(seconds)

    monkeypatch.setattr(flood.asyncio, "sleep", sleep)

    async def app(scope, receive, send):
        name = dict(scope["headers"])[SOCKET_HEADER.encode()].decode()
        names.append(name)
        if dict(scope["headers"]).get(b"x-teacher"):
            sockets.teach(name)
        await real_sleep(0.05)  # every socket open before any sends
        while (await receive())["type"] != "websocket.disconnect":
            pass

    async def one(who: str) -> None:
        asyncio.current_task().set_name(who)
        queue = [{"type": "websocket.receive", "bytes": b"x"}] * messages + [{"type": "websocket.disconnect"}]

        async def receive():
            return queue.pop(0)

        headers = [(SOCKET_HEADER.encode(), b"chosen-by-the-client")]
        headers += [(b"x-teacher", b"1")] if who == "teacher" else []
        scope = {"type": "websocket", "path": "/_stcore/stream", "client": ("203.0.113.7", 1), "headers": headers}
        await SessionRateLimit(app, rate=1000.0, burst=1000.0, sockets=sockets)(scope, receive, None)

    async def all_of_them():
        await asyncio.gather(*(one(f"student {i}") for i in range(n)), one("teacher"))

    _run(all_of_them())
    return waited, names, sockets


def test_sockets_of_one_address_share_its_budget_and_the_teacher_keeps_its_own(monkeypatch):
    waited, names, sockets = _sockets_flooding(10, monkeypatch)
    # 200 student messages: 20 at once, then 100 a second for the address: 1.8 s of waiting among them
    assert max(waited.values()) >= 1.5, waited
    assert "teacher" not in waited  # the teacher's 20 messages never waited (its own budget holds 80)
    assert "chosen-by-the-client" not in names and len(set(names)) == 11  # the middleware names every socket
    assert sockets._addresses == {} and sockets._open == {}  # nothing kept of sockets closed
    assert not sockets.teach("chosen-by-the-client")  # only an open socket's name registers


def test_students_of_the_teachers_address_wait_for_the_teachers_run_to_start_not_a_whole_second():
    """After a teacher's message, its address's students' messages wait until a teacher's run has started (then the
    run turns hold their runs), at most TEACHER_FIRST_S; issue 62: every follower of a lesson's start waited the
    whole second."""
    sockets = Sockets(address_rate=100.0, address_burst=20.0)
    teacher, student = sockets.opened("198.51.100.4"), sockets.opened("198.51.100.4")
    elsewhere = sockets.opened("203.0.113.9")
    assert sockets.teach(teacher)
    sockets.teacher_spoke(teacher, 10.0)
    assert sockets.address_wait(student, 10.25) == pytest.approx(TEACHER_FIRST_S - 0.25)
    assert sockets.address_wait(elsewhere, 10.25) == 0.0  # another address's students: not held
    sockets.teacher_ran(10.3)  # the run the teacher's message asked for
    assert sockets.address_wait(student, 10.31) == 0.0
    sockets.teacher_spoke(teacher, 11.0)  # the next message: held again, a run that started before it ends nothing
    assert sockets.address_wait(student, 11.5) == pytest.approx(TEACHER_FIRST_S - 0.5)
    assert sockets.address_wait(student, 12.0) == 0.0  # at most TEACHER_FIRST_S


@pytest.mark.parametrize(
    ("followers", "steps"),
    [(2, 3), pytest.param(5, 8, marks=pytest.mark.slow)],
    ids=["quick", "full"],  # quick: bench.class_flood --quick's class; full (make test-slow): its default class
)
def test_a_flooding_session_does_not_slow_the_class(followers, steps):
    from bench.class_flood import class_under_flood
    from bench.common import run_async
    from bench.server import Server

    server = Server()
    server.start(timeout_s=180)
    try:
        result = run_async(class_under_flood(server.url, followers=followers, steps=steps))
    finally:
        server.stop()
    ms = result["ms"]
    assert result["errors"] == [] and len(ms) == followers * steps  # every follower showed every step, within 10 s
    # The typical step reaches the class within the second. The median, not a p95: on a busy
    # 2-core machine (CI runs another test worker beside the server) a few steps can wait on the other
    # worker; `python -m bench.class_flood` measures median and p95, quiet against flooded.
    assert statistics.median(ms) < 1000, ms
    assert result["sent"] > 100 * result["flood_s"], result  # the flood was one: hundreds of reruns a second asked for
    # the flooder's page ran at most as often as its bucket lets messages through (plus its burst)
    assert result["runs"] <= RATE_PER_SECOND * result["flood_s"] + BURST, result
