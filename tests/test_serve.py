"""explorer.serve: the launcher `make run` uses loads the registered models before the server starts."""

from __future__ import annotations

from explorer import decode_view as dv
from explorer import loaders, serve, view_defaults
from seq2seq.checkpoint import load_model as real_load_model
from tests.app_fixtures import use_registry


def test_warm_up_loads_every_model_the_decode_page_offers_once(monkeypatch):
    use_registry(monkeypatch)
    loads = []
    monkeypatch.setattr(loaders, "load_model", lambda name: loads.append(name) or real_load_model(name))
    offered = [dv.model_name(task, s) for task, scorers in view_defaults.available().items() for s in scorers]
    loaded, seconds = serve.warm_up()
    assert loaded == len(offered) > 0 and sorted(loads) == sorted(offered) and seconds > 0
    translator = loaders.get_translator(dv.model_name("dates", "general"))  # what a page asks for next
    assert len(loads) == len(offered) and translator.name == "dates/general"  # served from the cache


def test_warm_up_survives_a_broken_registry(monkeypatch, tmp_path, capsys):
    import streamlit as st

    (tmp_path / "manifest.json").write_text("{not json")
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(tmp_path))
    st.cache_resource.clear()
    st.cache_data.clear()
    assert serve.warm_up()[0] == 0  # the server still starts; its pages say what is wrong
    assert "Warm-up skipped the models" in capsys.readouterr().err
