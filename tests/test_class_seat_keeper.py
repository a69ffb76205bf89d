"""Seats are held by live pages, not by bare streams (issue 65): explorer.classrooms.seats.SeatKeeper.

The keeper sends one heartbeat per page that is still connected; a page gone is forgotten, and the store's grace
(`gone_seconds`) frees its seat and takes its open answer out of the counts. Both stores, a fake clock, and
`beat()` called by hand (no thread, no waiting).
"""

from __future__ import annotations

import pytest

from explorer.classrooms import codes
from explorer.classrooms.seats import SeatKeeper
from explorer.classrooms.store import Limits, NoSuchClass
from tests import redis_server as servers
from tests import test_class_store as contract

redis_url = servers.redis_url
clock, make = contract.clock, contract.make

LIMITS = Limits(max_students=3, gone_seconds=60.0, idle_seconds=3600.0)


def test_a_live_page_keeps_its_seat_and_a_closed_one_loses_it(make, clock):
    store = make(LIMITS)
    code, token = store.create()
    open_page, closed_page = codes.new_member_id(), codes.new_member_id()
    for member in (open_page, closed_page):
        store.join(code, member)
    qid = store.ask(code, token, "token", 0, ["x", "y"], [0], [0.5, 0.5])
    store.answer(code, qid, open_page, 0)
    store.answer(code, qid, closed_page, 1)
    pages = {"page-1": True, "page-2": True}
    keeper = SeatKeeper(store, live=lambda page: pages.get(page, False))
    keeper._thread = object()  # no thread: the test calls beat()
    keeper.hold("page-1", code, open_page, True)
    keeper.hold("page-2", code, closed_page, False)
    assert keeper.beat() == 2
    pages["page-2"] = False  # the student closed its tab
    for _ in range(13):  # 65 s of rounds, the teacher's page calling too
        clock.advance(5)
        keeper.beat()
        store.touch_teacher(code, token)
    assert set(keeper.held()) == {"page-1"}
    assert store.members(code, token) == [open_page]
    assert store.current_question(code).counts == (1, 0)
    with pytest.raises(NoSuchClass):
        store.presence(code, closed_page)
    store.presence(code, open_page)


def test_a_seat_the_store_took_away_is_forgotten(make):
    store = make(LIMITS)
    code, token = store.create()
    member = codes.new_member_id()
    store.join(code, member)
    keeper = SeatKeeper(store, live=lambda page: True)
    keeper._thread = object()
    keeper.hold("page", code, member, True)
    store.remove(code, token, member)
    assert keeper.beat() == 0 and keeper.held() == {}
