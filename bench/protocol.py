"""Streamlit's websocket protocol without a browser: the clients of the load and live-class benchmarks.

`Protocol` sends what a button click sends (BackMsg rerun requests over /_stcore/stream) and reads the
ForwardMsgs of the run; on Decode, "Step", "Back" and "Reset" send what the stepper sends after such a
click in the browser (explorer/ui/decode/stepper.js: its state value, the step it shows). `LiveClient`
keeps a page open, reading in the background and running the frontend's fragment timers, as a student's
browser does. `open_teacher` and `open_follower` start a live class and join it the way a teacher and a
student do (the sticky cookie of the nginx in front of a cluster included).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import json
import random
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

STEP_LINE = re.compile(r"\*\*Step (\d+) of (\d+)\*\*")
ANSWERED = re.compile(r"Question (\d+): \*\*(\d+)\*\* answered")  # the teacher's bar: a question's live count
JOIN_LINK = re.compile(r"[?&]room=([A-Za-z0-9]{6})\b")
STICKY_COOKIE = "ae_replica"  # deploy/nginx.conf.template
MEMBER_COOKIE = "ae_member"  # explorer.classrooms.member_ids.COOKIE: the member id the app issues a browser
RETRY_FIRST_S, RETRY_MOST_S = 1.0, 30.0  # class_follow.js's backoff after a refused stream
FOLLOW_COMPONENT = "attention_explorer.class_follow"  # explorer.ui.classes.push.NAME: a pushed follower's view
STEPPER_COMPONENT = "attention_explorer.heatmap"  # explorer.figures.svg_heatmap.COMPONENT_NAME: Decode's stepper
STEPPER = "(the stepper)"  # what `buttons` holds for Step, Back and Reset: the stepper's, not Streamlit buttons
STEPPER_MOVES = {"Step": 1, "Back": -1, "Reset": None}
# The answers a join can get instead of a class (explorer.classrooms.errors), up to their first placeholder:
REFUSED = (
    "This class is full", "This class is locked", "Too many join attempts", "No class is open with that code",
    "This server has as many classes open", "The teacher removed you", "Live classes are off",
)  # fmt: skip


# -- a client reduced to reruns ---------------------------------------------------------------------------------
class Protocol:
    """A Streamlit client reduced to what a Step click sends: BackMsg rerun requests over /_stcore/stream.

    Measures the server alone (the browser's drawing left out): open the Decode page, then rerun its
    fragment with the Step (or Reset) button's trigger, as the frontend does on a click. `request`
    builds a rerun request and `take` reads one ForwardMsg into the client's state: LiveClient below
    extends both (a client that keeps its websocket open and runs its fragments' timers).
    """

    def __init__(self, websocket, query: str, page_name: str = "Decode"):
        self.ws, self.query, self.page_name = websocket, query, page_name
        self.page_hash, self.fragment, self.buttons, self.step_text = "", "", {}, ""
        self.stepper = ("", "")  # Decode's stepper: (its element id, its fragment)

    def request(self, trigger: str | None = None, fragment: str | None = None, auto: bool = False) -> bytes:
        """A BackMsg rerun request: the page's (its name until the server has told its hash), with the
        trigger of the button labelled `trigger` when given, as a run of `fragment` (default: the
        fragment of the buttons; "" for a full run); `auto`: a fragment's timer (run_every) sent it."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string, state.page_script_hash = self.query, self.page_hash
        if not self.page_hash:
            state.page_name = self.page_name
        if trigger is not None and self.buttons.get(trigger) == STEPPER:  # the stepper's report of its new step
            k, n = self.shown()
            move = STEPPER_MOVES[trigger]
            state.fragment_id = self.stepper[1] if fragment is None else fragment
            widget = state.widget_states.widgets.add()
            widget.id, widget.json_value = (
                self.stepper[0],
                json.dumps({"step": 0 if move is None else min(max(k + move, 0), n)}),
            )
        elif trigger is not None:
            state.fragment_id = self.fragment if fragment is None else fragment
            widget = state.widget_states.widgets.add()
            widget.id, widget.trigger_value = self.buttons[trigger], True
        elif fragment:
            state.fragment_id = fragment
        state.is_auto_rerun = auto
        return message.SerializeToString()

    def take(self, reply) -> str:
        """Read one ForwardMsg into the client's state (page hash, buttons, the "Step k of N" line); its kind."""
        kind = reply.WhichOneof("type")
        if kind == "navigation":  # the page's own hash (new_session's is the main script's, the navigation's)
            self.page_hash = reply.navigation.page_script_hash
        elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
            element = reply.delta.new_element
            if element.WhichOneof("type") == "button":
                self.buttons[element.button.label] = element.button.id
                self.fragment = reply.delta.fragment_id or self.fragment
            elif element.WhichOneof("type") == "markdown" and element.markdown.body.startswith("**Step "):
                self.step_text = element.markdown.body
            elif (
                element.WhichOneof("type") == "bidi_component"
                and element.bidi_component.component_name == STEPPER_COMPONENT
            ):
                data = json.loads(element.bidi_component.json or "{}")
                self.step_text = f"**Step {data.get('step', 0)} of {data.get('steps', 0)}**"  # what it draws
                if data.get("mode") == "step":
                    self.stepper = (element.bidi_component.id, reply.delta.fragment_id)
                    self.buttons.update(dict.fromkeys(STEPPER_MOVES, STEPPER))
        return kind

    async def rerun(self, trigger: str | None = None, timeout_s: float = 60.0) -> int:
        """Send one rerun request and read until the run finishes; returns the ScriptFinished status."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        await self.ws.send(self.request(trigger))
        async with asyncio.timeout(timeout_s):
            while True:
                reply = ForwardMsg()
                reply.ParseFromString(await self.ws.recv())
                if self.take(reply) == "script_finished":
                    return reply.script_finished

    def shown(self) -> tuple[int, int]:
        """(step shown, steps in all) from the page's "**Step k of N**" line."""
        k, n = re.match(r"\*\*Step (\d+) of (\d+)\*\*", self.step_text).groups()
        return int(k), int(n)


# -- a page kept open: Streamlit's protocol with the frontend's fragment timers --------------------------------
class LiveClient(Protocol):
    """A Streamlit page kept open over its websocket: a background reader records everything the server
    sends (the "Step k of N" lines with their arrival time, alerts, code blocks, buttons and the fragment
    each belongs to, the answer pills, download links, exceptions) and, like the frontend, runs one timer
    per fragment with run_every (auto_rerun), cleared on a full run."""

    def __init__(self, websocket, query: str, page_name: str, replica: str = "", base_url: str = "", cookie: str = ""):
        super().__init__(websocket, query, page_name)
        self.replica, self.base_url, self.cookie = replica, base_url, cookie
        self.pushed: dict | None = None  # the pushed follower's component data (explorer.ui.classes.push)
        self.pushed_at: tuple[str, str] = ("", "")  # (its element id, its fragment)
        self.drawn: tuple[int, dict] = (0, {})  # (view version, params) drawn from the stream or a run
        self.stream_url = ""
        self.stream_task: asyncio.Task | None = None
        self.events: list[tuple[dict, float]] = []  # every event the class's stream sent, with its arrival
        self.latest_view: dict | None = None  # the newest "view" event heard (class_follow.js's held.view)
        self.replaced = False  # a newer stream of this member took over: the page stops listening (class_follow.js)
        self.refusals: list[tuple[int, str, float]] = []  # refused streams: (status, the setting that refused, when)
        self.triggers = 0
        self.triggering = False
        self.fragments: dict[str, str] = {}  # button label -> the fragment it is in ("" outside any)
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> (interval, its task)
        self.steps: list[tuple[int, float]] = []  # every "**Step k of N**" line received: (k, time.monotonic())
        self.total = 0  # N of the last such line
        self.codes: list[str] = []  # st.code texts
        self.alerts: list[tuple[float, str]] = []  # st.success / info / warning / error bodies
        self.downloads: dict[str, str] = {}  # download button label -> its media URL
        self.pills: dict[str, tuple[str, list[str], str]] = {}  # st.pills label -> (widget id, options, fragment)
        self.metrics: dict[str, str] = {}  # st.metric label -> its value as shown
        self.answered: dict[int, str] = {}  # question id -> the teacher's bar's live count, as shown
        self.exceptions: list[str] = []
        self.finished: list[int] = []  # ScriptFinished statuses, in order
        self.closed: str | None = None  # why the websocket closed, once it has
        self.changed = asyncio.Event()
        self.reader: asyncio.Task | None = None

    # reading
    def start(self) -> None:
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async for raw in self.ws:
                reply = ForwardMsg()
                reply.ParseFromString(raw)
                self.take(reply)
                self.changed.set()
        except Exception as error:  # noqa: BLE001 — a lost websocket is recorded, and counted by the caller
            self.closed = f"{type(error).__name__}: {error}"
        finally:
            self.closed = self.closed or "closed"
            self.changed.set()

    def take(self, reply) -> str:
        kind = super().take(reply)
        now = time.monotonic()
        if kind == "new_session" and not reply.metadata.run.fragment_ids:
            self.stop_timers()  # a full run: the frontend clears every timer (the run sets them again)
        elif kind == "auto_rerun":
            self._timer(reply.auto_rerun.fragment_id, reply.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment in reply.stop_auto_rerun.fragment_ids:
                self._cancel(fragment)
        elif kind == "page_info_changed":
            self.query = reply.page_info_changed.query_string
        elif kind == "script_finished":
            self.finished.append(reply.script_finished)
            # As class_follow.js's replay: a run that drew an older view than the stream has already said (its run
            # read the room before the teacher's next step) is followed by the newer view.
            latest = self.latest_view
            if self.pushed and latest is not None and latest.get("version", 0) > self.drawn[0]:
                self._judge(latest, now)
        elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
            element = reply.delta.new_element
            which = element.WhichOneof("type")
            if which == "button":
                self.fragments[element.button.label] = reply.delta.fragment_id
            elif which == "markdown" and (line := STEP_LINE.match(element.markdown.body)):
                self.steps.append((int(line.group(1)), now))
                self.total = int(line.group(2))
            elif which == "markdown" and (count := ANSWERED.match(element.markdown.body)):
                self.answered[int(count.group(1))] = count.group(2)
            elif which == "code":
                self.codes.append(element.code.code_text)
            elif which == "alert":
                self.alerts.append((now, element.alert.body))
            elif which == "exception":
                self.exceptions.append(f"{element.exception.type}: {element.exception.message[:200]}")
            elif which == "button_group":
                group = element.button_group
                self.pills[group.label] = (
                    group.id,
                    [option.content for option in group.options],
                    reply.delta.fragment_id,
                )
            elif which == "metric":
                self.metrics[element.metric.label] = element.metric.body
            elif which == "download_button":
                self.downloads[element.download_button.label] = element.download_button.url
            elif which == "bidi_component" and element.bidi_component.component_name == FOLLOW_COMPONENT:
                self._pushed(element.bidi_component, reply.delta.fragment_id, now)
            elif which == "bidi_component" and element.bidi_component.component_name == STEPPER_COMPONENT:
                data = json.loads(element.bidi_component.json or "{}")  # Decode's stepper, or a polled follower's
                if data.get("mode") in ("step", "follow"):
                    self.steps.append((int(data["step"]), now))
                    self.total = int(data["steps"])
                if data.get("mode") == "step":
                    self.fragments.update(dict.fromkeys(STEPPER_MOVES, reply.delta.fragment_id))
        return kind

    # a pushed follower: the component's data, then its event stream, as ui/classes/follow.js does
    def _pushed(self, component, fragment: str, now: float) -> None:
        data = json.loads(component.json) if component.json else {}
        self.pushed, self.pushed_at = data, (component.id, fragment)
        self.drawn = (int(data.get("version", 0)), dict(data.get("params", {})))
        if data.get("mode") == "decode":  # the step itself is the page's stepper's (its follow mode), drawn beside
            self.total = int(data.get("steps") or self.total)
        if data.get("stream") and not data.get("reachable"):  # not live: class_follow.js retries on a timer
            asyncio.get_running_loop().create_task(self._retry(data, float(data.get("retry_ms", 3000)) / 1000))
        if data.get("stream") and data["stream"] != self.stream_url and self.base_url:
            if self.stream_task is not None:
                self.stream_task.cancel()
            self.stream_url = data["stream"]
            self.stream_task = asyncio.create_task(self._listen(self.stream_url))

    async def _listen(self, path: str) -> None:
        """Read the class's event stream (server-sent events over HTTP/1.1), reconnecting as EventSource does."""
        parts = urllib.parse.urlsplit(self.base_url)
        refusals = 0
        while self.closed is None and not self.replaced:
            writer = None
            wait = 2.0  # the stream's retry after a dropped connection
            try:
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
                head = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n"
                head += f"Cookie: {self.cookie}\r\n" if self.cookie else ""
                writer.write((head + "\r\n").encode())
                await writer.drain()
                status = (await reader.readline()).split(b" ")
                code = int(status[1]) if len(status) > 1 and status[1].isdigit() else 0
                chunked, refused_by = False, ""
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):  # the response's headers
                    chunked = chunked or line.lower().startswith(b"transfer-encoding: chunked")
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "x-refused-by":
                        refused_by = value.strip()
                if code != 200:  # refused: EventSource gives up, class_follow.js opens it again with backoff
                    self.refusals.append((code, refused_by or _refuser(code), time.monotonic()))
                    wait = min(RETRY_MOST_S, RETRY_FIRST_S * 2**refusals) * random.uniform(0.5, 1.5)
                    refusals += 1
                    raise _Refused(code)
                refusals = 0
                buffer = b""
                while True:
                    if chunked:  # HTTP/1.1 chunks: a hex size line, that many bytes, CRLF
                        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            break
                        buffer += await reader.readexactly(size)
                        await reader.readline()
                    else:
                        more = await reader.read(65536)
                        if not more:
                            break
                        buffer += more
                    *frames, buffer = buffer.split(b"\n\n")
                    for frame in frames:
                        for text in frame.decode("utf-8", "replace").splitlines():
                            if text.startswith("data:"):
                                self._event(json.loads(text[5:]), time.monotonic())
            except (OSError, ValueError, asyncio.IncompleteReadError, _Refused):
                pass
            finally:
                if writer is not None:
                    writer.close()
            await asyncio.sleep(wait)

    def _event(self, event: dict, now: float) -> None:
        self.events.append((event, now))
        self.changed.set()
        if event.get("kind") == "view" and event.get("version", 0) > (self.latest_view or {}).get("version", 0):
            self.latest_view = event
        self._judge(event, now)

    def _judge(self, event: dict, now: float) -> None:
        """What class_follow.js's handler does with `event`, judged against the view this page drew."""
        data, (version, params) = self.pushed or {}, self.drawn
        kind = event.get("kind")
        if kind == "replaced":  # as class_follow.js: no reconnect, no rerun
            self.replaced = True
            return
        if kind == "view":
            if event.get("version", 0) <= version:
                return
            beside = lambda p: {k: v for k, v in p.items() if k != "step"}  # noqa: E731
            self.drawn = (event["version"], event["params"])
            if data.get("mode") == "decode" and event["page"] == "decode" and beside(event["params"]) == beside(params):
                self.steps.append((int(event["params"].get("step", "0")), now))
                return
        elif kind == "presence" and event.get("here") == data.get("teacher_here") and data.get("reachable"):
            return
        elif kind == "unavailable" and not data.get("reachable"):
            return
        elif kind == "question" and (
            data.get("mode") != "decode" or ("id" in event and [event["id"], event["revealed"]] == data.get("question"))
        ):
            return
        asyncio.get_running_loop().create_task(self._trigger(str(kind)))

    async def _retry(self, data: dict, after_s: float) -> None:
        """class_follow.js's retry while not live: a rerun after `after_s`, unless the page was drawn anew since."""
        await asyncio.sleep(after_s)
        if self.pushed is data and self.closed is None:
            await self._trigger("retry")

    async def _trigger(self, why: str) -> None:
        """The component's "moved" trigger: a rerun of its fragment, as setTriggerValue sends it (after a random
        part of the component's spread_ms, one at a time, as class_follow.js waits)."""
        from streamlit.components.v2.bidi_component.main import _make_trigger_id
        from streamlit.proto.BackMsg_pb2 import BackMsg

        if self.triggering:
            return
        self.triggering = True
        await asyncio.sleep(random.uniform(0, float((self.pushed or {}).get("spread_ms", 0)) / 1000))
        self.triggering = False
        component, fragment = self.pushed_at
        self.triggers += 1
        message = BackMsg()
        message.ParseFromString(self.request(fragment=fragment))
        state = message.rerun_script.widget_states.widgets.add()
        state.id = _make_trigger_id(component, "events")
        state.json_trigger_value = json.dumps([{"event": "moved", "value": f"{why}:{self.triggers}"}])
        with contextlib.suppress(Exception):
            await self.ws.send(message.SerializeToString())

    def refused(self) -> str | None:
        """The warning a join got instead of a class, if any."""
        return next((text for _t, text in self.alerts if text.startswith(REFUSED)), None)

    # the frontend's fragment timers
    def _timer(self, fragment: str, interval: float) -> None:
        if not fragment or (fragment in self.timers and self.timers[fragment][0] == interval):
            return  # the frontend keeps a timer whose interval is unchanged
        self._cancel(fragment)
        self.timers[fragment] = (interval, asyncio.create_task(self._tick(fragment, interval)))

    async def _tick(self, fragment: str, interval: float) -> None:
        with contextlib.suppress(Exception):  # the websocket closed: the timer ends with it
            while True:
                await asyncio.sleep(interval)
                await self.ws.send(self.request(fragment=fragment, auto=True))

    def _cancel(self, fragment: str) -> None:
        timer = self.timers.pop(fragment, None)
        if timer is not None:
            timer[1].cancel()

    def stop_timers(self) -> None:
        for fragment in list(self.timers):
            self._cancel(fragment)

    # acting
    async def open(self) -> None:
        """Send the first run's request (the page of `page_name` with `query`)."""
        await self.ws.send(self.request())

    async def click(self, label: str) -> None:
        """Click the button labelled `label` (a run of its fragment, or a full run outside any)."""
        await self.ws.send(self.request(label, fragment=self.fragments.get(label, "")))

    async def choose(self, option: str, pills: tuple[str, list[str], str]) -> None:
        """Pick `option` in `pills` (a value of .pills) as a click does: a rerun of the pills' fragment
        with the widget's new value (st.pills' value is the option's label)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        widget, _options, fragment = pills
        message = BackMsg()
        message.ParseFromString(self.request(fragment=fragment))
        state = message.rerun_script.widget_states.widgets.add()
        state.id = widget
        state.string_array_value.data.append(option)
        await self.ws.send(message.SerializeToString())

    async def until(self, ready: Callable[[], bool], timeout_s: float) -> bool:
        """Wait until `ready()` (checked after every message) or `timeout_s`; whether it became true."""
        deadline = time.monotonic() + timeout_s
        while True:
            self.changed.clear()
            if ready():
                return True
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return ready()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    def shown_step(self) -> int | None:
        return self.steps[-1][0] if self.steps else None

    def live(self) -> bool:
        return bool(self.alerts) and self.alerts[-1][1].endswith("· live")

    async def close(self) -> None:
        self.stop_timers()
        if self.stream_task is not None:
            self.stream_task.cancel()
        with contextlib.suppress(Exception):
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.reader, 5)


class _Refused(Exception):
    """A class stream answered with an error status."""


def _refuser(status: int) -> str:
    """The setting that refused a stream answered with `status` and no X-Refused-By (the app names its own)."""
    if status == 429:
        return "nginx limit_conn (deploy/configs.py: connections per address)"
    if status == 403:
        return "no member id issued (the ae_member cookie)"
    return f"HTTP {status}"


def first_get(base_url: str) -> tuple[str, str]:
    """GET the home page with a fresh cookie jar, as a new browser does: (the replica it reached, the Cookie
    header to send from now on). Behind nginx the sticky cookie picks the replica; one server sets none.
    No answer names the replica: nginx's access log does, for a health check sent with the same cookie
    (deploy.probes.health), when the log of `base_url` is known (a cluster started in this process), else ""."""
    from deploy.probes import ACCESS_LOGS, health

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base_url + "/", timeout=30) as response:
        response.read()
    # the replica's sticky cookie, and the member id the app issued this browser (HttpOnly: a page's scripts never
    # see it, but the browser sends it with the websocket and the class's event stream)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name in (STICKY_COOKIE, MEMBER_COOKIE))
    log = ACCESS_LOGS.get(base_url)
    sticky = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == STICKY_COOKIE)
    replica = health(base_url, timeout_s=30, access_log=log, cookie=sticky)[1] if log is not None and sticky else ""
    return replica, cookie


async def connect(base_url: str, query: str, page_name: str, cookie: str = "", replica: str = "") -> LiveClient:
    """A LiveClient on a new websocket (with the browser's sticky cookie, if any), reading."""
    import websockets

    ws_url = base_url.replace("http", "ws", 1) + "/_stcore/stream"
    websocket = await websockets.connect(
        ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60,
        additional_headers={"Cookie": cookie} if cookie else None,
    )  # fmt: skip
    client = LiveClient(websocket, query, page_name, replica, base_url, cookie)
    client.start()
    return client


def join_code(client: LiveClient) -> str | None:
    """The join code in the teacher's sidebar join link (st.code "http://HOST/?room=CODE")."""
    for text in reversed(client.codes):
        found = JOIN_LINK.search(text)
        if found:
            return found.group(1)
    return None


async def open_teacher(base_url: str, sentence: str, scorer: str, task: str = "dates", timeout_s: float = 120.0):
    """A teacher on Decode with `sentence` who has pressed "Start a class": (client, code)."""
    replica, cookie = await asyncio.to_thread(first_get, base_url)
    query = urllib.parse.urlencode({"task": task, "scorer": scorer, "sentence": sentence})
    teacher = await connect(base_url, query, "Decode", cookie, replica)
    await teacher.open()
    if not await teacher.until(lambda: "Start a class" in teacher.buttons and teacher.steps, timeout_s):
        raise RuntimeError(f"the teacher's Decode page did not open: {teacher.exceptions or teacher.closed}")
    await teacher.click("Start a class")
    if not await teacher.until(lambda: join_code(teacher) is not None, timeout_s):
        raise RuntimeError(f"no join link after Start a class: {teacher.exceptions or teacher.alerts[-3:]}")
    return teacher, join_code(teacher)


async def open_follower(base_url: str, code: str, timeout_s: float = 120.0) -> LiveClient:
    """A student who opened the join link /?room=CODE and follows: on the teacher's Decode page, pushed (its
    view drawn from the class's event stream, which it holds open) or polling (its fragment's timer running).
    A join the class refuses (full, locked, too many attempts…) raises at once, with the page's words."""
    replica, cookie = await asyncio.to_thread(first_get, base_url)
    follower = await connect(base_url, urllib.parse.urlencode({"room": code}), "", cookie, replica)
    await follower.open()
    following = lambda: bool(follower.steps and (follower.timers or follower.stream_task) and follower.live())  # noqa: E731
    await follower.until(lambda: following() or follower.refused() is not None, timeout_s)
    if follower.refused() is not None:
        await follower.close()
        raise RuntimeError(f"join refused: {follower.refused()}")
    return follower
