"""scripts/choose_zh_average.py: the one rule that picks each zh-en model among its names stages' averages."""

from __future__ import annotations

from pathlib import Path

from tests.script_loader import load_script


def chooser():
    return load_script("choose_zh_average.py")


def test_the_most_seeds_first_then_the_first_with_few_invented_places():
    script = chooser()
    c = script.Candidate
    candidates = [
        c("names", 0.7, seeds=2, invented=0),  # fewer seeds: never chosen over three
        c("verbs", 0.7, seeds=3, invented=5),  # too many invented places
        c("names", 0.5, seeds=3, invented=2),  # the first with at most 2
        c("verbs", 0.5, seeds=3, invented=1),
        c(None, 0.0, seeds=3, invented=None),  # not measured: the rule stopped before it
    ]
    assert script.choose(candidates, at_most=2) == candidates[2]


def test_without_a_candidate_under_the_limit_the_fewest_invented_places():
    script = chooser()
    c = script.Candidate
    candidates = [c("names", 0.7, 3, 6), c("verbs", 0.7, 3, 4), c("names", 0.5, 2, 0), c(None, 0.0, 3, 4)]
    assert script.choose(candidates, at_most=2) == candidates[1]  # 4, the first of the two with 4


def test_a_candidate_is_the_last_stage_with_an_ending_at_its_weight_or_the_last_stage_alone():
    script = chooser()
    a, endings = Path("A"), {"names": Path("N"), "verbs": Path("V")}
    assert script.parts(a, endings, script.Candidate("verbs", 0.7)) == ([a, Path("V")], [0.3, 0.7])
    assert script.parts(a, endings, script.Candidate(None, 0.0)) == ([a], [1.0])


def test_the_rule_is_one_for_every_scorer_and_ends_with_the_last_stage_alone():
    from seq2seq.tasks import zh_en

    endings = {name for name, _ in zh_en.NAMES_ENDINGS}
    assert {ending for ending, _ in zh_en.NAMES_CHOICES} == endings | {None}
    assert zh_en.NAMES_CHOICES[-1] == (None, 0.0)
    weights = [w for ending, w in zh_en.NAMES_CHOICES if ending]
    assert weights == sorted(weights, reverse=True) and all(0 < w < 1 for w in weights)  # the most of an ending first
