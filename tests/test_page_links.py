"""Shareable links and presentation mode on the view pages (AppTest over tiny untrained models).

Compare keeps task and sentence in the URL, Hidden states task, scorer, sentence and step, Beam
search task, scorer, sentence and beam width: opening such a link restores the view, moving a
widget rewrites the URL, invalid values fall back with a note. Presentation mode is one sidebar
toggle on every page.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import pytest
from streamlit.proto.Block_pb2 import Block
from streamlit.testing.v1 import AppTest

from explorer.state import keys
from explorer.ui.common.markdown import escape_markdown
from explorer.ui.shell import focus, layout, navigation, presentation
from explorer.ui.shell.navigation import page_scripts
from seq2seq.scorers import SCORERS
from tests.app_fixtures import app_test, arrive, named, use_registry, view_key

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    return use_registry(monkeypatch)


def open_page(page: str, query: dict | None = None, **session) -> AppTest:
    at = app_test(page, TIMEOUT)
    at.query_params.update(query or {})
    for key, value in session.items():
        at.session_state[key] = value
    return ok(at.run())


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def column_rows(at: AppTest) -> list[int]:
    """The number of columns of each st.columns row of the main area, top to bottom."""
    blocks = [b for b in at.main.children.values() if type(b).__name__ == "Block"]
    rows = [b for b in blocks if b.proto.WhichOneof("type") == "flex_container"]
    # a row is a horizontal flex container (st.columns); a vertical one is a container (the frame's, frame_head)
    return [len(b.children) for b in rows if b.proto.flex_container.direction == Block.FlexContainer.HORIZONTAL]


def notes(at: AppTest) -> list[str]:
    return [el.value for el in at.info]


# -- Compare ------------------------------------------------------------------------------------
COMPARE = "app_pages/2_Compare.py"


def test_compare_link_restores_and_widgets_rewrite_it():
    at = open_page(COMPARE, {"task": "dates", "sentence": "9 may 2018"})
    assert at.selectbox(key="cmp_task").value == "dates"
    assert at.text_input(key="cmp_sentence").value == "9 may 2018"
    assert at.query_params == {"task": "dates", "sentence": "9 may 2018"}

    ok(at.text_input(key="cmp_sentence").input("1 jan 2000").run())
    assert at.query_params == {"task": "dates", "sentence": "1 jan 2000"}
    ok(at.selectbox(key="compare_b").set_value("location").run())  # another widget: not dragged back
    assert at.text_input(key="cmp_sentence").value == "1 jan 2000"
    assert at.query_params == {"task": "dates", "sentence": "1 jan 2000"}

    ok(at.radio(key="cmp_mode").set_value("pick").run())  # a picked example is the link's sentence too
    picked = at.selectbox(key=view_key(at, "cmp_example", "sentence")).value
    assert at.query_params == {"task": "dates", "sentence": picked}
    assert picked != "1 jan 2000"


def test_compare_unknown_task_falls_back_with_a_note():
    at = open_page(COMPARE, {"task": "klingon", "sentence": "abc", "scorer": "whatever"})
    assert notes(at)[0] == escape_markdown("Unknown task 'klingon'; showing 'reverse'.")
    assert at.selectbox(key="cmp_task").value == "reverse"
    assert at.query_params == {"task": "reverse", "sentence": "abc"}  # no scorer: Compare shows them all


def test_compare_presentation_two_larger_heatmaps_per_row():
    at = open_page(COMPARE, {"task": "reverse", "sentence": "abc"})
    normal = {c["layout"]["title"]["text"]: c["layout"]["height"] for c in charts(at)}
    # gold, then a heatmap per scorer of the test registry (every scorer; `none` a note): rows of three, then
    # the two scorer boxes
    cells = 1 + len(SCORERS)
    assert column_rows(at) == [3] * math.ceil(cells / 3) + [2]
    ok(at.toggle(key="presentation").set_value(True).run())
    assert styles(at) == [focus.CSS, presentation.CSS]
    # The sentence beside the folded settings; the frame: Scorer A and B side by side; then the same
    # cells in rows of two
    assert column_rows(at) == [2] * (2 + math.ceil(cells / 2))
    assert [e.label for e in at.expander] == ["Settings"] and at.text_input(key="cmp_sentence").value == "abc"
    first, second, *grid = charts(at)
    assert [first["layout"]["title"]["text"], second["layout"]["title"]["text"]] == [
        at.selectbox(key="compare_a").value,
        at.selectbox(key="compare_b").value,
    ]
    assert first["layout"]["height"] == second["layout"]["height"] == presentation.FRAME_FIGURE_PX
    big = {c["layout"]["title"]["text"]: c["layout"]["height"] for c in grid}
    assert big == {title: int(height * 1.5) for title, height in normal.items()}


# -- Hidden states -------------------------------------------------------------------------------
STATES = "app_pages/3_Hidden_states.py"
STATES_LINK = {"task": "reverse", "scorer": "dot", "sentence": "abcde", "step": "3"}
# The URL the page writes back: the link, and the decoding it shows (the Decode page's, greedy here).
STATES_URL = {**STATES_LINK, "strategy": "greedy"}


def test_hidden_states_link_restores_and_the_slider_rewrites_it():
    at = open_page(STATES, STATES_LINK)
    assert at.selectbox(key="hs_task").value == "reverse"
    assert at.selectbox(key="hs_scorer").value == "dot"
    assert at.text_input(key="hs_sentence").value == "abcde"
    assert at.slider(key="hs_step").value == 3
    assert at.query_params == STATES_URL
    assert not notes(at)

    ok(at.slider(key="hs_step").set_value(5).run())
    assert at.query_params == {**STATES_URL, "step": "5"}
    ok(at.radio(key="hs_dims").set_value("3D").run())  # the URL it wrote does not drag the slider back
    assert at.slider(key="hs_step").value == 5
    ok(at.selectbox(key="hs_scorer").set_value("general").run())  # the same input: the step stays (clamped)
    assert at.query_params == {**STATES_URL, "scorer": "general", "step": "5"}


def test_hidden_states_new_link_in_the_same_session_wins():
    at = open_page(STATES, STATES_LINK)
    ok(at.text_input(key="hs_sentence").input("xyz").run())
    at.query_params.clear()
    ok(arrive(at, **STATES_LINK).run())  # the same link opened again (the browser's Back, another page's link)
    # The link's view at once, in new boxes: the "xyz" the browser held belongs to a box that is gone.
    assert at.text_input(key=view_key(at, "hs", "sentence")).value == "abcde"
    assert at.slider(key=view_key(at, "hs", "step")).value == 3


def test_hidden_states_negative_step_falls_back_with_a_note():
    at = open_page(STATES, {**STATES_LINK, "step": "-5"})
    assert notes(at)[0] == escape_markdown("step=-5 is outside 0–200; using 0.")
    assert at.slider(key="hs_step").value == 0
    assert at.query_params == {**STATES_URL, "step": "0"}
    ok(at.text_input(key="hs_sentence").input("abc").run())  # the view moved on: the note goes
    assert not any("step=" in n for n in notes(at))


def test_hidden_states_step_past_the_output_shows_the_last_step_with_a_note():
    at = open_page(STATES, {**STATES_LINK, "step": "150"})
    last = int(at.slider(key="hs_step").max)
    assert at.slider(key="hs_step").value == last < 150
    assert notes(at) == [f"The link's step 150 is past the end of this output ({last} tokens): showing step {last}."]
    assert at.query_params == {**STATES_URL, "step": str(last)}
    ok(at.slider(key="hs_step").set_value(1).run())  # the view moved on: the note goes
    assert not notes(at)


def test_hidden_states_presentation_taller_scatter_without_neighbours():
    at = open_page(STATES, STATES_LINK)
    assert len(at.dataframe) == 1
    height = charts(at)[0]["layout"]["height"]
    ok(at.toggle(key="presentation").set_value(True).run())
    assert len(at.dataframe) == 0 and not [h for h in at.header if "neighbours" in h.value]
    assert charts(at)[0]["layout"]["height"] == int(height * 1.5) == 840
    assert at.slider(key="hs_step").value == 3


# -- Beam search ---------------------------------------------------------------------------------
BEAM = "app_pages/4_Beam_search.py"
BEAM_LINK = {"task": "dates", "scorer": "concat", "sentence": "9 may 2018", "beam": "5"}


def test_beam_link_restores_and_the_width_rewrites_it():
    at = open_page(BEAM, BEAM_LINK)
    assert at.selectbox(key="beam_task").value == "dates"
    assert at.selectbox(key="beam_scorer").value == "concat"
    assert at.text_input(key="beam_sentence").value == "9 may 2018"
    assert at.slider(key="beam_width").value == 5
    assert at.query_params == BEAM_LINK

    ok(at.slider(key="beam_width").set_value(2).run())
    assert at.query_params == {**BEAM_LINK, "beam": "2"}
    ok(named(at.selectbox, "beam_hypothesis").set_value(1).run())
    assert at.slider(key="beam_width").value == 2
    ok(at.selectbox(key="beam_task").set_value("reverse").run())  # a new task brings its example
    assert at.query_params == {"task": "reverse", "scorer": "concat", "sentence": "hello world", "beam": "2"}


def test_beam_width_out_of_range_is_clamped_with_a_note():
    at = open_page(BEAM, {**BEAM_LINK, "beam": "99"})
    assert notes(at)[0] == escape_markdown("beam=99 is outside 1–10; using 10.")
    assert at.slider(key="beam_width").value == 10
    assert at.query_params == {**BEAM_LINK, "beam": "10"}


def test_beam_presentation_tree_and_heatmap_side_by_side_in_one_frame():
    at = open_page(BEAM, BEAM_LINK)
    assert column_rows(at) == [3]  # task, scorer and sentence
    ok(at.toggle(key="presentation").set_value(True).run())
    # the sentence beside the folded task and model; beam width and hypothesis; tree and heatmap
    assert column_rows(at) == [2, 2, 2]
    assert [e.label for e in at.expander] == ["Task and model"]
    assert [chart["layout"]["height"] for chart in charts(at)] == [presentation.FRAME_FIGURE_PX] * 2
    assert at.query_params == BEAM_LINK


# -- presentation mode on every page -------------------------------------------------------------
PAGES = list(page_scripts())  # the home page and every other page, from the registry


def styles(at) -> list[str]:
    """The static CSS a page run injected (st.html bodies), in order."""
    return [el.proto.body for el in at.get("html")]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_the_presentation_toggle(page):
    at = open_page(page)
    assert at.toggle(key=keys.PRESENTATION).label == "Presentation mode"
    # The focus ring, and a laptop's compact top at most
    assert set(styles(at)) <= {focus.CSS, layout.COMPACT_CSS} and focus.CSS in styles(at)
    ok(at.toggle(key=keys.PRESENTATION).set_value(True).run())
    assert styles(at) == [focus.CSS, presentation.CSS]


def test_switching_pages_keeps_presentation_mode_on():
    at = open_page("app.py")
    ok(at.toggle(key=keys.PRESENTATION).set_value(True).run())
    for page in PAGES[1:]:
        ok(at.switch_page(page).run())
        assert at.toggle(key=keys.PRESENTATION).value is True, page
        assert styles(at) == [focus.CSS, presentation.CSS], page


# -- the sidebar's list of pages -------------------------------------------------------------------
def test_the_page_list_names_every_page_file_in_order():
    """explorer.ui.shell.navigation lists the home page, then every other page in the registry's order: a new page
    cannot be left out of the sidebar."""
    assert list(navigation.page_scripts()) == PAGES


def test_streamlits_own_page_list_is_hidden():
    """Streamlit's list would name the home page "app", after its file."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showSidebarNavigation"] is False


def test_every_page_links_to_every_page_with_home_first():
    at = open_page("app.py")
    expected = [
        ("Home", ""),
        ("Decode", "Decode"),
        ("Compare", "Compare"),
        ("Hidden states", "Hidden_states"),
        ("Beam search", "Beam_search"),
        ("Models", "Models"),
        ("Train", "Train"),
        ("Timelapse", "Timelapse"),
        ("Lessons", "Lessons"),
        ("Lab", "Lab"),
    ]
    for page in PAGES:
        ok(at.switch_page(page).run())
        links = at.sidebar.get("page_link")
        assert [(link.proto.label, link.proto.page) for link in links] == expected, page
        assert all(link.proto.page_script_hash for link in links), page  # each resolved to its script
        assert len({link.proto.page_script_hash for link in links}) == len(expected)


def test_a_page_run_alone_draws_no_page_list():
    """AppTest on one page file has no app around it: no links, and no error either."""
    at = ok(AppTest.from_file(str(ROOT / "app_pages" / "5_Models.py"), default_timeout=TIMEOUT).run())
    assert at.sidebar.get("page_link") == []
