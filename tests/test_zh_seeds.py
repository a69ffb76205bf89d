"""The shipped zh-en models on what a class types first (issue 35): the seeds' sentences, the names in our
held-out check sentences, and a test-split BLEU that the dictionary data did not cost.

- 欢迎来北京。 → "Welcome to Beijing." for at least 5 of the 6 models with learned attention;
- 我爱你。 → "I love you." and 我爱学习。 → "I love learning." (or studying, to study, to learn) for all six;
- "Beijing" attends most to 北 or 京 for at least 4 of the 5 GRU scorers with learned attention;
- the model with the best test BLEU gets the name or noun of at least 3 in 4 held-out sentences;
- each model's test BLEU (greedy and beam 5, on its card) within 0.5 of its card before the dictionary
  (tests/data/zh_en_before_dictionary.json), and the card's greedy BLEU what `evaluate` computes now.

None of these sentences is in any training pair (tests/test_zh_held_out.py).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from seq2seq.checkpoint import load_model, read_config
from seq2seq.registry import registry, resolve
from seq2seq.tasks import zh_en_checks as checks

ROOT = Path(__file__).resolve().parent.parent
BEFORE = json.loads((ROOT / "tests" / "data" / "zh_en_before_dictionary.json").read_text(encoding="utf-8"))
CORPUS = ROOT.parent / "shared" / "data" / "cmn-eng.txt"

# the shipped GRU models (the manifest's: a scorer without shipped models has none) whose attention is learned
# (not `none`, not `uniform`'s fixed 1/S), then the LSTM variant
_ZH_EN = [e for e in registry(ROOT / "pretrained") if e.task == "zh-en"]
GRU_ATTENTION = [e.name for e in _ZH_EN if e.cell == "gru" and e.scorer not in ("none", "uniform")]
ATTENTION = [*GRU_ATTENTION, "zh-en/lstm-general"]
EVERY = [*ATTENTION, "zh-en/none", "zh-en/uniform"]


@cache
def _model(name: str):
    return load_model(name)


@cache
def _card(name: str) -> dict:
    return read_config(resolve(name))


def test_the_checks_count_the_models_the_issue_names():
    assert len(GRU_ATTENTION) == 5 and len(ATTENTION) == 6
    assert sorted(BEFORE["models"]) == sorted(EVERY)


def test_welcome_to_beijing_for_five_of_the_six_attention_models():
    outputs = {name: checks.seed_outputs(_model(name))[checks.WELCOME] for name in ATTENTION}
    right = [name for name, output in outputs.items() if checks.says_welcome_to_beijing(output)]
    assert len(right) >= 5, outputs


def test_i_love_you_keeps_working_for_the_six_attention_models():
    assert {name: checks.seed_outputs(_model(name))["我爱你。"] for name in ATTENTION} == dict.fromkeys(
        ATTENTION, "I love you."
    )


def test_i_love_learning_works_for_the_six_attention_models():
    outputs = {name: checks.seed_outputs(_model(name))["我爱学习。"] for name in ATTENTION}
    assert all(checks.LEARNING.fullmatch(output) for output in outputs.values()), outputs


def test_beijing_attends_to_bei_or_jing_for_four_of_the_five_gru_scorers():
    looks = {name: checks.word_attention(_model(name), checks.WELCOME, checks.WELCOME_WORD) for name in GRU_ATTENTION}
    assert sum(looked in checks.WELCOME_CHARACTERS for looked in looks.values()) >= 4, looks


def test_the_best_model_gets_three_names_in_four():
    best = max(EVERY, key=lambda name: _card(name)["metrics"]["test"]["bleu_beam5"])
    hits = checks.name_hits(_model(best))
    assert len(hits) == 12
    assert sum(check.hit for check in hits) * 4 >= len(hits) * 3, [(c.source, c.output) for c in hits]


@pytest.mark.parametrize("name", EVERY)
def test_test_bleu_within_half_a_point_of_the_card_before_the_dictionary(name):
    card, before = _card(name), BEFORE["models"][name]
    test = card["metrics"]["test"]
    assert test["sentences"] == 2464 and test["beam_sentences"] == 2464
    assert test["bleu"] >= before["bleu"] - 0.5
    assert test["bleu_beam5"] >= before["bleu_beam5"] - 0.5


@pytest.mark.parametrize("name", EVERY)
def test_every_model_learned_the_dictionary_and_says_so(name):
    """Each card names the dictionary data it was fine-tuned on, and the first stage it started from."""
    train = _card(name)["train"]
    assert train["dictionary"] and train["init"]
    assert _card(name)["first_stage"]["training_seconds"] > 0


@pytest.mark.skipif(not CORPUS.is_file(), reason="needs ../shared/data/cmn-eng.txt")
def test_the_cards_greedy_bleu_is_what_evaluate_computes():
    from seq2seq.evaluate import evaluate_translation

    name = "zh-en/general"
    measured = evaluate_translation(_model(name), str(CORPUS), "test", limit=0, beam=0)
    assert measured["bleu"] == pytest.approx(_card(name)["metrics"]["test"]["bleu"], abs=1e-6)
