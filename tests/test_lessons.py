"""Lesson files: the shipped ones pass the checker (their views open, their claims hold on the shipped
models); broken ones get every problem reported with its file and line; teachers' folders add lessons."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import lessons
from explorer.lessons import LessonError, read
from explorer.lessons.check import problems
from explorer.lessons.measure import exact_by_length, length_curve, share_right
from seq2seq.checkpoint import load_model

ROOT = Path(__file__).resolve().parent.parent
_TRANSLATORS: dict[str, object] = {}


def translator(name: str):
    """The shipped model `name`, loaded once for every test here."""
    if name not in _TRANSLATORS:
        _TRANSLATORS[name] = load_model(name)
    return _TRANSLATORS[name]


GOOD = """title = "A lesson"
audience = "Anyone"
minutes = 10

[[steps]]
title = "Reverse hello"
text = "Watch **dot** reverse hello."
page = "decode"
view = { task = "reverse", scorer = "dot", sentence = "hello", step = "2" }

[steps.question]
kind = "attention"
prompt = "Where does the next letter look?"

[[steps.claims]]
kind = "output"
model = "reverse/dot"
sentence = "hello"
expect = "olleh"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the shipped lessons ------------------------------------------------------------------------------
SHIPPED = lessons.lesson_files([lessons.SHIPPED_DIR])


def test_lessons_are_shipped():
    assert len(SHIPPED) >= 6
    assert SHIPPED[0].name == "1-why-attention.toml"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_lesson_passes_the_checker_and_its_claims_hold(path):
    lesson = read(path)
    assert 10 <= lesson.minutes <= 25 and len(lesson.steps) >= 3  # a lesson and its discussion fit a 50-minute class
    assert problems(lesson, translator) == []


