"""Live classes: a class answering one question at once, every answer counted exactly once.

    python -m bench.class_answers [--students 30] [--within 5]

Starts one server as `make run` does (`python -m explorer.ui.serve`, the embedded room store). A
teacher (a protocol client: bench.protocol.LiveClient) opens Decode on the dates task, presses
"Start a class" and then "Ask the class" (key class_ask; the default question: where will the next
token look?). `--students` students (protocol clients too) join with the link /?room=CODE and follow;
each sees the question's answer pills on its page and answers THROUGH THE PAGE: the pills widget's
new value (the option's label) in a BackMsg widget_states rerun of the pills' fragment, as a click
sends it; its on_change callback gives the answer to the store. All students answer at once (their
clicks spread over `--within` seconds, random order); each then changes its mind the same way (a
second click, on another option, before the reveal), which replaces its first answer.

Checked, each exactly:
    every student's page says "Your answer: X" with its own first choice, then with its second;
    the teacher's live count (its bar's "Question 1: **N** answered") equals the number of students;
    the class's CSV (the teacher's "Download the answers (CSV)", fetched from its media URL) has,
    per option, exactly the answers sent (second answers only); the bar: all counted, none twice,
    all within `--within` seconds (from the first click sent to the last student seeing its answer
    taken).
Reported: click -> "Your answer" latency (median, p95), the spread, errors. Writes
bench/results/class_answers.json.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import re
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench.common import dates, markdown_table, run_async, summary, write_results
from bench.protocol import LiveClient, open_follower, open_teacher
from bench.server import Servers, start_servers
from explorer.ui.common.markdown import escape_markdown

ASKED_WAIT_S = 30.0
ANSWER_WAIT_S = 10.0
CSV_LABEL = "Download the answers (CSV)"
PILLS = "Your answer"  # the answer pills' label (explorer.ui.classes.student._answer_panel)


def _answered(student: LiveClient, since: int) -> str | None:
    """The "Your answer: X" shown after alert number `since`, or None."""
    for _at, body in student.alerts[since:]:
        if body.startswith("Your answer: "):
            return body
    return None


def raw_text(label: str) -> str:
    """An option's own text from its pill's label, which shows it escaped for markdown (``\\</s\\>``)."""
    return re.sub(r"\\(.)", r"\1", label)


def taken_text(label: str) -> str:
    """What a student's page says once its answer (the pill labelled `label`) is taken: the option's own
    text, escaped for markdown once."""
    option = escape_markdown(raw_text(label))
    return f"Your answer: {option}. Wait for the teacher to reveal; until then you can change it."


def fetch_csv(base_url: str, url: str) -> list[dict]:
    with urllib.request.urlopen(base_url + url if url.startswith("/") else url, timeout=30) as response:
        return list(csv.DictReader(io.StringIO(response.read().decode())))


async def drive(servers: Servers, students: int, within_s: float, sentence: str, seed: int) -> dict:
    teacher, code = await open_teacher(servers.url, sentence, "concat")
    door = asyncio.Semaphore(4)

    async def arrive() -> LiveClient:
        async with door:
            return await open_follower(servers.url, code)

    joined = await asyncio.gather(*(arrive() for _ in range(students)))
    errors = [f"student {i}: did not follow" for i, s in enumerate(joined) if not s.live()]
    await teacher.until(lambda: "Ask the class" in teacher.buttons, 30)
    await teacher.click("Ask the class")
    shown = await asyncio.gather(*(s.until(lambda s=s: PILLS in s.pills, ASKED_WAIT_S) for s in joined))
    errors += [f"student {i}: no answer buttons within {ASKED_WAIT_S:.0f} s" for i, ok in enumerate(shown) if not ok]
    if errors:
        return {"errors": len(errors), "error_messages": errors}
    options = joined[0].pills[PILLS][1]
    # a label that is an option's own text (a repeated token's pill reads "04 e", explorer.ui.classes.student)
    unique = [label for label in options if options.count(label) == 1 and not re.match(r"\d{2,} ", label)]
    rng = random.Random(seed)
    plan = [(i, rng.choice(unique), rng.uniform(0, within_s * 0.5)) for i in range(students)]
    sent: dict[int, float] = {}
    taken: dict[int, float] = {}
    seconds: dict[int, str] = {}  # each student's second answer (the one counted)

    async def answer(i: int, label: str, delay: float) -> None:
        student = joined[i]
        await asyncio.sleep(delay)
        pills, before = student.pills[PILLS], len(student.alerts)
        sent[i] = time.monotonic()
        await student.choose(label, pills)
        if await student.until(lambda: _answered(student, before) is not None, ANSWER_WAIT_S):
            taken[i] = time.monotonic()
            if _answered(student, before) != taken_text(label):
                errors.append(f"student {i}: the page says {_answered(student, before)!r}, not {label!r}")
        else:
            errors.append(f"student {i}: its answer was not taken within {ANSWER_WAIT_S:.0f} s")
        # A change of mind before the reveal, on the same pills (the widget the student clicked): it replaces
        # the first answer.
        other = next(x for x in unique if x != label)
        seconds[i] = other
        await student.choose(other, pills)

    await asyncio.gather(*(answer(i, label, delay) for i, label, delay in plan))
    spread_s = max(taken.values(), default=float("nan")) - min(sent.values())
    await asyncio.sleep(1.0)  # the second answers' runs are over
    for i, student in enumerate(joined):
        errors += [f"student {i}: exception {e}" for e in student.exceptions]
        mine = [b for _t, b in student.alerts if b.startswith("Your answer: ")]
        if i in seconds and (not mine or mine[-1] != taken_text(seconds[i])):
            errors.append(f"student {i}: after its second click the page says {mine[-1:]!r}")

    # The teacher's own view: the live count (refreshed every second) and the CSV (the room panel, every 2 s).
    csv_before = teacher.downloads.get(CSV_LABEL)
    await teacher.until(lambda: teacher.downloads.get(CSV_LABEL) not in (None, csv_before), 15)
    await asyncio.sleep(2.5)  # one more refresh of the room panel, after every second answer
    count_shown = teacher.answered.get(1)
    rows = await asyncio.to_thread(fetch_csv, servers.url, teacher.downloads[CSV_LABEL])
    raw = {raw_text(label) for label in unique}
    counted = {row["text"]: int(row["answers"]) for row in rows if row["question"] == "1" and row["text"] in raw}
    total = sum(int(row["answers"]) for row in rows if row["question"] == "1")
    expected = Counter(raw_text(label) for label in seconds.values())
    if total != students:
        errors.append(f"the CSV counts {total} answers to question 1, {students} were sent (once each)")
    wrong = {label: (counted.get(label, 0), n) for label, n in expected.items() if counted.get(label, 0) != n}
    if wrong:
        errors.append(f"per option (counted, sent) differ: {wrong}")
    if count_shown != str(students):
        errors.append(f"the teacher's live count shows {count_shown!r}, not {students}")
    errors += [f"teacher: exception {e}" for e in teacher.exceptions]
    for client in (teacher, *joined):
        await client.close()
    latency = [(taken[i] - sent[i]) * 1000 for i in taken]
    return {
        "code": code,
        "options": options,
        "answers_sent": dict(expected),
        "answers_counted": counted,
        "total_counted": total,
        "teacher_count_shown": count_shown,
        "second_answers_sent": students,
        "answered_in_s": spread_s,
        "latency": summary(latency) if latency else None,
        "errors": len(errors),
        "error_messages": errors,
    }


def run(students: int = 30, within_s: float = 5.0, servers: Servers | None = None, seed: int = 0) -> dict:
    own = servers is None
    run_dir = Path(tempfile.mkdtemp(prefix="class-answers-"))
    if own:
        servers = start_servers(1, {"ATTENTION_EXPLORER_USER_MODELS": str(run_dir / "user-models")}, run_dir)
    try:
        outcome = run_async(drive(servers, students, within_s, dates(1, seed=23)[0], seed))
    finally:
        if own:
            servers.stop()
    return {"students": students, "within_s": within_s, "client": "protocol (answers through the page)", **outcome}


def print_report(r: dict) -> None:
    ok_count = r.get("total_counted") == r["students"] and r["errors"] == 0
    in_time = (r.get("answered_in_s") or float("inf")) <= r["within_s"]
    rows = [
        ["students (client)", f"{r['students']} ({r['client']})", ""],
        ["answers counted / sent (each student once)", f"{r.get('total_counted')} / {r['students']}", ""],
        ["answers changed (each replaces the first)", f"{r.get('second_answers_sent')}", ""],
        ["teacher's live count", str(r.get("teacher_count_shown")), ""],
        [
            "first click sent → last student sees its answer taken",
            f"{r.get('answered_in_s', float('nan')):.2f} s",
            f"≤ {r['within_s']:g} s: {'met' if in_time else 'MISSED'}",
        ],
        [
            'click → "Your answer" shown, ms (median / p95)',
            f"{r['latency']['median_ms']:.0f} / {r['latency']['p95_ms']:.0f}" if r.get("latency") else "—",
            "",
        ],
        ["errors", str(r["errors"]), f"every answer counted exactly once: {'met' if ok_count else 'MISSED'}"],
    ]
    print(markdown_table(["measure", "value", "bar"], rows))
    for message in r["error_messages"][:20]:
        print(f"  {message}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--within", type=float, default=5.0, help="seconds the class has to answer")
    args = parser.parse_args(argv)
    result = run(args.students, args.within)
    print_report(result)
    print(f"\nwritten to {write_results('class_answers', result)}")


if __name__ == "__main__":
    main()
