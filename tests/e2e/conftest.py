"""Real-browser tests: a Streamlit server in a subprocess, driven by the system Chromium.

Fixtures:
    start_streamlit(env=None, script="app.py") -> base URL
        Starts (once per distinct env/script, for the whole session) ``streamlit run`` from the
        repository root on a free loopback port, with ``os.environ`` plus ``env``, waits until
        ``/_stcore/health`` answers "ok", and stops the server at the end of the session.
    streamlit_server -> base URL of the app with the default environment.

Playwright's own browser download does not work on this project's machines, so
``browser_type_launch_args`` launches Debian's Chromium (``scripts/install_chromium.sh``);
the tests are skipped with a reason when it is missing. Every test in this folder is marked
``e2e`` (deselect with ``-m "not e2e"``), and Playwright waits at most 15 s by default.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bench.browser import CHROMIUM_ARGS  # one set of launch flags for the tests and the benchmarks
from bench.server import free_port, healthy, stop_process
from explorer.ui.serve import local_command

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent

TIMEOUT_MS = 15_000  # default for Playwright actions, navigation and expect()
# The server loads every shipped model before it answers (explorer.ui.serve: about 40 s with both cores busy);
# the wait polls /_stcore/health, so a long limit costs nothing when it starts fast (a busy laptop is slower).
SERVER_START_TIMEOUT_S = 300.0


expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --------------------------------------------------------------------------- browser


def _chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, pytestconfig: pytest.Config) -> dict:
    """pytest-playwright's launch options, pointed at the system Chromium."""
    executable = _chromium_path()
    if executable is None:
        pytest.skip("system Chromium not found (run scripts/install_chromium.sh, or set CHROMIUM=/path)")
    args = list(CHROMIUM_ARGS)
    if pytestconfig.getoption("--headed"):
        args.remove("--headless")
    return {**browser_type_launch_args, "executable_path": executable, "args": args}


@pytest.fixture
def new_context(new_context: Callable) -> Callable:
    """pytest-playwright's ``new_context`` with 15 s default timeouts (``context`` and ``page`` use it)."""

    def _new_context(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        return context

    return _new_context


# --------------------------------------------------------------------------- server


class _Server:
    def __init__(self, script: str, extra_env: Mapping[str, str], log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"streamlit-{self.port}.log"
        env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **extra_env}
        cmd = local_command(self.port, script)  # app.py as `make run` starts it (explorer.ui.serve)
        # A file, not a pipe: an unread pipe fills up and blocks the server.
        self._log = open(self.log_path, "w+b")  # closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log_tail(self, n_chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-n_chars:]

    def wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.proc.returncode} before answering "
                    f"{self.url}/_stcore/health; its output:\n{self.log_tail()}"
                )
            if healthy(self.url):
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"streamlit did not answer {self.url}/_stcore/health with 'ok' within {timeout_s:.0f} s; "
            f"its output:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        stop_process(self.proc)
        self._log.close()


@pytest.fixture(scope="session")
def start_streamlit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """Factory: ``start_streamlit(env={"VAR": "value"}, script="app.py") -> "http://127.0.0.1:PORT"``.

    One server per distinct (script, env) for the whole session; all are stopped at the end.
    """
    log_dir = tmp_path_factory.mktemp("streamlit-logs")
    servers: dict[tuple, _Server] = {}

    def _start(env: Mapping[str, str] | None = None, script: str = "app.py") -> str:
        extra_env = {k: str(v) for k, v in (env or {}).items()}
        key = (script, tuple(sorted(extra_env.items())))
        if key not in servers:
            if not (ROOT / script).is_file():
                pytest.fail(f"{script} not found in {ROOT}")
            server = _Server(script, extra_env, log_dir)
            failure = None
            try:
                server.wait_healthy(SERVER_START_TIMEOUT_S)
            except RuntimeError as error:
                failure = str(error)
            if failure is not None:  # failed outside the except block: one traceback, not two
                server.stop()
                pytest.fail(failure, pytrace=False)
            servers[key] = server
        return servers[key].url

    yield _start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def streamlit_server(start_streamlit: Callable[..., str]) -> str:
    """Base URL of ``app.py`` served with the test run's own environment."""
    return start_streamlit()
