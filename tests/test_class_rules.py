"""The rules that make a class hold in a lecture hall, run against both stores (embedded and a real Redis):
per-client limits, the lock, the teacher's presence, classes that close when nobody teaches them, places
given back within a minute, and stored values out of any plausible range."""

from __future__ import annotations

import csv
import io
import json

import pytest

from explorer.classrooms import codes, follow
from explorer.classrooms.export import questions_csv
from explorer.classrooms.memory import MemoryStore
from explorer.classrooms.store import (
    ClassFull,
    ClassLocked,
    Limits,
    NoSuchClass,
    NotTeacher,
    Presence,
    Rate,
    ServerFull,
    TooManyAttempts,
    TooManyClasses,
    checked_question,
    client_key,
    parse_question,
    parse_view,
    plausible_time,
    question_json,
)
from explorer.i18n import using
from explorer.i18n.errors import message_of
from tests import redis_server as servers
from tests import test_class_store as contract
from tests.test_class_store import ATTEND, LIMITS, START

redis_url, redis_server = servers.redis_url, servers.redis_server  # the fixtures, by the names tests ask for
clock, make = contract.clock, contract.make  # both stores, on a clock the test moves


def _member() -> str:
    return codes.new_member_id()


# -- the lock ---------------------------------------------------------------------------------------
def test_a_locked_class_takes_no_newcomers_but_keeps_its_members(make):
    store = make()
    code, token = store.create()
    inside = _member()
    store.join(code, inside)
    assert store.presence(code) == Presence(teacher_here=True, locked=False)
    store.lock(code, token, True)
    assert store.presence(code).locked is True
    with pytest.raises(ClassLocked) as raised:
        store.join(code, _member())
    assert str(raised.value) == "This class is locked: ask your teacher."
    with using("zh"):
        assert message_of(raised.value) == "这个课堂已锁定：请询问老师。"
    store.join(code, inside)  # a member who reloads gets back in
    assert store.heartbeat(code, inside, True) == Presence(teacher_here=True, locked=True)
    store.ask(code, token, **ATTEND)
    store.answer(code, 1, inside, 1)
    assert store.current_question(code).counts == (0, 1, 0)
    store.lock(code, token, False)
    store.join(code, _member())
    assert store.roster(code).following == 2


def test_only_the_teacher_locks(make):
    store = make()
    code, token = store.create()
    for wrong in (codes.new_token(), "", None):
        with pytest.raises(NotTeacher):
            store.lock(code, wrong, True)
    assert store.presence(code).locked is False
    store.end(code, token)
    with pytest.raises(NoSuchClass):
        store.lock(code, token, True)


def test_answers_count_only_from_members_once_each(make):
    store = make()
    code, token = store.create()
    members = [_member() for _ in range(3)]
    for member in members:
        store.join(code, member)
    store.ask(code, token, **ATTEND)
    for member in members:
        store.answer(code, 1, member, 1)
        store.answer(code, 1, member, 0)  # changed before the reveal: counted once, as the last answer
    with pytest.raises(NoSuchClass):
        store.answer(code, 1, _member(), 0)  # never joined
    assert store.current_question(code).counts == (3, 0, 0)


# -- presence and closing -----------------------------------------------------------------------------
def test_the_teacher_is_away_after_away_seconds_and_back_when_seen(make, clock):
    store = make()
    code, token = store.create()
    member = _member()
    store.join(code, member)
    clock.advance(LIMITS.away_seconds)
    assert store.heartbeat(code, member, True).teacher_here is True
    clock.advance(1)
    assert store.heartbeat(code, member, True) == Presence(teacher_here=False, locked=False)
    assert store.presence(code).teacher_here is False
    store.touch_teacher(code, token)
    assert store.heartbeat(code, member, True).teacher_here is True


def test_a_class_nobody_teaches_closes_and_frees_its_place(make, clock):
    limits = Limits(max_rooms=2)  # the defaults otherwise: a class closes 10 minutes after its teacher's page
    store = make(limits)
    code, token = store.create()
    kept, kept_token = store.create()
    with pytest.raises(ServerFull):
        store.create()
    clock.advance(limits.idle_seconds - 1)
    store.touch_teacher(kept, kept_token)  # its teacher's page is open
    clock.advance(2)
    with pytest.raises(NoSuchClass):
        store.view(code)
    store.create()  # the abandoned class's place
    assert store.is_teacher(kept, kept_token)


