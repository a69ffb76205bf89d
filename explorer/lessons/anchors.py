"""What a step's words and view must agree with, without running a model (issue 64's deliberate edits).

- **Quantity words come from bounds.** "fewer than half", "more than a quarter", 不到一半, 超过三分之一,
  九成以上, and those without a fraction: "most of", "nearly all", "almost none", 大多数, 几乎全, 几乎没有: each is a
  share said in words, in any text a class or teacher reads (text, teacher notes, prompt, the right option, every
  explanation; a sentence citing a paper {=…} reports the paper's finding), and the claim whose placeholder
  stands in the same sentence must hold it by its bound ("fewer than half" needs at_most ≤ 0.5; "more than
  half" at_least ≥ 0.5; a bare "nine in ten" or 九成 both bounds within 0.05 of 0.9). A quantity word in a
  sentence with no placeholder has no number to speak of. Each language is read on its own, so a
  Chinese-only 超过 → 不到 or an added 九成 fails, and the translation must say the same shares of the same
  placeholders as the English.
- **A view that shows one step is the step its claims speak of.** On the Lab's step view, a claim on the
  view's model and sentence (attends, importance, tau, size, weight, score, probability) speaks of output
  position view.step − 1 (the Lab numbers its steps from 1), and a Lab step view whose sentence none of
  the step's claims on its model speaks of was moved; on the Decode page, where an attention question's
  answer is bound by a peaks claim on the view's own decode, one is on the row it asks about (view.step).
- **A number in a code span is one of the app's constants.** A decimal written in a code span (`0.99`,
  `ln 2 ≈ 0.69`) must be a threshold the app itself uses (`CONSTANTS`), so that changing it in both
  languages at once fails; dates (`12.08.1939`) are examples, not numbers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from explorer.lessons.placeholders import CODE, PLACEHOLDER
from explorer.lessons.schema import Claim, Lesson, Problem, Step
from explorer.state.view import ViewState

# A sentence ends at . ! ? (before a space or the end), at 。！？；; or at a blank line (explorer.lessons.binding).
_SENTENCE = re.compile(r"(?<=[.!?])\s+|[。！？；;]|\n\s*\n")

# -- quantity words -----------------------------------------------------------------------------------------
_EN_FRACTIONS = {
    "half": 0.5,
    "a half": 0.5,
    "a quarter": 0.25,
    "one quarter": 0.25,
    "a third": 1 / 3,
    "one third": 1 / 3,
    "two thirds": 2 / 3,
    "three quarters": 0.75,
    "nine in ten": 0.9,
    "a tenth": 0.1,
}
_ZH_FRACTIONS = {"一半": 0.5, "四分之一": 0.25, "三分之一": 1 / 3, "三分之二": 2 / 3, "四分之三": 0.75}
_ZH_TENTHS = {c: (i + 1) / 10 for i, c in enumerate("一二三四五六七八九")}  # N成: N tenths
_EN_FRACTION = "|".join(sorted((re.escape(f) for f in _EN_FRACTIONS), key=len, reverse=True))
_ZH_FRACTION = "|".join([*(re.escape(f) for f in _ZH_FRACTIONS), "[一二三四五六七八九]成"])
_EN_AT_MOST = r"fewer than|less than|under|below|at most|no more than"
_EN_AT_LEAST = r"more than|over|above|at least|greater than"
EN_QUANTITY = re.compile(rf"\b(?:({_EN_AT_MOST})\s+|({_EN_AT_LEAST})\s+)?({_EN_FRACTION})\b", re.IGNORECASE)
ZH_QUANTITY = re.compile(rf"(不到|少于|低于|不足|至多)?(超过|多于|高于|至少)?(近)?({_ZH_FRACTION})(以上|以下)?")
ZH_OF = re.compile(rf"(不到|少于|低于|不足|超过|多于|高于)\s*`[^`]*`\s*的({_ZH_FRACTION})")
CITED = "{="  # a marker that cites a paper (explorer.lessons.placeholders): its sentence says what the paper found
NEAR = 0.05  # a bare fraction ("nine in ten", 九成) is held to within this of its value
REACH = 40  # characters: a share in words speaks of a placeholder this close to it in its sentence
# A fraction of a named quantity ("above half of `ln 2`", "`ln 2` 的一半") or an amount moved ("moves the output
# by more than half", 移动超过一半) says how large a value is, not what share of the steps or strings: not a share.
# Shares said without a fraction ("most of its steps", "nearly every date", 大多数, 几乎所有, "almost none"): each is a
# direction and a value like a fraction's, so a claim must hold it too ("most" at least half, "nearly all" at least
# nine in ten, "almost none" at most one in ten). "the most", "at most", "most likely" are not shares.
_EN_VAGUE = (
    (
        re.compile(
            r"(?<!\bthe )(?<!\bat )\bmost(?= of\b| (?!(?:at|to|on|in|for|with|by|from|like)\b)(?:[a-z]+ )?[a-z]+s\b)",
            re.IGNORECASE,
        ),
        "at_least",
        0.5,
    ),
    (re.compile(r"\b(?:the|a) majority\b", re.IGNORECASE), "at_least", 0.5),
    (re.compile(r"\b(?:nearly|almost|virtually) (?:all|every\w*|always)\b", re.IGNORECASE), "at_least", 0.9),
    (
        re.compile(r"\b(?:nearly|almost|virtually) (?:no|none|never)\b|\bhardly (?:any|ever)\b", re.IGNORECASE),
        "at_most",
        0.1,
    ),
)
_ZH_VAGUE = (
    (re.compile(r"大多数|(?<!极)(?<!大)多数|大部分|多半"), "at_least", 0.5),
    (re.compile(r"几乎(?:都|总是|一直)|几乎[^，。；：、\s`{]{0,4}?(?:所有|(?<!完)全|每)"), "at_least", 0.9),
    (re.compile(r"几乎(?:没有|从不|从未)|几乎一个[都也][^，。；]{0,3}?[不没]|极少数"), "at_most", 0.1),
    (re.compile(r"(?<![极大])少数(?!几)"), "at_most", 0.5),
)
_EN_NOT_SHARE_AFTER = re.compile(r"^\s+of\s+`")
_EN_NOT_SHARE_BEFORE = re.compile(r"\bby\s+$")
_ZH_NOT_SHARE_BEFORE = re.compile(r"(?:`\s*的|移动|的)$")


def _zh_value(word: str) -> float:
    return _ZH_FRACTIONS[word] if word in _ZH_FRACTIONS else _ZH_TENTHS[word[0]]


def quantities(text: str, lang: str, amounts: bool = False) -> list[tuple[int, str, str, float]]:
    """(offset, the words, direction "at_most" | "at_least" | "near", value) of each share said in words in
    the prose of `text` (code spans and placeholders left out); with `amounts`, also the fractions that say how
    large a value is ("by more than half", "half of `ln 2`"), which a translation must say alike."""
    prose = CODE.sub(lambda m: " " * len(m.group(0)), text)
    prose = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), prose)
    found = []
    if lang == "en":
        for m in EN_QUANTITY.finditer(prose):
            most, least, fraction = m.groups()
            amount = bool(_EN_NOT_SHARE_AFTER.match(text[m.end() :]) or _EN_NOT_SHARE_BEFORE.search(text[: m.start()]))
            if not (most or least) and (amount or fraction.lower() in ("half", "a half")):
                continue  # "the first half", "half of `ln 2`": a bare half is a word, not a share claimed
            if amount and not amounts:
                continue
            direction = "at_most" if most else "at_least" if least else "near"
            found.append((m.start(), m.group(0), direction, _EN_FRACTIONS[fraction.lower()]))
    else:
        for m in ZH_QUANTITY.finditer(prose):
            most, least, near, fraction, tail = m.groups()
            amount = bool(_ZH_NOT_SHARE_BEFORE.search(text[: m.start()].rstrip()))
            if not (most or least or near or tail) and (amount or fraction == "一半"):
                continue  # 一半 alone ("`ln 2` 的一半"): a word, not a share claimed
            if amount and not amounts:
                continue
            if most or tail == "以下" or near:
                direction = "at_most"
            elif least or tail == "以上":
                direction = "at_least"
            else:
                direction = "near"
            found.append((m.start(), m.group(0), direction, _zh_value(fraction)))
        if amounts:  # "高于 `ln 2` 的一半": the direction before the quantity's code span, the fraction after it
            for m in ZH_OF.finditer(text):
                direction = "at_least" if m.group(1) in ("超过", "多于", "高于") else "at_most"
                found.append((m.start(), m.group(0), direction, _zh_value(m.group(2))))
    for pattern, direction, value in _EN_VAGUE if lang == "en" else _ZH_VAGUE:
        found += [(m.start(), m.group(0), direction, value) for m in pattern.finditer(prose)]
    return sorted(found)


def _sentences(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    for m in _SENTENCE.finditer(text):
        yield start, text[start : m.start()]
        start = m.end()
    yield start, text[start:]


def _held(claim: Claim, direction: str, value: float) -> bool:
    """Whether `claim`'s bounds make the words true."""
    low, high = claim.at_least, claim.at_most
    if direction == "at_most":
        return high <= value + 1e-9
    if direction == "at_least":
        return low >= value - 1e-9
    return math.isfinite(low) and math.isfinite(high) and low >= value - NEAR and high <= value + NEAR


