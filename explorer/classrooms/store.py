"""The room store's interface: what a live class holds, its errors and limits, and the checks of every value.

A room is one live class: a join code, the hash of the teacher's token, the members (students'
sessions) with when each was last seen and whether it follows, the teacher's current view (a page
and its share-link parameters, versioned), and the questions asked with their answer counts.
`RoomStore` is the interface; `explorer.classrooms.memory.MemoryStore` (one process) and
`explorer.classrooms.redis_store.RedisStore` (several replicas) implement it and pass the same tests;
`open_store()` picks one from the environment.

Everything a store hands out is checked here first. The Redis store reads data that something else
wrote, so it parses every value with `room_alive`, `parse_view` and `parse_question`, which refuse
wrong types, non-JSON, sizes out of bounds and inconsistent shapes: a damaged view reads as no view
(None), a damaged question is left out, a damaged room record is no room (`NoSuchClass`).

A room closes `Limits.idle_seconds` after the teacher was last seen (any call with the teacher's
token; the teacher's page calls every few seconds while it is open), so a class nobody teaches stops
counting against `max_rooms` within minutes; students' activity does not keep it open. The teacher is
*away* (`Presence`) when not seen for `away_seconds`. A locked room takes no newcomers; its members stay
and may join again. The teacher decides who takes a seat (`Admission`): newcomers may have to wait for
approval (`admit`), the class takes at most the seats the teacher set, and `remove_many` empties seats and the
waiting room at once. A seat is held by a live page: a member whose page has not called for `gone_seconds`
loses it. Creating rooms and wrong codes are limited per client address (`client_key`), newcomers per class and
per teacher (all the classes one teacher started), in the store, so the limits hold across replicas. Every error
a user reads is a `ClassError` (declared in `explorer.classrooms.errors`, re-exported here), whose English template
is marked for translation (`explorer.i18n.errors.message_of` shows it in the page's language). A code that is
malformed, unknown, ended or expired raises the same `NoSuchClass`, so trying codes tells nothing about which exist.
"""

from __future__ import annotations

import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

from explorer.classrooms.errors import (  # noqa: F401 (re-exported: callers import a store's errors from here)
    AnswerRevealed,
    BadAnswer,
    ClassError,
    ClassFull,
    ClassLocked,
    CookiesNeeded,
    NoSuchClass,
    NotTeacher,
    QuestionClosed,
    Removed,
    ServerFull,
    StoreUnavailable,
    TooManyAttempts,
    TooManyClasses,
    TooManyNewcomers,
    TooManyQuestions,
    Waiting,
    WaitingRoomFull,
)
from explorer.classrooms.limits import Limits, Rate, client_key, window  # noqa: F401 (re-exported for the stores)
from explorer.state.pages import scripts

PAGES = tuple(scripts("class"))  # pages a class can show (explorer.state.pages)
# attend: which source token the next row attends to most; token: the next token; choice: a lesson step's
# multiple-choice question (its options the lesson's, its right ones the file's, no model weights: all 0).
KINDS = ("attend", "token", "choice")

# Bounds of everything a room holds (checked when written, and again when read back from Redis).
MAX_PARAMS = 30  # share-link parameters of a view
MAX_PARAM_KEY = 40  # characters of a parameter's name
MAX_PARAM_VALUE = 600  # characters of a parameter's value
MAX_OPTIONS = 200  # options of a question
MAX_OPTION_CHARS = 100  # characters of an option's text
MAX_STEP = 100_000  # a question's Decode step
MAX_VIEW_BYTES = 64 * 1024  # a view's JSON as stored
MAX_QUESTION_BYTES = 256 * 1024  # a question's JSON as stored
# Times read back are wall-clock seconds (time.time()) between 2000 and 2100: anything else was not written
# by a store (datetime and CSV export would fail on, say, 1e308).
EARLIEST_TIME = 946_684_800.0  # 2000-01-01
LATEST_TIME = 4_102_444_800.0  # 2100-01-01
_MEMBER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HASH = re.compile(r"[0-9a-f]{64}")


