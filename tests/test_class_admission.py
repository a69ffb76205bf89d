"""The teacher decides who takes a seat (issue 65), on both stores: a waiting room, a cap, removals of many.

400 scripted joins (the join code is on the projector) cannot keep a real student out once the teacher requires
approval (the student waits beside them and the teacher admits it) or removes them; a class refuses joins beyond
the number of seats its teacher set; a member whose page is gone loses its seat after `gone_seconds` and its
answer to the open question leaves the counts; a stream's presence check keeps no seat.

Runs on the embedded store and on a real redis-server (tests/test_class_store.py's fixtures, fake clock).
"""

from __future__ import annotations

import pytest

from explorer.classrooms import codes
from explorer.classrooms.store import (
    Admission,
    ClassFull,
    ClassLocked,
    Limits,
    NoSuchClass,
    Rate,
    Removed,
    Waiting,
    WaitingRoomFull,
)
from tests import redis_server as servers
from tests import test_class_store as contract

redis_url = servers.redis_url  # the fixtures, by the names tests ask for
clock, make = contract.clock, contract.make  # both stores

HALL = Limits(max_students=400, max_waiting=1000, gone_seconds=60.0, idle_seconds=3600.0)


def _ids(n: int) -> list[str]:
    return [codes.new_member_id() for _ in range(n)]


def test_400_scripted_joins_wait_beside_a_student_the_teacher_admits(make):
    store = make(HALL)
    code, token = store.create()
    store.set_admission(code, token, approval=True, cap=400)
    bots = _ids(400)
    for bot in bots:
        with pytest.raises(Waiting):
            store.join(code, bot, client="203.0.113.7")
    student = codes.new_member_id()
    with pytest.raises(Waiting) as waiting:
        store.join(code, student, client="203.0.113.7")
    assert str(waiting.value) == "Waiting for your teacher to let you in: keep this page open."
    assert set(store.waiting(code, token)) == {*bots, student}  # the teacher sees who waits (oldest first)
    assert store.admission(code, token) == Admission(approval=True, cap=400, seats=0, waiting=401)
    assert store.admit(code, token, [student]) == 1
    assert student not in store.waiting(code, token)
    store.join(code, student)  # its page asks again: seated
    store.heartbeat(code, student, True)
    assert store.members(code, token) == [student]
    store.remove_many(code, token, bots)  # the teacher clears the waiting room at once
    assert store.waiting(code, token) == []
    for bot in bots[:3]:
        with pytest.raises(Removed):
            store.join(code, bot)
    assert store.admission(code, token) == Admission(approval=True, cap=400, seats=1, waiting=0)


def test_400_scripted_joins_that_fill_the_class_leave_when_the_teacher_removes_them(make):
    store = make(HALL)
    code, token = store.create()
    bots = _ids(400)
    for bot in bots:
        store.join(code, bot, client="203.0.113.7")
    student = codes.new_member_id()
    with pytest.raises(ClassFull):
        store.join(code, student)
    store.remove_many(code, token, bots)
    store.join(code, student)
    assert store.members(code, token) == [student]
    for bot in bots[:3]:
        with pytest.raises(Removed):
            store.join(code, bot)


def test_the_class_takes_no_more_than_the_seats_its_teacher_set(make):
    store = make(HALL)
    code, token = store.create()
    store.set_admission(code, token, approval=False, cap=3)
    members = _ids(3)
    for member in members:
        store.join(code, member)
    with pytest.raises(ClassFull) as full:
        store.join(code, codes.new_member_id())
    assert str(full.value) == "This class is full: it takes at most 3 students."
    for member in members:  # members again keep their seats
        store.join(code, member)
    store.set_admission(code, token, approval=False, cap=4)
    store.join(code, codes.new_member_id())
    for bad in (0, 401, -1, True, 2.5, "3"):
        with pytest.raises(ValueError):
            store.set_admission(code, token, approval=False, cap=bad)


