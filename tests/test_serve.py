"""explorer.ui.serve: the launcher `make run` uses loads the registered models before the server starts."""

from __future__ import annotations

from explorer.state import catalog
from explorer.ui import serve
from explorer.ui.common import loaders
from explorer.views import decode as decode_view
from seq2seq.checkpoint import load_model as real_load_model
from tests.app_fixtures import use_registry


def test_warm_up_loads_every_model_the_decode_page_offers_once(monkeypatch):
    use_registry(monkeypatch)
    loads = []
    monkeypatch.setattr(loaders, "load_model", lambda name: loads.append(name) or real_load_model(name))
    offered = [decode_view.model_name(task, s) for task, scorers in catalog.available().items() for s in scorers]
    loaded, seconds = serve.warm_up()
    assert loaded == len(offered) > 0 and sorted(loads) == sorted(offered) and seconds > 0
    translator = loaders.get_translator(decode_view.model_name("dates", "general"))  # what a page asks for next
    assert len(loads) == len(offered) and translator.name == "dates/general"  # served from the cache


def test_warm_up_survives_a_broken_registry(monkeypatch, tmp_path, capsys):
    import streamlit as st

    (tmp_path / "manifest.json").write_text("{not json")
    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(tmp_path))
    st.cache_resource.clear()
    st.cache_data.clear()
    assert serve.warm_up()[0] == 0  # the server still starts; its pages say what is wrong
    assert "Warm-up skipped the models" in capsys.readouterr().err


def test_warm_up_starts_the_server_on_a_registry_without_the_lessons_models(monkeypatch):
    """A registry of a few small models (the load tests', an institution's own): a lesson's first Compare step on a
    task it lacks has no scorer's run, so no gold alignment to draw at start-up; the server starts all the same
    (its pages say what is missing). The warm-up raised StopIteration there once and the server never started."""
    from tests.hostile import use_small_registry

    use_small_registry(monkeypatch)
    count, _seconds = serve.warm_up()
    assert count > 0  # its models loaded, and every lesson's first step filled as far as it can be


def test_the_objects_alive_at_start_up_are_left_out_of_later_collections():
    """Streamlit's full gc.collect() after every run walks only what was created after the freeze."""
    import gc

    models = [loaders.get_translator(decode_view.model_name("dates", "general"))]  # alive at start-up, like the models
    try:
        frozen = serve.freeze_startup_objects()
        # torch, streamlit, the models …; a frozen object that another thread (an earlier test's) lets go of
        # meanwhile leaves the permanent generation, so the count may have dropped by a few since.
        assert frozen >= 1000 and 0 <= frozen - gc.get_freeze_count() <= 100
        assert not any(o is models for o in gc.get_objects())  # not walked by any collection now
        session_object = [object()]  # created later, by a session: still collected as before
        assert any(o is session_object for o in gc.get_objects())
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
    assert any(o is models for o in gc.get_objects())


def test_the_server_watches_no_source_files_and_collects_no_garbage_after_each_run():
    """.streamlit/config.toml: watching the project folder (.venv/ inside) cost 55 ms of CPU a Step."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(serve.APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False  # 23 ms a Step with 30 sessions, memory unchanged


def test_warm_up_fills_every_lessons_first_step_for_the_first_class(monkeypatch):
    """The first lesson started after the server opened found its numbers measured (bench.lesson_start)."""
    from explorer import i18n
    from explorer.lessons import catalog as lesson_catalog
    from explorer.lessons import placeholders
    from explorer.ui.lessons import player, text

    lessons, _problems = lesson_catalog()
    assert serve.warm_lessons() == len(lessons) * len(i18n.LANGUAGES) > 0
    measured = []
    real = placeholders.step_values
    monkeypatch.setattr(placeholders, "step_values", lambda *a, **k: measured.append(a) or real(*a, **k))
    for lesson in lessons.values():
        text.filled(lesson.steps[0], player.check_view(lesson.steps[0]))
    assert measured == []  # every first step from the shared cache
    text.filled(lessons["3-reordering"].steps[4], player.check_view(lessons["3-reordering"].steps[4]))
    assert len(measured) == 1  # a later step is measured when it is shown


def test_warm_up_decodes_every_lessons_first_decode_step_for_every_session(monkeypatch):
    """A lesson's first step on Decode is decoded at start-up into the decode every session shares: the teacher's
    first run of it and each phone's find it there (issue 62: the first start after the server opened)."""
    from explorer.lessons import catalog as lesson_catalog
    from explorer.ui.common import cached
    from explorer.ui.common.loaders import get_translator
    from explorer.ui.lessons import player
    from explorer.views import decode as decode_view

    serve.warm_lessons()
    decoded = []
    monkeypatch.setattr(decode_view, "compute_trace", lambda *a, **k: decoded.append(a[1]))
    firsts = [lesson.steps[0] for lesson in lesson_catalog()[0].values() if lesson.steps[0].page == "decode"]
    assert len(firsts) >= 5
    for step in firsts:
        view = player.check_view(step)
        name = decode_view.model_name(view.task, view.scorer, view.model)
        trace = decode_view.get_trace(
            {}, get_translator(name), name, view, view.reference.strip(), compute=cached.shared_trace
        )
        assert trace is not None and trace.num_steps > 0, step.title
    assert decoded == []  # every one from the shared traces


