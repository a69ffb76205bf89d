"""Classroom load test: many students stepping through decodes on one server at once.

    python -m bench.load_test [--sessions 30] [--duration 120] [--quick] [--client browser|protocol]
                              [--think S] [--step-timeout S] [--registry PATH] [--trainings N]
                              [--scorers NAME ...]

Starts one server as `make run` does (`python -m explorer.ui.serve`, as tests/e2e does). Each session
opens the Decode page of the dates task with its scorer from the URL (the scorers, or those of
`--scorers`, take turns, so several sessions share each model), types its own sentence into
"Source sentence" and presses Enter (the browser client; the protocol client, which has no text
box, sends the sentence in the link), four sessions at a time, then all of them click the page's
server-side "Step" button again and again for `--duration` seconds (after a think time of
0.5–1.5 × `--think` seconds, and a first wait of 0–`--think` seconds, so that sessions do not
click in step), pressing "Reset" at the end of a decode. Two clients:

    browser    (default) a headless Chromium context per session (Playwright). A step is answered
               when the page shows "Step k of N" and the heatmap has its k-th row.
    protocol   no browser: Streamlit's websocket protocol (BackMsg rerun requests with the
               button's trigger, as the frontend sends on a click). A step is answered when the
               fragment's run has finished and shows "Step k of N". Measures the server alone.

Reported:
    step latency   p50 / p95; browser: on the page's clock (click event → answered), on the
                   driver's (before Playwright sends the click → it has seen the answer), and the
                   part until the server's last websocket message arrived
    errors         steps not answered within --step-timeout, page errors, Streamlit exceptions (bar: 0);
                   a session carries on after an error
    answers        per session: fewest answers, fewest in the last quarter and half of the run,
                   longest wait between two answers (every session must keep getting answers)
    CPU            cores used while stepping by the server, by this load generator (Python,
                   Playwright, Chromium) and by the whole machine (/proc), and server CPU per step
    memory         peak RSS of the server's process tree, sampled from /proc every 0.5 s (bar ≤ 2 GB)
    models         translator loads: the server's "loading model" log lines and Streamlit's
                   st.cache_resource statistics (/_stcore/metrics): each model loaded once

`--trainings N` keeps N Train-page trainings running beside the sessions for the whole test (the
page's default model on reverse, in their own processes with one torch thread each, as the page
starts them; early stopping off so that they train throughout): does a class keep getting
answers while some students train?

`--quick` is 5 sessions for 20 s (tests/e2e/test_load_quick.py runs it for 12 s). Writes
bench/results/load_test[-protocol][-quick].json. The browsers run on the same machine as the
server: on a small machine their drawing, not the server, sets the browser client's latency
(the CPU line says which).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.browser import CHROMIUM_ARGS, HEATMAP_DRAWN, INPUT_CLOCK, SCRIPT_DONE, Expected, decode_url
from bench.common import dates, markdown_table, summary, write_results
from bench.protocol import Protocol
from bench.server import Server, cpu_seconds, process_tree
from explorer.figures.svg_heatmap import SVG_ID

RSS_MB = 2048  # the memory bar: 2 GB
MODEL_LOAD = re.compile(r"loading model (\S+) \(once per server process\)")
# Resolves to performance.now() once the server has answered step k: the stepper shows it (it draws a click at
# once), the address bar says it (the server took the stepper's report and wrote the URL), and the heatmap has
# painted its rows; -1 after timeoutMs. A MutationObserver, and a slow poll for the URL (no DOM change): thirty
# pages polling every frame would eat the CPU the measurement needs.
ANSWERED = """([k, timeoutMs]) => new Promise((resolve) => {
  const ready = () => {
    const stepper = document.querySelector(".ae-stepper");
    if (!stepper || stepper.dataset.step !== String(k)) return false;
    if (new URLSearchParams(location.search).get("step") !== String(k)) return false;
    const svg = document.getElementById("__SVG_ID__");
    return !svg || svg.getAttribute("data-rows") === String(k);
  };
  if (ready()) return resolve(performance.now());
  const done = (value) => { observer.disconnect(); clearInterval(poll); clearTimeout(timer); resolve(value); };
  const observer = new MutationObserver(() => { if (ready()) done(performance.now()); });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ["data-rows", "data-step"]});  // the heatmap marks its rows once painted
  const poll = setInterval(() => { if (ready()) done(performance.now()); }, 100);
  const timer = setTimeout(() => done(-1), timeoutMs);
})""".replace("__SVG_ID__", SVG_ID)
TOTAL_STEPS = """() => { const s = document.querySelector(".ae-stepper-slider"); return s ? Number(s.max) : -1; }"""
SENTENCE_IN_URL = "(sentence) => new URLSearchParams(location.search).get('sentence') === sentence"
CURRENT_STEP = """() => { const s = document.querySelector(".ae-stepper"); return s ? Number(s.dataset.step) : -1; }"""


# Time of the last websocket message the page received (installed before the app's scripts run):
# splits a step into "the server's answer arrived" and "the browser drew it".
WS_CLOCK = """(() => {
  const Native = window.WebSocket;
  window.__wsLast = 0;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => { window.__wsLast = performance.now(); });
    }
  };
})();"""


@dataclass
class Session:
    index: int
    scorer: str
    sentence: str
    source_labels: list[str] | None = None  # the heatmap's column labels for `sentence` (from the model)
    open_s: float | None = None  # goto → the typed sentence's decode shown, while every session opens at once
    retyped: int = 0  # times the sentence had to be typed again (type_sentence)
    answers: list[tuple[float, float, float, float]] = field(default_factory=list)  # (at s, page, driver, server ms)
    errors: list[str] = field(default_factory=list)


def dates_models() -> list[str]:
    """Scorers with a dates model in the registry the server will read."""
    from explorer.state import catalog

    return catalog.scorers_for("dates")


def cpu_snapshot(server: Server) -> dict[str, float]:
    """CPU seconds used so far by the server, by this load generator (Python, Playwright, Chromium), by all."""
    server_pids = set(server.tree())
    mine = [pid for pid in process_tree(os.getpid()) if pid not in server_pids]
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(fields[i]) for i in (0, 1, 2, 5, 6, 7))  # user nice system irq softirq steal
    return {
        "server": cpu_seconds(list(server_pids)),
        "generator": cpu_seconds(mine),
        "machine": busy / os.sysconf("SC_CLK_TCK"),
    }


class Phases:
    """All sessions open their page first; stepping starts for everyone at once, for `duration` s."""

    def __init__(self, sessions: int, duration: float, server: Server):
        self.waiting, self.duration, self.server = sessions, duration, server
        self.go = asyncio.Event()
        self.started = self.deadline = 0.0
        self.cpu_at_start: dict[str, float] = {}

    def opened(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.cpu_at_start = cpu_snapshot(self.server)
            self.started = time.monotonic()
            self.deadline = self.started + self.duration
            self.go.set()


async def type_sentence(page, session: Session, timeout_s: float) -> bool:
    """Type the session's sentence into "Source sentence", press Enter and wait until the page
    shows its decode (the heatmap with the sentence's own column labels, or, without attention,
    the link carrying it). False if it did not within `timeout_s`: counted in `session.retyped`.

    In a 30-browser run on two cores one session in thirty once never showed its sentence within
    180 s (the keystrokes of a starved renderer lost, or a rerun that reset the box); a student
    would type it again, and the report says how often that was needed.
    """
    box = page.get_by_role("textbox", name="Source sentence")
    await box.fill(session.sentence)
    await box.press("Enter")
    if session.source_labels is not None:
        shown, argument = HEATMAP_DRAWN, [SVG_ID, 0, session.source_labels]
    else:
        shown, argument = SENTENCE_IN_URL, session.sentence
    try:
        await page.wait_for_function(shown, arg=argument, polling=100, timeout=timeout_s * 1000)
        return True
    except Exception:  # noqa: BLE001 — Playwright's TimeoutError: the caller types it again
        session.retyped += 1
        return False


async def run_session(
    browser, base_url: str, session: Session, phases: Phases, timeout_s: float, think_s: float, door: asyncio.Semaphore
):
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(timeout_s * 1000)
    await context.add_init_script(WS_CLOCK)
    page = await context.new_page()
    page.on("pageerror", lambda error: session.errors.append(f"page error: {str(error)[:200]}"))
    opened = False
    try:
        async with door:  # students come in a few at a time, not all in the same second
            before = time.perf_counter()
            url = decode_url(base_url, task="dates", scorer=session.scorer, step="0")
            await page.goto(url, timeout=timeout_s * 3000)
            if await page.evaluate(ANSWERED, [0, timeout_s * 1000 * 3]) < 0:
                session.errors.append("the page did not show its decode")
                return
            await page.wait_for_selector(SCRIPT_DONE, state="attached")  # the page's first run is over
            if not await type_sentence(page, session, timeout_s):
                await type_sentence(page, session, 3 * timeout_s)  # typed again once: see type_sentence
            await page.wait_for_selector(SCRIPT_DONE, state="attached")  # its run over: Step acts on this decode
            if await page.evaluate(ANSWERED, [0, timeout_s * 1000]) < 0:
                session.errors.append("the typed sentence's decode was not shown")
                return
            session.open_s = time.perf_counter() - before
        await page.evaluate(INPUT_CLOCK)
        total = await page.evaluate(TOTAL_STEPS)
        step = page.get_by_role("button", name="Step", exact=True)
        reset = page.get_by_role("button", name="Reset", exact=True)
        phases.opened()
        opened = True
        await phases.go.wait()
        await asyncio.sleep(random.uniform(0, think_s))  # students do not click in step
        shown = 0
        while time.monotonic() < phases.deadline:
            try:
                if shown >= total:
                    await reset.click()
                    if await page.evaluate(ANSWERED, [0, timeout_s * 1000]) < 0:
                        raise TimeoutError("Reset was not answered")
                    shown = 0
                before = time.perf_counter()
                await step.click()
                answered = await page.evaluate(ANSWERED, [shown + 1, timeout_s * 1000])
                driver_ms = (time.perf_counter() - before) * 1000
                if answered < 0:
                    raise TimeoutError(f"step {shown + 1} not answered within {timeout_s:.0f} s")
            except Exception as error:  # noqa: BLE001 — counted, then the session carries on from where it is
                session.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:160]}")
                shown = max(await page.evaluate(CURRENT_STEP), 0)
                continue
            clicked, last_message = await page.evaluate("() => [window.__bench.at, window.__wsLast]")
            at = time.monotonic() - phases.started
            session.answers.append((at, answered - clicked, driver_ms, last_message - clicked))
            shown += 1
            if think_s:
                await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)
        if await page.locator('[data-testid="stException"]').count():
            session.errors.append("a Streamlit exception is shown")
    except Exception as error:  # noqa: BLE001 — any failure of a session is an error to report
        session.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        if not opened:
            phases.opened()  # do not hold the others back
        await context.close()


# -- the same sessions without a browser: Streamlit's own websocket protocol (bench/protocol.py) ------------
async def run_protocol_session(
    base_url: str, session: Session, phases: Phases, timeout_s: float, think_s: float, door: asyncio.Semaphore
):
    import websockets
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    good = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
    query = urllib.parse.urlencode({"task": "dates", "scorer": session.scorer, "sentence": session.sentence})
    opened = False
    try:
        async with websockets.connect(
            base_url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"], max_size=None
        ) as websocket:
            client = Protocol(websocket, query)
            async with door:
                before = time.perf_counter()
                if await client.rerun(timeout_s=3 * timeout_s) not in good or "Step" not in client.buttons:
                    session.errors.append("the page did not show its decode")
                    return
                session.open_s = time.perf_counter() - before
            phases.opened()
            opened = True
            await phases.go.wait()
            await asyncio.sleep(random.uniform(0, think_s))  # students do not click in step
            while time.monotonic() < phases.deadline:
                try:
                    shown, total = client.shown()
                    if shown >= total:
                        await client.rerun("Reset", timeout_s)
                        shown, total = client.shown()
                    before = time.perf_counter()
                    status = await client.rerun("Step", timeout_s)
                    rtt = (time.perf_counter() - before) * 1000
                    if status not in good or client.shown()[0] != shown + 1:
                        raise RuntimeError(f"run ended with status {status}, page at {client.step_text[:30]!r}")
                except Exception as error:  # noqa: BLE001 — counted; the session carries on
                    session.errors.append(f"{type(error).__name__}: {str(error)[:160]}")
                    continue
                session.answers.append((time.monotonic() - phases.started, rtt, rtt, rtt))
                if think_s:
                    await asyncio.sleep(random.uniform(0.5, 1.5) * think_s)
    except Exception as error:  # noqa: BLE001
        session.errors.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}")
    finally:
        if not opened:
            phases.opened()


async def sample_memory(server: Server, stop: asyncio.Event, peaks: list[float]) -> None:
    while not stop.is_set():
        peaks.append(server.rss_mb())
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


async def drive(
    base_url: str,
    server: Server,
    sessions: list[Session],
    duration: float,
    timeout_s: float,
    think_s: float,
    opening: int = 4,
    client: str = "browser",
) -> dict:
    from playwright.async_api import async_playwright

    executable = shutil.which("chromium")
    if executable is None and client == "browser":
        raise SystemExit("system Chromium not found (scripts/install_chromium.sh)")
    memory: list[float] = []
    stop = asyncio.Event()
    phases = Phases(len(sessions), duration, server)
    async with async_playwright() as playwright:
        browser = None
        if client == "browser":
            browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(sample_memory(server, stop, memory))
        at_deadline: dict[str, float] = {}

        async def snapshot_at_deadline() -> None:  # before the sessions close their pages (and Chromium its renderers)
            await phases.go.wait()
            await asyncio.sleep(max(phases.deadline - time.monotonic(), 0.0))
            at_deadline.update(cpu_snapshot(server))

        snapshot = asyncio.create_task(snapshot_at_deadline())
        door = asyncio.Semaphore(opening)
        opened_at = time.monotonic()
        if client == "browser":
            runs = [run_session(browser, base_url, s, phases, timeout_s, think_s, door) for s in sessions]
        else:
            runs = [run_protocol_session(base_url, s, phases, timeout_s, think_s, door) for s in sessions]
        await asyncio.gather(*runs)
        finished = time.monotonic()
        if not snapshot.done():  # every session failed before the stepping phase
            snapshot.cancel()
        stop.set()
        await sampler
        if browser is not None:
            await browser.close()
    return {
        "memory_mb": memory,
        "open_phase_s": (phases.started or finished) - opened_at,
        "wall_s": finished - (phases.started or finished),
        "cpu_s": {k: at_deadline[k] - phases.cpu_at_start.get(k, 0.0) for k in at_deadline},
    }


def _train_in_background(out: str) -> None:
    """One Train-page training (the page's defaults on reverse) that runs until it is terminated."""
    from dataclasses import replace

    from explorer.training.settings import JobSettings
    from seq2seq.train import train

    config = JobSettings(task="reverse", epochs=500).train_config(out, threads=1)
    train(replace(config, patience=10_000, max_seconds=3600), progress=False)


def start_trainings(n: int) -> list:
    """`n` background trainings in spawned processes (as the Train page starts them)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_train_in_background, args=(tempfile.mkdtemp(prefix="load-training-"),), daemon=True)
        for _ in range(n)
    ]
    for process in processes:
        process.start()
    return processes


CACHE = re.escape("explorer.ui.common.loaders._cached_translator")  # st.cache_resource names a cache by its function


def model_loads(server: Server) -> dict:
    """Translator loads from the server's log and from st.cache_resource's statistics."""
    logged = Counter(MODEL_LOAD.findall(server.log()))
    stats = {}
    try:
        with urllib.request.urlopen(f"{server.url}/_stcore/metrics", timeout=10) as response:
            text = response.read().decode()
        patterns = {  # lookups that found the model cached or not, and the loads actually run
            "hit": r'cache_lookups_total{cache="' + CACHE + r'"[^}]*result="hit"} (\d+)',
            "miss": r'cache_lookups_total{cache="' + CACHE + r'"[^}]*result="miss"} (\d+)',
            "computed": r'cache_compute_duration_seconds_count{cache="' + CACHE + r'"[^}]*} (\d+)',
        }
        for key, pattern in patterns.items():
            found = re.search(pattern, text)
            stats[key] = int(found.group(1)) if found else 0
    except OSError as error:
        stats["error"] = str(error)
    return {"log": dict(logged), "cache_resource": stats}


def run(
    sessions: int = 30,
    duration: float = 120.0,
    base_url: str | None = None,
    server: Server | None = None,
    step_timeout: float = 60.0,
    seed: int = 0,
    think: float = 0.0,
    client: str = "browser",
    trainings: int = 0,
    scorers: list[str] | None = None,
) -> dict:
    """Run the load test (against `server`, or a fresh one) and return the report as plain data.

    The sessions take turns on `scorers` (default: every dates model registered)."""
    own = server is None
    background = start_trainings(trainings)
    if own:
        server = Server({"ATTENTION_EXPLORER_USER_MODELS": tempfile.mkdtemp(prefix="load-user-models-")})
        server.start()
    try:
        registered = dates_models()
        scorers = scorers or registered
        if not scorers:
            raise SystemExit("no dates models are registered")
        if unknown := sorted(set(scorers) - set(registered)):
            raise SystemExit(f"no dates model for {', '.join(unknown)} (registered: {', '.join(registered)})")
        plan = [Session(i, scorers[i % len(scorers)], s) for i, s in enumerate(dates(sessions, seed=seed))]
        if client == "browser":  # what each typed sentence's heatmap will be labelled, to know it is drawn
            translators = {scorer: Expected(f"dates/{scorer}") for scorer in {s.scorer for s in plan}}
            for session in plan:
                if translators[session.scorer].translator.has_attention:
                    session.source_labels = translators[session.scorer].x_labels(session.sentence)
        random.seed(seed)  # think times
        # asyncio.run needs a thread without a running loop (pytest-playwright keeps one in the main thread).
        outcome: dict = {}
        worker = threading.Thread(
            target=lambda: outcome.update(
                asyncio.run(drive(base_url or server.url, server, plan, duration, step_timeout, think, client=client))
            )
        )
        worker.start()
        worker.join()
        loads = model_loads(server)
    finally:
        for process in background:
            process.terminate()
            process.join(timeout=10)
        if own:
            server.stop()
    alive = sum(1 for p in background if p.exitcode == -signal.SIGTERM)  # still training when terminated
    return report(plan, outcome, loads, duration, think) | {
        "client": client,
        "trainings": trainings,
        "trainings_alive_at_end": alive,
    }


def report(plan: list[Session], outcome: dict, loads: dict, duration: float, think: float = 0.0) -> dict:
    page = [a[1] for s in plan for a in s.answers]
    driver = [a[2] for s in plan for a in s.answers]
    server = [a[3] for s in plan for a in s.answers]
    opens = [s.open_s * 1000 for s in plan if s.open_s is not None]
    per_session = []
    for s in plan:
        times = [0.0] + [a[0] for a in s.answers]
        per_session.append(
            {
                "session": s.index,
                "scorer": s.scorer,
                "sentence": s.sentence,
                "answers": len(s.answers),
                "answers_last_half": sum(1 for a in s.answers if a[0] >= 0.5 * duration),
                "answers_last_quarter": sum(1 for a in s.answers if a[0] >= 0.75 * duration),
                "longest_wait_s": max((b - a for a, b in zip(times, times[1:], strict=False)), default=None),
                "errors": s.errors,
            }
        )
    cpu = outcome.get("cpu_s") or {}  # from the start of stepping to the deadline
    return {
        "cpu_cores_busy": {k: v / duration for k, v in cpu.items()},
        "server_cpu_ms_per_step": 1000 * cpu["server"] / len(page) if page and cpu else None,
        "machine_cores": os.cpu_count(),
        "sessions": len(plan),
        "duration_s": duration,
        "think_s": think,
        "open_phase_s": outcome.get("open_phase_s"),
        "open": summary(opens) if opens else None,
        "wall_s": outcome.get("wall_s"),
        "steps": len(page),
        "sentences_typed_again": sum(s.retyped for s in plan),
        "steps_per_s": len(page) / max(outcome.get("wall_s") or duration, 1e-9),
        "latency_page": summary(page) if page else None,
        "latency_driver": summary(driver) if driver else None,
        "latency_server_answer": summary(server) if server else None,
        "errors": sum(len(s.errors) for s in plan),
        "error_messages": [f"session {s.index}: {e}" for s in plan for e in s.errors],
        "fewest_answers": min(p["answers"] for p in per_session),
        "fewest_answers_last_half": min(p["answers_last_half"] for p in per_session),
        "fewest_answers_last_quarter": min(p["answers_last_quarter"] for p in per_session),
        "longest_wait_s": max((p["longest_wait_s"] or 0.0) for p in per_session),
        "peak_rss_mb": max(outcome.get("memory_mb") or [0.0]),
        "model_loads": loads,
        "per_session": per_session,
    }


def _ms(stats: dict | None) -> str:
    return f"{stats['median_ms']:.0f} / {stats['p95_ms']:.0f}" if stats else "—"


def _bar(text: str, ok: bool) -> str:
    return f"{text}: {'met' if ok else 'MISSED'}"


def _trainings(r: dict) -> str:
    return f"{r['trainings']} ({r['trainings_alive_at_end']})"


def print_report(r: dict) -> None:
    loads, cache = r["model_loads"], r["model_loads"]["cache_resource"]
    once = bool(loads["log"]) and all(n == 1 for n in loads["log"].values())
    listed = ", ".join(f"{name} ×{n}" for name, n in sorted(loads["log"].items())) or "none"
    rows = [
        ["sessions × duration (think time)", f"{r['sessions']} × {r['duration_s']:.0f} s ({r['think_s']:g} s)", ""],
        ["client", r.get("client", "browser"), ""],
        *([["trainings running beside (alive at the end)", _trainings(r), ""]] if r.get("trainings") else []),
        ["open: link → decode shown, 4 sessions at a time, ms (p50 / p95)", _ms(r["open"]), ""],
        ["opening phase (all sessions in)", f"{r['open_phase_s'] or 0:.0f} s", ""],
        ["sentences typed again (the page did not take them within 60 s)", str(r.get("sentences_typed_again", 0)), ""],
        ["steps answered", f"{r['steps']} ({r['steps_per_s']:.1f}/s)", ""],
        *(
            [["step latency, rerun request → run finished, ms (p50 / p95)", _ms(r["latency_page"]), ""]]
            if r.get("client") == "protocol"
            else [
                ["step latency, page clock ms (p50 / p95)", _ms(r["latency_page"]), ""],
                ["step latency, driver clock ms (p50 / p95)", _ms(r["latency_driver"]), ""],
                ["of which: click → server's last message in, ms (p50 / p95)", _ms(r["latency_server_answer"]), ""],
            ]
        ),
        ["errors", str(r["errors"]), _bar("0", r["errors"] == 0)],
        [
            "answers per session (fewest; fewest in the last quarter)",
            f"{r['fewest_answers']}; {r['fewest_answers_last_quarter']}",
            _bar("> 0", r["fewest_answers_last_quarter"] > 0),
        ],
        ["longest wait between two answers", f"{r['longest_wait_s']:.1f} s", ""],
        ["server CPU per answered step", f"{r['server_cpu_ms_per_step'] or 0:.0f} ms", ""],
        [
            f"cores busy while stepping (of {r['machine_cores']}): server; browsers + driver; whole machine",
            "; ".join(f"{r['cpu_cores_busy'].get(k, 0):.2f}" for k in ("server", "generator", "machine")),
            "",
        ],
        ["server peak RSS (process tree)", f"{r['peak_rss_mb']:.0f} MiB", _bar("≤ 2 GB", r["peak_rss_mb"] <= RSS_MB)],
        ["translator loads (server log)", listed, _bar("each once", once)],
        [
            "st.cache_resource _cached_translator (/_stcore/metrics)",
            f"{cache.get('computed')} loads run; lookups: {cache.get('hit')} hits, {cache.get('miss')} misses",
            _bar("loads = models", cache.get("computed") == len(loads["log"])),
        ],
    ]
    print(markdown_table(["measure", "value", "bar"], rows))
    for message in r["error_messages"][:20]:
        print(f"  {message}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of stepping")
    parser.add_argument("--step-timeout", type=float, default=60.0, help="seconds before a step is an error")
    parser.add_argument(
        "--client",
        choices=("browser", "protocol"),
        default="browser",
        help="browser: Chromium pages (the default); protocol: Streamlit's websocket protocol, no browser",
    )
    parser.add_argument("--think", type=float, default=0.0, help="seconds each session waits between steps")
    parser.add_argument("--registry", type=Path, help="ATTENTION_EXPLORER_PRETRAINED (default: pretrained/)")
    parser.add_argument("--quick", action="store_true", help="5 sessions for 20 s")
    parser.add_argument("--trainings", type=int, default=0, help="Train-page trainings running beside the sessions")
    parser.add_argument("--scorers", nargs="+", help="the dates models the sessions take turns on (default: all)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.duration = 5, 20.0
    if args.registry:
        import os

        os.environ["ATTENTION_EXPLORER_PRETRAINED"] = str(args.registry.resolve())
    result = run(
        args.sessions,
        args.duration,
        step_timeout=args.step_timeout,
        think=args.think,
        client=args.client,
        trainings=args.trainings,
        scorers=args.scorers,
    )
    print_report(result)
    name = "load_test" + ("-protocol" if args.client == "protocol" else "")
    name += (f"-think{args.think:g}" if args.think else "") + ("-quick" if args.quick else "")
    name += f"-trainings{args.trainings}" if args.trainings else ""
    print(f"\nwritten to {write_results(name, result)}")


if __name__ == "__main__":
    main()
