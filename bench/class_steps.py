"""A teacher's Step clicks in a live class, and each follower's latency to show them (shared by the class
benchmarks: bench.class_follow, bench.class_flood).

    clicks = await teach(teacher, steps=8, pause_s=1.0)        # the teacher (bench.protocol.LiveClient)
    found_ms, missed, skipped = latencies(follower.steps, clicks, within_s=10.0)
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from bench.protocol import LiveClient


@dataclass
class Click:
    step: int  # the k the followers must show
    at: float  # time.monotonic() just before the click was sent
    reset_at: float | None  # when the Reset that began this click's round of the decode was sent (None: first round)


async def teach(teacher: LiveClient, steps: int, pause_s: float, own: list[float] | None = None) -> list[Click]:
    """Click Step `steps` times, 0.75–1.25 × `pause_s` apart (a teacher's clicks fall at any moment of the
    followers' polling: a fixed pause that is a multiple of the poll interval would measure one phase only);
    Reset (not counted) when the decode is over."""
    jitter = random.Random(0)
    clicks, reset_at = [], None
    while len(clicks) < steps:
        shown = teacher.shown_step() or 0
        if teacher.total and shown >= teacher.total:
            reset_at = time.monotonic()
            await teacher.click("Reset")
            await teacher.until(lambda: teacher.shown_step() == 0, 30)
            await asyncio.sleep(pause_s)
            continue
        clicks.append(Click(shown + 1, time.monotonic(), reset_at))
        await teacher.click("Step")
        if not await teacher.until(lambda s=shown + 1: teacher.shown_step() == s, 30):
            raise RuntimeError(f"the teacher's own page did not show step {shown + 1}")
        if own is not None:  # the teacher's own Step: click to its page showing the step
            own.append((time.monotonic() - clicks[-1].at) * 1000)
        await asyncio.sleep(max(0.0, clicks[-1].at + pause_s * jitter.uniform(0.75, 1.25) - time.monotonic()))
    return clicks


def latencies(
    seen: list[tuple[int, float]], clicks: list[Click], within_s: float
) -> tuple[list[float], list[str], int]:
    """Per click, ms from the click to the first run after it that shows its row: "Step k'" with k' >= k
    in the click's round of the decode (after a Reset, once the follower has shown step 0 again), since
    a later step's heatmap holds row k too. Returns (those ms, the clicks not shown within `within_s` as
    errors, how many were skipped: a later step came before "Step k" itself was ever shown)."""
    found, errors, skipped = [], [], 0
    for click in clicks:
        start = click.at
        if click.reset_at is not None:  # the round begins where the follower has shown the Reset
            start = max(start, next((t for k, t in seen if k == 0 and t >= click.reset_at), float("inf")))
        shown = [(k, t) for k, t in seen if t >= start and k >= click.step]
        if not shown or shown[0][1] - click.at > within_s:
            errors.append(f"step {click.step} not shown within {within_s:.0f} s")
            continue
        found.append((shown[0][1] - click.at) * 1000)
        skipped += shown[0][0] != click.step
    return found, errors, skipped
