"""Which lessons exist: the shipped lessons/ folder and the teacher's folders, their files, the
catalog by id (a lesson is looked up by its id in it)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path

from explorer import i18n
from explorer.i18n import _
from explorer.lessons.reader import read
from explorer.lessons.schema import WHOLE_FILE, Lesson, LessonError, Problem
from seq2seq.paths import project_root

ROOT = project_root()  # the checkout, or the installed copy of its files (seq2seq.paths)
SHIPPED_DIR = ROOT / "lessons"
LESSONS_ENV = "ATTENTION_EXPLORER_LESSONS"  # more folders of lesson files, separated by os.pathsep


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


def _signature(path: Path) -> tuple[str, int, int]:
    """A file as it is now (its name, change time and size; a link's own): another one is another file."""
    try:
        found = os.lstat(path)
    except OSError:
        return str(path), -1, -1
    return str(path), found.st_mtime_ns, found.st_size


def catalog(where: Iterable[Path] | None = None) -> tuple[dict[str, Lesson], list[Problem]]:
    """(lesson id -> lesson, the problems of files that could not be read). A later folder's lesson
    with a shipped lesson's id is refused (a teacher's file never replaces a shipped lesson).

    Read again whenever a file is added, removed or changed (its change time or size), in each language
    (the problems are said in it); otherwise the last reading: a running lesson's panel asks on every run
    of every page, a class's followers too."""
    files = lesson_files(where)
    lessons, problems = _read_all(tuple(_signature(path) for path in files), i18n.current())
    return dict(lessons), list(problems)


@functools.lru_cache(maxsize=8)
def _read_all(files: tuple[tuple[str, int, int], ...], _lang: str) -> tuple[dict[str, Lesson], tuple[Problem, ...]]:
    lessons: dict[str, Lesson] = {}
    problems: list[Problem] = []
    for name, _changed, _size in files:
        path = Path(name)
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
    return lessons, tuple(problems)
