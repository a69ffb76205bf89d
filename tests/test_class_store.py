"""The room store's contract (explorer/classrooms/store.py), run against both stores: the embedded one and Redis.

The Redis store runs against a real redis-server on a free loopback port (tests/redis_server.py);
each test gets its own key prefix. Time is a fake clock, so expiry tests never sleep.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import pickle
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from explorer.classrooms import codes
from explorer.classrooms.export import questions_csv
from explorer.classrooms.memory import MemoryStore
from explorer.classrooms.store import (
    PAGES,
    AnswerRevealed,
    BadAnswer,
    ClassError,
    ClassFull,
    Limits,
    NoSuchClass,
    NotTeacher,
    Question,
    QuestionClosed,
    Rate,
    Roster,
    ServerFull,
    StoreUnavailable,
    TeacherView,
    TooManyAttempts,
    TooManyQuestions,
)
from explorer.classrooms.stores import open_store
from explorer.i18n import using
from explorer.i18n.errors import message_of
from tests import redis_server as servers

redis_url, redis_server = servers.redis_url, servers.redis_server  # the fixtures, by the names tests ask for

STORES = ["memory", "redis"]
LIMITS = Limits(max_rooms=3, max_students=4, idle_seconds=600.0, live_seconds=15.0, max_questions=5)
START = 1_800_000_000.0
_prefixes = itertools.count()


class Clock:
    """A clock the test moves."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(params=STORES)
def make(request, clock):
    """make(limits=LIMITS): a fresh, empty store of the parametrised kind on the test's clock."""

    def make(limits: Limits = LIMITS):
        if request.param == "memory":
            return MemoryStore(limits, clock=clock)
        from explorer.classrooms.redis_store import RedisStore

        url = request.getfixturevalue("redis_url")
        return RedisStore(url, limits, clock=clock, prefix=f"test{next(_prefixes)}:")

    return make


@pytest.fixture
def store(make):
    return make()


@pytest.fixture
def room(store):
    """(store, code, token) of a fresh room."""
    code, token = store.create()
    return store, code, token


def _everything(store) -> dict:
    """Every key of a Redis store's prefix with its value, read by type."""
    client, found = store._client, {}
    for key in client.scan_iter(match=f"{store.prefix}*"):
        kind = client.type(key)
        if kind == b"string":  # a per-client limit's counter
            found[key] = client.get(key)
        else:
            found[key] = client.hgetall(key) if kind == b"hash" else client.zrange(key, 0, -1, withscores=True)
    return found


def _members(n: int) -> list[str]:
    return [codes.new_member_id() for _ in range(n)]


ATTEND = {"kind": "attend", "step": 2, "options": ["le", "chat", "noir"], "right": [1], "weights": [0.25, 0.5, 0.25]}
TOKEN = {"kind": "token", "step": 3, "options": ["cat", "dog"], "right": [0], "weights": [0.75, 0.125]}


# -- create, teacher, end -----------------------------------------------------------------------


def every_call(store, code, token, member) -> list:
    """Every method of the store on class `code`, as calls with no arguments (a question id 1, option 0)."""
    return [
        lambda: store.end(code, token),
        lambda: store.touch_teacher(code, token),
        lambda: store.join(code, member),
        lambda: store.heartbeat(code, member, True),
        lambda: store.roster(code),
        lambda: store.publish(code, token, "decode", {}),
        lambda: store.view(code),
        lambda: store.ask(code, token, **TOKEN),
        lambda: store.answer(code, 1, member, 0),
        lambda: store.reveal(code, token, 1),
        lambda: store.current_question(code),
        lambda: store.questions(code),
        lambda: store.answered(code, 1, member),
    ]


def assert_no_such_class(calls) -> None:
    for call in calls:
        with pytest.raises(NoSuchClass):
            call()


def test_create_gives_a_code_and_a_secret_token(room):
    store, code, token = room
    assert codes.normalise_code(code) == code
    assert len(token) == 43
    assert store.is_teacher(code, token) is True
    assert store.is_teacher(code.lower(), token) is True
    for wrong in (codes.new_token(), "", None, 12, codes.token_hash(token)):
        assert store.is_teacher(code, wrong) is False
    assert store.is_teacher("ZZZZZZ", token) is False
    assert store.is_teacher("not a code", token) is False


def test_codes_differ(store):
    made = {store.create()[0] for _ in range(3)}
    assert len(made) == 3


def test_only_the_token_changes_the_class(room):
    store, code, token = room
    other = codes.new_token()
    calls = [
        lambda t: store.end(code, t),
        lambda t: store.touch_teacher(code, t),
        lambda t: store.publish(code, t, "decode", {"task": "reverse"}),
        lambda t: store.ask(code, t, **ATTEND),
        lambda t: store.reveal(code, t, 1),
    ]
    for call in calls:
        for wrong in (other, "", None, codes.token_hash(token)):
            with pytest.raises(NotTeacher) as raised:
                call(wrong)
            assert str(raised.value) == "Only the teacher can change this class."
    assert store.view(code) is None
    assert store.current_question(code) is None
    assert store.is_teacher(code, token)


def test_end_closes_every_call(room):
    store, code, token = room
    member = codes.new_member_id()
    store.join(code, member)
    store.publish(code, token, "decode", {"task": "reverse"})
    store.ask(code, token, **ATTEND)
    store.end(code, token)
    assert store.is_teacher(code, token) is False
    assert_no_such_class(every_call(store, code, token, member) + [lambda: store.join(code, codes.new_member_id())])


def test_the_same_message_for_malformed_unknown_ended_and_expired_codes(make, clock):
    store = make()
    ended, token = store.create()
    store.end(ended, token)
    expired, _ = store.create()
    clock.advance(LIMITS.idle_seconds + 1)
    unknown = "ZZZZZZ" if "ZZZZZZ" not in (ended, expired) else "YYYYYY"
    raised = []
    for code in ("", "ab", "0O1I00", None, 42, "x" * 1000, unknown, ended, expired):
        with pytest.raises(NoSuchClass) as error:
            store.join(code, codes.new_member_id())
        raised.append(error.value)
    assert {str(e) for e in raised} == {"No class is open with that code."}
    assert {(e.template, tuple(e.params)) for e in raised} == {("No class is open with that code.", ())}


