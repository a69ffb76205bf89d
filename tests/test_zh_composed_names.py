"""scripts/prepare_zh_dictionary.py --composed-names: Chinese names composed from about 230 given-name
characters, each character in many names, so a model can learn each character's reading; no held-out name
or check sentence is made. Data preparation only: pypinyin is a test requirement."""

from __future__ import annotations

import importlib.util
import statistics
from pathlib import Path

import pytest

from seq2seq.tasks import zh_en, zh_person_names

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "cmn-eng.txt"
_SPEC = importlib.util.spec_from_file_location("prepare_zh_dictionary", ROOT / "scripts" / "prepare_zh_dictionary.py")
prepare = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(prepare)


def test_the_added_characters_have_one_reading_and_are_no_surname():
    pinyin = pytest.importorskip("pypinyin")
    surnames = set("".join(zh_person_names.SURNAMES))
    for character in prepare.MORE_HE + prepare.MORE_SHE:
        readings = set(pinyin.pinyin(character, style=pinyin.Style.NORMAL, heteronym=True)[0])
        assert len(readings) == 1, character
        assert character not in surnames


def test_every_given_character_is_in_many_names_and_no_held_out_name_is_made():
    pytest.importorskip("pypinyin")
    pools = prepare.given_characters()
    assert len(pools["汤姆"]) + len(pools["玛丽"]) == 229
    counts = prepare.character_counts()
    assert len(counts) == 229 and min(counts) >= 33 and statistics.median(counts) == 35
    held = {zh for zh, _ in zh_person_names.HELD_OUT_NAMES}
    made = {name for i, (_, chars) in enumerate(sorted(pools.items())) for name in prepare.composed_names(chars, 6 + i)}
    assert not [name for name in made if zh_person_names.holds_held_out_name(name)]
    # every character of a held-out name is in a made name, after a surname or 小 as in the held-out one
    assert {prepare.given_name(zh) for zh in held} - {"王", "张"} <= {prepare.given_name(n) for n in made}
    # single- and two-character given names, and 小/老 + surname
    assert sum(len(prepare.given_name(n)) == 2 for n in made) == 227
    assert {"小李", "老王"} <= made


def test_a_given_name_is_what_follows_the_surname():
    assert [prepare.given_name(n) for n in ("王子轩", "欧阳娜", "小明", "老张")] == ["子轩", "娜", "明", "张"]


def test_names_go_into_their_carrier_s_sentences_and_stand_alone():
    pytest.importorskip("pypinyin")
    train = [
        ("汤姆是我的朋友。", "Tom is my friend."),
        ("玛丽在哪里?", "Where is Mary?"),
        ("汤姆和玛丽是朋友。", "Tom and Mary are friends."),  # both: no carrier
        ("汤姆很累。", "He is tired."),  # the English does not name him: no carrier
    ]
    made = prepare.composed_pairs(train, frames=2)
    he = {n for n in prepare.composed_names(prepare.given_characters()["汤姆"], 6)}
    she = {n for n in prepare.composed_names(prepare.given_characters()["玛丽"], 7)}
    framed = [(zh, en) for zh, en in made if zh.endswith(("。", "?"))]
    alone = [(zh, en) for zh, en in made if (zh, en) not in framed]
    assert {zh.removesuffix("是我的朋友。") for zh, _ in framed if zh.endswith("是我的朋友。")} == he
    assert {zh.removesuffix("在哪里?") for zh, _ in framed if zh.endswith("在哪里?")} == she
    assert len(framed) == 2 * (len(he) + len(she)) and len(alone) == len(he) + len(she)
    assert all(
        en == f"{zh_person_names.english(zh.removesuffix('是我的朋友。'))} is my friend."
        for zh, en in framed
        if zh.endswith("是我的朋友。")
    )
    assert all(en == zh_person_names.english(zh) for zh, en in alone)
    assert not [zh for zh, _ in made if zh_en.is_held_out(zh)]


@pytest.mark.skipif(not CORPUS.is_file(), reason=f"{CORPUS} is not here (Tatoeba's cmn-eng, read by path)")
def test_on_the_real_corpus_no_check_sentence_or_held_out_name_is_made():
    pytest.importorskip("pypinyin")
    train = [(e.source, e.target) for e in zh_en.load(CORPUS, "train")]
    made = prepare.composed_pairs(train, frames=1)
    assert len(made) == 15_792
    checks = {zh for zh, _ in zh_person_names.NAME_CHECKS}
    assert not [zh for zh, _ in made if zh_en.is_held_out(zh) or zh in checks]
