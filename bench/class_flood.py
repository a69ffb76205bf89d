"""Live classes: tabs flooding the server with reruns, against the class they sit in.

    python -m bench.class_flood [--followers 5] [--flooders 1] [--steps 8] [--rounds 3]
    python -m bench.class_flood --followers 30 --flooders 10     (issue 65: and --flooders 50)

Starts one server as `make run` does (`python -m explorer.ui.serve`, the embedded room store). A teacher
(a protocol client: bench.protocol.LiveClient) opens Decode on the dates task and starts a class;
`--followers` students join and follow with pushed steps. In each round the teacher presses Step
`--steps` times about a second apart, twice: once with the room quiet, once while `--flooders` more
sessions (the issue's attack: tabs of one address, the teacher's and the class's own) each ask for a rerun
of their Decode page every 2 ms. Reported, quiet against flooded: the teacher's click to the teacher's own
page showing the step (median, p95, max: the issue's bar is 1 s at p95 and 2 s at most), each follower's
latency from the click to its page showing the step (median, p95, max; bar 2 s), steps missed, and the
flooders' page runs a second against their address's budget (explorer.classrooms.flood: each socket
RATE_PER_SECOND after a BURST, all of one address ADDRESS_RATE_PER_SECOND after ADDRESS_BURST; the teacher's
socket has its own). Writes bench/results/class_flood[-N].json (N flooders, when more than one).
Other work on the machine slows every number: run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import time

from bench.class_steps import latencies, teach
from bench.common import dates, markdown_table, run_async, summary, write_results
from bench.protocol import LiveClient, connect, open_follower, open_teacher
from bench.server import Server
from explorer.classrooms.flood import ADDRESS_BURST, ADDRESS_RATE_PER_SECOND, BURST, RATE_PER_SECOND

FLOOD_EVERY_S = 0.002  # the attack: a rerun asked for every 2 ms
FLOOD_WARMUP_S = 2.0  # the flood runs this long before the teacher's first click (its burst spent)
SEEN_WITHIN_S = 10.0  # a step a follower has not shown this long after the click counts as missed


async def _flooder(url: str) -> LiveClient:
    flooder = await connect(url, "task=dates&scorer=concat&sentence=1+may+2000", "Decode")
    await flooder.open()
    await flooder.until(lambda: bool(flooder.finished), 60)
    return flooder


async def _step_the_class(
    teacher: LiveClient, followers: list[LiveClient], steps: int, own: list[float]
) -> tuple[list, list]:
    """The teacher's `steps` clicks (`own`: each click to the teacher's own page showing it, ms); (the followers'
    click-to-shown ms, the steps missed or errors)."""
    marks = [len(f.steps) for f in followers]
    try:
        clicks = await teach(teacher, steps, 1.0, own)
    except RuntimeError as error:  # the teacher's own page did not show a step within 30 s
        return [], [str(error)]
    await asyncio.gather(
        *(f.until(lambda f=f: any(k == clicks[-1].step for k, _t in f.steps[-3:]), SEEN_WITHIN_S) for f in followers)
    )
    ms, errors = [], []
    for follower, mark in zip(followers, marks, strict=True):
        found, missed, _skipped = latencies(follower.steps[mark:], clicks, SEEN_WITHIN_S)
        ms += found
        errors += missed + follower.exceptions
    return ms, errors


def _flood(url: str, n: int, stop, ready, sent, runs) -> None:
    """In a process of its own (the attacker's machine, not the measuring clients' event loop): `n` flooding
    sessions, each asking for a rerun every FLOOD_EVERY_S until `stop`; `sent` and `runs` (shared counters) say
    how many reruns were asked for and how many page runs the server finished for them."""

    async def main() -> None:
        floods = [await _flooder(url) for _ in range(n)]
        ready.set()

        async def send_reruns(flooder: LiveClient) -> None:
            while not stop.is_set():
                await flooder.ws.send(flooder.request())
                with sent.get_lock():
                    sent.value += 1
                await asyncio.sleep(FLOOD_EVERY_S)

        async def count() -> None:
            while not stop.is_set():
                runs.value = sum(len(f.finished) for f in floods)
                await asyncio.sleep(0.2)

        await asyncio.gather(count(), *(send_reruns(f) for f in floods))
        for flooder in floods:
            await flooder.close()

    asyncio.run(main())


async def class_under_flood(
    url: str, followers: int = 5, steps: int = 8, flood: bool = True, flooders: int = 1
) -> dict:
    """One class on the server at `url`: `followers` pushed followers see `steps` Steps while (`flood`)
    `flooders` more sessions each ask for a rerun every FLOOD_EVERY_S (from a process of their own). Returns
    {"ms": sorted click-to-shown ms, "teacher_ms": the teacher's own click-to-shown ms, "errors", "sent": reruns
    asked for, "runs": the flooders' page runs while the class stepped, "flood_s": seconds of that stepping}."""
    teacher, code = await open_teacher(url, dates(1, seed=23)[0], "concat")
    members = [await open_follower(url, code) for _ in range(followers)]
    spawn = multiprocessing.get_context("spawn")
    stop, ready = spawn.Event(), spawn.Event()
    sent, runs = spawn.Value("q", 0), spawn.Value("q", 0)
    attacker = spawn.Process(target=_flood, args=(url, flooders, stop, ready, sent, runs), daemon=True)
    if flood:
        attacker.start()
        if not await asyncio.to_thread(ready.wait, 300):
            raise RuntimeError("the flooding sessions did not open within 300 s")
        await asyncio.sleep(FLOOD_WARMUP_S)
    started, runs_before, sent_before = time.monotonic(), runs.value, sent.value
    own: list[float] = []
    ms, errors = await _step_the_class(teacher, members, steps, own)
    flood_s = time.monotonic() - started
    flood_runs, flood_sent = runs.value - runs_before, sent.value - sent_before
    stop.set()
    if flood:
        await asyncio.to_thread(attacker.join, 60)
    for client in (*members, teacher):
        await client.close()
    return {
        "ms": sorted(ms), "teacher_ms": own, "errors": errors, "sent": flood_sent, "runs": flood_runs,
        "flood_s": flood_s,
    }  # fmt: skip


def run(followers: int, steps: int, rounds: int, flooders: int = 1) -> dict:
    server = Server()
    server.start(timeout_s=180)
    results: dict[str, list[dict]] = {"quiet": [], "flooded": []}
    try:
        for _ in range(rounds):
            for name, flood in (("quiet", False), ("flooded", True)):
                results[name].append(run_async(class_under_flood(server.url, followers, steps, flood, flooders)))
    finally:
        server.stop()
    report = {
        "followers": followers, "flooders": flooders, "steps": steps, "rounds": rounds,
        "rate_per_second": RATE_PER_SECOND, "address_rate_per_second": ADDRESS_RATE_PER_SECOND,
        "load_average_after": os.getloadavg(),
    }  # fmt: skip
    for name, runs in results.items():
        flood_s = sum(r["flood_s"] for r in runs)
        followers_ms = [ms for r in runs for ms in r["ms"]]
        teacher_ms = [ms for r in runs for ms in r["teacher_ms"]]
        report[name] = {
            **(summary(followers_ms) if followers_ms else {"median_ms": None, "p95_ms": None, "n": 0}),
            "max_ms": max(followers_ms, default=None),
            "teacher": {**summary(teacher_ms), "max_ms": max(teacher_ms)} if teacher_ms else None,
            "missed": sum(len(r["errors"]) for r in runs),
            "error_messages": [e for r in runs for e in r["errors"]][:20],
            "reruns_asked_per_s": sum(r["sent"] for r in runs) / flood_s,
            "flooder_runs_per_s": sum(r["runs"] for r in runs) / flood_s,
        }
    return report


def _ms(stats: dict | None) -> str:
    if not stats or stats.get("n", 0) == 0:
        return "—"
    return f"{stats['median_ms']:.0f} / {stats['p95_ms']:.0f} / {stats['max_ms']:.0f}"


def print_report(r: dict) -> None:
    rows = [
        [
            f"{name} ({r['flooders']} flooding)" if name == "flooded" else name,
            _ms(r[name]["teacher"]),
            _ms(r[name]),
            f"{r[name]['n']}",
            f"{r[name]['missed']}",
            f"{r[name]['reruns_asked_per_s']:.0f}",
            f"{r[name]['flooder_runs_per_s']:.1f}",
        ]
        for name in ("quiet", "flooded")
    ]
    header = [
        "room", "teacher's click → its own page, median / p95 / max ms", "→ followers, median / p95 / max ms",
        "samples", "missed", "reruns asked /s", "flooders' runs /s",
    ]  # fmt: skip
    print(markdown_table(header, rows))
    print(
        f"\nEach socket's bucket: {RATE_PER_SECOND:.0f} messages a second after a burst of {BURST:.0f}; one address's "
        f"students together: {ADDRESS_RATE_PER_SECOND:.0f} a second after {ADDRESS_BURST:.0f} (the teacher's apart)."
    )
    for name in ("quiet", "flooded"):
        for message in r[name]["error_messages"]:
            print(f"  {name}: {message}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, default=5)
    parser.add_argument("--flooders", type=int, default=1, help="flooding sessions (tabs of one address)")
    parser.add_argument("--steps", type=int, default=8, help="the teacher's Steps per room and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round of 3 steps with 2 followers")
    args = parser.parse_args(argv)
    if args.quick:
        args.followers, args.steps, args.rounds = 2, 3, 1
    report = run(args.followers, args.steps, args.rounds, args.flooders)
    print_report(report)
    name = "class_flood" + (f"-{args.flooders}" if args.flooders > 1 else "")
    print(f"\nwrote {write_results(name, report)}")


if __name__ == "__main__":
    main()