def test_codes_are_read_as_typed(room):
    store, code, _ = room
    typed = f" {code[:3].lower()}-{code[3:]} "
    member = codes.new_member_id()
    store.join(typed, member)
    store.heartbeat(typed, member, True)
    assert store.roster(code) == Roster(following=1, exploring=0)


def test_the_token_is_never_kept_in_clear(make):
    store = make()
    code, token = store.create()
    store.publish(code, token, "decode", {"task": "reverse"})
    if isinstance(store, MemoryStore):
        kept = repr(store._rooms)
    else:
        kept = repr(_everything(store))
    assert token not in kept
    assert codes.token_hash(token) in kept


def test_server_full_then_rooms_expire_and_free_their_places(make, clock):
    store = make()
    first = [store.create() for _ in range(LIMITS.max_rooms)]
    with pytest.raises(ServerFull) as raised:
        store.create()
    assert str(raised.value) == (
        "This server has as many classes open as it allows (3); try again later or ask for another server."
    )
    assert raised.value.params == {"limit": 3}
    store.end(*first[0])
    store.create()  # an ended room's place is free again
    with pytest.raises(ServerFull):
        store.create()
    clock.advance(LIMITS.idle_seconds / 2)
    code, token = first[1]
    store.touch_teacher(code, token)  # this one stays
    clock.advance(LIMITS.idle_seconds / 2 + 1)
    store.create()
    store.create()
    with pytest.raises(ServerFull):
        store.create()
    assert store.is_teacher(code, token)


# -- expiry -------------------------------------------------------------------------------------
def test_a_room_expires_after_the_teacher_is_idle(make, clock):
    store = make()
    code, token = store.create()
    member = codes.new_member_id()
    store.join(code, member)
    clock.advance(LIMITS.idle_seconds)
    store.heartbeat(code, member, True)  # exactly idle_seconds: still open
    clock.advance(1)
    with pytest.raises(NoSuchClass):
        store.heartbeat(code, member, True)
    assert store.is_teacher(code, token) is False
    with pytest.raises(NoSuchClass):
        store.touch_teacher(code, token)


@pytest.mark.parametrize(
    "activity",
    [
        lambda s, c, t: s.touch_teacher(c, t),
        lambda s, c, t: s.publish(c, t, "beam", {"step": str(s.limits.idle_seconds)}),
        lambda s, c, t: s.ask(c, t, **ATTEND),
        lambda s, c, t: s.reveal(c, t, s.ask(c, t, **TOKEN)),
    ],
    ids=["touch", "publish", "ask", "reveal"],
)
def test_the_teachers_calls_keep_the_room_open(make, clock, activity):
    store = make()
    code, token = store.create()
    for _ in range(3):
        clock.advance(LIMITS.idle_seconds - 1)
        activity(store, code, token)
    clock.advance(LIMITS.idle_seconds - 1)
    assert store.is_teacher(code, token)
    clock.advance(2)
    assert not store.is_teacher(code, token)


def test_students_do_not_keep_the_room_open(make, clock):
    store = make()
    code, token = store.create()
    member = codes.new_member_id()
    store.join(code, member)
    for _ in range(3):
        clock.advance(LIMITS.idle_seconds / 3)
        store.heartbeat(code, member, True)
        store.roster(code)
        store.view(code)
    clock.advance(1)
    with pytest.raises(NoSuchClass):
        store.roster(code)


# -- members ------------------------------------------------------------------------------------
def test_join_roster_and_modes(room, clock):
    store, code, _ = room
    a, b, c = _members(3)
    assert store.roster(code) == Roster(following=0, exploring=0)
    for member in (a, b, c):
        store.join(code, member)
    assert store.roster(code) == Roster(following=3, exploring=0)
    store.heartbeat(code, b, False)
    assert store.roster(code) == Roster(following=2, exploring=1)
    store.join(code, b)  # joining again keeps the mode
    assert store.roster(code) == Roster(following=2, exploring=1)
    clock.advance(LIMITS.live_seconds)
    store.heartbeat(code, a, True)
    assert store.roster(code) == Roster(following=2, exploring=1)  # b and c seen exactly live_seconds ago
    clock.advance(1)
    assert store.roster(code) == Roster(following=1, exploring=0)
    store.heartbeat(code, c, False)
    assert store.roster(code) == Roster(following=1, exploring=1)
    clock.advance(LIMITS.live_seconds + 1)
    assert store.roster(code) == Roster(following=0, exploring=0)


def test_heartbeat_needs_a_member(room):
    store, code, _ = room
    with pytest.raises(NoSuchClass):
        store.heartbeat(code, codes.new_member_id(), True)


def test_class_full(room):
    store, code, _ = room
    members = _members(LIMITS.max_students)
    for member in members:
        store.join(code, member)
    with pytest.raises(ClassFull) as raised:
        store.join(code, codes.new_member_id())
    assert str(raised.value) == "This class is full: it takes at most 4 students."
    assert raised.value.params == {"limit": 4}
    store.join(code, members[0])  # a member joins again: fine


def test_a_full_class_gives_the_places_of_members_long_gone_to_newcomers(make, clock):
    store = make(Limits(max_students=3, gone_seconds=600.0))
    code, token = store.create()
    stayed, left, late = _members(3)
    for member in (stayed, left, late):
        store.join(code, member)
    store.ask(code, token, **TOKEN)
    store.answer(code, 1, left, 0)
    clock.advance(400)
    store.touch_teacher(code, token)
    store.heartbeat(code, stayed, True)  # seen at 400 s; `left` and `late` last at 0 s
    newcomer = codes.new_member_id()
    with pytest.raises(ClassFull):  # nobody gone long enough yet
        store.join(code, newcomer)
    clock.advance(300)  # `left` and `late` silent for 700 s > 600 s; `stayed` for 300 s
    store.touch_teacher(code, token)
    store.join(code, newcomer)
    assert store.roster(code) == Roster(following=1, exploring=0)  # the newcomer, just seen; `stayed` 300 s ago
    with pytest.raises(NoSuchClass):  # a member who gave its place is no member any more
        store.heartbeat(code, left, True)
    store.join(code, left)  # it comes back (there is a place again: `late` left too)
    # Its answer to the open question left with its seat (tests/test_class_seats.py): it may answer again, once.
    assert store.answered(code, 1, left) is None
    assert store.current_question(code).counts == (0, 0)
    store.answer(code, 1, left, 0)
    assert store.current_question(code).counts == (1, 0)
    with pytest.raises(ClassFull):
        store.join(code, codes.new_member_id())


