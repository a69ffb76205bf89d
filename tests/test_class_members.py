"""A member is a member (issue 51), on both stores: removed members stay out, a cleared round counts
afresh, and every change a follower must hear is announced as a checked event, across replicas too.

Runs on the embedded store and on a real redis-server (tests/test_class_store.py's fixtures); the
events of the Redis store come back through Redis pub/sub to a second store object, as a replica hears
a teacher on another replica.
"""

from __future__ import annotations

import queue
import threading

import pytest

from explorer.classrooms import events
from explorer.classrooms.store import NoSuchClass, NotTeacher, Removed
from tests import redis_server as servers
from tests import test_class_store as contract
from tests.test_class_store import LIMITS

redis_url = servers.redis_url  # the fixtures, by the names tests ask for
clock, make, store, room = contract.clock, contract.make, contract.store, contract.room  # both stores

A, B, C = "a" * 32, "b" * 32, "c" * 32


def _ask(rooms, code, token) -> int:
    return rooms.ask(code, token, "token", 0, ["x", "y", "z"], [1], [0.2, 0.5, 0.3])


def test_the_teacher_lists_and_removes_a_member_who_then_cannot_vote_or_come_back(room):
    store, code, token = room
    for member in (A, B):
        store.join(code, member)
    assert store.members(code, token) == [A, B]
    qid = _ask(store, code, token)
    store.answer(code, qid, A, 1)
    store.remove(code, token, A)
    assert store.members(code, token) == [B]
    with pytest.raises(NoSuchClass):
        store.answer(code, qid, A, 2)
    with pytest.raises(NoSuchClass):
        store.heartbeat(code, A, True)
    with pytest.raises(Removed):
        store.join(code, A)
    store.answer(code, qid, B, 2)
    assert store.current_question(code).counts == (0, 0, 1)  # A's earlier answer left with A (its seat is free)
    assert store.roster(code).following == 1


def test_only_the_teacher_lists_removes_and_clears(room):
    store, code, token = room
    store.join(code, A)
    qid = _ask(store, code, token)
    for call in (
        lambda: store.members(code, "x" * 43),
        lambda: store.remove(code, "x" * 43, A),
        lambda: store.clear(code, "x" * 43, qid),
    ):
        with pytest.raises(NotTeacher):
            call()
    assert store.members(code, token) == [A]


def test_a_cleared_round_forgets_its_answers_and_counts_each_member_once_again(room):
    store, code, token = room
    for member in (A, B, C):
        store.join(code, member)
    qid = _ask(store, code, token)
    store.answer(code, qid, A, 0)
    store.answer(code, qid, B, 1)
    store.reveal(code, token, qid)
    store.clear(code, token, qid)
    cleared = store.current_question(code)
    assert cleared.counts == (0, 0, 0) and not cleared.revealed
    assert store.answered(code, qid, A) is None
    store.answer(code, qid, A, 1)
    store.answer(code, qid, A, 2)  # a change before the reveal: A counts once, for its last answer
    store.answer(code, qid, C, 2)
    assert store.current_question(code).counts == (0, 0, 2)
    with pytest.raises(ValueError):
        store.clear(code, token, 99)


def test_join_leave_join_is_one_member_and_one_vote(room):
    store, code, token = room
    qid = _ask(store, code, token)
    store.join(code, A)
    store.answer(code, qid, A, 1)
    store.join(code, A)  # the same session (or browser) joining again: its member id is kept
    store.answer(code, qid, A, 1)  # its answer again: still one vote
    assert store.members(code, token) == [A]
    assert store.current_question(code).counts == (0, 1, 0)


def _heard(store, other=None) -> queue.Queue:
    """The events `other` (a second store on the same Redis: another replica) or `store` announces."""
    heard: queue.Queue = queue.Queue()
    (other or store).listen(lambda code, event: heard.put((code, event)))
    return heard


def _next(heard: queue.Queue, kind: str) -> tuple[str, dict]:
    while True:
        code, event = heard.get(timeout=5)
        if event["kind"] == kind:
            return code, event


def test_every_change_a_follower_must_hear_is_announced_to_every_replica(make, request):
    store = make()
    if request.node.callspec.params["make"] == "memory":  # one process: the store tells its own listeners
        heard = _heard(store)
    else:  # another replica: a second store on the same Redis hears it through pub/sub
        import redis

        from explorer.classrooms.redis_store import RedisStore

        url = request.getfixturevalue("redis_url")
        server = redis.Redis.from_url(url)
        before = server.pubsub_numpat()
        other = RedisStore(url, LIMITS, prefix=store.prefix)
        heard = _heard(store, other)
        for _ in range(500):  # the listener thread has subscribed: Redis counts its pattern
            if server.pubsub_numpat() > before:
                break
            threading.Event().wait(0.01)
        assert server.pubsub_numpat() > before, "the second replica's listener never subscribed"
    code, token = store.create()
    store.join(code, A)
    store.publish(code, token, "decode", {"sentence": "abc", "step": "1"})
    got_code, event = _next(heard, "view")
    assert got_code == code
    assert event == {"kind": "view", "page": "decode", "params": {"sentence": "abc", "step": "1"}, "version": 1}
    _ask(store, code, token)
    assert _next(heard, "question")[0] == code
    store.remove(code, token, A)
    assert _next(heard, "removed") == (code, {"kind": "removed", "member": A})
    store.end(code, token)
    assert _next(heard, "ended") == (code, {"kind": "ended"})


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe",
        "not json",
        "[]",
        '{"kind": "view", "page": "decode", "params": {"s": 1}, "version": 2}',
        '{"kind": "view", "page": "../etc", "params": {}, "version": 2}',
        '{"kind": "view", "page": "decode", "params": {}, "version": true}',
        '{"kind": "removed", "member": "<script>"}',
        '{"kind": "explode"}',
        "x" * (events.MAX_EVENT_BYTES + 1),
    ],
)
def test_hostile_events_read_back_are_dropped(raw):
    assert events.parse_event(raw) is None


def test_an_event_channel_names_a_room_code_or_nothing():
    assert events.channel_code(b"ae:events:ABC234", "ae:") == "ABC234"
    assert events.channel_code(b"ae:events:abc234", "ae:") is None  # stores only ever publish normalised codes
    assert events.channel_code(b"ae:events:../x", "ae:") is None
    assert events.channel_code(b"other:events:ABC234", "ae:") is None


def test_hostile_members_and_counts_read_back_from_redis_are_left_out(redis_url):
    from explorer.classrooms.redis_store import RedisStore

    store = RedisStore(redis_url, LIMITS, prefix="hostile-members:")
    code, token = store.create()
    store.join(code, A)
    qid = _ask(store, code, token)
    room = f"{store.prefix}room:{code}"
    client = store._client
    client.hset(f"{room}:members", mapping={"<script>": "1800000000 1", B: "yesterday 1", C: "R"})
    assert store.members(code, token) == [A]  # a bad id, a bad time and a removed member: not listed
    client.hset(f"{room}:counts", str(qid), "not json")
    with pytest.raises(ValueError):
        store.clear(code, token, qid)  # a damaged round is not cleared into something else
    with pytest.raises(Removed):
        store.join(code, C)
