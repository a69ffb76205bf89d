"""Guided lessons as data: TOML files of steps, each a text, a view in share-link terms and an optional question.

A lesson file (``lessons/*.toml``, and any folder named by $ATTENTION_EXPLORER_LESSONS) reads::

    title = "Why attention?"
    audience = "Students who know what an RNN is"
    minutes = 15
    summary = "One line the lesson list shows."

    [[steps]]
    title = "A short string"
    text = "Markdown shown to everyone."
    page = "decode"                                   # decode, compare, states, beam, models, train, timelapse
    view = { task = "reverse", scorer = "none", sentence = "hello", step = "3" }   # share-link parameters
    teacher = "Notes only the teacher's copy shows."  # optional

    [steps.question]                                  # optional: answered before Next
    kind = "choice"
    prompt = "What will the model write next?"
    options = [
      { text = "o", correct = true, explain = "Why o is right." },
      { text = "l", explain = "Why l is not." },
    ]
    # or: kind = "attention" and a prompt: the student clicks the source token the next output token
    # attends to most; the right answer is the model's own argmax, computed when the step is shown.

    [[steps.claims]]                                  # optional: what the text says the model does
    kind = "output"                                   # or another kind (CLAIM_KINDS, docs/lessons.md)
    model = "reverse/dot"
    sentence = "hello"
    expect = "olleh"

Every text field a reader sees (the lesson's title, audience and summary; a step's title, text and
teacher; a question's prompt and explain; an option's text and explain) may have a sibling per
language of the interface, the language code appended: ``text_zh = "…"`` beside ``text = "…"``
(`TEXT_FIELDS`). The player shows the current language's sibling when there is one, else the
English field (`Translated.local`).

Nothing in a lesson is executed or rendered as HTML: texts are Markdown (Streamlit escapes HTML in
it), a view is validated exactly as a share link is, and models are only looked up by name.
`python -m explorer.lessons check FILE…` reports every problem with its file and line.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from explorer import i18n
from explorer.i18n import _
from explorer.state.view import LINK_NUMBERS, MAX_SENTENCE_CHARS
from seq2seq.cli import MAX_BEAM
from seq2seq.config import MAX_SEED
from seq2seq.decoding import MAX_OUTPUT_TOKENS, MAX_TEMPERATURE, MIN_TEMPERATURE

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_DIR = ROOT / "lessons"
LESSONS_ENV = "ATTENTION_EXPLORER_LESSONS"  # more folders of lesson files, separated by os.pathsep
MAX_FILE_BYTES = 256 * 1024  # a lesson is text: a larger file is refused unread
WHOLE_FILE = 1  # the line of a problem with the file as a whole (its name, size, kind, or a parser's failure)
SHOWN_CHARS = 40  # of a value a problem repeats
MAX_STEPS = 60
PAGES = {  # a step's page -> the page script it opens
    "decode": "pages/1_Decode.py",
    "compare": "pages/2_Compare.py",
    "states": "pages/3_Hidden_states.py",
    "beam": "pages/4_Beam_search.py",
    "models": "pages/5_Models.py",
    "train": "pages/6_Train.py",
    "timelapse": "pages/7_Timelapse.py",
    "lab": "pages/9_Lab.py",
}
CLAIM_KINDS = (
    *("output", "not_output", "attends", "accuracy", "metric", "history", "lab", "importance", "tau"),
    *("peaks", "weight", "score", "probability", "hypothesis", "config"),
)
# The kinds that may leave out `model`: they then speak of the step's own view (its model, sentence and
# decoding), the numbers the page shows (explorer.lessons.values.resolve).
VIEW_CLAIM_KINDS = ("peaks", "weight", "score", "probability", "hypothesis")
# A lab claim's experiments: the stored results of scripts/lab_results.py (seq2seq.lab.results).
LAB_EXPERIMENTS = ("agreement", "permutation", "uniform", "length", "table")
# An importance claim's methods and a tau claim's pairs "a~b" (seq2seq.lab.agreement, named here without Captum).
IMPORTANCES = ("grad_x_input", "integrated_gradients", "leave_one_out")
TAU_PAIRS = tuple(
    f"{a}~{b}" for i, a in enumerate(("attention", *IMPORTANCES)) for b in ("attention", *IMPORTANCES)[i + 1 :]
)
QUESTION_KINDS = ("choice", "attention")
LESSON_KEYS = {"title", "audience", "minutes", "summary", "steps"}
STEP_KEYS = {"title", "text", "page", "view", "teacher", "question", "claims", "figure"}
FIGURE_KINDS = ("accuracy_by_length",)
FIGURE_KEYS = {"kind", "task", "scorers"}
QUESTION_KEYS = {"kind", "prompt", "options", "explain"}
OPTION_KEYS = {"text", "correct", "explain"}
CLAIM_KEYS = {
    *("kind", "model", "sentence", "expect", "step", "token", "position", "min_len", "max_len", "at_least", "at_most"),
    *("strategy", "beam", "temperature", "seed", "prefix", "metric", "epoch", "experiment", "statistic", "method"),
    *("name", "steps", "tokens", "positions", "setting"),
}
CLAIM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # a claim's name, as a placeholder {name} says it
CLAIM_STRATEGIES = ("greedy", "beam", "sample")
# Every number a claim may hold, (lowest, highest or None): the command line's bounds on the same
# setting (`python -m seq2seq decode --beam/--seed/--temperature/--max-len`), so no claim makes the
# checker decode wider, longer or otherwise than a user of the command line can.
CLAIM_NUMBERS: dict[str, tuple[float, float | None]] = {
    "beam": (1, MAX_BEAM),
    "seed": (0, MAX_SEED),
    "temperature": (MIN_TEMPERATURE, MAX_TEMPERATURE),
    "step": (0, MAX_OUTPUT_TOKENS - 1),  # an output position: no decode is longer
    "position": (0, MAX_SENTENCE_CHARS),  # a source position: no source a link opens is longer
    "min_len": (0, MAX_SENTENCE_CHARS),
    "max_len": (0, MAX_SENTENCE_CHARS),
    "epoch": (0, None),  # train --epochs: any count
}
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")  # a lesson's id: its file name without .toml
# The languages a text field may have a sibling for (`text_zh`): every interface language but English.
TRANSLATED_LANGUAGES = tuple(lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE)
# The text fields of each table: the ones a reader sees, which may have a `<field>_<lang>` sibling.
TEXT_FIELDS = {
    "lesson": ("title", "audience", "summary"),
    "step": ("title", "text", "teacher"),
    "question": ("prompt", "explain"),
    "option": ("text", "explain"),
    "figure": (),
    "claim": (),
}


def sibling(name: str, lang: str) -> str:
    """The key of `name`'s translation into `lang`: ("text", "zh") -> "text_zh"."""
    return f"{name}_{lang}"