def test_joins_at_once_stop_at_the_limit(make):
    store = make(Limits(max_students=7))
    code, _ = store.create()
    members = _members(40)
    barrier = threading.Barrier(20)

    def join(member):
        barrier.wait() if members.index(member) < 20 else None
        try:
            store.join(code, member)
            return "in"
        except ClassFull:
            return "full"

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(join, members))
    assert outcomes.count("in") == 7
    assert outcomes.count("full") == 33
    assert store.roster(code) == Roster(following=7, exploring=0)


@pytest.mark.parametrize("member", ["", "a b", "x" * 65, None, 5, "é"])
def test_a_member_id_has_a_shape(room, member):
    store, code, _ = room
    with pytest.raises(ValueError):
        store.join(code, member)


# -- the teacher's view ---------------------------------------------------------------------------
def test_publish_and_view(room, clock):
    store, code, token = room
    assert store.view(code) is None
    assert store.publish(code, token, "decode", {"task": "reverse", "step": "2"}) == 1
    assert store.view(code) == TeacherView(
        page="decode", params={"step": "2", "task": "reverse"}, version=1, updated=START
    )
    clock.advance(5)
    assert store.publish(code, token, "decode", {"step": "2", "task": "reverse"}) == 1  # the same view
    assert store.view(code).updated == START
    assert store.publish(code, token, "decode", {"task": "reverse", "step": "3"}) == 2
    assert store.publish(code, token, "compare", {"task": "reverse", "step": "3"}) == 3
    assert store.publish(code, token, "compare", {}) == 4
    assert store.view(code) == TeacherView(page="compare", params={}, version=4, updated=START + 5)
    store.view(code).params["task"] = "changed"  # a copy: the store is not changed through it
    assert store.view(code).params == {}


def test_every_page_can_be_shown_with_the_bounds(room):
    store, code, token = room
    params = {f"k{i:02d}" + "x" * 37: "é" * 600 for i in range(30)}
    for version, page in enumerate(PAGES, start=1):
        assert store.publish(code, token, page, params) == version
        assert store.view(code).params == params
        assert store.view(code).page == page


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("train", {}),  # not a page a class shows
        ("", {}),
        (None, {}),
        ("decode", {"task": 1}),
        ("decode", {1: "x"}),
        ("decode", {"": "x"}),
        ("decode", {"k" * 41: "x"}),
        ("decode", {"task": "x" * 601}),
        ("decode", {f"k{i}": "x" for i in range(31)}),
        ("decode", [("task", "reverse")]),
        ("decode", "task=reverse"),
        ("decode", None),
    ],
)
def test_publish_refuses_bad_views(room, page, params):
    store, code, token = room
    with pytest.raises(ValueError):
        store.publish(code, token, page, params)
    assert store.view(code) is None


# -- questions ----------------------------------------------------------------------------------
def test_ask_answer_reveal(room, clock):
    store, code, token = room
    a, b, c, late = _members(4)
    for member in (a, b, c, late):
        store.join(code, member)
    assert store.current_question(code) is None
    assert store.ask(code, token, **ATTEND) == 1
    expected = Question(
        id=1,
        kind="attend",
        step=2,
        options=("le", "chat", "noir"),
        right=(1,),
        weights=(0.25, 0.5, 0.25),
        counts=(0, 0, 0),
        revealed=False,
        asked=START,
    )
    assert store.current_question(code) == expected
    assert expected.answers == 0 and expected.share_right() is None
    store.answer(code, 1, a, 1)
    store.answer(code, 1, b, 1)
    store.answer(code, 1, c, 0)
    assert store.answered(code, 1, a) == 1
    assert store.answered(code, 1, c) == 0
    assert store.answered(code, 1, codes.new_member_id()) is None
    current = store.current_question(code)
    assert current.counts == (1, 2, 0)
    assert current.answers == 3
    assert current.share_right() == pytest.approx(2 / 3)
    clock.advance(3)
    store.reveal(code, token, 1)
    assert store.current_question(code) == Question(**{**vars(expected), "counts": (1, 2, 0), "revealed": True})
    with pytest.raises(AnswerRevealed) as raised:
        store.answer(code, 1, late, 1)
    assert str(raised.value) == "The answer has been revealed: answers can no longer be given or changed."
    assert isinstance(raised.value, QuestionClosed)


def test_an_answer_changed_before_the_reveal_replaces_the_first_and_after_it_is_refused(room):
    store, code, token = room
    a, b = _members(2)
    store.join(code, a)
    store.join(code, b)
    qid = store.ask(code, token, **ATTEND)
    store.answer(code, qid, a, 0)
    store.answer(code, qid, b, 0)
    store.answer(code, qid, a, 2)  # a changes its mind: its first answer no longer counts
    assert store.answered(code, qid, a) == 2
    assert store.current_question(code).counts == (1, 0, 1)
    store.answer(code, qid, a, 2)  # the same answer again: nothing moves
    store.answer(code, qid, a, 1)
    assert store.current_question(code).counts == (1, 1, 0)
    assert store.current_question(code).answers == 2
    with pytest.raises(BadAnswer):  # a bad change keeps the answer counted
        store.answer(code, qid, a, 3)
    assert (store.answered(code, qid, a), store.current_question(code).counts) == (1, (1, 1, 0))
    store.reveal(code, token, qid)
    with pytest.raises(AnswerRevealed) as raised:
        store.answer(code, qid, a, 0)
    assert str(raised.value) == "The answer has been revealed: answers can no longer be given or changed."
    with using("zh"):
        assert message_of(raised.value) == "答案已经揭晓：不能再作答或更改答案。"
    assert store.answered(code, qid, a) == 1
    assert store.current_question(code).counts == (1, 1, 0)
    store.ask(code, token, **TOKEN)
    with pytest.raises(QuestionClosed) as raised:  # an older question: closed, not revealed
        store.answer(code, qid, a, 0)
    assert type(raised.value) is QuestionClosed


