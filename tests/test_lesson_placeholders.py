"""Numbers in lessons come from the models: placeholders, typed numbers refused, the new claim kinds."""

import dataclasses
import textwrap

import pytest

from explorer.lessons import LessonError, lesson_files, placeholders, read, texts, values
from explorer.lessons import __main__ as cli
from explorer.lessons.check import _load, step_view
from explorer.lessons.placeholders import Number, fill, found, typed_numbers, written

SHIPPED = [p for p in lesson_files() if p.parent.name == "lessons"]


@pytest.mark.parametrize(
    "text, lang, typed",
    [
        ("weight 0.71 here", "en", ["0.71"]),
        ("at least 95% of them", "en", ["95%"]),
        ("about .95 and 99.4 %", "en", [".95", "99.4 %"]),
        ("the date 12.08.1939", "en", ["12.08.1939"]),
        ("400 test strings, 50,000 pairs, seed 26", "en", ["400", "50,000", "26"]),
        (
            "Seventy percent; only twice; Four of the five; the sixth",
            "en",
            ["Seventy", "percent", "twice", "Four", "five", "sixth"],
        ),
        ("百分之九十，百分七十", "zh", ["百分", "百分"]),
        ("写了两次，五个字母，十一个，3 个", "zh", ["两", "五", "十一", "3"]),
        ("一个向量，一次", "zh", []),
        ("the date `12.08.1939` and `0.5`", "en", []),
        ("{p:.2f} of it, §3.5 of the paper, seq2seq and h_t.", "en", []),
        ("1. score\n2. softmax", "en", []),
        ("Bahdanau et al. {=2015, Table 1}, *{=Wednesday, May 9, 2018}*", "en", []),
    ],
)
def test_typed_numbers_are_found_outside_placeholders_and_code(text, lang, typed):
    """Digits, number words in English and Chinese; not list item numbers, code, §, or a {=…} date/citation."""
    assert typed_numbers(text, lang) == typed


def test_no_typed_number_remains_in_any_shipped_lesson():
    """Every text field of every shipped lesson, in every language."""
    assert len(SHIPPED) >= 7
    left = []
    for path in SHIPPED:
        for field in texts.fields(read(path)):
            for lang, text in {"en": field.english, **field.translated}.items():
                left += [f"{path.name}: {field.where} ({lang}): {n}" for n in typed_numbers(text, lang)]
    assert left == []


def test_fill_writes_each_placeholder_as_its_format_says_and_leaves_code_alone():
    numbers = {"p": Number(0.7123), "acc": Number(0.955, ".0%"), "view.step": Number(3, "d")}
    text = "{view.step} rows, {p}, {p:.1%}, {acc}, {p:.3f}, `{p}`, {q}"
    assert fill(text, numbers) == "3 rows, 0.71, 71.2%, 96%, 0.712, `{p}`, —"
    assert written(Number(0.1, "g"), None) == "0.1"
    assert found("a {p} `{q}` {view.step:d}") == ["{p}", "{view.step:d}"]


LESSON = """
title = "T"
audience = "A"
minutes = 5

[[steps]]
title = "S"
text = "{text}"
text_zh = "{text_zh}"
page = "decode"
view = {{ task = "dates", scorer = "dot", sentence = "3rd of March 1999", step = "4" }}
{claims}
"""


def _lesson(tmp_path, text, text_zh, claims=""):
    path = tmp_path / "t.toml"
    path.write_text(LESSON.format(text=text, text_zh=text_zh, claims=textwrap.dedent(claims)))
    return path


def test_the_checker_refuses_a_typed_decimal(tmp_path, capsys):
    path = _lesson(tmp_path, "The weight is 0.99.", "权重为 0.99。")
    assert cli.main(["check", "--no-claims", str(path)]) == 1
    assert "the number '0.99' is typed in" in capsys.readouterr().out


def test_the_checker_refuses_translations_with_other_placeholders(tmp_path, capsys):
    claims = """
    [[steps.claims]]
    kind = "weight"
    name = "w"
    step = 0
    display_only = true
    """
    path = _lesson(tmp_path, "{view.step} rows, weight {w}.", "{view.step} 行。", claims)
    assert cli.main(["check", "--no-claims", str(path)]) == 1
    out = capsys.readouterr().out
    assert "text_zh has the placeholders ['{view.step}'], its English text ['{view.step}', '{w}']" in out


