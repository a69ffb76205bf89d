"""Type for the back row in a projected lesson (issue 62), in real Chromium at 1366×768: a lesson taught to a class
in presentation mode, its Decode step with sentences of 11, 15 and 16 letters (the reverse task: one token a
letter, and </s>).

Up to 15 tokens the heatmap's labels keep the screen's full 24 px (explorer.figures.svg_heatmap: 768 / 32) and no
note shows; at 16 the type is smaller and the note under the colour bar says so with both sizes, in English and
in Chinese. The whole heatmap is inside the frame and the page is not scrolled. The page's title and Decode's
sentence row stay out of the projected lesson's frame (explorer.ui.lessons.dock.projected_css): with them the
heatmap started at y 260 and "hello world" got 21 px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_lecture_frame_browser import BOX, SCROLLED, WAIT_MS, _inside, _settled, _teacher, words
from tests.quick import first_quick

LESSON = "2-what-a-scorer-computes"
HEATMAP = "svg#decode-heatmap"
NOTE = ".ae-heatmap-shrunk"  # the note under the colour bar (heatmap_draw.js)
SMALLER = "Smaller type ({font} px, not {full} px): {rows} rows and {columns} columns must fit the screen."


@pytest.mark.parametrize("lang", first_quick(["en", "zh"]))
def test_labels_keep_24_px_up_to_15_tokens_and_say_the_smaller_size_beyond(
    browser: Browser, streamlit_server: str, lang: str
) -> None:
    teacher, _code = _teacher(browser, streamlit_server, lang, "1366x768", LESSON)
    sentences = ["hello world", "abcdefghijklmno", "abcdefghijklmnop"] if lang == "en" else ["abcdefghijklmnop"]
    for sentence in sentences:
        link = f"task=reverse&scorer=dot&sentence={sentence}&step=1&lesson={LESSON}&at=1&lang={lang}"
        teacher.goto(f"{streamlit_server}/Decode?{link}")
        expect(teacher.locator("[data-testid=stMain] h1").first).to_have_css("font-size", "35.2px", timeout=WAIT_MS)
        heatmap = teacher.locator(HEATMAP)
        expect(heatmap.locator("text.col")).to_have_count(len(sentence) + 1, timeout=WAIT_MS)
        _settled(teacher)
        font = int(heatmap.get_attribute("font-size"))
        note = teacher.locator(NOTE)
        if len(sentence) <= 15:
            assert font == 24, (sentence, font)
            expect(note).to_be_hidden()
        else:
            assert font < 24, (sentence, font)
            n = len(sentence) + 1
            expect(note).to_have_text(words(lang, SMALLER).format(font=font, full=24, rows=n, columns=n))
        assert _inside(teacher, heatmap.evaluate(BOX)), (sentence, heatmap.evaluate(BOX))
        assert teacher.evaluate(SCROLLED) == 0
    teacher.context.close()
