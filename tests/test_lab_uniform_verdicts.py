"""The Lab's uniform verdicts are computed for each model from its own stored numbers (issue 64).

The old page said one sentence for every model ("attention carries what the model needs (Wiegreffe &
Pinter found classifiers that lost little)"), applying their *trained* baseline's finding to a *swap-in*
experiment. Now the swap and the trained-uniform model each get their own verdict, and the trained model's
score is a row of the table the page draws. Checked on the shipped results (pretrained/lab/), in English
and Chinese.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer import i18n
from explorer.views import lab_scales, lab_split

ROOT = Path(__file__).resolve().parent.parent
OLD = "attention carries what the model needs"


def stored(task: str, model: str) -> dict:
    path = ROOT / "pretrained" / "lab" / f"{task}.json"
    if not path.is_file():
        pytest.skip(f"{path} is not shipped in this checkout")
    found = json.loads(path.read_text())["by_model"].get(model, {}).get("uniform")
    if not found or "trained_uniform" not in found["summary"]:
        pytest.skip(f"{model} has no stored uniform result with a trained baseline")
    return found


@pytest.mark.parametrize(
    ("task", "model", "swap", "trained"),
    [
        ("dates", "dates/general", "uses", "level"),  # 100% -> 0% swapped; dates/uniform 100%
        ("reverse", "reverse/dot", "uses", "needed"),  # reverse/uniform 42%
        ("en-fr", "en-fr/dot", "uses", "level"),  # en-fr/uniform 37.5 BLEU against its 37.4
        ("en-fr", "en-fr/general", "uses", "helps"),  # 37.5 against 41.3
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_model_gets_the_verdicts_of_its_own_numbers(task, model, swap, trained, lang):
    uniform = stored(task, model)
    summary = uniform["summary"]
    scale = 1 if summary["metric"] == "bleu" else 100
    gap = (summary["model"] - summary["trained_uniform"]) * scale
    assert lab_scales.TRAINED_UNIFORM.band(gap).key == trained
    assert lab_scales.UNIFORM_LOSS.band((summary["model"] - summary["uniform"]) * scale).key == swap
    with i18n.using(lang):
        first, second = lab_split.uniform_reading(uniform)
        assert i18n._(lab_scales.UNIFORM_LOSS.words((summary["model"] - summary["uniform"]) * scale)) in first
        assert lab_scales.TRAINED_UNIFORM.words(gap) in second
        assert summary["trained_uniform_model"] in second
        assert lab_split.metric_value(summary["metric"], summary["trained_uniform"]) in second
        assert OLD not in first + second


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_trained_uniform_score_is_a_row_of_the_table(lang):
    """What lesson 8 quotes of the trained baseline is on the screen: a row beside the swap."""
    uniform = stored("dates", "dates/general")
    with i18n.using(lang):
        rows = lab_split.uniform_rows(uniform)
        assert len(rows) == 3
        label = i18n._("attention")
        assert "dates/uniform" in rows[2][label]
        metric = lab_split.metric_name("exact_match")
        assert rows[2][metric] == lab_split.metric_value("exact_match", uniform["summary"]["trained_uniform"])


def test_the_en_fr_dot_reading_says_the_trained_model_is_above_it():
    uniform = stored("en-fr", "en-fr/dot")
    with i18n.using("en"):
        _swap, trained = lab_split.uniform_reading(uniform)
    assert "en-fr/uniform scores 37.5 on the same 200 examples, 0.2 BLEU above this model" in trained
