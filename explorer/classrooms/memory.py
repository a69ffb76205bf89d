"""The embedded room store: every room in this process's memory, for a server of one process.

Streamlit runs each browser session in a thread of the same process, so one `MemoryStore` (shared
through ``st.cache_resource``) serves them all; one lock makes every method atomic, which is all the
"at most once" and "at most the seats" rules need here. Members not seen for `gone_seconds` lose their seats
(`_prune`, on the teacher's calls and on joins, at most once a second); they may come back without approval while
a seat is free. Rooms past their idle time are removed
when they are next touched, all of them whenever a room is created (so they stop counting toward
`max_rooms`) and at most a minute after they expired whenever any room is touched (nothing of a class is
kept after it is over). The per-client, per-class and per-teacher limits count events in fixed windows
(`store.window`), dropped when their window has passed. Nothing survives a restart (the Redis store is for
that, and for replicas). The clock is injected (``clock=time.time``), so expiry tests move time instead of sleeping.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from explorer.classrooms import codes, errors, events
from explorer.classrooms.store import (
    STREAM_CLAIM_SECONDS,
    Admission,
    Limits,
    Presence,
    Question,
    Rate,
    RoomStore,
    Roster,
    StreamReplaced,
    TeacherView,
    check_cap,
    check_member,
    check_members,
    check_teacher,
    checked_view,
    is_option,
    window,
)


def _an_id(question: object) -> bool:
    """Whether `question` can be a question's id (a whole number; True is not 1 here)."""
    return is_option(question, 2**62)


@dataclass
class _Question:
    fields: dict  # checked_question's lists
    asked: float
    counts: list[int]
    revealed: bool = False

    def frozen(self, qid: int) -> Question:
        return Question.from_fields(qid, self.fields, self.counts, self.revealed, self.asked)


def _withdraw(room: _Room, members: Iterable[str], questions: Iterable[int]) -> None:
    """Take the answers of `members` to `questions` out of their counts: a member who lost its seat (removed,
    or gone and its seat given away) no longer speaks for the class there."""
    for member in members:
        for qid in questions:
            option = room.answers.pop((qid, member), None)
            if option is not None:
                room.questions[qid].counts[option] -= 1


@dataclass
class _Room:
    teacher: str  # the token's hash, never the token
    seen: float  # when the teacher was last seen
    members: dict[str, tuple[float, bool]] = field(default_factory=dict)  # member -> (seen, following)
    view: TeacherView | None = None
    questions: dict[int, _Question] = field(default_factory=dict)
    current: int = 0  # the current question's id (0: none yet)
    answers: dict[tuple[int, str], int] = field(default_factory=dict)  # (question, member) -> option
    locked: bool = False
    removed: set[str] = field(default_factory=set)  # members the teacher removed: never back in
    approval: bool = False  # newcomers wait in `waiting` until the teacher admits them
    cap: int = 0  # seats the teacher allows (0: limits.max_students)
    waiting: dict[str, float] = field(default_factory=dict)  # newcomer -> last seen, oldest first
    admitted: set[str] = field(default_factory=set)  # admitted, their seat not taken yet (their next join)
    left: dict[str, float] = field(default_factory=dict)  # members who lost their seat while away: back freely
    pruned: float = 0.0  # when members gone too long last lost their seats
    owner: str | None = None  # the teacher who started it (`create`'s `teacher`): its newcomers count there too
    streams: dict[str, tuple[str, float]] = field(default_factory=dict)  # member -> (its one stream, last renewed)


