"""Compute the attention lab's results for the shipped models and store them in pretrained/lab/.

For every shipped model of each task: the agreement, permutation, uniform and length experiments
(`python -m seq2seq lab --model NAME --experiment ...`), and per task the scorer table
(`--task TASK --experiment table`), each run through the code the command runs
(`seq2seq.lab.run.run`) with a fixed `n` (`N`), one torch thread. Agreement runs under both definitions
of the importances (`MEASURES`): the signed ones are the entry's own summary and examples, Jain &
Wallace's are stored beside them under "jain-wallace". Integrated gradients run to convergence
(`IG_STEPS` None), and the settings record the method (`results.METHOD`) and its tolerances. Stored as
pretrained/lab/<task>.json (`seq2seq.lab.results`: what is kept of each result), with
pretrained/lab/README.md, the tables the docs show, written from those files. tests/test_lab_results.py
reruns the first few examples of each.

Resumable: a model already stored with the same settings (`results.DECIDING`) and the same weights is
skipped, and the file is written after each model, so an interrupted run goes on where it stopped.
It writes only over files it wrote: a <task>.json or README.md in the lab folder that is not its own
is refused before any work (exit 2), and left as it is.

    python scripts/lab_results.py                            # all four tasks (reverse/dot alone: 5 minutes)
    python scripts/lab_results.py --tasks reverse dates
    python scripts/lab_results.py --only en-fr/general en-fr/table --force
    python scripts/lab_results.py --readme                   # only rewrite pretrained/lab/README.md
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.lab import integrated, results  # noqa: E402
from seq2seq.lab.names import MODEL_EXPERIMENTS, WITHOUT_ATTENTION  # noqa: E402
from seq2seq.tasks import TASKS, get_task  # noqa: E402

# Examples per experiment. The slowest parts are agreement (three importances at every step, integrated
# gradients to convergence, under both definitions) and reverse's table.
N = {"agreement": 40, "permutation": 100, "uniform": 200, "length": 200, "table": 50}
IG_STEPS = None  # integrated gradients to convergence (seq2seq.lab.integrated); a number would fix the points
SEEDS = 100  # permutations per step
MEASURES = ("signed", "jain-wallace")  # agreement's definitions, the first the entry's own (seq2seq.lab.names)
SPLIT = "test"
DATA_DIR = ROOT.parent / "shared" / "data"  # where CI and the worktrees find the corpora


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def git_commit() -> str:
    """HEAD's commit, with "+changes" when tracked files differ from it; "" outside a checkout."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--"], cwd=ROOT, capture_output=True).returncode
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+changes" if dirty else "")


def settings_for(task_name: str, data_dir: Path, threads: int) -> tuple[dict, str | None]:
    """(the settings stored with the task's results, the corpus path the experiments read or None)."""
    task = get_task(task_name)
    data, data_path = None, None
    if task.needs_data:
        file = data_dir / task.data_file
        if not file.is_file():
            raise SystemExit(f"{task_name}: no corpus at {file} (--data-dir)")
        data = {"file": task.data_file, "sha256": results.file_digest(file)}
        data_path = str(file)
    return {
        "split": SPLIT,
        "n": dict(N),
        "ig_steps": IG_STEPS,
        "ig": ig_settings(),
        "seeds": SEEDS,
        "data": data,
        "method": results.METHOD,
        "measures": list(MEASURES),
        "sampling": "stratified by source length (seq2seq.lab.sample)",
        "threads": threads,
        "date": now(),
        "commit": git_commit(),
    }, data_path


def ig_settings() -> dict:
    """How integrated gradients were run: to convergence, within these bounds (seq2seq.lab.integrated)."""
    return {
        "adaptive": IG_STEPS is None,
        "start": integrated.START_PANELS * integrated.PANEL_POINTS,
        "max": integrated.MAX_IG_STEPS,
        "panel_points": integrated.PANEL_POINTS,
        "atol": integrated.ATOL,
        "rtol": integrated.RTOL,
    }


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def experiments_of(entry) -> tuple[str, ...]:
    return MODEL_EXPERIMENTS if entry.scorer != "none" else WITHOUT_ATTENTION


def up_to_date(stored: dict | None, entry, digest: str) -> bool:
    return bool(stored) and stored.get("weights") == digest and all(e in stored for e in experiments_of(entry))


class Interrupted(Exception):
    """Ctrl-C inside an experiment: its result is partial and is not stored."""