class Translated:
    """A part of a lesson with text fields and their translations (`translated`: (key, text) pairs such
    as ("text_zh", "…"))."""

    translated: tuple[tuple[str, str], ...]

    def local(self, name: str, lang: str | None = None) -> str:
        """Field `name` in `lang` (the current language by default): its sibling when the file has one,
        else the English field."""
        lang = lang or i18n.current()
        if lang != i18n.SOURCE:
            for key, value in self.translated:
                if key == sibling(name, lang):
                    return value
        return getattr(self, name)


@dataclass(frozen=True)
class Option(Translated):
    text: str
    correct: bool
    explain: str
    translated: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Question(Translated):
    """A multiple-choice question, or "attention": click the source token the next token attends to most."""

    kind: str
    prompt: str
    options: tuple[Option, ...] = ()
    explain: str = ""  # attention questions: said after the answer, beside the model's own row
    translated: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Claim:
    """Something a step's text says a model does, checked against the model (explorer.lessons.check).

    output / not_output: the output of `sentence` is (is not) `expect`, decoded by `strategy` (greedy;
    beam with width `beam`; sample with `temperature` and `seed`), after forcing the target pieces of
    `prefix` first (the Decode page's what-if). attends: in that decode, the source token with the most
    weight at output position `step` (0-based) is `token`, or is at source position `position`.
    accuracy: exact match over the task's test examples whose source has min_len..max_len characters is
    within at_least..at_most (0–1). metric: the model card's test `metric` (as the Models page shows it,
    e.g. bleu_beam5) is within at_least..at_most. history: after `epoch`, the model's probes.json records
    `expect` as its output for the probe `sentence` (the Timelapse page's record). lab: in the stored
    lab results of the model's task (pretrained/lab/<task>.json), `statistic` of the model's `experiment`
    is within at_least..at_most (either bound may be left out); `explorer.lessons.measure.lab_value` says
    which number a statistic names. importance: in the greedy decode of `sentence`, the source token with
    the largest `method` importance (grad_x_input, integrated_gradients, leave_one_out: seq2seq.lab.importance)
    for output position `step` is `token`, or is at `position`. tau: at that step, Kendall's tau of the pair
    `statistic` ("attention~integrated_gradients", ...) is within at_least..at_most.
    peaks: in that decode, the row of each of `steps` has its largest weight on the matching one of
    `tokens` (or of `positions`). weight: the weight row `step` puts on `token` or `position` (its
    largest, given neither) is within at_least..at_most; score: the same of its raw score; probability:
    the probability the model gives the target piece `token` (the chosen one, given none) at output
    position `step`; hypothesis: the
    log-probability of the finished hypothesis `expect` of a beam search of width `beam`. config: the
    model's configuration `setting` is `expect` ("true", "128", "gru"). A claim of VIEW_CLAIM_KINDS
    without `model` speaks of the step's view. `name`: the placeholder that shows the claim's number.
    """

    kind: str
    model: str = ""  # VIEW_CLAIM_KINDS may leave it out: the step's view's model
    sentence: str = ""
    expect: str = ""
    step: int = 0
    token: str = ""
    position: int = -1  # attends: a source position instead of a token (repeated tokens told apart)
    strategy: str = "greedy"
    beam: int = 5
    temperature: float = 1.0
    seed: int = 0
    prefix: tuple[str, ...] = ()
    min_len: int = 0
    max_len: int = MAX_SENTENCE_CHARS
    at_least: float = 0.0
    at_most: float = 1.0
    metric: str = ""
    epoch: int = 0
    experiment: str = ""
    statistic: str = ""
    method: str = ""
    name: str = ""  # a placeholder {name} in the step's texts shows this claim's measured number
    steps: tuple[int, ...] = ()  # peaks: output positions, each with its token or position below
    tokens: tuple[str, ...] = ()
    positions: tuple[int, ...] = ()
    setting: str = ""  # config: a field of the model's configuration (bidirectional, hidden_size, ...)
    line: int = 0


