"""Run a coroutine to its end from a test, whatever already runs on the main thread.

The browser tests' Playwright (its sync API) keeps an event loop running on pytest's main thread for the
whole session, so a later `asyncio.run` there fails ("cannot be called from a running event loop"). A
thread of its own has no loop: `run` gives the coroutine one there and returns its result."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coroutine) on a thread of its own; its result, or its exception raised here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
