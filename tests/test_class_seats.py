"""A seat is a member, and an answer counts once per seat (issue 65), on both stores.

Removing a member frees its seat (the Redis store once counted its removed marker as a seat: a class of 3
whose 3 members were removed stayed full); a member gone too long gives its seat to a newcomer. A member
who loses its seat takes its answer out of the open question's counts (removed: out of every question's),
so no question ever counts more answers than the class has seats (a class of 3 once showed 6 answers).

Runs on the embedded store and on a real redis-server (tests/test_class_store.py's fixtures, fake clock).
"""

from __future__ import annotations

import pytest

from explorer.classrooms import codes
from explorer.classrooms.store import ClassFull, Limits, NoSuchClass, Removed
from tests import redis_server as servers
from tests import test_class_store as contract

redis_url = servers.redis_url  # the fixtures, by the names tests ask for
clock, make = contract.clock, contract.make  # both stores

SMALL = Limits(max_students=3, gone_seconds=600.0, idle_seconds=3600.0, max_questions=5)


def _ids(n: int) -> list[str]:
    return [codes.new_member_id() for _ in range(n)]


def _class_of(store, n: int) -> tuple[str, str, list[str]]:
    """A class with `n` members joined: (code, token, their ids)."""
    code, token = store.create()
    members = _ids(n)
    for member in members:
        store.join(code, member)
    return code, token, members


def _ask(store, code, token) -> int:
    return store.ask(code, token, "token", 0, ["x", "y"], [0], [0.5, 0.5])


def _within_seats(store, code) -> None:
    """No question of the class counts more answers than it has seats."""
    for question in store.questions(code):
        assert sum(question.counts) <= SMALL.max_students, question


def test_removing_every_member_frees_every_seat(make):
    store = make(SMALL)
    code, token = store.create()
    first = _ids(3)
    for member in first:
        store.join(code, member)
    for member in first:
        store.remove(code, token, member)
    later = _ids(3)
    for member in later:  # at once, not after members are gone for `gone_seconds`
        store.join(code, member)
    assert set(store.members(code, token)) == set(later)
    with pytest.raises(ClassFull):
        store.join(code, codes.new_member_id())
    with pytest.raises(Removed):  # a removed member still cannot come back, seat or no seat
        store.join(code, first[0])


def test_removed_members_hold_no_seat_while_others_are_gone(make, clock):
    store = make(SMALL)
    code, token = store.create()
    stays, removed, gone = _ids(3)
    for member in (stays, removed, gone):
        store.join(code, member)
    store.remove(code, token, removed)
    store.join(code, codes.new_member_id())  # the removed member's seat
    with pytest.raises(ClassFull):
        store.join(code, codes.new_member_id())
    clock.advance(700)  # everyone silent for 700 s > gone_seconds but `stays`, whose page is live
    store.heartbeat(code, stays, True)
    store.touch_teacher(code, token)
    newcomers = _ids(2)
    for member in newcomers:  # the seats of `gone` and of the member who took `removed`'s seat
        store.join(code, member)
    with pytest.raises(ClassFull):
        store.join(code, codes.new_member_id())
    with pytest.raises(NoSuchClass):  # a member who gave its seat is no member any more
        store.heartbeat(code, gone, True)
    assert set(store.members(code, token)) == {stays, *newcomers}


def test_members_gone_take_their_open_answers_with_their_seats(make, clock):
    store = make(SMALL)
    code, token, first = _class_of(store, 3)
    closed = _ask(store, code, token)
    for member in first:
        store.answer(code, closed, member, 0)
    qid = _ask(store, code, token)  # the open question; `closed` takes no more answers
    for member in first:
        store.answer(code, qid, member, 1)
    clock.advance(700)  # the first three gone
    store.touch_teacher(code, token)
    later = _ids(3)
    for member in later:
        store.join(code, member)
        store.answer(code, qid, member, 0)
    assert store.current_question(code).counts == (3, 0)  # not (3, 3): six answers from three seats
    assert store.questions(code)[0].counts == (3, 0)  # a closed question keeps the class's record
    for member in first:
        assert store.answered(code, qid, member) is None
    _within_seats(store, code)


def test_a_gone_member_who_comes_back_answers_again_once(make, clock):
    store = make(SMALL)
    code, token = store.create()
    left, *others = _ids(3)
    for member in (left, *others):
        store.join(code, member)
    qid = _ask(store, code, token)
    store.answer(code, qid, left, 1)
    clock.advance(700)
    for member in others:
        store.heartbeat(code, member, True)
    store.touch_teacher(code, token)  # `left`'s page is gone: its seat and its answer go
    assert store.current_question(code).counts == (0, 0)
    store.join(code, codes.new_member_id())  # takes `left`'s seat
    assert store.current_question(code).counts == (0, 0)
    with pytest.raises(ClassFull):  # `left` comes back to a full class
        store.join(code, left)


def test_a_revealed_question_keeps_the_answers_of_members_gone(make, clock):
    store = make(SMALL)
    code, token, members = _class_of(store, 3)
    qid = _ask(store, code, token)
    for member in members:
        store.answer(code, qid, member, 0)
    store.reveal(code, token, qid)  # closed: nobody can answer it any more, its counts are the record
    clock.advance(700)
    store.touch_teacher(code, token)
    store.join(code, codes.new_member_id())
    assert store.current_question(code).counts == (3, 0)


def test_a_removed_members_answers_leave_every_question(make):
    store = make(SMALL)
    code, token = store.create()
    troll, student = _ids(2)
    for member in (troll, student):
        store.join(code, member)
    first = _ask(store, code, token)
    store.answer(code, first, troll, 1)
    store.answer(code, first, student, 0)
    store.reveal(code, token, first)
    second = _ask(store, code, token)
    store.answer(code, second, troll, 1)
    store.remove(code, token, troll)
    assert [q.counts for q in store.questions(code)] == [(1, 0), (0, 0)]
    assert store.answered(code, first, troll) is None
    store.join(code, codes.new_member_id())  # the seat is free
    _within_seats(store, code)


def test_sixty_sessions_through_three_seats_count_at_most_three_answers(make, clock):
    """Sessions that join, vote and go silent (the issue's vote stuffing): the counts stay within the seats."""
    store = make(SMALL)
    code, token = store.create()
    qid = _ask(store, code, token)
    for wave in range(20):
        for member in _ids(3):
            store.join(code, member)
            store.answer(code, qid, member, wave % 2)
        assert sum(store.current_question(code).counts) == 3
        clock.advance(700)
        store.touch_teacher(code, token)
        _within_seats(store, code)
    assert sum(store.current_question(code).counts) == 0  # the last three are gone too
