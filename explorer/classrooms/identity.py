"""Which class a browser tab teaches or follows, as the tab keeps it (sessionStorage) across reloads.

The tab's own storage holds the teacher's token, never the URL: the URL is on the projector. A student's
member id is not the tab's to keep (a page's scripts could read it): the tab keeps that it follows the class
(secret IN_COOKIE), and the member id is the browser's HttpOnly cookie (explorer.classrooms.member_ids).
What comes back from a browser is untrusted text, so `read` checks every part
(`Identity` or None); the store then decides whether the token still drives the class, or whether the
member may join again (explorer.ui.classes.memory).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from explorer.classrooms.codes import normalise_code

ROLES = ("teacher", "student")
MAX_CHARS = 300  # a stored identity's JSON: a role, a code and a 43- or 32-character secret
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # codes.new_token's shape
IN_COOKIE = "cookie"  # a student's secret as the tab keeps it: the member id is the browser's HttpOnly cookie


@dataclass(frozen=True)
class Identity:
    """A tab's role in a class: the teacher (secret: the token) or a student (secret: IN_COOKIE)."""

    role: str  # one of ROLES
    code: str  # the class's normalised join code
    secret: str


def write(identity: Identity) -> str:
    """The text the tab keeps."""
    return json.dumps({"role": identity.role, "code": identity.code, "secret": identity.secret}, sort_keys=True)


def read(raw: object) -> Identity | None:
    """The identity in text a tab gave back, or None for anything that is not exactly one `write` made."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_CHARS:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != {"role", "code", "secret"}:
        return None
    role, code, secret = data["role"], normalise_code(data["code"]), data["secret"]
    if role not in ROLES or code is None or code != data["code"] or not isinstance(secret, str):
        return None
    if role == "teacher" and not _TOKEN.fullmatch(secret):
        return None
    if role == "student" and secret != IN_COOKIE:
        return None
    return Identity(role=role, code=code, secret=secret)