def test_a_new_question_closes_the_last(room, clock):
    store, code, token = room
    a, b = _members(2)
    store.join(code, a)
    store.join(code, b)
    assert store.ask(code, token, **ATTEND) == 1
    store.answer(code, 1, a, 0)
    clock.advance(10)
    assert store.ask(code, token, **TOKEN) == 2
    with pytest.raises(QuestionClosed):
        store.answer(code, 1, b, 0)
    store.answer(code, 2, a, 1)
    store.answer(code, 2, b, 0)
    current = store.current_question(code)
    assert (current.id, current.kind, current.step) == (2, "token", 3)
    assert (current.counts, current.asked) == ((1, 1), START + 10)
    assert current.share_right() == 0.5
    assert [(q.id, q.counts, q.revealed) for q in store.questions(code)] == [(1, (1, 0, 0), False), (2, (1, 1), False)]
    assert store.questions(code)[1].weights == (0.75, 0.125)


def test_answers_need_a_member_an_open_question_and_an_option(room):
    store, code, token = room
    member, stranger = _members(2)
    store.join(code, member)
    with pytest.raises(QuestionClosed):  # nothing asked yet
        store.answer(code, 1, member, 0)
    store.ask(code, token, **ATTEND)
    with pytest.raises(NoSuchClass):
        store.answer(code, 1, stranger, 0)
    for question in (0, 2, -1, "1", None, True, 1.0):
        with pytest.raises(QuestionClosed):
            store.answer(code, question, member, 0)
    for option in (-1, 3, 10**30, True, "1", 1.0, None):
        with pytest.raises(BadAnswer) as raised:
            store.answer(code, 1, member, option)
        assert str(raised.value) == "That is not one of the question's options."
    assert store.current_question(code).counts == (0, 0, 0)
    store.answer(code, 1, member, 2)
    assert store.current_question(code).counts == (0, 0, 1)


def test_thirty_members_answering_at_once_are_all_counted(make):
    store = make(Limits(max_students=40))
    code, token = store.create()
    members = _members(30)
    for member in members:
        store.join(code, member)
    qid = store.ask(code, token, **ATTEND)
    barrier = threading.Barrier(30)

    def answer(i):
        barrier.wait()
        store.answer(code, qid, members[i], i % 3)

    with ThreadPoolExecutor(30) as pool:
        list(pool.map(answer, range(30)))
    assert store.current_question(code).counts == (10, 10, 10)
    assert [store.answered(code, qid, m) for m in members] == [i % 3 for i in range(30)]


def test_one_member_answering_from_five_threads_is_counted_once(make):
    """Five answers of one member at once: each replaces the one before, and the member counts once."""
    store = make()
    code, token = store.create()
    member = codes.new_member_id()
    store.join(code, member)
    qid = store.ask(code, token, **TOKEN)
    barrier = threading.Barrier(5)

    def answer(option):
        barrier.wait()
        store.answer(code, qid, member, option)

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(answer, [0, 1, 0, 1, 0]))
    assert store.current_question(code).answers == 1
    assert store.current_question(code).counts[store.answered(code, qid, member)] == 1


def test_reveal_an_older_question_and_unknown_ones(room):
    store, code, token = room
    store.ask(code, token, **ATTEND)
    store.ask(code, token, **TOKEN)
    store.reveal(code, token, 1)
    assert [q.revealed for q in store.questions(code)] == [True, False]
    assert store.current_question(code).id == 2
    with pytest.raises(ValueError):
        store.reveal(code, token, 3)


def test_too_many_questions(room):
    store, code, token = room
    for qid in range(1, LIMITS.max_questions + 1):
        assert store.ask(code, token, **TOKEN) == qid
    with pytest.raises(TooManyQuestions) as raised:
        store.ask(code, token, **TOKEN)
    assert str(raised.value) == "This class has asked as many questions as it may (5)."
    assert len(store.questions(code)) == 5


def test_the_bounds_of_a_question(room):
    store, code, token = room
    options = [f"{i:03d}" + "字" * 97 for i in range(200)]
    qid = store.ask(code, token, "attend", 100_000, options, list(range(200)), [1 / 200] * 200)
    question = store.current_question(code)
    assert (question.id, question.options, question.right) == (qid, tuple(options), tuple(range(200)))


BAD_QUESTIONS = {
    "kind": {"kind": "guess"},
    "step negative": {"step": -1},
    "step a bool": {"step": True},
    "step text": {"step": "2"},
    "no options": {"options": [], "right": [], "weights": []},
    "options text": {"options": "abc"},
    "201 options": {"options": ["x"] * 201, "right": [0], "weights": [1 / 201] * 201},
    "option too long": {"options": ["le", "x" * 101, "noir"]},
    "option not text": {"options": ["le", 2, "noir"]},
    "no right": {"right": []},
    "right out of range": {"right": [3]},
    "right negative": {"right": [-1]},
    "right twice": {"right": [1, 1]},
    "right a bool": {"right": [True]},
    "weights short": {"weights": [0.5, 0.5]},
    "weight negative": {"weights": [-0.25, 1.0, 0.25]},
    "weight NaN": {"weights": [float("nan"), 0.5, 0.5]},
    "weight text": {"weights": ["0.25", 0.5, 0.25]},
    "attention not summing to 1": {"weights": [0.2, 0.2, 0.2]},
    "probabilities over 1": {"kind": "token", "weights": [0.5, 0.5, 0.5]},
}


@pytest.mark.parametrize("change", BAD_QUESTIONS.values(), ids=BAD_QUESTIONS.keys())
def test_ask_refuses_bad_shapes(room, change):
    store, code, token = room
    with pytest.raises(ValueError):
        store.ask(code, token, **{**ATTEND, **change})
    assert store.current_question(code) is None


