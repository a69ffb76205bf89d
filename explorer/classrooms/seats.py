"""Seats held by live pages, not by bare streams: this process's heartbeats for the students whose page is open.

A student keeps its seat while its page is open: its Streamlit session, connected over the page's websocket. A
pushed follower's page runs no Python while the teacher does nothing, and an event stream is no page (a script
can hold thousands of streams with no page behind them), so neither can keep a seat. `SeatKeeper` holds, for this
process, the seat of each page that joined (`hold`, on every run of the page); every `every` seconds it sends one
heartbeat per page that is still connected (`live(page)`: the Streamlit runtime knows), and forgets a page that
is not. The store does the rest: a member not seen for `Limits.gone_seconds` loses its seat, and its answer to
the open question leaves the counts (RoomStore.join). A page that comes back (a reload, a phone waking up) holds
its seat again on its next run.

No streamlit here: `live` is injected (explorer.ui.classes.stream gives Streamlit's), and `beat` runs one round,
so tests drive it without a thread or a clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from explorer.classrooms.store import ClassError, RoomStore, StoreUnavailable

HEARTBEAT_SECONDS = 5.0  # well within Limits.live_seconds (15 s) and gone_seconds (60 s)
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Seat:
    code: str
    member: str
    following: bool


class SeatKeeper:
    """The seats of this process's open pages (page: a Streamlit session id), kept by one heartbeat each."""

    def __init__(self, store: RoomStore, live: Callable[[str], bool], every: float = HEARTBEAT_SECONDS) -> None:
        self.store, self.live, self.every = store, live, every
        self._seats: dict[str, Seat] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def hold(self, page: str, code: str, member: str, following: bool) -> None:
        """Page `page` holds `member`'s seat in class `code` (following the teacher or exploring)."""
        with self._lock:
            self._seats[page] = Seat(code, member, bool(following))
        self.start()

    def release(self, page: str) -> None:
        """Page `page` left its class (or the class left it)."""
        with self._lock:
            self._seats.pop(page, None)

    def held(self) -> dict[str, Seat]:
        with self._lock:
            return dict(self._seats)

    def beat(self) -> int:
        """One round: a heartbeat for each live page's seat; pages gone, or whose seat is gone (the store says
        NoSuchClass, Removed...), are forgotten. The number of heartbeats sent."""
        sent = 0
        for page, seat in self.held().items():
            if not self.live(page):
                self.release(page)
                continue
            try:
                self.store.heartbeat(seat.code, seat.member, seat.following)
                sent += 1
            except StoreUnavailable:  # the store is away: the next round tries again
                continue
            except (ClassError, ValueError):  # the seat is gone: the page's next run finds out and says so
                self.release(page)
        return sent

    def start(self) -> None:
        """The heartbeats' thread (a daemon; started once, by the first seat held)."""
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="class-seats", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.beat()
            except Exception:  # never let the keeper die: seats would then all go
                _log.exception("the class seats' heartbeat failed")
