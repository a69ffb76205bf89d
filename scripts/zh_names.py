"""The seeds' sentences and our held-out names on zh-en models (docs/models.md, the dictionary data).

For each model: the greedy output of 欢迎来北京。, 我爱你。 and 我爱学习。, the character "Beijing" attends to
most, and of each split's names checks (`zh_en_checks.SPLITS`: "test" reports, "valid" is chosen on) how
many are written right: people (李明 -> "Li Ming", never trained on), schools and landmarks (清华大学,
长江), places (a city, a country, an HSK noun) and common places that must stay common nouns (海边 -> the
beach). With `--typed`, a second row per model with every sentence as a class types it (no final 。); with
`--each`, every check's output. Models are registered names or checkpoint folders.

    python scripts/zh_names.py zh-en/general zh-en/lstm-general
    python scripts/zh_names.py runs/zh-en/general --typed --each
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.checkpoint import load_model  # noqa: E402
from seq2seq.tasks import zh_en_checks as checks  # noqa: E402
from seq2seq.typed import as_typed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="registered names or checkpoint folders")
    parser.add_argument("--each", action="store_true", help="print every held-out sentence's output")
    parser.add_argument(
        "--typed", action="store_true", help="every sentence as a class types it too (欢迎来北京: no final 。)"
    )
    args = parser.parse_args()
    forms = [False, True] if args.typed else [False]
    kinds = list(checks.SPLITS["test"])
    head = ["model", "form", *checks.SEEDS, "Beijing looks at"]
    head += [f"{split}: {kind}" for split in checks.SPLITS for kind in kinds] + [
        f"{split}: all" for split in checks.SPLITS
    ]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    for name in args.models:
        translator = load_model(Path(name) if Path(name).is_dir() else name)
        for typed in forms:
            seeds = checks.seed_outputs(translator, typed)
            welcome = as_typed(checks.WELCOME) if typed else checks.WELCOME
            looks = checks.word_attention(translator, welcome, checks.WELCOME_WORD) or "–"
            found = {split: checks.split_hits(translator, split, typed) for split in checks.SPLITS}
            counts = [_count(found[split][kind]) for split in checks.SPLITS for kind in kinds]
            counts += [_count([c for kind in kinds for c in found[split][kind]]) for split in checks.SPLITS]
            form = "as typed" if typed else "as printed"
            print(f"| {name} | {form} | " + " | ".join([*seeds.values(), looks, *counts]) + " |")
            if args.each:
                for split in checks.SPLITS:
                    for check in (c for kind in kinds for c in found[split][kind]):
                        mark = "right" if check.hit else "wrong"
                        print(f"|   | {split} | {check.source} → {check.output} | {mark} |")


def _count(found: list) -> str:
    """ "right/all" of a list of checks."""
    return f"{sum(c.hit for c in found)}/{len(found)}"


if __name__ == "__main__":
    main()
