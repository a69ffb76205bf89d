"""A live class across two replicas: two app processes behind nginx share one real redis-server.

deploy.cluster.start_cluster starts two replicas and nginx, with the redis-server of
tests/redis_server.py (so that the test can stop and restart it on the same port). A teacher (a
protocol client of bench.class_follow: Streamlit's websocket protocol, and the class's event stream as
the follower's page opens it) opens Decode through nginx and starts a class; a follower is forced onto
the OTHER replica (fresh cookie jars, as fresh browsers, until nginx's access log names another replica
than the teacher's), opens the join link and follows: the teacher steps twice and the step reaches the
follower's stream through Redis pub/sub, with no Python run of the follower's page.

Then Redis goes away while the follower follows: its page says the class server cannot be reached
(StoreUnavailable's text: its stream tells it), without an exception and with its websocket open. Redis
comes back on the
same port with the rooms it had (SAVE before the kill: a Redis restarted with its data, as the
cluster's own Redis is from its append-only file): the follower's page says "· live" again by
itself, and the teacher's next step reaches it. Skipped, with the reason, where nginx or redis-server
is missing (scripts/install_servers.sh).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bench.common import run_async
from deploy.cluster import start_cluster
from deploy.errors import ClusterError
from deploy.probes import free_port
from deploy.processes import find_program
from tests.redis_server import RedisServer

UNREACHABLE = "cannot be reached"  # explorer.classrooms.store.StoreUnavailable's text
SENTENCE = "25 may 1921"


@pytest.fixture
def cluster_with_redis(tmp_path):
    for program in ("nginx", "redis-server"):
        try:
            find_program(program)
        except ClusterError as error:
            pytest.skip(str(error))
    redis = RedisServer()
    try:
        # No warm-up: each replica loads the one model the class uses on first use.
        cluster = start_cluster(2, free_port(), tmp_path / "cluster", redis_url=redis.url, warm_up=False, timeout_s=60)
    except BaseException:
        redis.close()
        raise
    try:
        yield cluster, redis
    finally:
        cluster.stop()
        redis.close()


async def _follower_on_other_replica(url: str, code: str, replica: str, tries: int = 30):
    """A follower whose sticky cookie puts it on another replica than `replica`."""
    from bench.class_follow import connect, first_get

    for _ in range(tries):
        got, cookie = await asyncio.to_thread(first_get, url)
        if got and got != replica:
            client = await connect(url, f"room={code}", "", cookie, got)
            await client.open()
            return client
    raise AssertionError(f"{tries} fresh cookie jars all landed on the teacher's replica {replica}")


async def _class(cluster, redis: RedisServer) -> None:
    import redis as redis_client

    from bench.class_follow import open_teacher

    started = time.monotonic()
    teacher, code = await open_teacher(cluster.url, SENTENCE, "concat", timeout_s=40)
    follower = await _follower_on_other_replica(cluster.url, code, teacher.replica)
    try:
        assert {teacher.replica, follower.replica} == {u.removeprefix("http://") for u in cluster.replica_urls}
        # The banner comes before the step line in a run: wait for both.
        assert await follower.until(lambda: follower.live() and follower.shown_step() == 0, 30), follower.alerts[-3:]

        reruns = follower.triggers  # the page's runs the stream asked for (a view that changed beyond its step)
        for step in (1, 2):
            await teacher.click("Step")
            assert await teacher.until(lambda s=step: teacher.shown_step() == s, 15)
        assert await follower.until(lambda: follower.shown_step() == 2, 10), follower.steps[-3:]
        # Pushed: the teacher's replica published the step, Redis carried it to the follower's replica's stream. (The
        # follower may show step 2 a moment before its stream says so: a run of its own page, its report of step 1
        # say, reads the room at 2; the stream's event still comes, and is waited for.)
        pushed = lambda: any(e["kind"] == "view" and e["params"].get("step") == "2" for e, _at in follower.events)  # noqa: E731
        assert follower.stream_task is not None and await follower.until(pushed, 10), follower.events[-3:]
        assert follower.triggers == reruns, follower.events  # no Python run of the follower's page for a step

        # Redis goes away: the follower's page says so, and keeps going.
        redis_client.Redis.from_url(redis.url).save()  # the rooms as they are, for the restart below
        redis.stop()
        assert await follower.until(lambda: UNREACHABLE in follower.alerts[-1][1], 15), follower.alerts[-3:]
        assert follower.alerts[-1][1] == (
            f"Following the teacher of class {code} · not live: "
            "The class server cannot be reached right now; the page retries by itself."
        )
        assert follower.exceptions == []
        assert follower.closed is None

        # Redis is back on the same port, with its rooms: live again by itself, and the next step arrives.
        redis.start()
        assert await follower.until(follower.live, 15), (follower.alerts[-3:], follower.events[-5:])
        await teacher.click("Step")
        assert await follower.until(lambda: follower.shown_step() == 3, 15), follower.steps[-3:]
        assert follower.exceptions == [] and teacher.exceptions == []
        assert follower.closed is None and teacher.closed is None
    finally:
        await follower.close()
        await teacher.close()
    assert time.monotonic() - started < 60


def test_a_class_across_two_replicas_and_a_redis_restart(cluster_with_redis) -> None:
    cluster, redis = cluster_with_redis
    run_async(_class(cluster, redis))  # after the browser tests Playwright's event loop runs in this thread
