"""Issue 21: the model cards and the comparison table in Chinese (README.zh.md beside each README.md).

scripts/release.py writes both languages from the same config.json and manifest (its texts are catalog
messages, rendered once per language); these tests check the committed Chinese files against the
English ones and against the numbers they come from, and that regenerating every card (no training,
no evaluation: `rewrite_cards` from the kept metrics) into a temporary folder gives the committed files.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from seq2seq.checkpoint import read_config
from seq2seq.registry import registry
from seq2seq.tasks import TASKS
from tests.script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
PRETRAINED = ROOT / "pretrained"
ATTRIBUTION = "www.manythings.org/anki and tatoeba.org"
ATTRIBUTION_ZH = "www.manythings.org/anki 和 tatoeba.org"  # its "and" in Chinese, the addresses as they are
CJK = re.compile(r"[\u3400-\u9fff]")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

ENTRIES = registry(PRETRAINED)


@pytest.fixture(scope="module")
def release():
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))  # as when run as a script: it reads train_shipped
    try:
        yield load_script("release.py", "release_cards")
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def numbers(text: str) -> Counter:
    return Counter(NUMBER.findall(text))


def prose_lines(text: str) -> list[str]:
    """The card's lines a reader reads as sentences: not the tables, not the model's name heading."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith(("|", "# "))]


def test_every_model_has_a_chinese_card_and_there_is_a_chinese_table():
    shipped_scorers = {e.scorer for e in ENTRIES if e.cell == "gru"}  # the manifest's, not the registry's
    assert len(ENTRIES) == len({e.task for e in ENTRIES}) * (len(shipped_scorers) + 1)  # each scorer, an LSTM a task
    for entry in ENTRIES:
        assert (PRETRAINED / entry.path / "README.zh.md").is_file(), entry.name
    assert (PRETRAINED / "README.zh.md").is_file()


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_chinese_card_has_the_english_cards_numbers_and_chinese_prose(entry):
    folder = PRETRAINED / entry.path
    english = (folder / "README.md").read_text(encoding="utf-8")
    chinese = (folder / "README.zh.md").read_text(encoding="utf-8")
    assert numbers(chinese) == numbers(english)
    assert chinese.startswith(f"# {entry.name}\n")  # the model's name stays
    for heading in ("## 数据", "## 设置", "## 重新训练", "## 指标（测试集，"):
        assert heading in chinese, heading
    untranslated = [line for line in prose_lines(chinese) if not CJK.search(line)]
    assert not untranslated, f"{entry.name}: lines with no Chinese: {untranslated}"
    # The data credit names the same addresses in every card (the corpus cards' own credit line included).
    assert ATTRIBUTION_ZH in chinese and ATTRIBUTION not in chinese
    if entry.task in ("en-fr", "zh-en"):
        assert f"数据来源：{ATTRIBUTION_ZH}。" in chinese
    # The scorer line's formula is in Chinese where it has words (none, location); a paper's title may stay.
    (score_line,) = [line for line in chinese.splitlines() if line.startswith("注意力分数：")]
    formula = score_line.split("`")[1]
    assert not re.search(r"[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}", formula), score_line


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_chinese_card_reports_the_measured_numbers_of_config_json(entry):
    folder = PRETRAINED / entry.path
    chinese = (folder / "README.zh.md").read_text(encoding="utf-8")
    config = read_config(folder)
    test, fp32 = config["metrics"]["test"], config["metrics"]["test_float32"]
    assert f"参数量 {entry.parameters:,}。" in chinese
    if config.get("average"):  # zh-en's names stages, averaged: each stage's epochs and seconds, and the sum
        for stage in config["stages"]:
            run = stage.get("epochs_run") or stage["best_epoch"]
            assert f"（共 {run} 轮中的第 {stage['best_epoch']} 轮，{stage['training_seconds']} 秒）" in chinese
        assert f"训练合计 {sum(s['training_seconds'] for s in config['stages']):.1f} 秒" in chinese
    else:
        assert f"训练用时 {config['training_seconds']} 秒" in chinese
        assert f"第 {config['best_epoch']} 轮，共训练 {config['epochs_run']} 轮" in chinese
    for key, value in test.items():
        if isinstance(value, float) and not key.endswith("_seconds") and key != "bleu_greedy_subset":
            measured = f"{fp32[key]:.4f}" if key in fp32 else ""
            assert f"| {key} | {value:.4f} | {measured} |" in chinese, key