def test_the_checker_refuses_a_placeholder_naming_no_claim_and_a_bad_format(tmp_path, capsys):
    path = _lesson(tmp_path, "{nothing} and {view.step:.2x}", "{nothing} and {view.step:.2x}")
    assert cli.main(["check", "--no-claims", str(path)]) == 1
    out = capsys.readouterr().out
    assert "no claim of this step has the name 'nothing'" in out and "{view.step:.2x}: write it as" in out


PEAKS = """
[[steps.claims]]
kind = "peaks"
steps = [0, 1, 2, 3]
positions = {positions}
"""


def test_the_checker_passes_a_true_multi_row_claim_and_fails_a_false_one(tmp_path, capsys):
    path = _lesson(tmp_path, "The rows of {=1999}.", "{=1999} 的各行。", PEAKS.format(positions="[14, 14, 15, 16]"))
    assert cli.main(["check", str(path)]) == 0
    path = _lesson(tmp_path, "The rows of {=1999}.", "{=1999} 的各行。", PEAKS.format(positions="[13, 14, 15, 16]"))
    assert cli.main(["check", str(path)]) == 1
    assert "row 0 ('1') of '3rd of March 1999' peaks on source position 14 ('9'), not 13" in capsys.readouterr().out


def test_a_peaks_claim_needs_one_token_or_position_per_row(tmp_path):
    path = _lesson(tmp_path, "x", "x", PEAKS.format(positions="[14, 14]"))
    with pytest.raises(LessonError, match="positions has one entry for each of steps"):
        read(path)


def _claims(lesson: str, step: int):
    found_step = read(next(p for p in SHIPPED if p.name.startswith(lesson))).steps[step - 1]
    return found_step, [values.resolve(c, step_view(found_step)) for c in found_step.claims]


def _holds(claim) -> bool:
    return values.problem(claim, _load) is None


def test_six_six_the_date_students_type_is_claimed_row_by_row():
    step, claims = _claims("6-", 6)
    peaks = next(c for c in claims if c.kind == "peaks" and c.sentence == "3rd of March 1999")
    assert _holds(peaks)
    assert not _holds(dataclasses.replace(peaks, positions=(13, 14, 15, 16)))  # the old "same digit" text
    assert "`3rd of March 1999`" in step.text and "{one_on_nine}" in step.text


def test_four_three_the_teacher_sentences_cross_and_red_wine_is_named_as_not_crossing():
    step, claims = _claims("4-", 3)
    crossing = {c.sentence: c for c in claims if c.kind == "peaks"}
    assert set(crossing) == {"I saw a white dog.", "I want a black coffee."}
    assert all(_holds(c) for c in crossing.values())
    assert not _holds(dataclasses.replace(crossing["I saw a white dog."], tokens=("white", "dog")))
    wine = next(c for c in claims if c.kind == "attends" and c.sentence == "I like red wine.")
    assert wine.token == "." and "`I like red wine.`" in step.teacher


@pytest.mark.parametrize("lesson, step", [("3-", 3), ("4-", 7)])
def test_the_both_ways_encoder_statements_are_claimed(lesson, step):
    _step, claims = _claims(lesson, step)
    config = next(c for c in claims if c.kind == "config")
    assert config.setting == "bidirectional" and _holds(config)
    assert not _holds(dataclasses.replace(config, expect="false"))


def test_two_two_says_the_number_of_letters_the_view_shows():
    step, _claims_of = _claims("2-", 2)
    numbers = placeholders.step_values(step.claims, step_view(step), _load, step)  # the letters: the view's own
    assert fill(step.text, numbers).count("3 letters are written, `d` `l` `r`") == 1
    assert "Four" not in step.text


