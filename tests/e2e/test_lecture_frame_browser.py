"""The lecture frame (issue 62), in real Chromium: a teacher projects a lesson to a class of two phone followers
and walks its every step with the clicker's PageDown, asking each step's question and revealing the answers.

Projector (1366×768 or 1920×1080, presentation mode): what the step's frame keeps in sight (its heatmap, chart,
table or output: explorer.lessons.schema.Step.frame_view) is inside the viewport, and so are the revealed answers;
the page never scrolls; the lesson's words fade at the foot of their box when more is below.
Phones (390×844, touch): while a question is open, its prompt and options are inside the first screen, every
option is a target of at least 24 px and no option's text is cut; a new step opens at the top.

The quick run (the default test run) walks lesson 2 in Chinese at 1366×768 (the smaller frame); the slow
run (`-m slow`) every shipped lesson at both sizes in both languages. Problems are collected for the whole walk
and reported together.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.browser import FRAME_VIEW
from explorer import i18n
from explorer.i18n import _
from explorer.lessons import catalog
from explorer.ui.shell.presentation import LABEL
from tests.e2e import page_clock
from tests.e2e.test_presentation_browser import kept

WAIT_MS = 30_000
SCRIPT_DONE = "[data-test-script-state='notRunning']"
LESSONS = catalog()[0]
SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
CODE = re.compile(r"\b([A-Z2-9]{6})\b")
BOX = "e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }"
SCROLLED = "() => window.scrollY + (document.querySelector('[data-testid=stMain]')?.scrollTop || 0)"
ANSWERS = ".st-key-class_lesson_revealed, .st-key-class_revealed"
PROJECTED_H1 = "35.2px"  # a page's title in presentation mode (explorer.ui.shell.presentation.CSS: 2.2rem)
# The lesson's words in the projected side column: (more than its box shows, the fade at its foot in px). A box
# that scrolls must say so (explorer.ui.lessons.dock.projected_css), one that shows all must not fade.
WORDS = """() => { const w = document.querySelector('.st-key-lesson_words'); if (!w) return null;
  return [w.scrollHeight > w.clientHeight + 1, parseFloat(getComputedStyle(w).getPropertyValue('--ae-more')) || 0]; }"""
QUESTION = ".st-key-class_question"  # a follower's open question (explorer.ui.classes.student.QUESTION_KEY)
# Each option's target and whether its text is cut (an ellipsis: wider than its box).
OPTIONS = """q => [...q.querySelectorAll('button')].filter(b => b.offsetParent).map(b => {
  const r = b.getBoundingClientRect();
  const cut = [b, ...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1
    || (getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth));
  return [r.left, r.top, r.right, r.bottom, cut, b.innerText]; })"""

QUICK = [("zh", "1366x768", ("2-what-a-scorer-computes",))]
FULL = [(lang, size, tuple(LESSONS)) for lang in ("en", "zh") for size in SIZES]


def words(lang: str, message: str) -> str:
    with i18n.using(lang):
        return _(message)


def _inside(page: Page, box: list[float], whole: bool = True) -> bool:
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    left, top, right, bottom = box
    return 0 <= left and 0 <= top and right <= width + 1 and (bottom <= height + 1 if whole else top < height)


def _settled(page: Page) -> None:
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    page_clock.quiet(page)


def _teacher(browser: Browser, server: str, lang: str, size: str, lesson: str) -> tuple[Page, str]:
    width, height = SIZES[size]
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page_clock.watch(page)
    page.goto(f"{server}/Lessons?lesson={lesson}&at=1&lang={lang}")
    expect(page).to_have_url(re.compile(rf"lesson={lesson}&at=1"), timeout=WAIT_MS)
    _settled(page)
    page.get_by_role("button", name=words(lang, "Start a class"), exact=True).click()
    counts = page.locator(".st-key-class_bar_counts")
    expect(counts).to_be_visible(timeout=WAIT_MS)
    code = CODE.search(counts.inner_text()).group(1)
    page.get_by_text(words(lang, LABEL), exact=True).click()
    expect(page.locator("[data-testid=stMain] h1").first).to_have_css("font-size", PROJECTED_H1, timeout=WAIT_MS)
    kept(page)  # the tests go to lesson links next: a page load, which opens in the mode only once the tab keeps it
    return page, code


def _phone(browser: Browser, server: str, code: str, lang: str) -> Page:
    page = browser.new_context(**PHONE).new_page()
    page_clock.watch(page)
    page.goto(f"{server}/?room={code}&lang={lang}")
    live = words(lang, "Following the teacher of class {code} · live").format(code=code)
    expect(page.get_by_text(live)).to_be_visible(timeout=WAIT_MS)
    return page


def _main_view(page: Page, shows: str) -> tuple[str, list[float]] | None:
    """The first of the step's view's selectors the page shows, and its box; None when none shows. A chart is drawn
    a moment after the run that sent it has ended (plotly loads lazily): waited for, as the page shows it."""
    try:
        page.locator(", ".join(FRAME_VIEW[shows])).locator("visible=true").first.wait_for(timeout=WAIT_MS)
    except Exception:  # noqa: BLE001 (none within the wait: said with the step)
        return None
    for selector in FRAME_VIEW[shows]:
        found = page.locator(selector).locator("visible=true")
        if found.count():
            return selector, found.first.evaluate(BOX)
    return None


def _walk(browser: Browser, server: str, lang: str, size: str, lesson_ids: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    teacher, code = _teacher(browser, server, lang, size, lesson_ids[0])
    phones = [_phone(browser, server, code, lang) for _ in range(2)]
    for number, lesson_id in enumerate(lesson_ids):
        lesson = LESSONS[lesson_id]
        if number:  # the next lesson: its link, in the same tab (the class and presentation mode are kept)
            teacher.goto(f"{server}/Lessons?lesson={lesson_id}&at=1&lang={lang}")
            # the tab's answer turns presentation mode on again a run after the page opens (its large type)
            expect(teacher.locator("[data-testid=stMain] h1").first).to_have_css(
                "font-size", PROJECTED_H1, timeout=WAIT_MS
            )
        for index, step in enumerate(lesson.steps):
            where = f"{lang} {size} {lesson_id} step {index + 1} ({step.page})"
            if index:  # the clicker, once the page's keys are bound to the lesson's Next (its legend is drawn)
                expect(teacher.locator(".ae-keys[data-bound]").first).to_be_attached(timeout=WAIT_MS)
                _settled(teacher)
                teacher.evaluate("document.activeElement && document.activeElement.blur()")
                teacher.keyboard.press("PageDown")
            expect(teacher).to_have_url(re.compile(rf"lesson={lesson_id}&at={index + 1}(&|$)"), timeout=WAIT_MS)
            _settled(teacher)
            shown = _main_view(teacher, step.frame_view())
            if shown is None:
                problems.append(f"{where}: no {step.frame_view()} on the projector")
            elif not _inside(teacher, shown[1], whole=step.page in ("decode", "compare")):
                problems.append(f"{where}: {shown[0]} at {[round(v) for v in shown[1]]} leaves the frame")
            more, fade = teacher.evaluate(WORDS) or (False, 0)
            if more != (fade > 0):
                problems.append(f"{where}: the lesson's words {'are cut with no fade' if more else 'fade, all shown'}")
            if teacher.evaluate(SCROLLED):
                problems.append(f"{where}: the projected page scrolled {teacher.evaluate(SCROLLED)} px")
            ask = teacher.locator(".st-key-class_lesson_ask button")
            if not ask.count():
                continue
            ask.click()
            for phone_number, phone in enumerate(phones, start=1):
                question = phone.locator(QUESTION)
                try:
                    question.wait_for(timeout=WAIT_MS)
                except Exception:  # noqa: BLE001 (said below with the step)
                    problems.append(f"{where}: phone {phone_number} shows no question")
                    continue
                _settled(phone)
                if phone.evaluate(SCROLLED):
                    problems.append(f"{where}: phone {phone_number} opened the step scrolled")
                if not _inside(phone, question.evaluate(BOX)):
                    box = [round(v) for v in question.evaluate(BOX)]
                    problems.append(f"{where}: phone {phone_number}'s question at {box} is not in the first screen")
                for left, top, right, bottom, cut, text in question.evaluate(OPTIONS):
                    if right - left < 24 or bottom - top < 24:
                        problems.append(f"{where}: option {text!r} is a {right - left:.0f}×{bottom - top:.0f} target")
                    if cut:
                        problems.append(f"{where}: option {text!r} is cut")
            _settled(teacher)
            teacher.locator(".st-key-class_reveal button").click()
            answers = teacher.locator(ANSWERS).first
            answers.wait_for(timeout=WAIT_MS)
            _settled(teacher)
            if not _inside(teacher, answers.evaluate(BOX)):
                problems.append(f"{where}: the revealed answers at {[round(v) for v in answers.evaluate(BOX)]}")
    for page in (teacher, *phones):
        if page.locator(".stException").count():
            problems.append(f"{lang} {size}: an exception on {page.url}")
        page.context.close()
    print("\n".join(problems))  # noqa: T201 (the whole walk's problems, with -s)
    return problems


@pytest.mark.parametrize(("lang", "size", "lesson_ids"), QUICK, ids=[f"{c[0]}-{c[1]}" for c in QUICK])
def test_a_taught_lesson_stays_in_the_frame_and_on_the_phones_first_screen(
    browser: Browser, streamlit_server: str, lang: str, size: str, lesson_ids: tuple[str, ...]
) -> None:
    assert _walk(browser, streamlit_server, lang, size, lesson_ids) == []


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "size", "lesson_ids"), FULL, ids=[f"{c[0]}-{c[1]}" for c in FULL])
def test_every_shipped_lesson_stays_in_the_frame_and_on_the_phones_first_screen(
    browser: Browser, streamlit_server: str, lang: str, size: str, lesson_ids: tuple[str, ...]
) -> None:
    assert _walk(browser, streamlit_server, lang, size, lesson_ids) == []
