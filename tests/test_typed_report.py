"""Issue 63's measures: en-fr's three sentences as a class types them (seq2seq/tasks/en_fr_checks.py) and the
table scripts/typed_report.py prints for docs/models.md."""

from __future__ import annotations

import pytest

from seq2seq.tasks import en_fr_checks
from tests.script_loader import load_script

TIRED, STATION, BEACH = (expected for _, expected in en_fr_checks.TYPED)


@pytest.mark.parametrize(
    ("expected", "output"),
    [
        (TIRED, "Je suis fatigué."),
        (TIRED, "Je suis fatiguée."),
        (STATION, "Où est la gare ?"),
        (STATION, "Où est la gare\u202f?"),
        (STATION, "Où se trouve la gare ?"),
        (BEACH, "Nous allons à la plage demain."),
        (BEACH, "Demain, nous irons à la plage."),
        (BEACH, "On va à la plage demain."),
    ],
)
def test_a_right_translation_is_right(expected, output):
    assert en_fr_checks.is_right(expected, output)


@pytest.mark.parametrize(
    ("expected", "output"),
    [
        (TIRED, "Toutes les légumes !"),  # the released en-fr/concat's, issue 63
        (TIRED, "Le fatigué est fatigué."),
        (STATION, "Quelqu'un est le gare."),
        (STATION, "Où où trouve la gare ?"),
        (BEACH, "Nous allons au plage demain."),  # the typed pilot's: "à la plage"
        (BEACH, "Nous allons la plage demain."),
        (BEACH, "Nous allons nous rendre à la plage."),  # no "demain"
    ],
)
def test_a_wrong_translation_is_wrong(expected, output):
    assert not en_fr_checks.is_right(expected, output)


def test_the_sentences_are_typed_as_a_class_types_them():
    from seq2seq.typed import as_typed

    assert [source for source, _ in en_fr_checks.TYPED] == [
        "i am tired",
        "where is the station",
        "we are going to the beach tomorrow",
    ]
    assert all(as_typed(source) == source for source, _ in en_fr_checks.TYPED)


def test_right_counts_the_right_outputs():
    outputs = {"i am tired": "Je suis fatigué.", "where is the station": "Où est la gare ?"}
    outputs["we are going to the beach tomorrow"] = "Nous allons au plage demain."
    assert en_fr_checks.right(outputs) == 2


def test_the_table_has_one_line_a_model_with_its_gaps():
    script = load_script("typed_report.py")
    en_fr = {"task": "en-fr", "bleu": 38.92, "bleu_typed": 36.76, "bleu_beam": 41.3, "bleu_beam_typed": 39.5}
    en_fr |= {"sentences": 3, "right": 2, "right_beam": 3, "seconds": 3092.6}
    zh_en = {"task": "zh-en", "bleu": 26.3, "bleu_typed": 23.6, "bleu_beam": 28.1, "bleu_beam_typed": 25.6}
    zh_en |= {"seeds_typed": 3, "first_valid_typed": [3, 4], "names_test": [19, 29], "names_valid": [8, 21]}
    zh_en |= {"invented_valid": 0}
    zh_en |= {"invented_test": 2, "seconds": None}
    lines = script.table({"a": en_fr, "b": zh_en}).splitlines()
    assert len(lines) == 4 and lines[1].count("|---") == lines[0].count(" | ") + 1 == 13
    assert lines[2] == "| a | 38.9 | 36.8 | 2.16 | 41.3 | 39.5 | 1.80 | 2/3, 3/3 | – | – | – | – | 3093 s |"
    assert (
        lines[3]
        == "| b | 26.3 | 23.6 | 2.70 | 28.1 | 25.6 | 2.50 | seeds 3/3, like them 3/4 | 19/29 | 8/21 | 0 | 2 | – |"
    )
