"""Tokens a lesson's texts name: placeholders filled from the step's view's own decode, never typed in.

A step whose page shows one decode of its view (Decode, Hidden states, the Lab's step view) names a token
of that decode as a placeholder, so that a view moved to another step or sentence changes the text with it
(or fails the check), and the Chinese text carries the same placeholders as the English (explorer.lessons.texts):

- ``{view.token}``: the output token of the row the view is at: on Decode and Hidden states row view.step,
  the next token (the one an attention question asks about); on the Lab's step view output position
  view.step − 1, the step it explains (the Lab numbers its steps from 1);
- ``{view.attended}``: the source token that row attends to most (its largest weight);
- ``{view.source.N}``, ``{view.output.N}``: source token N, output token N (from 0), the end mark </s> counted;
- ``{view.sentence}``: the view's source sentence; ``{view.output}``: its whole output as the model writes it;
- on Compare, which shows every scorer's own greedy decode of the view's sentence (`compared`):
  ``{view.<scorer>.output}``, ``{view.<scorer>.output.N}``, ``{view.<scorer>.source.N}`` and
  ``{view.<scorer>.attended.N}`` (the source token that scorer's row N attends to most).

Each is written as a code span (a token is shown as written, never read as Markdown or HTML), the word mark ▁
of a SentencePiece piece left out; after ``:piece`` (``{view.output.0:piece}``) the piece as the heatmap writes
it, ▁ kept. `problems` refuses a token placeholder the view cannot fill (no decode, a
row or position past its end) and a token of the view's decode typed as text: a code span, a **bold**, an
*italic* or a quoted span ("…", “…”, ‘…’, «…», 「…」) that is the view's sentence or output, or one or more
tokens of its source or output; on Compare, of any scorer's decode (Timelapse, whose view holds no epoch, is
held only to its sentence, its models' recorded outputs to the step's history claims: explorer.lessons.history;
a token in plain prose, outside such a span, is not read, but a SentencePiece piece with its word mark ▁
typed in prose is refused on any page: no word starts with ▁). On Decode and Hidden states it also refuses a
view step past the end of its decode, an option quoting the whole output while the view shows part of it, and a
question not tied to the row it asks about (`question_bound`): a view moved later fails.
"""

from __future__ import annotations

import re

from explorer.lessons.schema import Lesson, Problem, Step
from explorer.lessons.syntax import CODE, PIECE, PLACEHOLDER, Token
from explorer.state.view import ViewState

VIEW_TOKENS = ("token", "attended", "sentence", "output")  # {view.<name>}
INDEXED = re.compile(r"^(source|output)\.(\d{1,4})$")  # {view.source.N}, {view.output.N}
# On Compare, one scorer's own decode: {view.<scorer>.output}, {view.<scorer>.output.N}, {view.<scorer>.source.N},
# {view.<scorer>.attended.N} (the source token its row N attends to most).
SCORER_TOKEN = re.compile(r"^([a-z][a-z0-9_]*)\.(output|(?:output|source|attended)\.\d{1,4})$")
END = "</s>"
# The pages that show one decode of the step's view: its tokens are the ones the text may name.
DECODE_PAGES = ("decode", "states")
COMPARE = "compare"  # the page that shows every scorer's own decode of the view's sentence
# A span of text that names something as written: a code span, a bold or an italic, a quotation.
NAMED = re.compile(
    r"`+([^`]+?)`+|(?<![*\w])\*\*(?!\*)([^*\n]+?)\*\*(?![*\w])|(?<![*\w])\*(?!\*)([^*\n]+?)\*(?![*\w])|\"([^\"\n]+)\"|“([^”]+)”|‘([^’]+)’|«\s*([^»]+?)\s*»|「([^」]+)」"
)


def is_token_placeholder(key: str) -> bool:
    """Whether `key` ("view.token", "view.source.3") names a token of the view's decode."""
    head, _dot, tail = key.partition(".")
    return head == "view" and (tail in VIEW_TOKENS or INDEXED.match(tail) is not None or scorer_token(tail))


