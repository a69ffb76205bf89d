"""A feature's one state object in the session (issue 61: instead of loose session keys), read the same way by
every feature: explorer.ui.train.state's TrainTab, explorer.lessons.player's LessonTab,
explorer.ui.classes.state's ClassTab."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TypeVar

T = TypeVar("T")


def held(session: MutableMapping, key: str, kind: type[T], make: Callable[[], T] | None = None) -> T:
    """The session's `kind` under `key`, made (`make`, else `kind()`) on first use; a value of another type found
    there (an older version's, or a hostile one) is replaced, never a crash."""
    found = session.get(key)
    if not isinstance(found, kind):
        found = session[key] = (make or kind)()
    return found
