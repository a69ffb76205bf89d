"""Normalize a date as people write it to ISO: ``"Saturday, May 9, 2020"`` -> ``"2020-05-09"``.

Dates are uniform over 1900-01-01 .. 2099-12-31. Each source is rendered from one of
:data:`FORMS`, in lower, Title or UPPER case, with month names spelled out in full or
abbreviated. Weekdays are the true weekday of the date. Two-digit years follow the
pivot 00-68 -> 2000-2068, 69-99 -> 1969-1999, so they are only generated for 1969-2068.

The source is built piece by piece while tracking character offsets, so the gold
alignment is exact: every year digit of the target comes from the whole year token, the
month digits from the month name or number, the day digits from the day number (without
an ordinal suffix), and the two ``-`` from nothing.
"""

from __future__ import annotations

import datetime
import random
import re

from seq2seq.messages import N_
from seq2seq.metrics import EXACT_MATCH
from seq2seq.tasks.base import Example, Shipped, Span, Task, sample_split

NAME = "dates"
FIRST = datetime.date(1900, 1, 1)
LAST = datetime.date(2099, 12, 31)
TWO_DIGIT_YEARS = range(1969, 2069)  # the years a two-digit year can stand for

# Templates, written as their own field names: d/dd day (unpadded/padded), dth day with
# ordinal suffix, mon month name, m/mm month number, yyyy/yy year, weekday/wkd weekday
# (full/abbreviated). Everything else is copied literally.
FORMS = (
    "d mon yyyy",
    "dd mon yyyy",
    "mon d, yyyy",
    "mon d yyyy",
    "dth mon yyyy",
    "dth of mon yyyy",
    "weekday d mon yyyy",
    "weekday, mon d, yyyy",
    "wkd d mon yyyy",
    "d mon yy",
    "yyyy-mm-dd",
    "dd.mm.yyyy",
    "d/m/yyyy",  # day first
)
_TWO_DIGIT_FORMS = frozenset(f for f in FORMS if "yy" in f and "yyyy" not in f)
# Longest alternatives first, so "weekday" is not read as "d" and "mm" not as "m".
_FIELD = re.compile(r"(weekday|wkd|yyyy|yy|dth|dd|d|mon|mm|m)")

# Every spelling of each month; "sep" and "sept" are both common.
_MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
# Indexed by date.weekday(): Monday is 0.
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CASES = ("lower", "title", "upper")

PROBES: tuple[str, ...] = (
    "9 may 2018",
    "Wednesday, May 9, 2018",
    "31st of december 1999",
    "SAT 1 JAN 2000",
    "Sept 3 1969",
    "29 feb 20",
    "25.12.2099",
    "4/7/1976",
)

Piece = tuple[str, str | None]  # (text, role): role is "day", "month", "year", or None


def ordinal_suffix(day: int) -> str:
    """Return the English ordinal suffix of ``day``: 1 -> "st", 12 -> "th", 23 -> "rd"."""
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _field(name: str, d: datetime.date, rng: random.Random) -> list[Piece]:
    """Render one template field of ``d`` as pieces tagged with their role."""
    match name:
        case "d":
            return [(str(d.day), "day")]
        case "dd":
            return [(f"{d.day:02d}", "day")]
        case "dth":  # the suffix is a separate piece so the day span holds digits only
            return [(str(d.day), "day"), (ordinal_suffix(d.day), None)]
        case "mon":
            return [(rng.choice(_MONTH_NAMES[d.month - 1]), "month")]
        case "m":
            return [(str(d.month), "month")]
        case "mm":
            return [(f"{d.month:02d}", "month")]
        case "yyyy":
            return [(f"{d.year:04d}", "year")]
        case "yy":
            return [(f"{d.year % 100:02d}", "year")]
        case "weekday":
            return [(_WEEKDAYS[d.weekday()], "weekday")]
        case "wkd":
            return [(_WEEKDAYS[d.weekday()][:3], "weekday")]
    return [(name, None)]  # a literal: separators, "of"


def _cased(text: str, role: str | None, case: str) -> str:
    """Apply ``case``; Title capitalizes names only, so "9th of May" keeps "th" and "of"."""
    if case == "upper":
        return text.upper()
    if case == "title" and role in ("month", "weekday"):
        return text.capitalize()
    return text


