"""A registry of small untrained models for the app tests: UI mechanics, not translation quality.

`make_registry(root)` saves reverse and dates × every scorer (hidden 32, characters) and writes
the manifest, like pretrained/ but in seconds. `shared_registry()` builds one per test process;
`use_registry(monkeypatch)` points ATTENTION_EXPLORER_PRETRAINED at it and clears Streamlit's
caches, so translators cached by an earlier test (or another registry) are not reused.
`ok(at)` asserts a run raised nothing; `run_page(page, **query)` runs one file of pages/ on a link's query;
`arrive(at, **query)` has the session arrive at its page again with a link.
`column_rows(node)` reads a page's layout: its st.columns rows and what each column holds.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from explorer.state import keys, pages
from seq2seq.checkpoint import save_checkpoint
from seq2seq.config import SCORERS, ModelConfig
from seq2seq.model import Seq2Seq
from seq2seq.registry import register, write_manifest
from seq2seq.tasks import get_task
from seq2seq.tokenizers import CharTokenizer

ROOT = Path(__file__).resolve().parent.parent
PAGE_TIMEOUT = 60  # seconds a page run may take on a busy 2-core machine
TASKS = ("reverse", "dates")
MAX_LEN = 40  # source and target limit in characters (the models take 40, plus </s>)

# Tiny models gain nothing from intra-op threads; on a busy 2-core machine they only wait.
torch.set_num_threads(1)


@functools.cache
def _tokenizers(task: str) -> tuple[CharTokenizer, CharTokenizer]:
    """Source and target characters of the task's training examples, fitted once per task."""
    examples = get_task(task).examples("train", 2000, 0)
    return CharTokenizer.fit(e.source for e in examples), CharTokenizer.fit(e.target for e in examples)


def save_tiny_model(
    folder: Path,
    task: str,
    scorer: str,
    cell: str = "gru",
    hidden_size: int = 32,
    embedding_size: int = 16,
    max_source_len: int = MAX_LEN + 1,
    max_target_len: int = MAX_LEN + 1,
    seed: int = 0,
) -> int:
    """Save an untrained character model of `task` in `folder`; returns its parameter count."""
    source, target = _tokenizers(task)
    torch.manual_seed(seed)
    config = ModelConfig(
        src_vocab_size=source.vocab_size,
        tgt_vocab_size=target.vocab_size,
        scorer=scorer,
        cell=cell,
        embedding_size=embedding_size,
        hidden_size=hidden_size,
        max_source_len=max_source_len,
        max_target_len=max_target_len,
    )
    model = Seq2Seq(config)
    save_checkpoint(folder, model, source, target, {"task": task, "metrics": {}})
    return model.num_parameters()


def make_registry(
    root: str | Path,
    tasks: tuple[str, ...] = TASKS,
    scorers: tuple[str, ...] = SCORERS,
    **sizes,
) -> Path:
    """Save an untrained model per task and scorer under `root` and write root/manifest.json.

    Untrained, so outputs are noise, but every page, figure and table can be exercised. `sizes`
    go to save_tiny_model (hidden_size, embedding_size, max_source_len, max_target_len).
    """
    root = Path(root)
    entries = []
    for task in tasks:
        for scorer in scorers:
            parameters = save_tiny_model(root / task / scorer, task, scorer, **sizes)
            entries.append(
                {
                    "name": f"{task}/{scorer}",
                    "path": f"{task}/{scorer}",
                    "task": task,
                    "scorer": scorer,
                    "cell": "gru",
                    "parameters": parameters,
                    "metric": {"name": "exact_match", "value": 0.0},
                }
            )
    write_manifest(entries, root)
    return root


def add_user_model(root: Path, name: str, task: str, scorer: str, cell: str = "gru", seed: int = 1) -> str:
    """Register an untrained model as the Train page saves one: user/<name> in the user models folder."""
    parameters = save_tiny_model(Path(root) / name, task, scorer, cell=cell, seed=seed)
    entry = {"name": f"user/{name}", "path": name, "task": task, "scorer": scorer, "cell": cell}
    register({**entry, "parameters": parameters, "metric": {"name": "exact_match", "value": None}}, root)
    return entry["name"]