def test_chinese_table_has_the_english_tables_numbers_and_chinese_headers():
    english = (PRETRAINED / "README.md").read_text(encoding="utf-8")
    chinese = (PRETRAINED / "README.zh.md").read_text(encoding="utf-8")
    assert numbers(chinese) == numbers(english)
    assert chinese.startswith("# 预训练模型\n")
    assert "| 模型 | 参数量 | 完全匹配 | 未知符号完全匹配 |" in chinese
    assert f"数据来源：{ATTRIBUTION_ZH}" in chinese
    rows = [line for line in english.splitlines() if line.startswith("| ") and "/" in line.split("|")[1]]
    assert len(rows) == len(ENTRIES)
    for row in rows:  # every model's row, number for number
        assert row in chinese
    untranslated = [line for line in prose_lines(chinese) if not CJK.search(line)]
    assert not untranslated


def test_regenerating_every_card_reproduces_the_committed_files(release, tmp_path):
    release.rewrite_cards(PRETRAINED, list(TASKS), dest=tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("README*.md"))
    assert len(written) == 2 * (len(ENTRIES) + 1)
    for relative in written:
        committed = (PRETRAINED / relative).read_text(encoding="utf-8")
        assert (tmp_path / relative).read_text(encoding="utf-8") == committed, (
            f"{relative} is not what scripts/release.py writes: run `python scripts/release.py --cards-only`"
        )


def test_card_is_english_by_default_and_chinese_under_using(release):
    from explorer import i18n

    folder = PRETRAINED / "dates" / "concat"
    config = read_config(folder)
    history = json.loads((folder / "probes.json").read_text())["epochs"]
    args = ("dates/concat", config, config["metrics"]["test"], config["metrics"]["test_float32"], 246287, history)
    english = release.card(*args)
    assert "## Settings" in english and not CJK.search(english.replace("§", ""))
    with i18n.using("zh"):
        chinese = release.card(*args)
    assert "## 设置" in chinese and "参数量 246,287。" in chinese
    assert english == release.card(*args)  # the language was set for the block only
    assert release.card_file("en") == "README.md" and release.card_file("zh") == "README.zh.md"


def test_a_model_trained_with_dictionary_data_credits_cc_cedict_in_both_languages(release):
    from explorer import i18n

    folder = PRETRAINED / "zh-en" / "general"
    config = read_config(folder)
    history = json.loads((folder / "probes.json").read_text())["epochs"]
    test, fp32 = config["metrics"]["test"], config["metrics"]["test_float32"]
    english = release.card("zh-en/general", config, test, fp32, 1, history)
    assert config["train"]["dictionary"] == "runs/data/zh-en-names-verbs-lookalikes.txt"  # its last stage's file
    assert "CC BY-SA 4.0" in english and "`runs/data/zh-en-dictionary.txt`" in english  # and its second stage
    # retraining it starts by writing every file its stages read again
    assert (
        "`python scripts/prepare_zh_dictionary.py --shipped && python scripts/train_shipped.py --tasks zh-en" in english
    )
    with i18n.using("zh"):
        chinese = release.card("zh-en/general", config, test, fp32, 1, history)
    assert "词典数据：CC-CEDICT" in chinese and "HSK 2.0 词汇" in chinese
    config["train"]["dictionary"] = None  # a model trained on the corpus alone credits it alone
    for key in ("average", "stages", "choice", "first_stage"):
        config.pop(key, None)
    assert "CC-CEDICT" not in release.card("zh-en/general", config, test, fp32, 1, history)


# The corpus stage and the dictionary stage, as a zh-en model's recorded chain (`stages`) begins
FIRST_TWO_STAGES = [
    {"dictionary": None, "best_epoch": 21, "training_seconds": 1280.4},
    {"dictionary": "runs/data/zh-en-dictionary.txt", "best_epoch": 10, "epochs_run": 10, "training_seconds": 900.0},
]


def _zh_en_general() -> tuple[dict, list, dict, dict]:
    """zh-en/general's config, probe history, test metrics and float32 test metrics, as release.card takes them."""
    folder = PRETRAINED / "zh-en" / "general"
    config = read_config(folder)
    history = json.loads((folder / "probes.json").read_text())["epochs"]
    return config, history, config["metrics"]["test"], config["metrics"]["test_float32"]