def scorer_token(tail: str) -> bool:
    """Whether `tail` ("dot.output.3") names a token of one scorer's decode on Compare."""
    match = SCORER_TOKEN.match(tail)
    return match is not None and match.group(1) not in (*VIEW_TOKENS, "source", "output")


def shows_decode(step: Step) -> bool:
    """Whether the step's page shows one decode of its view (its tokens are the ones its text may name)."""
    return step.page in DECODE_PAGES or (step.page == "lab" and step.view.get("view") == "step")


def row(step: Step, view: ViewState) -> int:
    """The output position the step's view is at: view.step on Decode (the next row), view.step − 1 on the Lab."""
    return view.step - 1 if step.page == "lab" else view.step


def bare(token: str) -> str:
    """A piece as a word: SentencePiece's word mark ▁ left out."""
    return token.lstrip("▁")


def view_tokens(trace, at: int) -> dict[str, Token]:
    """Every token placeholder's value on `trace` (a decode of the view), its row at output position `at`."""
    found = {"view.sentence": Token(trace.source_text), "view.output": Token(trace.output)}
    for i, token in enumerate(trace.source_tokens):
        found[f"view.source.{i}"] = Token(bare(token), token)
    for i, token in enumerate(trace.target_tokens):
        found[f"view.output.{i}"] = Token(bare(token), token)
    if 0 <= at < len(trace.target_tokens):
        found["view.token"] = found[f"view.output.{at}"]
        if trace.attention is not None and at < len(trace.attention):
            weights = list(trace.attention[at])
            found["view.attended"] = found[f"view.source.{max(range(len(weights)), key=weights.__getitem__)}"]
    return found


def scorer_tokens(scorer: str, trace) -> dict[str, Token]:
    """One scorer's tokens on Compare ({view.<scorer>.…}), from its own decode `trace` of the view's sentence."""
    found = {f"view.{scorer}.{k[5:]}": v for k, v in view_tokens(trace, -1).items() if k != "view.sentence"}
    for at, weights in enumerate(trace.attention if trace.attention is not None else ()):
        weights = list(weights)
        attended = max(range(len(weights)), key=weights.__getitem__)
        found[f"view.{scorer}.attended.{at}"] = found[f"view.{scorer}.source.{attended}"]
    return found


def compared(view: ViewState, translator_for) -> dict[str, Token]:
    """Every scorer's tokens on Compare: the view's sentence through each scorer of its task, each with its
    default model and its own greedy decode (the outputs the page's table shows; a scorer that refuses the
    sentence, as location does a length it was not trained on, is left out)."""
    from explorer.state import catalog
    from explorer.views.decode import decode

    found = {"view.sentence": Token(view.sentence)}
    for scorer in catalog.available().get(view.task, ()):
        entry = catalog.model_for(view.task, scorer)
        try:
            trace = decode(translator_for(entry.name), ViewState(view.task, scorer, view.sentence), "")
        except Exception:  # a model missing or an input it refuses: not on the page either
            continue
        found.update(scorer_tokens(scorer, trace))
    return found


def decoded(step: Step, view: ViewState | None, translator_for) -> dict[str, Token]:
    """The token placeholders of `step` filled from its view's decode, or on Compare from each scorer's
    ({} when its page shows none)."""
    from explorer.lessons.measure import model_name
    from explorer.views.decode import decode

    if view is None or not view.sentence:
        return {}
    if step.page == COMPARE:
        return compared(view, translator_for)
    sentence = {"view.sentence": Token(view.sentence)}  # every page with a sentence shows it
    name = model_name(view)
    if name is None or not shows_decode(step):
        return sentence
    try:
        trace = decode(translator_for(name), view, view.reference)
    except Exception:  # a model missing or an input it refuses: the checker says why
        return sentence
    return view_tokens(trace, row(step, view))


def step_texts(step: Step):
    """(where, text) of every text of the step, in every language (its title, text and teacher notes, its
    question's prompt and explanation, each option's text and explanation)."""
    parts = [("", step, ("title", "text", "teacher"))]
    if step.question is not None:
        parts.append(("question's ", step.question, ("prompt", "explain")))
        parts += [(f"option {k}'s ", o, ("text", "explain")) for k, o in enumerate(step.question.options, start=1)]
    for where, part, names in parts:
        for name in names:
            yield f"{where}{name}", getattr(part, name) or ""
        for key, text in part.translated:
            yield f"{where}{key}", text


