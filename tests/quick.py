"""The default run's share of a test's examples (docs/development.md, "Tests").

A test taken over values that stress one behaviour the same way (two projector sizes, a case repeated ten times)
takes its first value in the default run, which must stay within 15 minutes on two cores, and the others with the
slow suites (`make test-slow`). Grids of several parameters are `diagonal` instead (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest


def first_quick(values: Iterable) -> list:
    """`values` as pytest parameters: the first in the default run, every other one marked slow."""
    return [value if i == 0 else pytest.param(value, marks=pytest.mark.slow) for i, value in enumerate(values)]
