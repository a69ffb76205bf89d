"""Where the lines are: the line numbers of a lesson file's headers and keys, for its problems."""

from __future__ import annotations

import re


class Lines:
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
