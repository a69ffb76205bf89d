"""A room's changes pushed to its followers: the events, and the hub that fans them out in one process.

A follower does not ask the store again and again what the teacher shows: the server pushes each change
once, as a small JSON event on the room's event stream (explorer.classrooms.stream, a server-sent-events
route of the app), and the follower's page draws a Decode step from it in the browser (no Python run).

Events (`event_json` writes them, `parse_event` reads and checks them, whatever wrote them):

    {"kind": "view", "page": P, "params": {...}, "version": V}   the teacher's view changed
    {"kind": "question"}                                          a question was asked, revealed or cleared
    {"kind": "ended"}                                             the class ended
    {"kind": "removed", "member": M}                              the teacher removed member M
    {"kind": "lost"}                                              this server missed events (resync)
    {"kind": "replaced"}                                          this member opened a newer stream: this one ends

The hub's frame of a view or a question adds "hall": the streams of the room it went to in this process (how
far a follower spreads the rerun it asks for).

The stores send them (`RoomStore.listen`): the embedded store calls its listeners in the process, the
Redis store publishes them on the channel ``PREFIX events:CODE`` and every replica's listener thread reads
them back (so a follower on replica B hears a teacher on replica A). `Hub` hands an event to every stream
of the room open in this process, from any thread, at most `Hub.min_interval` apart per room: events that
come faster are merged (the latest view wins), so a teacher who floods the room costs each follower at
most one message per interval, not one per click.

The hub holds one stream per member of a room (in each replica's process): a member's new stream replaces
its old one, which hears "replaced" and ends. A reconnect after Wi-Fi dropped replaces a stream the server
has not seen die yet, and a member id cannot hold thousands of streams, each with its heartbeat to the
store. Everything the hub keeps about a room goes with the room's last stream (a room that ends or expires
ends its streams), so a long-running server keeps nothing for the rooms it has seen.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from explorer.classrooms.codes import normalise_code
from explorer.classrooms.store import _MEMBER, checked_view

KINDS = ("view", "question", "ended", "removed", "lost", "replaced")
HALL_KINDS = ("view", "question")  # the events whose frames say the hall's size (Hub._fan_out)
MAX_EVENT_BYTES = 70 * 1024  # a view's JSON is at most 64 KiB (store.MAX_VIEW_BYTES)


def event_json(kind: str, **fields: object) -> str:
    """One event as compact JSON (`kind` one of KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return json.dumps({"kind": kind, **fields}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def view_event(page: str, params: Mapping[str, str], version: int) -> str:
    return event_json("view", page=page, params=dict(params), version=int(version))


def parse_event(raw: object) -> dict | None:
    """An event read back (bytes or text from Redis, or our own), checked: a dict with a known kind and
    well-formed fields, or None. A view is checked like a stored one (store.checked_view)."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_EVENT_BYTES:
            return None
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(raw, str) or len(raw) > MAX_EVENT_BYTES:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return None
    kind = data["kind"]
    if kind == "view":
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 2**62:
            return None
        try:
            page, params = checked_view(data.get("page"), data.get("params"))
        except ValueError:
            return None
        return {"kind": "view", "page": page, "params": params, "version": version}
    if kind == "removed":
        member = data.get("member")
        return {"kind": kind, "member": member} if isinstance(member, str) and _MEMBER.fullmatch(member) else None
    return {"kind": kind}


def channel_code(channel: object, prefix: str) -> str | None:
    """The room code of a Redis channel name ``PREFIX events:CODE``, or None."""
    if isinstance(channel, bytes):
        channel = channel.decode("ascii", "replace")
    head = f"{prefix}events:"
    if not isinstance(channel, str) or not channel.startswith(head):
        return None
    code = channel[len(head) :]
    return code if normalise_code(code) == code else None


def sse_frame(event: dict) -> str:
    """One server-sent event: a `data:` line of JSON (no newline inside: JSON escapes them)."""
    return f"data: {json.dumps(event, ensure_ascii=False, separators=(',', ':'))}\n\n"


@dataclass(eq=False)
class Subscription:
    """One open stream of a room: the events not sent yet (a view replaces the view before it), each with
    its frame (sse_frame, made once per event for every stream of the room)."""

    code: str
    member: str
    loop: asyncio.AbstractEventLoop
    pending: dict[str, tuple[dict, str]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, event: dict, text: str) -> None:  # on the subscription's loop
        self.pending[event["kind"]] = (event, text)
        self.ready.set()

    def take(self) -> list[tuple[dict, str]]:
        """The events waiting with their frames, oldest kind first (a view before a question it may belong to)."""
        events = list(self.pending.values())
        self.pending.clear()
        self.ready.clear()
        return events


class Hub:
    """The streams open in this process, per room and member (one each); `deliver` from any thread."""

    def __init__(self, min_interval: float = 0.05) -> None:
        self.min_interval = min_interval  # per room: events closer than this are merged (the latest wins)
        self._rooms: dict[str, dict[str, Subscription]] = {}  # room -> member -> its one stream
        self._lock = threading.Lock()
        # On the loop only; each holds rooms with streams open (dropped with the room's last stream):
        self._held: dict[str, dict[str, dict]] = {}  # room -> events waiting for the room's next slot
        self._last: dict[str, float] = {}  # room -> loop time of its last fan-out

    def subscribe(self, code: str, member: str) -> Subscription:
        """A stream of room `code` for `member`; the member's earlier stream, if any, hears "replaced"."""
        sub = Subscription(code, member, asyncio.get_running_loop())
        with self._lock:
            old = self._rooms.setdefault(code, {}).get(member)
            self._rooms[code][member] = sub
        if old is not None:
            event = {"kind": "replaced"}
            try:
                old.loop.call_soon_threadsafe(old.put, event, sse_frame(event))
            except RuntimeError:  # its loop closed: nothing left to tell
                pass
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """`sub` leaves (not a newer stream of its member); the room's last stream takes the room's state along."""
        with self._lock:
            subs = self._rooms.get(sub.code)
            if subs is None or subs.get(sub.member) is not sub:
                return
            del subs[sub.member]
            if subs:
                return
            del self._rooms[sub.code]
        self._last.pop(sub.code, None)  # (a fan-out still scheduled pops its held events itself)

    def rooms(self) -> list[str]:
        with self._lock:
            return list(self._rooms)

    def count(self, code: str | None = None) -> int:
        with self._lock:
            return sum(len(s) for c, s in self._rooms.items() if code is None or c == code)

    def deliver(self, code: str, event: dict) -> None:
        """Hand `event` (checked) to every stream of room `code` in this process, from any thread."""
        with self._lock:
            subs = self._rooms.get(code)
            loop = next(iter(subs.values())).loop if subs else None
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._arrive, code, event)
        except RuntimeError:  # the loop closed: the server is stopping
            return

    def _arrive(self, code: str, event: dict) -> None:  # on the loop
        held = self._held.get(code)
        if held is not None:  # a fan-out of this room is already scheduled: merge into it
            held[event["kind"]] = event
            return
        loop = asyncio.get_running_loop()
        wait = self._last.get(code, -1e9) + self.min_interval - loop.time()
        self._held[code] = {event["kind"]: event}
        if wait > 0:
            loop.call_later(wait, self._fan_out, code)
        else:
            self._fan_out(code)

    def _fan_out(self, code: str) -> None:  # on the loop
        events = self._held.pop(code, {})
        with self._lock:
            subs = list(self._rooms.get(code, {}).values())
        if subs:  # only a room with streams is remembered (unsubscribe forgets it with its last one)
            self._last[code] = asyncio.get_running_loop().time()
        # A view's or a question's frame says how many streams of the room this process serves ("hall"): a page
        # spreads the rerun it asks for over a part of its spread that grows with the hall (class_follow.js), so
        # a class of a few phones follows at once and a hall's reruns still come spread out (issue 62).
        framed = [(event, sse_frame({**event, "hall": len(subs)} if event["kind"] in HALL_KINDS else event))
                  for event in events.values()]  # fmt: skip
        for sub in subs:
            for event, text in framed:
                if event["kind"] == "removed" and event.get("member") != sub.member:
                    continue
                sub.put(event, text)
