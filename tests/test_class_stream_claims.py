"""One event stream per member across the cluster (issue 65): the store holds the rule, not each process's hub.

Each replica's hub lets a member hold one stream in that process, so N replicas allowed N streams of one member id,
each with its heartbeat to the store. Now every stream claims its member in the room (`stream_presence`: a Redis
key with an expiry); a stream whose claim another stream took, on any replica, hears "replaced" at its next
heartbeat and ends. On both stores (the contract), then on Redis with two stores as two replicas.
"""

from __future__ import annotations

import asyncio

import pytest

from explorer.classrooms import codes, member_ids
from explorer.classrooms.store import STREAM_CLAIM_SECONDS, Limits, NoSuchClass, StreamReplaced
from explorer.ui.classes import state as class_state
from explorer.ui.classes import stream as class_stream
from tests import redis_server as servers
from tests import test_class_store as contract
from tests.async_run import run as run_async
from tests.test_class_events import _frames

redis_url = servers.redis_url  # the fixtures, by the names tests ask for
clock, make = contract.clock, contract.make  # both stores

LIMITS = Limits(idle_seconds=3600.0, gone_seconds=600.0)


def test_a_members_newest_stream_holds_its_claim(make, clock):
    store = make(LIMITS)
    code, token = store.create()
    member, other = codes.new_member_id(), codes.new_member_id()
    store.join(code, member)
    store.join(code, other)
    assert store.stream_presence(code, member, "first", claim=True).teacher_here
    store.stream_presence(code, member, "first")  # its heartbeat: still its
    store.stream_presence(code, other, "theirs", claim=True)  # another member's stream is no rival
    store.stream_presence(code, member, "second", claim=True)  # a newer stream of the member
    with pytest.raises(StreamReplaced):
        store.stream_presence(code, member, "first")
    store.stream_presence(code, member, "second")
    store.stream_presence(code, other, "theirs")
    with pytest.raises(NoSuchClass):  # a stranger claims nothing
        store.stream_presence(code, codes.new_member_id(), "x", claim=True)
    store.remove(code, token, member)
    with pytest.raises(NoSuchClass):
        store.stream_presence(code, member, "second")


def test_a_claim_not_renewed_lapses_and_is_taken_again(make, clock):
    store = make(LIMITS)
    code, token = store.create()
    member = codes.new_member_id()
    store.join(code, member)
    store.stream_presence(code, member, "dead replica's", claim=True)
    clock.advance(STREAM_CLAIM_SECONDS + 1)
    store.touch_teacher(code, token)
    store.heartbeat(code, member, True)  # its page is still there
    if hasattr(store, "_client"):  # Redis lapses it by its time to live: do what the time does
        store._client.delete(f"{store.prefix}room:{code}:stream:{member}")
    store.stream_presence(code, member, "survivor")  # no claim left: it takes the member again
    with pytest.raises(StreamReplaced):
        store.stream_presence(code, member, "dead replica's")


def test_two_replicas_hold_one_stream_of_a_member_between_them(redis_url, clock):
    from explorer.classrooms.redis_store import RedisStore

    one = RedisStore(redis_url, LIMITS, clock=clock, prefix="claims:")
    two = RedisStore(redis_url, LIMITS, clock=clock, prefix="claims:")
    code, _ = one.create()
    member = codes.new_member_id()
    one.join(code, member)
    one.stream_presence(code, member, "on-one", claim=True)
    two.stream_presence(code, member, "on-two", claim=True)  # the same member id opens a stream on replica two
    with pytest.raises(StreamReplaced):
        one.stream_presence(code, member, "on-one")
    two.stream_presence(code, member, "on-two")
    key = f"claims:room:{code}:stream:{member}"
    assert one._client.get(key) == b"on-two"
    assert 0 < one._client.pttl(key) <= STREAM_CLAIM_SECONDS * 1000  # it lapses unless renewed


def test_a_stream_replaced_on_another_replica_says_so_and_ends(redis_url, monkeypatch):
    from explorer.classrooms.redis_store import RedisStore

    here = RedisStore(redis_url, LIMITS, prefix="claimstream:")
    there = RedisStore(redis_url, LIMITS, prefix="claimstream:")  # another replica, its own hub
    monkeypatch.setattr(class_stream, "_store", lambda: here)
    monkeypatch.setattr(class_stream, "PRESENCE_SECONDS", 0.2)
    monkeypatch.setattr(class_state, "_ids", [member_ids.MemberIds(here.member_secret())])
    class_stream.hub.cache_clear()
    code, _ = here.create()
    member = codes.new_member_id()
    here.join(code, member)

    async def follow() -> tuple[list[dict], list[dict]]:
        stream = class_stream.stream(code, member)
        first = await _frames(stream, 2)  # the question (none) and presence: in
        await asyncio.to_thread(there.stream_presence, code, member, "there", True)
        then = await _frames(stream, 2)  # ends after one
        return first, then

    try:
        first, then = run_async(follow())
    finally:
        class_stream.hub.cache_clear()
    assert first[-1] == {"kind": "presence", "here": True}
    assert then == [{"kind": "replaced"}]
