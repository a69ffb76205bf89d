"""The shipped models: the 24 GRU models (and the LSTM variants) are registered, load, decode, stay
in the size budget and meet the bars.

The quality bars are checked on the test-split metrics that `scripts/release.py` measured and
wrote into the manifest (re-evaluating 18 models would take minutes); the decodes below check that
the shipped weights still produce those answers.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from seq2seq import scorers, tasks
from seq2seq.attention import scorer_has_weights
from seq2seq.checkpoint import load_checkpoint, read_config
from seq2seq.config import TrainConfig
from seq2seq.registry import registry
from seq2seq.stages import recorded_epoch

PRETRAINED = Path(__file__).resolve().parent.parent / "pretrained"
# What is shipped, from the manifest alone (its order): the shipped models' checks iterate these, so a scorer
# or task the library registers without shipped models is neither tested nor missed here. What the library
# registers is checked against them only in test_every_shipped_task_and_scorer_is_registered_in_display_order.
_SHIPPED = registry(PRETRAINED)
SHIPPED_TASKS = tuple(dict.fromkeys(e.task for e in _SHIPPED))
SHIPPED_SCORERS = tuple(dict.fromkeys(e.scorer for e in _SHIPPED if e.cell == "gru"))
# Optional LSTM variants of the general models ("if time allows"): the same settings, another cell.
LSTM_VARIANTS = tuple(f"{task}/lstm-general" for task in SHIPPED_TASKS)
SIZE_BUDGET_MB = 120  # all of pretrained/: four tasks of seven scorers and an LSTM each, the lab's seed models
ALLOWED_SUFFIXES = {".json", ".safetensors", ".model", ".md"}  # never a pickle


@pytest.fixture(scope="module")
def entries() -> dict[str, dict]:
    return {entry.name: entry for entry in registry(PRETRAINED)}


def test_every_shipped_task_and_scorer_is_registered_in_display_order():
    """The registries may hold more (a scorer or task without shipped models), never less; the app lists
    the shipped ones in the registries' order."""
    assert [t for t in tasks.TASKS if t in SHIPPED_TASKS][:4] == ["reverse", "dates", "en-fr", "zh-en"]
    assert set(SHIPPED_TASKS) <= set(tasks.TASKS) and set(SHIPPED_SCORERS) <= set(scorers.SCORERS)
    shown = [s for s in scorers.SCORERS if s in SHIPPED_SCORERS]
    assert shown[:7] == ["none", "dot", "general", "concat", "scaled_dot", "location", "uniform"]


def test_one_gru_model_per_task_and_scorer_and_the_lstm_variants(entries):
    assert set(SHIPPED_TASKS) >= {"reverse", "dates", "en-fr", "zh-en"}
    assert set(SHIPPED_SCORERS) >= {"none", "dot", "general", "concat", "scaled_dot", "location", "uniform"}
    gru = {name for name, entry in entries.items() if entry.cell == "gru"}
    assert sorted(gru) == sorted(f"{task}/{scorer}" for task in SHIPPED_TASKS for scorer in SHIPPED_SCORERS)
    for name in gru:
        assert (entries[name].task, entries[name].scorer) == tuple(name.split("/"))
    assert sorted(set(entries) - gru) == sorted(LSTM_VARIANTS)
    for name in LSTM_VARIANTS:
        assert (entries[name].task, entries[name].scorer, entries[name].cell) == (
            name.split("/")[0],
            "general",
            "lstm",
        )


def test_the_folder_fits_the_size_budget_and_holds_no_pickles():
    files = [p for p in PRETRAINED.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= SIZE_BUDGET_MB * 1024 * 1024
    assert {p.suffix for p in files} <= ALLOWED_SUFFIXES
    configs = [p for p in files if p.name == "config.json"]
    seeds = [p for p in configs if p.is_relative_to(PRETRAINED / "seeds")]  # the lab's, outside the registry
    assert len(configs) - len(seeds) == len(registry(PRETRAINED))
    assert len(seeds) == len(json.loads((PRETRAINED / "seeds" / "seeds.json").read_text())["models"])
    assert {json.loads(p.read_text())["weights_dtype"] for p in configs} == {"float16"}


def test_every_model_loads_and_has_its_card_and_probes(entries):
    for name, entry in entries.items():
        folder = PRETRAINED / entry.path
        translator = load_checkpoint(folder, name=name)
        assert translator.model.decoder.config.scorer == entry.scorer
        assert translator.model.num_parameters() == entry.parameters
        epochs = json.loads((folder / "probes.json").read_text())["epochs"]
        assert [e["epoch"] for e in epochs] == list(range(len(epochs))) and len(epochs) >= 2
        card = (folder / "README.md").read_text()
        assert f"# {name}" in card and "www.manythings.org/anki and tatoeba.org" in card


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("reverse/general", "hello world", "dlrow olleh"),
        ("reverse/concat", "attention explorer", "rerolpxe noitnetta"),
        ("dates/general", "saturday, may 9, 2018", "2018-05-09"),
        ("dates/scaled_dot", "9th of SEPT 1999", "1999-09-09"),
        ("reverse/lstm-general", "attention explorer", "rerolpxe noitnetta"),
        ("dates/lstm-general", "9th of SEPT 1999", "1999-09-09"),
    ],
)
def test_shipped_character_models_give_the_right_answer(entries, name, source, expected):
    translator = load_checkpoint(PRETRAINED / entries[name].path, name=name)
    assert translator.greedy(source).output == expected


