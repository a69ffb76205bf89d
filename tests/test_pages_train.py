"""AppTest of the Train and Timelapse pages: a tiny real training, Stop, Save, and scrubbing epochs."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from explorer.state import catalog
from explorer.training import data as td
from explorer.training import manager as tm
from explorer.training import saving as tsave
from explorer.training import settings as ts
from explorer.ui.train import state as train_state
from explorer.ui.train import trainings
from seq2seq.checkpoint import load_model
from tests.app_fixtures import column_rows
from tests.train_fixtures import FakeProcess, fake_job, trained_registry, use_tiny_trainings

APP = Path(__file__).resolve().parent.parent / "app.py"
TIMEOUT = 60
PAGE_SETTINGS = dict(ts.TASK_SETTINGS)  # the page's own, before the fixture shrinks reverse and dates
# 10 steps of 64 pairs per epoch; no early stopping, so that only Stop (or the budget) ends a run.


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    use_tiny_trainings(tmp_path, monkeypatch)


@pytest.fixture
def manager(monkeypatch):
    manager = tm.JobManager(max_jobs=2)
    monkeypatch.setattr(trainings, "shared_manager", lambda: manager)
    yield manager
    manager.shutdown()


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures by title (the first word of it for heatmaps: 'attention', 'reverse/dot', ...)."""
    found = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = ((spec["layout"].get("title") or {}).get("text")) or ""
        found[title] = spec
    return found


def heatmaps(at: AppTest) -> list[dict]:
    """Single heatmaps (the Play animation, a figure with frames, is left out)."""
    specs = [json.loads(element.proto.spec) for element in at.get("plotly_chart")]
    return [s for s in specs if s["data"] and s["data"][0]["type"] == "heatmap" and not s.get("frames")]


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def train_page(**settings) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page("app_pages/6_Train.py").run()  # from app.py, so that page links resolve
    ok(at)
    at.selectbox(key="train_task").set_value("reverse")
    at.select_slider(key="train_hidden").set_value(16)
    at.select_slider(key="train_lr").set_value(1e-2)
    for key, value in settings.items():
        at.number_input(key=key).set_value(value)
    return at


def poll(at: AppTest, until, timeout: float = 600.0) -> list[dict]:
    """Rerun the page (as the fragment's timer would) until `until(at)`; the loss chart seen at each rerun. The
    training is a process of its own: on a busy machine it can take minutes, so `timeout` only stops a hang."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        at.run()
        ok(at)
        seen.append(charts(at).get("training loss"))
        if until(at):
            return seen
        time.sleep(0.3)
    raise AssertionError(f"page never got there; last status: {[e.value for e in [*at.info, *at.success]]}")


def loss_points(spec: dict | None) -> int:
    return len(spec["data"][0]["x"]) if spec and spec["data"] else 0


def test_before_a_training_the_page_draws_its_curves_empty_axes(manager):
    """A lesson's Train step shows the class where the curves will be (issue 62's lecture frame keeps them in
    sight): before Start, both charts with no data, the validation axis the chosen task's metric."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page("app_pages/6_Train.py").run()
    ok(at)
    assert at.info[0].value == "Choose the settings and press **Start**."
    figures = charts(at)
    assert sorted(figures) == ["training loss", "validation"]
    assert [figures[title]["data"] for title in sorted(figures)] == [[], []]
    assert figures["validation"]["layout"]["yaxis"]["title"]["text"] == "exact_match"  # the key, as in English
    assert figures["validation"]["layout"]["yaxis"]["range"] == [0, 1.02]


