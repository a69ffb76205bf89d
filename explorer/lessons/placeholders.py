"""Numbers in a lesson's texts: placeholders filled from the models, never typed in.

A step's text, teacher notes, question prompt and explanations, in every language, write a measured
number as a placeholder in braces:

- ``{name}``: the number the step's claim ``name = "…"`` measures (explorer.lessons.values.claim_value:
  a weight, a probability, a log-probability, an accuracy, a metric, a lab statistic, a τ, a count,
  a configuration's setting);
- ``{name.at_least}``, ``{name.at_most}``: that claim's bound, the number the checker holds it to;
- ``{name.seed}``, ``{name.temperature}``, ``{name.beam}``, ``{name.step}``, ``{name.epoch}``,
  ``{name.position}``: a setting of the named claim (of any kind) the sentence speaks of;
- ``{name.output}``: what a history claim's model wrote for its probe after its epoch, as the Timelapse's
  record holds it (``{name.expect}``: a wrong option's history claim's expect), a code span
  (explorer.lessons.history: an output of the record is never typed in);
- ``{view.step}``, ``{view.beam}``, ``{view.temperature}``, ``{view.seed}``: the step's view's setting;
- ``{view.token}``, ``{view.attended}``, ``{view.source.N}``, ``{view.output.N}``, ``{view.sentence}``,
  ``{view.output}``: a token of the step's view's own decode, written as a code span, as a word or, after
  ``:piece``, as the page's piece (explorer.lessons.tokens: a token the text names is never typed in); on
  Compare, ``{view.<scorer>.output}``, ``{view.<scorer>.output.N}``, … of each scorer's decode.

After a colon, how to write it: ``{p:.2f}`` two decimals, ``{share:.1%}`` a percentage with one
decimal, ``{view.step:d}`` a whole number. Without one, an accuracy is a whole percentage, a view
setting as short as it goes, a count and a setting whole, any other number two decimals.

A value's form follows its kind (`Number.kind`): a count (a count claim, a lab statistic that counts:
explorer.lessons.measure.lab_kind, a setting but the temperature) is always a whole number, and a
decimal or percentage form on it is a problem (`form_problem`: "200.00 sentences" was one); a
percentage keeps the decimals it needs to read 0% or 100% only when it is exactly so (0.995 is
"99.5%", never "100%": explorer.i18n.share_digits).

`typed_numbers` finds a quantity typed outside a placeholder or a code span: a decimal, a percentage,
a whole number, a number word, in English or Chinese (explorer.lessons.numbers; the checker refuses
it: it would drift from the models); a date or a citation is kept as written in a marker ``{=2015}``.
`fill` writes the numbers in, in the reader's language; the player and the checker fill with the
same `step_values`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from explorer import i18n
from explorer.lessons import numbers as typed
from explorer.lessons.schema import Claim, Step
from explorer.lessons.syntax import CODE, PIECE, PLACEHOLDER, Token
from explorer.state.view import ViewState

VIEW_SETTINGS = ("step", "beam", "temperature", "seed")  # {view.<setting>}
BOUNDS = ("at_least", "at_most")  # {name.<bound>}
# {name.<setting>}: a setting of a named claim of any kind, so prose that names the seed, the width, the
# row or the epoch a claim checks says the claim's own ("seed {s2.seed} writes …").
CLAIM_SETTINGS = ("seed", "temperature", "beam", "step", "epoch", "position", "min_len", "max_len")
# {name.output}, {name.expect}: a history claim's recorded output, a wrong option's expected one
# (explorer.lessons.history), shown as a code span like a token of the view.
HISTORY_OUTPUTS = ("output", "expect")
FORMAT = re.compile(r"^(?:\.([0-4])([f%])|d)$")
MISSING = "—"  # shown for a number that could not be measured (the checker names why)


@dataclass(frozen=True)
class Number:
    """A measured number and how it is written when its placeholder says nothing (".2f", ".0%", "g", "d");
    `kind` "count" for a number that counts (written whole whatever its placeholder says), else "value"."""

    value: float
    default: str = ".2f"
    kind: str = "value"


def code(text: str) -> str:
    """`text` as a Markdown code span that shows it as written, whatever backticks it holds."""
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _whole(head: str, tail: str, kind: str | None) -> bool:
    """Whether the placeholder {head.tail} shows a whole number: a view's or claim's setting (but the
    temperature), a count claim's number or bound (`kind`: the claim's, "count" for a lab count)."""
    if head == "view" or tail in CLAIM_SETTINGS:
        return tail != "temperature"
    return kind == "count"


def prose(text: str) -> str:
    """`text` without its code spans and fenced blocks (where numbers and braces are kept as written)."""
    return CODE.sub(" ", text)


def code_spans(text: str) -> list[str]:
    """The code spans and fenced blocks of `text`, in order."""
    return [m.group(0) for m in CODE.finditer(text)]


def found(text: str) -> list[str]:
    """The placeholders of `text` outside code, each as written ("{p:.2f}"), in order."""
    return [m.group(0) for m in PLACEHOLDER.finditer(prose(text))]


def typed_numbers(text: str, lang: str = "en") -> list[str]:
    """The quantities (digits, number words in `lang`) typed into `text` outside placeholders, code spans
    and {=…} markers (explorer.lessons.numbers.typed)."""
    return typed.typed(PLACEHOLDER.sub(" ", prose(text)), lang)


def form_problem(placeholder: str, names: Mapping[str, str]) -> str | None:
    """What is wrong with one placeholder's form, given the step's claim names (name -> kind, "count" for a
    lab claim that counts); None if nothing. A count or a setting written with decimals is a problem."""
    problem = _form_problem(placeholder, names)
    if problem is not None:
        return problem
    match = PLACEHOLDER.fullmatch(placeholder)
    key, spec = match.group(1), match.group(2)
    head, _dot, tail = key.partition(".")
    if head == "view" and tail not in VIEW_SETTINGS:
        return None  # a token (explorer.lessons.tokens)
    if spec not in (None, "d") and _whole(head, tail, names.get(head)):
        return f"{placeholder}: a count or a setting is a whole number: write {{{key}}} or {{{key}:d}}"
    return None


def _form_problem(placeholder: str, names: Mapping[str, str]) -> str | None:
    match = PLACEHOLDER.fullmatch(placeholder)
    key, spec = match.group(1), match.group(2)
    head, _dot, tail = key.partition(".")
    if head != "view" and tail in HISTORY_OUTPUTS and head in names:  # a history claim's output (lessons.history)
        from explorer.lessons.history import form_problem as output_problem

        return output_problem(placeholder, key, spec, names[head])
    if key.startswith("view.") and spec == PIECE:
        pass  # a token's piece (checked below)
    elif spec is not None and not FORMAT.match(spec):
        return f"{placeholder}: write it as {{name}}, {{name:.2f}}, {{name:.1%}} or {{name:d}}"
    head, _dot, tail = key.partition(".")
    if head == "view":
        from explorer.lessons.tokens import VIEW_TOKENS, is_token_placeholder

        if is_token_placeholder(key):
            if spec is None or spec == PIECE:
                return None
            return f"{placeholder}: a token is written as it is, or as the page's piece with :{PIECE}"
        if tail in VIEW_SETTINGS:
            return None
        tokens = ", ".join([*VIEW_TOKENS, "source.N", "output.N", "<scorer>.output[.N] (Compare)"])
        return f"{placeholder}: a view has the settings {', '.join(VIEW_SETTINGS)} and the tokens {tokens}"
    if head not in names:
        return f"{placeholder}: no claim of this step has the name {head!r}"
    if tail in CLAIM_SETTINGS:
        return None
    if tail and tail not in BOUNDS:
        return (
            f"{placeholder}: a claim's placeholder is {{{head}}}, {{{head}.at_least}}, {{{head}.at_most}}, "
            f"{{{head}.<setting>}} ({', '.join(CLAIM_SETTINGS)}) or a history claim's {{{head}.output}}"
        )
    from explorer.lessons.values import VALUE_KINDS

    if names[head] not in VALUE_KINDS:
        return f"{placeholder}: a {names[head]} claim measures no number (one of {', '.join(VALUE_KINDS)} does)"
    return None


def view_numbers(view: ViewState) -> dict[str, Number]:
    """{view.<setting>}'s numbers: the settings of the view the page opens."""
    return {
        "view.step": Number(view.step, "d"),
        "view.beam": Number(view.beam, "d"),
        "view.temperature": Number(view.temperature, "g"),
        "view.seed": Number(view.seed, "d"),
    }


