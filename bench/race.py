"""The scorer race of the Train page: how long each scorer takes to pass the bar, over a few seeds.

The bar (docs/performance.md): a reverse race on 2 cores brings every scorer with attention to ≥ 95%
validation exact match within 2 minutes of race time (the wall clock of the whole race: every scorer's
steps, validation and probes, one thread, as the page's race job runs it), while `none` stays visibly
below. This runs exactly what the page's "Race all scorers" runs (explorer.training.settings.RaceSettings →
seq2seq.race.race, one torch thread), for each seed, until every contender passes or `--limit` seconds,
and prints per scorer the race seconds to pass (median and p95 over the seeds) and `none`'s best.

    python -m bench.race                         # the page's race settings, seeds 0 1 2, limit 240 s
    python -m bench.race --hidden 128 --lr 0.003 # the single training's defaults, for comparison
    python -m bench.race --quick                 # a few steps on tiny data: checks that it runs (CI)

The machine's load average is printed and saved: other processes on the same cores slow every number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import markdown_table  # noqa: E402
from explorer.training.settings import RaceSettings, task_bar  # noqa: E402

BAR_S = 120.0


def measure(settings: RaceSettings, limit: float, quick: bool) -> dict:
    """One race of `settings` for at most `limit` seconds: its summary and the validation curve of each scorer."""
    from seq2seq.race import race

    curve: list[dict] = []

    def callback(event: dict) -> None:
        if event["type"] == "epoch":
            curve.append({"scorer": event["scorer"], "steps": event["steps"], "race_s": event["race_seconds"],
                          "exact_match": event["valid"].get("exact_match")})  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="race-bench-") as folder:
        config = settings.train_config(Path(folder) / "race", threads=1)
        if quick:
            config = replace(config, train_size=256, valid_size=16)
        summary = race(config, settings.racing(), bar=task_bar(settings.task) or float("inf"),
                       max_seconds=limit, callback=callback)  # fmt: skip
    summary["curve"] = curve
    return summary


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = RaceSettings()
    parser.add_argument("--task", default="reverse")
    parser.add_argument("--hidden", type=int, default=defaults.hidden_size)
    parser.add_argument("--batch", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--limit", type=float, default=2 * BAR_S, help="give up after this many seconds (240)")
    parser.add_argument("--quick", action="store_true", help="5 s races on tiny data: checks that it runs")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    limit = 5.0 if args.quick else args.limit

    load_before = os.getloadavg()
    races = []
    for seed in args.seeds:
        settings = RaceSettings(task=args.task, hidden_size=args.hidden, batch_size=args.batch, lr=args.lr, seed=seed)
        started = time.perf_counter()
        summary = measure(settings, limit, args.quick)
        summary["wall_s"] = round(time.perf_counter() - started, 1)
        races.append(summary)
        first = summary["first"] or "nobody"
        print(f"seed {seed}: {summary['reason']} after {summary['seconds']:.0f} s; first {first}", flush=True)
    load_after = os.getloadavg()

    scorers = races[0]["scorers"]
    rows = []
    for scorer in scorers:
        times = [r["passed"][scorer]["race_seconds"] for r in races if scorer in r["passed"]]
        steps = [r["passed"][scorer]["steps"] for r in races if scorer in r["passed"]]
        best = [r["best"][scorer] for r in races]
        within = sum(1 for r in races if scorer in r["passed"] and r["passed"][scorer]["race_seconds"] <= BAR_S)
        rows.append([
            scorer, f"{len(times)}/{len(races)}",
            f"{statistics.median(times):.0f} / {p95(times):.0f}" if times else "not reached",
            f"{statistics.median(steps):.0f}" if steps else "–",
            f"{within}/{len(races)}",
            f"{statistics.median(best):.3f} ({min(best):.3f}–{max(best):.3f})",
        ])  # fmt: skip
    header = ["scorer", "passed", "race s to pass (median / p95)", "steps to pass (median)",
              f"passed within {BAR_S:.0f} s", "best validation exact match (median, range)"]  # fmt: skip
    print(markdown_table(header, rows))
    print(f"settings: hidden {args.hidden}, batch {args.batch}, lr {args.lr:g}, 1 torch thread; seeds {args.seeds}; "
          f"firsts: {[r['first'] for r in races]}")  # fmt: skip
    print(
        f"{os.cpu_count()} CPUs; load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after"
        f"{'; --quick: not a measurement' if args.quick else ''}"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"race-{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    record = {"quick": args.quick, "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
              "load_average_before": load_before, "load_average_after": load_after, "races": races}  # fmt: skip
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