def test_warm_up_checks_the_controls_each_lesson_names_for_the_first_visitor_of_the_list():
    """The Lessons list checks every lesson's text against its pages' controls on each run (explorer.lessons.controls):
    after the warm-up every text it reads is in the checker's cache, in either language."""
    from explorer import i18n
    from explorer.lessons import catalog as lesson_catalog
    from explorer.lessons import controls

    controls.named.cache_clear()
    serve.warm_lessons()
    for language in i18n.LANGUAGES:
        with i18n.using(language):
            lessons, _problems = lesson_catalog()
        before = controls.named.cache_info()
        found = [controls.problems(lesson) for lesson in lessons.values()]
        after = controls.named.cache_info()
        assert after.misses == before.misses and after.hits > before.hits, language  # every text read from the cache
        assert found == [[] for _ in lessons]  # and the shipped lessons name only controls their pages show


def test_warm_up_fills_what_each_lessons_first_compare_timelapse_and_lab_step_reads(monkeypatch):
    """Issue 62: the first start of a lesson on Compare, Timelapse or the Lab after the server opened was the only
    one of bench.lesson_start's starts over 2 s: the teacher's run, which the phones wait for, ran every scorer,
    parsed the task's training histories or read the stored lab results first, and built its figures (Compare's
    eight heatmaps, uncached, were most of its run). After the warm-up each page reads them from the caches every
    session shares."""
    from explorer import i18n
    from explorer.figures import bars, curves, heatmaps
    from explorer.lessons import catalog as lesson_catalog
    from explorer.state import catalog as model_catalog
    from explorer.ui.common import cached
    from explorer.ui.compare import sections as compare_sections
    from explorer.ui.lab import sections as lab_sections
    from explorer.ui.lessons import player
    from explorer.ui.train import timelapse
    from explorer.views import compare as compare_view
    from explorer.views import lab_stored
    from explorer.views import timelapse as timelapse_view

    serve.warm_lessons()
    computed = []
    monkeypatch.setattr(compare_view, "run_scorer", lambda *a: computed.append(("scorer", a[1])))
    monkeypatch.setattr(timelapse_view, "read_history", lambda path: computed.append(("history", path)) or [])
    monkeypatch.setattr(cached.results, "load", lambda task: computed.append(("lab", task)) or (None, None))
    firsts = {
        step.page: player.check_view(step) for step in (lesson.steps[0] for lesson in lesson_catalog()[0].values())
    }
    assert {"compare", "timelapse", "lab"} <= set(firsts)
    compare = firsts["compare"]
    reference = compare_view.reference_for(compare.task, compare.sentence, cached.gold_examples(compare.task))
    for scorer in model_catalog.scorers_for(compare.task):
        name = model_catalog.model_for(compare.task, scorer).name
        assert cached.scorer_result(
            name, compare.sentence, reference and reference.target, reference and reference.alignment
        ).greedy.target_tokens
    histories = timelapse_view.shipped_histories(firsts["timelapse"].task, cached.probe_history)
    assert len(histories) >= 6 and all(histories.values())
    # (the figures' builders stay: the cache knows a figure by its builder's name)
    monkeypatch.setattr(heatmaps, "attention_heatmap", lambda *a, **k: computed.append(("heatmap", a[0])))
    monkeypatch.setattr(curves.go, "Figure", lambda *a, **k: computed.append(("curves", a)))
    monkeypatch.setattr(heatmaps, "grid_heatmap", lambda *a, **k: computed.append(("grid", k.get("title"))))
    monkeypatch.setattr(heatmaps, "gold_heatmap", lambda *a, **k: computed.append(("gold", a)))
    for language in i18n.LANGUAGES:
        with i18n.using(language):  # the heatmaps and curves the page opens on, a laptop's and a projector's
            assert timelapse.first_figures(histories, firsts["timelapse"].task) >= 5
            results, _refused = compare_sections.scorer_results(
                compare.task, model_catalog.scorers_for(compare.task), compare.sentence, reference
            )
            assert compare_sections.first_figures(results, reference) >= 2 * 6  # six scorers attend, twice
    monkeypatch.setattr(bars, "histogram_grid", lambda *a, **k: computed.append(("histograms", a[1])))
    lab = firsts["lab"]
    for language in i18n.LANGUAGES:
        with i18n.using(language):
            data, note = cached.lab_results(lab.task)
            assert data and note is None
            agreement = lab_stored.experiment(
                data, model_catalog.model_for(lab.task, lab.scorer, lab.model).name, "agreement"
            )
            for projecting in (False, True):
                assert lab_sections.agreement_histograms(agreement, projecting)[0].data  # a laptop's, a projector's
    assert computed == []  # every one from the caches the warm-up filled
