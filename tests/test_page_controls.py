"""Each page draws every control it declares (explorer.state.page_controls), with that label, in English and
in Chinese: a lesson's text may name only what this table holds (explorer.lessons.controls), so the table
must not claim a control a page does not show.

Every page a lesson step may open runs here on the shipped models, once per state its controls need (their
`after`: a link's parameters, a button pressed, a box set, a tab opened, a training finished, a model saved),
through app.py as the app serves it (the sidebar's page links drawn). Tabs, panels (expanders and headings),
boxes, toggles, buttons and options are read from the page's element tree, each kind apart.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections import defaultdict

import pytest
from streamlit.proto.LabelVisibility_pb2 import LabelVisibility

from explorer import i18n
from explorer.figures import svg_heatmap
from explorer.lessons.controls import label
from explorer.state import keys, pages
from explorer.state.page_controls import BOX, BUTTON, KINDS, OPTION, PAGE_CONTROLS, PANEL, TAB, TOGGLE, Control, on_page
from explorer.training import manager as tm
from explorer.training import saving
from explorer.training.settings import JobSettings
from explorer.ui.shell import language
from explorer.ui.train import state as train_state
from seq2seq.registry import USER_MODELS_ENV
from seq2seq.tasks import get_task
from tests.app_fixtures import ROOT, app_test, ok, point_app_at
from tests.train_fixtures import FakeProcess, page_manager

SHIPPED = ROOT / "pretrained"
TRAINED = "dates/dot"  # the model a finished training of this session stands in for (its history, its weights)
# The view each page opens on before a control's `after`: a sentence decoded a few steps in.
BASE = {
    "decode": {"task": "reverse", "scorer": "dot", "sentence": "hello world", "step": "3"},
    "compare": {"task": "reverse", "sentence": "hello world"},
    "states": {"task": "reverse", "scorer": "dot", "sentence": "hello world", "step": "3"},
    "beam": {"task": "reverse", "scorer": "dot", "sentence": "hello world"},
    "lab": {"task": "reverse", "scorer": "dot", "sentence": "hello world"},
}
UNSHOWN = (LabelVisibility.HIDDEN, LabelVisibility.COLLAPSED)  # a box whose label the page does not show
TAB_KEYS = {"decode": keys.DECODE_TABS}  # where a page's tabs keep the open one
SESSION = "page-controls"  # this test's browser tab, as the Train page names its trainings
# The element types of each kind (AppTest's names); a box is any other element with a label.
TYPES = {
    TAB: {"tab"},
    PANEL: {"expander", "header", "subheader"},
    TOGGLE: {"toggle", "checkbox"},
    BUTTON: {"button", "link_button", "page_link", "download_button", "form_submit_button"},
}
STATES = [
    (page, after) for page in PAGE_CONTROLS for after in dict.fromkeys(control.after for control in PAGE_CONTROLS[page])
]


@pytest.fixture(autouse=True)
def shipped(monkeypatch, tmp_path):
    monkeypatch.setenv(USER_MODELS_ENV, str(tmp_path / "user"))  # a model saved here is this test's alone
    point_app_at(monkeypatch, SHIPPED)


@pytest.fixture
def manager(monkeypatch):
    yield from page_manager(monkeypatch)


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def elements(at):
    """(kind, label, hidden) of every control the page drew (explorer.state.page_controls.KINDS); `hidden`: a
    box whose label is not shown (label_visibility="collapsed")."""
    for node in walk(at._tree):
        proto = getattr(node, "proto", None)
        if getattr(proto, "component_name", None) == svg_heatmap.COMPONENT_NAME:  # Decode's stepper: drawn in JS
            yield from stepper_controls(json.loads(proto.json))
            continue
        if node.type == "tab":
            yield TAB, node.label, False
        elif node.type in ("header", "subheader"):
            yield PANEL, proto.body, False
        elif proto is not None and getattr(proto, "label", ""):
            kind = next((k for k, types in TYPES.items() if node.type in types), BOX)
            hidden = getattr(getattr(proto, "label_visibility", None), "value", 0) in UNSHOWN
            yield kind, proto.label, hidden
        for option in getattr(proto, "options", None) or ():
            yield OPTION, option if isinstance(option, str) else option.content, False


def stepper_controls(data: dict):
    """(kind, label, hidden) of the controls Decode's stepper draws in the browser from its words (its buttons,
    Play and Pause one button whose label toggles, and its slider), when it shows them (mode "step")."""
    if data.get("mode") != "step":
        return
    words = data["texts"]
    for name in ("step", "back", "play", "pause", "reset"):
        yield BUTTON, words[name], False
    yield BOX, words["slider"], False


def drawn(at) -> dict[str, set[str]]:
    """kind -> the labels the page drew of that kind."""
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for kind, text, _hidden in elements(at):
        found[kind].add(text)
    return found


def matches(control: Control, lang: str):
    """Whether a drawn label is `control`'s in `lang`: its placeholders ("{position}") filled with anything."""
    shown = label(control, lang)
    pattern = "".join(".+?" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{\w*\})", shown))
    return re.compile(pattern + "$").match


