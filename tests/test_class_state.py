"""The live-class feature's one state object (explorer.ui.classes.state): one ClassTab per browser tab's session,
one role at a time, and leaving forgets the role but not the member id or the bookkeeping."""

from __future__ import annotations

import pickle

from explorer.classrooms.attempts import JoinAttempts
from explorer.classrooms.store import NoSuchClass, Presence
from explorer.ui.classes import state
from seq2seq.messages import Message


def test_a_session_keeps_one_class_state_and_a_stray_value_is_replaced():
    session = {}
    assert not state.teaching(session) and not state.joined(session) and not state.following(session)
    assert state.peek(session) is None and session == {}  # reading a role makes nothing
    state.leave(session)
    assert session == {}
    mine = state.tab(session)
    assert session[state.KEY] is mine and state.peek(session) is mine and state.tab(session) is mine
    assert mine.teacher is None and mine.student is None and mine.member is None and mine.problem is None
    assert len(mine.nonce) == 12 and state.tab({}).nonce != mine.nonce  # another tab, another memory question
    session[state.KEY] = {"_class_code": "ABC234"}  # not a ClassTab (an older version's value): never a crash
    assert state.peek(session) is None and not state.teaching(session) and not state.joined(session)
    assert isinstance(state.tab(session), state.ClassTab) and state.tab(session) is not mine


def test_one_role_at_a_time_and_leaving_keeps_the_member_id_and_the_bookkeeping():
    session = {}
    mine = state.tab(session)
    mine.join("ABC234", "member-1")
    assert state.joined(session) and state.following(session) and not state.teaching(session)
    assert mine.student == state.Student("ABC234") and mine.student.heartbeat == 0.0 and mine.student.seen is None
    mine.student.following = False  # exploring on its own
    assert state.joined(session) and not state.following(session)
    mine.recalled = mine.writes = True
    mine.waiting, mine.link_problem = None, Message("a link that could not join")
    state.leave(session, Message("The class has ended."))
    assert not state.joined(session) and mine.student is None and mine.teacher is None
    assert mine.member == "member-1"  # joining again is the same member
    assert mine.problem == Message("The class has ended.") and mine.recalled and mine.writes
    assert mine.link_problem == Message("a link that could not join")

    mine.teach("XYZ789", "secret")
    assert state.teaching(session) and not state.joined(session) and not state.following(session)
    assert mine.teacher == state.Teacher("XYZ789", "secret") and mine.teacher.published is None
    mine.teacher.published = ("decode", {"step": "3"})
    mine.join("ABC234", "member-1")  # a role replaces the other: never a teacher and a student at once
    assert mine.teacher is None and state.joined(session)
    state.leave(session)
    mine.teach("XYZ789", "secret")
    assert mine.teacher.published is None  # a class started again publishes its view again


def test_the_state_pickles_as_a_session_copied_does():
    mine = state.ClassTab(attempts=JoinAttempts(3, 60.0), problem=NoSuchClass(), link_problem=Message("Not {x}.", x=1))
    mine.join("ABC234", "member-1")
    mine.student.presence, mine.recalled = Presence(teacher_here=False, locked=True), True
    copied = pickle.loads(pickle.dumps(mine))
    assert copied.student == mine.student and (copied.member, copied.nonce) == (mine.member, mine.nonce)
    assert copied.link_problem == "Not 1." and isinstance(copied.problem, NoSuchClass)
