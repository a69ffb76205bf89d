"""Choose a zh-en model among averages of its names stages, by one rule for every scorer, and write it.

    python scripts/choose_zh_average.py runs/stages/3/zh-en/dot --ending names=runs/stages/4-names/zh-en/dot \
        --ending verbs=runs/stages/4-verbs/zh-en/dot --out runs/zh-en/dot

The candidates are seq2seq/tasks/zh_en.py's `NAMES_CHOICES`: the last common stage (A) averaged with one ending
at a weight, θ = (1 - w) θ_A + w θ_ending (`python -m seq2seq average`), or A alone. Among them, those that get
the most of the seeds' three sentences right (seq2seq/tasks/zh_en_checks.py `seeds_right`); of those, the ones
whose greedy outputs on the validation split name a taught place that no reference names at most
`NAMES_INVENTED_AT_MOST` times (scripts/zh_invented_names.py's count), and of these the one with the best
validation BLEU (the first in `NAMES_CHOICES`' order on a tie); if none has so few, the one with the fewest.
The test split is never looked at. The chosen model is written to --out as `average` writes it, and its
config.json gets `choice`: every candidate with its measures, and the one chosen.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from zh_invented_names import CORPUS, PLACE_PIECES, invented, place_names, taught_names  # noqa: E402

from seq2seq.average import average  # noqa: E402
from seq2seq.checkpoint import load_checkpoint, read_config  # noqa: E402
from seq2seq.metrics import bleu  # noqa: E402
from seq2seq.tasks import get_task, zh_en  # noqa: E402
from seq2seq.tasks import zh_en_checks as checks  # noqa: E402


class Candidate(NamedTuple):
    ending: str | None  # None: the last common stage alone
    weight: float  # the ending's weight w; the last common stage's is 1 - w
    seeds: int = 0  # of the seeds' 3 sentences, right (zh_en_checks.seeds_right)
    invented: int | None = None  # validation outputs naming a taught place no reference names (None: not measured)
    bleu: float | None = None  # greedy BLEU on the validation split (None: not measured)


def choose(candidates: list[Candidate], at_most: int) -> Candidate:
    """The rule: of the candidates with the most seeds right, those with at most `at_most` invented places, and
    of these the best validation BLEU; the fewest invented places when none has so few (the first in the given
    order on a tie)."""
    best = max(c.seeds for c in candidates)
    kept = [c for c in candidates if c.seeds == best and c.invented is not None]
    under = [c for c in kept if c.invented <= at_most]
    if under:
        return max(under, key=lambda c: c.bleu)  # max keeps the first of equal ones
    return min(kept, key=lambda c: c.invented)


def parts(last: Path, endings: dict[str, Path], candidate: Candidate) -> tuple[list[Path], list[float]]:
    """The folders and weights `average` takes for a candidate."""
    if candidate.ending is None:
        return [last], [1.0]
    return [last, endings[candidate.ending]], [round(1.0 - candidate.weight, 6), candidate.weight]


def measure(last: Path, endings: dict[str, Path], corpus: Path, work: Path) -> list[Candidate]:
    """Every candidate's seeds; the validation outputs' invented places and BLEU for those the rule compares
    (the most seeds right)."""
    translators = [
        load_checkpoint(average(*parts(last, endings, Candidate(ending, weight)), work / str(k)))
        for k, (ending, weight) in enumerate(zh_en.NAMES_CHOICES)
    ]
    seeds = [checks.seeds_right(checks.seed_outputs(translator)) for translator in translators]
    refs = get_task(zh_en.NAME).references(str(corpus), "valid")
    sources = list(refs)
    references = [refs[s] for s in sources]
    places = place_names(taught_names(last)[:PLACE_PIECES], corpus)
    measured = []
    for k, (ending, weight) in enumerate(zh_en.NAMES_CHOICES):
        count = score = None
        if seeds[k] == max(seeds):
            outputs = translators[k].translate_batch(sources, refused=[])
            count, score = len(invented(outputs, references, places)), round(bleu(outputs, references), 2)
        measured.append(Candidate(ending, weight, seeds[k], count, score))
        print(f"{ending or 'alone'} {weight:g}: seeds {seeds[k]}/3, invented places {count}, BLEU {score}", flush=True)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("last", type=Path, help="the last stage every ending starts from (A)")
    parser.add_argument(
        "--ending", action="append", default=[], metavar="NAME=FOLDER", help="each ending of NAMES_ENDINGS"
    )
    parser.add_argument("--out", type=Path, required=True, help="where the chosen model goes")
    parser.add_argument("--data", type=Path, default=CORPUS, help="Tatoeba's cmn-eng.txt (default: %(default)s)")
    args = parser.parse_args()
    wanted = {name for name, _ in zh_en.NAMES_ENDINGS}
    pairs = [item.partition("=") for item in args.ending]
    endings = {name: Path(folder) for name, sep, folder in pairs if sep and folder}
    if len(endings) != len(pairs) or set(endings) != wanted:
        sys.exit(f"give --ending NAME=FOLDER for each of {sorted(wanted)}")
    if not args.data.is_file():
        sys.exit(f"{args.data} is not here: it is Tatoeba's cmn-eng.txt (docs/models.md, tasks and data)")
    with tempfile.TemporaryDirectory() as work:
        candidates = measure(args.last, endings, args.data, Path(work))
    chosen = choose(candidates, zh_en.NAMES_INVENTED_AT_MOST)
    choice = {
        "candidates": [c._asdict() for c in candidates],
        "chosen": candidates.index(chosen),
        "invented_at_most": zh_en.NAMES_INVENTED_AT_MOST,
        "endings": {name: str(folder) for name, folder in endings.items()},
        # every candidate's training, so that a reader can compare the recipes of two models whatever each chose
        "settings": {"last": read_config(args.last)["train"]}
        | {name: read_config(folder)["train"] for name, folder in endings.items()},
    }
    out = average(*parts(args.last, endings, chosen), args.out, extra={"choice": choice})
    print(f"chose {chosen.ending or 'the last stage alone'} {chosen.weight:g}: saved to {out}")


if __name__ == "__main__":
    main()