def test_the_command_line_checker_says_ok_and_fails_on_a_broken_file(tmp_path):
    broken = write(tmp_path, "broken.toml", 'title = "x"\nminutes = "ten"\n')
    command = [sys.executable, "-m", "explorer.lessons", "check", "--no-claims"]
    good = subprocess.run([*command, str(SHIPPED[0])], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and good.stdout.strip().endswith(": ok"), good.stdout + good.stderr
    bad = subprocess.run([*command, str(broken)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert f"{broken}:2: minutes must be a whole number from 1 to 25" in bad.stdout
    assert f"{broken}:1: audience is missing" in bad.stdout


# -- the form of a file: every problem, with its line --------------------------------------------------
def test_a_good_lesson_reads_into_its_steps(tmp_path):
    lesson = read(write(tmp_path, "good.toml", GOOD))
    assert (lesson.id, lesson.title, lesson.minutes) == ("good", "A lesson", 10)
    (step,) = lesson.steps
    assert step.line == 5 and step.page == "decode" and step.view["step"] == "2"
    assert step.question.kind == "attention" and step.claims[0].expect == "olleh" and step.claims[0].line == 15
    assert problems(lesson, translator) == []


def problems_of(tmp_path, text: str, name: str = "bad.toml") -> list[str]:
    path = write(tmp_path, name, text)
    with pytest.raises(LessonError) as error:
        read(path)
    return [f"{p.line}: {p.message}" for p in error.value.problems]


def test_not_toml_names_the_line(tmp_path):
    (found,) = problems_of(tmp_path, 'title = "x"\naudience = \n')
    assert found.startswith("2: not valid TOML")


def test_every_form_problem_is_reported_with_its_line(tmp_path):
    text = GOOD.replace('page = "decode"', 'page = "nowhere"').replace('kind = "attention"', 'kind = "essay"')
    text = text.replace('kind = "output"', 'kind = "output"\ncolour = "red"') + '\n[[steps]]\ntitle = "Empty"\n'
    found = problems_of(tmp_path, text)
    pages = "decode, compare, states, beam, models, train, timelapse, lab"
    assert f"8: step 1: unknown page 'nowhere'; one of {pages}" in found
    assert "11: step 1: question kind 'essay' is not one of choice, attention" in found
    assert "17: unknown key 'colour' in step 1's claim 1" in found
    assert "22: step 2: text is missing" in found


def test_a_question_without_a_right_answer_is_refused(tmp_path):
    text = GOOD.replace(
        'kind = "attention"\nprompt = "Where does the next letter look?"',
        'kind = "choice"\nprompt = "Which?"\noptions = [{ text = "a", explain = "no" }, { text = "b", explain = "x" }]',
    )
    assert "11: step 1: the question has no right answer (no option with correct = true)" in problems_of(tmp_path, text)


def test_file_names_and_sizes_are_checked_before_reading(tmp_path):
    assert problems_of(tmp_path, GOOD, "Bad Name.toml") == [
        "1: a lesson file's name is lowercase letters, digits and '-' (≤ 64)"
    ]
    assert problems_of(tmp_path, GOOD, "lesson.txt") == ["1: a lesson file's name ends in .toml"]
    big = GOOD + "# " + "x" * lessons.MAX_FILE_BYTES
    assert problems_of(tmp_path, big, "big.toml") == ["1: larger than 256 KB: not a lesson"]


# -- what needs the models: views, questions, claims ---------------------------------------------------
def model_problems(tmp_path, text: str) -> list[str]:
    return [f"{p.line}: {p.message}" for p in problems(read(write(tmp_path, "m.toml", text)), translator)]


def test_a_view_a_link_would_not_open_is_an_invalid_state(tmp_path):
    found = model_problems(tmp_path, GOOD.replace('scorer = "dot"', 'scorer = "telepathy"'))
    assert "5: step 1: view: No 'telepathy' model for reverse; showing 'general'." in found
    # a number outside the link's bound is refused when the file is read, on the view's line
    found = problems_of(tmp_path, GOOD.replace('step = "2"', 'step = "-3"'))
    assert found == ["9: step 1: view: step is from 0 to 200, not '-3'"]


def test_unknown_models_and_false_claims_are_reported(tmp_path):
    text = GOOD.replace('model = "reverse/dot"', 'model = "reverse/oracle"')
    assert "15: step 1: claim: unknown model 'reverse/oracle'" in model_problems(tmp_path, text)
    text = GOOD.replace('expect = "olleh"', 'expect = "hello"')
    assert "15: step 1: claim: reverse/dot writes 'olleh' for 'hello', not 'hello'" in model_problems(tmp_path, text)
    text = GOOD.replace('kind = "output"', 'kind = "not_output"')
    assert "15: step 1: claim: reverse/dot does write 'olleh' for 'hello'" in model_problems(tmp_path, text)


def test_an_attention_claim_checks_the_models_own_argmax(tmp_path):
    claim = '\n[[steps.claims]]\nkind = "attends"\nmodel = "reverse/dot"\nsentence = "hello"\nstep = 0\ntoken = "{}"\n'
    assert model_problems(tmp_path, GOOD + claim.format("o")) == []  # the first letter written looks at the last
    (found,) = model_problems(tmp_path, GOOD + claim.format("h"))
    assert found == "21: step 1: claim: reverse/dot's 'o' (position 0) attends most to 'o', not 'h'"


def test_an_attention_question_is_asked_of_a_greedy_decode(tmp_path):
    found = model_problems(tmp_path, GOOD.replace('step = "2" }', 'step = "2", strategy = "beam" }'))
    assert "5: step 1: an attention question is asked of a greedy decode (its answer is the greedy row)" in found


def test_an_attention_question_needs_a_row_to_ask_about(tmp_path):
    found = model_problems(tmp_path, GOOD.replace('scorer = "dot"', 'scorer = "none"'))
    assert "5: step 1: reverse/none has no attention row at step 2 to ask about" in found
    found = model_problems(tmp_path, GOOD.replace('step = "2"', 'step = "9"'))
    assert "5: step 1: reverse/dot has no attention row at step 9 to ask about" in found


def test_accuracy_is_measured_on_the_tasks_test_examples():
    counts = exact_by_length(translator("reverse/dot"), "reverse", n=60)
    assert sum(total for _, total in counts.values()) == 60 and all(1 <= n <= 30 for n in counts)
    share, examples = share_right(counts, 1, 30)
    assert examples == 60 and share >= 0.95
    assert share_right(counts, 31, 40) is None
    labels, values = length_curve({1: (1, 1), 5: (0, 1), 6: (2, 4)}, bucket=5)
    assert labels == ["1–5", "6–10"] and values == [0.5, 0.5]


# -- teachers' folders ---------------------------------------------------------------------------------
def test_a_teachers_folder_adds_lessons_and_never_replaces_a_shipped_one(tmp_path, monkeypatch):
    write(tmp_path, "my-lesson.toml", GOOD)
    write(tmp_path, "1-why-attention.toml", GOOD)  # the id of a shipped lesson
    write(tmp_path, "broken.toml", "title = [")
    monkeypatch.setenv(lessons.LESSONS_ENV, str(tmp_path))
    found, refused = lessons.catalog()
    assert "my-lesson" in found and found["1-why-attention"].title == "Why attention?"
    messages = sorted(str(p) for p in refused)
    assert any(m.startswith(f"{tmp_path / 'broken.toml'}:1: not valid TOML") for m in messages)
    assert any("another lesson is already called '1-why-attention'" in m for m in messages)


def claim_lesson(claims: str) -> str:
    """GOOD with `claims` (TOML [[steps.claims]] tables) instead of its own claim."""
    return GOOD[: GOOD.index("[[steps.claims]]")] + claims


def test_claims_about_beam_search_sampling_and_a_what_if(tmp_path):
    holds = claim_lesson(
        '[[steps.claims]]\nkind = "output"\nmodel = "reverse/dot"\nsentence = "hello"\nexpect = "olleh"\n'
        'strategy = "beam"\nbeam = 3\n\n'
        '[[steps.claims]]\nkind = "output"\nmodel = "reverse/dot"\nsentence = "hello"\nexpect = "lleh"\n'
        'prefix = ["l"]\n\n'
        '[[steps.claims]]\nkind = "not_output"\nmodel = "reverse/dot"\nsentence = "hello"\nexpect = "olleh"\n'
        'strategy = "sample"\ntemperature = 5.0\nseed = 3\n'
    )
    assert model_problems(tmp_path, holds) == []
    wrong = holds.replace('expect = "lleh"', 'expect = "olleh"').replace('prefix = ["l"]', 'prefix = ["ł"]')
    assert "23: step 1: claim: reverse/dot has no target piece 'ł'" in model_problems(tmp_path, wrong)
    sample = holds.replace('kind = "not_output"', 'kind = "output"')
    assert any(", sampling (temperature 5, seed 3), not 'olleh'" in p for p in model_problems(tmp_path, sample))


def test_an_attention_claim_can_name_a_source_position(tmp_path):
    claim = (
        '[[steps.claims]]\nkind = "attends"\nmodel = "reverse/dot"\nsentence = "hello world"\nstep = 3\nposition = {}\n'
    )
    assert model_problems(tmp_path, claim_lesson(claim.format(7))) == []  # the o of "world", not of "hello"
    (found,) = model_problems(tmp_path, claim_lesson(claim.format(4)))
    assert found == "15: step 1: claim: reverse/dot's 'o' (position 3) attends most to source position 7, not 4"


def test_claims_about_the_cards_metrics_and_the_training_history(tmp_path):
    claims = (
        '[[steps.claims]]\nkind = "metric"\nmodel = "reverse/dot"\nmetric = "exact_match"\n'
        "at_least = 0.99\n\n"
        '[[steps.claims]]\nkind = "history"\nmodel = "reverse/dot"\nsentence = "racecar"\n'
        'epoch = 1\nexpect = "racecar"\n'
    )
    assert model_problems(tmp_path, claim_lesson(claims)) == []
    found = model_problems(
        tmp_path, claim_lesson(claims.replace("at_least = 0.99", "at_most = 0.5").replace("epoch = 1", "epoch = 0"))
    )
    assert "15: step 1: claim: reverse/dot's test exact_match is 0.996, not within 0–0.5" in found
    assert any(p.startswith("21: step 1: claim: after epoch 0 reverse/dot wrote 'zzz") for p in found)
    assert (
        "a metric claim needs metric"
        in problems_of(
            tmp_path, claim_lesson('[[steps.claims]]\nkind = "metric"\nmodel = "reverse/dot"\nat_least = 0\n')
        )[0]
    )


def test_lab_claims_read_the_stored_lab_results(tmp_path):
    claim = '[[steps.claims]]\nkind = "lab"\nmodel = "reverse/dot"\nexperiment = "{}"\nstatistic = "{}"\n{}\n'
    holds = claim_lesson(
        claim.format("uniform", "uniform", "at_most = 0.5")
        + claim.format("agreement", "attention~integrated_gradients.n", "at_least = 10\nat_most = 10000")
        + claim.format("table", "aer", "at_most = 0.5")
        + claim.format("length", "41-50", "at_least = 0")
        + claim.format("permutation", "fraction_changed", "at_least = 0")
    )
    assert model_problems(tmp_path, holds) == []
    wrong = claim_lesson(
        claim.format("uniform", "uniform", "at_least = 0.9") + claim.format("permutation", "median_tvd", "at_most = -1")
    )
    found = model_problems(tmp_path, wrong)
    assert any(p.startswith("15: step 1: claim: reverse/dot's stored uniform uniform is ") for p in found)
    assert any(p.endswith("not within 0.9–inf") for p in found)
    assert any(p.startswith("21: step 1: claim: reverse/dot's stored permutation median_tvd is") for p in found)
    # a number the Lab does not draw is refused when the lesson is read (issue 64: lab_split.DRAWN_STATISTICS)
    for experiment, statistic in (("agreement", "attention~nothing"), ("table", "perplexity.low")):
        with pytest.raises(LessonError, match=f"the Lab does not show {experiment}'s '{re.escape(statistic)}'"):
            model_problems(tmp_path, claim_lesson(claim.format(experiment, statistic, "at_least = 0")))
    none = claim_lesson(claim.format("uniform", "uniform", "at_most = 1").replace("reverse/dot", "reverse/none"))
    assert "15: step 1: claim: no stored uniform results for reverse/none" in model_problems(tmp_path, none)


def test_a_lab_claim_needs_an_experiment_a_statistic_and_a_bound(tmp_path):
    base = '[[steps.claims]]\nkind = "lab"\nmodel = "reverse/dot"\n'
    assert (
        "a lab claim needs at_least, at_most or both"
        in problems_of(tmp_path, claim_lesson(base + 'experiment = "uniform"\nstatistic = "uniform"\n'))[0]
    )
    assert (
        "experiment is one of agreement, permutation, uniform, length, adversarial, seed_variance, alignment, table"
        in problems_of(tmp_path, claim_lesson(base + 'experiment = "vibes"\nstatistic = "x"\nat_least = 0\n'))[0]
    )
    assert (
        "a lab claim needs statistic"
        in problems_of(tmp_path, claim_lesson(base + 'experiment = "uniform"\nat_least = 0\n'))[0]
    )


def test_a_lab_claim_without_stored_results_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr("seq2seq.lab.results.folder", lambda root=None: tmp_path / "nowhere")
    claim = '[[steps.claims]]\nkind = "lab"\nmodel = "dates/dot"\nexperiment = "uniform"\nstatistic = "uniform"\n'
    (found,) = model_problems(tmp_path, claim_lesson(claim + "at_least = 0\n"))
    assert found.endswith("no stored lab results for dates (run scripts/lab_results.py --tasks dates)")


def test_a_lab_step_names_one_of_the_labs_views(tmp_path):
    step = (
        '\n[[steps]]\ntitle = "Lab"\ntext = "The lab."\npage = "lab"\n'
        'view = { task = "reverse", scorer = "dot", view = "%s" }\n'
    )
    assert model_problems(tmp_path, GOOD + step % "split") == []
    (found,) = model_problems(tmp_path, GOOD + step % "everything")
    assert found == "21: step 2: view: the Lab has no view 'everything'; one of step, split, scorers"


def test_importance_and_tau_claims_run_the_labs_step_importances(tmp_path):
    # reverse/dot on "hello world": the d (position 0) has its largest attention and integrated gradients
    # on the d of the source (position 10) and its largest leave-one-out on </s>; tau(attention, integrated
    # gradients) 0.39. Its gradient x input is below the floor of a readable ranking (issue 64): a size claim
    # says so, and an importance claim on it is refused.
    importance = '[[steps.claims]]\nkind = "importance"\nmodel = "reverse/dot"\nsentence = "hello world"\nstep = 0\n'
    size = importance.replace('"importance"', '"size"')
    holds = claim_lesson(
        importance
        + 'method = "integrated_gradients"\ntoken = "d"\n'
        + size
        + 'method = "grad_x_input"\nat_most = 0.01\n'
        + importance
        + 'method = "leave_one_out"\ntoken = "</s>"\n'
        + '[[steps.claims]]\nkind = "tau"\nmodel = "reverse/dot"\nsentence = "hello world"\nstep = 0\n'
        + 'statistic = "attention~integrated_gradients"\nat_least = 0.3\nat_most = 0.8\n'
    )
    assert model_problems(tmp_path, holds) == []
    wrong = holds.replace('token = "</s>"', 'token = "h"').replace("at_least = 0.3", "at_least = 0.9")
    found = model_problems(tmp_path, wrong)
    assert "29: step 1: claim: reverse/dot's 'd' (position 0): the largest leave_one_out is on '</s>', not 'h'" in found
    assert any(
        p.startswith("36: step 1: claim: reverse/dot's 'd' (position 0): tau attention~integrated_gradients is")
        for p in found
    )
    floor = holds.replace('"size"', '"importance"').replace("at_most = 0.01\n", "position = 10\n")
    assert any("grad_x_input is below the floor of a readable ranking" in p for p in model_problems(tmp_path, floor))
    far = holds.replace('step = 0\nmethod = "integrated', 'step = 40\nmethod = "integrated')
    assert "15: step 1: claim: reverse/dot's output of 'hello world' has 12 tokens, no position 40" in model_problems(
        tmp_path, far
    )


def test_importance_and_tau_claims_are_checked_when_read(tmp_path):
    base = '[[steps.claims]]\nkind = "{}"\nmodel = "reverse/dot"\nsentence = "hello"\n'
    assert (
        "method is one of grad_x_input, integrated_gradients, leave_one_out"
        in problems_of(tmp_path, claim_lesson(base.format("importance") + 'method = "attention"\ntoken = "o"\n'))[0]
    )
    assert (
        "a importance claim needs token or position"
        in problems_of(tmp_path, claim_lesson(base.format("importance") + 'method = "leave_one_out"\n'))[0]
    )
    assert (
        "statistic is one of attention~grad_x_input"
        in problems_of(
            tmp_path, claim_lesson(base.format("tau") + 'statistic = "attention~attention"\nat_least = 0\n')
        )[0]
    )
    assert (
        "a tau claim speaks of the greedy decode (the Lab's): no strategy or prefix"
        in problems_of(
            tmp_path,
            claim_lesson(
                base.format("tau") + 'statistic = "attention~grad_x_input"\nat_least = 0\nstrategy = "beam"\n'
            ),
        )[0]
    )
    assert (
        "a tau claim needs at_least, at_most or both"
        in problems_of(tmp_path, claim_lesson(base.format("tau") + 'statistic = "attention~grad_x_input"\n'))[0]
    )


def test_a_lab_claim_reads_the_new_experiments_numbers_by_their_dotted_names():
    """Lesson 7's claims on adversarial attention, another seed and alignment read the stored summaries."""
    from explorer.lessons.measure import lab_value

    record = {
        "adversarial": {"summary": {"mean_jsd": 0.41, "share_above_half": 0.25}},
        "seed_variance": {"summary": {"median_jsd": {"median": 0.1, "low": 0.08}, "adversarial": {"further": 0.9}}},
        "alignment": {"summary": {"aer": {"attention": 0.02, "leave_one_out": 0.3}}},
        "permutation": {"summary": {"mean_tvd": 0.31, "share_tvd_above_half": 0.28}},
    }
    data = {"by_model": {"dates/location": record}}
    assert lab_value(data, "dates/location", "adversarial", "mean_jsd") == 0.41
    assert lab_value(data, "dates/location", "seed_variance", "median_jsd") == 0.1
    assert lab_value(data, "dates/location", "seed_variance", "median_jsd.low") == 0.08
    assert lab_value(data, "dates/location", "seed_variance", "adversarial.further") == 0.9
    assert lab_value(data, "dates/location", "alignment", "aer.leave_one_out") == 0.3
    assert lab_value(data, "dates/location", "permutation", "share_tvd_above_half") == 0.28
    with pytest.raises(ValueError, match="no number 'aer.gradient'"):
        lab_value(data, "dates/location", "alignment", "aer.gradient")