def _shares(step: Step, text: str, lang: str) -> tuple[list[str], Counter]:
    """The problems of the shares `text` says in words, and what it says: (placeholder name, direction, value)."""
    claims = {c.name: c for c in step.claims if c.name}
    unnamed = [c for c in step.claims if not c.name]
    said: list[str] = []
    seen: Counter = Counter()
    for _start, sentence in _sentences(text):
        words = quantities(sentence, lang)
        if not words:
            continue
        names = [(m.start(), m.end(), m.group(1).split(".")[0]) for m in PLACEHOLDER.finditer(sentence)]
        names = [(at, end, name) for at, end, name in names if name in claims]
        if CITED in sentence:
            continue  # the words report the cited paper's finding ({=Koehn and Knowles (2017)}), not one of ours
        for at, phrase, direction, value in words:
            if not names:
                # words with no placeholder: a claim of the step without a name must hold them ("all put more than
                # half on it", each model's claim at_least 0.5)
                if not any(_held(c, direction, value) for c in unnamed if c.kind in BOUNDED):
                    said.append(f"{phrase!r} says a share, but no claim of its sentence or step holds it")
                continue
            # the placeholder the words follow (within REACH), else the first after them ("fewer than half: {x}")
            before = [name for p, end, name in names if end <= at and at - end <= REACH]
            after = [name for p, end, name in names if p >= at + len(phrase) and p - at - len(phrase) <= REACH]
            if not before and not after:
                # no placeholder near the words: a claim of the step without a name must hold them
                if not any(_held(c, direction, value) for c in unnamed if c.kind in BOUNDED):
                    said.append(f"{phrase!r} says a share, but no placeholder near it or claim of its step holds it")
                continue
            name = before[-1] if before else after[0]
            claim = claims[name]
            seen[(name, direction, round(value, 3))] += 1
            if not _held(claim, direction, value):
                bound = f"at_least {claim.at_least:g}, at_most {claim.at_most:g}"
                said.append(f"{phrase!r} says more than {{{name}}}'s bound holds ({bound})")
    return said, seen


