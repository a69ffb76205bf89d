"""Publish the lab's seed models into pretrained/seeds/: the shipped recipe with another `--seed`.

Wiegreffe & Pinter (2019, their variance calibration over random seeds) ask whether an adversarial
attention row is further from a model's own than the attention of the same model trained with another
seed. The lab answers it for reverse and dates (`seq2seq.lab.seed_variance`) from these models.
They are not offered in the app's pickers: no manifest lists them.
Each is evaluated on the test split as the shipped cards are
(`seq2seq.evaluate.evaluate_synthetic`, EVAL_SEED), and its weights and config are copied into
pretrained/seeds/<task>/<scorer>-seed<k>/; pretrained/seeds/README.md tables them.

    python scripts/train_shipped.py --tasks dates reverse --scorers dot general concat scaled_dot location \\
        --root runs/seeds/s1 --extra="--seed 1"                    # and s2 with --seed 2
    python scripts/release_seeds.py                                # runs/seeds/s*/ -> pretrained/seeds/

A run still training is skipped; a target folder that holds anything but a checkpoint this script
wrote is refused (exit 2) before any evaluation.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.checkpoint import load_checkpoint, replace_refusal  # noqa: E402
from seq2seq.evaluate import EVAL_SEED, evaluate_synthetic  # noqa: E402
from seq2seq.scorers import SCORERS, learns_where_to_look  # noqa: E402
from seq2seq.tasks import all_tasks  # noqa: E402

TASKS = tuple(task.name for task in all_tasks() if not task.needs_data)  # generated: their seeds train in minutes
KEPT = ("config.json", "model.safetensors")  # the weights and their settings; no trainer state, no probes
SEED_FOLDER = re.compile(r"^s([1-9][0-9]?)$")
TEST_SIZE = 2000  # as the shipped cards (scripts/release.py --size)


def finished(run: Path) -> bool:
    state = run / "trainer_state.json"
    return state.is_file() and bool(json.loads(state.read_text()).get("finished"))


def found_runs(runs: Path) -> list[tuple[str, str, int, Path]]:
    """(task, scorer, seed, run folder) of every finished seed run under runs/s<k>/<task>/<scorer>."""
    found = []
    for seed_dir in sorted(runs.glob("s*/")):
        match = SEED_FOLDER.match(seed_dir.name)
        if not match:
            continue
        for task in TASKS:
            for scorer in SCORERS:  # names from the registry, never from the folder listing
                run = seed_dir / task / scorer
                if not learns_where_to_look(scorer) or not run.is_dir():
                    continue
                if finished(run):
                    found.append((task, scorer, int(match.group(1)), run))
                else:
                    print(f"skip {run}: still training", flush=True)
    return found


def target(out: Path, task: str, scorer: str, seed: int) -> Path:
    return out / "seeds" / task / f"{scorer}-seed{seed}"


def readme(rows: list[dict]) -> str:
    lines = [
        "# The lab's seed models",
        "",
        "Each is a shipped model's recipe (`Task.shipped`, `scripts/train_shipped.py`) with another `--seed`: the",
        "initial weights, the batch order, dropout and the generated training draw differ; nothing else. The lab",
        "compares their attention with the shipped model's on the same output prefix (`seed_variance` in",
        "pretrained/lab/<task>.json; Wiegreffe & Pinter 2019, their variance calibration over random seeds).",
        "They are not listed in the manifest, so the app's pickers do not offer them.",
        "",
        f"Test split: {TEST_SIZE} generated examples drawn with seed {EVAL_SEED}, greedy (`scripts/release_seeds.py`).",
        "",
        "| model | seed | exact match | best epoch | training seconds |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['task']}/{row['scorer']} | {row['seed']} | {row['exact_match']:.4f} | {row['best_epoch']} |"
            f" {row['seconds']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "seeds")
    parser.add_argument("--out", type=Path, default=ROOT / "pretrained")
    args = parser.parse_args(argv)
    runs = found_runs(args.runs)
    for task, scorer, seed, _run in runs:
        refusal = replace_refusal(target(args.out, task, scorer, seed))
        if refusal is not None:
            print(f"error: {refusal}", file=sys.stderr)
            return 2
    rows = []
    for task, scorer, seed, run in runs:
        translator = load_checkpoint(run, name=f"{task}/{scorer}-seed{seed}")
        test = evaluate_synthetic(translator, task, "test", TEST_SIZE, unk_size=0)
        state = json.loads((run / "trainer_state.json").read_text())
        dest = target(args.out, task, scorer, seed)
        dest.mkdir(parents=True, exist_ok=True)
        for name in KEPT:
            shutil.copyfile(run / name, dest / name)
        rows.append(
            {
                "task": task,
                "scorer": scorer,
                "seed": seed,
                "exact_match": test["exact_match"],
                "best_epoch": state.get("best_epoch"),
                "seconds": float(state.get("seconds", 0.0)),
            }
        )
        print(f"{task}/{scorer} seed {seed}: exact match {test['exact_match']:.4f} -> {dest}", flush=True)
    rows.sort(key=lambda r: (TASKS.index(r["task"]), SCORERS.index(r["scorer"]), r["seed"]))
    folder = args.out / "seeds"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(readme(rows), encoding="utf-8")
    (folder / "seeds.json").write_text(json.dumps({"models": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