def step_values(
    claims: Sequence[Claim],
    view: ViewState | None,
    translator_for: Callable[[str], object],
    step: Step | None = None,
) -> dict[str, Number | Token]:
    """Every number a placeholder of a step may show: its view's settings, each of its named `claims`'
    measured number and finite bounds; given the `step`, the tokens of its view's decode
    (explorer.lessons.tokens). A claim that cannot be measured is left out (the checker says why)."""
    from explorer.lessons.history import values as history_values
    from explorer.lessons.tokens import decoded
    from explorer.lessons.values import VALUE_KINDS, claim_value, resolve

    numbers: dict[str, Number | Token] = {}
    if view is not None:
        numbers.update(view_numbers(view))
    if step is not None:
        numbers.update(decoded(step, view, translator_for))
    numbers.update(history_values(claims))  # {name.output}, {name.expect} of its history claims
    for claim in claims:
        for setting in CLAIM_SETTINGS if claim.name else ():
            numbers[f"{claim.name}.{setting}"] = Number(
                getattr(claim, setting), "g" if setting == "temperature" else "d"
            )
        if not claim.name or claim.kind not in VALUE_KINDS:
            continue
        kind = number_kind(claim)
        default = ".0%" if claim.kind == "accuracy" else "d" if kind == "count" else ".2f"
        for bound in BOUNDS:
            value = getattr(claim, bound)
            if math.isfinite(value):
                numbers[f"{claim.name}.{bound}"] = Number(value, ".0%" if claim.kind == "accuracy" else "g", kind)
        try:
            numbers[claim.name] = Number(claim_value(resolve(claim, view), translator_for), default, kind)
        except Exception:  # a model missing or a claim that cannot be measured: the checker reports it
            continue
    return numbers


