"""``python -m explorer.lessons check FILE…``: every problem of each lesson file, one line each (file:line: what).

Exit status 0 when every file is a valid lesson whose views open and whose claims the models honour,
1 otherwise. A folder stands for every *.toml in it. With no file, checks every lesson the app would
list (lessons/ and $ATTENTION_EXPLORER_LESSONS). A file that breaks the reader or the checker is that
file's problem: the others are still checked, and nothing ends in a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from explorer.i18n import _
from explorer.lessons.listing import lesson_files
from explorer.lessons.reader import read
from explorer.lessons.schema import WHOLE_FILE, LessonError, Problem


def expand(paths: list[Path]) -> list[Path]:
    """The files to check: each path as given, a folder as every *.toml in it."""
    found: list[Path] = []
    for path in paths:
        found += lesson_files([path]) if path.is_dir() and path.suffix != ".toml" else [path]
    return found


def file_problems(path: Path, claims: bool) -> list[Problem]:
    """Every problem of the lesson in `path`; an error no check foresaw is one more problem, on the file."""
    from explorer.lessons.check import problems

    try:
        return problems(read(path), claims=claims)
    except LessonError as error:
        return list(error.problems)
    except Exception as error:  # one file must not stop the others being checked
        said = f"{type(error).__name__}: {error}"[:200]
        return [Problem(path, WHOLE_FILE, _("cannot be checked ({error})").format(error=said))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.lessons", description=__doc__.split("\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    check = verbs.add_parser("check", help="check lesson files against the app and its models")
    check.add_argument(
        "files", nargs="*", type=Path, help="lesson files or folders (default: every lesson the app lists)"
    )
    check.add_argument("--no-claims", action="store_true", help="skip running the models for the claims")
    args = parser.parse_args(argv)

    files = expand(args.files) if args.files else lesson_files()
    if not files:
        print("no lesson files found", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        found = file_problems(path, claims=not args.no_claims)
        for problem in found:
            print(problem)
        if found:
            failed += 1
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
