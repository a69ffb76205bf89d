"""Bounded state (issue 65): what a server keeps per room goes when the room ends, and a member holds one stream.

The hub (explorer.classrooms.events.Hub) once kept the time of every room's last fan-out forever and any
number of streams per member (3,000 streams with one member id, each with a heartbeat to the store, were
all accepted); the Redis store kept the last view version it announced for every room it had seen. Now a
member's new stream replaces its old one (which hears "replaced" and ends), the hub forgets a room with its
last stream, and neither store keeps anything of a room that ended (the embedded one, of a room that expired
either: within a minute, not only at the next class created).
"""

from __future__ import annotations

import asyncio
import threading

from explorer.classrooms import events
from explorer.ui.classes import stream as class_stream
from tests import redis_server as servers
from tests import test_class_store as contract
from tests.async_run import run as run_async
from tests.test_class_events import A, B, _frames, rooms  # noqa: F401 (rooms: the fixture)

redis_url = servers.redis_url  # the fixtures, by the names tests ask for
clock, make = contract.clock, contract.make  # both stores

VIEW = {"kind": "view", "page": "decode", "params": {"step": "1"}, "version": 1}


def _state(hub: events.Hub) -> tuple[int, int, int]:
    """How many rooms each of the hub's maps holds."""
    return len(hub._rooms), len(hub._last), len(hub._held)


def test_a_members_new_stream_replaces_its_old_one():
    hub = events.Hub(min_interval=0.0)

    async def twice():
        subs = [hub.subscribe("ABC234", A) for _ in range(3000)]  # one member id, 3,000 streams
        other = hub.subscribe("ABC234", B)
        assert hub.count("ABC234") == 2
        await asyncio.sleep(0.05)
        replaced = [sub.take() for sub in subs[:-1]]
        hub.deliver("ABC234", VIEW)
        await asyncio.sleep(0.05)
        heard = subs[-1].take(), other.take()
        for sub in subs[:-1]:  # the old streams end; leaving, they take nothing of the newest one
            hub.unsubscribe(sub)
        assert hub.count("ABC234") == 2
        hub.unsubscribe(subs[-1])
        hub.unsubscribe(other)
        return replaced, heard

    replaced, (newest, other) = run_async(twice())
    assert all([event for event, _ in found] == [{"kind": "replaced"}] for found in replaced)
    assert [event for event, _ in newest] == [VIEW] and [event for event, _ in other] == [VIEW]
    assert _state(hub) == (0, 0, 0)


def test_the_hub_forgets_a_room_with_its_last_stream():
    hub = events.Hub(min_interval=0.2)

    async def rooms_come_and_go():
        for n in range(50):
            code = f"ROOM{n:02d}"
            sub = hub.subscribe(code, A)
            hub.deliver(code, VIEW)
            hub.deliver(code, VIEW)  # within the interval: held for the room's next slot
            await asyncio.sleep(0.01)
            hub.unsubscribe(sub)
        await asyncio.sleep(0.3)  # the held fan-outs run, to rooms without streams

    run_async(rooms_come_and_go())
    assert _state(hub) == (0, 0, 0)


def test_an_ended_class_leaves_nothing_in_the_hub(rooms):  # noqa: F811 (the fixture)
    store, _clock = rooms
    code, token = store.create()
    store.join(code, A)

    async def follow_until_the_end():
        stream = class_stream.stream(code, A)
        await _frames(stream, 2)  # the question (none) and presence: in
        threading.Thread(target=store.publish, args=(code, token, "decode", {"step": "1"})).start()
        await _frames(stream, 1)
        threading.Thread(target=store.end, args=(code, token)).start()
        return await _frames(stream, 2)

    assert run_async(follow_until_the_end()) == [{"kind": "ended"}]
    assert _state(class_stream.hub()) == (0, 0, 0)


def test_a_replaced_stream_says_so_and_ends(rooms):  # noqa: F811 (the fixture)
    store, _clock = rooms
    code, _token = store.create()
    store.join(code, A)

    async def two_tabs():
        first = class_stream.stream(code, A)
        await _frames(first, 2)
        second = class_stream.stream(code, A)
        await _frames(second, 2)
        ended = await _frames(first, 2)
        count = class_stream.hub().count(code)
        await second.aclose()
        return ended, count

    ended, count = run_async(two_tabs())
    assert ended == [{"kind": "replaced"}]
    assert count == 1
    assert _state(class_stream.hub()) == (0, 0, 0)


def _held_by(store) -> int:
    """How many items the store object's own containers hold (what it keeps in memory, beside Redis)."""
    return sum(len(value) for value in vars(store).values() if isinstance(value, dict | list | set))


def test_a_store_keeps_nothing_of_rooms_that_ended(make):
    store = make(contract.Limits(max_rooms=3, creates=contract.Rate(100, 3600.0)))
    store.listen(lambda code, event: None)

    def a_class(step: int) -> None:
        code, token = store.create()
        store.publish(code, token, "decode", {"step": str(step)})
        store.publish(code, token, "decode", {"step": str(step + 1)})
        store.end(code, token)

    a_class(0)
    after_one = _held_by(store)
    for step in range(30):
        a_class(step)
    assert _held_by(store) == after_one


def test_the_embedded_store_drops_a_class_its_teacher_left_without_ending_it(clock):
    from explorer.classrooms.memory import MemoryStore

    store = MemoryStore(contract.Limits(idle_seconds=600.0), clock=clock)
    left, _ = store.create()
    store.join(left, A)
    code, token = store.create()
    for _ in range(12):  # the other class goes on, a call every minute; nobody creates a class
        clock.advance(60)
        store.touch_teacher(code, token)
    clock.advance(61)
    store.touch_teacher(code, token)
    assert list(store._rooms) == [code]  # the class left behind is gone, its members and answers with it
