"""A browser that keeps no cookie (issue 65): it is told that joining a class needs cookies, in its language.

A student's member id is the server's HttpOnly cookie; its event stream knows the member by that cookie alone, so a
browser that sends none used to join, then retry its refused stream for ever under "The server is busy". Now its
join is refused with a message that says why (`CookiesNeeded`, English and Chinese), and a follower whose browser
stopped sending the cookie opens no stream and says the same. AppTest sessions have no request and no cookie: each
test makes its session a browser's (`in_browser`). Also: every class one teacher's page starts has one owner, whose
classes share their newcomers (tests/test_class_teacher_joins.py).
"""

from __future__ import annotations

from explorer.classrooms.store import CookiesNeeded
from explorer.i18n import using
from explorer.i18n.errors import message_of
from explorer.state import keys
from explorer.ui.classes import push as class_push
from explorer.ui.classes import student as class_student
from tests.app_fixtures import ok
from tests.test_class_pages import (  # noqa: F401 (fresh_rooms: the fixture)
    button,
    follower_component,
    fresh_rooms,
    in_class,
    rooms,
    student,
    teacher_on_decode,
    token_of,
)

ENGLISH = str(CookiesNeeded())


def _as_a_browser(monkeypatch, module) -> None:
    monkeypatch.setattr(module, "in_browser", lambda: True)  # a browser's page, which sent no cookie


def test_a_join_link_without_cookies_says_they_are_needed_and_joins_nothing(monkeypatch):
    teacher, code = teacher_on_decode()
    _as_a_browser(monkeypatch, class_student)
    pupil = student({"room": code})
    assert ENGLISH.startswith("Joining a class needs cookies")
    assert [w.value for w in pupil.warning] == [ENGLISH]
    assert in_class(pupil) is None and rooms().members(code, token_of(teacher)) == []
    ok(pupil.run())  # said again on the page's next runs, not retried
    assert [w.value for w in pupil.warning] == [ENGLISH]


def test_the_join_box_says_it_in_chinese(monkeypatch):
    _teacher, code = teacher_on_decode()
    _as_a_browser(monkeypatch, class_student)
    pupil = student({keys.LANG_PARAM: "zh"})
    pupil.text_input(key=keys.CLASS_JOIN_CODE).input(code).run()
    ok(button(pupil, "class_join").click().run())
    with using("zh"):
        chinese = message_of(CookiesNeeded())
    assert "Cookie" in chinese and chinese != ENGLISH
    assert [w.value for w in pupil.warning] == [chinese]
    assert in_class(pupil) is None


def test_a_follower_whose_browser_stopped_sending_its_cookie_opens_no_stream_and_says_why(monkeypatch):
    _teacher, code = teacher_on_decode()
    pupil = student({"room": code})
    drawn = follower_component(pupil)
    assert drawn["cookies"] is True and drawn["texts"]["cookies"] == ENGLISH
    _as_a_browser(monkeypatch, class_push)  # the cookie cleared or blocked since it joined
    ok(pupil.run())
    assert follower_component(pupil)["cookies"] is False  # follow.js opens no stream and shows texts.cookies


def test_every_class_one_teachers_page_starts_has_one_owner():
    teacher, code = teacher_on_decode()
    owner = rooms()._rooms[code].owner
    assert owner is not None and len(owner) == 32 and set(owner) <= set("0123456789abcdef")
    ok(button(teacher, "class_end").click().run())
    ok(button(teacher, "class_start").click().run())
    again = in_class(teacher)
    assert again != code and rooms()._rooms[again].owner == owner