@dataclass(frozen=True)
class Figure:
    """A figure the player draws beside a step's text, computed from the models when shown.

    accuracy_by_length: exact match of each of `scorers`' models of `task` on its test examples, by
    source length (Bahdanau et al. 2015, Fig. 2)."""

    kind: str
    task: str
    scorers: tuple[str, ...]


@dataclass(frozen=True)
class Step(Translated):
    title: str
    text: str
    page: str
    view: Mapping[str, str]  # share-link parameters, validated by explorer.state.view.parse_query
    teacher: str = ""
    question: Question | None = None
    claims: tuple[Claim, ...] = ()
    figure: Figure | None = None
    line: int = 0  # the line of its [[steps]] header
    translated: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Lesson(Translated):
    id: str
    title: str
    audience: str
    minutes: int
    summary: str
    steps: tuple[Step, ...]
    path: Path = field(compare=False, default=Path())
    translated: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class LessonError(ValueError):
    """A lesson file that cannot be used; `problems` lists why, each with its line."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = tuple(problems)


# -- where the lines are ----------------------------------------------------------------------------
class _Lines:
    """Line numbers in a TOML text, found by its headers and keys (tomllib gives values only)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.steps = [i + 1 for i, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*steps\s*\]\]", line)]

    def key(self, name: str, start: int = 1, end: int | None = None) -> int:
        """The first line from `start` (1-based) up to `end` that sets `name`, else `start`."""
        pattern = re.compile(rf"\s*{re.escape(name)}\s*=|\s*\[+\s*(steps\.)?{re.escape(name)}\s*\]+")
        for number in range(start, (end or len(self.lines)) + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return start

    def step(self, index: int) -> tuple[int, int | None]:
        """(first line, last line) of the index-th [[steps]] block."""
        if index >= len(self.steps):
            return 1, None
        start = self.steps[index]
        end = self.steps[index + 1] - 1 if index + 1 < len(self.steps) else None
        return start, end

    def inline(self, name: str, line: int) -> int:
        """`line` when it sets `name` inside an inline table ({ text = …, text_zh = … }), else 0."""
        if not 1 <= line <= len(self.lines):
            return 0
        return line if re.search(rf"(?:^|[{{,])\s*{re.escape(name)}\s*=", self.lines[line - 1]) else 0

    def options(self, start: int, end: int | None) -> list[int]:
        """The lines of a question's options from `start`: each inline table `{ … }` that begins a line,
        or each [[steps.question.options]] header."""
        pattern = re.compile(r"\s*(\{|\[\[\s*steps\.question\.options\s*\]\])")
        return [n for n in range(start + 1, (end or len(self.lines)) + 1) if pattern.match(self.lines[n - 1])]

    def nth(self, name: str, n: int, start: int, end: int | None) -> int:
        """The line of the n-th [[steps.name]] table within a step (0-based), else `start`."""
        pattern = re.compile(rf"\s*\[\[\s*steps\.{re.escape(name)}\s*\]\]")
        seen = -1
        for number in range(start, (end or len(self.lines)) + 1):
            if pattern.match(self.lines[number - 1]):
                seen += 1
                if seen == n:
                    return number
        return start


# -- reading a file ---------------------------------------------------------------------------------
def _text(value, where: str, problems: list[str], required: bool = True) -> str:
    if value is None:
        if required:
            problems.append(_("{field} is missing").format(field=where))
        return ""
    if not isinstance(value, str):
        problems.append(_("{field} must be text, not {type}").format(field=where, type=type(value).__name__))
        return ""
    if required and not value.strip():
        problems.append(_("{field} is empty").format(field=where))
    return value.strip()


def _shown(value) -> str:
    """A value a problem repeats: short (a hostile file's value can be long or nested deep)."""
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value) if not isinstance(value, int) or abs(value) < 10**SHOWN_CHARS else f"{str(value)[:9]}…"
        return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
    return type(value).__name__  # a list or a table: its kind, not its (possibly deep) contents