def data(lang: str) -> set[str]:
    """What a page shows as a heading that is data, not a control: the shipped models' scorers, their tasks'
    names (Compare's grid of heatmaps, Models' tables)."""
    entries = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))["models"]
    with i18n.using(lang):
        return {e["scorer"] for e in entries} | {i18n._(get_task(e["task"]).label) for e in entries}


def finished_training(at, manager, folder) -> None:
    """This session's training, ended, its weights and history those of the shipped TRAINED model."""
    job = tm.Job(SESSION, JobSettings(task="dates", scorer="dot"), folder, FakeProcess(alive=False), threading.Event())
    shutil.copytree(SHIPPED / TRAINED, job.run_dir)
    job.status, job.epochs = "finished", json.loads((job.run_dir / "probes.json").read_text())["epochs"]
    manager._jobs = {SESSION: job}
    at.session_state[train_state.KEY] = train_state.TrainTab(id=SESSION)


def widget(at, text: str, lang: str):
    """The widget whose label is the message `text` in `lang` (one with options first: Compare's "Sentence" is
    a radio and a text box)."""
    shown = label(Control(text, BOX), lang)
    found = [n for n in walk(at._tree) if getattr(getattr(n, "proto", None), "label", None) == shown]
    assert found, f"no widget {shown!r} to reach the control"
    return sorted(found, key=lambda n: not hasattr(n.proto, "options"))[0]


def open_page(page: str, after: tuple[str, ...], lang: str, manager, tmp_path):
    """`page` in `lang`, brought into the state `after` describes."""
    at = app_test(pages.BY_NAME[page].script)
    query = dict(BASE.get(page, {}), lang=lang)
    query |= dict(step.split("=", 1) for step in after if ":" not in step and "=" in step)
    at.query_params.update(query)
    if "trained" in after:
        finished_training(at, manager, tmp_path / "job")
    if "saved" in after:
        saving.save_model(SHIPPED / TRAINED, "page-controls")
    ok(at.run())
    for step in after:
        verb, _, what = step.partition(":")
        if verb == "press":
            next(b for b in at.button if b.label == label(Control(what, BUTTON), lang)).click()
        elif verb == "choose":
            text, value = what.split("=", 1)
            widget(at, text, lang).set_value(value)
        elif verb == "tab":
            at.session_state[TAB_KEYS[page]] = label(Control(what, TAB), lang)
        else:
            continue
        ok(at.run())
    return at


def test_every_lesson_page_declares_its_controls():
    assert set(PAGE_CONTROLS) == set(pages.scripts("lessons"))
    for page in PAGE_CONTROLS:
        assert {c.kind for c in on_page(page)} >= {BOX, BUTTON}, page


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("page", "after"), STATES, ids=[f"{p}:{'+'.join(a) or 'open'}" for p, a in STATES])
def test_the_page_draws_the_controls_it_declares_and_no_other(page, after, lang, manager, tmp_path):
    assert lang in i18n.LANGUAGES
    at = open_page(page, after, lang, manager, tmp_path)
    shown = drawn(at)
    wanted = [c for c in PAGE_CONTROLS[page] if c.after == after]
    if not after:  # the frame's: its switches and the sidebar's page links, on every page
        wanted += [c for c in on_page(page) if c not in PAGE_CONTROLS[page]]
    absent = defaultdict(list)
    for control in wanted:
        if not any(matches(control, lang)(text) for text in shown[control.kind]):
            absent[control.kind].append(f"{control.label} ({label(control, lang)})")
    assert not absent, dict(absent)
    declared = [(c.kind, matches(c, lang)) for c in on_page(page)]
    undeclared = {
        (kind, text)
        for kind, text, hidden in elements(at)
        if kind != OPTION and not hidden and text != language.LABEL and text not in data(lang)
        and not any(k == kind and match(text) for k, match in declared)
    }  # fmt: skip
    assert not undeclared, f"{page} draws controls explorer/state/page_controls.py does not declare: {undeclared}"