# Float16 weights against the float32 ones the probes were recorded with: at most about 1e-3 apart
# on any weight of the 21 models' probes (measured 2026-11-22); 5e-3 leaves room without hiding a
# wrong model (a different scorer or epoch moves weights by tenths).
GOLDEN_ATTENTION_TOLERANCE = 5e-3


def _golden_cases() -> list[tuple[str, int]]:
    """(model name, probe index) for the 8 recorded probes of every registered model."""
    return [(entry.name, i) for entry in registry(PRETRAINED) for i in range(8)]


@pytest.mark.parametrize(("name", "probe"), _golden_cases())
def test_every_shipped_model_reproduces_its_recorded_probe(entries, name, probe):
    """Golden outputs: the shipped weights give the output and attention recorded at their best epoch.

    probes.json was written by training, from the float32 weights of each epoch; the shipped
    float16 weights are those of `best_epoch`, so greedy decoding must give the same tokens and
    (within rounding) the same attention matrix, for every model, not a sample of them.
    """
    folder = PRETRAINED / entries[name].path
    record = json.loads((folder / "probes.json").read_text())
    own = recorded_epoch(read_config(folder), record)  # zh-en: the fine-tuning's best, after the first stage's
    recorded = next(e for e in record["epochs"] if e["epoch"] == own)["probes"][probe]
    trace = load_checkpoint(folder, name=name).greedy(recorded["source"])
    assert trace.output == recorded["output"]
    assert trace.target_tokens == recorded["target_tokens"]
    if recorded["attention"] is None:
        assert trace.attention is None  # the `none` models: no attention, and the trace says so
    else:
        assert np.abs(np.array(trace.attention) - np.array(recorded["attention"])).max() <= (GOLDEN_ATTENTION_TOLERANCE)


@pytest.mark.parametrize("name", ["en-fr/concat", "en-fr/lstm-general"])
def test_en_fr_translates_a_simple_sentence(entries, name):
    translator = load_checkpoint(PRETRAINED / entries[name].path, name=name)
    output = translator.greedy("I am tired.").output
    assert "fatigué" in output


def _test_metric(entries: dict, task: str, scorer: str, key: str) -> float:
    return entries[f"{task}/{scorer}"].test[key]


def test_the_quality_bars_are_met_on_the_test_split(entries):
    attending = [s for s in SHIPPED_SCORERS if scorers.learns_where_to_look(s)]
    # reverse: exact match >= 99% for every attention scorer.
    assert min(_test_metric(entries, "reverse", s, "exact_match") for s in attending) >= 0.99
    # dates: exact match >= 99.5% for every attention scorer; alignment accuracy >= 90% for the best.
    assert min(_test_metric(entries, "dates", s, "exact_match") for s in attending) >= 0.995
    assert max(_test_metric(entries, "dates", s, "alignment_accuracy") for s in attending) >= 0.90
    # en-fr: greedy BLEU >= 35 for the best scorer; every attention scorer clearly (3+ BLEU) above none.
    bleu = {s: _test_metric(entries, "en-fr", s, "bleu") for s in SHIPPED_SCORERS}
    assert max(bleu.values()) >= 35
    assert min(bleu[s] for s in attending) >= bleu["none"] + 3
    # The LSTM variants meet their task's bar too.
    assert _test_metric(entries, "reverse", "lstm-general", "exact_match") >= 0.99
    assert _test_metric(entries, "dates", "lstm-general", "exact_match") >= 0.995
    assert _test_metric(entries, "en-fr", "lstm-general", "bleu") >= bleu["none"] + 3
    # zh-en: greedy BLEU >= 20 for the best scorer; every attention scorer and the LSTM variant clearly
    # (3+ BLEU) above none.
    zh = {s: _test_metric(entries, "zh-en", s, "bleu") for s in [*SHIPPED_SCORERS, "lstm-general"]}
    assert max(zh.values()) >= 20
    assert min(zh[s] for s in [*attending, "lstm-general"]) >= zh["none"] + 3


