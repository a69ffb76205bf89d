"""The zh-en release after the names stages (issue 55): no model may pay for the names with test BLEU or chrF.

Each shipped zh-en model's card (greedy and beam 5 on the whole test split) is at or above its card before
the names stages (tests/data/zh_en_before_names.json, read from the release before them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seq2seq.checkpoint import read_config
from seq2seq.registry import registry, resolve

ROOT = Path(__file__).resolve().parent.parent
BEFORE = json.loads((ROOT / "tests" / "data" / "zh_en_before_names.json").read_text(encoding="utf-8"))
EVERY = [e.name for e in registry(ROOT / "pretrained") if e.task == "zh-en"]


def test_every_shipped_zh_en_model_has_a_card_from_before():
    assert sorted(EVERY) == sorted(BEFORE["models"]) and len(EVERY) == 8


@pytest.mark.parametrize("name", EVERY)
def test_no_metric_falls_below_the_card_before_the_names(name):
    test = read_config(resolve(name))["metrics"]["test"]
    assert test["sentences"] == test["beam_sentences"] == 2464  # every test source, greedy and beam 5
    for metric, before in BEFORE["models"][name].items():
        assert test[metric] >= before, (metric, test[metric], before)
