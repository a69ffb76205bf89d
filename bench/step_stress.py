"""Decode's stepper under a busy machine, in real Chromium: no press lost or doubled, the URL, the rows and
"Step k of n" agree, Space pauses where pressed.

    python -m bench.step_stress [--presses 200 40] [--gaps-ms 80 300] [--busy 2] [--plays 20] [--quick]

Starts the app as `make run` does and, beside it, `--busy` loops that each keep a core busy (they stop with the
bench). For each sentence (the zh-en seed 我爱你。 and a long English one, en-fr: 25 steps) and each role (alone, and
as a teacher with a class started), presses the stepper's keys `--presses` times `--gaps-ms` apart: → until
the last step, then ← back to 0, and so on, so a press lost or counted twice changes every later step. It
checks after each press that the step shown moved by exactly one (read in the page right after the key), and
after the last that the address bar (the server's view), the heatmap's rows and "Step k of n" all say the
expected step. Then Space plays and pauses `--plays` times: the step shown when the pause lands must be where
the page, and then the URL, stay. Reports each check and, from the heatmap's own stamp (`data-step-ms`: the
key's event time to the frame that paints the row, at its animation-frame callback, just before the paint), the median
and p95 of a press's draw.

Prints markdown tables; writes bench/results/step_stress.json.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import time

from playwright.sync_api import sync_playwright

from bench.browser import SCRIPT_DONE, TIMEOUT_MS, decode_url, launch_browser
from bench.common import markdown_table, summary, write_results
from bench.server import Server

SENTENCES = {
    "我爱你。": {"task": "zh-en", "scorer": "general"},
    "My brother and I went to the market this morning to buy some fresh bread and a few apples for the trip.": {
        "task": "en-fr",
        "scorer": "general",
    },
}
SHOWN = "() => Number(document.querySelector('.ae-stepper').dataset.step)"
STEPS = "() => Number(document.querySelector('.ae-stepper-slider').max)"
ROWS = """() => { const s = document.querySelector('svg#decode-heatmap');
  return s ? Number(s.getAttribute('data-rows')) : -1; }"""
STATUS = "() => document.querySelector('.ae-stepper-status').textContent"
DRAW_MS = "() => Number(document.querySelector('svg#decode-heatmap').getAttribute('data-step-ms'))"
BUSY_SECONDS = 3600  # a busy loop's own limit, should the bench be killed before it stops them


def busy(seconds: float) -> None:
    """Keep one core busy for `seconds` at most."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def url_step(page) -> int | None:
    found = re.search(r"[?&]step=(\d+)", page.url)
    return int(found.group(1)) if found else None


def run_presses(page, presses: int, gap_ms: float) -> dict:
    """Press → and ← as described above; every press checked, then the end state."""
    n = page.evaluate(STEPS)
    expected, direction, wrong, draws = page.evaluate(SHOWN), 1, [], []
    for i in range(presses):
        if expected + direction > n or expected + direction < 0:
            direction = -direction
        page.keyboard.press("ArrowRight" if direction > 0 else "ArrowLeft")
        expected += direction
        shown = page.evaluate(SHOWN)
        if shown != expected:
            wrong.append((i, expected, shown))
            expected = shown  # count each fault once
        ms = page.evaluate(DRAW_MS)
        if ms == ms:  # not NaN
            draws.append(ms)
        time.sleep(gap_ms / 1000)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('step') === '{expected}'",
                           timeout=TIMEOUT_MS)  # fmt: skip
    page.wait_for_function(f"({ROWS})() === {expected}", timeout=TIMEOUT_MS)
    status = page.evaluate(STATUS)
    agree = url_step(page) == expected and page.evaluate(ROWS) == expected and f"Step {expected} of {n}" in status
    return {"presses": presses, "gap_ms": gap_ms, "steps": n, "wrong": wrong, "end": expected, "agree": agree,
            "draws": draws}  # fmt: skip


