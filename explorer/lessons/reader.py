"""Reading one lesson file into a Lesson, or a LessonError listing every problem with its file and line.

The file's name, then its bytes (a regular file, at most MAX_FILE_BYTES of UTF-8), then its TOML, then
its form (`explorer.lessons.schema`), each value against its rule (`explorer.lessons.rules`).
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from explorer.i18n import _
from explorer.lessons.lines import Lines
from explorer.lessons.rules import claim_values, repeated, view_numbers
from explorer.lessons.schema import (
    ANSWER_KEYS,
    CLAIM_KEYS,
    CLAIM_KINDS,
    FIGURE_KEYS,
    FIGURE_KINDS,
    LESSON_KEYS,
    MAX_MINUTES,
    MAX_STEPS,
    NAME,
    OPTION_KEYS,
    PAGES,
    QUESTION_KEYS,
    QUESTION_KINDS,
    SHOWS,
    STEP_KEYS,
    TEXT_FIELDS,
    TRANSLATED_LANGUAGES,
    WHOLE_FILE,
    Claim,
    Figure,
    Lesson,
    LessonError,
    Option,
    Problem,
    Question,
    Step,
)
from explorer.state.page_controls import PAGE_CONTROLS

MAX_FILE_BYTES = 256 * 1024  # a lesson is text: a larger file is refused unread


def read(path: Path) -> Lesson:
    """The lesson in `path`; LessonError listing every problem of its form (file, line, message).

    Whatever goes wrong reading one file is that file's problem, never an exception of the caller's:
    a parser that runs out of stack or memory, a link, a folder or a pipe named *.toml, bytes that are
    not UTF-8. What needs the models (views' models, claims) is checked by `explorer.lessons.check`."""
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


def _text(value, where: str, problems: list[str], required: bool = True) -> str:
    """A text field's value, stripped ("" when it is not text); what is wrong with it added to `problems`."""
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


class _Reader:
    """Turns a parsed TOML document into a Lesson, collecting every problem with its line."""

    def __init__(self, path: Path, text: str):
        self.path, self.where = path, Lines(text)
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
                self.add(at, _("unknown key {key} in {where}").format(key=repeated(key), where=what))
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
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
            message = _("minutes must be a whole number from 1 to {most}: a lesson and its discussion fit one class")
            self.add(self.where.key("minutes"), message.format(most=MAX_MINUTES))
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
                    n=index + 1, page=repeated(page), pages=", ".join(PAGES)
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
        for problem in view_numbers(view):
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
        point = self.point(index, raw.get("point", ""), page, start, end)
        shows = raw.get("shows", "")
        if shows != "" and shows not in SHOWS:
            self.add(
                self.where.key("shows", start, end),
                _("step {n}: shows must be one of {kinds}, not {shows}").format(
                    n=index + 1, kinds=", ".join(SHOWS), shows=repeated(shows)
                ),
            )
            shows = ""
        return Step(title, text, page, view, teacher, question, parsed, figure, start, translated, point, shows)

    def point(self, index: int, raw, page: str, start: int, end: int | None) -> str:
        """A step's `point`: the English label of a control its page shows (explorer.state.page_controls), which
        the lesson's panel points at; "" when none or when it names no control of the page (reported)."""
        if raw == "":
            return ""
        shown = sorted({control.label for control in PAGE_CONTROLS.get(page, ())})
        if isinstance(raw, str) and raw in shown:
            return raw
        self.add(
            self.where.key("point", start, end),
            _("step {n}: point names {control}, which the {page} page does not show; one of {controls}").format(
                n=index + 1, control=repeated(raw), page=page, controls=", ".join(shown)
            ),
        )
        return ""

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
                    n=index + 1, kind=repeated(raw.get("kind")), kinds=", ".join(FIGURE_KINDS)
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
                    n=index + 1, kind=repeated(kind), kinds=", ".join(QUESTION_KINDS)
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
                claim = option.get("claim", "")
                if not isinstance(claim, str):
                    self.add(at, _("step {n}: option {k}'s claim must be a claim's name").format(n=index + 1, k=n + 1))
                    claim = ""
                options.append(Option(text, correct, why, option_translated, claim))
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
        key = raw.get("key", "")
        if key and key not in ANSWER_KEYS:
            self.add(
                line,
                _("step {n}: the question's key is one of {keys}").format(n=index + 1, keys=", ".join(ANSWER_KEYS)),
            )
            key = ""
        return Question(kind, prompt, tuple(options), explain, translated, key)

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
                    n=index + 1, kind=repeated(kind), kinds=", ".join(CLAIM_KINDS)
                ),
            )
            return None
        values = {k: v for k, v in raw.items() if k in CLAIM_KEYS and k != "kind"}
        problem = claim_values(kind, values)
        if problem:
            self.add(line, _("step {n}: claim {k}: {problem}").format(n=index + 1, k=n + 1, problem=problem))
            return None
        return Claim(kind=kind, line=line, **values)
