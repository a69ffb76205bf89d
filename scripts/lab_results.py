"""Compute the attention lab's results for the shipped models and store them in pretrained/lab/.

For every shipped model of each task: the agreement, permutation, uniform and length experiments
(`python -m seq2seq lab --model NAME --experiment ...`); on a model that learns where to look also
adversarial attention, alignment (reverse and dates: the tasks with gold alignments) and seed variance
(when its models of other seeds are found: released in pretrained/seeds/, or under --seed-runs while
they train; absent, with a line saying why, otherwise); on a model whose attention is fixed (uniform)
only length. And per task the scorer table
(`--task TASK --experiment table`), each run through the code the command runs
(`seq2seq.lab.run.run`) with a fixed `n` (`N`), one torch thread. Agreement runs under both definitions
of the importances (`MEASURES`): the signed ones are the entry's own summary and examples, Jain &
Wallace's are stored beside them under "jain-wallace". Integrated gradients run to convergence
(`IG_STEPS` None), and the settings record the method (`results.METHOD`) and its tolerances. Stored as
pretrained/lab/<task>.json (`seq2seq.lab.results`: what is kept of each result), with
pretrained/lab/README.md, the tables the docs show, written from those files. tests/test_lab_results.py
reruns the first few examples of each.

Resumable: an experiment already stored for a model with the same settings (`results.DECIDING`) and the
same weights is kept (seed variance: and the same seed models' weights), only what is missing is computed,
and the file is written after each model, so an interrupted run goes on where it stopped.
It writes only over files it wrote: a <task>.json or README.md in the lab folder that is not its own
is refused before any work (exit 2), and left as it is.

    python scripts/lab_results.py                            # all four tasks (reverse/dot alone: 5 minutes)
    python scripts/lab_results.py --tasks reverse dates
    python scripts/lab_results.py --only en-fr/general en-fr/table --force
    python scripts/lab_results.py --readme                   # only rewrite pretrained/lab/README.md
    python scripts/lab_results.py --tasks reverse dates --seed-runs runs/seeds   # seeds still training
    python scripts/lab_results.py --force --jobs 2           # a full refresh, two tasks at a time

With --jobs N the tasks run in N processes at once (each its own file, one torch thread each unless
--threads), the costliest first (`last_cost`: the seconds its stored results took), so that on two cores
a full refresh takes about as long as reverse alone. The README is written once, after every task.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.lab import integrated, results, results_readme  # noqa: E402
from seq2seq.lab.names import FIXED_ATTENTION, MODEL_EXPERIMENTS, READABLE, WITHOUT_ATTENTION  # noqa: E402
from seq2seq.scorers import learns_where_to_look  # noqa: E402
from seq2seq.tasks import TASKS, get_task  # noqa: E402

# Examples per experiment. The slowest parts are agreement (three importances at every step, integrated
# gradients to convergence, under both definitions) and reverse's table.
# Adversarial: one search per greedy step, about 0.4 s a step for en-fr on one thread (0.1 s for reverse
# and dates), and a stratified en-fr sentence has about 12 steps: 15 sources take 60 to 90 s per model.
# Seed variance is two forced decodes and a greedy one per seed and source (seconds for 50 sources);
# alignment three importances at every gold step, like agreement's (40 sources: about a minute on reverse).
N = {
    "agreement": 40,
    "permutation": 100,
    "adversarial": 15,
    "seed_variance": 50,
    "uniform": 200,
    "length": 200,
    "alignment": 40,
    "table": 50,
}
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
        "share": integrated.SHARE,  # never more than this share of |f(x) - f(x')| (issue 64)
        "floor": READABLE,  # below it in |f(x) - f(x')|: nothing to attribute, out of every tau with IG
    }


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def experiments_of(entry) -> tuple[str, ...]:
    """What is stored for the model `entry` (seed variance apart: it needs seed models, `seed_digests`)."""
    if entry.scorer == "none":
        return WITHOUT_ATTENTION
    if not learns_where_to_look(entry.scorer):  # uniform: Wiegreffe & Pinter's trained baseline
        return FIXED_ATTENTION
    aligned = ("alignment",) if get_task(entry.task).has_alignments else ()
    return (*MODEL_EXPERIMENTS, "adversarial", *aligned)


def seed_digests(entry, seed_runs: Path | None) -> dict[str, str]:
    """{seed model's name: its weights' digest} of the models of other seeds found for `entry` ({}: none)."""
    from seq2seq.lab.seeds import seed_folders

    if not learns_where_to_look(entry.scorer):
        return {}
    return {m.name: results.weights_digest(m.folder) for m in seed_folders(entry.name, seed_runs)}


def missing(
    stored: dict | None, entry, digest: str, seeds: dict[str, str], trained_uniform: str | None = None
) -> list[str]:
    """The experiments of `entry` to compute: all when its weights changed, else those not stored (seed
    variance when its seed models changed, the uniform experiment when the task's trained uniform model,
    whose metric it sets beside the swap, changed: `trained_uniform` is that model's digest or None)."""
    if not stored or stored.get("weights") != digest:
        return [*experiments_of(entry), *(["seed_variance"] if seeds else [])]
    todo = [e for e in experiments_of(entry) if e not in stored]
    if "agreement" in stored and (stored["agreement"] or {}).get("version") != results.AGREEMENT_VERSION:
        todo.append("agreement")  # computed another way (results.AGREEMENT_VERSION): only it is stale
    if "uniform" in stored and (stored["uniform"] or {}).get("trained_weights") != trained_uniform:
        todo.append("uniform")
    if seeds and (stored.get("seed_variance") or {}).get("weights") != seeds:
        todo.append("seed_variance")
    return todo


def trained_uniform_digest(task_name: str) -> str | None:
    """The weights' digest of the task's trained uniform model (`<task>/uniform`), None when none is registered."""
    from seq2seq.registry import is_registered, resolve

    name = f"{task_name}/uniform"
    return results.weights_digest(resolve(name)) if is_registered(name) else None


def up_to_date(
    stored: dict | None, entry, digest: str, seeds: dict[str, str] | None = None, trained_uniform: str | None = None
) -> bool:
    return not missing(stored, entry, digest, seeds or {}, trained_uniform)


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


def run_one(experiment: str, translator, task_name: str, n: int, data: str | None, label: str, **more) -> dict:
    from seq2seq.lab.run import run

    started = time.perf_counter()
    result = run(
        experiment, translator, task_name, SPLIT, n, data, IG_STEPS, SEEDS, bar=make_bar(), measures=MEASURES, **more
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
    uniform_digest = trained_uniform_digest(task_name)
    out["by_model"] = {name: out["by_model"][name] for name in digests if name in out["by_model"]}  # registry order
    for index, entry in enumerate(entries, 1):
        name, label = entry.name, f"[{task_name} {index}/{len(entries)}] {entry.name}"
        if args.only and name not in args.only:
            continue
        seeds = seed_digests(entry, args.seed_runs)
        stored = None if args.force else out["by_model"].get(name)
        todo = missing(stored, entry, digests[name], seeds, uniform_digest)
        if learns_where_to_look(entry.scorer) and not seeds:
            log(f"{label}: no seed_variance: no models of other seeds in pretrained/seeds/{task_name}/ or --seed-runs")
        if not todo:
            log(f"{label}: stored, skipped")
            continue
        started = time.perf_counter()
        translator = load_model(name)
        kept = stored if stored and stored.get("weights") == digests[name] else {}
        record = {**kept, "weights": digests[name], "date": now(), "commit": settings["commit"]}
        if not seeds:
            record.pop("seed_variance", None)  # its seed models are gone: a stale comparison is not kept
        for experiment in todo:
            more = {}
            if experiment == "seed_variance":  # the same steps as the stored adversarial's, beside them
                from seq2seq.lab.seed_variance import from_stored_adversarial

                more = {"seed_runs": args.seed_runs, "adversarial": from_stored_adversarial(record.get("adversarial"))}
            record[experiment] = run_one(experiment, translator, task_name, N[experiment], data, label, **more)
            if experiment == "seed_variance":
                record[experiment]["weights"] = seeds
            if experiment == "uniform":
                record[experiment]["trained_weights"] = uniform_digest
        record["seconds"] = round(time.perf_counter() - started + (kept.get("seconds") or 0), 1)
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


def last_cost(task_name: str, root: Path | None) -> float:
    """The seconds the task's stored results took (its models and its table); infinite when none are
    stored, so that an unknown task starts first. --jobs starts the costliest first, to end together."""
    data, _ = results.load(task_name, root)
    return results.recorded_seconds(data) if data else float("inf")


SETTINGS = ("N", "IG_STEPS", "SEEDS")  # this module's settings, handed to --jobs' workers as they are here


def _compute_alone(task_name: str, args, settings: dict) -> None:
    """One task in a worker process of --jobs: this process's settings, its own torch threads, the same code."""
    import torch

    globals().update(settings)
    torch.set_num_threads(args.threads)
    compute_task(task_name, args)


def compute_tasks(args) -> None:
    """Every task of `args.tasks`: one after another, or `args.jobs` at a time in worker processes."""
    if args.jobs <= 1 or len(args.tasks) == 1:
        for task_name in args.tasks:
            compute_task(task_name, args)
        return
    from concurrent.futures import ProcessPoolExecutor

    ordered = sorted(args.tasks, key=lambda t: -last_cost(t, args.root))
    # spawn, not fork: a forked child would inherit torch's thread pool state from this process
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        settings = {name: globals()[name] for name in SETTINGS}
        for done in [pool.submit(_compute_alone, task_name, args, settings) for task_name in ordered]:
            done.result()  # re-raises a worker's error (NotOursError, Interrupted) here


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these models (and TASK/table for a table)")
    parser.add_argument("--force", action="store_true", help="recompute even what is stored with the same settings")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1; the stored numbers used 1)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=f"the corpora (default {DATA_DIR})")
    parser.add_argument("--root", type=Path, default=None, help="write into ROOT/lab/ (default: the registry root)")
    parser.add_argument("--readme", action="store_true", help="only rewrite pretrained/lab/README.md")
    parser.add_argument("--jobs", type=int, default=1, help="tasks computed at once, each in its own process")
    parser.add_argument(
        "--seed-runs",
        type=Path,
        default=None,
        help="also look for unreleased seed models there (laid out as runs/seeds/: s<k>/<task>/<scorer>)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs: at least 1")
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
            compute_tasks(args)
        except (KeyboardInterrupt, Interrupted):
            log("interrupted: the models finished so far are stored; run it again to go on")
            return 130
        except results.NotOursError as error:
            log(f"error: {error}")
            return 2
        finally:
            log(f"{time.perf_counter() - started:.0f} s in all")
    try:
        readme = results_readme.write_readme(args.root)
    except results.NotOursError as error:
        log(f"error: {error}")
        return 2
    log(f"written {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
