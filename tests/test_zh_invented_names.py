"""scripts/zh_invented_names.py: which names count as taught, and when an output invents one (docs/models.md,
the dictionary data's cost)."""

from __future__ import annotations

import pytest

from seq2seq.checkpoint import load_model
from seq2seq.registry import resolve
from tests.script_loader import load_script


@pytest.fixture(scope="module")
def script():
    return load_script("zh_invented_names.py")


def test_the_taught_names_are_the_pieces_appended_after_the_first_stage(script):
    """The dictionary stage's 50 places first (`PLACE_PIECES`), then the names stage's people and landmarks."""
    names = script.taught_names(resolve("zh-en/general"))
    assert len(names) > script.PLACE_PIECES == 50 and names[0] == "Beijing"
    assert {"Shanghai", "Tianjin", "Guangzhou", "Nanjing", "Xi’an"} <= set(names[: script.PLACE_PIECES])
    assert {"Zhou", "Feng", "Yi"} <= set(names[script.PLACE_PIECES :])  # people's syllables among them
    assert not any(name.startswith("▁") for name in names)


def test_a_word_the_corpus_writes_in_lower_case_is_not_a_name(script, tmp_path):
    corpus = tmp_path / "cmn-eng.txt"
    corpus.write_text("It's a great island.\t这是一个很棒的岛。\nI live in Beijing.\t我住在北京。\n", encoding="utf-8")
    assert script.place_names(["Beijing", "Great", "Island", "Shanghai"], corpus) == ["Beijing", "Shanghai"]


def test_a_name_counts_only_where_no_reference_says_it(script):
    outputs = ["We're going to Shanghai tomorrow.", "I live in Beijing.", "Beijingers are kind.", "Hi."]
    references = [["We're going to the beach tomorrow."], ["I live in Beijing.", "My home is Peking."], ["x"], ["Hi."]]
    # a whole word only: "Beijingers" is not "Beijing"
    assert script.invented(outputs, references, ["Beijing", "Shanghai"]) == [(0, "Shanghai")]


def test_the_seaside_sentence_the_words_test_left_is_what_the_script_counts(script):
    """The case that made us measure it: the dictionary stage's general model sent 我们明天去海边。 (to the
    seaside) to Shanghai, a place its references never name; the script counts that, and no shipped model
    does it now (issue 55)."""
    names = script.taught_names(resolve("zh-en/general"))
    said = ["We're going to Shanghai tomorrow."]  # the dictionary stage's general model (commit 131270f)
    assert script.invented(said, [["We're going to the beach tomorrow."]], names) == [(0, "Shanghai")]
    for name in ("zh-en/general", "zh-en/concat", "zh-en/dot", "zh-en/lstm-general"):
        output = load_model(name).greedy("我们明天去海边。").output
        assert script.invented([output], [["We're going to the beach tomorrow."]], names) == [], (name, output)
