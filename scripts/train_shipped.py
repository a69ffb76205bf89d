"""Train the shipped models: one per task and scorer, identical but for the scorer.

Resumable: run it again and every finished model is skipped, every interrupted one continues
at its next batch (`train --resume`). Runs `--jobs` trainings at once, each with
`--threads` torch threads. Outputs go to runs/<task>/<scorer>; `scripts/release.py` evaluates
them and copies them into pretrained/.

    python scripts/train_shipped.py --tasks reverse dates --jobs 2 --threads 1
    python scripts/train_shipped.py --tasks en-fr --stages 3000 7000   # en-fr as shipped
    python scripts/train_shipped.py --tasks zh-en --jobs 1 --threads 2  # zh-en (or --extra='--device cuda')
    python scripts/train_shipped.py --tasks zh-en --names --released /tmp/r/pretrained  # zh-en's names stages only
    python scripts/train_shipped.py --tasks en-fr zh-en --typed --jobs 1 --threads 2  # as typed, from pretrained/

`--typed` fine-tunes each translation model, every scorer, from the released one in pretrained/ (or
`--released`) on its corpus plus typed variants of its sources (`run_typed`, issue 63).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.config import CELLS  # noqa: E402
from seq2seq.scorers import SCORERS  # noqa: E402
from seq2seq.tasks import all_tasks, get_task, zh_en  # noqa: E402

# The settings every model of a task shares (only the scorer differs): each task's own (Task.shipped).
SETTINGS = {task.name: list(task.shipped.options) for task in all_tasks()}
# Without --tasks: the tasks that generate their data (the corpus tasks need their file, and hours).
DEFAULT_TASKS = [task.name for task in all_tasks() if not task.needs_data]
RELEASED = ROOT / "pretrained"  # the released models `--typed` starts from
COMMON = "--bidirectional --batch-size 64 --lr 0.002 --schedule plateau --seed 0 --half --no-progress".split()


def run(
    task: str,
    scorer: str,
    cell: str,
    threads: int,
    root: Path,
    shared: list[str],
    stages: list[int] = (),
    base: Path | None = None,
    released: Path | None = None,
    names: bool = False,
) -> str:
    """Train one model into root/<task>/<name>; with `stages`, first to each of those step budgets in
    turn, each run resuming the last (an epoch ends at each stage, as when the shipped en-fr models
    were trained). A task with a second stage (`Shipped.fine_tune`) trains its first into
    base/<task>/<name> (default root/base), then fine-tunes from it (`train --init`); a model already
    there that is not a run of this script (a copy of pretrained/) is taken as the first stage.

    A task with later stages (`Shipped.later`; zh-en's names stages with `names`) trains its second stage into
    root/stages/2/<task>/<name> and each later stage k into root/stages/k/<task>/<name>, each from the one
    before; `released`, a folder of an earlier release's models (pretrained/ at a commit whose models are
    the second stage's), starts the later stages from released/<task>/<name> instead. The model is the last
    stage's, or with `Shipped.endings` each ending is fine-tuned from the last stage into
    root/stages/<k>-<ending>/<task>/<name> and the model chosen among their averages with it
    (scripts/choose_zh_average.py). With `Shipped.second` (zh-en's second round) that choice is stage k + 1
    (root/stages/<k+1>/<task>/<name>, kept once made), its ending is fine-tuned from it into
    root/stages/<k+2>-<ending>/<task>/<name>, and the model is chosen again (`choose_zh_average.py --second`)."""
    name = scorer if cell == "gru" else f"{cell}-{scorer}"
    shipped = get_task(task).shipped
    if names and task == zh_en.NAME:  # zh-en's names stages (seq2seq/tasks/zh_en.py)
        shipped = replace(shipped, later=zh_en.NAMES_LATER, endings=zh_en.NAMES_ENDINGS, second=zh_en.NAMES_SECOND)
    if not shipped.fine_tune:
        return _train(task, scorer, cell, threads, root / task / name, SETTINGS[task] + shared, stages)[1]
    final = root / task / name
    # (options, folder) per stage after the first: the last one's folder is the model's unless endings follow
    stages_out = [root / "stages" / str(k) / task / name for k in range(2, len(shipped.later) + 3)]
    if not shipped.endings:
        stages_out[-1] = final
    chain = list(zip([list(shipped.fine_tune), *map(list, shipped.later)], stages_out, strict=True))
    if released is not None and shipped.later:
        previous, chain = released / task / name, chain[1:]
        if not _released_copy(previous):
            return f"{task}/{name}: no released model at {previous}"
    else:
        previous = (base or root / "base") / task / name
        if not _released_copy(previous):
            code, line = _train(task, scorer, cell, threads, previous, SETTINGS[task] + shared, stages)
            if code:
                return line
    line = ""
    for options, out in chain:
        code, line = _train(
            task, scorer, cell, threads, out, [*SETTINGS[task], *options, "--init", str(previous), *shared]
        )
        if code:
            return line
        previous = out
    if not shipped.endings:
        return line
    k = len(shipped.later) + 3  # the endings' stage number
    log = final.with_suffix(".log")
    final.parent.mkdir(parents=True, exist_ok=True)
    rounds = [(list(shipped.endings), [])]
    if shipped.second:
        rounds.append(([shipped.second], ["--second"]))
    for number, (endings_round, flags) in enumerate(rounds, start=1):
        endings = []
        for ending, options in endings_round:
            out = root / "stages" / f"{k}-{ending}" / task / name
            code, line = _train(
                task, scorer, cell, threads, out, [*SETTINGS[task], *options, "--init", str(previous), *shared]
            )
            if code:
                return line
            endings += ["--ending", f"{ending}={out}"]
        # the first round's choice is the next stage when a second round follows it
        last_round = number == len(rounds)
        chosen = final if last_round else root / "stages" / str(k + 1) / task / name
        script = ROOT / "scripts" / "choose_zh_average.py"
        command = [sys.executable, str(script), str(previous), *endings, *flags, "--out", str(chosen)]
        if last_round or not (chosen / "config.json").is_file():  # a first round already chosen is kept
            with log.open("a") as handle:
                code = subprocess.call(command, stdout=handle, stderr=subprocess.STDOUT)
            if code:
                return f"{task}/{name} ({cell}): the choice of round {number} exit {code}, log {log}"
        previous, k = chosen, k + 2
    return f"{task}/{name} ({cell}): chosen in {len(rounds)} round(s) of endings' averages, log {log}"


def run_typed(task: str, scorer: str, cell: str, threads: int, root: Path, shared: list[str], released: Path) -> str:
    """The "as typed" fine-tuning (`Shipped.typed`, issue 63): the released model released/<task>/<name>
    fine-tuned (`train --init`) on the task's corpus plus typed variants of its sources (`--typed-rate`,
    seq2seq/typed.py) into root/typed/<task>/<name>, resumed where it stopped like every run here. zh-en then
    chooses among the fine-tuning and its averages with the released model on the validation split
    (`choose_zh_average.py --typed`, zh_en.TYPED_CHOICES) into root/typed-chosen/<task>/<name>."""
    name = scorer if cell == "gru" else f"{cell}-{scorer}"
    options = get_task(task).shipped.typed
    if not options:
        return f"{task}/{name}: no typed fine-tuning (the task generates its data)"
    start = released / task / name
    if not (start / "config.json").is_file():
        return f"{task}/{name}: no released model at {start}"
    settings = [*SETTINGS[task], *options, "--init", str(start), *shared]
    tuned = root / "typed" / task / name
    code, line = _train(task, scorer, cell, threads, tuned, settings)
    if code or task != zh_en.NAME:
        return line
    chosen = root / "typed-chosen" / task / name
    script = ROOT / "scripts" / "choose_zh_average.py"
    command = [sys.executable, str(script), str(start), "--typed", "--ending", f"typed={tuned}", "--out", str(chosen)]
    with tuned.with_suffix(".log").open("a") as handle:
        code = subprocess.call(command, stdout=handle, stderr=subprocess.STDOUT)
    return f"{line}; the typed choice exit {code}, into {chosen}"


def _released_copy(folder: Path) -> bool:
    """Whether `folder` holds a model but no run of `train` (no trainer state): a released model."""
    return (folder / "config.json").is_file() and not (folder / "trainer_state.json").exists()


def _train(
    task: str, scorer: str, cell: str, threads: int, out: Path, settings: list[str], stages=()
) -> tuple[int, str]:
    """One `train` run into `out` with `settings` (later options win), resumed where it stopped:
    its exit status and a line that says how it ended."""
    log = out.with_suffix(".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "seq2seq",
        "train",
        "--task",
        task,
        "--scorer",
        scorer,
        *COMMON,
        *settings,
        "--cell",
        cell,
        "--threads",
        str(threads),
        "--out",
        str(out),
    ]
    # --resume refuses a folder without trainer state; a folder with one continues at its next batch.
    resume = ["--resume"] if (out / "trainer_state.json").exists() else []
    started = time.time()
    code = 0
    with log.open("a") as handle:
        # later options win: each stage's --max-steps overrides the settings' final budget
        for budget in [*(["--max-steps", str(steps)] for steps in stages), []]:
            if code == 0:
                code = subprocess.call(command + resume + budget, stdout=handle, stderr=subprocess.STDOUT)
                resume = ["--resume"]  # the next stage continues this one
    return code, f"{task}/{scorer} ({cell}): exit {code} in {time.time() - started:.0f}s, log {log}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=DEFAULT_TASKS, choices=list(SETTINGS))
    parser.add_argument("--scorers", nargs="+", default=list(SCORERS), choices=SCORERS)
    parser.add_argument("--cell", default="gru", choices=CELLS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--root", type=Path, default=Path("runs"))
    parser.add_argument(
        "--base",
        type=Path,
        help="a task with a fine-tuning stage (zh-en): where its first-stage models are or go "
        "(default ROOT/base); a copy of pretrained/ there is fine-tuned as it is",
    )
    parser.add_argument(
        "--names",
        action="store_true",
        help="zh-en: add the names stages after the dictionary stage, then choose among averages of their "
        "endings (seq2seq/tasks/zh_en.py NAMES_LATER, NAMES_ENDINGS, NAMES_CHOICES; scripts/choose_zh_average.py)",
    )
    parser.add_argument(
        "--released",
        type=Path,
        help="a task with later stages (zh-en): an earlier release's models to start them from, a pretrained/ "
        "folder of a commit whose models are the second stage's (git worktree add /tmp/r COMMIT; "
        "--released /tmp/r/pretrained)",
    )
    parser.add_argument(
        "--typed",
        action="store_true",
        help="only the 'as typed' fine-tuning of each translation model (issue 63): from the released model "
        "(--released, default pretrained/) on the corpus plus typed variants of its sources (Shipped.typed), "
        "into ROOT/typed/<task>/<name>; --stages and --names do not apply",
    )
    parser.add_argument(
        "--extra",
        default="",
        help="more train options for every run of this call, shared like the settings above "
        "(e.g. --extra='--warmup 1000'); later options win, so this can change a setting",
    )
    parser.add_argument(
        "--stages",
        nargs="+",
        type=int,
        default=[],
        metavar="STEPS",
        help="train to these step budgets first, each run resuming the last (the shipped en-fr models: 3000 7000)",
    )
    args = parser.parse_args()
    shared = shlex.split(args.extra)
    runs = [(t, s) for t in args.tasks for s in args.scorers]

    def one(task: str, scorer: str) -> str:
        if args.typed:
            return run_typed(task, scorer, args.cell, args.threads, args.root, shared, args.released or RELEASED)
        return run(
            task, scorer, args.cell, args.threads, args.root, shared, args.stages, args.base, args.released, args.names
        )

    with ThreadPoolExecutor(args.jobs) as pool:
        for line in pool.map(lambda ts: one(*ts), runs):
            print(line, flush=True)


if __name__ == "__main__":
    main()