def test_a_silent_member_gives_its_place_within_a_minute(make, clock):
    store = make(Limits(max_students=2))
    code, token = store.create()
    silent, present = _member(), _member()
    store.join(code, silent)
    store.join(code, present)
    clock.advance(59)
    store.heartbeat(code, present, True)
    with pytest.raises(ClassFull):
        store.join(code, _member())
    clock.advance(2)  # 61 s without a heartbeat
    store.heartbeat(code, present, True)
    store.touch_teacher(code, token)
    store.join(code, _member())
    with pytest.raises(NoSuchClass):
        store.heartbeat(code, silent, True)


# -- limits per client address ---------------------------------------------------------------------
def test_class_creation_is_limited_per_client(make, clock):
    store = make(Limits(max_rooms=100, creates=Rate(3, 3600.0)))
    for _ in range(3):
        store.create(client="203.0.113.7")
    with pytest.raises(TooManyClasses) as raised:
        store.create(client="203.0.113.7")
    waited = raised.value.params["seconds"]
    assert 1 <= waited <= 3600
    assert str(raised.value) == f"Too many classes were started from your network; try again in {waited} s."
    store.create(client="198.51.100.1")  # another address is not held back
    clock.advance(waited)
    store.create(client="203.0.113.7")


def test_wrong_codes_slow_the_sessions_that_send_them_not_the_school(make, clock):
    store = make(Limits(failed_joins=Rate(5, 60.0)))
    code, _ = store.create()
    for wrong in ["ZZZZZZ", "YYYYYY", "not a code", "", "XXXXXX"]:  # the address's wrong codes
        with pytest.raises(NoSuchClass):
            store.join(wrong, _member(), client="203.0.113.7")
    with pytest.raises(TooManyAttempts) as raised:  # a session that guessed waits, even with the right code
        store.join(code, _member(), client="203.0.113.7", strikes=1)
    assert 1 <= raised.value.params["seconds"] <= 60
    store.join(code, _member(), client="203.0.113.7")  # a student who typed the right code is not held back
    store.join(code, _member(), client="198.51.100.1", strikes=3)  # another address is not either
    clock.advance(raised.value.params["seconds"])
    store.join(code, _member(), client="203.0.113.7", strikes=1)


def test_newcomers_are_limited_per_class_and_a_member_again_is_not_counted(make):
    store = make(Limits(joins=Rate(3, 600.0)))
    code, _ = store.create()
    other, _ = store.create()
    members = [_member() for _ in range(3)]
    for i, member in enumerate(members):
        store.join(code, member, client=f"203.0.113.{i}")
    for member in members:  # reloads: the same members again
        store.join(code, member, client="203.0.113.7")
    with pytest.raises(TooManyAttempts):  # from any address: the class took its newcomers for now
        store.join(code, _member(), client="2001:db8::1")
    store.join(other, _member(), client="203.0.113.7")  # another class is not held back


def test_a_school_behind_one_address_fits(make):
    """A class of 200 behind one NAT address, a quarter of them mistyping the code twice, and a dozen
    teachers starting classes, all within the default limits."""
    store = make(Limits())
    school = client_key("203.0.113.7")
    rooms = [store.create(client=school) for _ in range(12)]
    code = rooms[0][0]
    members = [_member() for _ in range(200)]
    for i, member in enumerate(members):
        if i % 4 == 0:
            for typo in ("ZZZZZZ", "ZZZZZY"):
                with pytest.raises(NoSuchClass):
                    store.join(typo, member, client=school)
        store.join(code, member, client=school)
    for member in members:  # and every one of them reloads once
        store.join(code, member, client=school)
    assert store.roster(code).following == 200


@pytest.mark.parametrize(
    ("address", "key"),
    [
        (None, "local"),
        ("", "local"),
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::9", "2001:db8:1:2::/64"),
        ("not an address", "unknown"),
        ("1.2.3.4, 5.6.7.8", "unknown"),
        ("9" * 10_000, "unknown"),
    ],
)
def test_client_keys(address, key):
    assert client_key(address) == key


