"""A rate limit per browser session and per client address: a flood of messages slows its senders, not the class.

Every Streamlit session is one websocket (``/_stcore/stream``): a click, a widget change, a fragment's
timer each arrive on it as one message that makes the server run the page's script. nginx sees none of
them (it only counts connections and HTTP requests), and the per-address limits must stay loose enough
for a whole school behind one NAT address. So the app itself meters each websocket: `SessionRateLimit`,
an ASGI middleware (st.App(middleware=...)), takes a token from the connection's bucket for each message
it reads, and one from its client address's bucket (shared by every websocket from that address); an empty
bucket makes that connection wait (its next message is read later), which delays only the sessions that
flood: ten tabs of one attacker share their address's budget, not ten budgets.

The teacher's page has a budget of its own. The middleware names each websocket (the SOCKET_HEADER header it
adds to the connection's request, which Streamlit hands the session as st.context.headers; a client's own
header of that name is dropped), and the teacher's session registers its socket (`Sockets.teach`): its messages
then take from its own bucket only, never from its address's, which the students and any flood in the room
share. So the teacher's clicks are read at once whatever the room sends, and after each the students' messages
of its address wait until a teacher's run has started (`Sockets.teacher_ran`), at most TEACHER_FIRST_S: the
teacher's run starts ahead of any run the room asks for meanwhile. From then on the run turns
(explorer.classrooms.runs) hold the students' runs until the teacher's has ended; holding their messages the
whole TEACHER_FIRST_S as well made every follower of a teacher's move start a second late (issue 62: a phone
within 2 s of a lesson's start; a school's teacher and students share one address).

A bucket holds `burst` tokens and refills at `rate` a second: a page opening (a few messages), a student
answering, a teacher pressing Step as fast as a clicker goes (a few a second) never wait; 70,000 reruns from
one tab are served at `rate` a second, and Streamlit runs a session's script one run at a time, so the flood
costs at most that session's runs. An address's bucket holds a hall's reruns at once (a follower reruns once
when the teacher opens another page, spread over 1.5 s).
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import threading
import time
from dataclasses import dataclass

from explorer.classrooms.held_log import HeldLog
from explorer.classrooms.store import client_key

RATE_PER_SECOND = 10.0  # a websocket's messages a second after its burst (a clicker's Steps are a few a second)
BURST = 40.0
ADDRESS_RATE_PER_SECOND = 4.0  # every student websocket of one client address together (a run costs 0.1-0.3 s)
ADDRESS_BURST = 600.0  # a hall of 400 rerunning once when the teacher opens another page, and more
TEACHER_RATE_PER_SECOND = 20.0  # the teacher's own budget
TEACHER_BURST = 80.0
# After a teacher's message, students' messages wait until a teacher's run has started, at most this long: the
# teacher's run starts ahead of any the room asks for meanwhile (a Step, a question), so the teacher's screen is not
# behind the class.
TEACHER_FIRST_S = 1.0
STREAM_SUFFIX = "/_stcore/stream"
SOCKET_HEADER = "x-ae-socket"  # the middleware's name for a websocket (st.context.headers)
_HELD = HeldLog(__name__)  # a message held 2 s or more by its budget is said in the log


@dataclass
class Bucket:
    """A token bucket: `take(now)` is the seconds to wait before this event may go (0 when it may now)."""

    rate: float
    burst: float
    tokens: float | None = None  # None: full on first use (below 0: owed, the sender waits)
    last: float = 0.0

    def take(self, now: float) -> float:
        if self.tokens is None:
            self.tokens, self.last = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Sockets:
    """This process's websockets: their names, which are teachers', and the client addresses' buckets."""

    def __init__(self, address_rate: float = ADDRESS_RATE_PER_SECOND, address_burst: float = ADDRESS_BURST) -> None:
        self.address_rate, self.address_burst = address_rate, address_burst
        self._lock = threading.Lock()
        self._open: dict[str, str] = {}  # socket name -> its client address (client_key)
        self._teachers: set[str] = set()
        self._addresses: dict[str, tuple[Bucket, int]] = {}  # address -> (its bucket, its sockets open)
        self._prefix, self._count = secrets.token_hex(4), itertools.count()
        self._teacher_spoke: dict[str, float] = {}  # address -> when a teacher's socket there last sent
        self._teacher_ran = float("-inf")  # when a teacher's run last started in this process

    def opened(self, address: str) -> str:
        name = f"{self._prefix}-{next(self._count)}"
        with self._lock:
            self._open[name] = address
            bucket, n = self._addresses.get(address) or (Bucket(self.address_rate, self.address_burst), 0)
            self._addresses[address] = (bucket, n + 1)
        return name

    def closed(self, name: str) -> None:
        with self._lock:
            address = self._open.pop(name, None)
            self._teachers.discard(name)
            if address is None:
                return
            bucket, n = self._addresses[address]
            if n <= 1:  # the address's last socket: nothing kept of it
                del self._addresses[address]
                self._teacher_spoke.pop(address, None)
            else:
                self._addresses[address] = (bucket, n - 1)

    def teach(self, name: object) -> bool:
        """The socket `name` (from st.context.headers) is a teacher's: its own budget from its next message.
        False for a name that is no open socket of this process."""
        with self._lock:
            if not isinstance(name, str) or name not in self._open:
                return False
            self._teachers.add(name)
            return True

    def is_teacher(self, name: str) -> bool:
        with self._lock:
            return name in self._teachers

    def teacher_spoke(self, name: str, now: float) -> None:
        """A teacher's socket sent a message at `now`: its address's students wait TEACHER_FIRST_S."""
        with self._lock:
            address = self._open.get(name)
            if address is not None:
                self._teacher_spoke[address] = now

    def teacher_ran(self, now: float) -> None:
        """A teacher's run started at `now` (explorer.ui.classes.turns): the students held since a teacher's message
        before it are read now (their runs wait for the teacher's in their turn)."""
        with self._lock:
            self._teacher_ran = now

    def address_wait(self, name: str, now: float) -> float:
        """Seconds the socket `name` waits for its address's budget (0 for a teacher's socket)."""
        with self._lock:
            if name in self._teachers:
                return 0.0
            address = self._open.get(name, "")
            held = self._addresses.get(address)
            wait = 0.0 if held is None else held[0].take(now)
            spoke = self._teacher_spoke.get(address)
            if spoke is not None:
                if now - spoke >= TEACHER_FIRST_S or self._teacher_ran >= spoke:
                    del self._teacher_spoke[address]
                else:
                    wait = max(wait, spoke + TEACHER_FIRST_S - now)
            return wait