def test_a_tiny_training_draws_its_curves_and_heatmap_as_it_goes(manager):
    at = train_page(train_epochs=3)
    at.button(key="train_start").click().run()
    ok(at)
    assert at.button(key="train_start").disabled and not at.button(key="train_stop").disabled
    seen = [charts(at).get("training loss")] + poll(at, lambda at: bool(at.success))  # "finished"
    counts = [loss_points(spec) for spec in seen]
    assert counts == sorted(counts) and counts[0] < counts[-1] == 3  # a point every 10 steps, 30 steps
    assert "finished" in at.success[0].value and at.success[0].value.endswith("· all 3 epochs done")
    figures = charts(at)
    assert len(figures["validation"]["data"][0]["x"]) == 4  # epochs 0..3
    assert figures["training loss"]["layout"]["shapes"][0]["x0"] == 30  # the marker sits on the last epoch
    (heatmap,) = heatmaps(at)
    assert heatmap["layout"]["title"]["text"] == "attention after epoch 3"
    assert len(heatmap["data"][0]["z"][0]) == len(heatmap["data"][0]["x"])
    assert at.selectbox(key="train_probe").value == "hello world"  # the sentence every page opens on
    assert len(heatmap["data"][0]["x"]) == len("hello world") + 1  # + </s>
    at.selectbox(key="train_probe").set_value("abc").run()
    assert len(heatmaps(at)[0]["data"][0]["x"]) == len("abc") + 1
    assert at.button(key="train_start").disabled is False


def running(at: AppTest) -> bool:
    """The status line says **running** (not starting, stopping or ended)."""
    return any(info.value.startswith("**running**") for info in at.info)


def test_stop_then_save_gives_a_model_every_page_can_load(manager):
    at = train_page(train_epochs=500)
    at.button(key="train_start").click().run()
    job = manager.job(at.session_state[train_state.KEY].id)
    assert job.browser_session  # the tab's session id: the watchdog asks Streamlit whether it is still open

    # The probe heatmap is redrawn as the training goes, not only at its end: two polls during the
    # run draw the attention of two different epochs, and the two differ.
    drawn: dict[str, list] = {}  # heatmap title -> its weights, as drawn while the status said running

    def two_epochs_drawn_while_running(at: AppTest) -> bool:
        if running(at):
            for heatmap in heatmaps(at):
                drawn.setdefault(heatmap["layout"]["title"]["text"], heatmap["data"][0]["z"])
        return len(drawn) >= 2

    poll(at, two_epochs_drawn_while_running)
    (first, before), (second, after) = list(drawn.items())[:2]
    assert re.fullmatch(r"attention after epoch \d+", first) and re.fullmatch(r"attention after epoch \d+", second)
    assert int(first.split()[-1]) < int(second.split()[-1])
    assert len(before) == len(after) > 0 and before != after
    assert job.active  # still training: Stop has something to stop

    at.button(key="train_stop").click().run()
    poll(at, lambda at: bool(at.warning))  # "stopped"
    assert "stopped by the user" in at.warning[0].value
    assert manager.running() == 0

    at.text_input(key="train_name").input("no spaces please")
    at.button(key="FormSubmitter:train_save_form-Save").click().run()
    assert "letters, digits" in at.error[0].value
    at.text_input(key="train_name").input("my-reverse")
    at.button(key="FormSubmitter:train_save_form-Save").click().run()
    ok(at)
    assert "user/my-reverse" in at.success[-1].value
    assert "user/my-reverse" in [e.name for e in catalog.entries()]
    assert load_model("user/my-reverse").greedy("abc").output is not None


