"""How fast the Train page's default settings learn: seconds of training to 95% exact match.

The speed bars (docs/performance.md): with the page's defaults on 2 CPU cores, dates reaches ≥ 95% exact
match on its validation set within 60 s of training, reverse within 30 s. This runs exactly
what a Train-page job runs (explorer.training.settings.JobSettings → seq2seq.train.train, one torch
thread) for each task, prints a table and writes JSON to bench/results/.

    python bench/train_speed.py                  # reverse, then dates
    python bench/train_speed.py --tasks reverse --limit 2
    python bench/train_speed.py --quick          # 10 steps per task: checks that it runs (CI)
    python bench/train_speed.py --seeds 0 1 2    # the same defaults with three seeds (seed 0 is the page's)

Each task trains until its bar's time has passed and 95% is reached (so "exact match at the
bar" is measured), giving up at --limit times the bar.
"training s" counts optimizer steps only (as TrainConfig.max_seconds does); "wall s" adds data
generation, validation and probes. The machine's load average is printed and saved: other
processes on the same cores slow every number here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import markdown_table  # noqa: E402
from explorer.training.settings import JobSettings  # noqa: E402

BARS = {"reverse": 30.0, "dates": 60.0}  # seconds of training to reach TARGET
TARGET = 0.95


def measure(task: str, bar: float, limit: float, threads: int, quick: bool, seed: int = 0) -> dict:
    """Train `task` with the page's defaults until `bar` training seconds have passed and 95% is
    reached, or `limit` seconds at most; return the curve (one point per epoch) and a summary."""
    import torch

    from seq2seq.train import train

    settings = JobSettings(task=task, seed=seed)
    curve: list[dict] = []
    latest = {"seconds": 0.0}

    def callback(event: dict) -> None:
        if event["type"] == "step":
            latest["seconds"] = event["seconds"]
        elif event["type"] == "epoch":
            curve.append(
                {
                    "epoch": event["epoch"],
                    "steps": event["steps"],
                    "training_s": event["seconds"],
                    "wall_s": round(time.perf_counter() - started, 2),
                    "exact_match": event["valid"]["exact_match"],
                }
            )

    def should_stop() -> bool:
        reached = any(point["exact_match"] >= TARGET for point in curve)
        return latest["seconds"] >= bar and reached

    with tempfile.TemporaryDirectory(prefix="train-speed-") as folder:
        config = settings.train_config(Path(folder) / "run", threads=threads)
        config = replace(config, max_seconds=limit, epochs=10_000, patience=10_000)
        if quick:
            config = replace(config, train_size=320, valid_size=50, max_steps=10)
        started = time.perf_counter()
        train(config, progress=False, callback=callback, should_stop=should_stop)
    reached = next((point for point in curve if point["exact_match"] >= TARGET), None)
    at_bar = [point for point in curve if point["training_s"] <= bar]
    last = curve[-1]
    return {
        "task": task,
        "seed": seed,
        "bar_s": bar,
        "seconds_to_target": reached["training_s"] if reached else None,
        "wall_seconds_to_target": reached["wall_s"] if reached else None,
        "exact_match_at_bar": at_bar[-1]["exact_match"] if at_bar else None,
        "final_exact_match": last["exact_match"],
        "training_s": last["training_s"],
        "pairs_per_s": round(last["steps"] * config.batch_size / max(last["training_s"], 1e-9), 1),
        "meets_bar": bool(reached and reached["training_s"] <= bar),
        "settings": {k: getattr(config, k) for k in ("hidden_size", "embedding_size", "batch_size", "lr",
                                                      "train_size", "valid_size", "scorer", "cell", "threads")},
        "torch_threads": torch.get_num_threads(),
        "curve": curve,
    }  # fmt: skip


def _number(value: float | None, digits: int = 1) -> str:
    return "not reached" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=list(BARS), choices=list(BARS))
    parser.add_argument("--limit", type=float, default=3.0, help="give up after this many times the bar (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the Train page uses 1)")
    parser.add_argument("--quick", action="store_true", help="10 steps per task on tiny data: checks it runs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default 0, the page's)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    results = [
        measure(task, BARS[task], args.limit * BARS[task], args.threads, args.quick, seed)
        for task in args.tasks
        for seed in args.seeds
    ]
    load_after = os.getloadavg()

    header = ["task", "seed", "bar", "training s to 95%", "wall s to 95%", "exact match at the bar",
              "final exact match", "pairs/s", "bar met"]  # fmt: skip
    rows = [
        [
            r["task"], r["seed"], f"{r['bar_s']:.0f} s", _number(r["seconds_to_target"]),
            _number(r["wall_seconds_to_target"]),
            _number(r["exact_match_at_bar"], 3), f"{r['final_exact_match']:.3f} after {r['training_s']:.0f} s",
            f"{r['pairs_per_s']:.0f}", "yes" if r["meets_bar"] else "no",
        ]
        for r in results
    ]  # fmt: skip
    print(markdown_table(header, rows))
    print(
        f"{os.cpu_count()} CPUs, {args.threads} torch thread(s); load average (1 min) {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after{'; --quick: not a measurement' if args.quick else ''}"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"train_speed-{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    record = {
        "quick": args.quick,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": load_before,
        "load_average_after": load_after,
        "results": results,
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
