"""The package installs and runs without the checkout: `pip install .` / `pipx install .`.

Once per module: the wheel is built from a copy of the working tree (so the checkout gets no build/
folder), installed with --no-deps into a fresh virtual environment, and everything after that runs
from another folder with PYTHONPATH cleared, so that only the installed copy can be imported. The
new environment reads the dependencies (torch, streamlit, …) from the test's own environment through
a .pth file: no network. (`venv --system-site-packages` would not do: .venv is itself a virtual
environment, and a venv made from its interpreter shares the base Python's site-packages, not .venv's.)
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from bench.server import free_port
from seq2seq.lab import papers

ROOT = Path(__file__).resolve().parent.parent
# Not part of what `pip install .` reads, and large or changing while tests run.
NOT_COPIED = (
    *(".git", ".venv", "runs", "user_models", "build", "dist", "*.egg-info", "__pycache__", "node_modules"),
    *(".cache", "tmp", "test-results", ".pytest_cache", ".ruff_cache", ".hypothesis", ".gl", ".whl"),
)
STARTUP_S = 180  # the warm-up loads the shipped models first: 8–12 s on a busy 2-core machine


class Installed:
    """The wheel, and the virtual environment it is installed in."""

    def __init__(self, wheel: Path, venv: Path, elsewhere: Path) -> None:
        self.wheel, self.venv, self.elsewhere = wheel, venv, elsewhere
        self.python, self.command = venv / "bin" / "python", venv / "bin" / "attention-explorer"
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("ATTENTION_EXPLORER")}
        # HOME of its own: no ~/.streamlit/config.toml of the developer's, and the installed user models folder
        # (~/.local/share/attention-explorer/user_models) is made there, not in the developer's home.
        self.env |= {"HOME": str(elsewhere / "home"), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
        self.env.pop("XDG_DATA_HOME", None)

    def run(self, *args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(a) for a in args], cwd=self.elsewhere, env=self.env, capture_output=True, text=True, timeout=timeout
        )


def _check(process: subprocess.CompletedProcess) -> str:
    assert process.returncode == 0, f"{process.args} exited {process.returncode}:\n{process.stdout}\n{process.stderr}"
    return process.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("package")
    source, dist, venv, elsewhere = base / "source", base / "dist", base / "venv", base / "elsewhere"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # Stored, not deflated: the same files, built in a third of the time (the models hardly compress).
    stored = "--config-settings=--build-option=--compression=stored"
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", stored, "-w", dist, source]
    _check(subprocess.run(build, capture_output=True, text=True, timeout=300))
    (wheel,) = dist.glob("attention_explorer-*.whl")
    # Without a pip of its own (ensurepip took 14 s on a busy machine): this pip installs into it (--python).
    _check(subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], capture_output=True, text=True))
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(subprocess.check_output([venv / "bin" / "python", "-c", where], text=True).strip())
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (purelib / "test-dependencies.pth").write_text("".join(f"{p}\n" for p in ours))  # after the venv's own
    elsewhere.mkdir()
    (elsewhere / "home").mkdir()
    found = Installed(wheel, venv, elsewhere)
    _check(found.run(*pip, "--python", found.python, "install", "--no-deps", "--no-index", wheel, timeout=300))
    return found


def _app_files() -> list[Path]:
    """app.py, app_pages/, .streamlit/config.toml, lessons/ and every file of pretrained/, as in the checkout."""
    files = [ROOT / "app.py", ROOT / ".streamlit" / "config.toml", *sorted((ROOT / "app_pages").glob("*.py"))]
    files += sorted((ROOT / "lessons").glob("*.toml"))
    return files + sorted(p for p in (ROOT / "pretrained").rglob("*") if p.is_file())


def test_the_wheel_holds_every_package_and_the_app_files(installed):
    """pyproject.toml names the packages one by one: a new subpackage must be added there too."""
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    expected = {str(p.relative_to(ROOT)) for package in ("seq2seq", "explorer") for p in (ROOT / package).rglob("*.py")
                if "__pycache__" not in p.parts}  # fmt: skip
    expected |= {f"attention_explorer/{p.relative_to(ROOT)}" for p in _app_files()}
    expected |= {str(p.relative_to(ROOT)) for p in (ROOT / "explorer" / "locale").rglob("*.po")}
    expected.add("seq2seq/lab/papers.toml")  # the papers' numbers the Lab quotes (seq2seq.lab.papers)
    features = ROOT / "explorer" / "ui"  # each feature's scripts beside its Python
    expected |= {str(p.relative_to(ROOT)) for p in (*features.glob("*/*.js"), *features.glob("*/*.css"))}
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel (pyproject.toml's [tool.setuptools]): {missing[:20]}"


# One Python run answers the questions below (each run imports torch and streamlit again: seconds each).
FACTS = """
import json, seq2seq, explorer
from streamlit.testing.v1 import AppTest
from seq2seq import paths, registry
from explorer import i18n, lessons
from explorer.ui import serve
from explorer.ui.shell import navigation
from seq2seq.lab import papers
home = AppTest.from_file(str(serve.APP), default_timeout=120).run()  # app.py, as the server runs it
print(json.dumps({
    "seq2seq": seq2seq.__file__, "explorer": explorer.__file__, "root": str(paths.project_root()),
    "app": str(serve.APP), "pretrained": str(registry.default_root()), "user_models": str(registry.user_root()),
    "pages": list(navigation.page_scripts()), "lessons": len(lessons.lesson_files([lessons.SHIPPED_DIR])),
    "languages": sorted(i18n.LANGUAGES), "zh": i18n.translations("zh").gettext("Step"),
    "papers": sorted(papers.load().papers),
    "home": {"exceptions": [e.value for e in home.exception], "markdown": len(home.markdown),
             "tables": len(home.dataframe)},
}))
"""


@pytest.fixture(scope="module")
def facts(installed) -> dict:
    return json.loads(_check(installed.run(installed.python, "-c", FACTS)).splitlines()[-1])


def test_the_installed_code_runs_from_the_venv_with_its_files(installed, facts):
    venv = installed.venv.resolve()
    for name in ("seq2seq", "explorer", "root", "app", "pretrained"):
        assert Path(facts[name]).resolve().is_relative_to(venv), f"{name} is {facts[name]}, outside {venv}"
    assert not Path(facts["seq2seq"]).resolve().is_relative_to(ROOT), "the checkout was imported"
    assert Path(facts["app"]).is_file() and Path(facts["app"]).parent == Path(facts["root"])
    assert (Path(facts["root"]) / ".streamlit" / "config.toml").is_file()  # Streamlit reads it beside app.py
    assert facts["pages"] == [f"app_pages/{p.name}" for p in sorted((ROOT / "app_pages").glob("*.py"))]
    assert "zh" in facts["languages"] and facts["zh"] != "Step"  # the catalog came along and compiles
    assert facts["papers"] == sorted(papers.load().papers)  # papers.toml came along and loads
    # Saved models go to the user's own folder, which reinstalling the package leaves alone.
    assert Path(facts["user_models"]) == installed.elsewhere / "home/.local/share/attention-explorer/user_models"


def test_the_installed_app_finds_the_shipped_lessons(facts):
    assert facts["lessons"] == len(list((ROOT / "lessons").glob("*.toml")))


def test_the_installed_home_page_runs(facts):
    """app.py from the package, through Streamlit's AppTest: its imports, the registry, a model's live example."""
    home = facts["home"]
    assert home["exceptions"] == [] and home["markdown"] > 0 and home["tables"] == 1  # the text and the models table


def test_python_m_seq2seq_models_lists_every_shipped_model(installed):
    out = _check(installed.run(installed.python, "-m", "seq2seq", "models"))
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    manifest = json.loads((ROOT / "pretrained" / "manifest.json").read_text())
    missing = sorted({m["name"] for m in manifest["models"]} - listed)
    assert not missing, f"`python -m seq2seq models` from the installed package misses {missing}:\n{out}"


def test_attention_explorer_has_help(installed):
    out = _check(installed.run(installed.command, "--help"))
    assert "usage: attention-explorer" in out and "--port" in out and "--address" in out


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def test_attention_explorer_serves_the_app_warm(installed):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = installed.elsewhere / f"server-{port}.log"
    with open(log, "wb") as output:  # a file, not a pipe: an unread pipe fills up and blocks the server
        server = subprocess.Popen(
            [installed.command, "--port", str(port), "--address", "127.0.0.1"],
            cwd=installed.elsewhere, env=installed.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + STARTUP_S
            while (answer := _health(url)) != "ok" and server.poll() is None and time.monotonic() < deadline:
                time.sleep(0.3)
            text = log.read_text(errors="replace")
            assert answer == "ok", f"no 'ok' from {url}/_stcore/health (exit code {server.poll()}):\n{text[-4000:]}"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200 and b"<html" in response.read().lower()
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait(timeout=15)
    text = log.read_text(errors="replace")
    assert "Warmed up:" in text and "Warmed up: 0 models" not in text, text[-4000:]  # the shipped models loaded
