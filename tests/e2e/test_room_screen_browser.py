"""The room's screens in real Chromium: Home's live example and Decode's first row above the fold on a
1366×768 laptop, the teacher's bar inside a projector's frame (1920×1080 and 1280×720, presentation
mode), the code shown at least 96 px high, a phone follower's heatmap on its first screen (a tap on a cell
names it), and a question's second vote beside its first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from explorer.ui.shell.presentation import LABEL
from tests.e2e.test_class_browser import WAIT_MS, join, start_class, step
from tests.e2e.test_pages_browser import SCRIPT_DONE

FIRST_ROW_BOTTOM = """() => {
  const cell = document.querySelector('svg#decode-heatmap g[data-row="0"] rect');
  return cell ? cell.getBoundingClientRect().bottom : null;
}"""
ROWS = """() => {
  const svg = document.querySelector('svg#decode-heatmap');
  return svg ? Number(svg.getAttribute('data-rows')) : -1;
}"""
# The glyph height of the code's letters as the browser draws them (canvas metrics of the element's font).
# The reveal chart's legend against its bars: the pixels they share (0: the legend covers no bar).
LEGEND_OVERLAP = """() => {
  const chart = [...document.querySelectorAll('.js-plotly-plot')].filter(c => c.querySelector('g.legend')).pop();
  const legend = chart.querySelector('g.legend').getBoundingClientRect();
  let shared = 0;
  for (const bar of chart.querySelectorAll('g.trace.bars path')) {
    const b = bar.getBoundingClientRect();
    const w = Math.min(legend.right, b.right) - Math.max(legend.left, b.left);
    const h = Math.min(legend.bottom, b.bottom) - Math.max(legend.top, b.top);
    shared += Math.max(0, w) * Math.max(0, h);
  }
  return shared;
}"""
CODE_LETTERS_PX = """() => {
  const el = document.querySelector('.ae-class-code');
  const ctx = document.createElement('canvas').getContext('2d');
  const cs = getComputedStyle(el);
  ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  const m = ctx.measureText(el.textContent);
  return m.actualBoundingBoxAscent + m.actualBoundingBoxDescent;
}"""


@pytest.fixture(scope="module")
def server(start_streamlit) -> str:
    return start_streamlit(env={"ATTENTION_EXPLORER_CLASS_MAX_ROOMS": "50"})  # its own rooms


def _open(browser: Browser, url: str, width: int, height: int, **options) -> Page:
    page = browser.new_context(viewport={"width": width, "height": height}, **options).new_page()
    page.goto(url)
    page.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
    return page


def _first_row_on_screen(page: Page) -> float:
    page.wait_for_function(f"({FIRST_ROW_BOTTOM})() !== null", timeout=WAIT_MS)
    bottom = page.evaluate(FIRST_ROW_BOTTOM)
    assert bottom <= page.viewport_size["height"], bottom
    return bottom


@pytest.mark.parametrize(("width", "height"), [(1366, 768), pytest.param(1400, 1000, marks=pytest.mark.slow)])
def test_home_opens_on_a_live_example_above_the_fold(browser: Browser, server: str, width: int, height: int):
    page = _open(browser, f"{server}/?lang=zh", width, height)
    try:
        _first_row_on_screen(page)
        expect(page.locator("svg#decode-heatmap text", has_text="爱").first).to_be_attached(timeout=WAIT_MS)
        assert page.evaluate(ROWS) == 1
        page.get_by_role("button", name="单步", exact=True).click()  # one click steps it
        page.wait_for_function(f"({ROWS})() === 2", timeout=WAIT_MS)
        expect(page.get_by_text("I love", exact=False).first).to_be_visible(timeout=WAIT_MS)
    finally:
        page.context.close()


def test_decode_shows_its_first_row_on_a_laptops_first_screen(browser: Browser, server: str):
    page = _open(browser, f"{server}/Decode?task=en-fr&scorer=general&sentence=I+love+you.&step=2", 1366, 768)
    try:
        _first_row_on_screen(page)
    finally:
        page.context.close()


def _inside(page: Page, name: str) -> None:
    found = page.get_by_role("button", name=name, exact=True)
    expect(found).to_be_visible(timeout=WAIT_MS)
    box = found.bounding_box()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert (
        0 <= box["x"] and box["x"] + box["width"] <= width and 0 <= box["y"] and box["y"] + box["height"] <= height
    ), (
        name,
        box,
        width,
        height,
    )


def test_the_teachers_bar_stays_in_the_projected_frame_and_the_code_is_large(browser: Browser, server: str):
    teacher, code = start_class(browser, server)
    try:
        teacher.get_by_text(LABEL, exact=True).click()  # presentation mode: the sidebar folds away
        teacher.wait_for_function(
            "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().right <= 0",
            timeout=WAIT_MS,
        )
        for width, height in ((1280, 720), (1920, 1080)):
            teacher.set_viewport_size({"width": width, "height": height})
            teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
            for name in ("Ask the class", "Lock", "Show the code", "End"):
                _inside(teacher, name)
            expect(teacher.get_by_text(re.compile(rf"Class {code} · \d+ following"))).to_be_visible()
        teacher.get_by_role("button", name="Show the code", exact=True).click()
        expect(teacher.locator(".ae-class-code")).to_have_text(code, timeout=WAIT_MS)
        assert teacher.evaluate(CODE_LETTERS_PX) >= 96
        expect(teacher.get_by_role("dialog").get_by_role("img")).to_be_visible()  # the QR code beside it
    finally:
        teacher.context.close()


# The teacher's bar's controls: any two that overlap, and any whose words are cut (wider than the control).
BAR_PROBLEMS = """() => {
  const bar = document.querySelector('.st-key-class_teacher_bar');
  const parts = [...bar.querySelectorAll('button, [data-testid=stButtonGroup], .st-key-class_bar_counts p')]
    .filter(p => p.checkVisibility() && p.getBoundingClientRect().width > 0);  // not a hidden help button
  const boxes = parts.map(p => [p.innerText.trim(), p.getBoundingClientRect()]);
  const problems = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, r] = boxes[i], [b, q] = boxes[j];
      const apart = r.right <= q.left + 0.5 || q.right <= r.left + 0.5
        || r.bottom <= q.top + 0.5 || q.bottom <= r.top + 0.5;
      const group = parts[i].closest('[data-testid=stButtonGroup]');  // a switch's options touch by design
      const together = group !== null && group === parts[j].closest('[data-testid=stButtonGroup]');
      if (!apart && !together && !parts[i].contains(parts[j]) && !parts[j].contains(parts[i])) {
        problems.push(a + ' over ' + b);
      }
    }
  }
  for (const part of parts) {
    for (const text of part.querySelectorAll('p, span')) {
      if (text.scrollWidth > text.clientWidth + 1) problems.push('cut: ' + text.innerText.trim());
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_teachers_bar_on_a_laptop_overlaps_nothing_and_cuts_no_word(browser: Browser, server: str, lang: str):
    teacher, _code = start_class(browser, server)
    try:
        if lang == "zh":
            teacher.goto(teacher.url + "&lang=zh")
        teacher.set_viewport_size({"width": 1366, "height": 768})
        teacher.locator(".st-key-class_bar_end button").first.wait_for(timeout=WAIT_MS)
        teacher.locator(SCRIPT_DONE).wait_for(timeout=WAIT_MS)
        assert teacher.evaluate(BAR_PROBLEMS) == []
    finally:
        teacher.context.close()


def test_a_phone_follower_sees_the_heatmap_first_and_a_second_vote(browser: Browser, server: str):
    teacher, code = start_class(browser, server)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True).new_page()
    laptop = join(browser, server, code)
    try:
        phone.goto(f"{server}/?room={code}")
        expect(phone.get_by_text(f"Following the teacher of class {code} · live")).to_be_visible(timeout=WAIT_MS)
        step(teacher, 1)
        phone.wait_for_function(f"({ROWS})() === 1", timeout=WAIT_MS)
        _first_row_on_screen(phone)
        expect(phone.get_by_text("press Step", exact=False)).to_have_count(0)
        expect(phone.get_by_text("Settings (explore on your own to change them)")).to_be_visible()
        phone.locator('svg#decode-heatmap g[data-row="0"] rect').first.tap()
        expect(phone.locator(".ae-heatmap-tap")).to_contain_text("weight", timeout=WAIT_MS)

        teacher.get_by_role("button", name="Ask the class").click()
        for student, pick in ((phone, 0), (laptop, 1)):
            options = student.get_by_role("radiogroup", name="Your answer").get_by_role("radio")
            expect(options.first).to_be_visible(timeout=WAIT_MS)
            options.nth(pick).click()
            expect(student.get_by_text("Wait for the teacher to reveal", exact=False)).to_be_visible(timeout=WAIT_MS)
        teacher.get_by_role("button", name="Reveal", exact=True).click()
        teacher.get_by_role("button", name="Ask again", exact=True).click()
        for student in (phone, laptop):
            options = student.get_by_role("radiogroup", name="Your answer").get_by_role("radio")
            # the second vote's options: none chosen yet (the first vote's showed this student's answer, and a
            # tap on them as they go is an answer to the revealed question)
            expect(student.get_by_role("radiogroup", name="Your answer")).to_have_count(1, timeout=WAIT_MS)
            expect(options.first).to_be_visible(timeout=WAIT_MS)
            expect(
                student.get_by_role("radiogroup", name="Your answer").get_by_role("radio", checked=True)
            ).to_have_count(0, timeout=WAIT_MS)
            options.nth(1).click()
            expect(student.get_by_text("Wait for the teacher to reveal", exact=False)).to_be_visible(timeout=WAIT_MS)
        teacher.get_by_role("button", name="Reveal", exact=True).click()
        for page in (teacher, phone):
            expect(page.get_by_text(re.compile(r"First vote: \d+% right; second vote: \d+% right\."))).to_be_visible(
                timeout=WAIT_MS
            )
        phone.locator(".js-plotly-plot g.legend").last.wait_for(timeout=WAIT_MS)
        assert phone.evaluate(LEGEND_OVERLAP) == 0  # at 390 px the legend covers no bar
        for page in (teacher, phone, laptop):
            expect(page.locator(".stException")).to_have_count(0)
    finally:
        for page in (teacher, phone, laptop):
            page.context.close()