class MemoryStore(RoomStore):
    """Rooms in a dict behind one lock (`RoomStore` documents the methods)."""

    def __init__(self, limits: Limits | None = None, clock: Callable[[], float] = time.time) -> None:
        self.limits = limits or Limits()
        self._clock = clock
        self._rooms: dict[str, _Room] = {}
        self._swept = 0.0  # when expired rooms were last dropped (`_sweep`)
        self._counts: dict[tuple[str, str, int], int] = {}  # (rule, client, window index) -> events
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str, dict], None]] = []
        self._secret = secrets.token_bytes(32)

    def member_secret(self) -> bytes:
        return self._secret

    # -- lookups (under the lock) --
    def _expired(self, room: _Room, now: float) -> bool:
        return room.seen < now - self.limits.idle_seconds

    def _sweep(self, now: float, every: float = 0.0) -> None:
        """Drop the rooms past their idle time, at most once per `every` seconds: a class whose teacher left
        (nobody ends it) goes with its members and answers within a minute of any call, whatever is created."""
        if now - self._swept < every:
            return
        self._swept = now
        for key in [k for k, room in self._rooms.items() if self._expired(room, now)]:
            del self._rooms[key]

    def _room(self, code: object, now: float) -> _Room:
        self._sweep(now, every=60.0)
        key = codes.normalise_code(code)
        room = self._rooms.get(key) if key else None
        if room is None:
            raise errors.NoSuchClass()
        if self._expired(room, now):
            del self._rooms[key]
            raise errors.NoSuchClass()
        return room

    def _teacher_room(self, code: object, token: object, now: float) -> _Room:
        room = self._room(code, now)
        if not codes.token_matches(token, room.teacher):
            raise errors.NotTeacher()
        room.seen = now
        self._prune(room, now)
        return room

    def _cap(self, room: _Room) -> int:
        return min(room.cap or self.limits.max_students, self.limits.max_students)

    def _prune(self, room: _Room, now: float, every: float = 1.0) -> None:
        """Members and waiting newcomers not seen for `gone_seconds` (their page is gone) lose their seat or
        place, at most once per `every` seconds; the seated ones take their answer to the open question along."""
        if now - room.pruned < every:
            return
        room.pruned = now
        horizon = now - self.limits.gone_seconds
        gone = [m for m, (seen, _) in room.members.items() if seen < horizon]
        for left in gone:
            del room.members[left]
            room.left[left] = now
        for lapsed in [m for m, (_, renewed) in room.streams.items() if renewed < now - STREAM_CLAIM_SECONDS]:
            del room.streams[lapsed]
        _withdraw(room, gone, self._open(room))
        while len(room.left) > 4 * self.limits.max_students:  # bounded: the oldest are newcomers again
            del room.left[next(iter(room.left))]
        for left in [m for m, seen in room.waiting.items() if seen < horizon]:
            del room.waiting[left]
            room.admitted.discard(left)

    def _wait(self, name: str, rate: Rate, client: str, now: float) -> int | None:
        """Seconds until `client` may again, when its events of rule `name` reached `rate` in this window."""
        index, seconds = window(now, rate)
        return seconds if self._counts.get((name, client, index), 0) >= rate.count else None

    def _count(self, name: str, rate: Rate, client: str, now: float) -> None:
        index, _ = window(now, rate)
        if len(self._counts) > 100_000:  # past windows are never read again
            self._counts = {k: n for k, n in self._counts.items() if k[2] >= window(now, self._rate(k[0]))[0]}
        self._counts[name, client, index] = self._counts.get((name, client, index), 0) + 1

    def _rate(self, name: str) -> Rate:
        return getattr(self.limits, name)

    def _emit(self, code: object, kind: str, **fields: object) -> None:
        """Tell the listeners (outside the lock: a listener may call the store)."""
        key = codes.normalise_code(code)
        event = events.parse_event(events.event_json(kind, **fields))
        for listener in list(self._listeners):
            listener(key, event)

    def listen(self, callback: Callable[[str, dict], None]) -> None:
        self._listeners.append(callback)

    # -- the teacher --
    def create(self, client: str = "local", teacher: str | None = None) -> tuple[str, str]:
        teacher = check_teacher(teacher)
        token = codes.new_token()
        with self._lock:
            now = self._clock()
            wait = self._wait("creates", self.limits.creates, client, now)
            if wait is not None:
                raise errors.TooManyClasses(seconds=wait)
            self._sweep(now)
            if len(self._rooms) >= self.limits.max_rooms:
                raise errors.ServerFull(limit=self.limits.max_rooms)
            self._count("creates", self.limits.creates, client, now)
            code = codes.new_code()
            while code in self._rooms:
                code = codes.new_code()
            self._rooms[code] = _Room(teacher=codes.token_hash(token), seen=now, owner=teacher)
        return code, token

    def end(self, code: str, token: str) -> None:
        with self._lock:
            self._teacher_room(code, token, self._clock())
            del self._rooms[codes.normalise_code(code)]
        self._emit(code, "ended")

    def is_teacher(self, code: str, token: object) -> bool:
        with self._lock:
            try:
                room = self._room(code, self._clock())
            except errors.NoSuchClass:
                return False
            return codes.token_matches(token, room.teacher)

    def touch_teacher(self, code: str, token: str) -> None:
        with self._lock:
            self._teacher_room(code, token, self._clock())

    def publish(self, code: str, token: str, page: str, params: Mapping[str, str]) -> int:
        page, params = checked_view(page, params)
        with self._lock:
            now = self._clock()
            room = self._teacher_room(code, token, now)
            old = room.view
            if old is not None and (old.page, old.params) == (page, params):
                return old.version
            version = 1 if old is None else old.version + 1
            room.view = TeacherView(page=page, params=params, version=version, updated=now)
        self._emit(code, "view", page=page, params=params, version=version)
        return version

    def _ask(self, code: str, token: str, fields: dict, replacing: int | None) -> int:
        with self._lock:
            now = self._clock()
            room = self._teacher_room(code, token, now)
            if replacing is not None and room.current != replacing:  # asked already: this click again
                return room.current
            if len(room.questions) >= self.limits.max_questions:
                raise errors.TooManyQuestions(limit=self.limits.max_questions)
            qid = len(room.questions) + 1
            room.questions[qid] = _Question(fields=fields, asked=now, counts=[0] * len(fields["options"]))
            room.current = qid
        self._emit(code, "question")
        return qid

    def lock(self, code: str, token: str, locked: bool) -> None:
        with self._lock:
            self._teacher_room(code, token, self._clock()).locked = bool(locked)

    def _asked(self, code: str, token: str, question: object) -> tuple[_Room, _Question]:
        """(the teacher's room, its question `question`), under the lock; ValueError for no such question."""
        room = self._teacher_room(code, token, self._clock())
        record = room.questions.get(question) if _an_id(question) else None
        if record is None:
            raise ValueError(f"this class has no question {question!r}")
        return room, record

    def reveal(self, code: str, token: str, question: int) -> None:
        with self._lock:
            self._asked(code, token, question)[1].revealed = True
        self._emit(code, "question")

    def clear(self, code: str, token: str, question: int) -> None:
        with self._lock:
            room, record = self._asked(code, token, question)
            record.counts = [0] * len(record.counts)
            record.revealed = False
            room.answers = {k: v for k, v in room.answers.items() if k[0] != question}
        self._emit(code, "question")

    def members(self, code: str, token: str) -> list[str]:
        with self._lock:
            room = self._teacher_room(code, token, self._clock())
            return list(room.members)

    def remove_many(self, code: str, token: str, members) -> None:
        members = check_members(members)
        with self._lock:
            room = self._teacher_room(code, token, self._clock())
            for member in members:
                room.members.pop(member, None)
                room.waiting.pop(member, None)
                room.left.pop(member, None)
                room.admitted.discard(member)
                room.streams.pop(member, None)
                room.removed.add(member)  # in no seat: `members` alone counts the seats
            _withdraw(room, members, room.questions)
        for member in members:
            self._emit(code, "removed", member=member)

    def admission(self, code: str, token: str) -> Admission:
        with self._lock:
            room = self._teacher_room(code, token, self._clock())
            return Admission(room.approval, self._cap(room), len(room.members), len(room.waiting))

    def set_admission(self, code: str, token: str, approval: bool, cap: int) -> None:
        cap = check_cap(cap, self.limits)
        with self._lock:
            room = self._teacher_room(code, token, self._clock())
            room.approval, room.cap = bool(approval), cap

    def waiting(self, code: str, token: str) -> list[str]:
        with self._lock:
            room = self._teacher_room(code, token, self._clock())
            return [m for m in room.waiting if m not in room.admitted]

    def admit(self, code: str, token: str, members) -> int:
        members = set(check_members(members))
        with self._lock:
            room = self._teacher_room(code, token, self._clock())
            free = self._cap(room) - len(room.members) - len(room.admitted & room.waiting.keys())
            chosen = [m for m in room.waiting if m in members and m not in room.admitted][: max(0, free)]
            room.admitted.update(chosen)
            return len(chosen)

    # -- the students --
    def join(self, code: object, member: str, client: str = "local", strikes: int = 0) -> None:
        check_member(member)
        limits = self.limits
        with self._lock:
            now = self._clock()
            wait = self._wait("failed_joins", limits.failed_joins, client, now)
            if wait is not None and strikes > 0:  # this session guesses, and its address sent too many wrong codes
                raise errors.TooManyAttempts(seconds=wait)
            try:
                room = self._room(code, now)
            except errors.NoSuchClass:
                self._count("failed_joins", limits.failed_joins, client, now)
                raise
            key = codes.normalise_code(code)
            if member in room.removed:  # removed by the teacher: never back in
                raise errors.Removed()
            if member in room.members:  # a member again (a reload, a heartbeat after a pause): not counted
                room.members[member] = (now, room.members[member][1])
                return
            self._prune(room, now)
            if member in room.left:  # it lost its seat while away: back without approval, if the cap allows
                if len(room.members) + len(room.admitted) >= self._cap(room):
                    raise errors.ClassFull(limit=self._cap(room))
                del room.left[member]
                room.members[member] = (now, True)
                return
            if member in room.waiting:  # waiting: seen now; seated once admitted (while the cap allows)
                room.waiting[member] = now
                if member not in room.admitted:
                    raise errors.Waiting()
                if len(room.members) >= self._cap(room):
                    raise errors.ClassFull(limit=self._cap(room))
                del room.waiting[member]
                room.admitted.discard(member)
                room.members[member] = (now, True)
                return
            self._newcomers_allowed(room, key, now)
            if room.locked:
                raise errors.ClassLocked()
            if room.approval:
                if len(room.waiting) >= limits.max_waiting:
                    raise errors.WaitingRoomFull()
                self._newcomer(room, key, now)
                room.waiting[member] = now
                raise errors.Waiting()
            if len(room.members) + len(room.admitted) >= self._cap(room):
                raise errors.ClassFull(limit=self._cap(room))
            self._newcomer(room, key, now)
            room.members[member] = (now, True)

    def _newcomers_allowed(self, room: _Room, key: str, now: float) -> None:
        """TooManyAttempts when the class took `limits.joins` newcomers in this window, TooManyNewcomers when the
        classes of its teacher took `limits.teacher_joins` (under the lock)."""
        wait = self._wait("joins", self.limits.joins, key, now)
        if wait is not None:
            raise errors.TooManyAttempts(seconds=wait)
        if room.owner is not None:
            wait = self._wait("teacher_joins", self.limits.teacher_joins, room.owner, now)
            if wait is not None:
                raise errors.TooManyNewcomers(seconds=wait)

    def _newcomer(self, room: _Room, key: str, now: float) -> None:
        """Count a newcomer to the class `key` and to its teacher's classes."""
        self._count("joins", self.limits.joins, key, now)
        if room.owner is not None:
            self._count("teacher_joins", self.limits.teacher_joins, room.owner, now)

    @staticmethod
    def _open(room: _Room) -> list[int]:
        """The question that still takes answers ([its id]), or none: the current one, not revealed."""
        record = room.questions.get(room.current)
        return [room.current] if record is not None and not record.revealed else []

    def _member_room(self, code: str, member: str, now: float) -> _Room:
        """The room `member` is in (NoSuchClass if it is not); under the lock."""
        room = self._room(code, now)
        if member not in room.members:
            raise errors.NoSuchClass()
        return room

    def heartbeat(self, code: str, member: str, following: bool) -> Presence:
        check_member(member)
        with self._lock:
            now = self._clock()
            room = self._member_room(code, member, now)
            room.members[member] = (now, bool(following))
            return self._presence(room, now)

    def _presence(self, room: _Room, now: float) -> Presence:
        return Presence(teacher_here=now - room.seen <= self.limits.away_seconds, locked=room.locked)

    def presence(self, code: str, member: str | None = None) -> Presence:
        with self._lock:
            now = self._clock()
            room = self._room(code, now)
            if member is not None and member not in room.members:
                raise errors.NoSuchClass()
            return self._presence(room, now)

    def stream_presence(self, code: str, member: str, stream: str, claim: bool = False) -> Presence:
        check_member(member)
        with self._lock:
            now = self._clock()
            room = self._member_room(code, member, now)
            held = room.streams.get(member)
            if not claim and held is not None and held[0] != stream and held[1] >= now - STREAM_CLAIM_SECONDS:
                raise StreamReplaced()
            room.streams[member] = (stream, now)
            return self._presence(room, now)

    def answer(self, code: str, question: int, member: str, option: int) -> None:
        check_member(member)
        with self._lock:
            room = self._member_room(code, member, self._clock())
            current = _an_id(question) and question == room.current
            record = room.questions.get(room.current) if current else None
            if record is None:
                raise errors.QuestionClosed()
            if record.revealed:
                raise errors.AnswerRevealed()
            if not is_option(option, len(record.counts)):
                raise errors.BadAnswer()
            before = room.answers.get((question, member))
            if before is not None:  # a change of mind before the reveal: the first answer no longer counts
                record.counts[before] -= 1
            room.answers[question, member] = int(option)
            record.counts[int(option)] += 1

    # -- what everyone reads --
    def roster(self, code: str) -> Roster:
        with self._lock:
            now = self._clock()
            room = self._room(code, now)
            present = [following for seen, following in room.members.values() if seen >= now - self.limits.live_seconds]
            return Roster(following=sum(present), exploring=len(present) - sum(present))

    def view(self, code: str) -> TeacherView | None:
        with self._lock:
            view = self._room(code, self._clock()).view
            return None if view is None else TeacherView(view.page, dict(view.params), view.version, view.updated)

    def current_question(self, code: str) -> Question | None:
        with self._lock:
            room = self._room(code, self._clock())
            record = room.questions.get(room.current)
            return None if record is None else record.frozen(room.current)

    def questions(self, code: str) -> list[Question]:
        with self._lock:
            room = self._room(code, self._clock())
            return [record.frozen(qid) for qid, record in sorted(room.questions.items())]

    def answered(self, code: str, question: int, member: str) -> int | None:
        check_member(member)
        with self._lock:
            room = self._room(code, self._clock())
            return room.answers.get((question, member)) if _an_id(question) else None