def _number(value: float) -> str:
    """A bound as a reader writes it: whole numbers in full (a seed's 18446744073709551615), others short."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _view_numbers(view: Mapping[str, str]) -> list[str]:
    """What is wrong with a view's numbers, each against its link's bound (LINK_NUMBERS)."""
    found = []
    for name, bound in LINK_NUMBERS.items():
        if name not in view:
            continue
        try:
            value = int(view[name]) if bound.whole else float(view[name])
        except ValueError:  # also an integer too long to read
            found.append(
                (_("{key} must be a whole number") if bound.whole else _("{key} must be a number")).format(key=name)
            )
            continue
        if not bound.low <= value <= bound.high:  # NaN too
            found.append(
                _("{key} is from {low} to {high}, not {value}").format(
                    key=name, low=_number(bound.low), high=_number(bound.high), value=_shown(view[name])
                )
            )
    return found


class _Reader:
    """Turns a parsed TOML document into a Lesson, collecting every problem with its line."""

    def __init__(self, path: Path, text: str):
        self.path, self.where = path, _Lines(text)
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def texts(self, line: int, checks: list[str]) -> None:
        for message in checks:
            self.add(line, message)

    def unknown(
        self, table: Mapping, allowed: set[str], what: str, line: int, texts: Sequence[str] = (), inline: int = 0
    ) -> tuple[tuple[str, str], ...]:
        """Report the keys of `table` that are not `allowed` (each on its line; `inline`: the line of an
        inline table, whose keys are all on it) and return the translations of its text fields `texts`:
        (sibling key, text) pairs. A sibling of a field that is not text, or whose English field is
        missing, is a problem."""
        found: list[tuple[str, str]] = []
        for key in sorted(set(table) - allowed):
            at = self.where.inline(key, inline) or self.where.key(key, line)
            base, _sep, lang = key.rpartition("_")
            if not (base in allowed and lang in TRANSLATED_LANGUAGES):
                self.add(at, _("unknown key {key} in {where}").format(key=_shown(key), where=what))
            elif base not in texts:
                self.add(
                    at,
                    _("{key} in {where}: {field} is not a text field, so it has no translation").format(
                        key=key, where=what, field=base
                    ),
                )
            elif base not in table:
                self.add(
                    at, _("{key} in {where} has no English {field} beside it").format(key=key, where=what, field=base)
                )
            else:
                checks: list[str] = []
                value = _text(table[key], _("{key} in {where}").format(key=key, where=what), checks)
                self.texts(at, checks)
                if value:
                    found.append((key, value))
        return tuple(found)

    def lesson(self, data: Mapping) -> Lesson:
        translated = self.unknown(data, LESSON_KEYS, _("the lesson"), 1, TEXT_FIELDS["lesson"])
        checks: list[str] = []
        title = _text(data.get("title"), "title", checks)
        audience = _text(data.get("audience"), "audience", checks)
        summary = _text(data.get("summary"), "summary", checks, required=False)
        self.texts(self.where.key("title"), checks)
        minutes = data.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 180:
            self.add(self.where.key("minutes"), _("minutes must be a whole number from 1 to 180"))
            minutes = 0
        raw_steps = data.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            self.add(1, _("a lesson needs at least one [[steps]]"))
            raw_steps = []
        if len(raw_steps) > MAX_STEPS:
            self.add(self.where.steps[MAX_STEPS], _("more than {n} steps").format(n=MAX_STEPS))
            raw_steps = raw_steps[:MAX_STEPS]
        steps = tuple(self.step(i, raw) for i, raw in enumerate(raw_steps))
        return Lesson(self.path.stem, title, audience, minutes, summary, steps, self.path, translated)

    def step(self, index: int, raw) -> Step:
        start, end = self.where.step(index)
        if not isinstance(raw, dict):
            self.add(start, _("step {n} must be a table").format(n=index + 1))
            return Step("", "", "decode", {}, line=start)
        translated = self.unknown(raw, STEP_KEYS, _("step {n}").format(n=index + 1), start, TEXT_FIELDS["step"])
        checks: list[str] = []
        title = _text(raw.get("title"), _("step {n}: {field}").format(n=index + 1, field="title"), checks)
        text = _text(raw.get("text"), _("step {n}: {field}").format(n=index + 1, field="text"), checks)
        teacher = _text(
            raw.get("teacher"), _("step {n}: {field}").format(n=index + 1, field="teacher"), checks, required=False
        )
        self.texts(start, checks)
        page = raw.get("page")
        if page not in PAGES:
            self.add(
                self.where.key("page", start, end),
                _("step {n}: unknown page {page}; one of {pages}").format(
                    n=index + 1, page=_shown(page), pages=", ".join(PAGES)
                ),
            )
            page = "decode"
        view = raw.get("view", {})
        if not isinstance(view, dict) or not all(isinstance(v, str | int | float) for v in view.values()):
            self.add(
                self.where.key("view", start, end),
                _("step {n}: view must be a table of share-link values").format(n=index + 1),
            )
            view = {}
        view = {str(k): str(v) for k, v in view.items()}
        for problem in _view_numbers(view):
            self.add(
                self.where.key("view", start, end), _("step {n}: view: {problem}").format(n=index + 1, problem=problem)
            )
        question = self.question(index, raw.get("question"), start, end)
        claims = raw.get("claims", [])
        if not isinstance(claims, list):
            self.add(
                self.where.key("claims", start, end),
                _("step {n}: claims must be [[steps.claims]] tables").format(n=index + 1),
            )
            claims = []
        parsed = tuple(
            c for n, claim in enumerate(claims) if (c := self.claim(index, n, claim, start, end)) is not None
        )
        figure = self.figure(index, raw.get("figure"), start, end)
        return Step(title, text, page, view, teacher, question, parsed, figure, start, translated)

    def table(
        self, index: int, raw, key: str, allowed: set[str], start: int, end: int | None
    ) -> tuple[int, tuple[tuple[str, str], ...]] | None:
        """(the line of step `index`'s table `key`, its translations) when `raw` is a table (its unknown
        keys reported), else None."""
        line = self.where.key(key, start, end)
        if not isinstance(raw, dict):
            self.add(line, _("step {n}: {table} must be a table").format(n=index + 1, table=key))
            return None
        what = _("step {n}'s {table}").format(n=index + 1, table=key)
        return line, self.unknown(raw, allowed, what, line, TEXT_FIELDS[key])

    def figure(self, index: int, raw, start: int, end: int | None) -> Figure | None:
        found = None if raw is None else self.table(index, raw, "figure", FIGURE_KEYS, start, end)
        if found is None:
            return None
        line = found[0]
        if raw.get("kind") not in FIGURE_KINDS:
            self.add(
                line,
                _("step {n}: figure kind {kind} is not one of {kinds}").format(
                    n=index + 1, kind=_shown(raw.get("kind")), kinds=", ".join(FIGURE_KINDS)
                ),
            )
            return None
        task, scorers = raw.get("task"), raw.get("scorers")
        if not isinstance(task, str) or not isinstance(scorers, list) or not all(isinstance(s, str) for s in scorers):
            self.add(
                line, _("step {n}: a figure needs a task (text) and scorers (a list of names)").format(n=index + 1)
            )
            return None
        return Figure(raw["kind"], task, tuple(scorers))

    def question(self, index: int, raw, start: int, end: int | None) -> Question | None:
        found = None if raw is None else self.table(index, raw, "question", QUESTION_KEYS, start, end)
        if found is None:
            return None
        line, translated = found
        checks: list[str] = []
        prompt = _text(
            raw.get("prompt"), _("step {n}: the question's {field}").format(n=index + 1, field="prompt"), checks
        )
        where = _("step {n}: the question's {field}").format(n=index + 1, field="explain")
        explain = _text(raw.get("explain"), where, checks, required=False)
        self.texts(line, checks)
        kind = raw.get("kind")
        if kind not in QUESTION_KINDS:
            self.add(
                line,
                _("step {n}: question kind {kind} is not one of {kinds}").format(
                    n=index + 1, kind=_shown(kind), kinds=", ".join(QUESTION_KINDS)
                ),
            )
            return None
        options: list[Option] = []
        if kind == "choice":
            raw_options = raw.get("options")
            if not isinstance(raw_options, list) or len(raw_options) < 2:
                self.add(line, _("step {n}: a choice question needs at least two options").format(n=index + 1))
                raw_options = []
            lines = self.where.options(line, end)
            for n, option in enumerate(raw_options):
                at = lines[n] if len(lines) == len(raw_options) else line  # options on one line: the question's
                if not isinstance(option, dict):
                    self.add(at, _("step {n}: option {k} must be a table").format(n=index + 1, k=n + 1))
                    continue
                inline = at if self.where.lines[at - 1].lstrip().startswith("{") else 0
                what = _("step {n}'s option {k}").format(n=index + 1, k=n + 1)
                option_translated = self.unknown(option, OPTION_KEYS, what, at, TEXT_FIELDS["option"], inline)
                checks = []
                field = _("step {n}: option {k}'s {field}")
                text = _text(option.get("text"), field.format(n=index + 1, k=n + 1, field="text"), checks)
                why = _text(option.get("explain"), field.format(n=index + 1, k=n + 1, field="explain"), checks)
                self.texts(at, checks)
                correct = option.get("correct", False)
                if not isinstance(correct, bool):
                    self.add(at, _("step {n}: option {k}'s correct must be true or false").format(n=index + 1, k=n + 1))
                    correct = False
                options.append(Option(text, correct, why, option_translated))
            if raw_options and not any(o.correct for o in options):
                self.add(
                    line,
                    _("step {n}: the question has no right answer (no option with correct = true)").format(n=index + 1),
                )
        elif raw.get("options") is not None:
            self.add(
                line,
                _("step {n}: an attention question takes no options (the model gives the answer)").format(n=index + 1),
            )
        return Question(kind, prompt, tuple(options), explain, translated)

    def claim(self, index: int, n: int, raw, start: int, end: int | None) -> Claim | None:
        line = self.where.nth("claims", n, start, end)
        if not isinstance(raw, dict):
            self.add(line, _("step {n}: claim {k} must be a table").format(n=index + 1, k=n + 1))
            return None
        self.unknown(
            raw, CLAIM_KEYS, _("step {n}'s claim {k}").format(n=index + 1, k=n + 1), line, TEXT_FIELDS["claim"]
        )
        kind = raw.get("kind")
        if kind not in CLAIM_KINDS:
            self.add(
                line,
                _("step {n}: claim kind {kind} is not one of {kinds}").format(
                    n=index + 1, kind=_shown(kind), kinds=", ".join(CLAIM_KINDS)
                ),
            )
            return None
        values = {k: v for k, v in raw.items() if k in CLAIM_KEYS and k != "kind"}
        problem = _claim_values(kind, values)
        if problem:
            self.add(line, _("step {n}: claim {k}: {problem}").format(n=index + 1, k=n + 1, problem=problem))
            return None
        return Claim(kind=kind, line=line, **values)


_CLAIM_TEXT = (
    *("model", "sentence", "expect", "token", "metric", "strategy", "experiment", "statistic", "method"),
    *("name", "setting"),
)
_CLAIM_WHOLE = ("step", "position", "min_len", "max_len", "beam", "seed", "epoch")
_CLAIM_NEEDS = {
    "output": ("model", "sentence", "expect"),
    "not_output": ("model", "sentence", "expect"),
    "attends": ("model", "sentence"),
    "accuracy": ("model",),
    "metric": ("model", "metric"),
    "history": ("model", "sentence", "expect"),
    "lab": ("model", "experiment", "statistic"),
    "importance": ("model", "sentence", "method"),
    "tau": ("model", "sentence", "statistic"),
    "peaks": ("steps",),
    "weight": (),
    "score": (),
    "probability": (),
    "hypothesis": ("expect",),
    "config": ("model", "setting", "expect"),
}
_CLAIM_LISTS = {"steps": int, "tokens": str, "positions": int}  # peaks: one entry per row
UNBOUNDED_KINDS = ("weight", "score", "probability", "hypothesis")  # numbers shown: bounds only where given


def _claim_values(kind: str, values: dict) -> str | None:
    """What is wrong with a claim's values (None when nothing); turns `prefix` into a tuple."""
    for key in set(values) & set(_CLAIM_TEXT):
        if not isinstance(values[key], str):
            return _("{key} must be text").format(key=key)
    for key in set(values) & set(_CLAIM_WHOLE):
        if not isinstance(values[key], int) or isinstance(values[key], bool):
            return _("{key} must be a whole number").format(key=key)
    for key in set(values) & {"at_least", "at_most", "temperature"}:
        if not isinstance(values[key], int | float) or isinstance(values[key], bool):
            return _("{key} must be a number").format(key=key)
        if not math.isfinite(values[key]):
            return _("{key} must be a finite number").format(key=key)
    for key in sorted(set(values) & set(CLAIM_NUMBERS)):
        low, high = CLAIM_NUMBERS[key]
        if high is None and values[key] < low:
            return _("{key} is at least {low}, not {value}").format(
                key=key, low=_number(low), value=_shown(values[key])
            )
        if high is not None and not low <= values[key] <= high:
            return _("{key} is from {low} to {high}, not {value}").format(
                key=key, low=_number(low), high=_number(high), value=_shown(values[key])
            )
    problem = _claim_lists(kind, values)
    if problem:
        return problem
    if "name" in values and not CLAIM_NAME.match(values["name"]):
        return _("name is lowercase letters, digits and _, starting with a letter")
    if len(values.get("sentence", "")) > MAX_SENTENCE_CHARS:
        return _("sentence is longer than {limit} characters").format(limit=MAX_SENTENCE_CHARS)
    if kind == "accuracy" and not all(0 <= values.get(k, 0) <= 1 for k in ("at_least", "at_most")):
        return _("at_least and at_most are shares from 0 to 1")
    if values.get("strategy", "greedy") not in CLAIM_STRATEGIES:
        return _("strategy is one of {values}").format(values=", ".join(CLAIM_STRATEGIES))
    prefix = values.get("prefix", [])
    if not isinstance(prefix, list) or not all(isinstance(p, str) for p in prefix):
        return _("prefix must be a list of target pieces")
    if len(prefix) >= MAX_OUTPUT_TOKENS:
        return _("prefix is longer than {limit} pieces").format(limit=MAX_OUTPUT_TOKENS - 1)
    values["prefix"] = tuple(prefix)
    if kind == "importance" and values.get("method", IMPORTANCES[0]) not in IMPORTANCES:
        return _("method is one of {values}").format(values=", ".join(IMPORTANCES))
    if kind == "tau" and values.get("statistic", TAU_PAIRS[0]) not in TAU_PAIRS:
        return _("statistic is one of {values}").format(values=", ".join(TAU_PAIRS))
    greedy = values.get("strategy", "greedy") == "greedy" and not values["prefix"]
    if kind in ("importance", "tau") and not greedy:
        return _("a {kind} claim speaks of the greedy decode (the Lab's): no strategy or prefix").format(kind=kind)
    if kind in UNBOUNDED_KINDS:
        values.setdefault("at_least", -math.inf)
        values.setdefault("at_most", math.inf)
    if kind in ("lab", "tau"):
        if kind == "lab" and values.get("experiment", LAB_EXPERIMENTS[0]) not in LAB_EXPERIMENTS:
            return _("experiment is one of {values}").format(values=", ".join(LAB_EXPERIMENTS))
        if "at_least" not in values and "at_most" not in values:
            return _("a {kind} claim needs at_least, at_most or both").format(kind=kind)
        values.setdefault("at_least", -math.inf)
        values.setdefault("at_most", math.inf)
    missing = [key for key in _CLAIM_NEEDS[kind] if not values.get(key)]
    if kind in ("attends", "importance") and not values.get("token") and "position" not in values:
        missing.append(_("token or position"))
    if kind in VIEW_CLAIM_KINDS and values.get("model") and not values.get("sentence"):
        missing.append("sentence")
    if kind == "peaks" and not values.get("tokens") and not values.get("positions"):
        missing.append(_("tokens or positions"))
    return _("a {kind} claim needs {keys}").format(kind=kind, keys=", ".join(missing)) if missing else None