def test_the_trained_uniform_baselines_say_which_tasks_need_a_choice_of_where_to_look(entries):
    """What docs/models.md and lesson 7 read from the `uniform` models (attention frozen at 1/S): dates
    needs no choice of where to look (uniform as good as the attention scorers), reverse does (uniform
    below even `none`), and translation lies between (uniform above `none`, below every scorer that
    learns where to look)."""
    attending = [s for s in SHIPPED_SCORERS if scorers.learns_where_to_look(s)]
    assert _test_metric(entries, "dates", "uniform", "exact_match") >= 0.995
    reverse = {s: _test_metric(entries, "reverse", s, "exact_match") for s in ("uniform", "none")}
    assert reverse["uniform"] < reverse["none"]
    for task in ("en-fr", "zh-en"):
        for metric in ("bleu", "bleu_beam5"):
            uniform = _test_metric(entries, task, "uniform", metric)
            assert _test_metric(entries, task, "none", metric) + 3 <= uniform, (task, metric)
            assert uniform < min(_test_metric(entries, task, s, metric) for s in attending), (task, metric)


def test_the_seeds_example_i_love_you(entries):
    """我爱你。 -> "I love you." (greedy) with the attention row of "love" (its first piece) peaking on 爱,
    for at least four of the five attention scorers."""
    peaks = {}
    for scorer in (s for s in SHIPPED_SCORERS if scorers.learns_where_to_look(s)):
        translator = load_checkpoint(PRETRAINED / entries[f"zh-en/{scorer}"].path, name=f"zh-en/{scorer}")
        trace = translator.greedy("我爱你。")
        if trace.output != "I love you.":
            continue
        row = next(i for i, token in enumerate(trace.target_tokens) if token.lstrip("▁").startswith("lo"))
        peaks[scorer] = trace.source_tokens[int(np.argmax(trace.attention[row]))]
    assert sum(peak == "爱" for peak in peaks.values()) >= 4, peaks


@pytest.mark.parametrize("scorer", [s for s in SHIPPED_SCORERS if scorers.learns_where_to_look(s)] + ["lstm-general"])
def test_reverse_models_reverse_strings_as_users_type_them(entries, scorer):
    """Issue 20: >= 99% exact match on 1,000 fresh strings typed as a user types them (words joined by
    single spaces, no space at either end), lengths 1-30, not only on the test split's draws."""
    from seq2seq.metrics import exact_match
    from seq2seq.tasks import reverse

    translator = load_checkpoint(PRETRAINED / entries[f"reverse/{scorer}"].path, name=f"reverse/{scorer}")
    typed = reverse.typed_examples(1000, seed=7)
    outputs = translator.translate_batch([e.source for e in typed])
    assert exact_match(outputs, [e.target for e in typed]) >= 0.99


# Settings that do not change what is learned: where the run was written, its threads, notes, and the
# wall-clock safety cap (max_seconds: a model that reached it says so on its card; none of the shipped did).
UNLEARNED_SETTINGS = {"out", "threads", "extra", "max_seconds"}
# Folders that held byte-identical copies of one release's models, named as --init by different runs: zh-en's
# names stage A started from the dictionary stage's release, copied to both (concat's from runs/base/, the
# others' from runs/rbase/; model.safetensors sha256 be2bd249… in both and in pretrained/ at 131270f).
SAME_RELEASE_COPIES = {"runs/base/zh-en": "runs/rbase/zh-en"}


def _learned_settings(folder: Path) -> dict:
    """The training settings of a shipped model, missing ones (older releases) at their defaults.

    score_lr_scale is dropped for a scorer without weights of its own (none, dot, scaled_dot):
    it scales nothing there, so their training is the same with or without it (tests/test_train.py).
    A model chosen among candidates (zh-en: scripts/choose_zh_average.py) has its candidates' settings compared,
    each under its stage's name ("last.lr", "names.lr"), whichever it chose.
    """
    choice = read_config(folder).get("choice")
    if choice:
        return {
            f"{stage}.{key}": value
            for stage, train in choice["settings"].items()
            for key, value in _settings(folder, train).items()
            if key not in ("scorer", "cell")  # the model's own, once
        } | {"scorer": choice["settings"]["last"]["scorer"], "cell": choice["settings"]["last"]["cell"]}
    return _settings(folder, read_config(folder)["train"])


