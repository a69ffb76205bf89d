"""A number is written as its kind says (issue 64): a count whole, a share to the decimals that keep it true.

Lesson 8's first step said "On the first 200.00 sentences" / "前 200.00 个句子" (a lab statistic that
counts, written as any lab number, with two decimals), and lessons 1, 7 and 8 and the Lab's tables said
"100%" of 0.995 (686 of 689 saturated steps, 199 of 200 strings). A count is written whole whatever its
placeholder says, and the checker refuses a decimal form on it; a percentage reads 0% or 100% only when
the share is exactly so.
"""

from __future__ import annotations

import pytest

from explorer import i18n
from explorer.lessons import lesson_files, placeholders, read, texts
from explorer.lessons.check import _load, step_view
from explorer.lessons.placeholders import Number, fill, form_problem, written
from explorer.views import lab_readings, lab_scorers, lab_split

SHIPPED = {p.name[:2]: p for p in lesson_files() if p.parent.name == "lessons"}


def _filled(lesson: str, number: int) -> tuple[str, str]:
    """Step `number` of the lesson whose file starts with `lesson`: its text filled, in English and Chinese."""
    step = read(SHIPPED[lesson]).steps[number - 1]
    numbers = placeholders.step_values(step.claims, step_view(step), _load)
    with i18n.using("zh"):
        chinese = fill(dict(step.translated)["text_zh"], numbers)
    return fill(step.text, numbers), chinese


# -- counts -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("statistic", "kind"),
    [
        ("n", "count"),
        ("steps", "count"),
        ("saturated.count", "count"),
        ("attention~grad_x_input.n", "count"),
        ("jain-wallace:steps", "count"),
        ("model", "value"),
        ("saturated.share", "value"),
        ("jain-wallace:significant_share.attention~grad_x_input", "value"),
        ("median_tvd", "value"),
    ],
)
def test_a_lab_statistic_that_counts_is_a_count(statistic, kind):
    from explorer.lessons.measure import lab_kind

    assert lab_kind(statistic) == kind


def test_a_count_is_written_whole_whatever_its_placeholder_says():
    count = Number(200.0, "d", "count")
    assert [written(count, spec) for spec in (None, ".2f", ".1%", "d")] == ["200", "200", "200", "200"]
    assert written(Number(200.0), None) == "200.00"  # a value keeps its decimals
    assert fill("the first {n} sentences", {"n": count}) == "the first 200 sentences"


def test_the_checker_refuses_a_decimal_form_on_a_count_or_a_setting():
    names = {"fr_n": "count", "p": "lab", "acc": "accuracy"}
    assert "a count or a setting is a whole number" in form_problem("{fr_n:.2f}", names)
    assert "a count or a setting is a whole number" in form_problem("{fr_n.at_least:.1%}", names)
    assert "a count or a setting is a whole number" in form_problem("{view.step:.2f}", names)
    assert "a count or a setting is a whole number" in form_problem("{p.seed:.1f}", names)
    for fine in ("{fr_n}", "{fr_n:d}", "{p:.2f}", "{acc:.1%}", "{view.temperature:.1f}", "{p.temperature:.2f}"):
        assert form_problem(fine, names) is None, fine


def test_a_lab_count_claim_is_a_count_to_the_checker():
    step = read(SHIPPED["8-"]).steps[0]
    assert texts._names(step)["fr_n"] == "count"
    assert texts._names(step)["fr_model"] == "lab"


def test_lesson_8_says_its_sentences_as_a_whole_number():
    english, chinese = _filled("8-", 1)
    assert "On the first 200 sentences of the test split" in english and "200.00" not in english
    assert "前 200 个句子" in chinese and "200.00" not in chinese


# -- shares ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (0.995, 0, "99.5%"),
        (0.9956458635703919, 0, "99.6%"),
        (0.9995, 1, "99.95%"),
        (0.004, 0, "0.4%"),
        (1.0, 0, "100%"),
        (0.0, 0, "0%"),
        (0.5, 0, "50%"),
        (0.123, 1, "12.3%"),
    ],
)
def test_a_share_is_never_rounded_to_0_or_100_percent_unless_exactly_so(value, digits, shown):
    assert i18n.percent(value, digits) == shown
    assert written(Number(value), f".{digits}%") == shown
    with i18n.using("zh"):
        assert i18n.percent(value, digits) == shown


def test_the_lab_tables_keep_a_share_off_100_percent():
    assert lab_readings.metric_value("exact_match", 0.9995) == "99.95%"
    assert lab_readings.metric_value("exact_match", 1.0) == "100.0%"
    rows = lab_split.adversarial_rows(
        {"summary": {"saturated": {"count": 199, "share": 0.995}, "unsaturated": {"steps": 1}}}
    )
    assert "99.5%" in [row["value"] for row in rows] and "100%" not in [row["value"] for row in rows]
    table = {"metric": "exact_match", "rows": [{"model": "reverse/dot", "exact_match": 0.99999}]}
    assert lab_scorers.table_rows(table, gold=False)[0]["exact match %"] == 99.999


@pytest.mark.parametrize(
    ("lesson", "number", "english_says", "chinese_says"),
    [
        ("1-", 5, "`dot` gets almost every one\nright (99.5%)", "`dot` 几乎全对（99.5%）"),
        ("7-", 4, "99.6% of `reverse/dot`'s steps are **saturated**", "有 99.6% 的步是**饱和**的"),
        ("8-", 1, "`reverse/dot` goes from 99.5% of the", "`reverse/dot` 从 99.5% 的测试字符串完全正确"),
    ],
)
def test_lessons_1_7_and_8_say_99_5_percent_not_100(lesson, number, english_says, chinese_says):
    english, chinese = _filled(lesson, number)
    assert english_says in english and chinese_says in chinese


def test_lesson_7_says_a_tvd_short_of_1_as_short_of_1():
    english, chinese = _filled("7-", 5)
    assert "distance is 0.999 (`1` = nothing in common)" in english and "1.00 (" not in english
    assert "0.999（`1` = 毫无共同之处）" in chinese
