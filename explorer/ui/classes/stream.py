"""The live class's event stream: ``GET /api/class-events?code=CODE`` (server-sent events), for the member whose
id the browser's HttpOnly cookie carries (explorer.classrooms.member_ids: issued by the server, never in the URL).

A following student's page opens it once (explorer.ui.classes.push's component, with the browser's own
EventSource, which reconnects by itself). The stream first sends the room's current view (so a page that
reconnects, after Wi-Fi dropped or a replica died, resumes from what the teacher shows now), then every
change the store announces (explorer.classrooms.events, fed across replicas by Redis pub/sub), merged per
room at most every `events.Hub.min_interval`. Every PRESENCE_SECONDS it asks the store whether the member still
holds its seat and whether the teacher is here (a read: a stream keeps no seat, its page's session does, through
this process's `explorer.ui.classes.state.keeper()`), so a following page runs no Python at all while the
teacher does nothing; it tells
the page when the teacher goes away or comes back. One client address holds at most STREAMS_PER_ADDRESS streams
in a process; beyond, 429 (the page retries with backoff).

A member has one stream (events.Hub): its newer stream replaces this one, which says "replaced" and ends;
the page then stops listening (two tabs of one browser, one member, would otherwise take turns). Across replicas
the store holds the rule: each stream claims its member in the room (`RoomStore.stream_presence`, a Redis key with
an expiry), and a stream whose claim another stream took, on any replica, says "replaced" at its next heartbeat.

Only a member of the room gets a stream (the store decides: an unknown, removed, gone or ended member gets one
"gone" event and the stream ends); a request without an issued member id is refused (403). Nothing here is user
text: codes and member ids are checked shapes, and the events are JSON that the page reads with JSON.parse.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
import threading
import time

from explorer.classrooms import events, member_ids
from explorer.classrooms.codes import normalise_code
from explorer.classrooms.store import ClassError, NoSuchClass, StoreUnavailable, StreamReplaced, client_key

PATH = "/api/class-events"
PRESENCE_SECONDS = 5.0  # how often a stream asks whether its member holds a seat and the teacher is here
STREAMS_PER_ADDRESS = int(os.environ.get("ATTENTION_EXPLORER_CLASS_STREAMS_PER_ADDRESS", "0") or 0) or 2000
PING_SECONDS = 15.0  # a comment line keeps proxies from closing an idle stream
RETRY_MS = 2000  # EventSource's wait before it reconnects


def url_path() -> str:
    """The stream's path under Streamlit's server.baseUrlPath (what the page's EventSource opens)."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{PATH}" if base else PATH


def _store():
    # The pages' own store (one per process, st.cache_resource); outside a script run Streamlit only notes
    # that it has no script context, which is expected here.
    for name in ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from explorer.ui.classes.state import rooms

    return rooms()


@functools.cache
def hub() -> events.Hub:
    """This process's hub, listening to the store's events from its first use."""
    made = events.Hub()

    def heard(code: str, event: dict) -> None:
        if event["kind"] == "lost":  # the Redis listener missed events: every room resyncs
            for room in made.rooms():
                made.deliver(room, event)
        else:
            made.deliver(code, event)

    _store().listen(heard)
    return made


class _Addresses:
    """Streams open per client address in this process."""

    def __init__(self) -> None:
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, address: str, limit: int) -> bool:
        with self._lock:
            if self._open.get(address, 0) >= limit:
                return False
            self._open[address] = self._open.get(address, 0) + 1
            return True

    def give(self, address: str) -> None:
        with self._lock:
            left = self._open.get(address, 0) - 1
            if left > 0:
                self._open[address] = left
            else:
                self._open.pop(address, None)


ADDRESSES = _Addresses()
frame = events.sse_frame


async def _beat(code: str, member: str, stream_id: str, claim: bool = False) -> dict:
    """Whether the member holds its seat: {"kind": "presence", "here": bool} or a "gone"/"unavailable" event; or
    "replaced" when another stream of the member, on any replica, claimed it since (`claim`: this one does now)."""
    try:
        presence = await asyncio.to_thread(_store().stream_presence, code, member, stream_id, claim)
    except StreamReplaced:
        return {"kind": "replaced"}
    except StoreUnavailable:
        return {"kind": "unavailable"}
    except (ClassError, ValueError):  # ended, expired, removed, never a member
        return {"kind": "gone"}
    return {"kind": "presence", "here": presence.teacher_here}


async def _view(code: str) -> dict | None:
    try:
        view = await asyncio.to_thread(_store().view, code)
    except NoSuchClass:
        return {"kind": "gone"}
    except ClassError:
        return {"kind": "unavailable"}
    if view is None:
        return None
    return {"kind": "view", "page": view.page, "params": view.params, "version": view.version}


