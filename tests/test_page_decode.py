"""The Decode page in AppTest, over a registry of small untrained models (UI mechanics only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import svg_heatmap
from explorer.state import catalog, keys
from explorer.views import decode_analysis
from tests.app_fixtures import column_rows, report_step, stepper_data, use_registry, view_key

PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "1_Decode.py")
TEXT_ELEMENTS = ("markdown", "caption", "info", "warning", "error", "success", "latex", "title", "subheader")


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    return use_registry(monkeypatch)


def page(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params.update(query)
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def charts(at: AppTest, kind: str) -> list[dict]:
    specs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    return [s for s in specs if s["data"] and s["data"][0]["type"] == kind]


def open_tab(at: AppTest, label: str) -> AppTest:
    """Open one of the tabs below the heatmap (only the open tab's content is rendered)."""
    at.session_state[keys.DECODE_TABS] = label
    return ok(at.run())


def heatmaps(at: AppTest) -> list[dict]:
    """The data of every SVG heatmap on the page: the stepper's (explorer.figures.svg_heatmap, in the stepper)."""
    return [data["heatmap"] for data in stepper_data(at) if data["heatmap"] is not None]


def step(at: AppTest, k: object) -> AppTest:
    """The stepper reports it shows step `k` (a Step, Back, Reset, the slider or a key in the browser), and the
    page runs."""
    assert report_step(at, k)
    return ok(at.run())


def bar_charts(at: AppTest) -> dict[str, dict]:
    """The page's SVG bar charts (explorer.figures.svg_bars) by kind: "scores", "topk" and "shares"."""
    found = [json.loads(el.proto.json) for el in at.get("bidi_component")]
    return {data["kind"]: data for data in found if data.get("kind") in ("scores", "topk", "shares")}


def heatmap_rows(at: AppTest) -> int:
    """Rows the Decode heatmap shows; it always carries the whole decode, shown up to the step."""
    (heatmap,) = heatmaps(at)
    assert len(heatmap["attention"]) == len(heatmap["target"]) == at.session_state[keys.TRACE]["data"].num_steps
    return heatmap["step"]


def texts(at: AppTest) -> list[str]:
    return [str(el.value) for kind in TEXT_ELEMENTS for el in at.get(kind)]


def test_renders_with_defaults():
    at = ok(page())
    assert at.text_input(key="decode_sentence").label == "Source sentence"
    (stepper,) = stepper_data(at)  # Step, Back, Play, Reset and the step slider are the stepper's, in the browser
    assert {"Step", "Back", "Play", "Pause", "Reset"} <= set(stepper["texts"].values())
    assert stepper["steps"] == len(stepper["tokens"]) == len(stepper["outputs"]) == len(stepper["announce"]) - 1
    assert heatmap_rows(at) == 0
    assert at.session_state["_view"].task == at.session_state["_view"].task and at.session_state["_view"].step == 0
    # the sentence every page opens on ("hello world" for reverse), not the task's first probe ("a")
    assert at.session_state["_view"].sentence == catalog.default_sentence(at.session_state["_view"].task) != "a"
    assert at.query_params["task"] == at.session_state["_view"].task and at.query_params["step"] == "0"
    assert not at.warning
    assert {d.label for d in at.get("download_button")} == {"Attention matrix (CSV)", "Whole trace (JSON)"}


def test_step_adds_one_row_and_back_removes_one():
    at = ok(page(task="dates", scorer="general", sentence="9 may 2018"))
    assert heatmap_rows(at) == 0
    step(at, 1)
    assert heatmap_rows(at) == 1
    step(at, 2)
    assert heatmap_rows(at) == 2 and at.session_state["_view"].step == 2 and at.query_params["step"] == "2"
    second = at.session_state[keys.TRACE]["data"].steps[1]
    bars = bar_charts(at)  # the current step's scores and weights, and its top-k, as drawn in the page
    assert bars["scores"]["scores"] == pytest.approx(second.scores, abs=1e-6)
    assert bars["scores"]["weights"] == pytest.approx(at.session_state[keys.TRACE]["data"].attention[1], abs=1e-6)
    assert bars["topk"]["labels"][0] == f"1. {second.topk[0][0]}" and bars["topk"]["chosen"][0]
    pieces = at.session_state[keys.TRACE]["data"].target_tokens
    (stepper,) = stepper_data(at)  # the output so far, token by token, and as the text it spells, at every step
    assert stepper["tokens"] == pieces and stepper["outputs"][1] == "".join(pieces[:2]) and stepper["step"] == 2
    step(at, 1)  # Back
    assert heatmap_rows(at) == 1 and at.session_state["_view"].step == 1
    step(at, 0)  # Reset
    assert heatmap_rows(at) == 0
    step(at, 3)  # the slider
    assert heatmap_rows(at) == 3


@pytest.mark.parametrize("value", [-1, "past the end", "3", 2.0, True, None], ids=repr)
def test_a_report_that_is_no_step_of_the_decode_changes_nothing(value):
    """The report is a value from the browser: only a whole number of steps of this decode counts."""
    at = ok(page(task="dates", scorer="general", sentence="9 may 2018", step="1"))
    if value == "past the end":
        value = at.session_state[keys.TRACE]["data"].num_steps + 1
    assert not report_step(at, value)
    ok(at.run())
    assert at.session_state["_view"].step == 1 and at.query_params["step"] == "1"


def test_the_stepper_keeps_its_instance_for_its_own_reports_and_a_new_one_when_the_view_moves():
    """A report keeps the stepper's key (the browser's step stands); a step moved by anything else (here a new
    sentence, which starts at step 0) gives it a new key, whose instance starts at the server's step; a report
    from the old instance is then refused."""
    from explorer.views import stepper as stepper_view

    at = ok(page(task="dates", scorer="general", sentence="9 may 2018", step="2"))
    old = stepper_view.key(at.session_state)
    step(at, 3)
    assert stepper_view.key(at.session_state) == old
    ok(at.text_input(key="decode_sentence").input("1 jan 2000").run())
    assert at.session_state["_view"].step == 0 and stepper_view.key(at.session_state) != old
    assert not stepper_view.take_report(at.session_state, old, 4, 10)
    assert stepper_data(ok(at.run()))[0]["step"] == 0


def test_the_stepper_plays_at_the_settings_speed():
    at = ok(page(task="reverse", scorer="general", sentence="ab"))
    assert stepper_data(at)[0]["speed"] == 0.6
    ok(at.slider(key=keys.DECODE_SPEED).set_value(1.5).run())
    assert stepper_data(at)[0]["speed"] == 1.5


def test_scorer_toggle_switches_model_and_keeps_sentence_and_step():
    at = ok(page(task="dates", scorer="general", sentence="1 jan 2000", step="2"))
    assert heatmap_rows(at) == 2
    ok(at.segmented_control(key="decode_scorer").set_value("dot").run())
    assert at.session_state["_view"].scorer == "dot" and at.query_params["scorer"] == "dot"
    assert at.session_state["_view"].sentence == "1 jan 2000" and at.session_state["_view"].step == 2
    assert at.session_state[keys.TRACE]["key"][0] == "dates/dot"
    assert heatmap_rows(at) == 2
    assert any("Model dates/dot" in c.value for c in at.caption)


def test_whatif_changes_the_output():
    at = ok(page(task="dates", scorer="general", sentence="9 may 2018", step="1"))
    row = at.session_state[keys.TRACE]["data"].current(1)
    choice = decode_analysis.first_alternative(row)
    forced = row.topk[choice][0]
    assert forced != row.token
    open_tab(at, "What if…")
    ok(at.selectbox(key=keys.DECODE_WHATIF).set_value(choice).run())
    ok(at.button(key="decode_whatif_go").click().run())
    result = decode_analysis.whatif_result(at.session_state, at.session_state[keys.TRACE]["data"], 0)
    assert result is not None and result.target_tokens[0] == forced
    table = at.dataframe[-1].value
    assert list(table["what-if"])[0] == forced and list(table["note"])[0] == "forced"


@pytest.mark.parametrize(
    "query,said",
    [
        (
            {"strategy": "sample", "temperature": "1.5", "seed": "4"},
            "Continued by sampling with the original's temperature 1.5 and seed 4 (the same random draws), "
            "so only the forced token and what follows from it differ.",
        ),
        (
            {"strategy": "beam", "beam": "2"},
            "Continued greedily from the forced token, not by beam search, which cannot resume from a forced "
            "token, so this is no beam result.",
        ),
    ],
)
def test_whatif_says_how_the_new_output_was_continued(query, said):
    at = ok(page(task="dates", scorer="general", sentence="9 may 2018", step="2", **query))
    open_tab(at, "What if…")
    ok(at.button(key="decode_whatif_go").click().run())
    data = at.session_state[keys.TRACE]["data"]
    result = decode_analysis.whatif_result(at.session_state, data, 1)
    assert said in [c.value for c in at.caption] and decode_analysis.continuation(data) == said
    row = data.current(2)
    assert result.token_ids[:2] == [data.token_ids[0], row.topk[decode_analysis.first_alternative(row)][1]]


def test_attention_override_shows_before_and_after():
    at = open_tab(page(task="dates", scorer="general", sentence="9 may 2018", step="2"), "Attention override")
    ok(at.selectbox(key=keys.DECODE_OVERRIDE).set_value(0).run())
    assert any("prediction before" in c.value for c in at.text)
    titles = [s["layout"]["title"]["text"] for s in charts(at, "bar") if s["layout"].get("title")]
    assert "top-k before" in titles and "top-k after (one-hot)" in titles


def test_explain_this_cell_shows_formula_and_numbers():
    at = ok(page(task="dates", scorer="dot", sentence="9 may 2018", step="2"))
    latex = [el.value for el in at.latex]
    assert any(r"h_t^\top" in v for v in latex)  # the dot scorer's formula
    assert any(r"\frac" in v and "a_{2," in v for v in latex)  # numbers for the current row: step 2
    assert any("Check: the score recomputed" in m.value for m in at.markdown)
    shares = bar_charts(at)["shares"]  # each weight of the explained row beside its share of c_t
    row = at.session_state[keys.TRACE]["data"].attention[1]
    assert shares["weights"] == pytest.approx(row, abs=1e-6) and sum(shares["shares"]) == pytest.approx(1, abs=1e-5)
    assert shares["highlight"] == at.session_state[keys.DECODE_EXPLAIN_SOURCE]


def test_the_heatmap_is_the_trace_drawn_in_the_page():
    at = ok(page(task="dates", scorer="general", sentence="9 may 2018", step="3"))
    (heatmap,) = heatmaps(at)
    trace = at.session_state[keys.TRACE]["data"]
    assert heatmap["step"] == 3 and heatmap["source_text"] == "9 may 2018"
    assert heatmap["attention"] == [[round(w, 4) for w in row] for row in trace.attention]
    assert heatmap["source_full"][0] == "01 9" and heatmap["target_full"][0] == "01 " + trace.target_tokens[0]
    assert heatmap["colors"][0] == "#f7fbff" and heatmap["colors"][-1] == "#08306b"  # Blues, fixed 0..1
    assert not charts(at, "heatmap")  # no plotly on a page's first view: its bundle is the slowest part


def test_the_stepper_reports_the_step_it_shows_under_the_name_the_page_reads():
    """stepper.js reports its state value "step" (explorer.views.stepper.FIELD), the page's callback for it is
    on_step_change, and it draws the heatmap <svg id="decode-heatmap"> the browser tests and the bench find."""
    from explorer.views import stepper as stepper_view

    at = ok(page(task="dates", scorer="general", sentence="9 may 2018", step="1"))
    (element,) = [el for el in at.get("bidi_component") if el.proto.component_name == svg_heatmap.COMPONENT_NAME]
    assert f'setStateValue("{stepper_view.FIELD}", s.shown)' in element.proto.js_content
    assert f'id: "{svg_heatmap.SVG_ID}"' in element.proto.js_content and ".ae-stepper-bar" in element.proto.css_content


def test_the_interactive_tab_has_the_plotly_heatmap():
    at = open_tab(page(task="dates", scorer="general", sentence="9 may 2018", step="2"), "Interactive heatmap")
    (figure,) = charts(at, "heatmap")
    trace = figure["data"][0]
    assert len(trace["z"]) == 2 and trace["zmin"] == 0 and trace["zmax"] == 1
    assert trace["x"][0] == "01 9"
    step(at, 3)
    assert len(charts(at, "heatmap")[0]["data"][0]["z"]) == 3


def test_only_the_open_tab_is_built():
    at = ok(page(task="dates", scorer="dot", sentence="9 may 2018", step="2"))
    assert at.session_state[keys.DECODE_TABS] == "Explain this cell"
    assert not charts(at, "scatter")  # the Links tab is closed: its figure is not built
    at = open_tab(at, "Links")
    assert not at.latex  # nor is the closed Explain tab's formula
    (links,) = charts(at, "scatter")
    assert {trace["meta"]["target"] for trace in links["data"] if trace.get("mode") == "lines"} == {0, 1}  # 2 steps
    step(at, 3)  # a step keeps the open tab open
    assert at.session_state[keys.DECODE_TABS] == "Links" and not at.latex


def test_invalid_query_parameters_fall_back_with_a_warning():
    at = ok(page(task="nope", step="-5", scorer="../../etc"))
    (warning,) = at.warning
    assert "nope" in warning.value and "etc" in warning.value and "step" in warning.value
    assert "<" not in warning.value
    assert at.session_state["_view"].task in ("reverse", "dates") and at.session_state["_view"].step == 0
    assert at.query_params["task"] == at.session_state["_view"].task  # the URL now holds the valid view
    step(at, 1)
    assert heatmap_rows(at) == 1


def test_a_link_step_past_the_end_of_the_decode_says_so():
    at = ok(page(task="reverse", scorer="general", sentence="abc", step="99"))
    n = at.session_state[keys.TRACE]["data"].num_steps
    assert at.session_state["_view"].step == n < 99 and heatmap_rows(at) == n
    assert [w.value for w in at.warning] == [
        f"The link asked for step 99; this decode has {n} steps, so it shows step {n}."
    ]
    at = ok(page(task="reverse", scorer="general", sentence="abc", step=str(n)))  # the last step exactly: no note
    assert not at.warning


def test_a_link_reference_over_the_limit_is_cut_with_a_note():
    at = ok(page(task="dates", scorer="general", sentence="9 may", reference="z" * 10_000))
    assert at.text_input(key="decode_reference").value == "z" * 500
    (warning,) = [w.value for w in at.warning if w.value.startswith("The link had values")]
    assert "The reference in the link is longer than 500 characters; it was cut" in warning.replace("\\", "")


def test_link_restores_the_view():
    at = ok(page(task="dates", scorer="concat", sentence="2 feb 2002", step="3", strategy="beam", beam="2"))
    assert not at.warning
    assert at.segmented_control(key="decode_scorer").value == "concat"
    assert at.text_input(key="decode_sentence").value == "2 feb 2002"
    assert at.radio(key="decode_strategy").value == "beam" and at.slider(key=view_key(at, "decode", "beam")).value == 2
    assert heatmap_rows(at) == 3 and at.session_state[keys.TRACE]["data"].strategy == "beam"


def test_none_scorer_says_so_and_still_steps():
    at = ok(page(task="reverse", scorer="none", sentence="abc"))
    assert any("no attention" in i.value for i in at.info)
    assert not heatmaps(at)
    step(at, 1)
    assert at.session_state["_view"].step == 1 and not heatmaps(at)
    (stepper,) = stepper_data(at)  # the controls and the output still step it, with no heatmap
    assert stepper["heatmap"] is None and stepper["steps"] == at.session_state[keys.TRACE]["data"].num_steps
    assert set(bar_charts(at)) == {"topk"}  # the top-k candidates still show; no scores to draw


def test_empty_sentence_shows_a_hint():
    at = ok(page(task="reverse", sentence="abc"))
    ok(at.text_input(key="decode_sentence").input("").run())
    assert any("Source sentence" in i.value for i in at.info)
    assert not at.error and not heatmaps(at)


def test_html_sentence_is_shown_as_text():
    at = ok(page(task="dates", sentence="<script>alert(1)</script>"))
    step(at, 1)
    assert all("<script>" not in value for value in texts(at))
    assert all("<script>" not in el.proto.body for el in at.get("html"))  # only static CSS is HTML
    assert any("unknown token" in w.value for w in at.warning)  # '<' and '>' are not in the vocabulary


def test_too_long_sentence_says_the_limit():
    at = ok(page(task="reverse", sentence="a" * 201))
    assert any("takes at most 200" in e.value for e in at.error)
    # past the training length but within the limit: decoded, with a note that quality drops
    at = ok(page(task="reverse", sentence="a" * 60))
    assert not at.error and any("expect lower quality beyond that length" in w.value for w in at.warning)


def test_teacher_forcing_and_task_switch():
    at = ok(page(task="reverse", scorer="general", sentence="abc"))
    ok(at.text_input(key="decode_reference").input("cba").run())
    trace = at.session_state[keys.TRACE]["data"]
    assert trace.target_tokens == ["c", "b", "a", "</s>"] and at.session_state["_view"].reference == "cba"
    ok(at.selectbox(key="decode_task").set_value("dates").run())
    assert at.session_state["_view"].task == "dates"
    assert at.session_state["_view"].sentence == catalog.default_sentence("dates")
    assert at.session_state["_view"].reference == ""  # the reference was the last sentence's


def widget_rows(node) -> list[list[set[str]]]:
    """For every st.columns row of the page: the keys of the widgets in each of its columns."""
    return [
        [{e.key for e in column if isinstance(getattr(e, "key", None), str)} for column in row]
        for row in column_rows(node)
    ]


def test_presentation_mode_packs_the_page_into_one_frame():
    at = ok(page(task="dates", sentence="9 may 2018", step="2"))
    rows = widget_rows(at.main)
    # On a laptop, with a sentence chosen: the sentence and its examples first, the task folded away.
    assert rows[0] == [{"decode_sentence"}, {keys.DECODE_EXAMPLE}]
    (laptop_folded,) = [e for e in at.expander if e.label == "Task, model, strategy and play speed"]
    assert {w.key for w in laptop_folded.selectbox} == {"decode_task"}
    assert [keys.DECODE_SPEED] == [w.key for w in laptop_folded.slider]
    ok(at.toggle(key="presentation").set_value(True).run())
    settings = {"decode_task", "decode_scorer", "decode_strategy", "decode_reference"}
    rows = widget_rows(at.main)
    # The sentence in sight, beside the folded settings (task, scorer, strategy, reference).
    assert rows[0][0] == {"decode_sentence"} and rows[0][1] >= settings
    (folded,) = [e for e in at.expander if e.label == "Decoding settings"]
    assert {w.key for w in folded.selectbox} == {"decode_task"}
    # The frame is the stepper's: its controls, the output so far and the heatmap sized to the screen, no widget
    # of the page's own beside it.
    assert not [row for row in rows if set().union(*row) & {"decode_keys", view_key(at, "decode", "step")}]
    (stepper,) = stepper_data(at)
    assert stepper["step"] == 2 and stepper["tokens"][:2] == ["1", "1"]
    assert heatmap_rows(at) == 2 and heatmaps(at)[0]["layout"]["fit"]["top_columns"] == 7  # "11 </s>"
    assert not at.get("download_button")


def test_presentation_mode_has_fewer_controls():
    at = ok(page(task="dates", sentence="9 may 2018", step="2"))
    ok(at.toggle(key="presentation").set_value(True).run())
    assert at.session_state["presentation"] is True
    assert not at.get("download_button") and at.get("html")
    assert heatmap_rows(at) == 2
    (heatmap,) = heatmaps(at)
    assert heatmap["layout"]["cell"] == round(1.5 * svg_heatmap.CELL_PX) and heatmap["layout"]["font"] == 18
    # the top-k candidates as a static table (large type from the CSS), not a canvas dataframe
    (table,) = at.table
    labels = bar_charts(at)["topk"]["labels"]  # "1. piece", the same candidates drawn as bars
    assert [f"{rank}. {piece}" for rank, piece in zip(table.value["rank"], table.value["token"], strict=True)] == labels
    assert list(table.value["chosen"]).count(True) == 1
    assert not [d for d in at.dataframe if "probability" in d.value.columns]


@pytest.mark.parametrize(
    "query",
    [
        {"task": "dates", "strategy": "sample", "temperature": "0.123", "seed": "5", "step": "2"},
        {"task": "reverse", "scorer": "none", "strategy": "beam", "beam": "10", "sentence": "abc", "step": "99"},
        {"task": "reverse", "sentence": "héllo 🙂 wörld", "step": "1"},
        {"task": "reverse", "sentence": "abc", "reference": "x" * 80},
        {"task": "dates", "scorer": "location", "sentence": "**bold** [x](javascript:alert(1)) $x$", "step": "1"},
    ],
)
def test_odd_links_render_without_exception(query):
    at = ok(page(**query))
    assert at.session_state["_view"].task == query["task"]
    sentence = query.get("sentence", "")
    if sentence and not sentence.isalnum():  # user text with markup never lands in Markdown as is
        assert all(sentence not in v for v in texts(at))


def test_the_panels_run_takes_the_rested_step_itself(monkeypatch):
    """The step's panels rerun once the stepper rests (decode/rest.js's trigger, `rested`) and take that step as
    the stepper's report before they draw: a panels' run that came before the stepper's own report drew the old
    step for good (rest.js asks once per step). A step out of range, or from a stepper of an older generation,
    changes nothing."""
    from types import SimpleNamespace

    from explorer.ui.decode import stepper as decode_stepper
    from explorer.views import stepper as stepper_view

    at = ok(page(task="dates", scorer="general", sentence="9 may 2018", step="2"))
    n = stepper_data(at)[0]["steps"]
    session = at.session_state
    monkeypatch.setattr(decode_stepper, "st", SimpleNamespace(session_state=session))
    key = stepper_view.key(session)
    for refused in (n + 1, -1, True, "3", None):
        session[decode_stepper.REST_KEY] = {"rested": refused}
        decode_stepper._rested(key, n)
        assert session["_view"].step == 2
    session[decode_stepper.REST_KEY] = {"rested": 5}
    decode_stepper._rested(key, n)
    assert session["_view"].step == 5
    ok(at.text_input(key="decode_sentence").input("1 jan 2000").run())  # the view moves: a new stepper
    session[decode_stepper.REST_KEY] = {"rested": 4}
    decode_stepper._rested(key, n)
    assert session["_view"].step == 0