SOCKETS = Sockets()  # this process's (the app's middleware and its teacher's pages share it)


def _client(scope) -> str:
    client = scope.get("client")
    return client_key(client[0] if client else None)


class SessionRateLimit:
    """ASGI middleware: each Streamlit websocket's messages are read at most `rate` a second (after a burst), and
    all of one address's student websockets' at most its `Sockets` budget; a teacher's socket has its own."""

    def __init__(
        self,
        app,
        rate: float = RATE_PER_SECOND,
        burst: float = BURST,
        suffix: str = STREAM_SUFFIX,
        sockets: Sockets | None = None,
    ):
        self.app, self.rate, self.burst, self.suffix = app, rate, burst, suffix
        self.sockets = sockets if sockets is not None else SOCKETS

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "websocket" or not str(scope.get("path", "")).endswith(self.suffix):
            await self.app(scope, receive, send)
            return
        sockets = self.sockets
        name = sockets.opened(_client(scope))
        own, teaching = Bucket(self.rate, self.burst), Bucket(TEACHER_RATE_PER_SECOND, TEACHER_BURST)
        headers = [(k, v) for k, v in scope.get("headers") or [] if bytes(k).lower() != SOCKET_HEADER.encode()]
        scope = {**scope, "headers": [*headers, (SOCKET_HEADER.encode(), name.encode("ascii"))]}

        async def metered():
            message = await receive()
            if message.get("type") == "websocket.receive":
                now = time.monotonic()
                teacher = sockets.is_teacher(name)
                if teacher:
                    sockets.teacher_spoke(name, now)
                    wait = teaching.take(now)
                else:
                    wait = max(own.take(now), sockets.address_wait(name, now))
                _HELD.held(wait, now, "a %s's websocket message: its rate budget", "teacher" if teacher else "student")
                if wait > 0:
                    await asyncio.sleep(wait)
            return message

        try:
            await self.app(scope, metered, send)
        finally:
            sockets.closed(name)
