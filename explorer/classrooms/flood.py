"""A rate limit per browser session: a flood of messages slows its sender, not the class.

Every Streamlit session is one websocket (``/_stcore/stream``): a click, a widget change, a fragment's
timer each arrive on it as one message that makes the server run the page's script. nginx sees none of
them (it only counts connections and HTTP requests), and the per-address limits must stay loose enough
for a whole school behind one NAT address. So the app itself meters each websocket: `SessionRateLimit`,
an ASGI middleware (st.App(middleware=...)), takes a token from the connection's bucket for each message
it reads; an empty bucket makes that connection wait (its next message is read later), which delays only
the session that floods: other sessions' messages, and the class's event streams, go on.

A bucket holds `burst` tokens and refills at `rate` a second: a page opening (a few messages), a student
answering, a teacher pressing Step as fast as a clicker goes (a few a second), Decode's Play at its fastest
(a fragment run every 0.1 s) never wait; 70,000 reruns from one tab are served at `rate` a second, and
Streamlit runs a session's script one run at a time, so the flood costs at most that session's runs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

RATE_PER_SECOND = 10.0  # Decode's fastest Play (0.1 s a step) is 10 fragment runs a second
BURST = 40.0
STREAM_SUFFIX = "/_stcore/stream"


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


class SessionRateLimit:
    """ASGI middleware: each Streamlit websocket's messages are read at most `rate` a second (after a burst)."""

    def __init__(self, app, rate: float = RATE_PER_SECOND, burst: float = BURST, suffix: str = STREAM_SUFFIX):
        self.app, self.rate, self.burst, self.suffix = app, rate, burst, suffix

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "websocket" or not str(scope.get("path", "")).endswith(self.suffix):
            await self.app(scope, receive, send)
            return
        bucket = Bucket(self.rate, self.burst)

        async def metered():
            message = await receive()
            if message.get("type") == "websocket.receive":
                wait = bucket.take(time.monotonic())
                if wait > 0:
                    await asyncio.sleep(wait)
            return message

        await self.app(scope, metered, send)
