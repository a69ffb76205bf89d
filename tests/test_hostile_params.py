"""Hostile query parameters on every page: refused or clamped with a note, never an exception.

Also checks where files are read from while pages run with path-like parameters: only the model
registries (pretrained/ or $ATTENTION_EXPLORER_PRETRAINED, and the user models folder), the
app's own scripts, and installed packages (Streamlit's and plotly's static files).
"""

from __future__ import annotations

import builtins
import io
import math
import mimetypes
import os
import pathlib
import sys
import sysconfig
import zoneinfo
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.lessons.listing import folders as lesson_folders
from explorer.state import catalog, keys
from explorer.state.view import MAX_SENTENCE_CHARS, STRATEGIES
from explorer.ui.shell import presentation
from explorer.ui.shell.navigation import page_scripts
from tests.app_fixtures import app_test, arrive
from tests.hostile import INPUTS, problems, use_small_registry
from tests.i18n_fixtures import CJK

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
PAGES = page_scripts()  # app.py and every file of pages/
# The pages that read task, scorer, sentence and step from the link (with notes).
VIEW_PAGES = [
    "app_pages/1_Decode.py",
    "app_pages/2_Compare.py",
    "app_pages/3_Hidden_states.py",
    "app_pages/4_Beam_search.py",
    "app_pages/9_Lab.py",
]
assert set(VIEW_PAGES) <= set(PAGES)
STATIC_HTML = (presentation.CSS,)

# (query parameters, whether a view page must show a note about them)
CASES: dict[str, tuple[dict, bool]] = {
    "unknown task": ({"task": "klingon"}, True),
    "unknown scorer": ({"task": "dates", "scorer": "transformer"}, True),
    "unknown model": ({"model": "dates/transformer", "task": "dates"}, True),
    "model of another task": ({"model": "reverse/general", "task": "dates", "scorer": "general"}, True),
    "path task": ({"task": "../../etc/passwd", "scorer": "/etc/passwd", "model": "../../../../etc/passwd"}, True),
    "encoded path": ({"task": "%2e%2e/", "scorer": "%2e%2e%2f%2e%2e%2fetc", "model": "%2e%2e/%2e%2e/passwd"}, True),
    "absolute model": ({"model": "/etc/passwd", "task": "/etc"}, True),
    "NUL in names": ({"task": "dates\x00", "scorer": "general\x00", "model": "dates/general\x00"}, True),
    "homoglyph task": ({"task": "dаtes"}, True),  # Cyrillic а
    "empty values": ({"task": "", "scorer": "", "step": "", "sentence": "", "strategy": ""}, True),
    "huge step": ({"task": "dates", "step": "9" * 40}, True),
    "negative step": ({"task": "dates", "step": "-5"}, True),
    "step not a number": ({"task": "dates", "step": "abc"}, True),
    "step float": ({"task": "dates", "step": "1.5"}, True),
    "step exponent": ({"task": "dates", "step": "1e3"}, True),
    "beam 1e9": ({"task": "dates", "strategy": "beam", "beam": "1e9"}, True),
    "beam negative": ({"task": "dates", "strategy": "beam", "beam": "-1"}, True),
    "beam huge int": ({"task": "dates", "strategy": "beam", "beam": "10" * 30}, True),
    "temperature nan": ({"task": "dates", "strategy": "sample", "temperature": "nan"}, True),
    "temperature inf": ({"task": "dates", "strategy": "sample", "temperature": "inf"}, True),
    "temperature -inf": ({"task": "dates", "strategy": "sample", "temperature": "-inf"}, True),
    "temperature 0": ({"task": "dates", "strategy": "sample", "temperature": "0"}, True),
    "temperature 1e309": ({"task": "dates", "strategy": "sample", "temperature": "1e309"}, True),
    "seed negative": ({"task": "dates", "strategy": "sample", "seed": "-1"}, True),
    "seed huge": ({"task": "dates", "strategy": "sample", "seed": str(2**70)}, True),
    "strategy script": ({"task": "dates", "strategy": "<script>alert(1)</script>"}, True),
    "sentence script": ({"task": "dates", "sentence": INPUTS["closing script"], "step": "2"}, False),
    "sentence markdown": ({"task": "reverse", "sentence": INPUTS["markdown link"], "step": "1"}, False),
    "sentence 10k": ({"task": "reverse", "sentence": INPUTS["10k chars"]}, True),
    "reference script": ({"task": "dates", "sentence": "9 may", "reference": INPUTS["img onerror"]}, False),
    "reference 10k": ({"task": "dates", "sentence": "9 may", "reference": "z" * 10_000}, True),  # cut, with a note
    "unknown keys": ({"x" * 300: "y" * 3000, "__proto__": "1", "constructor": "2"}, False),
    # the Lessons page's own parameters (the view pages ignore them)
    "lesson path": ({"lesson": "../../../../etc/passwd", "at": INPUTS["closing script"]}, False),
    "lesson 10k": ({"lesson": INPUTS["10k chars"], "at": "9" * 5000}, False),
    "every value hostile": (
        {
            k: INPUTS["closing script"]
            for k in ("task", "scorer", "step", "strategy", "beam", "temperature", "seed", "model", "reference")
        },
        True,
    ),  # fmt: skip
}


