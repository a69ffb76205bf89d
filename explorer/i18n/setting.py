"""A setting in force per context: what a block chose with `using`, else what an installed source says, else a
default; only allowed values count.

The interface's language (explorer.i18n) and the heatmaps' colour scale (explorer.figures.common) are both
per browser session, yet read deep inside code that knows nothing of Streamlit: the Streamlit layer installs
a reader of the session's choice (`install`), a test or a script sets a value for a block (`using`, in a
contextvars.ContextVar, so threads and contexts never see each other's), and everything else gets the default.
A value the source or a block gives that is not allowed (a stale URL, a catalog gone) reads as the default.
This module sits in explorer/i18n, the lowest layer, and imports nothing of explorer: every layer may use it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Collection, Iterator


class ContextSetting:
    """One setting: `current()` is `using`'s value in this context, else the installed source's, else
    `default`; a value not in `allowed` (a collection, or a function giving one when read) reads as `default`."""

    def __init__(self, name: str, allowed: Collection[str] | Callable[[], Collection[str]], default: str) -> None:
        self._chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar(name, default=None)
        self._allowed = allowed
        self.default = default
        self.source: Callable[[], str | None] | None = None

    def install(self, source: Callable[[], str | None] | None) -> None:
        """Install the function that says the value in force (None: the default unless `using` says so)."""
        self.source = source

    @contextlib.contextmanager
    def using(self, value: str) -> Iterator[None]:
        """`value` is in force inside the block (this thread and context only)."""
        token = self._chosen.set(value)
        try:
            yield
        finally:
            self._chosen.reset(token)

    def current(self) -> str:
        """The value in force: `using`'s, else the installed source's, else the default."""
        value = self._chosen.get()
        if value is None and self.source is not None:
            value = self.source()
        allowed = self._allowed() if callable(self._allowed) else self._allowed
        return value if value in allowed else self.default
