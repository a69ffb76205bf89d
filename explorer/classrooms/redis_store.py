"""The Redis room store: live classes shared by every app replica that talks to one redis-server.

Keys (``prefix`` is "ae:" unless told; CODE is a normalised join code):

- ``ae:secret``              64 hex digits: the secret that signs member ids (`member_secret`), never expiring
- ``ae:rooms``               sorted set: CODE -> when its teacher was last seen (counts open rooms; sweeping)
- ``ae:room:CODE``           hash: ``teacher`` (the token's SHA-256, never the token), ``seen`` (the teacher's
                             last time), ``view`` (JSON {"page", "params"}), ``version``, ``updated``,
                             ``qlast`` (questions asked), ``current`` (the current question's id),
                             ``locked`` ("1" when the room takes no newcomers)
- ``ae:room:CODE:members``   hash: member id -> "SEEN FLAG" (FLAG 1 following, 0 exploring), "R" for a member
                             the teacher removed (refused for good; no seat), or "L" for one that lost its seat
                             while away (it may come back without approval; no seat): the seats are the others
- ``ae:room:CODE:questions`` hash: question id -> JSON {"kind", "step", "options", "right", "weights", "asked"}
- ``ae:room:CODE:counts``    hash: question id -> JSON list of answers per option; "r" + id -> "1" once revealed
- ``ae:room:CODE:answers``   hash: "ID:MEMBER" -> the option chosen (one per member; a change before the reveal
                             replaces it and moves its count)
- ``ae:room:CODE:waiting``   hash: newcomer -> "SEEN" while it waits for the teacher's approval, "A SEEN" once
                             admitted (its seat kept until its next join); ``approval`` ("1") and ``cap`` (seats
                             the teacher allows) are fields of the room's hash, ``pruned`` when members unseen
                             for `gone_seconds` last lost their seats
- ``ae:room:CODE:stream:M`` the id of member M's one event stream (`stream_presence`), on whichever replica;
                             renewed by its heartbeat, lapsing after STREAM_CLAIM_SECONDS
- ``ae:limit:RULE:WHO:N``    a counter of a limit in its fixed window N (`store.window`), expiring with it: RULE
                             creates and failed_joins per client address, joins (newcomers) per class,
                             teacher_joins per teacher (the room's ``owner``: who started it, `create`'s
                             `teacher`; the join script names this counter from the owner it reads)

Every change is one Lua script, so each is atomic: the room is checked (well-formed, not expired by
the store's clock, the teacher's hash matched) in the same step as the write, a join counts the
members and adds one, an answer checks the question and records it, moving the member's count from its
earlier answer when it changes its mind before the reveal; a removal, or a seat given away, takes the
member's answers out of the counts in the same step (RoomStore.join and .remove say which).
Time comes from the store's injected clock (passed to the scripts), so expiry follows it in tests;
the keys also carry a TTL of the idle time plus a margin, renewed by the teacher's calls, so dead
rooms vanish by themselves. Scripts name other rooms' keys when sweeping, so this needs one Redis
(not a cluster), which is what deploy/ runs.

Redis is not trusted to hold well-formed data: reads come back through capped scripts (a hash with
too many fields or a value too long is not read) and are parsed with the checks of
explorer.classrooms.store. A damaged view reads as None, a damaged question is left out, a damaged
room (or a key of the wrong type) is NoSuchClass. A connection lost or timed out (or any other
Redis error) is StoreUnavailable; the client reconnects by itself on the next call.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from explorer.classrooms import codes, errors, events
from explorer.classrooms import redis_scripts as lua
from explorer.classrooms.store import (
    MAX_OPTIONS,
    MAX_QUESTION_BYTES,
    MAX_VIEW_BYTES,
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
    _int,
    check_cap,
    check_member,
    check_members,
    check_teacher,
    checked_view,
    is_option,
    parse_question,
    parse_view,
    plausible_time,
    question_json,
    room_alive,
    view_json,
    window,
)

TTL_MARGIN_SECONDS = 600.0  # a room's keys outlive its idle time by this much (the clock decides, the TTL cleans)
MAX_FIELDS = 20_000  # a hash with more fields than this is damaged, and not read
# A room's hashes read whole, in the order of its keys after its own ("waiting" is read by its own scripts).
_HASHES = ("members", "questions", "counts", "answers")
_ANSWER_REFUSED = {"CLOSED": errors.QuestionClosed, "REVEALED": errors.AnswerRevealed, "BAD": errors.BadAnswer}
URL_HELP = (
    "ATTENTION_EXPLORER_REDIS_URL is not a Redis URL: write redis://HOST:PORT/DB (rediss:// for TLS, "
    "unix:///PATH for a socket), for example redis://127.0.0.1:6379/0"
)


def check_url(url: object) -> str:
    """`url` if it is a Redis URL redis-py can use, else ValueError with `URL_HELP` (the URL itself is
    never repeated: it may hold a password)."""
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        ok = parts is not None and (
            (
                parts.scheme in ("redis", "rediss")
                and re.fullmatch(r"[A-Za-z0-9._:%-]+", parts.hostname or "") is not None
                and (parts.port or 1) > 0
                and re.fullmatch(r"/?[0-9]*", parts.path) is not None
            )
            or (parts.scheme == "unix" and bool(parts.path))
        )
        if ok:
            redis.connection.ConnectionPool.from_url(url)
    except (ValueError, TypeError) as error:
        raise ValueError(URL_HELP) from error
    if not ok:
        raise ValueError(URL_HELP)
    return url


class RedisStore(RoomStore):
    """Rooms in Redis (`RoomStore` documents the methods; the module docstring, the keys)."""

    def __init__(
        self,
        url: str,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.time,
        prefix: str = "ae:",
    ) -> None:
        self.limits = limits or Limits()
        self.prefix = prefix
        self._clock = clock
        self._client = redis.Redis.from_url(
            check_url(url),
            socket_timeout=5,
            socket_connect_timeout=2,
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=2),
            health_check_interval=30,
        )
        script = self._client.register_script
        self._scripts = {
            name: script(lua.PRELUDE + source)
            for name, source in {
                "create": lua.CREATE,
                "end": lua.END,
                "touch": lua.TOUCH,
                "publish": lua.PUBLISH,
                "ask": lua.ASK,
                "reveal": lua.REVEAL,
                "lock": lua.LOCK,
                "join": lua.JOIN,
                "heartbeat": lua.HEARTBEAT,
                "answer": lua.ANSWER,
                "remove": lua.REMOVE,
                "clear": lua.CLEAR,
                "admission": lua.ADMISSION,
                "set_admission": lua.SET_ADMISSION,
                "waiting": lua.WAITING,
                "admit": lua.ADMIT,
            }.items()
        }
        self._read = script(lua.CAPPED + lua.READ)
        self._read_field = script(lua.CAPPED + lua.READ_FIELD)
        self._current = script(lua.CAPPED + lua.CURRENT)
        self._presence_of = script(lua.CAPPED + lua.PRESENCE)
        self._stream_of = script(lua.CAPPED + lua.STREAM)
        self._ttl_ms = str(int((self.limits.idle_seconds + TTL_MARGIN_SECONDS) * 1000))
        self._listeners: list[Callable[[str, dict], None]] = []
        self._listening: threading.Thread | None = None
        self._secret: bytes | None = None

    # -- talking to Redis --
    @contextlib.contextmanager
    def _talking(self) -> Iterator[None]:
        """Redis's errors as the store's: a key of the wrong type is a damaged room, anything else unavailable."""
        try:
            yield
        except redis.exceptions.ResponseError as error:
            if "WRONGTYPE" in str(error):
                raise errors.NoSuchClass() from error
            raise errors.StoreUnavailable() from error
        except redis.exceptions.RedisError as error:
            raise errors.StoreUnavailable() from error

    def _keys(self, code: str) -> list[str]:
        room = f"{self.prefix}room:{code}"
        return [
            room,
            f"{room}:members",
            f"{room}:questions",
            f"{room}:counts",
            f"{room}:answers",
            f"{self.prefix}rooms",
            f"{room}:waiting",
        ]

    def _code(self, code: object) -> str:
        key = codes.normalise_code(code)
        if key is None:
            raise errors.NoSuchClass()
        return key

    def _limit_key(self, name: str, client: str, now: float) -> str:
        """The counter of rule `name` (a Limits field: creates, joins, failed_joins) for `client` now."""
        index, _ = window(now, self._rate(name))
        return f"{self.prefix}limit:{name}:{client}:{index}"

    def _rate(self, name: str) -> Rate:
        return getattr(self.limits, name)

    def _limit_args(self, name: str) -> list[str]:
        """(the limit of rule `name`, its window in ms) as a script's arguments."""
        rate = self._rate(name)
        return [str(rate.count), str(int(rate.window_seconds * 1000))]

    def _wait(self, name: str, now: float) -> int:
        return window(now, self._rate(name))[1]

    def _change(self, name: str, code: str, *args: object, now: float | None = None, extra=()) -> list:
        """Run a changing script on the room `code` (`extra`: keys after the room's seven): its reply, whose
        first item (the outcome) is decoded."""
        now = self._clock() if now is None else now
        idle = self.limits.idle_seconds
        argv = [repr(float(now)), repr(now - idle), repr(now + idle), code, self._ttl_ms, *map(str, args)]
        with self._talking():
            reply = self._scripts[name](keys=[*self._keys(code), *extra], args=argv)
        outcome = reply[0].decode("ascii") if isinstance(reply, list) and reply else ""
        if outcome == "GONE":
            raise errors.NoSuchClass()
        if outcome == "NOT_TEACHER":
            raise errors.NotTeacher()
        return [outcome, *reply[1:]]

    def _teacher(self, name: str, code: object, token: object, *args: object) -> list:
        """A teacher's script: the token's hash goes along (a non-text token is never the teacher)."""
        if not isinstance(token, str):
            self._room_fields(self._code(code))  # NoSuchClass first, as for a wrong token
            raise errors.NotTeacher()
        return self._change(name, self._code(code), codes.token_hash(token), *args)

    def _room_fields(self, code: str, *fields: str, hashes: Sequence[str] = (), limit: int = 200) -> list:
        """The open room's (teacher, seen, *fields), then each of its hashes named in `hashes` ("members",
        "questions", "counts") as a dict, or None when too big. NoSuchClass for a room not open or damaged."""
        keys = self._keys(code)
        names = ["teacher", "seen", *fields]
        read = [keys[0], *(keys[_HASHES.index(name) + 1] for name in hashes)]
        with self._talking():
            reply = self._read(keys=read, args=[MAX_FIELDS, limit, len(names), *names])
        if not isinstance(reply, list) or not isinstance(reply[0], list) or len(reply[0]) != len(names):
            raise errors.NoSuchClass()
        self._check_alive(reply[0])
        whole = [
            dict(zip(flat[::2], flat[1::2], strict=True)) if isinstance(flat, list) else None for flat in reply[1:]
        ]
        return [*reply[0], *whole]

    def _check_alive(self, reply: object) -> None:
        """NoSuchClass unless `reply` starts with the (teacher, seen) of a well-formed room open now."""
        if not isinstance(reply, list) or len(reply) < 2:
            raise errors.NoSuchClass()
        if room_alive(reply[0], reply[1], self._clock(), self.limits.idle_seconds) is None:
            raise errors.NoSuchClass()

    # -- the teacher --
    def create(self, client: str = "local", teacher: str | None = None) -> tuple[str, str]:
        teacher = check_teacher(teacher)
        token = codes.new_token()
        for _ in range(20):
            code, now = codes.new_code(), self._clock()
            counter = self._limit_key("creates", client, now)
            outcome, *_ = self._change(
                "create", code, codes.token_hash(token), self.limits.max_rooms, self.prefix,
                *self._limit_args("creates"), teacher or "", now=now, extra=[counter],
            )  # fmt: skip
            if outcome == "OK":
                return code, token
            if outcome == "WAIT":
                raise errors.TooManyClasses(seconds=self._wait("creates", now))
            if outcome == "FULL":
                raise errors.ServerFull(limit=self.limits.max_rooms)
        raise errors.ServerFull(limit=self.limits.max_rooms)  # twenty codes taken in a row: as good as full

    def end(self, code: str, token: str) -> None:
        self._teacher("end", code, token)
        self._emit(code, "ended")

    def is_teacher(self, code: str, token: object) -> bool:
        key = codes.normalise_code(code)
        if key is None:
            return False
        try:
            teacher = self._room_fields(key)[0]
        except errors.NoSuchClass:
            return False
        return codes.token_matches(token, teacher.decode("ascii"))

    def touch_teacher(self, code: str, token: str) -> None:
        self._teacher("touch", code, token, repr(self.limits.gone_seconds))

    def publish(self, code: str, token: str, page: str, params: Mapping[str, str]) -> int:
        page, params = checked_view(page, params)
        _, version, changed = self._teacher("publish", code, token, view_json(page, params))
        if changed == 1:  # announced by the one call that changed it (the script says so: no memory per room here)
            self._emit(code, "view", page=page, params=params, version=int(version))
        return int(version)

    def _ask(self, code: str, token: str, fields: dict, replacing: int | None) -> int:
        meta = question_json(fields, float(self._clock()))
        zeros = "[" + ",".join("0" * len(fields["options"])) + "]"
        expected = "" if replacing is None else replacing
        outcome, *rest = self._teacher("ask", code, token, meta, zeros, self.limits.max_questions, expected)
        if outcome == "TOO_MANY":
            raise errors.TooManyQuestions(limit=self.limits.max_questions)
        if outcome == "MOVED":  # asked already (the script compared the current question in the same step)
            return int(rest[0])
        self._emit(code, "question")
        return int(rest[0])

    def lock(self, code: str, token: str, locked: bool) -> None:
        self._teacher("lock", code, token, "1" if locked else "0")

    def reveal(self, code: str, token: str, question: int) -> None:
        qid = _int(question, 1, 2**52)
        outcome, *_ = self._teacher("reveal", code, token, qid or 0)
        if outcome != "OK":
            raise ValueError(f"this class has no question {question!r}")
        self._emit(code, "question")

    def clear(self, code: str, token: str, question: int) -> None:
        qid = _int(question, 1, 2**52) if not isinstance(question, str | bytes) else None
        outcome, *_ = self._teacher("clear", code, token, qid or 0)
        if outcome != "OK":
            raise ValueError(f"this class has no question {question!r}")
        self._emit(code, "question")

    def members(self, code: str, token: str) -> list[str]:
        self._teacher("touch", code, token, repr(self.limits.gone_seconds))
        found = self._room_fields(self._code(code), hashes=["members"], limit=64)[2] or {}
        seen = []
        for raw, value in found.items():
            member = raw.decode("ascii", "replace")
            when = plausible_time(value.partition(b" ")[0])
            if when is not None and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", member):
                seen.append((when, member))
        return [member for _when, member in sorted(seen)]

    def remove_many(self, code: str, token: str, members: Sequence[str]) -> None:
        members = check_members(members)
        for start in range(0, len(members), 500):  # a script's arguments in reasonable batches
            self._teacher("remove", code, token, self.limits.max_questions, *members[start : start + 500])
        for member in members:
            self._emit(code, "removed", member=member)

    def admission(self, code: str, token: str) -> Admission:
        _, approval, cap, seats, waiting, _admitted = self._teacher(
            "admission", code, token, repr(self.limits.gone_seconds), self.limits.max_students
        )
        return Admission(approval == b"1", int(cap), int(seats), int(waiting))

    def set_admission(self, code: str, token: str, approval: bool, cap: int) -> None:
        cap = check_cap(cap, self.limits)
        self._teacher("set_admission", code, token, "1" if approval else "0", cap)

    def waiting(self, code: str, token: str) -> list[str]:
        _, *flat = self._teacher("waiting", code, token, repr(self.limits.gone_seconds), MAX_FIELDS)
        found = []
        for raw, value in zip(flat[::2], flat[1::2], strict=False):
            member = raw.decode("ascii", "replace") if isinstance(raw, bytes) else ""
            when = plausible_time(value)
            if when is not None and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", member):
                found.append((when, member))
        return [member for _when, member in sorted(found)]

    def admit(self, code: str, token: str, members: Sequence[str]) -> int:
        members = check_members(members)
        _, done = self._teacher(
            "admit", code, token, repr(self.limits.gone_seconds), self.limits.max_students, *members
        )
        return int(done)

    def member_secret(self) -> bytes:
        """The secret under ``PREFIX secret`` (64 hex digits), written by the first replica that asks."""
        if self._secret is None:
            with self._talking():
                self._client.set(f"{self.prefix}secret", secrets.token_hex(32), nx=True)
                stored = self._client.get(f"{self.prefix}secret")
            if not isinstance(stored, bytes) or not re.fullmatch(rb"[0-9a-f]{64}", stored):
                raise errors.StoreUnavailable()  # damaged: no member id can be issued or verified until repaired
            self._secret = bytes.fromhex(stored.decode("ascii"))
        return self._secret

    # -- events: published on the room's channel, read back by every replica's listener --
    def _emit(self, code: object, kind: str, **fields: object) -> None:
        """Publish an event on the room's channel. A change already made stays made if this fails: the
        followers' streams resync from the store when they reconnect."""
        key = codes.normalise_code(code)
        if key is None:
            return
        try:
            self._client.publish(f"{self.prefix}events:{key}", events.event_json(kind, **fields))
        except redis.exceptions.RedisError:
            return

    def listen(self, callback: Callable[[str, dict], None]) -> None:
        self._listeners.append(callback)
        if self._listening is None:
            self._listening = threading.Thread(target=self._listen_forever, name="class-events", daemon=True)
            self._listening.start()

    def _listen_forever(self) -> None:
        """Read the rooms' channels for as long as the process lives; after a lost connection, tell every
        listener that events may be missing ("lost": streams resync from the store)."""
        pattern, wait, missed = f"{self.prefix}events:*", 0.2, False
        while True:
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(pattern)
                wait = 0.2
                if missed:  # back after a lost connection: what was published meanwhile is gone
                    missed = False
                    for listener in list(self._listeners):
                        listener("", {"kind": "lost"})
                while True:
                    message = pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    code = events.channel_code(message.get("channel"), self.prefix)
                    event = events.parse_event(message.get("data"))
                    if code is not None and event is not None:
                        for listener in list(self._listeners):
                            listener(code, event)
            except redis.exceptions.RedisError:
                missed = True
                for listener in list(self._listeners):
                    listener("", {"kind": "lost"})
                time.sleep(wait)
                wait = min(wait * 2, 5.0)

    # -- the students --
    def join(self, code: object, member: str, client: str = "local", strikes: int = 0) -> None:
        check_member(member)
        limits, now = self.limits, self._clock()
        key = codes.normalise_code(code)
        if key is None:  # a malformed code is a wrong code: counted in the client's failed joins
            key = "-"  # no room has this name, so the script finds none
        counters = [self._limit_key("failed_joins", client, now), self._limit_key("joins", key, now)]
        teacher_window = window(now, limits.teacher_joins)[0]
        outcome, *rest = self._change(
            "join", key, member, limits.max_students, repr(limits.gone_seconds),
            *self._limit_args("failed_joins"), *self._limit_args("joins"), int(strikes > 0), limits.max_waiting,
            *self._limit_args("teacher_joins"), f"{self.prefix}limit:teacher_joins:", teacher_window,
            now=now, extra=counters,
        )  # fmt: skip
        if outcome == "WAIT_FAILED":
            raise errors.TooManyAttempts(seconds=self._wait("failed_joins", now))
        if outcome == "WAIT_JOINS":
            raise errors.TooManyAttempts(seconds=self._wait("joins", now))
        if outcome == "WAIT_TEACHER":
            raise errors.TooManyNewcomers(seconds=self._wait("teacher_joins", now))
        if outcome == "LOCKED":
            raise errors.ClassLocked()
        if outcome == "REMOVED":
            raise errors.Removed()
        if outcome == "WAITING":
            raise errors.Waiting()
        if outcome == "WAITING_FULL":
            raise errors.WaitingRoomFull()
        if outcome == "FULL":
            cap = _int(rest[0], 1, limits.max_students) if rest else None
            raise errors.ClassFull(limit=cap or limits.max_students)

    def heartbeat(self, code: str, member: str, following: bool) -> Presence:
        check_member(member)
        now = self._clock()
        _, seen, locked = self._change("heartbeat", self._code(code), member, 1 if following else 0, now=now)
        return self._presence(seen, locked, now)

    def _presence(self, seen: object, locked: object, now: float) -> Presence:
        seen = plausible_time(seen)
        here = seen is not None and now - seen <= self.limits.away_seconds
        return Presence(teacher_here=here, locked=locked == b"1")

    def presence(self, code: str, member: str | None = None) -> Presence:
        now = self._clock()
        if member is None:
            _, seen, locked = self._room_fields(self._code(code), "locked")
            return self._presence(seen, locked, now)
        check_member(member)
        keys = self._keys(self._code(code))
        with self._talking():
            reply = self._presence_of(keys=keys[:2], args=[member])
        self._check_alive(reply)
        entry = reply[3] if len(reply) == 4 else b""
        if plausible_time(entry.partition(b" ")[0] if isinstance(entry, bytes) else None) is None:
            raise errors.NoSuchClass()  # not a member, removed ('R') or gone ('L')
        return self._presence(reply[1], reply[2], now)

    def stream_presence(self, code: str, member: str, stream: str, claim: bool = False) -> Presence:
        check_member(member)
        now, keys = self._clock(), self._keys(self._code(code))
        claim_ms = str(int(STREAM_CLAIM_SECONDS * 1000))
        with self._talking():
            reply = self._stream_of(
                keys=[*keys[:2], f"{keys[0]}:stream:{member}"], args=[member, str(stream), int(bool(claim)), claim_ms]
            )
        self._check_alive(reply)
        entry = reply[3] if len(reply) == 5 else b""
        if plausible_time(entry.partition(b" ")[0] if isinstance(entry, bytes) else None) is None:
            raise errors.NoSuchClass()  # not a member, removed ('R') or gone ('L')
        if reply[4] != b"1":
            raise StreamReplaced()
        return self._presence(reply[1], reply[2], now)

    def answer(self, code: str, question: int, member: str, option: int) -> None:
        check_member(member)
        code = self._code(code)
        qid = _int(question, 1, 2**52) if not isinstance(question, str | bytes) else None
        if not is_option(option, MAX_OPTIONS):
            qid = qid or 0  # still NoSuchClass or QuestionClosed first, as the embedded store says
            outcome, *_ = self._change("answer", code, member, qid, -1)
        else:
            outcome, *_ = self._change("answer", code, member, qid or 0, int(option))
        error = _ANSWER_REFUSED.get(outcome)
        if error is not None:
            raise error()

    # -- what everyone reads --
    def roster(self, code: str) -> Roster:
        members = self._room_fields(self._code(code), hashes=["members"], limit=64)[2] or {}
        horizon = self._clock() - self.limits.live_seconds
        following = exploring = 0
        for value in members.values():
            seen, _, flag = value.partition(b" ")
            seen = plausible_time(seen)
            if seen is None or seen < horizon or flag not in (b"0", b"1"):
                continue
            following += flag == b"1"
            exploring += flag == b"0"
        return Roster(following=following, exploring=exploring)

    def view(self, code: str) -> TeacherView | None:
        fields = self._room_fields(self._code(code), "view", "version", "updated", limit=MAX_VIEW_BYTES)
        return parse_view(*fields[2:])

    def current_question(self, code: str) -> Question | None:
        keys = self._keys(self._code(code))
        with self._talking():
            reply = self._current(keys=[keys[0], keys[2], keys[3]], args=[MAX_QUESTION_BYTES])
        self._check_alive(reply)
        if len(reply) != 6 or _int(reply[2], 1, 2**52) is None:
            return None
        return parse_question(reply[2], reply[3], reply[4], reply[5] == b"1")

    def questions(self, code: str) -> list[Question]:
        fields = self._room_fields(self._code(code), hashes=["questions", "counts"], limit=MAX_QUESTION_BYTES)
        stored, counts = fields[2:]
        if stored is None or counts is None:
            return []
        found = []
        for raw_id, meta in stored.items():
            qid = _int(raw_id, 1, 2**52)
            if qid is None:
                continue
            question = parse_question(qid, meta, counts.get(raw_id), counts.get(b"r" + raw_id) == b"1")
            if question is not None:
                found.append(question)
        return sorted(found, key=lambda q: q.id)

    def answered(self, code: str, question: int, member: str) -> int | None:
        check_member(member)
        keys = self._keys(self._code(code))
        qid = _int(question, 1, 2**52) if not isinstance(question, str | bytes) else None
        with self._talking():
            reply = self._read_field(keys=[keys[0], keys[4]], args=[100, f"{qid or 0}:{member}"])
        self._check_alive(reply)
        return _int(reply[2], 0, MAX_OPTIONS - 1) if len(reply) == 3 else None