def test_three_one_the_dates_are_typed_not_picked():
    step, claims = _claims("3-", 1)
    assert "pick an example" not in step.text.lower()
    for sentence, output in [("26th of september 1916", "1916-09-26"), ("12.08.1939", "1939-08-12")]:
        assert f"`{sentence}`" in step.text and f"`{sentence}`" in dict(step.translated)["text_zh"]
        assert any(c.kind == "output" and c.sentence == sentence and c.expect == output for c in claims)


@pytest.mark.parametrize("lesson, step, section", [("4-", 8, "§3.5 *Word Alignment*"), ("5-", 3, "§3.6 *Beam Search*")])
def test_koehn_and_knowles_are_cited_by_section(lesson, step, section):
    found_step, _ = _claims(lesson, step)
    said = found_step.text + found_step.teacher
    assert section in said and "very large beams" not in said and "one of their systems" not in said


def test_a_measured_placeholder_is_the_page_number():
    """Lesson 5's first step: the probabilities of ▁P and ▁Pou are the Current step panel's top-k."""
    step, claims = _claims("5-", 1)
    numbers = placeholders.step_values(step.claims, step_view(step), _load)
    trace = _load("en-fr/general").greedy("Can you help me?")
    top = {piece: prob for piece, _id, prob in trace.steps[0].topk}
    assert numbers["p_p"].value == pytest.approx(top["▁P"], abs=1e-9)
    assert numbers["p_pou"].value == pytest.approx(top["▁Pou"], abs=1e-9)
    assert "{p_p}" in step.teacher and "0.50" not in step.teacher


def test_the_player_draws_the_step_with_its_numbers_filled_in_every_language():
    from explorer.ui.lessons import text as lesson_text

    step, _claims_of = _claims("2-", 2)
    shown = lesson_text.filled(step, step_view(step))
    assert "3 letters are written" in shown.text
    assert "已经写出了 3 个字母" in dict(shown.translated)["text_zh"]
    assert lesson_text.filled(shown, step_view(step)) is shown  # nothing left to fill


def test_a_date_or_citation_marker_is_written_as_is_and_holds_no_measured_number(tmp_path, capsys):
    assert fill("Bahdanau et al. {=2015, Table 1}, `{=2015}`", {}) == "Bahdanau et al. 2015, Table 1, `{=2015}`"
    path = _lesson(tmp_path, "In {=71} of the rows.", "{=71} 的行。")
    assert cli.main(["check", "--no-claims", str(path)]) == 1
    assert "{=71}: a marker holds a date or a citation" in capsys.readouterr().out


def test_counts_settings_and_claim_settings_fill_their_placeholders():
    """Lesson 1: the alphabet's letters and the test strings are counts, the hidden size a config claim;
    lesson 5: the seed a sentence names is its claim's."""
    step, _claims_of = _claims("1-", 1)
    assert fill(step.teacher, placeholders.step_values(step.claims, step_view(step), _load)).endswith("size, 128).")
    step, _claims_of = _claims("1-", 2)
    numbers = placeholders.step_values(step.claims, step_view(step), _load)
    assert fill(step.text, numbers).startswith("Now a string of 26 letters.")
    step, _claims_of = _claims("5-", 4)
    numbers = placeholders.step_values(step.claims, step_view(step), _load)
    assert "seed 2 writes Peux-tu" in fill(step.teacher, numbers)


def test_a_lesson_is_at_most_25_minutes(tmp_path):
    path = _lesson(tmp_path, "Text.", "文字。")
    path.write_text(path.read_text().replace("minutes = 5", "minutes = 26"))
    with pytest.raises(LessonError, match="minutes must be a whole number from 1 to 25"):
        read(path)


def test_the_list_writes_a_lessons_own_dates_and_citations_as_is(tmp_path):
    from explorer.lessons import player

    path = _lesson(tmp_path, "Text.", "文字。")
    path.write_text(path.read_text().replace('audience = "A"', 'audience = "Readers of {=Bahdanau et al. 2015}"'))
    assert cli.main(["check", "--no-claims", str(path)]) == 0
    lesson = read(path)
    assert player.own_text(lesson, "audience") == "Readers of Bahdanau et al. 2015"
    assert player.lesson_line(lesson).startswith("For: Readers of Bahdanau et al. 2015 · 5 minutes")
