"""The attention lab's speed: one step's importances, one step's adversarial search, the scorer table.

    python -m bench.lab_speed [--repeats 30] [--threads 1] [--table-threads 1 2] [--quick]

- importances: `seq2seq.lab.importance.step_importance` (gradient x input, integrated gradients to
  convergence, leave-one-out) for every output step of an en-fr sentence of 12 tokens (13 source positions
  with </s>; 12 output tokens), the steps taken in turn: what the Lab page computes for one step
  (bar: median <= 300 ms), with the signed measures and with Jain & Wallace's (each step's points of
  integrated gradients recorded);
- adversarial: `seq2seq.lab.adversarial.adversarial_step` with its defaults (8 restarts x 150 Adam
  steps) on the same sentence's steps in turn (bar: <= 2 s);
- table: `python -m seq2seq lab --task TASK --experiment table --n 200` as the command runs it
  (`seq2seq.lab.run.run`), reverse and dates, once per thread count (bar: <= 5 minutes), with each
  model's seconds;
- refresh (`--refresh`, opt-in: about 40 minutes on two free cores): every stored result computed
  afresh, `python scripts/lab_results.py --force --jobs 2` into a temporary folder (the shipped files
  are not touched; `--refresh-root pretrained` refreshes them), wall clock (bar: <= 60 minutes), with
  each task's seconds.

Prints markdown tables (median and p95 in ms; the table in seconds) and writes bench/results/lab_speed.json.
Beside each timing, decode_speed's host probe (µs of one memory-bound product: how busy the shared host
was; about 70-78 quiet). `--quick`: 3 repetitions, a table of 3 examples of dates on one thread (CI).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from bench.common import host_probe_us, markdown_table, summary, time_calls, write_results

MODEL = "en-fr/general"
# decode_speed's en-fr sentence: 12 SentencePiece pieces (13 source positions with </s>), 12 output tokens.
SENTENCE = "We want to go to the beach tomorrow with my friends."
TABLE_TASKS = ("reverse", "dates")
TABLE_N = 200
BARS = {"importances": 300.0, "importances_jain_wallace": 300.0, "adversarial": 2000.0, "table": 300.0}  # ms; table: s
REFRESH_BAR = 3600.0  # s: every stored result afresh, two processes
ROOT = Path(__file__).resolve().parent.parent


def _steps(translator, sentence: str) -> list[tuple[int, ...]]:
    """The prefixes of every step of the sentence's greedy decode (step t: its first t output ids)."""
    ids = [step.token_id for step in translator.greedy(sentence).steps]
    return [tuple(ids[:t]) for t in range(len(ids))]


def _cycling(fn, prefixes):
    """A call that runs `fn` on the next prefix each time (the steps taken in turn)."""
    position = [0]

    def call():
        fn(prefixes[position[0] % len(prefixes)])
        position[0] += 1

    return call


