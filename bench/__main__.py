"""Every benchmark, one after the other: `python -m bench` (about 45 minutes) or `python -m bench --quick`.

    decode_speed      one step, greedy, beam 5 per shipped model size       bench/results/decode_speed.json
    train_throughput  forward + backward + Adam per task, shipped settings   bench/results/train_throughput.json
    train_speed       Train page defaults: seconds of training to 95%        bench/results/train_speed-*.json
    race              Train page scorer race: race seconds to 95% per scorer  bench/results/race-*.json
    app_speed         Chromium: Decode (open, Step), page switches in en, zh bench/results/app_speed*.json
    load_test         30 sessions stepping for 120 s (browser client)        bench/results/load_test*.json
    lab_speed         the Lab: one step's importances, adversarial, the table  bench/results/lab_speed.json

Each prints its markdown tables; `--quick` runs each in its smallest mode (checks that they run).
Other work on the machine slows every number: run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

BENCHES = ("decode_speed", "train_throughput", "train_speed", "race", "app_speed", "load_test", "lab_speed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="each benchmark in its quick mode")
    parser.add_argument("--only", nargs="+", choices=BENCHES, default=list(BENCHES))
    args = parser.parse_args()
    failed = []
    for name in args.only:
        print(f"\n## {name}\n", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}", *(["--quick"] if args.quick else [])])
        print(f"\n({name}: {time.perf_counter() - started:.0f} s, exit {code})", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
