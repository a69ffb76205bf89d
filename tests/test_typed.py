"""Sources as a class types them (seq2seq/typed.py, issue 63): the exact forms, the seeded variants, the
training pairs `train --typed-rate` adds, and `evaluate --typed`'s "as typed" scores."""

from __future__ import annotations

import contextlib
import io
import json
import random

import pytest
import sacrebleu

from seq2seq.checkpoint import load_model, read_config
from seq2seq.cli import main
from seq2seq.config import TrainConfig
from seq2seq.evaluate import evaluate
from seq2seq.tasks import split_of
from seq2seq.training_parts import load_task_data
from seq2seq.typed import (
    as_typed,
    respace,
    switch_widths,
    typed_random,
    typed_variant,
    with_typed,
    without_final_punctuation,
)
from tests.train_fixtures import en_fr_lines, en_fr_train_argv


# -- the forms --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("printed", "typed"),
    [
        ("I am tired.", "i am tired"),
        ("Where is the station?", "where is the station"),
        ("Go!?", "go"),  # the whole run of final marks
        ("Wait... what?! ", "wait... what"),  # trailing spaces too; marks inside stay
        ("我爱你。", "我爱你"),
        ("你好，我叫Tom！", "你好，我叫tom"),  # full-width marks inside stay
        ("欢迎来北京", "欢迎来北京"),  # nothing to change
        ("?", ""),
    ],
)
def test_as_typed_lowercases_and_drops_the_final_punctuation(printed, typed):
    assert as_typed(printed) == typed


def test_without_final_punctuation_keeps_the_case_and_every_other_mark():
    assert without_final_punctuation('He said "Go."') == 'He said "Go."'  # a closing quote ends it: kept
    assert without_final_punctuation("Tom ?") == "Tom"  # French spacing before the mark
    assert without_final_punctuation("真的吗？！") == "真的吗"
    assert without_final_punctuation("Dr. Smith is here．") == "Dr. Smith is here"


def test_switch_widths_goes_one_way_per_text():
    assert switch_widths("Wait, what?") == "Wait， what？"
    assert switch_widths("I am tired.") == "I am tired。"
    assert switch_widths("你好，我叫汤姆！") == "你好,我叫汤姆!"
    assert switch_widths("你好，我叫汤姆!") == "你好,我叫汤姆!"  # one full-width mark: all to half-width
    assert switch_widths("欢迎来北京") == "欢迎来北京"


def test_respace_is_seeded_and_never_splits_a_latin_word():
    draws = []
    for seed in range(4):
        rng = random.Random(seed)
        draws.append(([respace("I am tired.", rng) for _ in range(3)], [respace("我爱你。", rng) for _ in range(2)]))
    assert draws == [
        (["I am  tired.", "I amtired.", "I am tired ."], ["我爱 你。", "我爱 你。"]),
        (["Iam tired.", "I  am tired.", "I am  tired."], ["我爱你 。", "我 爱你。"]),
        (["Iam tired.", "I amtired.", "I amtired."], ["我爱你 。", "我爱你 。"]),
        (["Iam tired.", "I am  tired.", "I am tired ."], ["我 爱你。", "我爱 你。"]),
    ]
    rng = random.Random(0)
    assert {respace("Go", rng) for _ in range(20)} == {"Go"}
    assert {respace("我叫Tom", rng) for _ in range(40)} == {"我 叫Tom", "我叫 Tom"}


def test_typed_variant_draws_each_change_with_the_rng():
    rng = random.Random(1)
    sources = ["I am tired.", "Where is the station?", "我明天去北京。", "你好，我叫汤姆！"] * 2
    assert [typed_variant(s, rng) for s in sources] == [
        "i am tired.",
        "where is the station",
        "我明天去北京",
        "你好，我叫汤姆",
        "i am tired。",
        "where is the station",
        "我明天去 北京",
        "你好，我叫汤姆",
    ]
    # nothing drawn, or nothing changed: the metric's form
    assert typed_variant("I am tired.", random.Random(11)) != "I am tired."


def test_with_typed_adds_variants_after_the_pairs_the_targets_as_written():
    pairs = [("I am tired.", "Je suis fatigué."), ("Go.", "Va !"), ("我爱你", "I love you."), ("Hi!", "Salut !")]
    assert with_typed(pairs, 0.75, typed_random(0)) == [*pairs, ("Go", "Va !"), ("hi", "Salut !")]
    assert with_typed(pairs, 0.75, typed_random(0)) == with_typed(pairs, 0.75, typed_random(0))
    assert with_typed(pairs, 0.0, typed_random(0)) == pairs
    # every pair drawn: 我爱你 has a variant only when a space was drawn (seed 3), not when it is unchanged
    assert with_typed(pairs, 1.0, typed_random(0))[len(pairs) :] == [
        ("i am tired。", "Je suis fatigué."),
        ("go", "Va !"),
        ("hi", "Salut !"),
    ]
    assert with_typed(pairs, 1.0, typed_random(3))[len(pairs) :] == [
        ("i am tired", "Je suis fatigué."),
        ("go", "Va !"),
        ("我 爱你", "I love you."),
        ("hi", "Salut !"),
    ]


