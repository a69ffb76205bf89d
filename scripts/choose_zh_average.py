"""Choose a zh-en model among averages of its names stages, by one rule for every scorer, and write it.

    python scripts/choose_zh_average.py runs/stages/3/zh-en/dot --ending names=runs/stages/4-names/zh-en/dot \
        --ending verbs=runs/stages/4-verbs/zh-en/dot --out runs/stages/5/zh-en/dot
    python scripts/choose_zh_average.py runs/stages/5/zh-en/dot --second \
        --ending lookalikes=runs/stages/6-lookalikes/zh-en/dot --out runs/zh-en/dot

The candidates are seq2seq/tasks/zh_en.py's `NAMES_CHOICES`: the last common stage (A) averaged with one ending
at a weight, θ = (1 - w) θ_A + w θ_ending (`python -m seq2seq average`), or A alone. Among them, those that get
the most of the seeds' three sentences right (seq2seq/tasks/zh_en_checks.py `seeds_right`); of those, the ones
whose greedy outputs on the validation split name a taught place that no reference names at most
`NAMES_INVENTED_AT_MOST` times (scripts/zh_invented_names.py's count), and of these the one with the best
validation BLEU (the first in `NAMES_CHOICES`' order on a tie); if none has so few, the one with the fewest.
The test split is never looked at. The chosen model is written to --out as `average` writes it, and its
config.json gets `choice`: every candidate with its measures, and the one chosen.

`--typed` is the typed round (issue 63, `TYPED_CHOICES`): LAST the released model, its one ending the typed
fine-tuning; the candidates are measured on the validation split only and the rule's first measure is the
validation names checks right as typed (seq2seq/tasks/zh_en_validation.py), not the seeds; the record goes to
`typed_choice`.

`--second` is the second round (`NAMES_SECOND`): the first round's model is the last stage, its one ending
`NAMES_SECOND`'s, the candidates `NAMES_SECOND_CHOICES`, the rule the same; the record keeps the first round's
under `before`, and the settings of both rounds' stages.
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
from seq2seq.checkpoint import CheckpointError, load_checkpoint, read_config  # noqa: E402
from seq2seq.metrics import bleu  # noqa: E402
from seq2seq.tasks import get_task, zh_en  # noqa: E402
from seq2seq.tasks import zh_en_checks as checks  # noqa: E402
from seq2seq.typed import as_typed  # noqa: E402


class Candidate(NamedTuple):
    ending: str | None  # None: the last common stage alone
    weight: float  # the ending's weight w; the last common stage's is 1 - w
    seeds: int = 0  # of the seeds' 3 sentences, right (zh_en_checks.seeds_right)
    invented: int | None = None  # validation outputs naming a taught place no reference names (None: not measured)
    bleu: float | None = None  # greedy BLEU on the validation split (the typed round: its sources as typed)
    names: int | None = None  # the typed round: validation names checks right as typed (None: not measured)


def choose(candidates: list[Candidate], at_most: int, first: str = "seeds") -> Candidate:
    """The rule: of the candidates with the most `first` right (the seeds; the typed round: the validation names
    checks), those with at most `at_most` invented places, and of these the best validation BLEU; the fewest
    invented places when none has so few (the first in the given order on a tie)."""
    best = max(getattr(c, first) for c in candidates)
    kept = [c for c in candidates if getattr(c, first) == best and c.invented is not None]
    under = [c for c in kept if c.invented <= at_most]
    if under:
        return max(under, key=lambda c: c.bleu)  # max keeps the first of equal ones
    return min(kept, key=lambda c: c.invented)


def parts(last: Path, endings: dict[str, Path], candidate: Candidate) -> tuple[list[Path], list[float]]:
    """The folders and weights `average` takes for a candidate: the last stage alone, the ending alone (weight 1,
    the typed round's fine-tuning as it is), or both."""
    if candidate.ending is None:
        return [last], [1.0]
    if candidate.weight >= 1.0:
        return [endings[candidate.ending]], [1.0]
    return [last, endings[candidate.ending]], [round(1.0 - candidate.weight, 6), candidate.weight]


def validation_split(last: Path, corpus: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """What every round measures on: the validation split's sources, the references of each, and the places the
    last stage was taught (scripts/zh_invented_names.py's count). The test split is never read."""
    refs = get_task(zh_en.NAME).references(str(corpus), "valid")
    sources = list(refs)
    return sources, [refs[s] for s in sources], place_names(taught_names(last)[:PLACE_PIECES], corpus)


def measure(
    last: Path, endings: dict[str, Path], corpus: Path, work: Path, choices=zh_en.NAMES_CHOICES
) -> list[Candidate]:
    """Every candidate of `choices` with its seeds; the validation outputs' invented places and BLEU for those
    the rule compares (the most seeds right)."""
    translators = [
        load_checkpoint(average(*parts(last, endings, Candidate(ending, weight)), work / str(k)))
        for k, (ending, weight) in enumerate(choices)
    ]
    seeds = [checks.seeds_right(checks.seed_outputs(translator)) for translator in translators]
    sources, references, places = validation_split(last, corpus)
    measured = []
    for k, (ending, weight) in enumerate(choices):
        count = score = None
        if seeds[k] == max(seeds):
            outputs = translators[k].translate_batch(sources, refused=[])
            count, score = len(invented(outputs, references, places)), round(bleu(outputs, references), 2)
        measured.append(Candidate(ending, weight, seeds[k], count, score))
        print(f"{ending or 'alone'} {weight:g}: seeds {seeds[k]}/3, invented places {count}, BLEU {score}", flush=True)
    return measured


def measure_typed(
    last: Path, endings: dict[str, Path], corpus: Path, work: Path, choices=zh_en.TYPED_CHOICES
) -> list[Candidate]:
    """The typed round's candidates, every one measured on the validation split only: its names checks right as
    typed (`zh_en_checks.split_hits`), the outputs of the sources as printed naming a taught place no reference
    names, and the greedy BLEU of the sources as typed (`seq2seq.typed.as_typed`)."""
    sources, references, places = validation_split(last, corpus)
    measured = []
    for k, (ending, weight) in enumerate(choices):
        translator = load_checkpoint(average(*parts(last, endings, Candidate(ending, weight)), work / str(k)))
        names = sum(c.hit for found in checks.split_hits(translator, "valid", typed=True).values() for c in found)
        count = len(invented(translator.translate_batch(sources, refused=[]), references, places))
        typed = translator.translate_batch([as_typed(s) for s in sources], refused=[])
        score = round(bleu(typed, references), 2)
        measured.append(Candidate(ending, weight, names=names, invented=count, bleu=score))
        print(f"{ending} {weight:g}: validation names {names}, invented places {count}, BLEU as typed {score}")
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("last", type=Path, help="the last stage every ending starts from (A)")
    parser.add_argument(
        "--ending", action="append", default=[], metavar="NAME=FOLDER", help="each ending of NAMES_ENDINGS"
    )
    parser.add_argument("--out", type=Path, required=True, help="where the chosen model goes")
    parser.add_argument("--data", type=Path, default=CORPUS, help="Tatoeba's cmn-eng.txt (default: %(default)s)")
    parser.add_argument(
        "--second", action="store_true", help="the second round: LAST is the first round's model (NAMES_SECOND)"
    )
    parser.add_argument(
        "--typed",
        action="store_true",
        help="the typed round (issue 63): LAST is the released model, --ending typed=FOLDER its typed fine-tuning "
        "(TYPED_CHOICES, chosen on the validation split only; the record goes to `typed_choice`)",
    )
    args = parser.parse_args()
    if args.second and args.typed:
        sys.exit("--second and --typed are two rounds: give one")
    round_endings = [zh_en.NAMES_SECOND] if args.second else zh_en.NAMES_ENDINGS
    choices = zh_en.NAMES_SECOND_CHOICES if args.second else zh_en.NAMES_CHOICES
    if args.typed:
        round_endings, choices = [("typed", ())], zh_en.TYPED_CHOICES
    wanted = {name for name, _ in round_endings}
    pairs = [item.partition("=") for item in args.ending]
    endings = {name: Path(folder) for name, sep, folder in pairs if sep and folder}
    if len(endings) != len(pairs) or set(endings) != wanted:
        sys.exit(f"give --ending NAME=FOLDER for each of {sorted(wanted)}")
    if not args.data.is_file():
        sys.exit(f"{args.data} is not here: it is Tatoeba's cmn-eng.txt (docs/models.md, tasks and data)")
    try:
        choose_and_write(args, endings, choices)
    except CheckpointError as error:  # a folder that is no checkpoint: its one-line reason
        sys.exit(str(error))


def choose_and_write(args: argparse.Namespace, endings: dict[str, Path], choices) -> None:
    """Measure the candidates, apply the rule, write the chosen model with the record of the choice."""
    if args.typed:
        choose_typed_and_write(args, endings, choices)
        return
    before = read_config(args.last).get("choice") if args.second else None
    if args.second and not isinstance(before, dict):
        sys.exit(f"{args.last} has no first round's record (`choice`): give the first round's model")
    with tempfile.TemporaryDirectory() as work:
        candidates = measure(args.last, endings, args.data, Path(work), choices)
    chosen = choose(candidates, zh_en.NAMES_INVENTED_AT_MOST)
    # every candidate's training, so that a reader can compare the recipes of two models whatever each chose
    settings = {name: read_config(folder)["train"] for name, folder in endings.items()}
    choice = {
        "candidates": [c._asdict() for c in candidates],
        "chosen": candidates.index(chosen),
        "invented_at_most": zh_en.NAMES_INVENTED_AT_MOST,
        "endings": {name: str(folder) for name, folder in endings.items()},
        "settings": (before["settings"] if before else {"last": read_config(args.last)["train"]}) | settings,
    }
    if before:
        choice["before"] = {key: value for key, value in before.items() if key != "settings"}
    out = average(*parts(args.last, endings, chosen), args.out, extra={"choice": choice})
    alone = "the first round's model alone" if before else "the last stage alone"
    print(f"chose {chosen.ending or alone} {chosen.weight:g}: saved to {out}")


def choose_typed_and_write(args: argparse.Namespace, endings: dict[str, Path], choices) -> None:
    """The typed round: measure on validation, choose by the validation names first, write the chosen average with
    `typed_choice` (the released model's own `choice`, its names rounds, kept beside it)."""
    with tempfile.TemporaryDirectory() as work:
        candidates = measure_typed(args.last, endings, args.data, Path(work), choices)
    chosen = choose(candidates, zh_en.TYPED_INVENTED_AT_MOST, first="names")
    record = {
        "candidates": [c._asdict() for c in candidates],
        "chosen": candidates.index(chosen),
        "invented_at_most": zh_en.TYPED_INVENTED_AT_MOST,
        "endings": {name: str(folder) for name, folder in endings.items()},
        "split": "valid",
    }
    names_rounds = read_config(args.last).get("choice")
    extra = {"typed_choice": record} | ({"choice": names_rounds} if names_rounds else {})
    out = average(*parts(args.last, endings, chosen), args.out, extra=extra)
    print(f"chose the typed fine-tuning at {chosen.weight:g}: saved to {out}")


if __name__ == "__main__":
    main()
