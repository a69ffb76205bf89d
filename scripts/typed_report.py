"""Per translation model, what issue 63 asks of it, measured: the table of docs/models.md "As typed".

For each model (a registered name or a checkpoint folder): test BLEU as printed and as typed (every source
lowercased and without its final mark, `seq2seq.typed.as_typed`), greedy and beam 5 on every test source;
en-fr: the three sentences of `en_fr_checks.TYPED` right, greedy and beam 5; zh-en: the seeds' sentences
right as typed (欢迎来北京) and the validation sentences shaped like them, the names checks right on the test
and the validation sentences (`zh_en_checks.SPLITS`), and the outputs naming a taught place no reference names
on the validation and the test split (scripts/zh_invented_names.py's count); the fine-tuning's time if any.

Every figure is computed from the model here; each model's row is kept in --cache under its weights' sha256,
so a rerun measures only the models that changed. Slow: en-fr's beam on 11,439 sources twice.

    python scripts/typed_report.py zh-en/concat runs/typed/zh-en/concat
    python scripts/typed_report.py runs/typed/en-fr/* --cache runs/typed-report.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from zh_invented_names import PLACE_PIECES, invented, place_names, taught_names  # noqa: E402

from seq2seq.checkpoint import load_model, read_config  # noqa: E402
from seq2seq.evaluate import evaluate_translation  # noqa: E402
from seq2seq.lab.results import weights_digest  # noqa: E402
from seq2seq.registry import resolve  # noqa: E402
from seq2seq.tasks import en_fr_checks, get_task, translation, zh_en  # noqa: E402
from seq2seq.tasks import zh_en_checks as checks  # noqa: E402

BEAM = 5
FIRST = "first sentences"  # zh_en_checks.SPLITS' kind shaped like the seeds: reported apart from the names
# The checks a row was measured with, so that a row of older checks is not reused
CHECKS = hashlib.sha256(json.dumps([checks.SPLITS, checks.SEEDS, en_fr_checks.TYPED]).encode()).hexdigest()[:12]


def measure(folder: Path) -> dict:
    """Every figure of the model's row (module docstring)."""
    config = read_config(folder)
    task = config["task"]
    translator = load_model(folder)
    data = str(corpus(config))
    scores = evaluate_translation(translator, data, "test", 0, BEAM, task=task, typed=True)
    row = {
        "task": task,
        "bleu": scores["bleu"],
        "bleu_typed": scores["bleu_typed"],
        "bleu_beam": scores[f"bleu_beam{BEAM}"],
        "bleu_beam_typed": scores[f"bleu_beam{BEAM}_typed"],
        "card_bleu": config.get("metrics", {}).get("test", {}).get("bleu"),
        "seconds": config.get("training_seconds"),
    }
    if task == translation.NAME:
        greedy, beamed = en_fr_checks.typed_outputs(translator), en_fr_checks.typed_outputs(translator, BEAM)
        row |= {"sentences": len(greedy), "right": en_fr_checks.right(greedy), "right_beam": en_fr_checks.right(beamed)}
        row["outputs"] = greedy
    else:
        row["seeds_typed"] = checks.seeds_right(checks.seed_outputs(translator, typed=True))
        row["seeds"] = checks.seeds_right(checks.seed_outputs(translator))
        first = checks.split_hits(translator, "valid", typed=True)["first sentences"]
        row["first_valid_typed"] = [sum(c.hit for c in first), len(first)]
        for split in checks.SPLITS:  # the names: every kind but the sentences shaped like the seeds
            found = [c for kind, hits in checks.split_hits(translator, split).items() if kind != FIRST for c in hits]
            row[f"names_{split}"] = [sum(c.hit for c in found), len(found)]
        places = place_names(taught_names(folder)[:PLACE_PIECES], Path(data))
        for split in ("valid", "test"):
            refs = get_task(task).references(data, split)
            outputs = translator.translate_batch(list(refs), refused=[])
            row[f"invented_{split}"] = len(invented(outputs, list(refs.values()), places))
    return row


def corpus(config: dict) -> Path:
    """The Tatoeba file the model was trained on (its settings' --data, from the repository's root)."""
    return ROOT / config["train"]["data"]


def table(rows: dict[str, dict]) -> str:
    """The markdown table of `rows` (model -> row): one line per model."""
    lines = [
        "| model | greedy BLEU printed | typed | gap | beam 5 printed | typed | gap | sentences as typed right"
        " (greedy, beam 5) | held-out names right: test | validation | invented places: validation | test |"
        " last stage's training |",
        "|---" * 13 + "|",
    ]
    for name, r in rows.items():
        cells = [
            f"{r['bleu']:.1f}",
            f"{r['bleu_typed']:.1f}",
            f"{r['bleu'] - r['bleu_typed']:.2f}",
            f"{r['bleu_beam']:.1f}",
            f"{r['bleu_beam_typed']:.1f}",
            f"{r['bleu_beam'] - r['bleu_beam_typed']:.2f}",
        ]
        if r["task"] == translation.NAME:
            cells += [f"{r['right']}/{r['sentences']}, {r['right_beam']}/{r['sentences']}", "–", "–", "–", "–"]
        else:
            test, valid = r["names_test"], r["names_valid"]
            like = "/".join(map(str, r["first_valid_typed"]))
            cells += [f"seeds {r['seeds_typed']}/3, like them {like}", f"{test[0]}/{test[1]}", f"{valid[0]}/{valid[1]}"]
            cells += [str(r["invented_valid"]), str(r["invented_test"])]
        cells.append(f"{r['seconds']:.0f} s" if r.get("seconds") else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="registered names or checkpoint folders of en-fr or zh-en")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "typed-report.json", help="(default %(default)s)")
    args = parser.parse_args()
    cache = json.loads(args.cache.read_text()) if args.cache.is_file() else {}
    rows = {}
    for name in args.models:
        folder = Path(name) if Path(name).is_dir() else resolve(name)
        config = read_config(folder)
        if config.get("task") not in (translation.NAME, zh_en.NAME):
            sys.exit(f"{name}: not a model of {translation.NAME} or {zh_en.NAME}")
        if not corpus(config).is_file():
            sys.exit(f"{corpus(config)} is not here: the Tatoeba file {name} was trained on (docs/models.md)")
        digest = f"{weights_digest(folder)}:{CHECKS}"  # a row is measured again when the checks change
        if digest not in cache:
            cache[digest] = measure(folder)
            args.cache.parent.mkdir(parents=True, exist_ok=True)
            args.cache.write_text(json.dumps(cache, indent=1, ensure_ascii=False))
            print(f"{name}: measured", file=sys.stderr, flush=True)
        rows[name] = cache[digest]
    print(table(rows))


if __name__ == "__main__":
    main()
