"""zh-en's validation names checks (seq2seq/tasks/zh_en_validation.py, issue 63): other sentences than the test
checks, never trained on in any form, their people's names never composed by the names data; the typed
fine-tuning's names file; the typed variants of the dictionary's sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from seq2seq.config import TrainConfig
from seq2seq.tasks import get_task, zh_en, zh_en_checks, zh_en_validation, zh_person_names
from seq2seq.training_parts import load_task_data
from seq2seq.typed import as_typed, typed_random, with_typed
from tests.script_loader import load_script

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cmn-eng.txt"
prepare = load_script("prepare_zh_dictionary.py")


def test_the_validation_checks_are_other_sentences_and_names_than_the_test_checks():
    test = {zh for checks in zh_en_checks.SPLITS["test"].values() for zh, _ in checks}
    valid = set(zh_en_validation.SENTENCES)
    assert len(valid) == 25 and len(test) == 32 and not valid & test
    assert list(zh_en_checks.SPLITS["valid"]) == list(zh_en_checks.SPLITS["test"])  # the same kinds, side by side
    test_names = {zh for zh, _ in zh_person_names.HELD_OUT_NAMES}
    assert not set(zh_en_validation.NAMES) & test_names
    assert [name for name in zh_en_validation.NAMES if any(name in zh for zh in test)] == []


@pytest.mark.parametrize("sentence", zh_en_validation.SENTENCES)
def test_every_form_of_a_validation_sentence_is_held_out(sentence):
    for form in (sentence, as_typed(sentence), sentence.replace("。", "!"), " ".join(sentence)):
        assert zh_en.is_held_out(form), form


def test_a_validation_person_is_held_out_in_any_sentence_and_a_common_place_is_not():
    assert zh_en.is_held_out("张子涵明天来。") and zh_person_names.holds_held_out_name("我叫周文博")
    assert not zh_en.is_held_out("我在公园。") and not zh_en.is_held_out("他去了海边。")


def test_each_validation_person_is_written_as_the_names_data_writes_a_name():
    pytest.importorskip("pypinyin")
    for (zh, (english,)), name in zip(zh_en_validation.PEOPLE, zh_en_validation.NAMES, strict=True):
        assert name in zh and zh_person_names.english(name) == english


def test_the_names_data_never_composes_a_validation_name_and_more_rounds_give_more_two_character_names():
    pytest.importorskip("pypinyin")
    pools = sorted(prepare.given_characters().items())
    made = {name for i, (_, chars) in enumerate(pools) for name in prepare.composed_names(chars, 6 + i)}
    more = {name for i, (_, chars) in enumerate(pools) for name in prepare.composed_names(chars, 6 + i, 12)}
    assert not [name for name in made | more if name in zh_en_validation.NAMES]
    # every character of a validation name is read in the names the stages compose
    read = {c for name in made for c in prepare.given_name(name)}
    assert {c for name in zh_en_validation.NAMES for c in prepare.given_name(name)} <= read
    two = [n for n in more if len(prepare.given_name(n)) == 2]
    assert sum(len(prepare.given_name(n)) == 2 for n in made) == 227 and len(two) > 1300
    assert made - more == set()  # the same single-character names, more two-character ones


@pytest.mark.skipif(not CORPUS.is_file(), reason="needs ../shared/data/cmn-eng.txt")
def test_no_validation_sentence_or_name_is_in_the_corpus_file():
    chinese = [zh for zh, _ in zh_en.read_pairs(CORPUS)]
    keys = {zh_en.held_out_key(zh) for zh in chinese}
    assert not {zh_en.held_out_key(zh) for zh in zh_en_validation.SENTENCES} & keys
    assert not [name for name in zh_en_validation.NAMES if any(name in zh for zh in chinese)]
    train = get_task("zh-en").split_pairs("train", 0, 0, str(CORPUS))
    assert not [zh for zh, _ in train if zh_en.is_held_out(zh) and zh in zh_en_validation.SENTENCES]


def test_the_typed_fine_tuning_reads_the_names_file_with_two_character_names():
    typed = get_task("zh-en").shipped.typed
    assert typed[typed.index("--dictionary") + 1] == "runs/data/zh-en-names-typed.txt"
    assert prepare.SHIPPED_FILES["zh-en-names-typed.txt"][-2:] == ["--lookalikes", "zh-en/concat"]
    assert "--given-pairs" in prepare.SHIPPED_FILES["zh-en-names-typed.txt"]


def test_a_typed_fine_tuning_adds_typed_variants_of_the_dictionary_s_sentences_too(tmp_path):
    corpus = tmp_path / "cmn-eng.txt"
    corpus.write_text("".join(f"Line {i}.\t第{i}句。\n" for i in range(60)), encoding="utf-8")
    words = tmp_path / "names.txt"
    lines = [f"Wang Qiang is friend {i}.\t王强是第{i}个朋友。" for i in range(40)]
    words.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = {"task": "zh-en", "data": str(corpus), "dictionary": str(words), "valid_size": 4}
    plain = load_task_data(TrainConfig(**options))
    typed = load_task_data(TrainConfig(**options, typed_rate=0.5))
    dictionary = plain.train[len(plain.train) - plain.dictionary :]
    assert len(dictionary) == 40
    expected = with_typed(dictionary, 0.5, typed_random(0, "dictionary"))
    assert typed.train[len(typed.train) - typed.dictionary :] == expected  # counted as dictionary pairs
    assert len(expected) > 50 and all(zh[-1] != "。" for zh, _ in expected[40:])
    assert typed_random(0).random() != typed_random(0, "dictionary").random()  # a stream of its own
