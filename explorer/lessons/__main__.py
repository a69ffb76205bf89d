"""``python -m explorer.lessons check FILE…``: every problem of each lesson file, one line each (file:line: what).

Exit status 0 when every file is a valid lesson whose views open and whose claims the models honour,
1 otherwise. With no file, checks every lesson the app would list (lessons/ and $ATTENTION_EXPLORER_LESSONS).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from explorer.lessons import LessonError, lesson_files, read


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.lessons", description=__doc__.split("\n")[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    check = verbs.add_parser("check", help="check lesson files against the app and its models")
    check.add_argument("files", nargs="*", type=Path, help="lesson files (default: every lesson the app lists)")
    check.add_argument("--no-claims", action="store_true", help="skip running the models for the claims")
    args = parser.parse_args(argv)

    from explorer.lessons.check import problems

    files = args.files or lesson_files()
    if not files:
        print("no lesson files found", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        try:
            found = problems(read(path), claims=not args.no_claims)
        except LessonError as error:
            found = list(error.problems)
        for problem in found:
            print(problem)
        if found:
            failed += 1
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
