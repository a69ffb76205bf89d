"""Member ids issued by the server, never chosen by a client: signed, in an HttpOnly cookie, never in a URL.

A member id is the credential that answers for a student, so a browser never makes one up (a scripted client
once joined with 400 ids of its own choosing, and an id could be read from the logs that held the event
stream's URL). `MemberIds.issue` makes one: 96 random bits, the time it was issued and an HMAC-SHA256 of both
under the server's secret (the room store's, `RoomStore.member_secret`: every replica sharing a Redis agrees);
`verify` accepts only such an id, within `LIFETIME_SECONDS` of its issue. Text of the same shape that the server
did not sign is refused, whatever it claims.

`MemberCookie`, an ASGI middleware (st.App(middleware=...)), gives every browser that opens a page without a
valid id a fresh one, in the cookie COOKIE: HttpOnly (no script of the page can read it), SameSite=Lax (sent
with the page's own requests and a join link opened from elsewhere, never with another site's requests),
Secure over HTTPS, and lasting as long as the id is valid. The page's websocket and its event stream carry it
back by themselves: Streamlit's session reads it from the websocket's handshake (st.context.cookies), the
event stream from its request (`from_headers`); neither puts it in a URL, so no access log holds it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterable

COOKIE = "ae_member"
LIFETIME_SECONDS = 12 * 3600  # a school day: longer than any class lasts (a class closes 10 min after its teacher)
_SHAPE = re.compile(r"([A-Za-z0-9_-]{16})([0-9a-f]{8})([A-Za-z0-9_-]{22})")
_SKEW_SECONDS = 300.0  # replicas' clocks may differ this much


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


class MemberIds:
    """Issue and verify member ids under `secret` (at least 16 bytes); the clock is injected for tests."""

    def __init__(
        self, secret: bytes, lifetime_seconds: float = LIFETIME_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        if not isinstance(secret, bytes) or len(secret) < 16:
            raise ValueError("a member id secret is at least 16 random bytes")
        self._secret, self.lifetime_seconds, self._clock = secret, lifetime_seconds, clock

    def _mac(self, nonce: str, issued: str) -> str:
        return _b64(hmac.new(self._secret, f"{nonce}{issued}".encode("ascii"), hashlib.sha256).digest()[:16])

    def issue(self) -> str:
        """A fresh member id (46 characters: letters, digits, '-' and '_', a store's member id shape)."""
        nonce, issued = _b64(secrets.token_bytes(12)), f"{int(self._clock()) & 0xFFFFFFFF:08x}"
        return nonce + issued + self._mac(nonce, issued)

    def verify(self, raw: object) -> str | None:
        """`raw` if this server issued it and it is still valid, else None (never raises)."""
        found = _SHAPE.fullmatch(raw) if isinstance(raw, str) else None
        if found is None:
            return None
        nonce, issued, mac = found.groups()
        if not hmac.compare_digest(mac, self._mac(nonce, issued)):
            return None
        age = self._clock() - int(issued, 16)
        return raw if -_SKEW_SECONDS <= age <= self.lifetime_seconds else None

    def max_age(self, member: str) -> int:
        """Seconds `member` (a verified id) stays valid: its cookie's Max-Age."""
        issued = int(member[16:24], 16)
        return max(0, int(issued + self.lifetime_seconds - self._clock()))


def from_cookie_header(header: object) -> str | None:
    """The value of COOKIE in a Cookie header's text (the first one), or None."""
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    if not isinstance(header, str) or len(header) > 8192:
        return None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value.strip()
    return None


def from_headers(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The value of COOKIE in an ASGI scope's headers, or None."""
    for name, value in headers:
        if bytes(name).lower() == b"cookie":
            found = from_cookie_header(value)
            if found is not None:
                return found
    return None


def set_cookie(member: str, max_age: int, secure: bool) -> str:
    """The Set-Cookie header's value that gives a browser `member`."""
    return f"{COOKIE}={member}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")


def _secure(scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    return any(bytes(k).lower() == b"x-forwarded-proto" and bytes(v).strip() == b"https" for k, v in scope["headers"])


class MemberCookie:
    """ASGI middleware: a page (an HTML answer) to a browser without a valid member id gives it one (COOKIE).

    `ids` returns the server's MemberIds (None while it cannot: the store's secret unreachable, say; the page is
    then served without a cookie and the next one tries again)."""

    def __init__(self, app, ids: Callable[[], MemberIds | None]) -> None:
        self.app, self.ids = app, ids

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        held = from_headers(scope.get("headers") or [])

        async def with_cookie(message):
            if message.get("type") == "http.response.start":
                headers = list(message.get("headers") or [])
                html = any(
                    bytes(k).lower() == b"content-type" and bytes(v).startswith(b"text/html") for k, v in headers
                )
                ids = self.ids() if html else None
                if ids is not None and ids.verify(held) is None:
                    member = ids.issue()
                    cookie = set_cookie(member, ids.max_age(member), _secure(scope))
                    message = {**message, "headers": [*headers, (b"set-cookie", cookie.encode("ascii"))]}
            await send(message)

        await self.app(scope, receive, with_cookie)