# A Tatoeba-format corpus (English<TAB>French) of 51 pairs: 43 land in the train split, 6 in valid. Its
# words make the page's probes (seq2seq.tasks.translation.PROBES) 16 subwords at most, within the
# page's limit of 24 (from fewer words, "I have never seen such a beautiful city." takes 27).
EN_FR_TEXT = """
I am cold. | J'ai froid.
Thank you very much. | Merci beaucoup.
Where is the station? | Où est la gare ?
She is reading a book. | Elle lit un livre.
He doesn't like coffee. | Il n'aime pas le café.
They have two children. | Ils ont deux enfants.
I am hot. | J'ai chaud.
I am tired. | Je suis fatigué.
I am happy. | Je suis heureux.
I am here. | Je suis ici.
You are late. | Tu es en retard.
We are ready. | Nous sommes prêts.
He is tall. | Il est grand.
She is kind. | Elle est gentille.
It is cold. | Il fait froid.
It is late. | Il est tard.
I like tea. | J'aime le thé.
I like books. | J'aime les livres.
He reads a book. | Il lit un livre.
She drinks coffee. | Elle boit du café.
We have a dog. | Nous avons un chien.
They have a cat. | Ils ont un chat.
Where is the book? | Où est le livre ?
Where is the dog? | Où est le chien ?
Thank you. | Merci.
Good night. | Bonne nuit.
Good morning. | Bonjour.
See you tomorrow. | À demain.
I am a student. | Je suis étudiant.
He is a doctor. | Il est médecin.
The house is big. | La maison est grande.
The car is red. | La voiture est rouge.
I see the sea. | Je vois la mer.
We go to school. | Nous allons à l'école.
She has two sisters. | Elle a deux sœurs.
I have a brother. | J'ai un frère.
Come here. | Viens ici.
Stop! | Arrête !
Help me. | Aide-moi.
I know. | Je sais.
I have never seen it. | Je ne l'ai jamais vu.
The city is beautiful. | La ville est belle.
Such a beautiful day! | Quelle belle journée !
I have seen the sea. | J'ai vu la mer.
We will go to the beach. | Nous irons à la plage.
Never again. | Plus jamais.
It is such a big city. | C'est une si grande ville.
We will go home. | Nous irons à la maison.
The beach is big. | La plage est grande.
We will see. | Nous verrons.
Go to the beach. | Va à la plage.
"""
EN_FR = [tuple(line.split(" | ")) for line in EN_FR_TEXT.strip().splitlines()]


def test_the_en_fr_subset_trains_saves_and_decodes(manager, tmp_path, monkeypatch):
    """The page's en-fr task, as the page runs it (its settings: subwords, vocabulary, lengths), on a
    corpus written here: it trains in its own process, is saved, and the saved model loads and decodes."""
    from seq2seq.tasks import split_of

    corpus = tmp_path / "eng-fra.txt"
    corpus.write_text("".join(f"{en}\t{fr}\tCC-BY 2.0 (France) Attribution: tatoeba.org\n" for en, fr in EN_FR))
    assert [split_of(en) for en, _ in EN_FR].count("valid") == 6
    monkeypatch.setenv(td.DATA_ENV, str(corpus))
    monkeypatch.setitem(ts.TASK_SETTINGS, "en-fr", PAGE_SETTINGS["en-fr"])
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page("app_pages/6_Train.py").run()
    assert at.selectbox(key="train_task").options == ["Reverse a string", "Normalize a date", "English → French"]
    at.selectbox(key="train_task").set_value("en-fr")
    at.select_slider(key="train_hidden").set_value(16)
    at.select_slider(key="train_lr").set_value(1e-2)
    at.number_input(key="train_epochs").set_value(2)
    at.button(key="train_start").click().run()
    ok(at)
    poll(at, lambda at: bool(at.success or at.error))
    assert not at.error, [e.value for e in at.error]
    status = at.success[0].value
    assert status.startswith("**finished** · en-fr/dot · epoch 2") and status.endswith("· all 2 epochs done")
    job = manager.job(at.session_state[train_state.KEY].id)
    assert job.view().settings.task == "en-fr" and [e["epoch"] for e in job.epochs] == [0, 1, 2]
    assert "bleu" in job.epochs[-1]["valid"]
    probe = job.epochs[-1]["probes"][0]
    assert probe["source"] == "I am cold." and len(probe["attention"]) == len(probe["target_tokens"]) > 0

    at.text_input(key="train_name").input("my-en-fr")
    at.button(key="FormSubmitter:train_save_form-Save").click().run()
    ok(at)
    assert "user/my-en-fr" in at.success[-1].value
    entry = next(e for e in catalog.entries() if e.name == "user/my-en-fr")
    assert (entry.task, entry.scorer, entry.metric.name) == ("en-fr", "dot", "bleu")
    translator = load_model("user/my-en-fr")
    assert translator.metadata["task"] == "en-fr" and translator.metadata["train"]["data"] == str(corpus)
    assert translator.source_tokenizer is translator.target_tokenizer or translator.source_tokenizer.vocab_size == (
        translator.target_tokenizer.vocab_size
    )
    trace = translator.greedy("I am cold.")
    assert isinstance(trace.output, str) and len(trace.steps) >= 1
    assert trace.attention and all(abs(sum(row) - 1.0) < 1e-4 for row in trace.attention)