def _claim_lists(kind: str, values: dict) -> str | None:
    """What is wrong with a peaks claim's lists (each of its kind, as long as `steps`, each number within
    its bound); turns them into tuples."""
    for key, kind_of in _CLAIM_LISTS.items():
        if key not in values:
            continue
        found = values[key]
        if not isinstance(found, list) or not all(isinstance(v, kind_of) and not isinstance(v, bool) for v in found):
            return _("{key} must be a list of {what}").format(
                key=key, what=_("whole numbers") if kind_of is int else _("tokens")
            )
        low, high = CLAIM_NUMBERS["step" if key == "steps" else "position"] if kind_of is int else (0, None)
        if kind_of is int and not all(low <= v <= high for v in found):
            return _("{key} holds numbers from {low} to {high}").format(key=key, low=_number(low), high=_number(high))
        values[key] = tuple(found)
    for key in ("tokens", "positions"):
        if key in values and len(values[key]) != len(values.get("steps", ())):
            return _("{key} has one entry for each of steps").format(key=key)
    if kind != "peaks" and set(values) & set(_CLAIM_LISTS):
        return _("steps, tokens and positions belong to a peaks claim")
    return None


def read(path: Path) -> Lesson:
    """The lesson in `path`; LessonError listing every problem of its form (file, line, message).

    Whatever goes wrong reading one file is that file's problem, never an exception of the caller's:
    a parser that runs out of stack or memory, a link, a folder or a pipe named *.toml, bytes that are
    not UTF-8. What needs the models (views' models, claims) is checked by `check`."""
    path = Path(path)
    try:
        return _read(path)
    except LessonError:
        raise
    except Exception as error:  # a hostile file must not take the other lessons down with it
        raise LessonError([Problem(path, WHOLE_FILE, _unreadable(error))]) from None