def temporary_registry(prefix: str, make) -> Path:
    """`make(root)` in a new temporary folder that is removed when the test process exits."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return make(root)


def point_app_at(monkeypatch, root: Path) -> Path:
    """Point the app at the registry in `root` and forget translators cached for another one."""
    import streamlit as st

    monkeypatch.setenv("ATTENTION_EXPLORER_PRETRAINED", str(root))
    st.cache_resource.clear()
    st.cache_data.clear()
    return root


@functools.cache
def shared_registry() -> Path:
    """One registry per test process, removed when the process exits."""
    return temporary_registry("ae-registry-", make_registry)


def use_registry(monkeypatch) -> Path:
    """Point the app at the shared test registry and forget translators cached before."""
    return point_app_at(monkeypatch, shared_registry())


def column_rows(node) -> list[list[list]]:
    """Every st.columns row under the AppTest `node`, outer rows first: for each row, each column's
    elements (the column's whole subtree, depth first)."""

    def subtree(block) -> list:
        found = []
        for child in getattr(block, "children", {}).values():
            found += [child, *subtree(child)]
        return found

    children = list(getattr(node, "children", {}).values())
    is_row = children and all(getattr(child, "type", "") == "column" for child in children)
    rows = [[subtree(column) for column in children]] if is_row else []
    for child in children:
        rows += column_rows(child)
    return rows


def ok(at: AppTest) -> AppTest:
    """`at`, after asserting that its last run raised no exception."""
    assert not at.exception, [e.message for e in at.exception]
    return at


def arrive(at: AppTest, /, **query) -> AppTest:
    """The same session arrives at its page again with the URL's `query` added (the browser's Back or Forward, a
    link from another page): the page reads its URL as a link on its next run (explorer.state.owner.reopen). On
    its own runs a page never reads its URL again (explorer.ui.frame)."""
    at.session_state[keys.RUN_PAGE] = ""  # the last run was another page's
    at.query_params.update(query)
    return at


def app_test(script: str, timeout: float = PAGE_TIMEOUT) -> AppTest:
    """The page `script` ("app_pages/1_Decode.py"; "app.py" is the home page) as the app serves it:
    app.py declares the pages (st.navigation) and runs this one, so that its links to other pages
    resolve. Not run yet."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    return at if script in ("app.py", pages.HOME.script) else at.switch_page(script)


def run_page(page: str, **query) -> AppTest:
    """Run pages/`page` once with `query` as the link's parameters; it must not raise."""
    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=PAGE_TIMEOUT)
    at.query_params.update(query)
    return ok(at.run())


class FakeQueryParams(dict):
    """st.query_params as explorer.state.link uses it (to_dict, from_dict), over a plain dict."""

    def to_dict(self):
        return dict(self)

    def from_dict(self, values):
        self.clear()
        self.update(values)


def view_key(at: AppTest, page: str, field: str) -> str:
    """The key of `page`'s widget for view field `field` as the page drew it last ("beam_scorer", or
    "beam_scorer@1" once something other than the widget set the scorer: explorer.state.owner.widget_key)."""
    from explorer.state import owner

    try:
        generations = at.session_state[owner.GENERATIONS]
    except KeyError:
        generations = {}
    return owner.widget_key({owner.GENERATIONS: generations}, page, field)


def named(elements, name: str):
    """The widget of `elements` (at.selectbox, at.slider, …) drawn under `name` or a later generation of it
    ("beam_hypothesis@2": explorer.state.owner.derived_key and widget_key)."""
    found = [e for e in elements if e.key == name or str(e.key).startswith(name + "@")]
    assert len(found) == 1, [e.key for e in elements]
    return found[0]


def propose(at: AppTest, **changes) -> None:
    """Change the view of `at`'s session through its owner, as another page (Decode, a lesson) does between
    two runs (explorer.state.owner.propose, over the owner's keys of the session)."""
    from explorer.state import owner

    names = (owner.VIEW, owner.GENERATIONS, owner.DRAWN)
    session = {}
    for name in names:
        try:
            session[name] = at.session_state[name]
        except KeyError:
            pass
    owner.propose(session, changes)
    for name in names:
        if name in session:
            at.session_state[name] = session[name]


def stepper_data(at: AppTest) -> list[dict]:
    """The data of every Decode stepper on the page (explorer.ui.decode.stepper: its heatmap is data["heatmap"])."""
    import json

    from explorer.figures import svg_heatmap

    return [
        json.loads(el.proto.json)
        for el in at.get("bidi_component")
        if el.proto.component_name == svg_heatmap.COMPONENT_NAME
    ]


def report_step(at: AppTest, step: object) -> bool:
    """What the Decode stepper does in a browser when it shows `step` (ui/decode/stepper.js reports it as its
    state value; explorer.ui.decode.stepper hands it to explorer.views.stepper.take_report). AppTest cannot
    drive a component, so the report is given as the callback gives it, under the key the page drew last.
    Returns whether it was taken; the caller runs the page."""
    from explorer.state import keys
    from explorer.views import stepper

    n = at.session_state[keys.TRACE]["data"].num_steps
    return stepper.take_report(at.session_state, stepper.key(at.session_state), step, n)