class StreamReplaced(Exception):
    """A member's event stream that another stream of the same member took over, on any replica
    (`RoomStore.stream_presence`): it ends. Nobody reads it: the stream tells its page "replaced"."""


# A stream's claim on its member (`RoomStore.stream_presence`) lasts this long unless its heartbeat (every few
# seconds) renews it: the claim of a stream whose replica died goes by itself.
STREAM_CLAIM_SECONDS = 60.0


# -- what a store hands out ---------------------------------------------------------------------
@dataclass(frozen=True)
class TeacherView:
    """What the teacher shows now."""

    page: str  # one of PAGES
    params: dict[str, str]  # the page's share-link query parameters (validated again by the page, like a URL)
    version: int  # increases with every publish that changed (page, params)
    updated: float  # time.time() of that publish


@dataclass(frozen=True)
class Question:
    """A question asked at a Decode step, with the model's answer and the class's counts."""

    id: int  # 1, 2, ... per room
    kind: str  # "attend" | "token" | "choice" (KINDS)
    step: int  # the Decode step it was asked at (the row asked about is index `step`); choice: the lesson's step
    options: tuple[str, ...]  # source tokens, or candidate tokens
    right: tuple[int, ...]  # indices of the right options (the model's argmax / its chosen token)
    weights: tuple[float, ...]  # attend: the model's attention row over the options; token: their probabilities
    counts: tuple[int, ...]  # answers per option
    revealed: bool
    asked: float  # time.time()
    again_of: int = 0  # the question this one asks again (a second vote after discussion), 0 for a first

    @classmethod
    def from_fields(cls, qid: int, fields: dict, counts: Sequence[int], revealed: bool, asked: float) -> Question:
        """The question `qid` of a checked question's fields (`checked_question`), its counts and state."""
        return cls(
            id=qid,
            kind=fields["kind"],
            step=fields["step"],
            options=tuple(fields["options"]),
            right=tuple(fields["right"]),
            weights=tuple(fields["weights"]),
            counts=tuple(counts),
            revealed=revealed,
            asked=asked,
            again_of=fields["again_of"],
        )

    @property
    def answers(self) -> int:
        """How many answered."""
        return sum(self.counts)

    def share_right(self) -> float | None:
        """The share of answers that were right, None when nobody answered."""
        total = self.answers
        return None if total == 0 else sum(self.counts[i] for i in self.right) / total


@dataclass(frozen=True)
class Presence:
    """What a member's heartbeat learns about the room."""

    teacher_here: bool  # the teacher's page was seen within `away_seconds`
    locked: bool  # the room takes no newcomers


@dataclass(frozen=True)
class Admission:
    """Who may take a seat: the teacher's rules and how many hold a seat or wait for one."""

    approval: bool  # newcomers wait until the teacher admits them
    cap: int  # seats the teacher allows (at most `Limits.max_students`)
    seats: int  # members holding a seat now
    waiting: int  # newcomers waiting for the teacher's approval


@dataclass(frozen=True)
class Roster:
    """Who is in the room now."""

    following: int  # members seen within live_seconds and following
    exploring: int  # members seen within live_seconds and exploring on their own


# -- checks of values written ---------------------------------------------------------------------
def check_cap(cap: object, limits: Limits) -> int:
    """`cap` if it is a whole number of seats in 1..limits.max_students, else ValueError."""
    if not _whole(cap) or not 1 <= cap <= limits.max_students:
        raise ValueError(f"a class takes 1 to {limits.max_students} students")
    return int(cap)


def check_members(members: object, limit: int = 10_000) -> list[str]:
    """`members` as a list of distinct member ids (at most `limit`), else ValueError."""
    if isinstance(members, str | bytes) or not isinstance(members, Sequence) or len(members) > limit:
        raise ValueError(f"a list of at most {limit} member ids")
    return list(dict.fromkeys(check_member(member) for member in members))