def test_an_ask_replacing_a_question_asks_once(room):
    """A click the server gets twice asks once: the second names the question it replaced, no longer current."""
    store, code, token = room
    member = _members(1)[0]
    store.join(code, member)
    assert store.ask(code, token, **ATTEND, replacing=0) == 1
    store.answer(code, 1, member, 1)
    assert store.ask(code, token, **ATTEND, replacing=0) == 1  # the same click again: nothing asked
    assert [q.id for q in store.questions(code)] == [1]
    assert store.current_question(code).counts == (0, 1, 0)  # the answer given in between stays
    store.reveal(code, token, 1)
    assert store.ask(code, token, **ATTEND, again_of=1, replacing=1) == 2  # Ask again, drawn with question 1
    assert store.ask(code, token, **ATTEND, again_of=1, replacing=1) == 2
    assert store.ask(code, token, **ATTEND, replacing=1) == 2  # a stale page's Ask
    assert [q.id for q in store.questions(code)] == [1, 2]
    assert store.ask(code, token, **ATTEND) == 3  # None: regardless (the store's callers outside a page)


@pytest.mark.parametrize("replacing", [-1, 1.0, True, "0", 2**52])
def test_ask_refuses_a_replaced_id_that_is_no_id(room, replacing):
    store, code, token = room
    with pytest.raises(ValueError):
        store.ask(code, token, **ATTEND, replacing=replacing)
    assert store.current_question(code) is None


def test_a_replacing_ask_still_needs_the_teacher(room):
    store, code, _ = room
    with pytest.raises(NotTeacher):
        store.ask(code, "not the token", **ATTEND, replacing=0)
    assert store.current_question(code) is None


def test_numpy_numbers_are_numbers(room):
    np = pytest.importorskip("numpy")
    store, code, token = room
    weights = np.array([0.25, 0.5, 0.25], dtype=np.float32)
    qid = store.ask(code, token, "attend", np.int64(2), ["a", "b", "c"], [np.int64(1)], list(weights))
    member = codes.new_member_id()
    store.join(code, member)
    store.answer(code, qid, member, np.int64(1))
    question = store.current_question(code)
    assert (question.step, question.right, question.weights, question.counts) == (2, (1,), (0.25, 0.5, 0.25), (0, 1, 0))


# -- errors, limits, choosing a store -----------------------------------------------------------
def test_errors_are_translated_where_shown():
    errors = [
        NoSuchClass(),
        NotTeacher(),
        ClassFull(limit=30),
        ServerFull(limit=100),
        TooManyAttempts(seconds=12),
        TooManyQuestions(limit=200),
        AnswerRevealed(),
        QuestionClosed(),
        BadAnswer(),
        StoreUnavailable(),
    ]
    for error in errors:
        assert isinstance(error, ClassError)
        assert message_of(error) == str(error) == error.template.format(**error.params)
        copy = pickle.loads(pickle.dumps(error))
        assert (type(copy), str(copy), copy.params) == (type(error), str(error), error.params)
        with using("zh"):
            assert message_of(error) != str(error)
    with using("zh"):
        assert "30" in message_of(ClassFull(limit=30))
        assert "12" in message_of(TooManyAttempts(seconds=12))
    assert str(TooManyAttempts(seconds=12)) == "Too many join attempts; try again in 12 s."


def test_limits_from_the_environment():
    assert Limits.from_env({}) == Limits()
    defaults = Limits()
    assert (defaults.max_rooms, defaults.max_students, defaults.idle_seconds, defaults.away_seconds) == (
        100,
        400,
        600,
        15,
    )
    assert (defaults.gone_seconds, defaults.live_seconds, defaults.join_attempts, defaults.max_questions) == (
        60,
        15,
        10,
        200,
    )
    # A school behind one address: a hall of 400 joining, a quarter mistyping twice, reloads, 80 teachers each
    # starting three classes in one hour (issue 62); one teacher's page alone: 12 an hour.
    assert defaults.joins == Rate(1200, 600.0) and defaults.failed_joins == Rate(400, 60.0)
    assert defaults.creates == Rate(240, 3600.0) and defaults.session_creates == Rate(12, 3600.0)
    env = {
        "ATTENTION_EXPLORER_CLASS_MAX_ROOMS": "5",
        "ATTENTION_EXPLORER_CLASS_MAX_STUDENTS": " 40 ",
        "ATTENTION_EXPLORER_CLASS_IDLE_MINUTES": "30",
        "ATTENTION_EXPLORER_CLASS_CREATES_PER_HOUR": "3",
        "ATTENTION_EXPLORER_CLASS_JOINS_PER_10_MINUTES": "1000",
        "ATTENTION_EXPLORER_CLASS_WRONG_CODES_PER_MINUTE": "7",
    }
    assert Limits.from_env(env) == Limits(
        max_rooms=5,
        max_students=40,
        idle_seconds=1800.0,
        creates=Rate(3, 3600.0),
        joins=Rate(1000, 600.0),
        failed_joins=Rate(7, 60.0),
    )
    assert Limits.from_env({"ATTENTION_EXPLORER_CLASS_IDLE_MINUTES": "1.5"}).idle_seconds == 90.0
    assert Limits.from_env({"ATTENTION_EXPLORER_CLASS_GONE_MINUTES": "2.5"}).gone_seconds == 150.0
    away = [Limits.from_env({"ATTENTION_EXPLORER_CLASS_AWAY_SECONDS": v}).away_seconds for v in ("6", "90", "5.9", "x")]
    assert away == [6.0, 90.0, 15.0, 15.0]  # below two of the teacher's calls (3 s apart): the default


@pytest.mark.parametrize("bad", ["", "x", "0", "-3", "1e3", "nan", "inf", "2.5", "9" * 30, "100001"])
def test_bad_limits_in_the_environment_are_the_defaults(bad):
    names = ("MAX_ROOMS", "MAX_STUDENTS", "IDLE_MINUTES", "GONE_MINUTES", "CREATES_PER_HOUR", "WRONG_CODES_PER_MINUTE")
    limits = Limits.from_env({f"ATTENTION_EXPLORER_CLASS_{name}": bad for name in names})
    assert (limits.max_rooms, limits.max_students) == (100, 400)
    assert (limits.creates.count, limits.failed_joins.count) == (240, 400)
    assert limits.idle_seconds == (600.0 if bad not in ("1e3", "2.5") else float(bad) * 60)
    assert limits.gone_seconds == (60.0 if bad not in ("1e3", "2.5") else float(bad) * 60)


