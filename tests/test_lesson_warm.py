"""The code a teacher's page loads while a class waits on the list of lessons (explorer.ui.lessons.warm, issue 62).

Its browser side is tests/e2e/test_phone_follows_lesson_browser.py (a start fetches no script); here: the files it
names are this Streamlit's, one per element, and a folder that does not hold exactly one file for an element
(another Streamlit) leaves that element to load as before.
"""

from __future__ import annotations

from pathlib import Path

from explorer.ui.lessons import warm


def test_every_element_has_its_one_script_in_the_installed_streamlit() -> None:
    files = warm.element_files()
    assert [name.split(".")[0] for name in files] == list(warm.ELEMENTS)
    for name in files:
        assert (warm.STATIC_JS / name).is_file() and warm.FILE.fullmatch(name)


def test_an_element_without_exactly_one_script_is_left_out(tmp_path: Path) -> None:
    for name in ("TextInput.a1B2.js", "Radio.x.js", "Radio.y.js", "Slider.ok-_9.js", "DataFrame.bad$name.js"):
        (tmp_path / name).write_text("export default 1;\n")
    (tmp_path / "Selectbox.css").write_text("")  # not a script
    assert warm.element_files.__wrapped__(tmp_path) == ("TextInput.a1B2.js", "Slider.ok-_9.js")