def check_teacher(teacher: object) -> str | None:
    """`teacher` if it is None or a teacher's key (a member id's shape), else ValueError."""
    return None if teacher is None else check_member(teacher)


def check_member(member: object) -> str:
    """`member` if it is a member id (`codes.new_member_id`'s shape), else ValueError."""
    if not isinstance(member, str) or not _MEMBER.fullmatch(member):
        raise ValueError("a member id is 1 to 64 letters, digits, '-' or '_'")
    return member


def checked_view(page: object, params: object) -> tuple[str, dict[str, str]]:
    """(page, params sorted by name), or ValueError: a page of PAGES, params str -> str within the bounds."""
    if page not in PAGES:
        raise ValueError(f"a class shows one of the pages {', '.join(PAGES)}")
    if not isinstance(params, Mapping) or len(params) > MAX_PARAMS:
        raise ValueError(f"a view's parameters are a mapping of at most {MAX_PARAMS} names")
    for key, value in params.items():
        if not isinstance(key, str) or not 0 < len(key) <= MAX_PARAM_KEY:
            raise ValueError(f"a view's parameter names are text of 1 to {MAX_PARAM_KEY} characters")
        if not isinstance(value, str) or len(value) > MAX_PARAM_VALUE:
            raise ValueError(f"a view's parameter values are text of at most {MAX_PARAM_VALUE} characters")
    return str(page), {key: params[key] for key in sorted(params)}