def test_an_averaged_models_card_lists_its_stages_and_weights_in_both_languages(release):
    """zh-en's names stages (seq2seq/average.py): the card lists every stage once, the first first, with its
    data, epochs and seconds, the weights of the averaged ones and the whole cost, and says how to retrain it."""
    from explorer import i18n

    config, history, test, fp32 = _zh_en_general()
    config.pop("choice")  # an average chosen by no rule
    config["stages"] = [
        *FIRST_TWO_STAGES,
        {"dictionary": "runs/data/zh-en-names-light.txt", "best_epoch": 3, "epochs_run": 3, "training_seconds": 347.4},
        {"dictionary": "runs/data/zh-en-names-only.txt", "best_epoch": 1, "epochs_run": 1, "training_seconds": 106.6},
    ]
    config["average"] = [{"model": "b", "weight": 0.4}, {"model": "c", "weight": 0.6}]
    assert release.training_cost(config) == 2634.4
    english = release.card("zh-en/general", config, test, fp32, 1, history)
    assert (
        "Trained in 4 stages, each fine-tuned (`train --init`) from the one before: 1. the corpus alone (epoch 21 of"
        " 21, 1280.4 s); 2. `runs/data/zh-en-dictionary.txt` (epoch 10 of 10, 900.0 s); 3."
        " `runs/data/zh-en-names-light.txt` (epoch 3 of 3, 347.4 s); 4. `runs/data/zh-en-names-only.txt` (epoch 1 of"
        " 1, 106.6 s). The model is the weighted average of the last 2 stages' weights (0.4 × 3 + 0.6 × 4;"
    ) in " ".join(english.split())
    assert "2634.4 s of training in all" in english and "Best epoch" not in english
    assert (
        "`python scripts/prepare_zh_dictionary.py --shipped && python scripts/train_shipped.py --tasks zh-en --scorers"
        " general --names`" in english
    )
    with i18n.using("zh"):
        chinese = release.card("zh-en/general", config, test, fp32, 1, history)
    assert "分 4 个阶段训练" in chinese and "只用语料（共 21 轮中的第 21 轮，1280.4 秒）" in chinese
    assert "训练合计 2634.4 秒" in chinese and numbers(chinese) == numbers(english)


def test_a_chosen_models_card_says_the_rule_and_what_it_chose_in_both_languages(release):
    """zh-en's names stages (scripts/choose_zh_average.py): a model chosen as its last stage alone says so, with
    the rule, the endings' files, and the seeds and invented places of the candidate chosen."""
    from explorer import i18n

    config, history, test, fp32 = _zh_en_general()
    config["stages"] = [
        *FIRST_TWO_STAGES,
        {"dictionary": "runs/data/zh-en-names-p4.txt", "best_epoch": 10, "epochs_run": 10, "training_seconds": 1834.2},
    ]
    config["average"] = [{"model": "a", "weight": 1.0}]
    candidates = [
        {"ending": "names", "weight": 0.7, "seeds": 2, "invented": None, "bleu": None},
        {"ending": "names", "weight": 0.3, "seeds": 3, "invented": 4, "bleu": 26.5},
        {"ending": None, "weight": 0.0, "seeds": 3, "invented": 1, "bleu": 25.55},
    ]
    # an ending whose settings the record lacks: its name stands for its file
    config["choice"] = {"candidates": candidates, "chosen": 2, "invented_at_most": 1, "endings": {"names": "x"}}
    english = " ".join(release.card("zh-en/general", config, test, fp32, 1, history).split())
    assert (
        "3. `runs/data/zh-en-names-p4.txt` (epoch 10 of 10, 1834.2 s). The model is the last stage's weights: 4014.6 s"
        " of training in all." in english
    )
    assert (
        "among stage 3 alone and its averages with each of `names` (each fine-tuned from it) at weights 0.3, 0.7: of"
        " the candidates with the most of the seeds' three sentences right (3 here), those with at most 1 validation"
        " output naming a taught place that no reference names (1 here), and of these the best validation BLEU"
        " (25.55 here). The test split was not looked at." in english
    )
    with i18n.using("zh"):
        chinese = release.card("zh-en/general", config, test, fp32, 1, history)
    assert "模型就是最后一个阶段的权重" in chinese and "选择时没有看测试集" in chinese
    assert numbers(chinese) == numbers(english)


