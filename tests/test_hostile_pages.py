"""Hostile text typed into every page's text boxes (AppTest): never an exception, never unescaped markup.

One AppTest per page takes every input of tests/hostile.py in turn, as a user typing one after
another would; each run is checked by tests.hostile.problems (exceptions, Markdown bodies with
unescaped HTML or the input verbatim, st.html other than static CSS, unclear errors).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import i18n
from explorer.i18n import _
from explorer.state import keys
from explorer.state.view import MAX_SENTENCE_CHARS
from explorer.training import manager as tm
from explorer.training import saving as tsave
from explorer.training import settings as ts
from explorer.ui.shell import presentation
from explorer.ui.shell.navigation import page_scripts
from explorer.ui.train import state as train_state
from explorer.ui.train import trainings
from explorer.views import decode as decode_view
from tests.app_fixtures import app_test, report_step, stepper_data
from tests.hostile import CATEGORIES, INPUTS, SAMPLE, problems, use_small_registry, use_subword_registry
from tests.i18n_fixtures import CJK
from tests.train_fixtures import FakeProcess

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
SENTENCE_BOXES = {
    "app_pages/1_Decode.py": "decode_sentence",
    "app_pages/2_Compare.py": "cmp_sentence",
    "app_pages/3_Hidden_states.py": "hs_sentence",
    "app_pages/4_Beam_search.py": "beam_sentence",
    "app_pages/9_Lab.py": "lab_sentence",
}
STATIC_HTML = (presentation.CSS,)
PAGES = page_scripts()  # app.py and every file of pages/


@pytest.fixture(autouse=True)
def registry(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(tmp_path / "user_models"))
    return use_small_registry(monkeypatch)


# Every hostile-input test that shows the user a message runs in both languages: in Chinese the
# messages must be Chinese too (a CJK character in every error), and as safe as in English.
LANGS = ("en", "zh")


def open_page(page: str, lang: str = "en", **session) -> AppTest:
    at = app_test(page, TIMEOUT)
    at.query_params["lang"] = lang
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert problems(at, allowed_html=STATIC_HTML) == []
    return at


def in_language(at: AppTest, lang: str) -> list[str]:
    """The errors of a Chinese page that are not Chinese (none for English)."""
    if lang == "en":
        return []
    return [f"error not in Chinese: {e.value[:120]!r}" for e in at.error if not CJK.search(e.value)]


def label(message: str, lang: str) -> str:
    with i18n.using(lang):
        return _(message)


def stepped(at: AppTest, text: str) -> list[str]:
    """One Step (the stepper's report of step 1, as the browser sends it) and what is then wrong with the page.
    The stepper carries user text as JSON data only (its script sets it with textContent), so it must be there
    for a sentence that was decoded."""
    if not stepper_data(at):
        return ["the stepper was not rendered"]
    if not report_step(at, 1):
        return ["the stepper's report of step 1 was refused"]
    at.run()
    return problems(at, text, STATIC_HTML)


DECODE_TABS = ("Explain this cell", "What if…", "Attention override", "Links")


@pytest.mark.diagonal  # the default run: every value once (tests/conftest.py); the whole grid: slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", list(SENTENCE_BOXES))
def test_sentence_box_takes_any_text(page, lang):
    decode = page.endswith("1_Decode.py")
    at = open_page(page, lang)
    key, failures = SENTENCE_BOXES[page], []
    for i, (name, text) in enumerate(INPUTS.items()):
        at.text_input(key=key).input(text).run()
        found = problems(at, text, STATIC_HTML) + in_language(at, lang)
        decoded = at.session_state["_view"].sentence.strip() and not at.error
        if decode and decoded:  # one step too, with the tabs below the heatmap open in turn: they show the tokens
            at.session_state[keys.DECODE_TABS] = DECODE_TABS[i % len(DECODE_TABS)]
            found += stepped(at, text)
        failures += [f"{name}: {problem}" for problem in found]
    assert failures == []


def test_decode_reference_box_takes_any_text():
    at = open_page("app_pages/1_Decode.py")
    failures = []
    for name, text in INPUTS.items():
        at.text_input(key="decode_reference").input(text).run()
        failures += [f"{name}: {problem}" for problem in problems(at, text, STATIC_HTML)]
    assert failures == []


def test_decode_presentation_mode_with_hostile_text():
    at = open_page("app_pages/1_Decode.py", presentation=True)
    failures = []
    for name in ("script tag", "img onerror", "markdown link", "streamlit colour directive", "latex", "10k chars"):
        at.text_input(key="decode_sentence").input(INPUTS[name]).run()
        failures += [f"{name}: {problem}" for problem in problems(at, INPUTS[name], STATIC_HTML)]
    assert failures == []


# -- a subword model: the tiny trained en-fr model (SentencePiece) ------------------------------------------
@pytest.fixture
def subword_registry(registry, monkeypatch, en_fr_run) -> Path:
    """A registry holding only en-fr/general (tests/hostile.py), instead of the small character one."""
    return use_subword_registry(monkeypatch)


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_decode_page_takes_any_text_with_a_subword_model(category, subword_registry):
    """SAMPLE's inputs of each category typed into the Decode page over en-fr/general, one step each."""
    from seq2seq.checkpoint import load_model

    translator = load_model("en-fr/general", root=subword_registry)
    at = open_page("app_pages/1_Decode.py")
    assert at.session_state["_view"].task == "en-fr"
    names = [name for name in CATEGORIES[category] if name in SAMPLE]
    failures = []
    for i, name in enumerate(names):
        text = INPUTS[name]
        at.text_input(key="decode_sentence").input(text).run()
        found = problems(at, text, STATIC_HTML)
        tokens = translator.source_tokenizer.encode(text)
        errors = [e.value for e in at.error]
        if at.session_state["_view"].sentence != text:  # the box takes MAX_SENTENCE_CHARS at most
            if len(text) <= MAX_SENTENCE_CHARS:
                found.append("the box did not take the text")
        elif not text.strip():
            if not any(e.value == decode_view.EMPTY_HINT for e in at.info):
                found.append("no hint for a blank sentence")
        elif len(tokens) < translator.config.max_source_len:
            if errors:
                found.append(f"a sentence that fits was not decoded: {errors}")
            at.session_state[keys.DECODE_TABS] = DECODE_TABS[i % len(DECODE_TABS)]
            found += stepped(at, text)
        elif not any("at most" in e for e in errors):
            found.append(f"a sentence over the limit without a clear error: {errors}")
        failures += [f"{name}: {problem}" for problem in found]
    assert failures == []


# -- the Train page's "Name" box (shown once a training has finished) --------------------------------------
MARKUP_NAMES = ("script tag", "img onerror", "markdown link", "markdown emphasis", "streamlit colour directive")
NAME_ERROR_MARKUP = {k: INPUTS[k] for k in MARKUP_NAMES}  # what a name echoed unescaped into Markdown turns into


@pytest.fixture
def finished_job(monkeypatch, tmp_path, registry):
    """A finished training (a stand-in job over a small checkpoint) owned by session "hostile"."""
    manager = tm.JobManager(max_jobs=1)
    monkeypatch.setattr(trainings, "shared_manager", lambda: manager)
    folder = tmp_path / "job"
    shutil.copytree(registry / "reverse" / "general", folder / tm.RUN_DIR)
    job = tm.Job("hostile", ts.JobSettings(), folder, FakeProcess(alive=False), threading.Event(), status="finished")
    manager._jobs = {"hostile": job}
    yield job
    manager.shutdown()


def save_as(at: AppTest, name: str) -> AppTest:
    at.text_input(key="train_name").input(name)
    return at.button(key="FormSubmitter:train_save_form-Save").click().run()


def test_train_save_name_takes_any_text(finished_job):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state[train_state.KEY] = train_state.TrainTab(id="hostile")
    at.switch_page("app_pages/6_Train.py").run()
    assert not at.exception and at.text_input(key="train_name") is not None
    failures = []
    for name, text in INPUTS.items():
        save_as(at, text)
        failures += [f"{name}: exception {e.message[:120]}" for e in at.exception]
        if not tsave.NAME_RE.fullmatch(text.strip()):
            if not any("cannot be a model name" in e.value for e in at.error):
                failures.append(f"{name}: no clear refusal")
    assert failures == []
    user_root = Path(os.environ["ATTENTION_EXPLORER_USER_MODELS"])
    entries = [p for p in user_root.iterdir() if p.is_dir()] if user_root.is_dir() else []
    saved = [p for p in entries if not p.name.startswith(".")]
    assert all(tsave.NAME_RE.fullmatch(p.name) for p in saved), saved  # only valid names, only inside the root
    # each saved model is a link to its hidden generation folder (crash-safe saving), inside the root too
    assert sorted(p.name for p in entries if p.name.startswith(".")) == sorted(os.readlink(p) for p in saved)


def test_train_save_refusal_escapes_the_name(finished_job):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state[train_state.KEY] = train_state.TrainTab(id="hostile")
    at.switch_page("app_pages/6_Train.py").run()
    failures = []
    for name, text in NAME_ERROR_MARKUP.items():
        save_as(at, text)
        failures += [f"{name}: {problem}" for problem in problems(at, text, STATIC_HTML)]
    assert failures == []


@pytest.fixture
def finished_race(monkeypatch, tmp_path, registry):
    """A finished race (a stand-in job over small checkpoints of three scorers) owned by session "hostile"."""
    manager = tm.JobManager(max_jobs=1)
    monkeypatch.setattr(trainings, "shared_manager", lambda: manager)
    folder = tmp_path / "race"
    for scorer in ("none", "dot", "general"):
        shutil.copytree(registry / "reverse" / scorer, folder / tm.RUN_DIR / scorer)
    settings = ts.RaceSettings(scorers=("none", "dot", "general"))
    job = tm.Job("hostile", settings, folder, FakeProcess(alive=False), threading.Event(), status="finished")
    manager._jobs = {"hostile": job}
    yield job
    manager.shutdown()


def test_race_save_name_takes_any_text_and_escapes_its_refusal(finished_race):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state[train_state.KEY] = train_state.TrainTab(id="hostile")
    at.switch_page("app_pages/6_Train.py").run()
    assert not at.exception and at.text_input(key="race_name") is not None
    failures = []
    for name, text in INPUTS.items():
        at.text_input(key="race_name").input(text)
        at.button(key="FormSubmitter:race_save_form-Save").click().run()
        failures += [f"{name}: exception {e.message[:120]}" for e in at.exception]
        if not tsave.RACE_NAME_RE.fullmatch(text.strip()):
            if not any("cannot be a race's name" in e.value for e in at.error):
                failures.append(f"{name}: no clear refusal")
        if name in NAME_ERROR_MARKUP:
            failures += [f"{name}: {problem}" for problem in problems(at, text, STATIC_HTML)]
    assert failures == []
    user_root = Path(os.environ["ATTENTION_EXPLORER_USER_MODELS"])
    saved = (
        [p.name for p in user_root.iterdir() if p.is_dir() and not p.name.startswith(".")] if user_root.is_dir() else []
    )
    assert all(tsave.NAME_RE.fullmatch(n) and n.rsplit("-", 1)[-1] in ("none", "dot", "general") for n in saved), saved


# -- broken checkpoints and registries (tests/test_checkpoint.py covers the library's messages) -----------
def _truncate(folder: Path) -> None:
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])