# -- values read back out of range ---------------------------------------------------------------------
@pytest.mark.parametrize("raw", [1e308, -1.0, 0.0, 5e9, float("inf"), "1e308", b"nan", 946_684_799.0])
def test_implausible_times_are_refused(raw):
    assert plausible_time(raw) is None


def test_a_question_asked_at_an_implausible_time_is_left_out():
    fields = checked_question(**ATTEND)
    assert parse_question(1, question_json(fields, START), "[0,0,0]", False).asked == START
    for asked in (1e308, -5.0, 1e12):
        assert parse_question(1, question_json(fields, asked), "[0,0,0]", False) is None
    assert parse_view('{"page":"decode","params":{}}', 1, "1e308") is None


def test_redis_values_out_of_range_do_not_break_the_export(redis_url, clock):
    from explorer.classrooms.redis_store import RedisStore

    store = RedisStore(redis_url, LIMITS, clock=clock, prefix="rules-range:")
    code, token = store.create()
    store.ask(code, token, **ATTEND)
    store.ask(code, token, **ATTEND)
    key = f"rules-range:room:{code}:questions"
    damaged = json.loads(store._client.hget(key, "1"))
    damaged["asked"] = 1e308
    store._client.hset(key, "1", json.dumps(damaged))
    asked = store.questions(code)
    assert [q.id for q in asked] == [2]
    assert "question" in questions_csv(asked).splitlines()[0]
    store._client.hset(f"rules-range:room:{code}", "seen", "1e308")
    with pytest.raises(NoSuchClass):
        store.view(code)


def test_the_embedded_store_counts_nothing_from_a_past_window(clock):
    store = MemoryStore(Limits(failed_joins=Rate(2, 60.0)), clock=clock)
    for _ in range(2):
        with pytest.raises(NoSuchClass):
            store.join("ZZZZZZ", _member(), client="x")
    clock.advance(60)
    with pytest.raises(NoSuchClass):
        store.join("ZZZZZZ", _member(), client="x")


# -- vote, discuss, vote again ---------------------------------------------------------------------------
def test_a_question_asked_again_keeps_both_votes(make):
    store = make()
    code, token = store.create()
    members = [codes.new_member_id() for _ in range(4)]
    for member in members:
        store.join(code, member)
    first = store.ask(code, token, **ATTEND)
    for member, option in zip(members, (0, 0, 1, 2), strict=True):
        store.answer(code, first, member, option)
    store.reveal(code, token, first)
    again = store.ask(code, token, **ATTEND, again_of=first)
    assert store.current_question(code).again_of == first and not store.current_question(code).revealed
    for member in members:  # everyone may vote again, once (a change replaces the vote)
        store.answer(code, again, member, 0)
        store.answer(code, again, member, 1)
    store.reveal(code, token, again)
    asked = store.questions(code)
    assert [(q.id, q.again_of, q.counts) for q in asked] == [(1, 0, (2, 1, 1)), (2, 1, (0, 4, 0))]
    assert follow.rounds(asked) == {1: 1, 2: 2}
    assert follow.asked_before(asked, asked[1]) == asked[0]
    rows = follow.reveal_rows(asked[1], asked[0])
    assert [(r["before"], r["share"], r["model"]) for r in rows] == [
        (0.5, 0.0, 0.25),
        (0.25, 1.0, 0.5),
        (0.25, 0.0, 0.25),
    ]
    table = list(csv.reader(io.StringIO(questions_csv(asked))))
    assert [row[:3] for row in table[1:]] == [["1", "1", ""]] * 3 + [["2", "2", "1"]] * 3
    assert [row[8] for row in table[1:]] == ["2", "1", "1", "0", "4", "0"]  # both votes' answers


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True, 2**53])
def test_a_question_asked_again_names_a_whole_id(make, bad):
    store = make()
    code, token = store.create()
    with pytest.raises(ValueError):
        store.ask(code, token, **ATTEND, again_of=bad)


def test_a_stored_question_without_a_second_vote_field_still_reads():
    fields = checked_question(**ATTEND)
    del fields["again_of"]
    assert parse_question(1, question_json(fields, START), "[0,0,0]", False).again_of == 0