def make_bar():
    """A tqdm bar factory for `run` when stderr is a terminal; None (a line per experiment only) otherwise."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    def bar(total: int, unit: str):
        return tqdm(total=total, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    return bar


def run_one(experiment: str, translator, task_name: str, n: int, data: str | None, label: str) -> dict:
    from seq2seq.lab.run import run

    started = time.perf_counter()
    result = run(
        experiment, translator, task_name, SPLIT, n, data, IG_STEPS, SEEDS, bar=make_bar(), measures=MEASURES
    )  # agreement: both definitions in one pass, the others beside the first (`results.stored_form`)
    if result.get("interrupted"):
        raise Interrupted
    log(f"  {label} {experiment} n={n}: {time.perf_counter() - started:.1f} s")
    return results.stored_form(experiment, result)


def compute_task(task_name: str, args) -> None:
    from seq2seq.checkpoint import load_model
    from seq2seq.lab.table import task_models
    from seq2seq.registry import resolve

    results.check_writable(task_name, args.root)  # before any work: never computed only to be refused
    settings, data = settings_for(task_name, args.data_dir, args.threads)
    stored, note = results.load(task_name, args.root)
    if note:
        log(f"{task_name}: the stored results cannot be used, starting afresh: {note}")
    if stored is not None and not results.same_settings(stored["settings"], settings):
        log(f"{task_name}: the stored results have other settings: starting afresh")
        stored = None
    out = {
        "format": results.FORMAT,
        "task": task_name,
        "settings": settings,
        "by_model": dict(stored["by_model"]) if stored else {},
        "table": stored.get("table") if stored else None,
    }
    entries = task_models(task_name)
    digests = {entry.name: results.weights_digest(resolve(entry.name)) for entry in entries}
    out["by_model"] = {name: out["by_model"][name] for name in digests if name in out["by_model"]}  # registry order
    for index, entry in enumerate(entries, 1):
        name, label = entry.name, f"[{task_name} {index}/{len(entries)}] {entry.name}"
        if args.only and name not in args.only:
            continue
        if not args.force and up_to_date(out["by_model"].get(name), entry, digests[name]):
            log(f"{label}: stored, skipped")
            continue
        started = time.perf_counter()
        translator = load_model(name)
        record = {"weights": digests[name], "date": now(), "commit": settings["commit"]}
        for experiment in experiments_of(entry):
            record[experiment] = run_one(experiment, translator, task_name, N[experiment], data, label)
        record["seconds"] = round(time.perf_counter() - started, 1)
        out["by_model"][name] = record
        out["by_model"] = {k: out["by_model"][k] for k in digests if k in out["by_model"]}
        results.save(task_name, out, args.root)
        log(f"{label}: {record['seconds']} s, written")
    table_name = f"{task_name}/table"
    table = out["table"]
    fresh = bool(table) and table.get("weights") == digests
    if (not args.only or table_name in args.only) and (args.force or not fresh):
        started = time.perf_counter()
        found = run_one("table", None, task_name, N["table"], data, f"[{task_name}] table")
        out["table"] = {**found, "weights": digests, "date": now(), "seconds": round(time.perf_counter() - started, 1)}
        results.save(task_name, out, args.root)
        log(f"[{task_name}] table: {out['table']['seconds']} s, written")
    elif fresh:
        log(f"[{task_name}] table: stored, skipped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these models (and TASK/table for a table)")
    parser.add_argument("--force", action="store_true", help="recompute even what is stored with the same settings")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1; the stored numbers used 1)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=f"the corpora (default {DATA_DIR})")
    parser.add_argument("--root", type=Path, default=None, help="write into ROOT/lab/ (default: the registry root)")
    parser.add_argument("--readme", action="store_true", help="only rewrite pretrained/lab/README.md")
    args = parser.parse_args(argv)
    if args.only:
        from seq2seq.lab.table import task_models

        known = {e.name for task in args.tasks for e in task_models(task)} | {f"{t}/table" for t in args.tasks}
        unknown = sorted(set(args.only) - known)
        if unknown:
            parser.error(
                f"--only: {', '.join(unknown)} not among the models of {', '.join(args.tasks)} (or TASK/table)"
            )
    if not args.readme:
        import torch

        torch.set_num_threads(args.threads)
        started = time.perf_counter()
        try:
            for task_name in args.tasks:
                compute_task(task_name, args)
        except (KeyboardInterrupt, Interrupted):
            log("interrupted: the models finished so far are stored; run it again to go on")
            return 130
        except results.NotOursError as error:
            log(f"error: {error}")
            return 2
        finally:
            log(f"{time.perf_counter() - started:.0f} s in all")
    try:
        readme = results.write_readme(args.root)
    except results.NotOursError as error:
        log(f"error: {error}")
        return 2
    log(f"written {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