def bench_steps(repeats: int) -> dict:
    from seq2seq.checkpoint import load_model
    from seq2seq.lab.adversarial import adversarial_step
    from seq2seq.lab.importance import step_importance

    translator = load_model(MODEL)
    prefixes = _steps(translator, SENTENCE)
    source_tokens = len(translator.encode_source(SENTENCE))
    probe = host_probe_us()
    points: dict[str, list[int]] = {"signed": [], "jain-wallace": []}

    def importances_of(measures: str):
        def call(prefix):
            points[measures].append(step_importance(translator, SENTENCE, prefix, measures=measures).ig_points)

        return time_calls(_cycling(call, prefixes), repeats, warmup=2)

    importances = importances_of("signed")
    jain_wallace = importances_of("jain-wallace")
    adversarial = time_calls(
        _cycling(lambda p: adversarial_step(translator, SENTENCE, p), prefixes), max(3, repeats // 3), warmup=1
    )
    return {
        "model": MODEL,
        "sentence": SENTENCE,
        "source_tokens": source_tokens,
        "output_tokens": len(prefixes),
        "host_probe_us": probe,
        "importances": summary(importances),
        "importances_jain_wallace": summary(jain_wallace),
        "ig_points": {m: {"median": sorted(p)[len(p) // 2], "max": max(p)} for m, p in points.items() if p},
        "adversarial": summary(adversarial),
    }


def bench_table(task: str, n: int, threads: int) -> dict:
    from seq2seq.lab.run import run

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        probe = host_probe_us()
        started = time.perf_counter()
        result = run("table", None, task, "test", n)
        seconds = time.perf_counter() - started
    finally:
        torch.set_num_threads(before)
    return {
        "task": task,
        "n": n,
        "threads": threads,
        "host_probe_us": probe,
        "seconds": seconds,
        "per_model": {row["model"]: row["seconds"] for row in result["rows"]},
    }


def bench_refresh(jobs: int, into: Path | None) -> dict:
    """`scripts/lab_results.py --force --jobs JOBS` into `into` (ROOT/lab/; None: a temporary root): the
    wall clock, and each task's seconds as the files record them (`results.recorded_seconds`)."""
    from seq2seq.lab.results import recorded_seconds

    probe = host_probe_us()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(into or temporary).resolve()
        command = [sys.executable, str(ROOT / "scripts" / "lab_results.py"), "--force", "--jobs", str(jobs)]
        started = time.perf_counter()
        subprocess.run([*command, "--root", str(root)], check=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        stored = (json.loads(path.read_text()) for path in sorted((root / "lab").glob("*.json")))
        tasks = {data["task"]: recorded_seconds(data) for data in stored}
    return {"jobs": jobs, "host_probe_us": probe, "seconds": seconds, "tasks": tasks}


def verdict(value: float, bar: float) -> str:
    return "met" if value <= bar else "missed"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30, help="importance timings (adversarial: a third)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for the per-step timings")
    parser.add_argument("--table-threads", type=int, nargs="+", default=[1, 2], help="thread counts for the table")
    parser.add_argument("--tasks", nargs="+", default=list(TABLE_TASKS), choices=TABLE_TASKS + ("en-fr", "zh-en"))
    parser.add_argument("--n", type=int, default=TABLE_N, help="the table's examples")
    parser.add_argument("--quick", action="store_true", help="3 repetitions, a 3-example dates table on 1 thread (CI)")
    parser.add_argument("--no-table", action="store_true", help="only the per-step timings")
    parser.add_argument("--refresh", action="store_true", help="also time a full refresh of the stored results")
    parser.add_argument("--refresh-jobs", type=int, default=2, help="processes of the refresh (default 2)")
    parser.add_argument(
        "--refresh-root",
        type=Path,
        default=None,
        help="refresh ROOT/lab/ (pretrained: the shipped files; default: a temporary one)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.tasks, args.table_threads, args.n = 3, ["dates"], [1], 3
    torch.set_num_threads(args.threads)
    steps = bench_steps(args.repeats)
    rows = [
        [
            f"{what} ({steps['model']}, {steps['source_tokens']} source positions)",
            f"{steps[key]['median_ms']:.0f} / {steps[key]['p95_ms']:.0f}",
            steps[key]["n"],
            f"≤ {BARS[key]:.0f} ms",
            verdict(steps[key]["median_ms"], BARS[key]),
            f"{steps['host_probe_us']:.0f}",
        ]
        for what, key in (
            ("one step's importances, signed, IG to convergence", "importances"),
            ("one step's importances, Jain & Wallace's, IG to convergence", "importances_jain_wallace"),
            ("one step's adversarial search", "adversarial"),
        )
    ]
    print(markdown_table(["measure", "ms (median / p95)", "runs", "bar", "", "host probe µs"], rows))
    print(
        "integrated gradients' points per step (median / max): "
        + ", ".join(f"{m} {p['median']} / {p['max']}" for m, p in steps["ig_points"].items())
    )
    tables = []
    if not args.no_table:
        for task in args.tasks:
            for threads in args.table_threads:
                tables.append(bench_table(task, args.n, threads))
        rows = [
            [
                t["task"],
                t["n"],
                t["threads"],
                f"{t['seconds']:.0f}",
                f"≤ {BARS['table']:.0f}",
                verdict(t["seconds"], BARS["table"]),
                ", ".join(f"{name.split('/')[1]} {s:.0f}" for name, s in t["per_model"].items()),
                f"{t['host_probe_us']:.0f}",
            ]
            for t in tables
        ]
        print()
        header = ["table", "examples", "threads", "seconds", "bar (s)", "", "per model (s)", "host probe µs"]
        print(markdown_table(header, rows))
    refresh = None
    if args.refresh:
        refresh = bench_refresh(args.refresh_jobs, args.refresh_root)
        print()
        print(
            markdown_table(
                ["refresh", "seconds", "bar (s)", "", "per task (s, one process each)", "host probe µs"],
                [
                    [
                        f"lab_results.py --force --jobs {refresh['jobs']}",
                        f"{refresh['seconds']:.0f}",
                        f"≤ {REFRESH_BAR:.0f}",
                        verdict(refresh["seconds"], REFRESH_BAR),
                        ", ".join(f"{task} {s:.0f}" for task, s in refresh["tasks"].items()),
                        f"{refresh['host_probe_us']:.0f}",
                    ]
                ],
            )
        )
    data = {"threads": args.threads, "quick": args.quick, "steps": steps, "tables": tables, "refresh": refresh}
    print(f"\nwritten to {write_results('lab_speed', data)}")


if __name__ == "__main__":
    main()