def test_admitting_stops_at_the_cap_and_leaves_the_rest_waiting(make):
    store = make(HALL)
    code, token = store.create()
    store.set_admission(code, token, approval=True, cap=2)
    waiting = _ids(4)
    for member in waiting:
        with pytest.raises(Waiting):
            store.join(code, member)
    assert store.admit(code, token, waiting) == 2
    assert set(store.waiting(code, token)) == set(waiting[2:])
    for member in waiting[:2]:
        store.join(code, member)
    with pytest.raises(Waiting):
        store.join(code, waiting[2])
    assert store.admit(code, token, waiting[2:]) == 0  # no seat left
    assert store.admit(code, token, _ids(1)) == 0  # not waiting: left alone


def test_a_locked_class_refuses_newcomers_before_its_waiting_room(make):
    store = make(HALL)
    code, token = store.create()
    store.set_admission(code, token, approval=True, cap=10)
    store.lock(code, token, True)
    with pytest.raises(ClassLocked):
        store.join(code, codes.new_member_id())
    assert store.waiting(code, token) == []


def test_the_waiting_room_is_bounded_and_empties_when_pages_are_gone(make, clock):
    store = make(Limits(max_students=5, max_waiting=3, gone_seconds=60.0, idle_seconds=3600.0))
    code, token = store.create()
    store.set_admission(code, token, approval=True, cap=5)
    first = _ids(3)
    for member in first:
        with pytest.raises(Waiting):
            store.join(code, member)
    with pytest.raises(WaitingRoomFull):
        store.join(code, codes.new_member_id())
    clock.advance(61)  # their pages stopped asking
    store.touch_teacher(code, token)
    assert store.waiting(code, token) == []
    with pytest.raises(Waiting):
        store.join(code, codes.new_member_id())


def test_a_member_whose_page_is_gone_loses_its_seat_and_its_open_answer(make, clock):
    store = make(HALL)
    code, token = store.create()
    live, gone = _ids(2)
    for member in (live, gone):
        store.join(code, member)
    qid = store.ask(code, token, "token", 0, ["x", "y"], [0], [0.5, 0.5])
    store.answer(code, qid, live, 0)
    store.answer(code, qid, gone, 1)
    clock.advance(40)
    store.heartbeat(code, live, True)  # the live page's heartbeat
    clock.advance(30)  # `gone` unseen for 70 s > gone_seconds
    store.touch_teacher(code, token)  # the teacher's page calls every few seconds: the seats are checked
    assert store.members(code, token) == [live]
    assert store.current_question(code).counts == (1, 0)
    with pytest.raises(NoSuchClass):
        store.heartbeat(code, gone, True)


def test_a_member_gone_comes_back_without_approval_while_a_seat_is_free(make, clock):
    store = make(HALL)
    code, token = store.create()
    member = codes.new_member_id()
    store.join(code, member)
    store.set_admission(code, token, approval=True, cap=400)
    store.lock(code, token, True)
    clock.advance(61)
    store.touch_teacher(code, token)
    assert store.members(code, token) == []
    store.join(code, member)  # its page is back (a phone woke up): the same member, neither waiting nor locked out
    assert store.members(code, token) == [member]


def test_a_streams_presence_check_keeps_no_seat(make, clock):
    store = make(HALL)
    code, token = store.create()
    member = codes.new_member_id()
    store.join(code, member)
    assert store.presence(code, member).teacher_here
    for _ in range(7):  # a bare stream asks every 10 s; nothing else of the member's page calls
        clock.advance(10)
        store.presence(code, member)
        store.touch_teacher(code, token)
    with pytest.raises(NoSuchClass):
        store.presence(code, member)
    with pytest.raises(NoSuchClass):
        store.presence(code, codes.new_member_id())


def test_sixty_sessions_from_one_address_cast_at_most_the_seats_they_hold(make):
    store = make(Limits(max_students=400, joins=Rate(40, 600.0), idle_seconds=3600.0))
    code, token = store.create()
    store.set_admission(code, token, approval=False, cap=30)
    qid = store.ask(code, token, "token", 0, ["x", "y"], [0], [0.5, 0.5])
    voted = 0
    for member in _ids(60):
        try:
            store.join(code, member, client="203.0.113.7")
        except ClassFull:
            continue
        store.answer(code, qid, member, 1)
        voted += 1
    assert voted == 30
    assert store.current_question(code).counts == (0, 30)
