"""A member is a member when its replica dies (issue 51), in real Chromium behind the cluster's nginx.

Two replicas and a real redis-server (tests/redis_server.py), started as deploy.cluster starts them. A
teacher (a protocol client) opens Decode and starts a class and asks a question; a student in Chromium,
whose sticky cookie puts it on the OTHER replica, joins by the link and answers. Then its replica is
killed (SIGKILL): the page reconnects by itself, nginx sends it to the surviving replica, and there it
is still the same member (its tag), still following, its answer shown as its own and counted once in
Redis. A reload on that replica keeps it all too; opening the join link again is the same member too.
Skipped, with the reason, where nginx or redis-server is missing (scripts/install_servers.sh).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import threading
import time

from playwright.sync_api import Browser, Page, expect

from deploy.probes import health
from explorer.classrooms.redis_store import RedisStore
from tests.e2e.test_class_browser import WAIT_MS
from tests.test_class_replicas import SENTENCE, cluster_with_redis  # noqa: F401 (the fixture)

TAG = re.compile(r"Your tag in the class: (#[0-9a-f]{6})")


def _replica_of(page: Page, cluster) -> str:
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies() if c["name"] == "ae_replica")
    return health(cluster.url, access_log=cluster.access_log, cookie=cookie)[1]


def _tag(page: Page) -> str:
    text = page.get_by_text(TAG).first
    expect(text).to_be_visible(timeout=WAIT_MS)
    return TAG.search(text.inner_text()).group(1)


def _following(page: Page, code: str) -> None:
    expect(page.get_by_text(f"Following the teacher of class {code} · live")).to_be_visible(timeout=WAIT_MS)


def test_a_student_whose_replica_dies_is_still_the_same_member(browser: Browser, cluster_with_redis) -> None:  # noqa: F811
    from bench.class_follow import open_teacher

    cluster, redis = cluster_with_redis
    store = RedisStore(redis.url)
    loop = asyncio.new_event_loop()  # the teacher's client, on a loop of its own thread (Playwright has this one)
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def call(coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=120)

    teacher, code = call(open_teacher(cluster.url, SENTENCE, "concat", timeout_s=60))
    page = None
    try:
        for _ in range(20):  # fresh browsers until one lands on the other replica
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            page = context.new_page()
            page.goto(f"{cluster.url}/?room={code}")
            _following(page, code)
            if _replica_of(page, cluster) != teacher.replica:
                break
            context.close()
        replica = _replica_of(page, cluster)
        assert replica and replica != teacher.replica
        tag = _tag(page)

        call(teacher.click("Ask the class"))
        question = None
        for _ in range(100):
            question = store.current_question(code)
            if question is not None:
                break
            time.sleep(0.1)
        assert question is not None
        options = page.get_by_role("radiogroup", name="Your answer").get_by_role("radio")
        option = options.nth(question.right[0]).inner_text()  # as shown: a repeated token after its position
        options.nth(question.right[0]).click()
        expect(page.get_by_text(f"Your answer: {option}.")).to_be_visible(timeout=WAIT_MS)
        assert store.current_question(code).answers == 1

        [dead] = [p for p in cluster.processes if p.role == "replica" and replica.endswith(f":{p.port}")]
        os.kill(dead.pid, signal.SIGKILL)
        # The page reconnects by itself, to the surviving replica, and is the same member there: the teacher's
        # next step reaches it, and the new session knows its class (exploring and following again work).
        call(teacher.click("Step"))
        page.wait_for_function("() => document.querySelector('.ae-stepper')?.dataset.step === '1'", timeout=WAIT_MS)
        page.get_by_role("button", name="Explore on my own").click()
        expect(page.get_by_text(f"Class {code}: you are exploring on your own.")).to_be_visible(timeout=WAIT_MS)
        page.get_by_role("button", name="Follow the teacher").click()
        _following(page, code)
        expect(page.get_by_text(f"Your answer: {option}.")).to_be_visible(timeout=WAIT_MS)
        assert _tag(page) == tag
        survivor = _replica_of(page, cluster)
        assert survivor == teacher.replica, cluster.access_log.read_text()[-1500:]
        page.reload()
        _following(page, code)
        assert _tag(page) == tag
        expect(page.get_by_text(f"Your answer: {option}.")).to_be_visible(timeout=WAIT_MS)
        page.goto(f"{cluster.url}/?room={code}")  # the join link again, from the same browser: the same member
        _following(page, code)
        assert _tag(page) == tag
        expect(page.get_by_text(f"Your answer: {option}.")).to_be_visible(timeout=WAIT_MS)
        assert store.current_question(code).answers == 1  # counted once
        assert page.locator(".stException").count() == 0
    finally:
        if page is not None:
            page.context.close()
        call(teacher.close())
        loop.call_soon_threadsafe(loop.stop)