def test_open_store_without_redis_is_the_embedded_store():
    store = open_store({"ATTENTION_EXPLORER_CLASS_MAX_ROOMS": "7"})
    assert isinstance(store, MemoryStore)
    assert store.limits.max_rooms == 7
    assert isinstance(open_store({"ATTENTION_EXPLORER_REDIS_URL": "  "}), MemoryStore)


# -- Redis only: what is stored, damaged data, a lost connection ------------------------------------
@pytest.fixture
def redis_room(redis_url, clock):
    """(store, code, token, client) of a fresh room in a Redis store on the session's server."""
    from explorer.classrooms.redis_store import RedisStore

    store = RedisStore(redis_url, LIMITS, clock=clock, prefix=f"test{next(_prefixes)}:")
    code, token = store.create()
    return store, code, token, store._client


def _key(store, code: str, part: str = "") -> str:
    return f"{store.prefix}room:{code}" + (f":{part}" if part else "")


def test_redis_keys_and_their_time_to_live(redis_room):
    store, code, token, client = redis_room
    member = codes.new_member_id()
    store.join(code, member)
    store.publish(code, token, "decode", {"task": "reverse"})
    store.ask(code, token, **ATTEND)
    store.answer(code, 1, member, 1)
    keys = {_key(store, code, part) for part in ("", "members", "questions", "counts", "answers")}
    counted = (("creates", "local"), ("joins", code))  # classes per client address, newcomers per class
    counters = {f"{store.prefix}limit:{rule}:{who}:{int(START // getattr(LIMITS, rule).window_seconds)}"
                for rule, who in counted}  # fmt: skip
    found = {key.decode() for key in client.scan_iter(match=f"{store.prefix}*")}
    assert found == keys | counters | {f"{store.prefix}rooms"}
    for counter in counters:  # one room created and one member joined, each counted once, expiring with its window
        assert client.get(counter) == b"1" and 0 < client.pttl(counter) <= 3600 * 1000
    for key in keys:
        assert (LIMITS.idle_seconds) * 1000 < client.pttl(key) <= (LIMITS.idle_seconds + 600) * 1000
    assert client.pttl(f"{store.prefix}rooms") == -1  # the index of rooms lives on; swept by create
    assert client.zscore(f"{store.prefix}rooms", code) == START
    assert client.hget(_key(store, code, "answers"), f"1:{member}") == b"1"
    store.end(code, token)
    assert list(client.scan_iter(match=f"{store.prefix}room:*")) == []
    assert client.zcard(f"{store.prefix}rooms") == 0


def test_two_replicas_share_a_room(redis_url, clock):
    from explorer.classrooms.redis_store import RedisStore

    prefix = f"test{next(_prefixes)}:"
    teacher_side = RedisStore(redis_url, LIMITS, clock=clock, prefix=prefix)
    student_side = RedisStore(redis_url, LIMITS, clock=clock, prefix=prefix)
    code, token = teacher_side.create()
    member = codes.new_member_id()
    student_side.join(code.lower(), member)
    teacher_side.publish(code, token, "beam", {"step": "3"})
    assert student_side.view(code) == TeacherView("beam", {"step": "3"}, 1, START)
    qid = teacher_side.ask(code, token, **TOKEN)
    student_side.answer(code, qid, member, 0)
    assert teacher_side.current_question(code).counts == (1, 0)
    assert teacher_side.roster(code) == Roster(following=1, exploring=0)
    assert student_side.is_teacher(code, token)


BAD_VIEWS = {
    "not JSON": {"view": b"{not json"},
    "not UTF-8": {"view": b'{"page":"decode","params":{"a":"\xff"}}'},
    "a list": {"view": b"[1, 2]"},
    "a page no class shows": {"view": b'{"page":"train","params":{}}'},
    "a number as a value": {"view": b'{"page":"decode","params":{"a":1}}'},
    "params a list": {"view": b'{"page":"decode","params":[["a","b"]]}'},
    "another field": {"view": b'{"page":"decode","params":{},"x":1}'},
    "31 params": {"view": json.dumps({"page": "decode", "params": {f"k{i}": "v" for i in range(31)}}).encode()},
    "a long value": {"view": json.dumps({"page": "decode", "params": {"k": "v" * 601}}).encode()},
    "huge": {"view": b'{"page":"decode","params":{"k":"' + b"v" * 200_000 + b'"}}'},
    "deeply nested": {"view": b"[" * 100_000 + b"]" * 100_000},
    "version text": {"version": b"one"},
    "version 0": {"version": b"0"},
    "version negative": {"version": b"-4"},
    "updated NaN": {"updated": b"nan"},
    "updated missing": {"updated": None},
}


@pytest.mark.parametrize("damage", BAD_VIEWS.values(), ids=BAD_VIEWS.keys())
def test_a_damaged_view_reads_as_none(redis_room, damage):
    store, code, token, client = redis_room
    store.publish(code, token, "decode", {"task": "reverse"})
    assert store.view(code).version == 1
    for field_name, value in damage.items():
        if value is None:
            client.hdel(_key(store, code), field_name)
        else:
            client.hset(_key(store, code), field_name, value)
    assert store.view(code) is None
    assert store.publish(code, token, "compare", {}) >= 1  # the teacher's next publish repairs it
    assert store.view(code).page == "compare"


def _meta(**change) -> bytes:
    data = {**ATTEND, "right": [1], "asked": START, **change}
    return json.dumps(data).encode()


BAD_QUESTIONS_STORED = {
    "not JSON": {"questions": b"question"},
    "a list": {"questions": b"[]"},
    "kind": {"questions": _meta(kind="guess")},
    "step negative": {"questions": _meta(step=-1)},
    "step text": {"questions": _meta(step="2")},
    "options not a list": {"questions": _meta(options="abc")},
    "201 options": {"questions": _meta(options=["x"] * 201)},
    "an option too long": {"questions": _meta(options=["le", "x" * 101, "noir"])},
    "right out of range": {"questions": _meta(right=[7])},
    "weights short": {"questions": _meta(weights=[1.0])},
    "asked text": {"questions": _meta(asked="yesterday")},
    "asked infinite": {"questions": _meta(asked=1e400)},
    "another field": {"questions": _meta(extra=1)},
    "a field missing": {"questions": json.dumps({"kind": "attend", "asked": START}).encode()},
    "counts not JSON": {"counts": b"zero"},
    "counts short": {"counts": b"[0,0]"},
    "counts long": {"counts": b"[0,0,0,0]"},
    "counts negative": {"counts": b"[0,-1,0]"},
    "counts not whole": {"counts": b"[0,0.5,0]"},
    "counts true": {"counts": b"[0,true,0]"},
    "counts missing": {"counts": None},
    "huge": {"questions": b"[" + b"1," * 200_000 + b"1]"},
}