def _unreadable(error: Exception) -> str:
    """Why a file could not be read, in words, for an error no check foresaw."""
    if isinstance(error, RecursionError):
        return _("nested too deeply to read: not a lesson")
    if isinstance(error, MemoryError):
        return _("too large to read: not a lesson")
    said = f"{type(error).__name__}: {error}"
    return _("cannot be read ({error})").format(error=said[:200])


def _read(path: Path) -> Lesson:
    """read()'s work: the file's name, its text, its TOML, then its form."""
    if path.suffix != ".toml":
        raise LessonError([Problem(path, WHOLE_FILE, _("a lesson file's name ends in .toml"))])
    if not NAME.match(path.stem):
        raise LessonError(
            [Problem(path, WHOLE_FILE, _("a lesson file's name is lowercase letters, digits and '-' (≤ 64)"))]
        )
    text = _file_text(path)
    try:
        data = tomllib.loads(text)
    except ValueError as error:  # TOMLDecodeError, or an integer too long to convert
        found = re.search(r"line (\d+)", str(error))
        if found:
            line = int(found.group(1))
        else:  # "at end of document", or no place at all
            line = len(text.splitlines()) if isinstance(error, tomllib.TOMLDecodeError) else WHOLE_FILE
        said = str(error)[:200]
        raise LessonError([Problem(path, max(line, 1), _("not valid TOML: {error}").format(error=said))]) from None
    reader = _Reader(path, text)
    lesson = reader.lesson(data)
    if reader.problems:
        raise LessonError(reader.problems)
    return lesson


