"""explorer/ui/lessons/warm.js under node, with a fake page (tests/warm_js_harness.mjs): the code a class's pages
load while it waits on the list of lessons (issue 62). Its browser side: tests/e2e/test_phone_follows_lesson_browser.py.

- It begins the settle time the server sends after the list opened (3 s, explorer.ui.lessons.warm.SETTLE_S: a phone
  that joins as the teacher starts loads nothing its start does not draw; 1.5 s here), loads the files one after
  another, skips a name that is not a script's, counts a file that fails as not loaded, and then tells the server
  how many it loaded (its state `loaded`: the server draws the elements out of sight); once the box holds each
  element it tells `drawn` (the server takes the box away), and once the box is gone it says how many it loaded on
  <html data-ae-warm-code>. A box never drawn leaves the page never saying so.
- A page that leaves the list before then loads nothing; one that leaves while loading begins no further file.
- A rerun of the list that mounts it anew does not start the wait again (a teacher's list reruns as students join).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "warm_js_harness.mjs"
WARM = ROOT / "explorer" / "ui" / "lessons" / "warm.js"
NODE = shutil.which("node")
SETTLE_MS = 1500  # the server sends 3000 (warm.SETTLE_S); shorter here, the same code

pytestmark = pytest.mark.skipif(NODE is None, reason="node not found")


def run(
    tmp_path: Path,
    files: list,
    wait_ms: int,
    stop_after_ms: int | None = None,
    remount_after_ms: int | None = None,
    draws: bool = True,
) -> dict:
    """What the fake page shows once it has said it is done, or after `wait_ms`: the attribute's value, the
    modules imported in order, the states told the server and whether the box was there when it said so (`draws`:
    whether the server draws the box when told)."""
    folder = tmp_path / "js"
    folder.mkdir()
    for name, body in {
        "Radio.a1.js": "",
        "Slider.b2.js": "",
        "Stops.c3.js": "globalThis.__stop();",  # the page leaves the list while this file loads
        "Plotly.d4.js": "",
    }.items():
        (folder / name).write_text(
            f"globalThis.__imported.push(['{name}', Date.now() - globalThis.__mounted]);\n{body}\nexport default 1;\n"
        )
    scenario = {"files": files, "settle_ms": SETTLE_MS, "wait_ms": wait_ms, "stop_after_ms": stop_after_ms}
    scenario.update(remount_after_ms=remount_after_ms, draws=draws)
    done = subprocess.run(
        [NODE, str(HARNESS), WARM.as_uri(), folder.as_uri() + "/", json.dumps(scenario)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_files_load_one_after_another_from_the_settle_time_after_the_list_opened(tmp_path: Path) -> None:
    found = run(tmp_path, ["Radio.a1.js", "Missing.e5.js", "../Slider.b2.js", 7, "Slider.b2.js"], wait_ms=20000)
    assert [name for name, _ms in found["imported"]] == ["Radio.a1.js", "Slider.b2.js"]
    assert found["imported"][0][1] >= SETTLE_MS  # nothing before the list has been open that long
    assert found["attribute"] == "2"  # the missing file is not counted; the odd names are never asked for
    # Told once each, in order: the files are in (the box is drawn), then the box was seen whole (it is taken away);
    # the page says it is done only once the box has gone.
    assert [(key, value) for key, value, _ms in found["told"]] == [("loaded", 2), ("drawn", True)]
    assert found["told"][0][2] >= found["imported"][-1][1] and found["box_seen"] is False


def test_a_box_never_drawn_leaves_the_page_never_saying_it_is_done(tmp_path: Path) -> None:
    found = run(tmp_path, ["Radio.a1.js"], wait_ms=3000, draws=False)
    assert [(key, value) for key, value, _ms in found["told"]] == [("loaded", 1)] and found["attribute"] is None


def test_a_page_that_leaves_the_list_first_loads_nothing(tmp_path: Path) -> None:
    found = run(tmp_path, ["Radio.a1.js", "Slider.b2.js"], wait_ms=2500, stop_after_ms=500)
    assert found == {"attribute": None, "imported": [], "told": [], "box_seen": None}


def test_a_page_that_leaves_while_loading_begins_no_further_file(tmp_path: Path) -> None:
    found = run(tmp_path, ["Radio.a1.js", "Stops.c3.js", "Plotly.d4.js"], wait_ms=3000)
    assert [name for name, _ms in found["imported"]] == ["Radio.a1.js", "Stops.c3.js"]
    assert found["attribute"] is None and found["told"] == []


def test_a_rerun_of_the_list_does_not_start_the_wait_again(tmp_path: Path) -> None:
    found = run(tmp_path, ["Radio.a1.js", "Slider.b2.js"], wait_ms=20000, stop_after_ms=1000, remount_after_ms=1000)
    assert [name for name, _ms in found["imported"]] == ["Radio.a1.js", "Slider.b2.js"]
    # The wait counts from the first mount (1.5 s), not from the second (2.5 s).
    assert SETTLE_MS <= found["imported"][0][1] < 1000 + SETTLE_MS
    assert found["attribute"] == "2" and [key for key, _value, _ms in found["told"]] == ["loaded", "drawn"]
