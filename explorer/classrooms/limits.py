"""The limits of live classes: how much a server holds, the times that decide presence and expiry, and the rates
per client address, per class and per teacher (`Limits`, read from the ATTENTION_EXPLORER_CLASS_* settings), the
fixed windows they are counted in (`window`), and the client a per-address limit counts (`client_key`).
explorer.classrooms.store re-exports them for the stores and their callers."""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass


def _env_number(env: Mapping[str, str], name: str, kind: type, default, low, high):
    """`env[name]` read as `kind` within low..high, else `default` (never raises)."""
    raw = env.get(name)
    if not isinstance(raw, str) or len(raw) > 20:
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        return default
    return value if low <= value <= high else default  # also refuses NaN


@dataclass(frozen=True)
class Rate:
    """At most `count` events per client address in a fixed window of `window_seconds`."""

    count: int
    window_seconds: float


@dataclass(frozen=True)
class Limits:
    """How much a server holds, the times that decide presence and expiry, and the limits per client address.

    The per-client limits are sized for a whole school behind one NAT address: a class of 400 students
    joining (with a quarter of them mistyping the code once or twice) and a dozen teachers starting classes.
    """

    max_rooms: int = 100  # classes open at once (on one server, or on every replica sharing one Redis)
    max_students: int = 400  # members per room (a lecture hall)
    idle_seconds: float = 10 * 60.0  # a room closes this long after the teacher was last seen
    away_seconds: float = 15.0  # the teacher is "away" when not seen this long (its page calls every 3 s)
    live_seconds: float = 15.0  # a member counts as present when seen within this
    join_attempts: int = 10  # failed join attempts per session per window (the page's own limit)
    join_window_seconds: float = 60.0
    max_questions: int = 200  # questions per room (TooManyQuestions beyond)
    # A member not seen for this long gives its place to a newcomer when the class is full (a student who
    # left; a reload keeps its member id and its place). If it comes back it joins again, unless locked out.
    gone_seconds: float = 60.0
    max_waiting: int = 1000  # students waiting for the teacher's approval per room (WaitingRoomFull beyond)
    creates: Rate = Rate(240, 3600.0)  # classes started per client address: a school's (80 teachers, 3 each an hour)
    session_creates: Rate = Rate(12, 3600.0)  # classes started per teacher's page (explorer.classrooms.starts)
    joins: Rate = Rate(1200, 600.0)  # newcomers per class (one joining again is none): scripted joins cannot refill
    # Newcomers to all the classes one teacher started (`create`'s `teacher`): six full halls an hour. A class ended
    # and started again under a fresh code (the old one was taken by scripted joins) does not start a fresh count.
    teacher_joins: Rate = Rate(2400, 3600.0)
    failed_joins: Rate = Rate(400, 60.0)  # wrong codes per address; past it, sessions that sent one wait (`strikes`)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Limits:
        """Limits from the ATTENTION_EXPLORER_CLASS_* settings (docs/configuration.md); a bad value: the default."""
        prefix = "ATTENTION_EXPLORER_CLASS_"

        def number(name: str, kind: type, default, low, high):
            return _env_number(env, prefix + name, kind, default, low, high)

        idle = number("IDLE_MINUTES", float, cls.idle_seconds / 60, 1.0, 7 * 24 * 60.0)
        # At least a minute: a place is never given away while its member's heartbeat (every few seconds)
        # could still come.
        gone = number("GONE_MINUTES", float, cls.gone_seconds / 60, 1.0, 24 * 60.0)
        # At least two of the teacher's page's calls (every 3 s): one late call never makes the teacher away.
        away = number("AWAY_SECONDS", float, cls.away_seconds, 6.0, 3600.0)
        return cls(
            max_rooms=number("MAX_ROOMS", int, cls.max_rooms, 1, 100_000),
            max_students=number("MAX_STUDENTS", int, cls.max_students, 1, 10_000),
            max_waiting=number("MAX_WAITING", int, cls.max_waiting, 1, 100_000),
            idle_seconds=idle * 60.0,
            gone_seconds=gone * 60.0,
            away_seconds=away,
            creates=Rate(number("CREATES_PER_HOUR", int, cls.creates.count, 1, 100_000), 3600.0),
            session_creates=Rate(number("SESSION_CREATES_PER_HOUR", int, cls.session_creates.count, 1, 9999), 3600.0),
            joins=Rate(number("JOINS_PER_10_MINUTES", int, cls.joins.count, 1, 1_000_000), 600.0),
            teacher_joins=Rate(number("TEACHER_JOINS_PER_HOUR", int, cls.teacher_joins.count, 1, 1_000_000), 3600.0),
            failed_joins=Rate(number("WRONG_CODES_PER_MINUTE", int, cls.failed_joins.count, 1, 100_000), 60.0),
        )


def window(now: float, rate: Rate) -> tuple[int, int]:
    """(the index of the fixed window of `rate` that holds `now`, whole seconds until it ends, at least 1)."""
    index = math.floor(now / rate.window_seconds)
    return index, max(1, math.ceil((index + 1) * rate.window_seconds - now))


def client_key(address: object) -> str:
    """The client a per-address limit counts: an IPv4 address, an IPv6 /64 network (one household or
    school network), "local" for no address (Streamlit gives none for loopback), "unknown" otherwise."""
    if address is None or address == "":
        return "local"
    try:
        parsed = ipaddress.ip_address(str(address)[:64])
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address) + "/64"
    return str(parsed)