def literal(content: str, trace_tokens: tuple[set[str], set[str]], whole: set[str]) -> bool:
    """Whether a named span's `content` is the view's sentence or output, or tokens of its decode."""
    content = content.strip()
    if content in whole:
        return True
    parts = [bare(p) for p in content.replace("…", " ").split()]  # `▁J`: the piece J, its word mark shown
    source, output = trace_tokens
    return bool(parts) and all(p in source or p in output for p in parts)


ROW_TOKENS = ("{view.token}", "{view.attended}")  # placeholders that follow the row the view is at
# The claims that speak of one row of a decode (its step, a peaks claim's steps).
ROW_KINDS = ("peaks", "weight", "score", "probability", "attends", "importance", "tau", "size")


def question_bound(step: Step, view: ViewState, values: dict[str, Token]) -> bool:
    """Whether the question of a step that shows its view's decode is tied to the row the view is at, so that a
    view moved to another step changes its words or fails.

    An attention question's answer is the model's own argmax at row view.step; its explanation is tied when it
    names that answer as {view.attended}, or when a peaks claim on the view's own decode (no model) is on that
    row (a moved view leaves it on another row). One without an explanation says nothing to tie. A choice
    question is tied when its texts name {view.token} or {view.attended}, when a claim on the view's decode
    (one without a model, or on the view's model and sentence) speaks of its row view.step − 1 (the last one
    written) or view.step, or when the view is at the end of its decode (every token but the end mark shown)."""
    from explorer.lessons.measure import model_name

    question = step.question
    texts = [question.prompt, question.explain, *(t for _k, t in question.translated)]
    for option in question.options:
        texts += [option.text, option.explain, *(t for _k, t in option.translated)]
    if question.kind == "attention":
        explains = [question.explain, *(t for k, t in question.translated if k.startswith("explain"))]
        if not any(explains) or any("{view.attended}" in t for t in explains):
            return True
        return any(c.kind == "peaks" and not c.model and view.step in c.steps for c in step.claims)
    if any(token in text for text in texts for token in ROW_TOKENS):
        return True
    written = [k for k, v in values.items() if k.startswith("view.output.") and v.text != END]
    if view.step >= len(written):
        return True
    name, rows = model_name(view), []
    for claim in step.claims:
        on_view = not claim.model or (claim.model == name and claim.sentence == view.sentence)
        if on_view and claim.kind in ROW_KINDS:
            rows += claim.steps if claim.kind == "peaks" else [claim.step]
    return bool({view.step - 1, view.step} & set(rows))


# A word piece with SentencePiece's word mark, typed outside a code span: always a token (no word starts with ▁).
PIECE_IN_PROSE = re.compile(r"▁[^\s,.;:!?()（），。；：、]+")
# The values of one decode's whole output, source tokens and output tokens: the view's, or a scorer's on Compare.
WHOLE_OUTPUT = re.compile(r"^view\.(?:\w+\.)?output$")
SOURCE_TOKEN = re.compile(r"^view\.(?:\w+\.)?source\.\d+$")
OUTPUT_TOKEN = re.compile(r"^view\.(?:\w+\.)?output\.\d+$")


def _unfilled(step: Step, key: str, values: dict[str, Token]) -> str:
    """Why the step's view cannot fill the token placeholder `key`."""
    per_scorer = scorer_token(key.partition(".")[2])
    if per_scorer and step.page != COMPARE:
        return "a scorer's token is one of Compare's decodes ({view.<scorer>.…} on Compare only)"
    if step.page == COMPARE:
        if not per_scorer:
            return "Compare shows each scorer's decode, not one of the view: name it {view.<scorer>.output}, …"
        scorers = sorted({k.split(".")[1] for k in values if WHOLE_OUTPUT.match(k) and k != "view.output"})
        return f"Compare's decodes have no such token (its scorers: {', '.join(scorers) or 'none'})"
    if "view.output" not in values:
        return "the step's view shows no decode of its view (Decode, Hidden states, the Lab's step view)"
    return "the step's view has no such token (Decode, Hidden states, the Lab's step view)"


