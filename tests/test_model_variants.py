"""Several models for one task and scorer (another cell, models saved from the Train page): the
"Model" box of the Decode, Hidden states and Beam search pages, its links and its fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.state import catalog, keys
from explorer.state.view import ViewState, choose_model, link_params
from tests.app_fixtures import add_user_model, report_step, use_registry

PAGES = Path(__file__).resolve().parents[1] / "app_pages"
LSTM, GRU = "user/mylstm", "user/mygru"


@pytest.fixture(autouse=True)
def registry(monkeypatch, tmp_path):
    """The shared test registry, plus two saved models of reverse with the general scorer."""
    use_registry(monkeypatch)
    user = tmp_path / "user_models"
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(user))
    add_user_model(user, "mylstm", "reverse", "general", cell="lstm")
    add_user_model(user, "mygru", "reverse", "general", cell="gru")
    return user


def run(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(PAGES / page), default_timeout=60)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def model_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("Model ")]


# -- catalog and links, without a browser -------------------------------------------------------
def test_variants_put_the_shipped_gru_model_first_then_other_cells_then_saved_models():
    assert [e.name for e in catalog.variants("reverse", "general")] == ["reverse/general", GRU, LSTM]
    assert catalog.other_models("reverse", "general") == [GRU, LSTM]
    assert catalog.other_models("reverse", "dot") == [] and catalog.other_models("dates", "general") == []
    assert catalog.model_for("reverse", "general").name == "reverse/general"  # the comparison set is unchanged
    assert catalog.model_for("reverse", "general", LSTM).name == LSTM
    assert catalog.model_for("reverse", "dot", LSTM).name == "reverse/dot"  # not a dot model: the default
    (lstm,) = [e for e in catalog.variants("reverse", "general") if e.name == LSTM]
    assert catalog.variant_label(lstm) == "user/mylstm · LSTM, saved from the Train page"
    assert catalog.scorers_for("reverse") == catalog.scorers_for("dates")  # saved models add no scorer


@pytest.mark.parametrize("raw", ["reverse/dot", "user/nothing", "../../etc/passwd", "user/mylstm\x00", "x" * 500])
def test_a_link_naming_another_model_gets_the_default_and_a_note(raw):
    view = choose_model(ViewState("reverse", "general", "abc"), raw, [GRU, LSTM])
    assert view.model == ""
    (note,) = view.notes
    assert note.startswith("No model ") and note.endswith("for reverse with general; showing the default model.")
    assert len(note) < 200  # a huge value is cut in the note


def test_a_link_naming_one_of_the_models_keeps_it_and_no_model_means_the_default():
    view = ViewState("reverse", "general", "abc")
    assert choose_model(view, LSTM, [GRU, LSTM]) == ViewState("reverse", "general", "abc", model=LSTM)
    assert choose_model(view, None, [GRU, LSTM]).model == "" and choose_model(view, "", []).model == ""
    assert link_params(ViewState("reverse", "general", "abc", model=LSTM), "decode")["model"] == LSTM
    assert "model" not in link_params(view, "decode")


# -- the Decode page -----------------------------------------------------------------------------
def test_decode_offers_the_saved_models_and_decodes_with_the_one_chosen():
    at = run("1_Decode.py", task="reverse", scorer="general", sentence="abc", step="1")
    box = at.selectbox(key="decode_model")
    assert box.options == [
        "reverse/general · GRU, shipped",
        "user/mygru · GRU, saved from the Train page",
        "user/mylstm · LSTM, saved from the Train page",
    ]
    assert box.value == "" and model_captions(at)[0].startswith("Model reverse/general ·")
    box.set_value(LSTM).run()
    assert not at.exception
    assert model_captions(at)[0].startswith("Model user/mylstm ·")
    assert at.session_state[keys.TRACE]["data"].model == LSTM
    assert at.query_params["model"] == LSTM and at.session_state["_view"].model == LSTM
    assert report_step(at, 2)  # an LSTM model steps like any other (a Step in the browser)
    at.run()
    assert not at.exception and at.session_state["_view"].step == 2


def test_a_decode_link_restores_the_model_and_a_bad_one_falls_back_with_a_note():
    at = run("1_Decode.py", task="reverse", scorer="general", sentence="abc", model=GRU)
    assert at.selectbox(key="decode_model").value == GRU and model_captions(at)[0].startswith("Model user/mygru ·")

    at = run("1_Decode.py", task="reverse", scorer="general", sentence="abc", model="../../etc/passwd")
    assert at.selectbox(key="decode_model").value == ""
    assert model_captions(at)[0].startswith("Model reverse/general ·")
    assert any("No model" in w.value and "showing the default model" in w.value for w in at.warning)
    assert "model" not in at.query_params  # the URL now holds the valid view


def test_switching_the_scorer_goes_back_to_that_scorers_model():
    at = run("1_Decode.py", task="reverse", scorer="general", sentence="abc", model=LSTM)
    at.segmented_control(key="decode_scorer").set_value("dot").run()
    assert not at.exception
    assert at.session_state["_view"].model == "" and model_captions(at)[0].startswith("Model reverse/dot ·")
    assert all(s.key != "decode_model" for s in at.selectbox)
    assert "model" not in at.query_params


# -- Hidden states and Beam search -----------------------------------------------------------------
@pytest.mark.parametrize(("page", "prefix"), [("3_Hidden_states.py", "hs"), ("4_Beam_search.py", "beam")])
def test_the_one_sentence_pages_offer_the_models_and_keep_the_choice_in_their_link(page, prefix):
    at = run(page, task="reverse", scorer="general", sentence="abc")
    box = at.selectbox(key=f"{prefix}_model")
    assert box.value == "" and len(box.options) == 3 and "model" not in at.query_params
    assert "Model reverse/general" in [c.value.replace("\\", "") for c in at.caption]
    box.set_value(LSTM).run()
    assert not at.exception and at.query_params["model"] == LSTM
    assert "Model user/mylstm" in [c.value.replace("\\", "") for c in at.caption]

    linked = run(page, task="reverse", scorer="general", sentence="abc", model=GRU)
    assert linked.selectbox(key=f"{prefix}_model").value == GRU and linked.query_params["model"] == GRU

    refused = run(page, task="reverse", scorer="general", sentence="abc", model="user/../../x")
    assert refused.selectbox(key=f"{prefix}_model").value == ""
    assert any("No model" in i.value for i in refused.info)


def test_a_new_task_sends_the_model_box_its_new_label_so_the_browser_never_shows_the_last_tasks_model(registry):
    """The box keeps its key and its value ("": the default) across tasks; the browser holds the label it
    showed, so the box must send the new task's label, or it would show (and send back) the old one."""
    add_user_model(registry, "mydates", "dates", "general", cell="gru")
    at = run("1_Decode.py", task="reverse", scorer="general", sentence="abc")
    assert at.selectbox(key="decode_model").proto.options[0] == "reverse/general · GRU, shipped"
    at.selectbox(key="decode_task").set_value("dates").run()
    assert not at.exception
    box = at.selectbox(key="decode_model").proto
    assert box.options[0] == "dates/general · GRU, shipped"
    assert box.set_value and box.raw_value == "dates/general · GRU, shipped"