def _file_text(path: Path) -> str:
    """The text of `path` when it is a regular file (not a link, a folder, a device or a pipe) of at
    most MAX_FILE_BYTES of UTF-8; else LessonError. Opened without following links or waiting on a
    pipe, and read no further than the limit, so what is checked is what is read."""

    def refuse(message: str, line: int = WHOLE_FILE) -> NoReturn:
        raise LessonError([Problem(path, line, message)])

    too_large = _("larger than {size} KB: not a lesson").format(size=MAX_FILE_BYTES // 1024)
    try:
        if path.is_symlink():
            refuse(_("a symbolic link: a lesson is read from a regular file only"))
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                refuse(_("not a regular file (a folder, a device or a pipe): not a lesson"))
            if info.st_size > MAX_FILE_BYTES:
                refuse(too_large)
            with os.fdopen(descriptor, "rb", closefd=False) as file:
                data = file.read(MAX_FILE_BYTES + 1)  # a file that grew since is still read no further
        finally:
            os.close(descriptor)
    except OSError as error:
        refuse(_("cannot be read ({error})").format(error=error.strerror or error))
    if len(data) > MAX_FILE_BYTES:
        refuse(too_large)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        refuse(_("not UTF-8 text"), data[: error.start].count(b"\n") + 1)


# -- which lessons exist ----------------------------------------------------------------------------
def folders() -> list[Path]:
    """The shipped lessons/ folder, then every folder in $ATTENTION_EXPLORER_LESSONS."""
    extra = [Path(p).expanduser() for p in os.environ.get(LESSONS_ENV, "").split(os.pathsep) if p.strip()]
    return [SHIPPED_DIR, *extra]


def lesson_files(where: Iterable[Path] | None = None) -> list[Path]:
    """Everything named *.toml in the lesson folders, in name order (a folder that is missing is
    skipped). Links, folders and pipes are listed too: `read` names each as a problem, so a teacher
    learns why a file is not in the list."""
    found: list[Path] = []
    for folder in where if where is not None else folders():
        if folder.is_dir():
            found += sorted(folder.glob("*.toml"))
    return found


def catalog(where: Iterable[Path] | None = None) -> tuple[dict[str, Lesson], list[Problem]]:
    """(lesson id -> lesson, the problems of files that could not be read). A later folder's lesson
    with a shipped lesson's id is refused (a teacher's file never replaces a shipped lesson)."""
    lessons: dict[str, Lesson] = {}
    problems: list[Problem] = []
    for path in lesson_files(where):
        try:
            lesson = read(path)
        except LessonError as error:
            problems += error.problems
            continue
        if lesson.id in lessons:
            problems.append(
                Problem(
                    path,
                    WHOLE_FILE,
                    _("another lesson is already called {name} ({path})").format(
                        name=repr(lesson.id), path=lessons[lesson.id].path
                    ),
                )
            )
            continue
        lessons[lesson.id] = lesson
    return lessons, problems
