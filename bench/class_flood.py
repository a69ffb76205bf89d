"""Live classes: one tab flooding the server with reruns, against the class it sits in.

    python -m bench.class_flood [--followers 5] [--steps 8] [--rounds 3]

Starts one server as `make run` does (`python -m explorer.ui.serve`, the embedded room store). A teacher
(a protocol client: bench.protocol.LiveClient) opens Decode on the dates task and starts a class;
`--followers` students join and follow with pushed steps. In each round the teacher presses Step
`--steps` times about a second apart, twice: once with the room quiet, once while one more session
(the issue's attack, from one tab) asks for a rerun of its Decode page every 2 ms. Reported, quiet
against flooded: each follower's latency from the teacher's click to its page showing the step (median,
p95), steps missed, and the flooder's page runs a second against its bucket's rate
(explorer.classrooms.flood: RATE_PER_SECOND after a BURST). Writes bench/results/class_flood.json.
Other work on the machine slows every number: run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.class_steps import latencies, teach
from bench.common import dates, markdown_table, run_async, summary, write_results
from bench.protocol import LiveClient, connect, open_follower, open_teacher
from bench.server import Server
from explorer.classrooms.flood import BURST, RATE_PER_SECOND

FLOOD_EVERY_S = 0.002  # the attack: a rerun asked for every 2 ms
FLOOD_WARMUP_S = 2.0  # the flood runs this long before the teacher's first click (its burst spent)
SEEN_WITHIN_S = 10.0  # a step a follower has not shown this long after the click counts as missed


async def _flooder(url: str) -> LiveClient:
    flooder = await connect(url, "task=dates&scorer=concat&sentence=1+may+2000", "Decode")
    await flooder.open()
    await flooder.until(lambda: bool(flooder.finished), 60)
    return flooder


async def _step_the_class(teacher: LiveClient, followers: list[LiveClient], steps: int) -> tuple[list, list]:
    """The teacher's `steps` clicks; (the followers' click-to-shown ms, the steps missed or errors)."""
    marks = [len(f.steps) for f in followers]
    clicks = await teach(teacher, steps, 1.0)
    await asyncio.gather(
        *(f.until(lambda f=f: any(k == clicks[-1].step for k, _t in f.steps[-3:]), SEEN_WITHIN_S) for f in followers)
    )
    ms, errors = [], []
    for follower, mark in zip(followers, marks, strict=True):
        found, missed, _skipped = latencies(follower.steps[mark:], clicks, SEEN_WITHIN_S)
        ms += found
        errors += missed + follower.exceptions
    return ms, errors


async def class_under_flood(url: str, followers: int = 5, steps: int = 8, flood: bool = True) -> dict:
    """One class on the server at `url`: `followers` pushed followers see `steps` Steps while (`flood`)
    one more session asks for a rerun every FLOOD_EVERY_S. Returns {"ms": sorted click-to-shown ms,
    "errors", "sent": reruns asked for, "runs": the flooder's page runs while the class stepped,
    "flood_s": seconds of that stepping}."""
    teacher, code = await open_teacher(url, dates(1, seed=23)[0], "concat")
    members = [await open_follower(url, code) for _ in range(followers)]
    flooder = await _flooder(url) if flood else None
    stop, sent = asyncio.Event(), 0

    async def send_reruns() -> None:
        nonlocal sent
        while not stop.is_set():
            await flooder.ws.send(flooder.request())
            sent += 1
            await asyncio.sleep(FLOOD_EVERY_S)

    flooding = asyncio.create_task(send_reruns()) if flooder else None
    if flooding:
        await asyncio.sleep(FLOOD_WARMUP_S)
    started, runs_before = time.monotonic(), len(flooder.finished) if flooder else 0
    ms, errors = await _step_the_class(teacher, members, steps)
    flood_s = time.monotonic() - started
    runs = len(flooder.finished) - runs_before if flooder else 0
    stop.set()
    if flooding:
        await flooding
    for client in (*members, *([flooder] if flooder else []), teacher):
        await client.close()
    return {"ms": sorted(ms), "errors": errors, "sent": sent, "runs": runs, "flood_s": flood_s}


def run(followers: int, steps: int, rounds: int) -> dict:
    server = Server()
    server.start(timeout_s=180)
    results: dict[str, list[dict]] = {"quiet": [], "flooded": []}
    try:
        for _ in range(rounds):
            for name, flood in (("quiet", False), ("flooded", True)):
                results[name].append(run_async(class_under_flood(server.url, followers, steps, flood)))
    finally:
        server.stop()
    report = {"followers": followers, "steps": steps, "rounds": rounds, "rate_per_second": RATE_PER_SECOND}
    for name, runs in results.items():
        flood_s = sum(r["flood_s"] for r in runs)
        report[name] = {
            **summary([ms for r in runs for ms in r["ms"]]),
            "missed": sum(len(r["errors"]) for r in runs),
            "reruns_asked_per_s": sum(r["sent"] for r in runs) / flood_s,
            "flooder_runs_per_s": sum(r["runs"] for r in runs) / flood_s,
        }
    return report


def print_report(r: dict) -> None:
    rows = [
        [
            name,
            f"{r[name]['median_ms']:.0f}",
            f"{r[name]['p95_ms']:.0f}",
            f"{r[name]['n']}",
            f"{r[name]['missed']}",
            f"{r[name]['reruns_asked_per_s']:.0f}",
            f"{r[name]['flooder_runs_per_s']:.1f}",
        ]
        for name in ("quiet", "flooded")
    ]
    header = ["room", "click → shown median ms", "p95 ms", "samples", "missed", "reruns asked /s", "flooder runs /s"]
    print(markdown_table(header, rows))
    print(f"\nThe flooder's bucket: {RATE_PER_SECOND:.0f} messages a second after a burst of {BURST:.0f}.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--followers", type=int, default=5)
    parser.add_argument("--steps", type=int, default=8, help="the teacher's Steps per room and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one round of 3 steps with 2 followers")
    args = parser.parse_args(argv)
    if args.quick:
        args.followers, args.steps, args.rounds = 2, 3, 1
    report = run(args.followers, args.steps, args.rounds)
    print_report(report)
    print(f"\nwrote {write_results('class_flood', report)}")


if __name__ == "__main__":
    main()
