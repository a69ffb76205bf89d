"""The seeds' sentences and our held-out names on zh-en models (docs/models.md, the dictionary data).

For each model: the greedy output of 欢迎来北京。, 我爱你。 and 我爱学习。, the character "Beijing" attends to
most, how many held-out sentences (a city, a country, an HSK noun) keep their name or noun, how many
held-out person names (李明 -> "Li Ming", never trained on) and schools or landmarks (清华大学, 长江) are
written right; with `--each`, every held-out sentence's output. Models are registered names or checkpoint folders.

    python scripts/zh_names.py zh-en/general zh-en/lstm-general
    python scripts/zh_names.py runs/zh-en/general --each
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.checkpoint import load_model  # noqa: E402
from seq2seq.tasks import zh_en_checks as checks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="registered names or checkpoint folders")
    parser.add_argument("--each", action="store_true", help="print every held-out sentence's output")
    args = parser.parse_args()
    print(
        "| model | " + " | ".join(checks.SEEDS) + " | Beijing looks at | names right | people right | landmarks right |"
    )
    print("|---" * (len(checks.SEEDS) + 5) + "|")
    for name in args.models:
        translator = load_model(Path(name) if Path(name).is_dir() else name)
        seeds = checks.seed_outputs(translator)
        looks = checks.word_attention(translator, checks.WELCOME, checks.WELCOME_WORD) or "–"
        hits = checks.name_hits(translator)
        people = checks.person_hits(translator)
        landmarks = checks.landmark_hits(translator)
        counts = " | ".join(f"{sum(c.hit for c in found)}/{len(found)}" for found in (hits, people, landmarks))
        print(f"| {name} | " + " | ".join(seeds.values()) + f" | {looks} | {counts} |")
        if args.each:
            for check in (*hits, *people, *landmarks):
                print(f"|   | {check.source} → {check.output} | {'right' if check.hit else 'wrong'} |")


if __name__ == "__main__":
    main()
