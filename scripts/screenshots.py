"""The documentation's screenshots, taken from the real app: ``python scripts/screenshots.py``.

Starts the app as ``make run`` does (bench.app_speed.Server) on a free loopback port, opens each
page in the system Chromium (Playwright, as the browser tests do) with a share link that shows
something worth seeing, waits until the page has finished running, and saves a 1280 x 800 PNG to docs/images/<page>.png,
reduced to a 256-colour palette so that each stays small (< 250 KB).

    python scripts/screenshots.py                      # every page
    python scripts/screenshots.py --pages decode home  # some of them
    python scripts/screenshots.py --out /tmp/shots     # somewhere else

Needs the system Chromium (scripts/install_chromium.sh; or CHROMIUM=/path/to/chromium) and a
font with Chinese characters for zh-en's sentences (Debian: apt-get install fonts-wqy-microhei);
without one they show as boxes, and the script says so.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages come first

from bench.app_speed import Server, launch_browser  # noqa: E402  (the benchmarks' server and browser)

OUT = ROOT / "docs" / "images"
WIDTH, HEIGHT = 1280, 800
MAX_BYTES = 250_000
TIMEOUT_MS = 60_000
# Streamlit marks its root element "notRunning" once a script run has finished (the browser tests' check).
SCRIPT_DONE = "[data-test-script-state='notRunning']"
# The Decode heatmap (an SVG in the page) stamps how many rows it has painted.
HEATMAP_ROWS = "n => document.querySelector(`svg#decode-heatmap[data-rows='${n}']`) !== null"
PLOTLY_DRAWN = "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n"


@dataclass(frozen=True)
class Shot:
    path: str  # the page's URL path ("" is the home page)
    query: dict[str, str]
    heading: str  # the page's title, visible once it has rendered
    plots: int = 0  # wait for at least this many plotly charts
    heatmap_rows: int | None = None  # Decode: wait for the heatmap to show this many rows
    scroll_to: str | None = None  # a widget label or button text to bring near the top before the shot


def _zh(message: str) -> str:
    """`message` as the Chinese interface writes it (the shots in Chinese wait for Chinese headings)."""
    from explorer import i18n

    with i18n.using("zh"):
        return i18n._(message)


SHOTS = {
    "home": Shot("", {}, "Attention Explorer"),  # the live example, above the fold
    "decode": Shot(
        "Decode",
        {"task": "zh-en", "scorer": "scaled_dot", "sentence": "我爱你。", "step": "2"},
        "Decode, step by step",
        heatmap_rows=2,  # the heatmap is in the first screen: no scrolling
    ),
    "decode-zh": Shot(  # the Chinese interface: the same view with lang=zh
        "Decode",
        {"task": "zh-en", "scorer": "scaled_dot", "sentence": "我爱你。", "step": "2", "lang": "zh"},
        _zh("Decode, step by step"),
        heatmap_rows=2,
    ),
    "compare": Shot(
        "Compare",
        {"task": "reverse", "sentence": "attention is all"},
        "Compare scorers",
        plots=5,
        scroll_to="Heatmaps show",
    ),
    "hidden-states": Shot(
        "Hidden_states",
        {"task": "dates", "scorer": "general", "sentence": "saturday, may 9, 2018", "step": "4"},
        "Hidden states",
        plots=1,
        scroll_to="Step (output tokens shown)",
    ),
    "beam-search": Shot(
        "Beam_search",
        # Home's English example: every row of its attention on its own word (tests/test_home_example.py)
        {"task": "en-fr", "scorer": "scaled_dot", "sentence": "I am tired.", "beam": "3"},
        "Beam search",
        plots=2,
        scroll_to="Beam width",
    ),
    "models": Shot("Models", {}, "Models"),
    "train": Shot("Train", {}, "Train a model"),
    "timelapse": Shot("Timelapse", {}, "Timelapse", plots=5, scroll_to="Probe sentence"),
    "lessons": Shot(  # the link opens the step on its page: Decode, with the lesson's panel under the title
        "Lessons", {"lesson": "1-why-attention", "at": "4"}, "Decode, step by step", heatmap_rows=5
    ),
    "lab": Shot(
        "Lab",
        {"task": "en-fr", "scorer": "general", "sentence": "I have a black cat.", "step": "4", "view": "step"},
        "Attention lab",
        plots=1,
        scroll_to="Output token to explain",
    ),
}
# Scroll Streamlit's main container (the window itself does not scroll) so that the element whose
# text is `label` sits a little below the top of the view.
SCROLL_TO = """label => {
    const hit = [...document.querySelectorAll('[data-testid="stMain"] :is(label, p, h1, h2, h3)')]
        .find(el => el.textContent.trim().startsWith(label));
    if (!hit) return false;
    let box = hit.parentElement;
    const scrolls = el =>
        ['auto', 'scroll'].includes(getComputedStyle(el).overflowY) && el.scrollHeight > el.clientHeight;
    while (box && !scrolls(box)) box = box.parentElement;
    const scroller = box || document.scrollingElement;
    scroller.scrollTop += hit.getBoundingClientRect().top - 24;
    return true;
}"""


def chinese_font() -> bool:
    """Whether fontconfig knows a font that covers Chinese (True when fc-list is missing: cannot tell)."""
    if shutil.which("fc-list") is None:
        return True
    found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def small_png(png: bytes) -> bytes:
    """The screenshot as a 256-colour PNG (no dithering: text stays crisp and compresses well)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def take(page, base: str, name: str, shot: Shot, out: Path) -> Path:
    from playwright.sync_api import expect

    query = urllib.parse.urlencode(shot.query)
    page.goto(f"{base}/{shot.path}" + (f"?{query}" if query else ""))
    expect(page.get_by_role("heading", name=shot.heading, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    page.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
    if shot.heatmap_rows is not None:
        page.wait_for_function(HEATMAP_ROWS, arg=shot.heatmap_rows, timeout=TIMEOUT_MS)
    if shot.plots:
        page.wait_for_function(PLOTLY_DRAWN, arg=shot.plots, timeout=TIMEOUT_MS)
    page.wait_for_timeout(1_500)  # plotly's transitions, fonts, the last fragment's repaint
    page.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
    if shot.scroll_to and not page.evaluate(SCROLL_TO, shot.scroll_to):
        raise SystemExit(f"{name}: no {shot.scroll_to!r} on the page to scroll to")
    page.wait_for_timeout(300)
    if page.locator(".stException").count():
        raise SystemExit(f"{name}: the page shows an exception")
    png = small_png(page.screenshot(type="png"))
    target = out / f"{name}.png"
    target.write_bytes(png)
    note = "" if len(png) < MAX_BYTES else f"  (over {MAX_BYTES:,} bytes)"
    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {len(png):,} bytes{note}")
    return target


def _start_class(teacher, base: str, view: dict[str, str]) -> str:
    """The teacher opens Decode on `view` and starts a class: the class's join link."""
    from playwright.sync_api import expect

    teacher.goto(f"{base}/Decode?{urllib.parse.urlencode(view)}")
    expect(teacher.get_by_role("heading", name="Decode, step by step", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    teacher.get_by_role("button", name="Start a class").click()
    link = teacher.get_by_text("?room=").first
    expect(link).to_be_visible(timeout=TIMEOUT_MS)
    return link.inner_text().strip()


CLASS_SHOTS = ("class-teacher", "class-student")  # a live class: the teacher's page and a student's


def take_class(browser, base: str, out: Path) -> None:
    """A live class on Decode (zh-en, 我爱你。 at step 1): the teacher starts it and asks where the next
    token will look; two students join by the link and answer (爱, 你); the teacher reveals. Saves the
    teacher's page (the class in the sidebar, the reveal) and a student's (following, the reveal)."""
    from playwright.sync_api import expect

    def new_page():
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
        return context.new_page()

    teacher = new_page()
    join = _start_class(teacher, base, {"task": "zh-en", "scorer": "general", "sentence": "我爱你。", "step": "1"})
    teacher.get_by_role("button", name="Ask the class").click()
    teacher.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
    students = []
    for answer in ("爱", "你"):
        student = new_page()
        student.goto(join)
        options = student.get_by_role("radiogroup", name="Your answer")
        expect(options).to_be_visible(timeout=TIMEOUT_MS)
        options.get_by_role("radio", name=answer, exact=True).click()
        expect(student.get_by_text("Your answer:")).to_be_visible(timeout=TIMEOUT_MS)
        students.append(student)
    teacher.get_by_role("button", name="Reveal").click()
    for page, name, scroll in (
        (teacher, "class-teacher", "The model"),
        (students[0], "class-student", "Following"),
    ):
        expect(page.get_by_text("of 2 answers were right")).to_be_visible(timeout=TIMEOUT_MS)
        page.wait_for_timeout(1_500)
        page.evaluate(SCROLL_TO, scroll)
        page.wait_for_timeout(300)
        if page.locator(".stException").count():
            raise SystemExit(f"{name}: the page shows an exception")
        png = small_png(page.screenshot(type="png"))
        (out / f"{name}.png").write_bytes(png)
        print(f"{out / name}.png: {len(png):,} bytes")


LESSON_SHOTS = ("class-lesson-teacher", "class-lesson-student")  # a class following a lesson
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1366, "height": 768}  # the lecture frame (issue 62): presentation mode on a projector


def take_class_lesson(browser, base: str, out: Path) -> None:
    """A class following lesson 1, projected: the teacher starts a class, then the lesson, switches presentation
    mode on at 1366×768 and at step 2 asks the class the step's question; two phone students answer (one right,
    one not). Saves a phone student's first screen while the question is open (the question and its options),
    then the teacher reveals: the teacher's projected frame (the page's output beside the lesson's column with the
    class's answers)."""
    from playwright.sync_api import expect

    teacher = browser.new_context(viewport=PROJECTOR, device_scale_factor=1).new_page()
    join = _start_class(teacher, base, {"task": "reverse", "scorer": "general", "sentence": "abcdef"})
    teacher.get_by_test_id("stSidebar").get_by_role("link", name="Lessons", exact=True).click()
    teacher.get_by_role("button", name="Start", exact=True).first.click()
    dock = teacher.locator(".st-key-lesson_dock")
    expect(dock.get_by_text("Step 1 of")).to_be_visible(timeout=TIMEOUT_MS)
    teacher.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
    teacher.get_by_test_id("stSidebar").get_by_text("Presentation mode", exact=True).click()
    expect(teacher.locator("[data-testid=stMain] h1").first).to_have_css("font-size", "35.2px", timeout=TIMEOUT_MS)
    teacher.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
    dock.get_by_role("button", name="Next", exact=True).click()
    expect(dock.get_by_text("Step 2 of")).to_be_visible(timeout=TIMEOUT_MS)
    teacher.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
    dock.get_by_role("button", name="Ask the class this question", exact=True).click()
    students = []
    for pick in (1, 0):  # the right option, then the other
        student = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        student.goto(join)
        options = student.locator(".st-key-lesson_dock").get_by_test_id("stButtonGroup")
        expect(options).to_be_visible(timeout=TIMEOUT_MS)
        options.get_by_role("radio").nth(pick).tap()
        expect(student.get_by_text("Wait for the teacher to reveal", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
        students.append(student)
    expect(teacher.get_by_text("Question 1: 2 answered")).to_be_visible(timeout=TIMEOUT_MS)
    _save(students[0], LESSON_SHOTS[1], out)  # the phone's first screen, as it opened: the question
    teacher.get_by_role("button", name="Reveal", exact=True).click()
    expect(teacher.get_by_text("of 2 answers were right")).to_be_visible(timeout=TIMEOUT_MS)
    _save(teacher, LESSON_SHOTS[0], out)


def _save(page, name: str, out: Path) -> None:
    page.locator(SCRIPT_DONE).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1_500)  # plotly's transitions
    if page.locator(".stException").count():
        raise SystemExit(f"{name}: the page shows an exception")
    png = small_png(page.screenshot(type="png"))
    (out / f"{name}.png").write_bytes(png)
    print(f"{out / name}.png: {len(png):,} bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    names = [*SHOTS, "class", "class-lesson"]
    parser.add_argument("--pages", nargs="+", choices=names, default=names, metavar="PAGE",
                        help=f"which pages ({', '.join(names)}; default: all; class: a live class; "
                             "class-lesson: a class following a lesson)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs (default docs/images)")
    args = parser.parse_args(argv)

    if not chinese_font():
        print("warning: no font with Chinese characters (fc-list :lang=zh); zh-en text will show as boxes. "
              "Debian: apt-get install fonts-wqy-microhei", file=sys.stderr)  # fmt: skip
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with Server() as server, sync_playwright() as p:
        browser = launch_browser(p)
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1, color_scheme="light"
        )
        page = context.new_page()
        for name in args.pages:
            if name == "class":
                take_class(browser, server.url, args.out)
            elif name == "class-lesson":
                take_class_lesson(browser, server.url, args.out)
            else:
                take(page, server.url, name, SHOTS[name], args.out)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
