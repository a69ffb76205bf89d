"""Keyboard and clicker control without a browser: which key asks for what (explorer.views.keyboard), what
each page binds, what the focused element keeps, and the component's data in AppTest (Decode and a
lesson's step page). The keys themselves are pressed in Chromium in tests/e2e/test_keys_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import svg_heatmap
from explorer.i18n import using
from explorer.lessons import player
from explorer.ui.common import components
from explorer.ui.decode import stepper as decode_stepper
from explorer.views import keyboard
from tests.app_fixtures import use_registry
from tests.lesson_fixtures import lesson_app, page_path

ROOT = Path(__file__).resolve().parents[1]


def test_each_key_asks_for_its_action():
    assert keyboard.KEY_ACTIONS == {
        "ArrowRight": "forward",
        "PageDown": "forward",
        "ArrowLeft": "back",
        "PageUp": "back",
        " ": "play",
        "Home": "reset",
    }


def test_the_decode_stepper_takes_the_same_keys_and_end():
    assert keyboard.STEPPER_KEYS == {**keyboard.KEY_ACTIONS, "End": keyboard.END}
    js = decode_stepper.script()
    for action in (*keyboard.ACTIONS, keyboard.END):  # each action is a move of the script's
        assert f"{action}:" in js.split("const MOVES = ", 1)[1].split("\n", 1)[0]


def test_a_page_without_play_or_reset_leaves_space_and_home_to_the_browser():
    bound = keyboard.bindings({"forward": "lesson_next", "back": "lesson_back"})
    assert bound == {
        "ArrowRight": "lesson_next",
        "PageDown": "lesson_next",
        "ArrowLeft": "lesson_back",
        "PageUp": "lesson_back",
    }


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError, match=r"unknown keyboard actions \['jump'\]"):
        keyboard.bindings({"forward": "a", "jump": "b"})


def _kept(selector_part: str) -> tuple[str, ...]:
    """The keys the rule whose selector names `selector_part` leaves to the focus."""
    (found,) = [keys_ for selector, keys_ in keyboard.LEFT_TO_THE_FOCUS.items() if selector_part in selector]
    return found


def test_text_boxes_sliders_and_lists_keep_every_key():
    for part in ("textarea", "select", "[contenteditable]", "input:not([type='checkbox'])", "[role='slider']",
                 "[role='listbox']", "[role='combobox']"):  # fmt: skip
        assert _kept(part) == ("*",), part
    text_inputs = next(s for s in keyboard.LEFT_TO_THE_FOCUS if s.startswith("textarea"))
    # a checkbox or a button-like input is no text box: the arrows and PageDown step from there
    assert all(f":not([type='{kind}'])" in text_inputs for kind in ("checkbox", "radio", "button", "submit"))


def test_radio_groups_and_tabs_keep_their_arrows_home_and_space_but_not_the_page_keys():
    kept = _kept("[role='radio']")
    assert set(kept) == {"ArrowRight", "ArrowLeft", "Home", " "}
    assert _kept("[role='tab']") == kept
    assert {"PageDown", "PageUp"}.isdisjoint(kept)  # the clicker steps right after a scorer is picked


def test_buttons_links_and_checkboxes_keep_only_space():
    assert _kept("button, a[href]") == (" ",)
    assert _kept("[role='checkbox'], [role='switch']") == (" ",)


def test_every_bound_key_is_a_key_of_the_rules():
    """The rules name only keys that are bound (a typo would leave a key to the page by mistake)."""
    named = {k for keys_ in keyboard.LEFT_TO_THE_FOCUS.values() for k in keys_} - {"*"}
    assert named <= set(keyboard.KEY_ACTIONS)


def test_the_script_is_static_and_reads_the_data():
    js = components.keyboard_js()
    assert "innerHTML" not in js and "eval(" not in js
    assert "textContent = data.legend" in js and "state.bindings[key]" in js
    assert "__" not in re.sub(r"doc\.__aeKeyboard\w*", "", js)  # no placeholder left to fill in


def test_the_legends_are_translated():
    with using("zh"):
        from explorer.i18n import _

        for legend in (keyboard.DECODE_LEGEND, keyboard.LESSON_LEGEND, keyboard.LESSON_CLICKER_LEGEND):
            shown = _(legend)
            assert shown != legend and "PageDown" in shown and "PageUp" in shown
        shown = _(keyboard.DECODE_LESSON_LEGEND)
        assert shown != keyboard.DECODE_LESSON_LEGEND and "→" in shown and "PageDown" not in shown


# -- in the pages (AppTest) ----------------------------------------------------------------------------
def _keyboards(at: AppTest) -> list[dict]:
    return [
        json.loads(el.proto.json)
        for el in at.get("bidi_component")
        if el.proto.component_name == components.KEYBOARD_NAME
    ]


def _steppers(at: AppTest) -> list[dict]:
    return [
        json.loads(el.proto.json)
        for el in at.get("bidi_component")
        if el.proto.component_name == svg_heatmap.COMPONENT_NAME
    ]


def test_the_decode_page_gives_its_stepper_the_keys_and_the_legend(monkeypatch):
    use_registry(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app_pages" / "1_Decode.py"), default_timeout=60)
    at.query_params.update({"task": "dates", "step": "2"})
    at.run()
    assert not at.exception
    assert _keyboards(at) == []  # no button for a key to press: the stepper takes them itself
    (data,) = _steppers(at)
    assert data["keys"] == keyboard.STEPPER_KEYS and data["texts"]["legend"] == keyboard.DECODE_LEGEND
    assert data["focus"] == {selector: list(kept) for selector, kept in keyboard.STEPPER_FOCUS.items()}
    assert at.session_state["_view"].step == 2


def test_a_lesson_step_binds_next_and_back_on_every_page(monkeypatch):
    """On a step's page other than Decode (here lesson 1's step 5, on Compare), → / PageDown press the lesson's
    Next and ← / PageUp its Back; on a Decode step PageDown and PageUp still do (the clicker moves the lesson)
    and the stepper keeps the arrows, Space, Home and End."""
    use_registry(monkeypatch)
    at = lesson_app(player.link_params("1-why-attention", 4))
    assert page_path(at) == "Compare"
    (data,) = _keyboards(at)
    assert data["bindings"] == {
        "ArrowRight": "lesson_next",
        "PageDown": "lesson_next",
        "ArrowLeft": "lesson_back",
        "PageUp": "lesson_back",
    }
    assert data["legend"] == keyboard.LESSON_LEGEND
    assert at.button(key="lesson_next").label == "Next" and at.button(key="lesson_back").label == "Back"
    at = lesson_app(player.link_params("1-why-attention", 2))
    assert page_path(at) == "Decode"
    (data,) = _keyboards(at)
    assert data["bindings"] == {"PageDown": "lesson_next", "PageUp": "lesson_back"}
    assert data["legend"] == keyboard.LESSON_CLICKER_LEGEND
    (stepping,) = _steppers(at)
    assert stepping["keys"] == {
        "ArrowRight": "forward",
        "ArrowLeft": "back",
        " ": "play",
        "Home": "reset",
        "End": "end",
    }
    assert stepping["texts"]["legend"] == keyboard.DECODE_LESSON_LEGEND


def test_space_plays_on_decode_whatever_was_clicked_last():
    """The stepper's focus rules leave Space to no button or link (it is Play/Pause; Enter presses them), and
    keep every other rule: a checkbox, switch or radio keeps Space, text boxes, sliders and lists every key."""
    assert keyboard.STEPPER_FOCUS == {s: k for s, k in keyboard.LEFT_TO_THE_FOCUS.items() if s != keyboard.BUTTONS}
    assert "button" in keyboard.BUTTONS and "a[href]" in keyboard.BUTTONS and "checkbox" not in keyboard.BUTTONS
    assert keyboard.stepper_keys(lesson=False) == keyboard.STEPPER_KEYS
    assert set(keyboard.STEPPER_KEYS) - set(keyboard.stepper_keys(lesson=True)) == set(keyboard.CLICKER_KEYS)


def test_the_lesson_list_has_no_keys(monkeypatch):
    use_registry(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app_pages" / "8_Lessons.py"), default_timeout=60).run()
    assert not at.exception
    assert _keyboards(at) == []