def run_plays(page, plays: int) -> dict:
    """Space, one new row, Space: the step shown at the pause stays, on the page and in the URL."""
    page.keyboard.press("Home")
    faults = []
    for i in range(plays):
        start = page.evaluate(SHOWN)
        if start >= page.evaluate(STEPS) - 1:  # Play at the last step starts again from 0: pause before the end
            page.keyboard.press("Home")
            start = 0
        page.keyboard.press(" ")
        page.wait_for_function(f"({SHOWN})() >= {start + 1}", timeout=TIMEOUT_MS)
        page.keyboard.press(" ")
        paused, playing = page.evaluate(f"() => [({SHOWN})(), document.querySelector('.ae-stepper').dataset.playing]")
        if playing == "true":  # the pause came after play had reached the end, and started it again
            faults.append((i, "restarted", paused))
            page.keyboard.press(" ")
            paused = page.evaluate(SHOWN)
        page.wait_for_function(f"() => new URLSearchParams(location.search).get('step') === '{paused}'",
                               timeout=TIMEOUT_MS)  # fmt: skip
        page.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
        if page.evaluate(SHOWN) != paused or page.evaluate(ROWS) != paused:
            faults.append((i, paused, page.evaluate(SHOWN)))
    return {"plays": plays, "faults": faults}


def open_decode(browser, base: str, sentence: str, teacher: bool):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(decode_url(base, sentence=sentence, step="0", **SENTENCES[sentence]))
    page.locator(".ae-stepper[data-step='0']").wait_for(timeout=TIMEOUT_MS)
    if teacher:
        page.get_by_role("button", name="Start a class").click()
        page.get_by_role("button", name="End the class").wait_for(timeout=TIMEOUT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    return context, page


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presses", type=int, nargs="+", default=[200, 40])
    parser.add_argument("--gaps-ms", type=float, nargs="+", default=[80.0, 300.0])
    parser.add_argument("--busy", type=int, default=2, help="busy loops beside the app (each a core)")
    parser.add_argument("--plays", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="10 presses, 2 plays, one sentence: checks that it runs")
    args = parser.parse_args(argv)
    if len(args.presses) != len(args.gaps_ms):
        parser.error("--presses and --gaps-ms pair up: give as many of each")
    runs = list(zip(args.presses, args.gaps_ms, strict=True))
    sentences = list(SENTENCES)
    if args.quick:
        runs, args.plays, sentences = [(10, 80.0)], 2, sentences[:1]
    loops = [multiprocessing.Process(target=busy, args=(BUSY_SECONDS,), daemon=True) for _ in range(args.busy)]
    results, rows, draws = [], [], []
    try:
        for loop in loops:
            loop.start()
        with Server() as server, sync_playwright() as playwright:
            browser = launch_browser(playwright)
            for sentence in sentences:
                for teacher in (False, True):
                    role = "teacher with a class" if teacher else "alone"
                    for presses, gap in runs:
                        context, page = open_decode(browser, server.url, sentence, teacher)
                        found = run_presses(page, presses, gap)
                        context.close()
                        draws += found["draws"]
                        results.append({"sentence": sentence, "role": role, **found})
                        rows.append([sentence[:24], role, f"{presses} × {gap:.0f} ms", str(found["steps"]),
                                     str(len(found["wrong"])), "yes" if found["agree"] else "NO"])  # fmt: skip
                context, page = open_decode(browser, server.url, sentence, False)
                played = run_plays(page, args.plays)
                context.close()
                results.append({"sentence": sentence, "role": "plays", **played})
                rows.append([sentence[:24], "Space play/pause", f"{args.plays} ×", "", str(len(played["faults"])),
                             "yes" if not played["faults"] else "NO"])  # fmt: skip
            browser.close()
    finally:
        for loop in loops:
            loop.terminate()
    print(markdown_table(["sentence", "role", "presses", "steps", "lost or doubled", "URL, rows, status agree"],
                         rows))  # fmt: skip
    draw = summary(draws) if draws else {"median_ms": float("nan"), "p95_ms": float("nan"), "n": 0}
    print()
    print(markdown_table(["press → row painted (in page)", "median ms", "p95 ms", "n"],
                         [["", f"{draw['median_ms']:.1f}", f"{draw['p95_ms']:.1f}", str(draw["n"])]]))  # fmt: skip
    path = write_results("step_stress" + ("-quick" if args.quick else ""), {"runs": results, "draw": draw})
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
