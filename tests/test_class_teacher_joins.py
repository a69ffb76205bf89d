"""Joins a school can make (issue 65): newcomers are limited per class and per teacher, not per address.

A teacher's classes share `Limits.teacher_joins` newcomers an hour: a class ended and started again under a fresh
code (the projected one was taken by scripted joins) does not start a fresh count, while another teacher behind
the same school address is not held back, and a member joining again (a reload) is not counted.

Runs on the embedded store and on a real redis-server (tests/test_class_store.py's fixtures, fake clock).
"""

from __future__ import annotations

import pytest

from explorer.classrooms import codes
from explorer.classrooms.store import Limits, Rate, TooManyAttempts, TooManyNewcomers, Waiting
from explorer.i18n import using
from explorer.i18n.errors import message_of
from tests import redis_server as servers
from tests import test_class_store as contract

redis_url = servers.redis_url  # the fixtures, by the names tests ask for
clock, make = contract.clock, contract.make  # both stores

TEACHER, OTHER = "teacher-one", "teacher-two"
SMALL = Limits(max_students=40, teacher_joins=Rate(3, 3600.0), idle_seconds=3600.0)


def _member() -> str:
    return codes.new_member_id()


def test_a_teachers_classes_share_their_newcomers_and_a_fresh_code_does_not_refill_them(make, clock):
    store = make(SMALL)
    first, token = store.create(teacher=TEACHER)
    members = [_member() for _ in range(2)]
    for i, member in enumerate(members):
        store.join(first, member, client=f"203.0.113.{i}")
    store.end(first, token)  # the code was taken: the teacher starts again under another
    second, _ = store.create(teacher=TEACHER)
    kept = _member()
    store.join(second, kept, client="198.51.100.1")
    with pytest.raises(TooManyNewcomers) as raised:  # from any address: the teacher's classes took theirs
        store.join(second, _member(), client="2001:db8::1")
    waited = raised.value.params["seconds"]
    assert 1 <= waited <= 3600 and isinstance(raised.value, TooManyAttempts)
    assert str(raised.value) == (
        f"This teacher's classes took as many newcomers as they may for now; try again in {waited} s."
    )
    with using("zh"):
        assert str(waited) in message_of(raised.value) and "老师" in message_of(raised.value)
    store.join(second, kept, client="198.51.100.1")  # a reload: the same member again is no newcomer
    other, _ = store.create(teacher=OTHER)  # another teacher of the same school is not held back
    store.join(other, _member(), client="203.0.113.1")
    nobody, _ = store.create()  # a class started without a teacher's key counts per class only
    for _ in range(4):
        store.join(nobody, _member(), client="203.0.113.1")
    clock.advance(waited)  # the window has passed
    store.join(second, _member(), client="2001:db8::1")


def test_newcomers_who_wait_for_approval_count_and_their_seat_later_does_not(make):
    store = make(Limits(max_students=40, teacher_joins=Rate(2, 3600.0), idle_seconds=3600.0))
    code, token = store.create(teacher=TEACHER)
    store.set_admission(code, token, approval=True, cap=40)
    waiting = [_member() for _ in range(2)]
    for member in waiting:
        with pytest.raises(Waiting):
            store.join(code, member)
    with pytest.raises(TooManyNewcomers):  # a scripted flood of the waiting room stops at the teacher's limit
        store.join(code, _member())
    assert store.admit(code, token, waiting) == 2
    for member in waiting:  # admitted: their seats are no newcomers again
        store.join(code, member)
    assert store.admission(code, token).seats == 2


def test_the_per_class_limit_still_holds_beside_the_teachers(make):
    store = make(Limits(max_students=40, joins=Rate(2, 600.0), teacher_joins=Rate(100, 3600.0)))
    code, _ = store.create(teacher=TEACHER)
    for _ in range(2):
        store.join(code, _member())
    with pytest.raises(TooManyAttempts) as raised:
        store.join(code, _member())
    assert not isinstance(raised.value, TooManyNewcomers)


@pytest.mark.parametrize("bad", ["", "a b", "x" * 65, 7, b"bytes"])
def test_a_teachers_key_is_a_checked_shape(make, bad):
    with pytest.raises(ValueError):
        make().create(teacher=bad)


def test_the_redis_counter_is_named_per_teacher_and_expires_with_its_window(redis_url, clock):
    from explorer.classrooms.redis_store import RedisStore

    store = RedisStore(redis_url, SMALL, clock=clock, prefix="teacherjoins:")
    code, _ = store.create(teacher=TEACHER)
    store.join(code, _member())
    counter = f"teacherjoins:limit:teacher_joins:{TEACHER}:{int(contract.START // 3600)}"
    assert store._client.get(counter) == b"1" and 0 < store._client.pttl(counter) <= 3600 * 1000
    assert store._client.hget(f"teacherjoins:room:{code}", "owner") == TEACHER.encode()


def test_the_setting_and_its_default():
    assert Limits().teacher_joins == Rate(2400, 3600.0)  # six halls of 400 an hour
    env = {"ATTENTION_EXPLORER_CLASS_TEACHER_JOINS_PER_HOUR": " 500 "}
    assert Limits.from_env(env).teacher_joins == Rate(500, 3600.0)
    for bad in ("0", "-1", "x", "2.5", "1000001"):
        assert Limits.from_env({"ATTENTION_EXPLORER_CLASS_TEACHER_JOINS_PER_HOUR": bad}).teacher_joins.count == 2400