def problems(lesson: Lesson, number: int, step: Step, view: ViewState | None, translator_for) -> list[Problem]:
    """Token placeholders the view cannot fill, tokens of its decode typed into the step's texts, and a
    question on a decode that is not tied to the row the view is at."""
    values = decoded(step, view, translator_for)
    said: list[str] = []
    if view is not None and step.page in DECODE_PAGES and "view.output" in values:
        tokens = sum(k.startswith("view.output.") for k in values)
        if view.step > tokens:  # the page shows the same as at its end: a view moved past it
            said.append(
                f"the view's step {view.step} is past the end of its decode ({tokens} tokens, the end mark counted)"
            )
    if step.question is not None and view is not None and step.page in DECODE_PAGES and "view.output" in values:
        written = sum(k.startswith("view.output.") and v.text != END for k, v in values.items())
        options = [
            t for o in step.question.options for t in (o.text, *(v for k, v in o.translated if k[:5] == "text_"))
        ]
        if 0 < view.step < written and any("{view.output}" in t for t in options):
            said.append(
                f"an option quotes the whole output {{view.output}}, but the view shows {view.step} of its {written} "
                "tokens (the answer half shown): a moved view?"
            )
        if not question_bound(step, view, values):
            said.append(
                f"the question on row {view.step} of {view.sentence!r} is not tied to the view: no claim on the view's "
                "decode is on the row it asks about (an attention question's peaks claim without a model on "
                "view.step, a choice question's claim on view.step − 1 or view.step) and its texts do not name it "
                "({view.attended} in an attention question's explanation, {view.token} or {view.attended} in a "
                "choice question's): a moved view?"
            )
    for where, text in step_texts(step):
        for match in PLACEHOLDER.finditer(CODE.sub(lambda m: " " * len(m.group(0)), text)):
            key = match.group(1)
            if not is_token_placeholder(key):
                continue
            if match.group(2) not in (None, PIECE):
                said.append(
                    f"{where}: {match.group(0)}: a token is written as it is, or as the page's piece with :{PIECE}"
                )
            elif key not in values:
                said.append(f"{where}: {match.group(0)}: {_unfilled(step, key, values)}")
    if view is None or not view.sentence:
        return [Problem(lesson.path, step.line, f"step {number}: {m}") for m in said]
    whole = {view.sentence.strip()} | {v.text.strip() for k, v in values.items() if WHOLE_OUTPUT.match(k)}
    tokens = (
        {v.text for k, v in values.items() if SOURCE_TOKEN.match(k) and v.text != END},
        {v.text for k, v in values.items() if OUTPUT_TOKEN.match(k) and v.text != END},
    )
    whole.discard("")
    forms = (
        "{view.<scorer>.output}, {view.<scorer>.output.N}, {view.<scorer>.source.N}, {view.<scorer>.attended.N}, "
        "{view.sentence}"
        if step.page == COMPARE
        else "{view.token}, {view.attended}, {view.source.N}, {view.output.N}, {view.sentence}, {view.output}"
    )
    for where, text in step_texts(step):
        prose = PLACEHOLDER.sub(" ", CODE.sub(" ", text))
        for piece in dict.fromkeys(PIECE_IN_PROSE.findall(prose)):
            said.append(
                f"{where}: {piece} is a SentencePiece piece typed in prose: write it as a placeholder "
                f"({{view.output.N:{PIECE}}}, …) where it is a token of the view's decode, else in a code span"
            )
        for match in NAMED.finditer(text):
            content = next(g for g in match.groups() if g is not None)
            if literal(content, tokens, whole):
                said.append(
                    f"{where}: {match.group(0)} names the view's decode as typed text: write it as a placeholder "
                    f"({forms}), so that it follows the view"
                )
    return [Problem(lesson.path, step.line, f"step {number}: {m}") for m in dict.fromkeys(said)]