def view_json(page: str, params: Mapping[str, str]) -> str:
    """The one JSON text of a checked view (sorted, compact: equal views are equal texts)."""
    return json.dumps({"page": page, "params": dict(params)}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _whole(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def is_option(option: object, n: int) -> bool:
    """Whether `option` is an index of a question's `n` options (a whole number, not a bool)."""
    return _whole(option) and 0 <= option < n


def checked_question(
    kind: object, step: object, options: object, right: object, weights: object, again_of: object = 0
) -> dict:
    """A question's fields as plain lists (the JSON stored), or ValueError for a bad kind or shape.
    `again_of`: the id of the question this one asks again, 0 for a first question."""
    if kind not in KINDS:
        raise ValueError(f"a question's kind is one of {', '.join(KINDS)}")
    if not _whole(step) or not 0 <= step <= MAX_STEP:
        raise ValueError(f"a question's step is a whole number in 0..{MAX_STEP}")
    if isinstance(options, str | bytes) or not isinstance(options, Sequence) or not 0 < len(options) <= MAX_OPTIONS:
        raise ValueError(f"a question has 1 to {MAX_OPTIONS} options")
    if not all(isinstance(text, str) and len(text) <= MAX_OPTION_CHARS for text in options):
        raise ValueError(f"a question's options are text of at most {MAX_OPTION_CHARS} characters")
    n = len(options)
    if isinstance(right, str | bytes) or not isinstance(right, Sequence) or not 0 < len(right) <= n:
        raise ValueError("a question has at least one right option")
    if not all(_whole(i) and 0 <= i < n for i in right) or len(set(right)) != len(right):
        raise ValueError("a question's right options are distinct indices of its options")
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence) or len(weights) != n:
        raise ValueError("a question has one weight per option")
    if not all(isinstance(w, Real) and not isinstance(w, bool) and 0.0 <= w <= 1.0 for w in weights):
        raise ValueError("a question's weights are numbers in 0..1")  # NaN fails the comparison too
    total = math.fsum(float(w) for w in weights)
    if (kind == "attend" and abs(total - 1.0) > 0.01) or total > 1.01:
        raise ValueError("an attention row sums to 1; candidates' probabilities to at most 1")
    if not _whole(again_of) or not 0 <= again_of <= 2**52:
        raise ValueError("a question asked again names the id of the question it repeats")
    return {
        "kind": str(kind),
        "step": int(step),
        "options": [str(text) for text in options],
        "right": sorted(int(i) for i in right),
        "weights": [float(w) for w in weights],
        "again_of": int(again_of),
    }


# -- checks of values read back -------------------------------------------------------------------
def _float(raw: object) -> float | None:
    """A finite number from a stored value (str, bytes or number), else None."""
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    if isinstance(raw, bool) or not isinstance(raw, str | int | float) or (isinstance(raw, str) and len(raw) > 40):
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def plausible_time(raw: object) -> float | None:
    """A stored wall-clock time between EARLIEST_TIME and LATEST_TIME, else None."""
    value = _float(raw)
    return value if value is not None and EARLIEST_TIME <= value <= LATEST_TIME else None


def _int(raw: object, low: int, high: int) -> int | None:
    """A whole number in low..high from a stored value, else None."""
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    if isinstance(raw, str) and len(raw) <= 20 and re.fullmatch(r"-?[0-9]+", raw):
        raw = int(raw)
    return raw if _whole(raw) and low <= raw <= high else None


def _text(raw: object, limit: int) -> str | None:
    """Stored text (str or UTF-8 bytes) of at most `limit` bytes, else None."""
    if isinstance(raw, bytes):
        if len(raw) > limit:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return raw if isinstance(raw, str) and len(raw) <= limit else None


def _json(raw: object, limit: int) -> object:
    """Stored JSON text parsed, or None."""
    text = _text(raw, limit)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def room_alive(teacher: object, seen: object, now: float, idle_seconds: float) -> str | None:
    """The teacher's token hash of a stored room that is well-formed and not expired at `now`, else None."""
    teacher = _text(teacher, 64)
    seen = plausible_time(seen)
    if teacher is None or not _HASH.fullmatch(teacher) or seen is None:
        return None
    if not now - idle_seconds <= seen <= now + idle_seconds:  # expired, or a time that cannot be
        return None
    return teacher


def parse_view(raw: object, version: object, updated: object) -> TeacherView | None:
    """A stored view (JSON {"page", "params"}, its version and time) checked as one written, or None."""
    data = _json(raw, MAX_VIEW_BYTES)
    version = _int(version, 1, 2**62)
    updated = plausible_time(updated)
    if not isinstance(data, dict) or set(data) != {"page", "params"} or version is None or updated is None:
        return None
    try:
        page, params = checked_view(data["page"], data["params"])
    except ValueError:
        return None
    return TeacherView(page=page, params=params, version=version, updated=updated)


def question_json(fields: dict, asked: float) -> str:
    """The stored JSON of a checked question (`checked_question`) asked at `asked`."""
    return json.dumps({**fields, "asked": asked}, ensure_ascii=False, separators=(",", ":"))


def parse_question(qid: object, meta: object, counts: object, revealed: object) -> Question | None:
    """A question from its stored parts, checked as one written (counts: a JSON list or a list), or None."""
    qid = _int(qid, 1, 2**62)
    data = meta if isinstance(meta, dict) else _json(meta, MAX_QUESTION_BYTES)
    counts = counts if isinstance(counts, list | tuple) else _json(counts, 16 * MAX_OPTIONS)
    # "again_of" is optional: a question stored before second votes existed has none.
    if qid is None or not isinstance(data, dict) or set(data) - {"again_of"} != {*_QUESTION_FIELDS, "asked"}:
        return None
    if not isinstance(revealed, bool) or not isinstance(counts, list | tuple):
        return None
    try:
        fields = checked_question(*(data[name] for name in _QUESTION_FIELDS), again_of=data.get("again_of", 0))
    except ValueError:
        return None
    asked = data["asked"]
    if isinstance(asked, bool) or not isinstance(asked, int | float) or plausible_time(asked) is None:
        return None
    if len(counts) != len(fields["options"]) or not all(_whole(c) and 0 <= c <= 10**9 for c in counts):
        return None
    return Question.from_fields(qid, fields, tuple(int(c) for c in counts), revealed, float(asked))


_QUESTION_FIELDS = ("kind", "step", "options", "right", "weights")


# -- the interface --------------------------------------------------------------------------------
class RoomStore(ABC):
    """Where live classes live. Every method may raise StoreUnavailable (the Redis store, Redis down).

    A `code` argument is normalised (`codes.normalise_code`); a malformed one is NoSuchClass. A
    `member` is a member id (`codes.new_member_id`); another shape is ValueError. The teacher's
    calls (`token`) keep the room alive; a wrong token is NotTeacher.
    """

    limits: Limits

    @abstractmethod
    def create(self, client: str = "local", teacher: str | None = None) -> tuple[str, str]:
        """Open a room: (join code, teacher token). TooManyClasses when `client` (a `client_key`) started
        `limits.creates` already; ServerFull when `max_rooms` are open (a room whose teacher has not been
        seen for `idle_seconds` is closed first). `teacher`: who started it (`check_teacher`: a key of the teacher's
        browser, the same for every class it starts), whose classes share `limits.teacher_joins`; None: the room
        counts its newcomers per class only."""

    @abstractmethod
    def end(self, code: str, token: str) -> None:
        """Close the room; afterwards every call on its code is NoSuchClass."""

    @abstractmethod
    def is_teacher(self, code: str, token: object) -> bool:
        """Whether `token` drives this open room (False for a room that is not open)."""

    @abstractmethod
    def touch_teacher(self, code: str, token: str) -> None:
        """The teacher was seen now: the room stays open another `idle_seconds`."""

    @abstractmethod
    def join(self, code: object, member: str, client: str = "local", strikes: int = 0) -> None:
        """Add a member (seen now, following; joining again keeps its mode and is allowed in a locked room).

        A newcomer waits (`Waiting`; its page calls again) while the room requires approval, until `admit`; then
        its next join takes its seat. ClassLocked for a newcomer to a locked room; ClassFull beyond the cap
        (`admission`); WaitingRoomFull beyond `max_waiting`. TooManyAttempts past `limits.joins` newcomers to the
        class (TooManyNewcomers past `limits.teacher_joins` to all the classes of its teacher), or past
        `limits.failed_joins` wrong codes from `client` for a session that sent `strikes` > 0 of them itself (a
        wrong code slows only the sessions that send them). Removed members hold no seat.
        Members not seen for `gone_seconds` lose their seats (pruned on the teacher's calls and joins) and their
        answer to the open question leaves its counts (a question never counts more answers than seats);
        answers to closed questions stay, the class's record. A member gone comes back without approval."""

    @abstractmethod
    def heartbeat(self, code: str, member: str, following: bool) -> Presence:
        """A member was seen now, following or exploring: whether the teacher is here and the room locked.
        NoSuchClass for one that has not joined."""

    @abstractmethod
    def lock(self, code: str, token: str, locked: bool) -> None:
        """Lock the room (no newcomers; members stay and may join again) or unlock it."""

    @abstractmethod
    def presence(self, code: str, member: str | None = None) -> Presence:
        """Whether the teacher is here and the room locked; with `member`, NoSuchClass unless it holds a seat
        (read only: a stream asks without keeping the seat, which only its page's heartbeat keeps)."""

    @abstractmethod
    def stream_presence(self, code: str, member: str, stream: str, claim: bool = False) -> Presence:
        """`presence(code, member)` for `stream` (a fresh id of one event stream of `member`), holding the rule of one
        stream per member across every replica: `claim` (a stream's first call) makes it the member's one stream in
        the room; a later call raises StreamReplaced once another stream of the member claimed it since (a claim
        not renewed for STREAM_CLAIM_SECONDS lapses, and the next call takes it again). NoSuchClass, and no claim,
        for a member that holds no seat."""

    @abstractmethod
    def roster(self, code: str) -> Roster:
        """The members seen within `live_seconds`, following and exploring."""

    @abstractmethod
    def publish(self, code: str, token: str, page: str, params: Mapping[str, str]) -> int:
        """Show (page, params) to the class: its version (the same when the view did not change)."""

    @abstractmethod
    def view(self, code: str) -> TeacherView | None:
        """What the teacher shows now; None before the first publish."""

    def ask(
        self,
        code: str,
        token: str,
        kind: str,
        step: int,
        options: Sequence[str],
        right: Sequence[int],
        weights: Sequence[float],
        again_of: int = 0,
        replacing: int | None = None,
    ) -> int:
        """Ask a question (closing the previous one): its id. ValueError for a bad shape (`checked_question`).
        `again_of`: the id of an earlier question this one asks again (a second vote), else 0. `replacing`: the id
        of the question the teacher's page showed as current when it offered Ask (0: none); when the room's current
        question is another by now, nothing is asked and the current one's id is returned. So a click that reaches
        the server twice (a stale button, one press delivered twice) asks once. None: ask regardless."""
        fields = checked_question(kind, step, options, right, weights, again_of)
        if replacing is not None and not is_option(replacing, 2**52):
            raise ValueError(f"replacing must be a question's id or 0, not {replacing!r}")
        return self._ask(code, token, fields, replacing)

    @abstractmethod
    def _ask(self, code: str, token: str, fields: dict, replacing: int | None) -> int:
        """`ask` once the question is checked: `fields` as `checked_question` returns them; nothing asked when
        `replacing` is not None and the current question's id (0: none) is not it. TooManyQuestions beyond
        `limits.max_questions`."""

    @abstractmethod
    def answer(self, code: str, question: int, member: str, option: int) -> None:
        """Count a member's answer, once: until the reveal a later answer replaces its first (the count moves from
        the old option to the new). QuestionClosed (not the current question), AnswerRevealed, BadAnswer;
        NoSuchClass for a non-member."""

    @abstractmethod
    def reveal(self, code: str, token: str, question: int) -> None:
        """Show the model's answer: the question stays current, revealed, and takes no more answers."""

    @abstractmethod
    def current_question(self, code: str) -> Question | None:
        """The question asked last, or None."""

    @abstractmethod
    def questions(self, code: str) -> list[Question]:
        """Every question of the room, oldest first."""

    @abstractmethod
    def answered(self, code: str, question: int, member: str) -> int | None:
        """The option a member chose, or None."""

    # -- the teacher's hand on the members and the rounds, and the events pushed to followers --
    @abstractmethod
    def members(self, code: str, token: str) -> list[str]:
        """The teacher's list of the room's members (ids, oldest first; removed ones left out)."""

    def remove(self, code: str, token: str, member: str) -> None:
        """Remove a member: it can no longer answer, heartbeat or join this room again, its seat is free for a
        newcomer, and its answers leave every question's counts (the teacher said it does not belong)."""
        self.remove_many(code, token, [member])

    @abstractmethod
    def remove_many(self, code: str, token: str, members: Sequence[str]) -> None:
        """`remove` each of `members` (seated or waiting), in one step."""

    @abstractmethod
    def admission(self, code: str, token: str) -> Admission:
        """The teacher's rules for newcomers, and the seats held and waiting."""

    @abstractmethod
    def set_admission(self, code: str, token: str, approval: bool, cap: int) -> None:
        """Require approval for newcomers or not; allow `cap` seats (1..max_students, else ValueError)."""

    @abstractmethod
    def waiting(self, code: str, token: str) -> list[str]:
        """The newcomers waiting for approval (ids, oldest first); those not seen for `gone_seconds` are gone."""

    @abstractmethod
    def admit(self, code: str, token: str, members: Sequence[str]) -> int:
        """Let these waiting newcomers take a seat while the cap allows: how many (the others wait on)."""

    @abstractmethod
    def clear(self, code: str, token: str, question: int) -> None:
        """Clear a round: the question's answers are forgotten and it is open again (not revealed)."""

    @abstractmethod
    def member_secret(self) -> bytes:
        """The secret that signs member ids (member_ids.py): 32 random bytes, shared by every replica."""

    @abstractmethod
    def listen(self, callback: Callable[[str, dict], None]) -> None:
        """Call `callback(code, event)` (explorer.classrooms.events, checked) for every change a follower must
        hear, of every room, whichever replica made it. The callback runs in a thread of the store's."""
