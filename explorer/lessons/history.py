"""Outputs of the Timelapse's record a lesson's texts name: placeholders of the step's history claims, never typed in.

A `history` claim (model, epoch, sentence, expect) holds when the model's training record (its probes.json,
what the **Timelapse** page plays back: explorer.views.timelapse.model_history) has `expect` as its output
for the probe `sentence` after `epoch`. A text that says what a model wrote at an epoch names the claim:

- ``{name.output}``: the output the record holds for the claim's model, epoch and sentence (the value the
  checker compares with `expect`), whether the claim holds or not, so that a claim moved to another epoch
  under unchanged words shows that epoch's output (or fails, when its `expect` is not it);
- ``{name.expect}``: the claim's `expect`, for a wrong option's claim only (a question keyed "holds", whose
  wrong options' claims must fail): the output a student might wrongly expect, which the model does not write
  (step 1 of lesson 6: "`dlrow olleh`, but with blurry attention" at epoch 0). Any other claim's expect is
  its output, named ``{name.output}``.

Each is written as a code span, as a token of the view is (explorer.lessons.syntax.Token), in every
language (explorer.lessons.texts: the Chinese text carries the same placeholders as the English); the player
and the checker fill it with the same `values`. `problems` refuses, on any step, a history output typed as
text: a code span, a bold, an italic or a quotation (explorer.lessons.tokens.NAMED) that is the recorded
output or the `expect` of one of the step's history claims, and the same typed in plain prose (an output of
at least MIN_PROSE characters, not inside a longer word); a claim's probe sentence is not an output
(``{view.sentence}`` and explorer.lessons.tokens hold the view's). It also refuses ``{name.expect}`` on a
claim that is not a wrong option's.

An `output` claim (a model's decode of a sentence, with its strategy and settings) names what the model writes
the same way: ``{name.expect}`` is its `expect`, which the checker holds the model to write (or, for a wrong
option's claim, not to write), so a text that quotes a decoded output as a code span, a bold, an italic or a
quotation writes it as the claim's placeholder, never typed in (`problems`: the same named spans are refused;
plain prose is not read here, as for the view's tokens). Its output is no number of the record, so
``{name.output}`` is a history claim's only.
"""

from __future__ import annotations

from explorer.lessons.schema import Claim, Lesson, Problem, Step
from explorer.lessons.syntax import CODE, PLACEHOLDER, Token
from explorer.lessons.tokens import NAMED, step_texts

HISTORY = "history"
DECODED = "output"  # an output claim: {name.expect} is what the checker holds the model to write
OUTPUTS = ("output", "expect")  # {name.output}, {name.expect}
MIN_PROSE = 4  # an output this long typed in plain prose is refused (a shorter one may be an ordinary word)


def recorded(claim: Claim) -> str | None:
    """The output the model's training record holds for the claim's probe after its epoch (None: no such record)."""
    from explorer.views import timelapse

    record = next((r for r in timelapse.model_history(claim.model) if r.get("epoch") == claim.epoch), None)
    probe = timelapse.probe_for(record, claim.sentence)
    output = probe.get("output") if probe is not None else None
    return output if isinstance(output, str) else None


def values(claims) -> dict[str, Token]:
    """{name.output} and {name.expect} of each named history claim (an output the record lacks left out: the
    checker says why)."""
    found: dict[str, Token] = {}
    for claim in claims:
        if claim.name and claim.kind == DECODED:
            found[f"{claim.name}.expect"] = Token(claim.expect)
        if not claim.name or claim.kind != HISTORY:
            continue
        found[f"{claim.name}.expect"] = Token(claim.expect)
        output = recorded(claim)
        if output is not None:
            found[f"{claim.name}.output"] = Token(output)
    return found


def form_problem(placeholder: str, key: str, spec: str | None, kind: str) -> str | None:
    """What is wrong with {name.output} / {name.expect} on a claim of `kind` (None: nothing)."""
    if kind == DECODED and key.endswith(".output"):
        return (
            f"{placeholder}: an output claim's output is the `expect` the checker holds the model to: write "
            f"{{{key.split('.')[0]}.expect}}"
        )
    if kind not in (HISTORY, DECODED):
        return (
            f"{placeholder}: a {kind} claim records no output: {{name.output}} and {{name.expect}} name a history "
            "claim's (the Timelapse's record), {name.expect} an output claim's; a token of the view's decode is "
            "{view.output}, {view.token}, …"
        )
    if spec is not None:
        return f"{placeholder}: an output is written as it is, without a format"
    return None


