"""The CSV of one class's questions and answers: one row per question and option.

Columns: question (its id), vote (1 for a question's first vote, 2 when the teacher asked it again after
a discussion, ...), again_of (the question a second vote repeats; empty for a first), kind, step, asked
(ISO 8601, UTC), option (its index), text, answers (how many chose it), right (yes/no: one of the
model's answers), weight (the model's attention or probability for it) and share_right (the question's
share of right answers; empty when nobody answered). Written with the csv module, so any text is data.
An option's text is a token of a sentence someone typed: one starting with = + - @ (or a tab or
carriage return) is prefixed with ' so that a spreadsheet shows it instead of running it as a formula
(CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime

from explorer.classrooms.follow import rounds
from explorer.classrooms.store import Question

COLUMNS = (
    "question", "vote", "again_of", "kind", "step", "asked", "option", "text", "answers", "right", "weight",
    "share_right",
)  # fmt: skip
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_data(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it: a leading ' where it could start a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def questions_csv(questions: Sequence[Question]) -> str:
    """The CSV text (a header, then a row per question and option, in the order given)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    votes = rounds(questions)
    for question in questions:
        asked = datetime.fromtimestamp(question.asked, tz=UTC).isoformat(timespec="seconds")
        share = question.share_right()
        for index, text in enumerate(question.options):
            writer.writerow(
                (
                    question.id,
                    votes[question.id],
                    question.again_of or "",
                    question.kind,
                    question.step,
                    asked,
                    index,
                    as_data(text),
                    question.counts[index],
                    "yes" if index in question.right else "no",
                    f"{question.weights[index]:.4f}",
                    "" if share is None else f"{share:.4f}",
                )
            )
    return out.getvalue()
