"""AppTest of the room's rules on the pages: Lock / Unlock, a newcomer told the class is locked, the teacher
away and back on the students' banner, answer options shown as text, the per-client limit on starting
classes, and a reloaded tab taking its role back (explorer.ui.classes.memory) over the embedded store."""

from __future__ import annotations

import json

import pytest

from explorer.classrooms import codes, identity
from explorer.state import keys
from explorer.ui.classes import memory as class_memory
from explorer.ui.classes import state as class_state
from tests import test_class_pages
from tests.app_fixtures import ok
from tests.test_class_pages import (
    answer_pills,
    button,
    class_tab,
    in_class,
    member_of,
    rooms,
    student,
    teacher_on_decode,
    token_of,
)

fresh_rooms = test_class_pages.fresh_rooms  # autouse: the test registry, an empty embedded room store


def test_the_teacher_locks_and_a_newcomer_is_told_while_members_stay():
    teacher, code = teacher_on_decode()
    inside = student({"room": code})
    ok(button(teacher, "class_lock").click().run())
    assert rooms().presence(code).locked is True
    assert any(m.value.startswith(":material/lock: **Class ") for m in teacher.main.markdown)
    late = student({"room": code})
    assert [w.value for w in late.warning] == ["This class is locked: ask your teacher."]
    assert in_class(late) is None
    ok(inside.run())
    assert in_class(inside) == code  # still in, still following
    assert rooms().roster(code).following == 1
    ok(button(teacher, "class_unlock").click().run())
    assert rooms().presence(code).locked is False
    assert in_class(student({"room": code})) == code


def test_a_locked_class_in_chinese():
    teacher, code = teacher_on_decode()
    ok(button(teacher, "class_lock").click().run())
    late = student({"room": code, "lang": "zh"})
    assert [w.value for w in late.warning] == ["这个课堂已锁定：请询问老师。"]


def test_students_see_the_teacher_away_and_back():
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    assert any("live" in s.value for s in pupil.success)
    rooms()._rooms[code].seen -= rooms().limits.away_seconds + 1  # the teacher's page stopped calling
    class_tab(pupil).student.heartbeat = 0.0  # the next poll sends its heartbeat
    ok(pupil.run())
    assert any("the teacher is away" in w.value for w in pupil.warning)
    assert pupil.session_state["_view"].sentence == "abcd"  # the last view stays
    ok(teacher.run())  # the teacher's page is back
    class_tab(pupil).student.heartbeat = 0.0
    ok(pupil.run())
    assert not any("away" in w.value for w in pupil.warning)
    assert any("live" in s.value for s in pupil.success)


def test_answer_options_are_text_not_markdown():
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    token = token_of(teacher)
    options = ["![x](https://evil.example/x.png)", "**bold** <b>b</b>"]
    qid = rooms().ask(code, token, "token", 0, options, [0], [0.5, 0.25])
    ok(pupil.run())
    pills = answer_pills(pupil, qid)
    shown = list(pills.proto.options)
    assert [o.content for o in shown] == [
        r"\!\[x\]\(https\://evil\.example/x\.png\)",
        r"\*\*bold\*\* \<b\>b\</b\>",
    ]


def test_starting_classes_is_limited_per_client(monkeypatch):
    monkeypatch.setenv("ATTENTION_EXPLORER_CLASS_CREATES_PER_HOUR", "1")
    class_state.rooms.clear()
    teacher_on_decode()
    second, _ = None, None
    from streamlit.testing.v1 import AppTest

    from tests.app_fixtures import ROOT

    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    second.switch_page("app_pages/1_Decode.py")
    ok(second.run())
    ok(button(second, "class_start").click().run())
    assert in_class(second) is None
    warned = [w.value for w in second.sidebar.warning] + [w.value for w in second.warning]
    assert any(w.startswith("Too many classes were started from your network; try again in") for w in warned)


def test_a_reloaded_teacher_tab_is_the_teacher_again_and_nothing_else_is():
    teacher, code = teacher_on_decode()
    token = token_of(teacher)
    kept = identity.read(identity.write(identity.Identity("teacher", code, token)))
    fresh: dict = {}
    class_memory.recall(fresh, kept)
    assert class_state.tab(fresh).teacher == class_state.Teacher(code, token) and not class_state.joined(fresh)
    stranger: dict = {}
    class_memory.recall(stranger, identity.Identity("teacher", code, codes.new_token()))
    assert stranger == {}
    rooms().end(code, token)
    after_end: dict = {}
    class_memory.recall(after_end, kept)
    assert after_end == {}


