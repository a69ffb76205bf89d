"""A room's event stream (explorer.ui.classes.stream) and the hub behind it (explorer.classrooms.events), without a
server: the stream generator run on an embedded store whose clock the test moves.

A member's stream starts with the room's current view (a follower that reconnects resumes there), then
each change; a teacher who floods the room is merged to the latest view per interval (the per-room
message limit); a stranger, a removed member and a room whose teacher has been gone past its idle time
get "gone" and the stream ends (an idle stream holds no class's place on the server).
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from explorer.classrooms import events, member_ids
from explorer.classrooms.memory import MemoryStore
from explorer.classrooms.store import Limits
from explorer.ui.classes import state as class_state
from explorer.ui.classes import stream as class_stream
from tests.async_run import run as run_async

A, B = "a" * 32, "b" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rooms(monkeypatch):
    clock = Clock()
    store = MemoryStore(Limits(idle_seconds=60.0), clock=clock)
    monkeypatch.setattr(class_stream, "_store", lambda: store)
    monkeypatch.setattr(class_stream, "PRESENCE_SECONDS", 0.2)
    monkeypatch.setattr(class_state, "_ids", [member_ids.MemberIds(store.member_secret())])
    class_stream.hub.cache_clear()
    yield store, clock
    class_stream.hub.cache_clear()


def _data(text: str) -> dict | None:
    return json.loads(text[len("data: ") :]) if text.startswith("data: ") else None


async def _frames(stream, n: int, timeout: float = 5.0) -> list[dict]:
    found: list[dict] = []
    async with asyncio.timeout(timeout):
        async for text in stream:
            if (event := _data(text)) is not None:
                found.append(event)
                if len(found) == n:
                    return found
    return found


def test_a_member_resumes_from_the_current_view_then_hears_each_step(rooms):
    store, _clock = rooms
    code, token = store.create()
    store.join(code, A)
    store.publish(code, token, "decode", {"sentence": "abc", "step": "2"})

    async def follow():
        stream = class_stream.stream(code, A)
        first = await _frames(stream, 3)
        threading.Thread(target=store.publish, args=(code, token, "decode", {"sentence": "abc", "step": "3"})).start()
        then = await _frames(stream, 1)
        await stream.aclose()
        return first, then

    first, then = run_async(follow())
    assert first == [
        # As the hub's frames, those the stream reads itself say the hall's size: a page spreads its rerun by it.
        {"kind": "view", "page": "decode", "params": {"sentence": "abc", "step": "2"}, "version": 1, "hall": 1},
        {"kind": "question", "id": 0, "revealed": False, "hall": 1},  # none asked: a page that missed one would rerun
        {"kind": "presence", "here": True},
    ]
    hub_view = {"kind": "view", "page": "decode", "params": {"sentence": "abc", "step": "3"}, "version": 2}
    assert then == [{**hub_view, "hall": 1}]  # the hub's frames say how many streams of the room it serves
    assert class_stream.hub().count() == 0  # the closed stream left the hub


def test_a_stranger_a_removed_member_and_an_expired_class_get_gone(rooms):
    store, clock = rooms
    code, token = store.create()
    store.join(code, A)
    store.join(code, B)

    async def first_frames(member: str) -> list[dict]:
        return await _frames(class_stream.stream(code, member), 3)

    assert run_async(first_frames("c" * 32)) == [{"kind": "gone"}]

    async def removed() -> list[dict]:
        stream = class_stream.stream(code, A)
        await _frames(stream, 2)  # the question (none) and presence: in
        threading.Thread(target=store.remove, args=(code, token, A)).start()
        return await _frames(stream, 2)

    assert run_async(removed()) == [{"kind": "removed", "member": A}]

    async def expired() -> list[dict]:
        stream = class_stream.stream(code, B)
        await _frames(stream, 2)
        clock.now += 61  # the teacher gone past the class's idle time: its place is free, the stream ends
        return await _frames(stream, 2)

    assert run_async(expired()) == [{"kind": "gone"}]
    assert store.create()  # a place on the server again


def test_a_flood_of_views_reaches_each_stream_merged():
    hub = events.Hub(min_interval=0.2)

    async def listen():
        sub = hub.subscribe("ABC234", A)

        def teacher():
            for step in range(100):
                hub.deliver(
                    "ABC234", {"kind": "view", "page": "decode", "params": {"step": str(step)}, "version": step + 1}
                )

        threading.Thread(target=teacher).start()
        got = []
        async with asyncio.timeout(3):
            while not got or got[-1]["version"] < 100:
                await sub.ready.wait()
                got += [event for event, _frame in sub.take()]
        hub.unsubscribe(sub)
        return got

    got = run_async(listen())
    assert got[-1]["params"]["step"] == "99"
    assert len(got) <= 3  # a hundred views in a burst: the first, then the latest after each interval


def _request(query: str, cookie: str | None = None):
    from starlette.requests import Request

    headers = [(b"cookie", f"{member_ids.COOKIE}={cookie}".encode())] if cookie is not None else []
    scope = {"type": "http", "method": "GET", "path": class_stream.PATH, "query_string": query.encode(),
             "headers": headers, "client": ("203.0.113.7", 5000)}  # fmt: skip
    return run_async(class_stream.endpoint(Request(scope)))


def test_a_malformed_request_gets_400():
    for query in ("", "code=<script>&member=" + A, "code=ABC23"):
        response = _request(query)
        assert response.status_code == 400 and b"<" not in response.body


def test_a_member_id_chosen_by_the_client_is_not_accepted(rooms):
    store, _clock = rooms
    code, _token = store.create()
    store.join(code, A)  # even a member's id, sent by the client, is not the server's cookie
    for query, cookie in ((f"code={code}&member={A}", None), (f"code={code}", A), (f"code={code}", "x" * 46)):
        response = _request(query, cookie)
        assert response.status_code == 403 and b"<" not in response.body
    issued = class_state.ids().issue()
    store.join(code, issued)
    response = _request(f"code={code}&member={A}", issued)  # the cookie's id, the query's ignored
    assert response.status_code == 200 and response.media_type == "text/event-stream"
    run_async(response.body_iterator.aclose())