def _settings(folder: Path, recorded: dict) -> dict:
    """One run's `recorded` training settings, normalised as `_learned_settings` says."""
    train = asdict(TrainConfig())
    train |= recorded
    if not scorer_has_weights(train["scorer"]):
        train.pop("score_lr_scale")
    if train.get("init"):  # a fine-tuned model (zh-en) starts from its own first stage: one folder each, one root
        assert Path(train["init"]).name == folder.name, (train["init"], folder)
        train["init"] = str(Path(train["init"]).parent)
        train["init"] = SAME_RELEASE_COPIES.get(train["init"], train["init"])
    return {k: v for k, v in train.items() if k not in UNLEARNED_SETTINGS}


@pytest.mark.parametrize("task", SHIPPED_TASKS)
def test_every_model_of_a_task_has_the_same_settings_but_the_scorer(entries, task):
    """The fair comparison the app is for: the scorer (and the LSTM variant's cell) is all that differs."""
    general = _learned_settings(PRETRAINED / entries[f"{task}/general"].path)
    for scorer in SHIPPED_SCORERS:
        settings = _learned_settings(PRETRAINED / entries[f"{task}/{scorer}"].path)
        shared = set(general) & set(settings) - {"scorer"}
        assert {k: settings[k] for k in shared} == {k: general[k] for k in shared}, scorer
        assert {k.rpartition(".")[2] for k in set(general) - set(settings)} <= {"score_lr_scale"}, scorer
    lstm = _learned_settings(PRETRAINED / entries[f"{task}/lstm-general"].path)
    assert lstm | {"cell": "gru"} == general


def test_en_fr_cards_say_how_the_score_weights_were_trained(entries):
    """A card reader learns the shared rate setting: its value, or why it changes nothing for this scorer."""
    for scorer in (*SHIPPED_SCORERS, "lstm-general"):
        card = (PRETRAINED / entries[f"en-fr/{scorer}"].path / "README.md").read_text()
        config = json.loads((PRETRAINED / entries[f"en-fr/{scorer}"].path / "config.json").read_text())
        if config["train"].get("score_lr_scale", 1.0) == 0.1:  # trained with the task's setting: it is listed
            assert "score_lr_scale 0.1" in card, scorer
        else:  # trained without it, which is the same training for a scorer with no weights: the card says so
            assert not scorer_has_weights(scorer.removeprefix("lstm-")), scorer
            assert f"changes nothing for `{scorer}`, which has no weights" in card, scorer


def test_cli_decodes_the_seeds_example_with_an_aligned_table(capsys):
    """`python -m seq2seq decode --model zh-en/concat 我爱你。` prints "I love you." and its attention
    table, whose columns line up in a terminal although each Chinese character takes two columns."""
    from seq2seq import cli

    assert cli.main(["decode", "--model", "zh-en/concat", "我爱你。"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "output: I love you."
    table = out[out.index("\n\n") + 2 :].splitlines()
    header, rule, *rows = table
    assert header.split() == ["01", "我", "02", "爱", "03", "你", "04", "。", "05", "</s>"]  # positions from 1
    assert [row.split()[:2] for row in rows] == [
        ["01", "▁I"],
        ["02", "▁love"],
        ["03", "▁you"],
        ["04", "."],
        ["05", "</s>"],
    ]
    # every cell starts in the column where the rule's dashes of its column start, on screen
    starts = _starts(rule)
    assert len(starts) == 6
    assert _starts(header)[0::2] == starts[1:], header  # a header cell: its number, then its token
    for line in rows:
        assert _starts(line)[-5:] == starts[1:], line


def _starts(line: str) -> list[int]:
    """The screen column where each run of non-space characters of `line` starts."""
    import re

    from seq2seq.display_width import display_width

    return [display_width(line[: m.start()]) for m in re.finditer(r"\S+", line)]


def test_no_shipped_model_was_cut_short_by_its_time_cap(entries):
    """max_seconds is a safety cap, left out of the settings compared above: no shipped run reached it."""
    for entry in entries.values():
        folder = PRETRAINED / entry.path
        cap = read_config(folder)["train"].get("max_seconds", 0)
        last = json.loads((folder / "probes.json").read_text())["epochs"][-1]
        assert not cap or last["seconds"] < cap, entry.name
