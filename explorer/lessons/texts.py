"""What is wrong with a lesson's texts, without running a model: typed numbers, placeholders, languages.

Every text field (explorer.lessons.schema.TEXT_FIELDS) in every language is read: a quantity (a digit,
a number word, in English or Chinese: explorer.lessons.numbers) typed outside a placeholder, a code span
or a date-or-citation marker {=…} is a problem (write it as a placeholder filled from a
claim, explorer.lessons.placeholders), so is a placeholder that names no claim of its step or has a
bad form, and a translation whose placeholders or code spans are not its English field's (the same
numbers, tokens and example sentences in every language).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from explorer.lessons.numbers import marker_problem, markers
from explorer.lessons.placeholders import code_spans, form_problem, found, number_kind, prose, typed_numbers
from explorer.lessons.schema import WHOLE_FILE, Lesson, Problem, Step, Translated


@dataclass(frozen=True)
class Field:
    """One text field and its translations: where it is (for a problem), the step that fills it."""

    where: str  # "step 2's text", "step 2's option 1's explain"
    line: int
    step: Step | None  # None: the lesson's own title, audience, summary (no view, no claims)
    name: str
    english: str
    translated: dict[str, str]  # language -> text


def _field(where: str, line: int, step: Step | None, part: Translated, name: str) -> Field:
    prefix = f"{name}_"
    translated = {key[len(prefix) :]: text for key, text in part.translated if key.startswith(prefix)}
    return Field(f"{where}{name}", line, step, name, getattr(part, name) or "", translated)


def fields(lesson: Lesson) -> Iterator[Field]:
    """Every text field of `lesson`, the lesson's own first, then each step's, question's and option's."""
    for name in ("title", "audience", "summary"):
        yield _field("the lesson's ", WHOLE_FILE, None, lesson, name)
    for number, step in enumerate(lesson.steps, start=1):
        for name in ("title", "text", "teacher"):
            yield _field(f"step {number}'s ", step.line, step, step, name)
        question = step.question
        if question is None:
            continue
        for name in ("prompt", "explain"):
            yield _field(f"step {number}'s question's ", step.line, step, question, name)
        for k, option in enumerate(question.options, start=1):
            for name in ("text", "explain"):
                yield _field(f"step {number}'s option {k}'s ", step.line, step, option, name)


def _names(step: Step | None) -> dict[str, str]:
    """The step's claim names -> their kinds ("count" for a lab claim whose statistic counts)."""
    if step is None:
        return {}
    return {c.name: "count" if number_kind(c) == "count" else c.kind for c in step.claims if c.name}


def _one_text(field: Field, lang: str, text: str) -> list[str]:
    """A field's problems in one language: typed numbers, placeholders of a bad form or naming nothing."""
    label = field.where if lang == "en" else f"{field.where}_{lang}"
    said = []
    for number in dict.fromkeys(typed_numbers(text, lang)):
        said.append(
            f"{label}: the number {number!r} is typed in; write a placeholder filled from a claim or the view "
            "({name}, {view.step}), put an example or a formula in a code span, a date or a citation in {=…}"
        )
    for marker in dict.fromkeys(markers(prose(text))):
        problem = marker_problem(marker)
        if problem:
            said.append(f"{label}: {problem}")
    for placeholder in dict.fromkeys(found(text)):
        if field.step is None:
            said.append(f"{label}: {placeholder}: the lesson's own texts have no step to fill a placeholder from")
            continue
        problem = form_problem(placeholder, _names(field.step))
        if problem:
            said.append(f"{label}: {problem}")
    return said


def _languages_problems(field: Field) -> list[str]:
    """A translation whose placeholders or code spans differ from the English field's."""
    said = []
    for lang, text in field.translated.items():
        label = f"{field.where}_{lang}"
        if Counter(found(text)) != Counter(found(field.english)):
            english, other = sorted(found(field.english)), sorted(found(text))
            said.append(f"{label} has the placeholders {other or 'none'}, its English {field.name} {english or 'none'}")
        if Counter(markers(prose(text))) != Counter(markers(prose(field.english))):
            said.append(f"{label}'s dates and citations {{=…}} differ from its English {field.name}'s")
        if Counter(code_spans(text)) != Counter(code_spans(field.english)):
            missing = sorted(set(code_spans(field.english)) - set(code_spans(text)))
            extra = sorted(set(code_spans(text)) - set(code_spans(field.english)))
            said.append(f"{label}'s code spans differ from its English {field.name}'s: lacks {missing}, adds {extra}")
    return said


def problems(lesson: Lesson) -> list[Problem]:
    """Every problem of `lesson`'s texts (typed numbers, placeholders, languages) and of its claim names."""
    found_problems: list[Problem] = []
    for field in fields(lesson):
        said = _one_text(field, "en", field.english)
        for lang, text in field.translated.items():
            said += _one_text(field, lang, text)
        said += _languages_problems(field)
        found_problems += [Problem(lesson.path, field.line, message) for message in said]
    for number, step in enumerate(lesson.steps, start=1):
        named = Counter(c.name for c in step.claims if c.name)
        for name, count in sorted(named.items()):
            if count > 1:
                found_problems.append(
                    Problem(lesson.path, step.line, f"step {number}: {count} claims are named {name!r}")
                )
    return found_problems