@pytest.mark.parametrize("damage", BAD_QUESTIONS_STORED.values(), ids=BAD_QUESTIONS_STORED.keys())
def test_a_damaged_question_is_left_out(redis_room, damage):
    store, code, token, client = redis_room
    member = codes.new_member_id()
    store.join(code, member)
    store.ask(code, token, **TOKEN)
    store.ask(code, token, **ATTEND)
    store.ask(code, token, **TOKEN)
    store.ask(code, token, **ATTEND)  # the current one, damaged below
    for part, value in damage.items():
        if value is None:
            client.hdel(_key(store, code, part), "4")
        else:
            client.hset(_key(store, code, part), "4", value)
    assert store.current_question(code) is None
    assert [q.id for q in store.questions(code)] == [1, 2, 3]
    try:
        store.answer(code, 4, member, 1)  # refused or counted, never a traceback
    except (QuestionClosed, BadAnswer):
        pass
    assert [q.id for q in store.questions(code)] == [1, 2, 3]


@pytest.mark.parametrize("current", [b"abc", b"99", b"0", b"-1", b"1" * 30, None])
def test_a_damaged_current_question(redis_room, current):
    store, code, token, client = redis_room
    store.ask(code, token, **TOKEN)
    if current is None:
        client.hdel(_key(store, code), "current")
    else:
        client.hset(_key(store, code), "current", current)
    assert store.current_question(code) is None
    assert [q.id for q in store.questions(code)] == [1]
    member = codes.new_member_id()
    store.join(code, member)
    with pytest.raises(QuestionClosed):
        store.answer(code, 1, member, 0)


BAD_ROOMS = {
    "teacher short": {"teacher": b"abc"},
    "teacher not hex": {"teacher": b"z" * 64},
    "teacher missing": {"teacher": None},
    "seen text": {"seen": b"yesterday"},
    "seen NaN": {"seen": b"nan"},
    "seen infinite": {"seen": b"inf"},
    "seen in the far future": {"seen": str(START + 10 * LIMITS.idle_seconds).encode()},
    "seen missing": {"seen": None},
    "seen huge": {"seen": b"1" * 100_000},
}


@pytest.mark.parametrize("damage", BAD_ROOMS.values(), ids=BAD_ROOMS.keys())
def test_a_damaged_room_is_no_class(redis_room, damage):
    store, code, token, client = redis_room
    for field_name, value in damage.items():
        if value is None:
            client.hdel(_key(store, code), field_name)
        else:
            client.hset(_key(store, code), field_name, value)
    _no_class_anywhere(store, code, token)


def _no_class_anywhere(store, code, token):
    member = codes.new_member_id()
    assert store.is_teacher(code, token) is False
    assert_no_such_class(every_call(store, code, token, member) + [lambda: store.end(code, None)])


@pytest.mark.parametrize("part", ["", "members", "questions", "counts", "answers"])
def test_a_key_of_the_wrong_type_is_no_class(redis_room, part):
    store, code, token, client = redis_room
    member = codes.new_member_id()
    store.join(code, member)
    store.ask(code, token, **TOKEN)
    client.delete(_key(store, code, part))
    client.set(_key(store, code, part), "a string")
    if part == "":
        _no_class_anywhere(store, code, token)
        return
    reads = {
        "members": lambda: store.roster(code),
        "questions": lambda: store.questions(code),
        "counts": lambda: store.current_question(code),
        "answers": lambda: store.answered(code, 1, member),
    }
    with pytest.raises(NoSuchClass):
        reads[part]()


def test_damaged_members_and_answers_are_ignored(redis_room):
    store, code, token, client = redis_room
    member = codes.new_member_id()
    store.join(code, member)
    store.ask(code, token, **ATTEND)
    store.answer(code, 1, member, 2)
    members = _key(store, code, "members")
    client.hset(members, mapping={"a": "garbage", "b": f"{START} 7", "c": "nan 1", "d": "x" * 1000, "e": f"{START}"})
    assert store.roster(code) == Roster(following=1, exploring=0)
    answers = _key(store, code, "answers")
    for value in (b"two", b"-1", b"200", b"1" * 50):
        client.hset(answers, f"1:{member}", value)
        assert store.answered(code, 1, member) is None
    client.hset(members, mapping={f"m{i}": f"{START} 1" for i in range(20_001)})
    assert store.roster(code) == Roster(following=0, exploring=0)  # too many to be real: not read


def test_a_damaged_index_of_rooms_is_rebuilt(redis_room):
    store, code, token, client = redis_room
    client.delete(f"{store.prefix}rooms")
    client.set(f"{store.prefix}rooms", "a string")
    other, _ = store.create()
    store.touch_teacher(code, token)  # back in the index
    assert client.zrange(f"{store.prefix}rooms", 0, -1) == sorted([other.encode(), code.encode()])


def test_rooms_that_vanished_do_not_fill_the_server(redis_room):
    store, code, token, client = redis_room
    client.zadd(f"{store.prefix}rooms", {"GHOST2": START, "GHOST3": START})  # rooms whose keys expired
    store.create()  # the third place: the ghosts are dropped to make room
    store.create()
    with pytest.raises(ServerFull):
        store.create()