def test_the_save_form_explains_a_user_models_folder_inside_pretrained(manager, tmp_path, monkeypatch):
    """Saves would register among the shipped models: the page says so instead of offering the form."""
    job = tm.Job("me", ts.JobSettings(task="reverse"), tmp_path, FakeProcess(alive=False), threading.Event())
    job.status = "finished"
    shutil.copytree(trained_registry() / "reverse" / "dot", job.run_dir)
    manager._jobs = {"me": job}
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(trained_registry() / "user_models"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state[train_state.KEY] = train_state.TrainTab(id="me")
    at.switch_page("app_pages/6_Train.py").run()
    ok(at)
    assert at.error[0].value == (
        f"Models cannot be saved: the user models folder {trained_registry() / 'user_models'} is inside the shipped "
        f"models folder {trained_registry()}: models saved there would be registered among the shipped ones; set "
        "ATTENTION_EXPLORER_USER_MODELS to a folder of its own. Fix that first."
    )
    assert not at.text_input and not (trained_registry() / "user_models").exists()


def test_the_limit_is_explained_on_the_page(manager, tmp_path):
    manager.max_jobs = 1
    manager._jobs = {"someone else": fake_job(tmp_path, "other")}
    at = train_page()
    at.button(key="train_start").click().run()
    ok(at)
    assert "already running on this server" in at.error[0].value
    assert manager.job(at.session_state[train_state.KEY].id) is None


def titles(at: AppTest) -> list[str]:
    """The heading above each timelapse panel ("**dot** · epoch 2")."""
    return [m.value for m in at.markdown if " · epoch " in m.value]


def timelapse(origin: str | None = None, tab: str | None = None, **session) -> AppTest:
    """The Timelapse page opened on `origin`, in the browser tab whose trainings are `tab`'s, `session` set."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if origin is not None:  # the page's own field, as its radio would set it (explorer.state.owner.own)
        at.session_state["_view_own"] = {"timelapse": {"origin": origin}}
    if tab is not None:
        at.session_state[train_state.KEY] = train_state.TrainTab(id=tab)
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page("app_pages/7_Timelapse.py").run()
    ok(at)
    return at


def test_scrubbing_epochs_changes_every_heatmap_and_moves_the_marker():
    at = timelapse()
    shown = heatmaps(at)
    assert len(shown) == 2  # dot and general; "none" has no attention
    assert at.selectbox(key="timelapse_probe").value == "hello world"  # the sentence every page opens on
    assert titles(at) == ["**none** · epoch 2", "**dot** · epoch 2", "**general** · epoch 2"]
    assert any("No attention to draw" in c.value for c in at.caption)
    slider = at.select_slider(key="timelapse_epoch")
    assert slider.value == 2
    slider.set_value(0).run()
    ok(at)
    scrubbed = heatmaps(at)
    assert titles(at) == ["**none** · epoch 0", "**dot** · epoch 0", "**general** · epoch 0"]
    for before, after in zip(shown, scrubbed, strict=True):
        assert before["data"][0]["z"] != after["data"][0]["z"]
    assert charts(at)["training loss"]["layout"]["shapes"][0]["x0"] == 0
    at.toggle(key="tl_play").set_value(True).run()
    ok(at)
    animation = next(spec for spec in charts(at).values() if spec.get("frames"))
    assert [f["name"] for f in animation["frames"]] == ["0", "1", "2"]
    assert heatmaps(at) == []  # the animation takes the stills' place
    at.toggle(key="tl_play").set_value(False)
    at.selectbox(key="tl_task").set_value("dates").run()
    ok(at)
    assert titles(at) == ["**general** · epoch 2"] and len(heatmaps(at)) == 1


def panel_rows(node) -> list[list[str]]:
    """The timelapse panels' titles row by row: one list per st.columns row that holds any."""
    rows = [
        [e.value for column in row for e in column if e.type == "markdown" and " · epoch " in e.value]
        for row in column_rows(node)
    ]
    return [row for row in rows if row]


def test_timelapse_panels_line_up_row_by_row():
    """Each row of panels is its own st.columns, so a short panel (none) does not pull the next up."""
    at = timelapse(presentation=True)  # two per row on a projector
    assert panel_rows(at.main) == [["**none** · epoch 2", "**dot** · epoch 2"], ["**general** · epoch 2"]]
    assert len(heatmaps(at)) == 2


def test_timelapse_of_a_saved_model_and_of_this_sessions_training(manager, tmp_path):
    tsave.save_model(trained_registry() / "reverse" / "dot", "saved-dot")
    at = timelapse()
    at.radio(key="timelapse_origin").set_value("A saved model").run()
    ok(at)
    assert at.selectbox(key="timelapse_model").value == "user/saved-dot"
    assert titles(at) == ["**user/saved-dot** · epoch 2"] and len(heatmaps(at)) == 1

    history = json.loads((trained_registry() / "reverse" / "general" / "probes.json").read_text())["epochs"]
    settings = ts.JobSettings(task="reverse", scorer="general")
    job = tm.Job("me", settings, tmp_path, FakeProcess(alive=False), threading.Event())
    job.status, job.epochs = "finished", history
    manager._jobs = {"me": job}
    at = timelapse(origin="Your training", tab="me")
    assert titles(at) == ["**your reverse/general** · epoch 2"] and len(heatmaps(at)) == 1

    job.status, job.process = "running", FakeProcess(alive=True)  # still training: the page keeps it alive
    job.last_heartbeat = 0.0
    at = timelapse(origin="Your training", tab="me")
    assert job.last_heartbeat > 0.0 and any("Still training" in c.value for c in at.caption)


def test_timelapse_of_a_running_training_redraws_itself_and_follows_the_newest_epoch(manager, tmp_path, monkeypatch):
    timers = []  # (function, run_every) of each st.fragment the page declares
    fragment = st.fragment

    def recording_fragment(func=None, *, run_every=None):
        def declare(func):
            timers.append((func.__name__, run_every))
            return fragment(func, run_every=run_every)

        return declare(func) if func else declare

    monkeypatch.setattr(st, "fragment", recording_fragment)
    history = json.loads((trained_registry() / "reverse" / "general" / "probes.json").read_text())["epochs"]
    job = tm.Job("me", ts.JobSettings(task="reverse", scorer="general"), tmp_path, FakeProcess(), threading.Event())
    job.status, job.epochs = "running", history[:2]
    manager._jobs = {"me": job}

    at = timelapse(origin="Your training", tab="me")
    assert timers == [("yours", tm.REFRESH_S)]  # the history's view is redrawn every 2 s: no rerun needed
    assert titles(at) == ["**your reverse/general** · epoch 1"] and at.select_slider[0].value == 1
    assert any(c.value == "Still training: the newest epochs appear by themselves (every 2 s)." for c in at.caption)

    job.epochs = history[:3]  # epoch 2 arrives; the timer's redraw follows it
    at.run()
    ok(at)
    assert titles(at) == ["**your reverse/general** · epoch 2"] and at.select_slider[0].value == 2
    at.select_slider[0].set_value(0).run()  # the user scrubs back: new epochs no longer move the slider
    job.epochs = [*history[:3], {**history[2], "epoch": 3}]
    at.run()
    assert titles(at) == ["**your reverse/general** · epoch 0"] and at.select_slider[0].options == ["0", "1", "2", "3"]

    job.status, job.process.alive = "finished", False  # it ends: the page stops redrawing itself
    timers.clear()
    at.run()
    ok(at)
    assert timers == [("yours", None)] and not any("Still training" in c.value for c in at.caption)