def wrong_options(step: Step) -> set[str]:
    """The claims of a question keyed "holds" that its wrong options name (the checker holds them to fail)."""
    question = step.question
    if question is None or question.key != "holds":
        return set()
    return {o.claim for o in question.options if not o.correct and o.claim}


def _cjk(char: str) -> bool:
    """A character of Chinese or Japanese script (or their punctuation): it does not run on a Latin word."""
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def _in_prose(text: str, value: str) -> bool:
    """Whether `value` is typed in `text` as a whole (not inside a longer word of the same script)."""
    start = text.find(value)
    while start >= 0:
        before = text[start - 1] if start > 0 else " "
        after = text[start + len(value)] if start + len(value) < len(text) else " "
        edges = (before, value[0]), (after, value[-1])
        if not any(c.isalnum() and e.isalnum() and not _cjk(c) for c, e in edges):
            return True
        start = text.find(value, start + 1)
    return False


def problems(lesson: Lesson, number: int, step: Step) -> list[Problem]:
    """A history output or an output claim's output typed into the step's texts, and {name.expect} on a history
    claim that is no wrong option's."""
    said = _decoded_problems(step)
    history = [c for c in step.claims if c.kind == HISTORY]
    if not history:
        return [Problem(lesson.path, step.line, f"step {number}: {m}") for m in dict.fromkeys(said)]
    sentences = {c.sentence.strip() for c in history}
    # value -> the placeholders that name it (named claims'; none when only unnamed claims record it)
    outputs: dict[str, list[str]] = {}
    wrong = wrong_options(step)
    records = [recorded(claim) for claim in history]
    by_name = {claim.name: output for claim, output in zip(history, records, strict=True) if claim.name}
    for claim, output in zip(history, records, strict=True):
        for value, tail in ((output, "output"), (claim.expect, "expect" if claim.name in wrong else "output")):
            value = (value or "").strip()
            if value and value not in sentences:
                names = outputs.setdefault(value, [])
                if claim.name and f"{{{claim.name}.{tail}}}" not in names:
                    names.append(f"{{{claim.name}.{tail}}}")
    for where, text in step_texts(step):
        for match in PLACEHOLDER.finditer(CODE.sub(lambda m: " " * len(m.group(0)), text)):
            head, _dot, tail = match.group(1).partition(".")
            claim = next((c for c in history if c.name == head), None)
            if claim is None or tail not in OUTPUTS:
                continue
            if tail == "expect" and head not in wrong:
                said.append(
                    f"{where}: {match.group(0)}: a claim's expect is shown only for a wrong option's claim (the "
                    f"output the model does not write); what the model writes is {{{head}.output}}"
                )
            elif tail == "output" and by_name[head] is None:
                said.append(
                    f"{where}: {match.group(0)}: {claim.model}'s training record has no output for "
                    f"{claim.sentence!r} after epoch {claim.epoch}"
                )
        unplaced = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)
        typed: dict[str, str] = {}
        for match in NAMED.finditer(unplaced):
            content = next(g for g in match.groups() if g is not None).strip()
            if content in outputs:
                typed.setdefault(content, match.group(0))
        for value in outputs:
            if value not in typed and len(value) >= MIN_PROSE and _in_prose(unplaced, value):
                typed[value] = value
        for value, shown in typed.items():
            name = " or ".join(outputs[value]) or "{<name>.output}, naming the history claim that records it"
            said.append(
                f"{where}: {shown} is a history output typed as text: write it as {name}, so that it follows "
                "the Timelapse's record and its claim"
            )
    return [Problem(lesson.path, step.line, f"step {number}: {m}") for m in dict.fromkeys(said)]


def _decoded_problems(step: Step) -> list[str]:
    """An output claim's `expect` typed as a named span (code, bold, italic, quotation) in the step's texts."""
    decoded = [c for c in step.claims if c.kind == DECODED and len(c.expect.strip()) >= MIN_PROSE]
    sentences = {c.sentence.strip() for c in step.claims if c.sentence}
    outputs: dict[str, list[str]] = {}
    for claim in decoded:
        value = claim.expect.strip()
        if value not in sentences:
            outputs.setdefault(value, []).extend([f"{{{claim.name}.expect}}"] if claim.name else [])
    said = []
    for where, text in step_texts(step):
        unplaced = PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), text)
        for match in NAMED.finditer(unplaced):
            content = next(g for g in match.groups() if g is not None).strip()
            if content in outputs:
                name = " or ".join(dict.fromkeys(outputs[content])) or "{<name>.expect}, naming the output claim"
                said.append(
                    f"{where}: {match.group(0)} is an output claim's output typed as text: write it as {name}, so "
                    "that it is what the checker holds the model to"
                )
    return said
