"""Live classes under load: followers' latency from the teacher's Step click to their own screens.

    python -m bench.class_follow [--followers 30] [--steps 20] [--replicas 1|2] [--client protocol|browser]
                                 [--pause S] [--idle S] [--quick]

`--replicas 1` starts one server as `make run` does (`python -m explorer.ui.serve`, the embedded room
store); `--replicas 2` a cluster (deploy.cluster.start_cluster: two replicas, one redis-server, nginx).
Then:

1. a teacher (a protocol client) opens Decode on the dates task (`/Decode?task=dates&scorer=concat&
   sentence=...`, a date of about 10 tokens), clicks "Start a class" and reads the join code from the
   sidebar's join link (`http://HOST/?room=CODE`);
2. `--followers` followers open the join link `/?room=CODE` (the home page joins and takes them to
   the teacher's Decode page), four at a time, and stay: their websocket open, their fragments' timers
   running. Through nginx each follower has its own sticky cookie (a fresh cookie jar), so they spread
   over the replicas: the X-Replica header of the health check it asks with that cookie says which it got;
3. idle: `--idle` seconds with everybody connected and the teacher not stepping (the followers'
   polling alone);
4. the teacher clicks Step `--steps` times, `--pause` seconds apart (Reset at the end of the decode,
   not counted as a step).

Clients. `protocol` (the default): Streamlit's websocket protocol without a browser (bench/protocol.py's
Protocol, extended into LiveClient): BackMsg rerun requests, ForwardMsg parsing; like the
browser's frontend, a client runs one timer per fragment the server told it about (ForwardMsg
auto_rerun: interval and fragment id; a rerun of that fragment every interval, is_auto_rerun set),
cleared on a full run and on stop_auto_rerun. `browser`: the followers are headless Chromium pages
(Playwright; the teacher stays a protocol client): what a student sees, drawing included, but thirty
browsers need far more than two cores.

Reported: latency = from sending the teacher's Step click to each follower receiving a run that shows
"**Step k of N**" with the new k (median and p95 over every (follower, step) pair); errors (a follower
that did not show a step within 10 s, Streamlit exceptions, lost websockets, joins that failed);
server CPU (from /proc: the app processes' CPU time over the stepping phase divided by the steps;
also that minus the idle polling's share, and the idle polling CPU per second); peak memory of the
app processes. Bars: 1 teacher + 30 followers on one server: p95 <= 1 s, 0 errors;
1 teacher + 2,000 followers across two replicas with Redis: p95 <= 1 s, 0 errors (issue 65). A join refused
stops the run and names the setting that refused it; class streams refused (nginx's 429, the app's) are opened
again with backoff, as the page does, and counted by the setting that refused them.

`--quick` is 5 followers and 5 steps (tests/e2e/test_class_load_quick.py runs it). Writes
bench/results/class_follow[-replicas2][-browser][-quick].json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.browser import CHROMIUM_ARGS
from bench.class_steps import Click, latencies, teach
from bench.common import dates, markdown_table, run_async, summary, write_results

# connect and first_get: tests/test_class_replicas.py and tests/test_deploy_security.py import them from here.
from bench.protocol import LiveClient, connect, first_get, open_follower, open_teacher  # noqa: F401
from bench.server import Servers, cpu_seconds, process_tree, start_servers
from explorer.classrooms.store import Limits

SHOWN_WITHIN_S = 10.0  # a follower that has not shown a step this long after the click: an error
# Which setting refused a join, by the words the page said (explorer.classrooms.errors' English templates).
REFUSED_BY = {
    "This class is full": "ATTENTION_EXPLORER_CLASS_MAX_STUDENTS (or the teacher's Seats)",
    "Too many join attempts": "ATTENTION_EXPLORER_CLASS_JOINS_PER_10_MINUTES (newcomers per class)",
    "This teacher's classes took as many newcomers": "ATTENTION_EXPLORER_CLASS_TEACHER_JOINS_PER_HOUR",
    "This class's waiting room is full": "ATTENTION_EXPLORER_CLASS_MAX_WAITING",
    "This class is locked": "the teacher's Lock",
    "No class is open with that code": "the class ended or expired (ATTENTION_EXPLORER_CLASS_IDLE_MINUTES)",
}


def refused_by(words: str) -> str:
    """The setting that refused a join whose page said `words`."""
    return next((setting for start, setting in REFUSED_BY.items() if start in words), "not known: " + words[:80])


BARS = {1: (300, 1000.0), 2: (2000, 1000.0)}  # replicas -> (followers, p95 bar in ms): a hall (issues 51, 65)
TEACHER_BAR_MS = 300.0  # the teacher's own Step, p95, while the class follows
IDLE_BAR_CORES = 0.1  # the app's CPU with every follower connected and nobody stepping


# -- the benchmark -------------------------------------------------------------------------------------------------
async def sample_memory(servers: Servers, stop: asyncio.Event, peaks: list[float]) -> None:
    while not stop.is_set():
        peaks.append(await asyncio.to_thread(servers.rss_mb))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def drive_protocol(
    servers: Servers, followers: int, steps: int, pause_s: float, idle_s: float, sentence: str, scorer: str
) -> dict:
    teacher, code = await open_teacher(servers.url, sentence, scorer)
    door = asyncio.Semaphore(4)  # students come in a few at a time
    refused: list[str] = []  # a join the class refused (full, locked…): the benchmark stops at once

    async def arrive(index: int) -> LiveClient | str:
        async with door:
            if refused:
                return "not tried"
            try:
                return await open_follower(servers.url, code)
            except Exception as error:  # noqa: BLE001 — a join that failed is an error
                if "join refused" in str(error):
                    refused.append(f"follower {index}: {error}")
                return f"follower {index}: {type(error).__name__}: {error}"

    opened = time.monotonic()
    arrived = await asyncio.gather(*(arrive(i) for i in range(followers)))
    open_s = time.monotonic() - opened
    clients = [c for c in arrived if isinstance(c, LiveClient)]
    if refused:
        await asyncio.gather(*(c.close() for c in clients), teacher.close())
        raise SystemExit(f"stopped after {open_s:.0f} s: {refused[0]} (refused by {refused_by(refused[0])})")
    errors = [c for c in arrived if isinstance(c, str)]
    errors += [f"follower {i}: did not follow (no live step view)" for i, c in enumerate(clients) if not c.live()]
    await asyncio.sleep(2.0)  # the last followers' event streams open
    return await measure(servers, teacher, code, clients, errors, steps, pause_s, idle_s, open_s)


async def measure(servers, teacher, code, clients, errors, steps, pause_s, idle_s, open_s, browsers=None) -> dict:
    """The idle phase, then the stepping phase; the clients' records turned into the report's numbers."""
    memory: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(servers, stop, memory))
    mine = lambda: cpu_seconds(process_tree(os.getpid()))  # noqa: E731 — this load generator (and its browsers)
    runs = lambda: sum(len(c.finished) for c in clients)  # noqa: E731 — the followers' page runs (script_finished)
    idle_from, idle_cpu, idle_mine, idle_runs = time.monotonic(), servers.cpu(), mine(), runs()
    await asyncio.sleep(idle_s)
    idle_runs = runs() - idle_runs
    idle_wall = time.monotonic() - idle_from
    idle_used = {k: v - idle_cpu[k] for k, v in servers.cpu().items()}
    idle_generator = mine() - idle_mine
    step_from, step_cpu, step_mine, step_runs = time.monotonic(), servers.cpu(), mine(), runs()
    own: list[float] = []
    clicks = await teach(teacher, steps, pause_s, own)
    step_wall = time.monotonic() - step_from
    step_runs = runs() - step_runs
    step_used = {k: v - step_cpu[k] for k, v in servers.cpu().items()}
    step_generator = mine() - step_mine
    last = clicks[-1]
    if browsers is None:
        await asyncio.gather(
            *(c.until(lambda c=c: any(k == last.step and t >= last.at for k, t in c.steps), SHOWN_WITHIN_S)
              for c in clients)
        )  # fmt: skip
        seen = [c.steps for c in clients]
    else:
        await asyncio.sleep(SHOWN_WITHIN_S / 2)
        seen = await browsers(clicks)
    per_follower, all_ms, skipped = [], [], 0
    for i, steps_seen in enumerate(seen):
        ms, missed, jumped = latencies(steps_seen, clicks, SHOWN_WITHIN_S)
        all_ms += ms
        skipped += jumped
        errors += [f"follower {i}: {m}" for m in missed]
        client = clients[i] if i < len(clients) else None
        if client is not None:
            errors += [f"follower {i}: exception {e}" for e in client.exceptions]
            if client.closed:
                errors.append(f"follower {i}: websocket lost: {client.closed}")
        row = {
            "follower": i,
            "replica": client.replica if client is not None else "",
            "steps_shown": len(ms),
            "steps_skipped": jumped,
            "median_ms": summary(ms)["median_ms"] if ms else None,
            "max_ms": max(ms) if ms else None,
        }
        if missed or jumped:  # what it showed instead: each change of step, s since the stepping began
            row["changes"] = [(k, round(t - step_from, 3)) for n, (k, t) in enumerate(steps_seen)
                              if t >= step_from and (n == 0 or steps_seen[n - 1][0] != k)]  # fmt: skip
        per_follower.append(row)
    errors += [f"teacher: exception {e}" for e in teacher.exceptions]
    stop.set()
    await sampler
    replicas: dict[str, int] = {}
    for row in per_follower:
        replicas[row["replica"]] = replicas.get(row["replica"], 0) + 1
    idle_rate = {k: v / idle_wall for k, v in idle_used.items()}
    app_steps = step_used["app"]
    return {
        "code": code,
        "teacher_replica": teacher.replica,
        "followers_by_replica": replicas,
        "open_phase_s": open_s,
        "idle_s": idle_wall,
        "stepping_s": step_wall,
        "steps": len(clicks),
        "shown_steps": len(all_ms),
        "expected_shown_steps": len(clicks) * len(seen),
        "skipped_steps": skipped,
        "latency": summary(all_ms) if all_ms else None,
        "teacher_step": summary(own) if own else None,
        "pushed_followers": sum(1 for c in clients if c.stream_task is not None),
        "follower_reruns": sum(c.triggers for c in clients),
        "follower_runs_idle": idle_runs,
        "follower_runs_stepping": step_runs,
        "latency_max_ms": max(all_ms) if all_ms else None,
        "errors": len(errors),
        "error_messages": errors,
        # class streams refused and opened again with backoff (as class_follow.js does), by the setting that refused
        "stream_refusals": _refusals(clients),
        "idle_cpu_cores": idle_rate,
        "idle_generator_cores": idle_generator / idle_wall,
        "stepping_cpu_cores": {k: v / step_wall for k, v in step_used.items()},
        "stepping_generator_cores": step_generator / step_wall,
        "server_cpu_ms_per_step": 1000 * app_steps / len(clicks),
        "server_cpu_ms_per_step_beyond_polling": 1000 * (app_steps - idle_rate["app"] * step_wall) / len(clicks),
        "peak_rss_mb": max(memory or [0.0]),
        "clicks": [(c.step, round(c.at - step_from, 3)) for c in clicks],  # s since the stepping began
        "teacher_changes": [(k, round(t - step_from, 3)) for k, t in teacher.steps if t >= step_from],
        "per_follower": per_follower,
    }


def _refusals(clients: list[LiveClient]) -> dict[str, int]:
    found: dict[str, int] = {}
    for client in clients:
        for status, setting, _when in client.refusals:
            key = f"{status} {setting}"
            found[key] = found.get(key, 0) + 1
    return found


# -- browser followers (Playwright): what a student's Chromium shows ---------------------------------------------
# Records, in the page, the wall-clock time (Date.now()) each "Step k of N" first appears after a change.
STEP_RECORDER = """(() => {
  window.__steps = [];
  let last = null;
  const look = () => {
    const e = [...document.querySelectorAll('.ae-stepper-status strong, [data-testid="stMarkdownContainer"] strong')]
      .find((e) => /^Step \\d+ of \\d+$/.test(e.textContent));
    const k = e ? Number(e.textContent.split(" of ")[0].slice(5)) : null;
    if (k !== null && k !== last) { window.__steps.push([k, Date.now()]); }
    last = k;
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true});
})();"""


async def drive_browser(
    servers: Servers, followers: int, steps: int, pause_s: float, idle_s: float, sentence: str, scorer: str
) -> dict:
    from playwright.async_api import async_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if executable is None:
        raise SystemExit("system Chromium not found (scripts/install_chromium.sh, or set CHROMIUM=/path)")
    teacher, code = await open_teacher(servers.url, sentence, scorer)
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        pages = []
        opened = time.monotonic()
        for i in range(followers):  # one context each: its own cookies, so its own replica
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            await context.add_init_script(STEP_RECORDER)
            page = await context.new_page()
            page.on("pageerror", lambda error, i=i: errors.append(f"follower {i}: page error {str(error)[:160]}"))
            try:
                await page.goto(f"{servers.url}/?room={code}", timeout=120_000)
                await page.get_by_text("· live").first.wait_for(timeout=120_000)
            except Exception as error:  # noqa: BLE001 — a follower that did not follow is an error
                errors.append(f"follower {i}: did not follow: {type(error).__name__}")
            pages.append(page)
        open_s = time.monotonic() - opened
        offset = time.time() - time.monotonic()  # the pages' Date.now() on the monotonic clock

        async def browsers(clicks: list[Click]) -> list[list[tuple[int, float]]]:
            seen = []
            for page in pages:
                recorded = await page.evaluate("() => window.__steps")
                seen.append([(int(k), ms / 1000 - offset) for k, ms in recorded])
            return seen

        try:
            return await measure(servers, teacher, code, [], errors, steps, pause_s, idle_s, open_s, browsers)
        finally:
            await browser.close()
            await teacher.close()


def run(
    followers: int = 30,
    steps: int = 20,
    replicas: int = 1,
    client: str = "protocol",
    pause_s: float = 1.5,
    idle_s: float = 10.0,
    servers: Servers | None = None,
    scorer: str = "concat",
) -> dict:
    """Run the benchmark (against `servers`, or fresh ones) and return the report as plain data."""
    own = servers is None
    run_dir = Path(tempfile.mkdtemp(prefix="class-follow-"))
    if own:
        env = {"ATTENTION_EXPLORER_USER_MODELS": str(run_dir / "user-models")}
        if followers > 400:  # beyond the default class size: the settings a hall that large needs
            env["ATTENTION_EXPLORER_CLASS_MAX_STUDENTS"] = str(followers)
            env["ATTENTION_EXPLORER_CLASS_JOINS_PER_10_MINUTES"] = str(2 * followers)
        if 2 * followers > Limits().teacher_joins.count:  # (the bench's teacher starts one class: 2x for margin)
            env["ATTENTION_EXPLORER_CLASS_TEACHER_JOINS_PER_HOUR"] = str(2 * followers)
        servers = start_servers(replicas, env, run_dir)
    sentence = dates(1, seed=23)[0]
    drive = drive_protocol if client == "protocol" else drive_browser
    try:
        outcome = run_async(drive(servers, followers, steps, pause_s, idle_s, sentence, scorer))
    finally:
        if own:
            servers.stop()
    load = os.getloadavg()
    return {
        "followers": followers,
        "replicas": replicas,
        "client": client,
        "pause_s": pause_s,
        "sentence": sentence,
        "scorer": scorer,
        "machine_cores": os.cpu_count(),
        "load_average_after": load,
        **outcome,
    }


def _ms(stats: dict | None) -> str:
    return f"{stats['median_ms']:.0f} / {stats['p95_ms']:.0f}" if stats else "—"


def bars_met(r: dict) -> bool | None:
    """Whether the run meets its bar (None: not a bar's size)."""
    bar = BARS.get(r["replicas"])
    if bar is None or r["followers"] < bar[0] or r["latency"] is None:
        return None
    met = r["latency"]["p95_ms"] <= bar[1] and r["errors"] == 0
    if r["replicas"] == 1:  # one server: idle costs nothing, and the teacher's own step stays quick
        met = met and r["idle_cpu_cores"]["app"] <= IDLE_BAR_CORES
        met = met and r["teacher_step"] is not None and r["teacher_step"]["p95_ms"] <= TEACHER_BAR_MS
    return met


def print_report(r: dict) -> None:
    bar = BARS.get(r["replicas"], (0, float("inf")))
    p95_ok = r["latency"] is not None and r["latency"]["p95_ms"] <= bar[1]
    teacher_ok = r["teacher_step"] is not None and r["teacher_step"]["p95_ms"] <= TEACHER_BAR_MS
    idle_ok = r["idle_cpu_cores"]["app"] <= IDLE_BAR_CORES
    spread = ", ".join(f"{name or 'direct'}: {n}" for name, n in sorted(r["followers_by_replica"].items()))
    cores = lambda d: "; ".join(f"{k} {v:.2f}" for k, v in d.items())  # noqa: E731
    rows = [
        ["teacher + followers (client)", f"1 + {r['followers']} ({r['client']})", ""],
        ["replicas", f"{r['replicas']} ({'Redis' if r['replicas'] > 1 else 'embedded store'})", ""],
        ["followers per replica (nginx's access log)", spread, ""],
        [
            "followers pushed (event stream) / reruns the stream asked for",
            f"{r['pushed_followers']} / {r['follower_reruns']}",
            "",
        ],
        [
            "followers' page runs while idle; while the teacher stepped",
            f"{r['follower_runs_idle']}; {r['follower_runs_stepping']}",
            "",
        ],
        ["joining (all followers in)", f"{r['open_phase_s']:.0f} s", ""],
        ["teacher steps (pause)", f"{r['steps']} ({r['pause_s']:g} s)", ""],
        ["steps shown / expected", f"{r['shown_steps']} / {r['expected_shown_steps']}", ""],
        ["  of which first shown by a later step (a poll or a merged event)", str(r["skipped_steps"]), ""],
        [
            "Step click → follower shows it, ms (median / p95)",
            _ms(r["latency"]),
            f"p95 ≤ {bar[1]:.0f} ms: {'met' if p95_ok else 'MISSED'}",
        ],
        ["slowest", f"{r['latency_max_ms'] or 0:.0f} ms", ""],
        [
            "teacher's own Step → its page shows it, ms (median / p95)",
            _ms(r["teacher_step"]),
            f"p95 ≤ {TEACHER_BAR_MS:.0f} ms: {'met' if teacher_ok else 'MISSED'}" if r["replicas"] == 1 else "",
        ],
        ["errors", str(r["errors"]), f"0: {'met' if r['errors'] == 0 else 'MISSED'}"],
        ["app CPU per teacher step", f"{r['server_cpu_ms_per_step']:.0f} ms", ""],
        ["  of which beyond the idle cost", f"{r['server_cpu_ms_per_step_beyond_polling']:.0f} ms", ""],
        [
            "idle, every follower connected (cores busy; CPU s per s)",
            cores(r["idle_cpu_cores"]),
            f"app ≤ {IDLE_BAR_CORES} cores: {'met' if idle_ok else 'MISSED'}" if r["replicas"] == 1 else "",
        ],
        ["cores busy while stepping", cores(r["stepping_cpu_cores"]), ""],
        [
            "load generator cores (idle; stepping)",
            f"{r['idle_generator_cores']:.2f}; {r['stepping_generator_cores']:.2f}",
            "",
        ],
        ["app peak RSS", f"{r['peak_rss_mb']:.0f} MiB", ""],
        ["load average after (1, 5, 15 min)", " ".join(f"{x:.2f}" for x in r["load_average_after"]), ""],
    ]
    print(markdown_table(["measure", "value", "bar"], rows))
    for refusal, n in r.get("stream_refusals", {}).items():
        print(f"  class streams refused {n} times: {refusal} (each opened again with backoff)")
    for message in r["error_messages"][:20]:
        print(f"  {message}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, default=None, help="300 (one server) or 2000 (two replicas)")
    parser.add_argument("--steps", type=int, default=20, help="teacher's Step clicks")
    parser.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    parser.add_argument("--client", choices=("protocol", "browser"), default="protocol")
    parser.add_argument("--pause", type=float, default=1.5, help="seconds between the teacher's clicks")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds idle, everybody in, measured before stepping")
    parser.add_argument("--quick", action="store_true", help="5 followers, 5 steps")
    args = parser.parse_args(argv)
    followers = args.followers or BARS[args.replicas][0]
    steps, idle = args.steps, args.idle
    if args.quick:
        followers, steps, idle = 5, 5, 3.0
    result = run(followers, steps, args.replicas, args.client, args.pause, idle)
    print_report(result)
    name = "class_follow" + (f"-replicas{args.replicas}" if args.replicas > 1 else "")
    name += ("-browser" if args.client == "browser" else "") + ("-quick" if args.quick else "")
    print(f"\nwritten to {write_results(name, result)}")


if __name__ == "__main__":
    main()
