"""The live class's event stream: ``GET /api/class-events?code=CODE&member=MEMBER`` (server-sent events).

A following student's page opens it once (explorer.ui.classes.push's component, with the browser's own
EventSource, which reconnects by itself). The stream first sends the room's current view (so a page that
reconnects, after Wi-Fi dropped or a replica died, resumes from what the teacher shows now), then every
change the store announces (explorer.classrooms.events, fed across replicas by Redis pub/sub), merged per
room at most every `events.Hub.min_interval`. While it is open it counts the member as present and
following (a heartbeat every HEARTBEAT_SECONDS, in a worker thread), so a following page runs no Python
at all while the teacher does nothing; it tells the page when the teacher goes away or comes back.

A member has one stream (events.Hub): its newer stream replaces this one, which says "replaced" and ends;
the page then stops listening (two tabs of one browser, one member, would otherwise take turns).

Only a member of the room gets a stream (the store's heartbeat decides: an unknown, removed or ended
member gets one "gone" event and the stream ends). Nothing here is user text: codes and member ids are
checked shapes, and the events are JSON that the page reads with JSON.parse.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time

from explorer.classrooms import events
from explorer.classrooms.codes import normalise_code
from explorer.classrooms.store import _MEMBER, ClassError, NoSuchClass, StoreUnavailable

PATH = "/api/class-events"
HEARTBEAT_SECONDS = 5.0  # as explorer.classrooms.follow.HEARTBEAT_SECONDS: a member's presence in the room
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


frame = events.sse_frame


async def _beat(code: str, member: str) -> dict:
    """The member's heartbeat: {"kind": "presence", "here": bool} or a "gone"/"unavailable" event."""
    try:
        presence = await asyncio.to_thread(_store().heartbeat, code, member, True)
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


async def stream(code: str, member: str):
    """The events of room `code` for `member`, as server-sent-event text, until the room ends or the
    member is gone (the browser closing the stream cancels this generator)."""
    sub = hub().subscribe(code, member)
    try:
        yield f"retry: {RETRY_MS}\n\n"
        beat = await _beat(code, member)
        if beat["kind"] != "presence":
            yield frame(beat)
            return
        current = await _view(code)
        if current is not None:
            yield frame(current)
        asked = await _question(code)
        if asked is not None:
            yield frame(asked)
        yield frame(beat)
        last, last_beat = beat, time.monotonic()
        while True:
            timeout = max(0.1, min(PING_SECONDS, last_beat + HEARTBEAT_SECONDS - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):  # (no task per wait, as asyncio.wait_for makes)
                    await sub.ready.wait()
            for event, text in sub.take():
                if event["kind"] == "lost":  # events may be missing: the current view, and presence now
                    event, last_beat = await _view(code), 0.0
                    if event is None:
                        continue
                    text = frame(event)
                if event["kind"] == "unavailable":
                    last = event  # the next heartbeat that succeeds says so
                yield text
                if event["kind"] in ("ended", "removed", "gone", "replaced"):
                    return
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                beat, last_beat = await _beat(code, member), time.monotonic()
                if beat["kind"] == "gone":
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
    """The route's handler: 400 for a malformed code or member id, else the stream."""
    from starlette.responses import PlainTextResponse, StreamingResponse

    code = normalise_code(request.query_params.get("code", ""))
    member = request.query_params.get("member", "")
    if code is None or not _MEMBER.fullmatch(member):
        return PlainTextResponse("a class code and a member id are needed", status_code=400)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # nginx: pass each event at once
    return StreamingResponse(stream(code, member), media_type="text/event-stream", headers=headers)


def routes() -> list:
    """The app's own routes (st.App(routes=...)): the class event stream."""
    from starlette.routing import Route

    return [Route(url_path(), endpoint, methods=["GET"])]