@pytest.fixture(autouse=True)
def registry(monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("ATTENTION_EXPLORER_USER_MODELS", str(tmp_path / "user_models"))
    return use_small_registry(monkeypatch)


def run_with(at: AppTest, query: dict) -> AppTest:
    """The session opens the link `query`: it arrives at its page again with that URL (app_fixtures.arrive)."""
    at.query_params.clear()
    return arrive(at, **query).run()


def notes(at: AppTest, page: str) -> list[str]:
    return [el.value for el in (at.warning if page.endswith("1_Decode.py") else at.info)]


@pytest.mark.diagonal  # the default run: every value once (tests/conftest.py); the whole grid: slow
@pytest.mark.parametrize("lang", ("en", "zh"))
@pytest.mark.parametrize("page", PAGES)
def test_hostile_links(page, registry, lang):
    """One session per page follows every hostile link in turn (and a fresh session the worst one), in
    both languages: the Chinese session's notes about refused values are Chinese."""
    at = app_test(page, TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    failures = []
    for name, (query, noted) in CASES.items():
        run_with(at, {**query, "lang": lang})
        failures += [f"{name}: {problem}" for problem in problems(at, query.get("sentence"), STATIC_HTML)]
        if page in VIEW_PAGES and noted and not notes(at, page):
            failures.append(f"{name}: no note about the refused values")
        if lang == "zh":
            failures += [f"{name}: not Chinese: {n[:80]!r}" for n in notes(at, page) + [e.value for e in at.error]
                         if not CJK.search(n)]  # fmt: skip
        if page.endswith("1_Decode.py"):
            failures += [f"{name}: {problem}" for problem in decode_view_problems(at)]
    fresh = app_test(page, TIMEOUT)
    run_with(fresh, {**CASES["every value hostile"][0], "lang": lang})
    failures += [f"fresh session: {problem}" for problem in problems(fresh, None, STATIC_HTML)]
    assert failures == []


def decode_view_problems(at: AppTest) -> list[str]:
    """The Decode page's view after a link: a registered model, values inside their ranges."""
    ss, found = at.session_state, []
    view = ss["_view"]  # the view's one owner (explorer.state.owner)
    available = catalog.available()
    if view.task not in available or view.scorer not in available[view.task]:
        found.append(f"view on an unregistered model {view.task!r}/{view.scorer!r}")
    if view.strategy not in STRATEGIES:
        found.append(f"strategy {view.strategy!r}")
    if not 1 <= view.beam <= 10 or not 0.05 <= view.temperature <= 5.0 or math.isnan(view.temperature):
        found.append(f"beam {view.beam!r}, temperature {view.temperature!r}")
    if not 0 <= view.seed < 2**31 or len(view.sentence) > MAX_SENTENCE_CHARS:
        found.append(f"seed {view.seed!r}, sentence of {len(view.sentence)} characters")
    trace = ss[keys.TRACE]["data"] if keys.TRACE in ss else None
    if trace is not None and not 0 <= view.step <= trace.num_steps:
        found.append(f"step {view.step} outside 0..{trace.num_steps}")
    query = at.query_params
    if query.get("task") not in available:  # the address bar is rewritten to the valid view
        found.append(f"the URL still names task {query.get('task')!r}")
    return found


def test_a_link_never_names_a_file(registry):
    """Hostile names are compared with the manifest, never looked up on disk (direct checks)."""
    from seq2seq.checkpoint import CheckpointError
    from seq2seq.registry import resolve

    for name in ("../../etc/passwd", "/etc/passwd", "%2e%2e/", "dates/../dates/general", "dates/general/..", "."):
        with pytest.raises(CheckpointError, match="unknown model"):
            resolve(name)


# -- which files are read ---------------------------------------------------------------------------------
class Reads:
    """Records the paths opened through open(), Path.open/read_text/read_bytes and safetensors."""

    def __init__(self, monkeypatch):
        self.paths: list[str] = []
        real_open, real_path_open = builtins.open, pathlib.Path.open

        def record(file) -> None:
            if isinstance(file, str | bytes | os.PathLike):
                self.paths.append(os.fsdecode(file))

        def opener(file, *args, **kwargs):
            record(file)
            return real_open(file, *args, **kwargs)

        def path_open(path, *args, **kwargs):
            record(path)
            return real_path_open(path, *args, **kwargs)

        import safetensors.torch

        real_load = safetensors.torch.load_file

        def load_file(filename, *args, **kwargs):
            record(filename)
            return real_load(filename, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", opener)
        monkeypatch.setattr(io, "open", opener)
        monkeypatch.setattr(pathlib.Path, "open", path_open)
        for method in ("read_text", "read_bytes"):
            real = getattr(pathlib.Path, method)
            monkeypatch.setattr(pathlib.Path, method, _recording(real, record))
        monkeypatch.setattr(safetensors.torch, "load_file", load_file)


def _recording(real, record):
    def method(path, *args, **kwargs):
        record(path)
        return real(path, *args, **kwargs)

    return method


def allowed_roots(registry: Path) -> list[Path]:
    packages = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib", "stdlib")}
    return [
        registry.resolve(),
        Path(os.environ["ATTENTION_EXPLORER_USER_MODELS"]).resolve(),
        *packages,  # Streamlit's static files and config, plotly's templates, the standard library
        *(Path(entry) for entry in sys.path if entry.endswith(".zip")),  # the import system looks for pythonXY.zip
        *(Path(name) for name in mimetypes.knownfiles),  # the standard library's MIME and time zone tables
        *(Path(folder) for folder in zoneinfo.TZPATH),
        ROOT / "app.py",
        ROOT / "app_pages",  # the page scripts Streamlit runs
        ROOT / ".streamlit",
        *(folder.resolve() for folder in lesson_folders()),  # the lesson files the Lessons page lists
    ]


@pytest.mark.parametrize("page", PAGES)
def test_files_read_with_hostile_links(page, registry, monkeypatch):
    at = app_test(page, TIMEOUT)
    reads = Reads(monkeypatch)
    for name in ("path task", "encoded path", "absolute model", "NUL in names", "every value hostile"):
        run_with(at, CASES[name][0])
        assert not at.exception, [e.message for e in at.exception]
    roots = allowed_roots(registry)
    outside = sorted({p for p in reads.paths if not any(Path(p).resolve().is_relative_to(r) for r in roots)})
    assert outside == []
    if page in VIEW_PAGES:  # the pages did read models: the recorder saw them
        assert any(Path(p).resolve().is_relative_to(registry.resolve()) for p in reads.paths)
