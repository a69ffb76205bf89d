"""Names a zh-en model writes that the sentence does not say (docs/models.md, the dictionary data).

The dictionary data's sentence frames teach places ("我想去日本。 / I want to go to Japan." with other
places put in). The cost to watch is a model that writes a taught name where the source has none:
我们明天去海边。 (to the seaside) → "We're going to Shanghai tomorrow.". For each model this decodes the
validation and the test split greedily (`--splits`; a choice is made on validation only) and counts the
outputs that name one of the taught names (the pieces `--name-pieces` appended to the shipped vocabulary:
Beijing, Shanghai, …) when none of the source's references does.
A taught word the corpus's English also writes in lower case (great, island, north, kingdom) is an
ordinary word there, not a name, and is left out. Two counts: the places the dictionary stage taught (its
`PLACE_PIECES` pieces, every one a place), and every taught name, the names stages' people (Zhang, Qiu), schools
and further places included: a model that learned to write people's names in pinyin can also write one for a
word it does not know (现在是秋天。 → "Now is Wu Qiu.").
Models are registered names or checkpoint folders, for example an earlier release checked out:

    python scripts/zh_invented_names.py zh-en/general zh-en/lstm-general
    git worktree add /tmp/before cdae035 && python scripts/zh_invented_names.py /tmp/before/pretrained/zh-en/general
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.checkpoint import load_model, read_config  # noqa: E402
from seq2seq.registry import resolve  # noqa: E402
from seq2seq.tasks import get_task  # noqa: E402
from seq2seq.tokenizers import SentencePieceTokenizer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "cmn-eng.txt"
SHIPPED = "zh-en/general"  # whose appended pieces are the taught names (every zh-en model has the same)
# The pieces the dictionary stage appended (`--name-pieces 20`), the first after the first stage's vocabulary:
# all of them place names. Later stages append theirs after them (seq2seq/name_pieces.py keeps every old id).
PLACE_PIECES = 50


def taught_names(folder: Path) -> list[str]:
    """The names a fine-tuning gave pieces of their own: the target vocabulary's pieces after the first
    stage's `vocab_size`, without SentencePiece's word-start mark."""
    target = SentencePieceTokenizer.load(folder / "target.model")
    first = read_config(folder)["train"]["vocab_size"]
    return [target.piece(i).lstrip("▁") for i in range(first, target.vocab_size)]


def place_names(names: list[str], corpus: Path) -> list[str]:
    """The taught names whose lower-case form the corpus's English never writes as a word."""
    english = " ".join(line.split("\t")[0] for line in corpus.read_text(encoding="utf-8").splitlines())
    words = set(re.findall(r"[a-z’']+", english))
    return [name for name in names if name.lower() not in words]


def invented(outputs: list[str], references: list[list[str]], names: list[str]) -> list[tuple[int, str]]:
    """(index, name) for each output naming a taught name that none of its references names."""
    patterns = [(name, re.compile(rf"\b{re.escape(name)}\b")) for name in names]
    found = []
    for i, (output, refs) in enumerate(zip(outputs, references, strict=True)):
        for name, said in patterns:
            if said.search(output) and not any(said.search(ref) for ref in refs):
                found.append((i, name))
                break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="registered names or checkpoint folders")
    parser.add_argument("--data", default=str(CORPUS), help="Tatoeba's cmn-eng.txt (default: %(default)s)")
    parser.add_argument("--examples", type=int, default=3, help="outputs to print per model (default 3)")
    parser.add_argument(
        "--splits",
        nargs="+",
        default=["valid", "test"],
        choices=["valid", "test"],
        help="the splits to count on, side by side (default: both; a choice is made on valid only)",
    )
    parser.add_argument(
        "--names-from",
        default=SHIPPED,
        help="the model (name or folder) whose appended pieces are the taught names (default: %(default)s)",
    )
    args = parser.parse_args()
    if not Path(args.data).is_file():
        sys.exit(f"{args.data} is not here: it is Tatoeba's cmn-eng.txt (docs/models.md, tasks and data)")
    shipped = Path(args.names_from) if Path(args.names_from).is_dir() else resolve(args.names_from)
    names = place_names(taught_names(shipped), Path(args.data))
    task = get_task(read_config(shipped)["task"])
    splits = {split: task.references(args.data, split) for split in args.splits}
    places = place_names(taught_names(shipped)[:PLACE_PIECES], Path(args.data))
    print(f"{len(places)} taught place names ({', '.join(places)}); {len(names)} taught names in all")
    sizes = ", ".join(f"{len(refs)} {split} sources" for split, refs in splits.items())
    print(f"(the appended pieces of {args.names_from}); {sizes}\n")
    head = ["model"]
    for split in splits:
        head += [f"{split}: outputs with a taught place no reference has", "share", "with any taught name"]
    print("| " + " | ".join(head) + " |")
    print("|---" * len(head) + "|")
    shown = []
    for model in args.models:
        translator = load_model(Path(model) if Path(model).is_dir() else model)
        cells = []
        for split, refs in splits.items():
            sources, references = list(refs), list(refs.values())
            outputs = translator.translate_batch(sources, refused=[])
            found, every = invented(outputs, references, places), invented(outputs, references, names)
            cells += [str(len(found)), f"{len(found) / len(sources):.1%}", str(len(every))]
            shown += [(model, split, sources[i], outputs[i], name) for i, name in every[: args.examples]]
        print(f"| {model} | " + " | ".join(cells) + " |")
    for model, split, source, output, name in shown:
        print(f"{model} ({split}): {source} → {output} ({name})")


if __name__ == "__main__":
    main()
