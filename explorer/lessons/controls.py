"""The controls a lesson's text may name, and the rule that its step's page shows them.

A step runs on its page (Decode, Compare, Beam search, …), which shows its own controls and no other page's.
Each page declares what it shows (explorer.state.page_controls): its tabs, panels, boxes, toggles, buttons and
options, in its own words, translated as the page translates them. A step's text or teacher's notes, in every
language the file has, that names a control of ANY page (in bold, or after press / click / hit / 按 / 点击 / 点)
names one its page must show: a label that no page of the step's page's has is a problem, said with the
control and the page. Bold that is no control's label is emphasis ("**every**"), not asked for.
"""

from __future__ import annotations

import functools
import re

from explorer import i18n
from explorer.i18n import _, pgettext
from explorer.lessons.schema import Lesson, Problem, Step
from explorer.state.page_controls import PAGE_CONTROLS, Control, on_page

# The fields of a step a reader follows (the question's explanation says what happened, not what to press).
TEXT_FIELDS = ("text", "teacher")
# Phrases that ask for the Step button without naming it in bold: "step through it", "step to the end".
STEPPING = re.compile(r"\bstep (?:through|to the end|once more|on\b)|继续按单步|逐步", re.I)
STEP = Control("Step", "button", context="button")


def label(control: Control, lang: str) -> str:
    """`control`'s label in `lang`, as its page draws it."""
    with i18n.using(lang):
        return pgettext(control.context, control.label) if control.context else i18n._(control.label)


def labels(controls: tuple[Control, ...]) -> dict[str, Control]:
    """Each label of `controls` in every interface language, case-folded -> the control."""
    return {label(c, lang).casefold(): c for c in controls for lang in i18n.LANGUAGES}


@functools.cache
def every_label() -> dict[str, Control]:
    """Every page's controls by their labels in every language, case-folded: the names a text is read for."""
    found: dict[str, Control] = {}
    for page in PAGE_CONTROLS:
        found |= labels(on_page(page))
    return found


@functools.cache
def page_labels(page: str) -> frozenset[str]:
    """The labels (case-folded, every language) of the controls `page` shows."""
    return frozenset(labels(on_page(page)))


@functools.cache
def _pattern(name: str) -> re.Pattern:
    """Where a text names a control: in bold, or after press / click / 按 / 点击 (bold or not); the group
    `name` is the label itself."""
    word = re.escape(name)
    english = rf"(?<![\w-]){word}(?![\w-])" if name.isascii() else word
    asked = rf"\*\*\s*(?P<bold>{word})\s*\*\*|(?:\b(?:press|click|hit)|按|点击|点)\s*(?:\*\*)?\s*(?P<name>{english})"
    return re.compile(asked, re.I)


@functools.lru_cache(maxsize=4096)  # the Lessons page checks every lesson on each run: ~1 s of regexes uncached
def named(text: str) -> frozenset[str]:
    """The labels of controls (case-folded, in any language) that `text` names; the Step button's for a
    phrase that asks for it without its name ("step through it"). A label inside a longer one named at the
    same place is not named ("press **Scorer A**" names Scorer A, not Scorer)."""
    found = [
        (match.span("bold") if match.group("bold") else match.span("name"), name)
        for name in every_label()
        for match in _pattern(name).finditer(text)
    ]
    kept = {
        name
        for (start, end), name in found
        if not any(s <= start and end <= e and e - s > end - start for (s, e), _other in found)
    }
    return frozenset(kept | ({label(STEP, i18n.SOURCE).casefold()} if STEPPING.search(text) else set()))


def step_named(step: Step) -> set[str]:
    """The labels a step's text and teacher's notes name, in every language the file has."""
    texts = [getattr(step, field) for field in TEXT_FIELDS]
    texts += [value for key, value in step.translated if key.split("_")[0] in TEXT_FIELDS]
    return set().union(*(named(t) for t in texts if t))


def missing(step: Step) -> list[str]:
    """The labels the step's text names that its page does not show, sorted."""
    return sorted(step_named(step) - page_labels(step.page))


def said(names: list[str]) -> str:
    """Labels found, for a problem, by control: "Explain this cell" (解释这个格子), "Step"."""
    forms: dict[str, list[str]] = {}
    for name in names:
        forms.setdefault(every_label()[name].label, []).append(name)
    shown = []
    for english, found in sorted(forms.items()):
        others = [name for name in found if name != english.casefold()]
        shown.append(f'"{english}"' + (f" ({', '.join(others)})" if others else ""))
    return ", ".join(shown)


def problems(lesson: Lesson) -> list[Problem]:
    """A problem for each step whose text names a control that its page does not show."""
    found = []
    for number, step in enumerate(lesson.steps, start=1):
        absent = missing(step)
        if absent:
            shown = said(absent)
            message = _(
                'step {n}: the text names {controls}, which the page "{page}" does not show '
                "(explorer/state/page_controls.py: what each page shows)"
            ).format(n=number, controls=shown, page=step.page)
            found.append(Problem(lesson.path, step.line, message))
    return found
