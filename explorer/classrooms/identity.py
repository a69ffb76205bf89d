"""Which class a browser tab teaches or follows, as the tab keeps it (sessionStorage) across reloads.

The tab's own storage holds the teacher's token or the student's member id, never the URL: the URL is
on the projector. What comes back from a browser is untrusted text, so `read` checks every part
(`Identity` or None); the store then decides whether the token still drives the class, or whether the
member may join again (explorer.ui.classes.memory).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from explorer.classrooms.codes import normalise_code
from explorer.classrooms.store import check_member

ROLES = ("teacher", "student")
MAX_CHARS = 300  # a stored identity's JSON: a role, a code and a 43- or 32-character secret
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # codes.new_token's shape


@dataclass(frozen=True)
class Identity:
    """A tab's role in a class: the teacher (secret: the token) or a student (secret: the member id)."""

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
    if role == "student":
        try:
            check_member(secret)
        except ValueError:
            return None
    return Identity(role=role, code=code, secret=secret)