async def _question(code: str) -> dict | None:
    """The room's current question as {"kind": "question", "id", "revealed"} (id 0: none), or None."""
    try:
        question = await asyncio.to_thread(_store().current_question, code)
    except ClassError:
        return None
    if question is None:
        return {"kind": "question", "id": 0, "revealed": False}
    return {"kind": "question", "id": question.id, "revealed": question.revealed}


def _in_hall(code: str, event: dict) -> dict:
    """A view or a question this stream reads itself (on opening, after "lost") says the hall's size as the hub's
    frames do (events.HALL_KINDS): a page that reruns for it spreads the rerun by it (class_follow.js). Without it a
    page spread its rerun over a hall's whole 1.5 s: a phone whose stream opened as the teacher started a lesson
    followed 1 s late (issue 62, bench.lesson_start's first start)."""
    return {**event, "hall": hub().count(code)} if event["kind"] in events.HALL_KINDS else event


async def stream(code: str, member: str):
    """The events of room `code` for `member`, as server-sent-event text, until the room ends or the
    member is gone (the browser closing the stream cancels this generator)."""
    sub = hub().subscribe(code, member)
    stream_id = secrets.token_hex(8)  # this stream's claim on its member, across replicas (RoomStore.stream_presence)
    try:
        yield f"retry: {RETRY_MS}\n\n"
        beat = await _beat(code, member, stream_id, claim=True)
        if beat["kind"] != "presence":
            yield frame(beat)
            return
        current = await _view(code)
        if current is not None:
            yield frame(_in_hall(code, current))
        asked = await _question(code)
        if asked is not None:
            yield frame(_in_hall(code, asked))
        yield frame(beat)
        last, last_beat = beat, time.monotonic()
        while True:
            timeout = max(0.1, min(PING_SECONDS, last_beat + PRESENCE_SECONDS - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):  # (no task per wait, as asyncio.wait_for makes)
                    await sub.ready.wait()
            for event, text in sub.take():
                if event["kind"] == "lost":  # events may be missing: the current view, and presence now
                    event, last_beat = await _view(code), 0.0
                    if event is None:
                        continue
                    text = frame(_in_hall(code, event))
                if event["kind"] == "unavailable":
                    last = event  # the next heartbeat that succeeds says so
                yield text
                if event["kind"] in ("ended", "removed", "gone", "replaced"):
                    return
            if time.monotonic() - last_beat >= PRESENCE_SECONDS:
                beat, last_beat = await _beat(code, member, stream_id), time.monotonic()
                if beat["kind"] in ("gone", "replaced"):
                    yield frame(beat)
                    return
                if beat != last:  # the teacher went or came back, the store went away or came back
                    yield frame(beat)
                    last = beat
                else:
                    yield ": ping\n\n"
    finally:
        hub().unsubscribe(sub)


async def endpoint(request):
    """The route's handler: 400 for a malformed code, 403 without a member id this server issued (the HttpOnly
    cookie; a `member` in the query string is ignored), 429 beyond STREAMS_PER_ADDRESS, else the stream."""
    from starlette.responses import PlainTextResponse, StreamingResponse

    code = normalise_code(request.query_params.get("code", ""))
    if code is None:
        return PlainTextResponse("a class code is needed", status_code=400)
    from explorer.ui.classes.state import ids  # (the pages' module: imported once the server runs)

    issued = ids()
    if issued is None:
        return PlainTextResponse("the class server cannot be reached", status_code=503, headers={"Retry-After": "5"})
    member = issued.verify(member_ids.from_headers(request.scope.get("headers") or []))
    if member is None:
        return PlainTextResponse("a member id issued by this server is needed (reload the page)", status_code=403)
    address = client_key(request.client.host if request.client else None)
    if not ADDRESSES.take(address, STREAMS_PER_ADDRESS):
        headers = {"Retry-After": "10", "X-Refused-By": "ATTENTION_EXPLORER_CLASS_STREAMS_PER_ADDRESS"}
        return PlainTextResponse("too many class streams from this address", status_code=429, headers=headers)

    async def events_then_give_back():
        try:
            async for text in stream(code, member):
                yield text
        finally:
            ADDRESSES.give(address)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # nginx: pass each event at once
    return StreamingResponse(events_then_give_back(), media_type="text/event-stream", headers=headers)


def routes() -> list:
    """The app's own routes (st.App(routes=...)): the class event stream."""
    from starlette.routing import Route

    return [Route(url_path(), endpoint, methods=["GET"])]
