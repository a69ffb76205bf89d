"""The step controls a lesson's text may name, and the rule that they are there.

A step whose text says "press **Step**" (or **单步**, in either language) must show a decode: the lesson
player draws Step, Back, Play and Reset under every step that shows one (explorer.ui.lesson_player), as
the Decode page has them. A step on another page, or with no view, has none of them; the checker says so.
"""

from __future__ import annotations

import re

from explorer import i18n
from explorer.i18n import N_, pgettext
from explorer.lessons.schema import Lesson, Problem, Step

# The decode's controls: English label -> its message context (None: a plain message), as the pages mark them.
DECODE_CONTROLS = {"Step": "button", "Back": None, "Play": None, "Pause": None, "Reset": None}
# The fields of a step a reader follows (the question's explanation says what happened, not what to press).
TEXT_FIELDS = ("text", "teacher")
N_("Play")  # the labels are the pages' own messages; these marks keep them in the catalog
N_("Pause")
N_("Reset")


def label(control: str, lang: str) -> str:
    """`control`'s label in `lang`, as the page draws it."""
    with i18n.using(lang):
        context = DECODE_CONTROLS[control]
        return pgettext(context, control) if context else i18n._(control)


def _pattern(name: str) -> re.Pattern:
    """Where a text names a control: in bold, or after press / click / 按 / 点击 (bold or not)."""
    word = re.escape(name)
    english = rf"(?<![\w-]){word}(?![\w-])" if name.isascii() else word
    return re.compile(rf"\*\*\s*{word}\s*\*\*|(?:\b(?:press|click|hit)|按|点击|点)\s*(?:\*\*)?\s*{english}", re.I)


# Phrases that ask for the Step button without naming it in bold: "step through it", "step to the end".
STEPPING = re.compile(r"\bstep (?:through|to the end|once more|on\b)|继续按单步|逐步", re.I)


def named(text: str) -> set[str]:
    """The decode controls (English labels) that `text` names, in any of the interface's languages."""
    found = {"Step"} if STEPPING.search(text) else set()
    for control in DECODE_CONTROLS:
        for lang in i18n.LANGUAGES:
            if _pattern(label(control, lang)).search(text):
                found.add(control)
    return found


def step_named(step: Step) -> set[str]:
    """The decode controls a step's text and teacher's notes name, in every language the file has."""
    texts = [getattr(step, field) for field in TEXT_FIELDS]
    texts += [value for key, value in step.translated if key.split("_")[0] in TEXT_FIELDS]
    return set().union(*(named(t) for t in texts if t))


def shows_controls(step: Step) -> bool:
    """Whether the lesson player draws the decode's controls under this step: it shows a decode."""
    return step.page == "decode" and bool(step.view)


def problems(lesson: Lesson) -> list[Problem]:
    """A problem for each step whose text names a decode control that its view does not show."""
    found = []
    for number, step in enumerate(lesson.steps, start=1):
        missing = sorted(step_named(step)) if not shows_controls(step) else []
        if missing:
            shown = ", ".join(missing)
            found.append(
                Problem(
                    lesson.path,
                    step.line,
                    f"step {number}: the text names {shown}, which only a step showing a decode has "
                    '(page = "decode" with a view)',
                )
            )
    return found