# -- constants in code spans --------------------------------------------------------------------------------
def constants() -> dict[float, str]:
    """The thresholds a lesson may write in a code span, each with where it comes from."""
    from explorer.views import lab_scales
    from seq2seq.lab import names, papers

    found = {
        names.SATURATED: "seq2seq.lab.names.SATURATED",
        names.ALPHA: "seq2seq.lab.names.ALPHA",
        names.READABLE: "seq2seq.lab.names.READABLE",
        lab_scales.SHUFFLES_DECIDE: "explorer.views.lab_scales.SHUFFLES_DECIDE",
        round(math.log(2), 2): "ln 2",
        round(math.log(2), 3): "ln 2",
    }
    for setting, value in papers.JAIN_WALLACE_EPSILON.items():
        found.setdefault(value, f"Jain & Wallace's ε for {setting}")
    return found


_DECIMAL = re.compile(r"(?<![\w.])[−-]?\d+\.\d+(?![\w.]|\.\d)")
_DATE = re.compile(r"\d+\.\d+\.\d+")


def _code_numbers(text: str) -> list[str]:
    """The decimals written in `text`'s code spans (a date such as 12.08.1939 is not one)."""
    found = []
    for m in CODE.finditer(text):
        span = _DATE.sub(" ", m.group(0))
        found += _DECIMAL.findall(span)
    return found