def test_a_lost_connection_is_unavailable_until_redis_returns(redis_server, clock):
    from explorer.classrooms.redis_store import RedisStore

    store = RedisStore(redis_server.url, LIMITS, clock=clock)
    code, token = store.create()
    member = codes.new_member_id()
    store.join(code, member)
    redis_server.stop()
    calls = [store.create, lambda: store.is_teacher(code, token), *every_call(store, code, token, member)]
    for call in calls:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as raised:
            call()
        assert time.monotonic() - started < 5
        assert not isinstance(raised.value, redis.exceptions.RedisError)
        assert str(raised.value) == "The class server cannot be reached right now; the page retries by itself."
    redis_server.start()  # the same port, empty (nothing is saved)
    with pytest.raises(NoSuchClass):
        store.join(code, member)
    code, token = store.create()
    store.join(code, member)
    assert store.roster(code) == Roster(following=1, exploring=0)
    assert store.publish(code, token, "decode", {"task": "dates"}) == 1


def test_nothing_listening_is_unavailable(clock):
    from explorer.classrooms.redis_store import RedisStore

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = RedisStore(f"redis://127.0.0.1:{port}/0", LIMITS, clock=clock)  # connects only when used
    for call in (store.create, lambda: store.is_teacher("ABCDEF", "token"), lambda: store.roster("ABCDEF")):
        with pytest.raises(StoreUnavailable):
            call()


def test_open_store_with_redis(redis_url):
    from explorer.classrooms.redis_store import RedisStore

    store = open_store({"ATTENTION_EXPLORER_REDIS_URL": redis_url, "ATTENTION_EXPLORER_CLASS_MAX_STUDENTS": "9"})
    assert isinstance(store, RedisStore)
    assert (store.prefix, store.limits.max_students) == ("ae:", 9)


@pytest.mark.parametrize(
    "url",
    [
        "localhost:6379",
        "http://localhost:6379",
        "redis://",
        "redis://:secret@",
        "redis://:secret@localhost:port",
        "redis://:secret@localhost:99999",
        "redis://localhost:6379/db",
        "unix://",
        "redis://local host:6379",
    ],
)
def test_open_store_refuses_a_bad_url_clearly(url):
    with pytest.raises(ValueError) as raised:
        open_store({"ATTENTION_EXPLORER_REDIS_URL": url})
    message = str(raised.value)
    assert message.startswith("ATTENTION_EXPLORER_REDIS_URL is not a Redis URL: write redis://HOST:PORT/DB")
    assert "secret" not in message


# -- the CSV export (explorer/classrooms/export.py) ------------------------------------------------------
def test_the_csv_of_a_class(room, clock):
    store, code, token = room
    a, b, c = _members(3)
    for member in (a, b, c):
        store.join(code, member)
    store.ask(code, token, **ATTEND)
    store.answer(code, 1, a, 1)
    store.answer(code, 1, b, 1)
    store.answer(code, 1, c, 0)
    store.reveal(code, token, 1)
    clock.advance(61.5)
    store.ask(code, token, "token", 4, ["=SUM(A1)", "+1", "-2", "@x", "\tx", 'plain, "quoted"'], [5], [0.1] * 6)
    assert questions_csv(store.questions(code)) == (
        "question,vote,again_of,kind,step,asked,option,text,answers,right,weight,share_right\r\n"
        "1,1,,attend,2,2027-01-15T08:00:00+00:00,0,le,1,no,0.2500,0.6667\r\n"
        "1,1,,attend,2,2027-01-15T08:00:00+00:00,1,chat,2,yes,0.5000,0.6667\r\n"
        "1,1,,attend,2,2027-01-15T08:00:00+00:00,2,noir,0,no,0.2500,0.6667\r\n"
        "2,1,,token,4,2027-01-15T08:01:01+00:00,0,'=SUM(A1),0,no,0.1000,\r\n"
        "2,1,,token,4,2027-01-15T08:01:01+00:00,1,'+1,0,no,0.1000,\r\n"
        "2,1,,token,4,2027-01-15T08:01:01+00:00,2,'-2,0,no,0.1000,\r\n"
        "2,1,,token,4,2027-01-15T08:01:01+00:00,3,'@x,0,no,0.1000,\r\n"
        "2,1,,token,4,2027-01-15T08:01:01+00:00,4,'\tx,0,no,0.1000,\r\n"
        '2,1,,token,4,2027-01-15T08:01:01+00:00,5,"plain, ""quoted""",0,yes,0.1000,\r\n'
    )


def test_the_csv_reads_back_as_data():
    question = Question(1, "token", 0, ("a\nb", "", "ü,=", "-"), (0,), (0.5, 0.25, 0.25, 0.0), (0, 0, 0, 0), False, 0.0)
    rows = list(csv.reader(io.StringIO(questions_csv([question]))))
    assert rows[0] == "question vote again_of kind step asked option text answers right weight share_right".split()
    assert [row[7] for row in rows[1:]] == ["a\nb", "", "ü,=", "'-"]
    assert rows[1][5] == "1970-01-01T00:00:00+00:00"
    header = "question,vote,again_of,kind,step,asked,option,text,answers,right,weight,share_right\r\n"
    assert questions_csv([]) == header


def test_a_lesson_choice_question_is_asked_answered_and_revealed(room):
    """A lesson step's multiple-choice question (kind "choice": no model weights) in either store."""
    store, code, token = room
    a, b, c = _members(3)
    for member in (a, b, c):
        store.join(code, member)
    qid = store.ask(code, token, "choice", 1, ["Yes, every letter.", "No: it goes wrong."], [1], [0.0, 0.0])
    store.answer(code, qid, a, 1)
    store.answer(code, qid, b, 0)
    store.answer(code, qid, c, 1)
    store.reveal(code, token, qid)
    question = store.current_question(code)
    assert (question.kind, question.step) == ("choice", 1)
    assert question.options == ("Yes, every letter.", "No: it goes wrong.")
    assert (question.counts, question.right, question.weights, question.revealed) == ((1, 2), (1,), (0.0, 0.0), True)
    assert question.share_right() == pytest.approx(2 / 3)
    table = list(csv.reader(io.StringIO(questions_csv(store.questions(code)))))
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]  # the teacher's CSV: one row per option
    assert [(r["kind"], r["text"], r["answers"], r["right"]) for r in rows] == [
        ("choice", "Yes, every letter.", "1", "no"),
        ("choice", "No: it goes wrong.", "2", "yes"),
    ]
    with pytest.raises(ValueError):  # still one weight per option, each in 0..1
        store.ask(code, token, "choice", 1, ["a", "b"], [0], [0.0])
