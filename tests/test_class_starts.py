"""Class starts limited per teacher's page and per address at a school's size (issue 62): a page that starts a class
again and again is held back alone (explorer.classrooms.starts), while a school's teachers behind one address stay
far below the address's limit (Limits.creates); both are settings (docs/configuration.md)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from explorer.classrooms.errors import TooManyStarts
from explorer.classrooms.starts import ClassStarts
from explorer.classrooms.store import Limits, Rate
from explorer.ui.classes import state as class_state
from tests.app_fixtures import ROOT, ok, use_registry


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_page_may_start_its_limit_of_classes_in_an_hour_then_waits_for_the_oldest_to_leave():
    clock = Clock()
    starts = ClassStarts(Rate(3, 3600.0), clock)
    for _ in range(3):
        starts.check()
        starts.started()
        clock.now += 60
    with pytest.raises(TooManyStarts) as raised:
        starts.check()
    assert raised.value.params["seconds"] == 3600 - 180
    assert str(raised.value) == "This page has started too many classes; try again in 3420 s."
    clock.now += 3420  # the first start has left the hour
    starts.check()
    with pytest.raises(ValueError):
        ClassStarts(Rate(0, 3600.0))


def test_the_limits_fit_a_school_behind_one_address_and_are_settings():
    limits = Limits()
    teachers, starts_each = 80, 3  # a large school's teachers, each starting three classes in the same hour
    assert limits.creates == Rate(240, 3600.0) and teachers * starts_each <= limits.creates.count
    assert limits.session_creates == Rate(12, 3600.0)
    env = {"ATTENTION_EXPLORER_CLASS_CREATES_PER_HOUR": "500", "ATTENTION_EXPLORER_CLASS_SESSION_CREATES_PER_HOUR": "4"}
    assert Limits.from_env(env).creates.count == 500 and Limits.from_env(env).session_creates.count == 4
    bad = {"ATTENTION_EXPLORER_CLASS_SESSION_CREATES_PER_HOUR": "0"}
    assert Limits.from_env(bad).session_creates == limits.session_creates  # a bad value: the default


@pytest.fixture
def two_starts(monkeypatch):
    use_registry(monkeypatch)
    monkeypatch.delenv("ATTENTION_EXPLORER_REDIS_URL", raising=False)
    monkeypatch.setenv("ATTENTION_EXPLORER_CLASS_SESSION_CREATES_PER_HOUR", "2")
    class_state.rooms.clear()
    yield
    class_state.rooms.clear()


def _click(at: AppTest, key: str) -> AppTest:
    return ok(next(b for b in at.button if b.key == key).click().run())


def test_a_page_that_starts_classes_again_and_again_is_told_to_wait_and_another_page_is_not(two_starts):
    def page() -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.switch_page("app_pages/1_Decode.py")
        at.query_params.update({"task": "reverse", "scorer": "general", "sentence": "abcd"})
        return ok(at.run())

    at = page()
    for _ in range(2):
        _click(at, "class_start")
        assert class_state.teaching(at.session_state)
        _click(at, "class_end")
    _click(at, "class_start")  # the third in the hour
    assert not class_state.teaching(at.session_state)
    assert any("This page has started too many classes" in w.value for w in at.warning)
    other = page()  # another teacher behind the same address
    _click(other, "class_start")
    assert class_state.teaching(other.session_state) and class_state.tab(other.session_state).starts is not None
