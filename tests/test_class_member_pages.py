"""A member is a member, on the pages (issue 51): join, leave and join again from one session is one member
with one vote; the teacher counts the members, removes one (who then cannot vote or come back) and
clears a round. AppTest sessions over the embedded store, as tests/test_class_pages.py.
"""

from __future__ import annotations

from explorer.state import keys
from explorer.ui.classes import members as class_members
from tests.app_fixtures import ok
from tests.test_class_pages import (  # noqa: F401
    answer_pills,
    button,
    class_tab,
    fresh_rooms,
    in_class,
    member_of,
    rooms,
    student,
    teacher_on_decode,
    token_of,
)


def _answer(pupil, code: str, option: int) -> int:
    question = rooms().current_question(code)
    ok(pupil.run())
    pills = answer_pills(pupil, question.id)
    assert pills is not None, "the student sees the options"
    ok(pills.set_value(option).run())
    return question.id


def test_join_leave_join_keeps_one_member_and_one_vote():
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    member = member_of(pupil)
    ok(button(teacher, "class_ask").click().run())
    question = _answer(pupil, code, 0)
    ok(button(pupil, "class_leave").click().run())
    assert in_class(pupil) is None
    pupil.switch_page("app_pages/0_Home.py")
    ok(pupil.run())
    pupil.text_input(key=keys.CLASS_JOIN_CODE).input(code).run()
    ok(button(pupil, "class_join").click().run())
    assert member_of(pupil) == member
    assert rooms().members(code, token_of(teacher)) == [member]
    ok(pupil.run())
    assert answer_pills(pupil, question).value == 0  # its answer, kept: shown chosen
    assert rooms().current_question(code).answers == 1


def test_the_teacher_counts_removes_a_member_and_clears_a_round():
    teacher, code = teacher_on_decode()
    token = token_of(teacher)
    pupils = [student({"room": code}) for _ in range(2)]
    ok(button(teacher, "class_ask").click().run())
    question = _answer(pupils[0], code, 0)
    _answer(pupils[1], code, 1)
    ok(teacher.run())
    assert any(e.label == "2 members" for e in teacher.sidebar.expander)
    gone = member_of(pupils[0])
    assert any(c.value == f"Your tag in the class: {class_members.tag(gone)}" for c in pupils[0].sidebar.caption)
    pick = teacher.multiselect(key=teacher.session_state[class_members.PICK_KEY])
    assert pick.options == [class_members.tag(m) for m in rooms().members(code, token)]
    ok(pick.set_value([gone]).run())
    ok(button(teacher, "class_remove").click().run())
    assert rooms().members(code, token) == [member_of(pupils[1])]
    class_tab(pupils[0]).student.heartbeat = 0.0  # in a browser the stream's "removed" event does this
    ok(pupils[0].run())
    assert "The teacher removed you from this class." in [w.value for w in pupils[0].warning]
    assert in_class(pupils[0]) is None
    assert rooms().current_question(code).counts[:2] == (0, 1)  # its answer left with it (its seat is free)

    ok(button(teacher, "class_clear").click().run())
    cleared = rooms().current_question(code)
    assert cleared.id == question and cleared.answers == 0 and not cleared.revealed
    _answer(pupils[1], code, 2)  # the round again: the remaining member answers once more
    assert rooms().current_question(code).counts[:3] == (0, 0, 1)


def test_a_newcomer_waits_until_the_teacher_lets_it_in():
    """Let students in myself: a newcomer waits (its page shows its tag), the teacher picks the tag and lets it in,
    and the student's page, asking again, follows; a second newcomer the teacher removes is refused for good."""
    teacher, code = teacher_on_decode()
    token = token_of(teacher)
    ok(teacher.run())
    ok(teacher.toggle(key=class_members.APPROVAL_KEY).set_value(True).run())
    assert rooms().admission(code, token).approval
    pupil, troll = student({"room": code}), student({"room": code})
    member = class_tab(pupil).member
    waits = f"Waiting for your teacher to let you in: keep this page open. Your tag: {class_members.tag(member)}"
    assert waits in [i.value for i in pupil.info] and in_class(pupil) is None
    ok(teacher.run())
    pick = teacher.multiselect(key=teacher.session_state[class_members.WAITING_PICK_KEY])
    assert sorted(pick.options) == sorted(class_members.tag(m) for m in (member, class_tab(troll).member))
    ok(pick.set_value([member]).run())
    ok(button(teacher, "class_admit").click().run())
    ok(pupil.run())  # the waiting page asks again (every few seconds in a browser)
    assert member_of(pupil) == member
    assert rooms().members(code, token) == [member]
    ok(
        teacher.multiselect(key=teacher.session_state[class_members.WAITING_PICK_KEY])
        .set_value([class_tab(troll).member])
        .run()
    )
    ok(button(teacher, "class_remove_waiting").click().run())
    ok(troll.run())
    assert in_class(troll) is None
    assert "The teacher removed you from this class." in [w.value for w in troll.warning]


def test_the_seats_and_approval_widgets_default_to_the_classs_own_rules():
    """A widget the browser draws again from its element falls back to the element's default and sends it back as
    a change: with Seats' default its min_value (1), a full browser run once saw a class of two phones turn the
    second away ("at most 1 students"). The defaults are the store's rules, so such a fallback changes nothing."""
    teacher, code = teacher_on_decode()
    token = token_of(teacher)
    ok(teacher.run())
    rules = rooms().admission(code, token)
    seats = teacher.number_input(key=class_members.CAP_KEY)
    approval = teacher.toggle(key=class_members.APPROVAL_KEY)
    assert seats.value == seats.proto.default == rules.cap == rooms().limits.max_students
    assert approval.value is approval.proto.default is False
    ok(seats.set_value(30).run())
    ok(approval.set_value(True).run())
    assert rooms().admission(code, token).cap == 30
    seats, approval = teacher.number_input(key=class_members.CAP_KEY), teacher.toggle(key=class_members.APPROVAL_KEY)
    assert seats.value == seats.proto.default == 30
    assert approval.value is approval.proto.default is True