def number_kind(claim: Claim) -> str:
    """ "count" for a claim whose number counts (a count or config claim, a lab statistic that counts:
    "n", "steps", …), else "value"."""
    from explorer.lessons.measure import lab_kind

    if claim.kind in ("count", "config"):
        return "count"
    if claim.kind == "lab":
        return lab_kind(claim.statistic)
    return "value"


def written(number: Number, spec: str | None) -> str:
    """`number` written as `spec` says (or its default), in the current language: a count always whole,
    a percentage with the decimals that keep it off 0% and 100% unless it is exactly so."""
    spec = spec or number.default
    if spec == "d" or number.kind == "count":
        return i18n.number(round(number.value))
    if spec == "g":
        return f"{number.value:g}"
    match = FORMAT.match(spec)
    digits, how = int(match.group(1)), match.group(2)
    if how == "%":
        return i18n.number(number.value * 100, i18n.share_digits(number.value, digits)) + "%"
    return i18n.number(number.value, digits)


def fill(text: str, numbers: Mapping[str, Number | Token]) -> str:
    """`text` with each placeholder outside code replaced by its number (MISSING where there is none)."""
    pieces, last = [], 0
    for code in CODE.finditer(text):
        pieces += [_fill_prose(text[last : code.start()], numbers), code.group(0)]
        last = code.end()
    return "".join([*pieces, _fill_prose(text[last:], numbers)])


def _fill_prose(text: str, numbers: Mapping[str, Number | Token]) -> str:
    def one(match: re.Match) -> str:
        spec = match.group(2)
        number = numbers.get(match.group(1))
        if isinstance(number, Token):
            if spec == PIECE:
                return code(number.piece or number.text)
            return MISSING if spec is not None else code(number.text)
        if number is None or (spec is not None and not FORMAT.match(spec)):
            return MISSING
        return written(number, spec)

    return typed.fill_markers(PLACEHOLDER.sub(one, text))
