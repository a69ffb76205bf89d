"""Member ids are issued by the server, never accepted from a client (issue 65): explorer.classrooms.member_ids.

A member id chosen by a client (any shape, a store's old 32 hex digits included, or the issued shape with a
signature of its own) is refused; an issued one is accepted by every replica sharing the store's secret, for
its lifetime only. The middleware gives a page without a valid id a fresh one in an HttpOnly cookie.
"""

from __future__ import annotations

import asyncio

import pytest

from explorer.classrooms import codes, member_ids
from explorer.classrooms.member_ids import COOKIE, MemberCookie, MemberIds
from explorer.classrooms.memory import MemoryStore
from tests import redis_server as servers
from tests import test_class_store as contract

redis_url = servers.redis_url
clock = contract.clock

SECRET = bytes(range(32))


def test_an_issued_id_is_accepted_and_a_chosen_one_is_not(clock):
    ids = MemberIds(SECRET, clock=clock)
    member = ids.issue()
    assert ids.verify(member) == member
    assert len(member) == 46 and codes.normalise_code(member) is None
    forged = member[:24] + ("A" if member[24] != "A" else "B") + member[25:]  # its own "signature"
    chosen = [codes.new_member_id(), "a" * 46, forged, member + "x", member[:-1], "", None, 46, member.upper()]
    for raw in chosen:
        assert ids.verify(raw) is None, raw
    assert MemberIds(bytes(32), clock=clock).verify(member) is None  # another server's secret


def test_an_id_lasts_its_lifetime(clock):
    ids = MemberIds(SECRET, lifetime_seconds=3600, clock=clock)
    member = ids.issue()
    assert ids.max_age(member) == 3600
    clock.advance(3599)
    assert ids.verify(member) == member and ids.max_age(member) == 1
    clock.advance(2)
    assert ids.verify(member) is None


def test_replicas_sharing_a_redis_share_the_secret(redis_url):
    from explorer.classrooms.redis_store import RedisStore

    one, two = (RedisStore(redis_url, prefix="ids-shared:") for _ in range(2))
    assert one.member_secret() == two.member_secret() and len(one.member_secret()) == 32
    assert RedisStore(redis_url, prefix="ids-other:").member_secret() != one.member_secret()
    member = MemberIds(one.member_secret()).issue()
    assert MemberIds(two.member_secret()).verify(member) == member
    assert MemoryStore().member_secret() != MemoryStore().member_secret()


def _answer(app_type: bytes, cookie: str | None) -> dict[bytes, list[bytes]]:
    """The headers the middleware sends for one GET answered with `app_type`, the request carrying `cookie`."""

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", app_type)]})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    headers = [(b"cookie", f"other=1; {COOKIE}={cookie}".encode())] if cookie is not None else []
    scope = {"type": "http", "scheme": "http", "path": "/", "headers": headers}
    asyncio.run(MemberCookie(app, lambda: IDS)(scope, receive, send))
    found: dict[bytes, list[bytes]] = {}
    for name, value in sent[0]["headers"]:
        found.setdefault(name, []).append(value)
    return found


IDS = MemberIds(SECRET)


@pytest.mark.parametrize("sent", [None, "", "0123456789abcdef0123456789abcdef", "my-own-choice"])
def test_a_page_without_an_issued_id_gets_one_in_an_httponly_cookie(sent):
    cookie = _answer(b"text/html; charset=utf-8", sent)[b"set-cookie"][0].decode()
    name, _, rest = cookie.partition("=")
    member, *attributes = rest.split("; ")
    assert name == COOKIE and IDS.verify(member) == member and member != sent
    assert {"Path=/", "HttpOnly", "SameSite=Lax"} <= set(attributes)
    assert 0 < int(next(a for a in attributes if a.startswith("Max-Age="))[8:]) <= member_ids.LIFETIME_SECONDS


def test_a_page_with_an_issued_id_keeps_it_and_scripts_get_no_cookie():
    member = IDS.issue()
    assert b"set-cookie" not in _answer(b"text/html", member)
    assert b"set-cookie" not in _answer(b"application/javascript", None)