def test_a_second_rounds_card_says_both_choices_in_both_languages(release):
    """zh-en's second round (choose_zh_average.py --second): the stages (the first round's chosen ones, then the
    last ending), what the first round chose among what, and what the second chose, with their measures."""
    from explorer import i18n

    config, history, test, fp32 = _zh_en_general()
    config["stages"] = [
        *FIRST_TWO_STAGES,
        {"dictionary": "runs/data/zh-en-names-p4.txt", "best_epoch": 10, "epochs_run": 10, "training_seconds": 1735.4},
        {"dictionary": "runs/data/zh-en-names-only.txt", "best_epoch": 3, "epochs_run": 3, "training_seconds": 393.9},
        {"dictionary": "runs/data/zh-en-names-verbs-lookalikes.txt", "best_epoch": 3, "epochs_run": 3,
         "training_seconds": 318.2},
    ]  # fmt: skip
    config["average"] = [{"model": "s", "weight": 0.5}, {"model": "e", "weight": 0.5}]
    first = [
        {"ending": "names", "weight": 0.3, "seeds": 3, "invented": 0, "bleu": 29.0},
        {"ending": "verbs", "weight": 0.3, "seeds": 3, "invented": 0, "bleu": 28.97},
        {"ending": None, "weight": 0.0, "seeds": 3, "invented": 1, "bleu": 28.74},
    ]
    second = [
        {"ending": "lookalikes", "weight": 0.5, "seeds": 3, "invented": 0, "bleu": 29.24},
        {"ending": None, "weight": 0.0, "seeds": 3, "invented": 0, "bleu": 29.0},
    ]
    settings = {
        "names": {"dictionary": "runs/data/zh-en-names-only.txt"},
        "verbs": {"dictionary": "runs/data/zh-en-names-verbs-one.txt"},
        "lookalikes": {"dictionary": "runs/data/zh-en-names-verbs-lookalikes.txt"},
    }
    config["choice"] = {
        "candidates": second, "chosen": 0, "invented_at_most": 1, "endings": {"lookalikes": "l"},
        "settings": settings,
        "before": {"candidates": first, "chosen": 0, "invented_at_most": 1, "endings": {"names": "n", "verbs": "v"}},
    }  # fmt: skip
    english = " ".join(release.card("zh-en/general", config, test, fp32, 1, history).split())
    assert (
        "5. `runs/data/zh-en-names-verbs-lookalikes.txt` (epoch 3 of 3, 318.2 s): 4627.9 s of training in all."
        in english
    )
    assert (
        "among stage 3 alone and its averages with each of `runs/data/zh-en-names-only.txt` and"
        " `runs/data/zh-en-names-verbs-one.txt` (each fine-tuned from it) at weights 0.3, of the candidates with the"
        " most of the seeds' three sentences right (3 here), those with at most 1 validation output naming a taught"
        " place that no reference names (0 here), and of these the best validation BLEU (29.0 here): 0.7 × stage 3 +"
        " 0.3 × stage 4." in english
    )
    assert (
        "Second round, the same rule: a last ending fine-tuned from that model on"
        " `runs/data/zh-en-names-verbs-lookalikes.txt`; among that model alone and its averages with the ending at"
        " weights 0.5 it chose 0.5 × that model + 0.5 × the ending (stage 5), with the seeds 3, 0 validation output"
        " naming a taught place that no reference names and validation BLEU 29.24. The test split was not looked at."
        in english
    )
    config["choice"]["chosen"] = 1  # the first round's model alone: its stages only, and no stage 5
    config["stages"] = config["stages"][:4]
    config["average"] = [{"model": "s", "weight": 1.0}]
    alone = " ".join(release.card("zh-en/general", config, test, fp32, 1, history).split())
    assert "0.7 × stage 3 + 0.3 × stage 4." in alone and "it chose that model alone, with the seeds 3," in alone
    with i18n.using("zh"):
        chinese = release.card("zh-en/general", config, test, fp32, 1, history)
    assert "第一轮" in chinese and "第二轮" in chinese and "该模型本身" in chinese
    assert numbers(chinese) == numbers(alone)