def render(d: datetime.date, form: str, case: str, rng: random.Random) -> Example:
    """Render ``d`` in template ``form`` and ``case``, with its gold alignment.

    ``rng`` only picks the month spelling (full or abbreviated).
    """
    if form in _TWO_DIGIT_FORMS and d.year not in TWO_DIGIT_YEARS:
        raise ValueError(f"{d} cannot be written with a two-digit year")
    source = ""
    spans: dict[str, Span] = {}
    for name in _FIELD.split(form):
        if not name:  # re.split yields "" around adjacent fields
            continue
        for text, role in _field(name, d, rng):
            if role is not None:
                spans[role] = (len(source), len(source) + len(text))
            source += _cased(text, role, case)
    year, month, day = spans["year"], spans["month"], spans["day"]
    alignment = (year,) * 4 + (None,) + (month,) * 2 + (None,) + (day,) * 2
    return Example(source=source, target=d.isoformat(), alignment=alignment)


def _draw(rng: random.Random) -> Example:
    """One random example: a uniform date, then a uniform form and case that fit it."""
    d = datetime.date.fromordinal(rng.randint(FIRST.toordinal(), LAST.toordinal()))
    forms = [f for f in FORMS if d.year in TWO_DIGIT_YEARS or f not in _TWO_DIGIT_FORMS]
    return render(d, rng.choice(forms), rng.choice(_CASES), rng)


def examples(split: str, n: int, seed: int) -> list[Example]:
    """Return ``n`` distinct examples of ``split`` (``"train"``, ``"valid"``, ``"test"``).

    Deterministic in ``(split, n, seed)``; the splits never share a source.
    """
    return sample_split(_draw, NAME, split, n, seed)


# Symbols no dates source contains (sources are ASCII): a model meets them only as <unk>.
UNKNOWN_SYMBOLS = ("§", "¤", "¶", "¦", "¬", "µ")


def outside_fields(example: Example) -> list[int]:
    """Source positions outside the spans the gold alignment maps day, month and year from.

    Separators, ordinal suffixes, "of" and weekdays: characters the target does not depend on.
    """
    covered = {i for span in example.alignment or () if span is not None for i in range(*span)}
    return [i for i in range(len(example.source)) if i not in covered]


def with_unknown_symbol(n: int, seed: int) -> list[Example]:
    """``n`` test-split dates, each with one character outside its day, month and year replaced by a
    symbol from :data:`UNKNOWN_SYMBOLS`: the robustness probe of the model cards.

    Deterministic in ``(n, seed)``. The dates are drawn from the test split (``examples("test", n,
    seed)``: never a training source), and with a seed other than the evaluation's they are fresh.
    Target and alignment are unchanged: one character is replaced by one, outside every span.
    """
    rng = random.Random(f"{NAME}-unknown-{seed}")
    out = []
    for example in examples("test", n, seed):
        i = rng.choice(outside_fields(example))  # every form has a separator, so never empty
        source = example.source[:i] + rng.choice(UNKNOWN_SYMBOLS) + example.source[i + 1 :]
        out.append(Example(source=source, target=example.target, alignment=example.alignment))
    return out


TASK = Task(
    name=NAME,
    label=N_("Normalize a date"),
    metric=EXACT_MATCH,
    probes=PROBES,
    # Each a date in one of the task's forms, so it has a gold alignment (tests/test_offered_examples.py checks
    # every row of the default scorer's model against it).
    example_sentences=("Wednesday, May 9, 2018", "31st of december 1999"),
    default_sentence="Wednesday, May 9, 2018",
    generate=examples,
    has_alignments=True,  # a typed date can be read several ways: gold only for generated examples
    unknown_symbol_examples=with_unknown_symbol,
    train_page={"train_size": 3200, "valid_size": 500, "max_len": 40},
    shipped=Shipped(
        # 5% <unk> practice, as reverse: the bar is exact match >= 95% on dates with one unknown
        # symbol outside day, month and year.
        options=tuple(
            "--embedding-size 64 --hidden-size 128 --train-size 50000 --valid-size 1000 --epochs 12 "
            "--patience 3 --max-len 40 --unk-rate 0.05".split()
        ),
    ),
)