def _edit_model(folder: Path, **changes) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["model"].update(changes)
    (folder / "config.json").write_text(json.dumps(config))


BROKEN = {  # how the model folder is broken, and a word the page's error must contain
    "truncated weights": (_truncate, "not a valid safetensors file"),
    "pickle as weights": (lambda f: (f / "model.safetensors").write_bytes(pickle.dumps({"w": [1.0]})), "safetensors"),
    "wrong shapes": (lambda f: _edit_model(f, hidden_size=64), "has shape"),
    "weights missing": (lambda f: (f / "model.safetensors").unlink(), "missing file"),
    "config not JSON": (lambda f: (f / "config.json").write_text('{"model": '), "not valid JSON"),
}


@pytest.fixture
def broken_registry(tmp_path, monkeypatch, registry):
    """A copy of the small registry whose dates/general is broken by `breaker`; pages read it fresh."""
    import streamlit as st

    def make(breaker) -> Path:
        root = tmp_path / "broken"
        shutil.copytree(registry, root)
        breaker(root)
        monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(root))
        st.cache_resource.clear()
        st.cache_data.clear()
        return root

    return make


@pytest.mark.diagonal  # the default run: every value once (tests/conftest.py); the whole grid: slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_model_is_a_clear_error_on_every_page(case, broken_registry, lang):
    breaker, words = BROKEN[case]
    broken_registry(lambda root: breaker(root / "dates" / "general"))
    for page in SENTENCE_BOXES:
        at = app_test(page, TIMEOUT)
        at.query_params.update(task="dates", scorer="general", lang=lang)
        at.run()
        assert problems(at, allowed_html=STATIC_HTML) + in_language(at, lang) == [], page
        errors = " ".join(e.value.replace("\\", "") for e in at.error)  # the Decode page escapes Markdown
        assert "dates/general" in errors, (page, errors)
        assert lang == "zh" or words in errors, (page, errors)  # in Chinese: in_language checked it is Chinese


@pytest.mark.diagonal  # the default run: every value once (tests/conftest.py); the whole grid: slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_the_registry_cannot_be_read(page, broken_registry, lang):
    broken_registry(lambda root: (root / "manifest.json").write_text("{not json"))
    at = app_test(page, TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.message[:200] for e in at.exception]
    assert problems(at, allowed_html=STATIC_HTML) + in_language(at, lang) == []
    assert any(label("The model registry cannot be read: {error}", lang).split("{")[0] in e.value for e in at.error)
