"""A real redis-server for tests: on a free loopback port, in a temporary folder, nothing saved to disk.

``RedisServer()`` starts one (``--port N --save "" --appendonly no``) and waits until it answers
PING; ``url`` is its address, ``stop()`` kills it and ``start()`` starts it again on the same port,
empty (what a lost connection that comes back looks like to the app). The pytest fixtures:
``redis_url`` (one server for the whole session) and ``redis_server`` (a server of the test's own,
to stop and restart). Without a redis-server binary they skip, naming the script that installs it
(scripts/install_servers.sh, which ``make install-test`` runs).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.server import free_port

MISSING = "redis-server is not installed: run scripts/install_servers.sh (make install-test does)"


def _answers_ping(port: int) -> bool:
    """Whether a server on `port` answers PING (a raw socket: no client library needed)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process of the tests' own (see the module's docstring)."""

    def __init__(self, binary: str | None = None, port: int | None = None, timeout: float = 10.0) -> None:
        self.binary = binary or shutil.which("redis-server")
        if self.binary is None:
            raise FileNotFoundError(MISSING)
        self.timeout = timeout
        self.folder = Path(tempfile.mkdtemp(prefix="ae-redis-"))
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        for attempt in range(5):
            try:
                self.start()
                break
            except RuntimeError:  # the free port was taken meanwhile: another one
                if port is not None or attempt == 4:
                    raise
                self.port = free_port()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server on `port` (empty) and wait until it answers PING; RuntimeError if it does not."""
        if self.process is not None and self.process.poll() is None:
            return
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.folder), "--daemonize", "no", "--loglevel", "warning"]
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if _answers_ping(self.port):
                return
            time.sleep(0.02)
        self.stop()
        tail = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"redis-server did not start on port {self.port}:\n{tail}")

    def stop(self) -> None:
        """Kill the server and wait for it (the port is free again afterwards)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _server() -> RedisServer:
    if shutil.which("redis-server") is None:
        pytest.skip(MISSING)
    return RedisServer()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a redis-server shared by the session's tests (each test uses keys of its own prefix)."""
    with _server() as server:
        yield server.url


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of the test's own, to stop and restart."""
    with _server() as server:
        yield server