def test_a_reloaded_student_tab_joins_a_locked_class_again_as_the_same_member(monkeypatch):
    teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    member = member_of(pupil)
    ok(button(teacher, "class_lock").click().run())
    fresh: dict = {}
    kept = identity.Identity("student", code, identity.IN_COOKIE)  # the tab keeps no member id: the cookie is it
    monkeypatch.setattr(class_memory, "browser_member", lambda: member)  # the browser's HttpOnly cookie
    class_memory.recall(fresh, kept)
    assert class_state.tab(fresh).student == class_state.Student(code, following=True)
    assert class_state.tab(fresh).member == member and class_state.following(fresh)
    newcomer: dict = {}
    monkeypatch.setattr(class_memory, "browser_member", codes.new_member_id)  # another browser
    class_memory.recall(newcomer, kept)
    assert newcomer == {}
    assert rooms().roster(code).following == 1


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "{",
        "[]",
        '{"role": "teacher", "code": "ABC234"}',
        '{"role": "admin", "code": "ABC234", "secret": "x"}',
        '{"role": "teacher", "code": "abc234", "secret": "' + "a" * 43 + '"}',  # not the written form
        '{"role": "teacher", "code": "ABC234", "secret": "short"}',
        '{"role": "student", "code": "ABC234", "secret": "../../etc"}',
        '{"role": "student", "code": "ABC234", "secret": 12}',
        '{"role": "teacher", "code": "ABC234", "secret": "' + "a" * 43 + '", "extra": 1}',
        "x" * 10_000,
        "[" * 5000,
    ],
)
def test_what_a_tab_gives_back_is_checked(raw):
    assert identity.read(raw) is None


def test_what_a_tab_keeps_reads_back():
    for kept in (
        identity.Identity("teacher", "ABC234", codes.new_token()),
        identity.Identity("student", "ABC234", identity.IN_COOKIE),
    ):
        assert identity.read(identity.write(kept)) == kept
    # a member id in the tab's storage (which the page's scripts read) is not taken back: the cookie holds it
    assert identity.read(identity.write(identity.Identity("student", "ABC234", codes.new_member_id()))) is None


def test_the_teachers_bar_holds_every_control_under_the_title():
    teacher, code = teacher_on_decode()
    keys_in_main = [b.key for b in teacher.main.button]
    for key in ("class_ask", "class_lock", "class_bar_show_code", "class_bar_end"):
        assert key in keys_in_main, key
    assert any(m.value == f"**Class {code}** · 0 following · 0 exploring" for m in teacher.main.markdown)
    assert teacher.segmented_control(key=keys.CLASS_ASK_KIND).value == "attend"
    student({"room": code})
    ok(teacher.run())
    assert any(m.value == f"**Class {code}** · 1 following · 0 exploring" for m in teacher.main.markdown)


def test_vote_discuss_vote_again_on_the_pages():
    teacher, code = teacher_on_decode()
    pupils = [student({"room": code}) for _ in range(2)]
    ok(button(teacher, "class_ask").click().run())
    first = rooms().current_question(code)
    assert any(m.value == "Question 1: **0** answered" for m in teacher.main.markdown)
    for pupil, option in zip(pupils, (0, 1), strict=True):
        ok(pupil.run())
        ok(answer_pills(pupil, first.id).set_value(option).run())
    ok(teacher.run())
    assert any(m.value == "Question 1: **2** answered" for m in teacher.main.markdown)
    ok(button(teacher, "class_reveal").click().run())
    ok(button(teacher, "class_ask_again").click().run())
    again = rooms().current_question(code)
    assert (again.id, again.again_of, again.options, again.step) == (2, 1, first.options, first.step)
    for pupil in pupils:
        ok(pupil.run())
        ok(answer_pills(pupil, again.id).set_value(first.right[0]).run())
    ok(teacher.run())
    ok(button(teacher, "class_reveal").click().run())
    shares = [f"{share:.0%}" for share in (rooms().questions(code)[0].share_right(), 1.0)]
    caption = f"First vote: {shares[0]} right; second vote: {shares[1]} right."
    assert caption in [c.value for c in teacher.main.caption]
    chart = teacher.get("plotly_chart")[-1]  # the reveal's, under the decode
    names = [bar["name"] for bar in json.loads(chart.proto.spec)["data"]]
    assert names == ["first vote", "second vote", "model's attention"]
    ok(pupils[0].run())
    assert caption in [c.value for c in pupils[0].caption]