# -- the view's step and sentence ---------------------------------------------------------------------------
STEP_KINDS = ("attends", "importance", "tau", "size", "weight", "score", "probability")
BOUNDED = ("accuracy", "metric", "lab", "tau", "size", "weight", "score", "probability", "count")


def _view_problems(step: Step, view: ViewState, model: str | None) -> list[str]:
    """Claims on the view's model and sentence that speak of a step the view does not show."""
    if model is None or not view.sentence:
        return []
    lab_step = step.page == "lab" and step.view.get("view", "step") == "step" and "sentence" in step.view
    if step.page != "decode" and not lab_step:
        return []
    said = []
    mine = [c for c in step.claims if c.model == model and c.sentence]
    # the Lab's step view explains one step of one sentence: its claims on the view's model speak of it (on Decode,
    # a step may speak of other sentences of the model)
    if lab_step and mine and not any(c.sentence == view.sentence for c in mine):
        said.append(
            f"the view opens {view.sentence!r}, but the step's claims on {model} speak of "
            f"{sorted({c.sentence for c in mine})}: a moved view?"
        )
    on_view = [c for c in mine if c.sentence == view.sentence and c.kind in STEP_KINDS and c.step >= 0]
    for claim in on_view:
        if lab_step and claim.step != view.step - 1:
            said.append(
                f"a {claim.kind} claim speaks of output position {claim.step}, but the Lab's view shows step "
                f"{view.step} (position {view.step - 1}): a moved view?"
            )
    question = step.question
    if step.page == "decode" and question is not None and question.kind == "attention":
        # the answer's claim, where the author bound it: a peaks claim on the view's own decode (no model); one
        # must be on the row the question asks about
        bound = [c for c in step.claims if c.kind == "peaks" and not c.model]
        asked = [c for c in bound if view.step in c.steps]
        if bound and not asked:
            said.append(
                f"the attention question asks about row {view.step} of {view.sentence!r}; no peaks claim on that "
                "row backs the answer its explanation gives"
            )
    return said


def _key_problems(step: Step) -> list[str]:
    """A choice question with a computed key: the right option's claim holds the largest (smallest) number of
    the options', by bounds that leave no overlap, so that marking another option right fails."""
    question = step.question
    if question is None or not question.key:
        return []
    claims = {c.name: c for c in step.claims if c.name}
    said = [
        f"option {o.text!r} names no claim of its step ({o.claim!r})"
        for o in question.options
        if o.claim and o.claim not in claims
    ]
    right = [o for o in question.options if o.correct]
    if len(right) != 1 or not right[0].claim or right[0].claim not in claims:
        return [*said, f"a question keyed {question.key!r} has one right option, and it names a claim of its step"]
    if question.key == "holds":  # measured by the checker: the right option's claim holds, the others' fail
        named = [o for o in question.options if not o.correct and o.claim in claims]
        if not named:
            said.append("a question keyed 'holds' names a claim for a wrong option too (the one that must fail)")
        return said
    mine = claims[right[0].claim]
    for other in question.options:
        if other.correct or not other.claim or other.claim not in claims:
            continue
        theirs = claims[other.claim]
        apart = mine.at_least > theirs.at_most if question.key == "largest" else mine.at_most < theirs.at_least
        if not apart:
            said.append(
                f"the right option {right[0].text!r} is keyed the {question.key} of the options, but the bounds of "
                f"{{{mine.name}}} ({mine.at_least:g}–{mine.at_most:g}) do not set it apart from {other.text!r}'s "
                f"{{{theirs.name}}} ({theirs.at_least:g}–{theirs.at_most:g}): a wrong key?"
            )
    return said


