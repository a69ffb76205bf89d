"""Which room store a server uses: ``open_store()`` reads the environment (kept apart from store.py, which
both stores import, so that choosing one imports neither cycle)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from explorer.classrooms.store import Limits, RoomStore


def open_store(env: Mapping[str, str] = os.environ) -> RoomStore:
    """The Redis store when ATTENTION_EXPLORER_REDIS_URL is set (not blank), else the embedded one.

    An invalid URL is a ValueError that says what a valid one looks like. Nothing connects yet.
    """
    limits = Limits.from_env(env)
    url = env.get("ATTENTION_EXPLORER_REDIS_URL", "").strip()
    if url:
        from explorer.classrooms.redis_store import RedisStore

        return RedisStore(url, limits)
    from explorer.classrooms.memory import MemoryStore

    return MemoryStore(limits)