# -- training ---------------------------------------------------------------------------------------
def test_typed_rate_is_a_checked_option():
    assert TrainConfig().typed_rate == 0.0
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="typed-rate"):
            TrainConfig(typed_rate=bad).validate()
    TrainConfig(typed_rate=1.0).validate()


def test_load_task_data_adds_the_typed_pairs_to_training_only(en_fr_run):
    plain = load_task_data(TrainConfig(task="en-fr", data=str(en_fr_run.corpus), valid_size=8))
    typed = load_task_data(TrainConfig(task="en-fr", data=str(en_fr_run.corpus), valid_size=8, typed_rate=0.5))
    assert typed.train == with_typed(plain.train, 0.5, typed_random(0))
    assert (len(plain.train), len(typed.train)) == (238, 363)  # about half the pairs drawn
    assert (typed.valid, typed.valid_refs, typed.dictionary) == (plain.valid, plain.valid_refs, 0)
    other_seed = load_task_data(
        TrainConfig(task="en-fr", data=str(en_fr_run.corpus), valid_size=8, typed_rate=0.5, seed=1)
    )
    assert other_seed.train[len(plain.train) :] != typed.train[len(plain.train) :]


def test_a_fine_tuning_on_typed_pairs_runs_from_the_command_line(en_fr_run, tmp_path):
    out = tmp_path / "typed"
    argv = en_fr_train_argv(en_fr_run.corpus, out)
    argv += ["--init", str(en_fr_run.folder), "--typed-rate", "0.5", "--max-steps", "3", "--epochs", "1"]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    config = read_config(out)
    assert config["train"]["typed_rate"] == 0.5 and config["train"]["init"] == str(en_fr_run.folder)
    assert (out / "source.model").read_bytes() == (en_fr_run.folder / "source.model").read_bytes()


# -- evaluate --typed ------------------------------------------------------------------------------
def test_evaluate_typed_scores_the_typed_sources_against_the_printed_references(en_fr_run):
    translator = load_model(str(en_fr_run.folder), allow_path=True)
    result = evaluate(translator, data=str(en_fr_run.corpus), beam=1, typed=True)
    refs: dict[str, list[str]] = {}
    for line in en_fr_lines():
        english, french = line.split("\t")[:2]
        if split_of(english) == "test":
            refs.setdefault(english, []).append(french)
    outputs = translator.translate_batch([as_typed(s) for s in refs], refused=[])
    streams = [[r[k] if k < len(r) else None for r in refs.values()] for k in range(max(map(len, refs.values())))]
    assert result["bleu_typed"] == pytest.approx(sacrebleu.corpus_bleu(outputs, streams).score, abs=1e-6)
    assert result["typed_changed"] == len(refs) and "chrf_typed" in result
    assert "bleu_typed" not in evaluate(translator, data=str(en_fr_run.corpus), beam=1)


def test_evaluate_typed_on_the_command_line(en_fr_run, capsys):
    argv = ["evaluate", "--model", str(en_fr_run.folder), "--beam", "1", "--limit", "6", "--typed", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sentences"] == result["typed_changed"] == 6
    assert {"bleu_typed", "chrf_typed", "typed_seconds"} <= set(result)


def test_evaluate_typed_refuses_a_task_that_generates_its_examples(capsys):
    assert main(["evaluate", "--model", "dates/general", "--size", "8", "--typed"]) == 2
    assert "--typed is for the tasks that read a corpus" in capsys.readouterr().err


def test_evaluate_typed_beams_the_typed_sources_the_beam_scores_take(en_fr_run):
    translator = load_model(str(en_fr_run.folder), allow_path=True)
    result = evaluate(translator, data=str(en_fr_run.corpus), limit=6, beam=2, beam_limit=3, typed=True)
    refs: dict[str, list[str]] = {}
    for line in en_fr_lines():
        english, french = line.split("\t")[:2]
        if split_of(english) == "test":
            refs.setdefault(english, []).append(french)
    sources = list(refs)[:3]
    beamed = [translator.beam(as_typed(s), width=2).output for s in sources]
    streams = [[refs[s][k] if k < len(refs[s]) else None for s in sources] for k in range(3)]
    streams = [stream for stream in streams if any(stream)]
    assert result["bleu_beam2_typed"] == pytest.approx(sacrebleu.corpus_bleu(beamed, streams).score, abs=1e-6)
    assert "chrf_beam2_typed" in result and result["beam_sentences"] == 3
    assert "bleu_beam2_typed" not in evaluate(translator, data=str(en_fr_run.corpus), limit=6, beam=1, typed=True)
