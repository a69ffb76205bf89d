"""Join codes, teacher tokens and member ids of live classes: made with `secrets`, checked without leaking.

- A join code is 6 characters of `ALPHABET`, 32 letters and digits without the look-alikes 0/O and
  1/I (32**6, about a billion codes). `normalise_code` reads what a student typed or a link carried:
  case, spaces and dashes do not matter ("abc-def" is "ABCDEF"); anything else is not a code (None).
- The teacher token is a secret kept by the teacher's browser session (256 random bits); the store
  keeps only its SHA-256 (`token_hash`) and compares in constant time (`token_matches`).
- A member id names one student's session in a room (128 random bits); it is never shown.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I
CODE_LENGTH = 6
_MAX_TYPED = 40  # longer input is not a code (checked before any work on it)


def new_code() -> str:
    """A fresh random join code (`CODE_LENGTH` characters of `ALPHABET`)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: object) -> str | None:
    """The join code `raw` names ("abc-def", " ABC DEF ") in its one written form ("ABCDEF"), or None."""
    if not isinstance(raw, str) or len(raw) > _MAX_TYPED:
        return None
    code = "".join(raw.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def new_token() -> str:
    """A fresh teacher token (URL-safe text, 256 random bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps of a teacher token: its SHA-256, 64 hex digits."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(token: object, stored_hash: str) -> bool:
    """Whether `token` is the one whose hash is `stored_hash` (constant time; False for a non-string)."""
    if not isinstance(token, str) or not isinstance(stored_hash, str):
        return False
    return hmac.compare_digest(token_hash(token), stored_hash)


def new_member_id() -> str:
    """A fresh member id for a student's session (32 hex digits)."""
    return secrets.token_hex(16)