def _unkeyed_problems(step: Step) -> list[str]:
    """A choice question whose options name a token of the view's decode ({view.token}, {view.output}, …): which
    one is right depends on the model, so the key is computed (`key` and a claim for each option), never typed."""
    from explorer.lessons.tokens import is_token_placeholder

    question = step.question
    if question is None or question.kind != "choice" or question.key:
        return []
    texts = [t for o in question.options for t in (o.text, *(v for k, v in o.translated if k.startswith("text_")))]
    named = [m.group(0) for t in texts for m in PLACEHOLDER.finditer(t) if is_token_placeholder(m.group(1))]
    if not named:
        return []
    return [
        f"an option names {named[0]}, a token of the view's decode: which option is right depends on the model, so "
        'compute the key (key = "holds", "largest" or "smallest", and each option\'s claim) instead of typing it'
    ]


def _fields(step: Step) -> list[tuple[str, str, str, dict[str, str]]]:
    """(label, field name, English, translations) of every text of the step a class or teacher reads: its text and
    teacher notes, its question's prompt and explanation, each option's text and explanation."""
    found = [
        ("text", "text", step.text, dict(step.translated)),
        ("teacher", "teacher", step.teacher, dict(step.translated)),
    ]
    question = step.question
    if question is not None:
        mine = dict(question.translated)
        found += [("prompt", "prompt", question.prompt, mine), ("explain", "explain", question.explain, mine)]
        for n, option in enumerate(question.options, 1):
            mine = dict(option.translated)
            if option.correct:  # a wrong option says what is not so, on purpose: its explanation says what is
                found.append((f"option {n} text", "text", option.text, mine))
            found.append((f"option {n} explain", "explain", option.explain, mine))
    return found


def problems(lesson: Lesson, number: int, step: Step, view: ViewState, model: str | None) -> list[Problem]:
    """Step `number`'s quantity words, code-span numbers and view anchors (module docstring)."""
    said: list[str] = []
    known = constants()
    for label, name, english, translated in _fields(step):
        problems_en, shares_en = _shares(step, english or "", "en")
        said += [f"{label}: {p}" for p in problems_en]
        for lang in ("zh",):
            text = translated.get(f"{name}_{lang}")
            if text is None:
                continue
            problems_zh, shares_zh = _shares(step, text, lang)
            said += [f"{label}_{lang}: {p}" for p in problems_zh]
            if shares_zh != shares_en:
                said.append(
                    f"{label}_{lang} says the shares {sorted(shares_zh)} in words, its English {sorted(shares_en)}"
                )
            amounts = [
                Counter((d, round(v, 3)) for _at, _w, d, v in quantities(t, k, amounts=True))
                for t, k in ((english or "", "en"), (text, lang))
            ]
            if amounts[0] != amounts[1]:
                said.append(
                    f"{label}_{lang} says the amounts {sorted(amounts[1].elements())} in words, its English "
                    f"{sorted(amounts[0].elements())} (more than / fewer than a fraction, in both languages alike)"
                )
        for lang, text in [("en", english or ""), *((k, v) for k, v in translated.items() if k == f"{name}_zh")]:
            for written in _code_numbers(text):
                value = float(written.replace("−", "-"))
                if not any(abs(value - c) < 1e-9 for c in known):
                    where = label if lang == "en" else f"{label}_zh"
                    said.append(
                        f"{where}: `{written}` in a code span is none of the app's constants "
                        f"({', '.join(sorted({f'{c:g}' for c in known}))}): write a measured number as a placeholder"
                    )
    said += _view_problems(step, view, model)
    said += _key_problems(step)
    said += _unkeyed_problems(step)
    return [Problem(lesson.path, step.line, f"step {number}: {message}") for message in said]
