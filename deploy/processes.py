"""The cluster's processes: finding a server's program, knowing that a pid is still the process we
started (its start time from /proc), waiting until it answers, and signalling its process group."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ClusterError

INSTALL_HINT = "sudo apt-get install nginx-light redis-server (or scripts/install_servers.sh)"
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")  # where Debian puts nginx, outside a user's PATH
POLL_S = 0.1


def find_program(name: str) -> str:
    """The path of `name` (a program name, or a path): PATH first, then the sbin folders; ClusterError if missing."""
    if "/" in name:
        if os.access(name, os.X_OK) and Path(name).is_file():
            return name
        raise ClusterError(f"{name} does not exist or is not executable. Install the servers: {INSTALL_HINT}.")
    found = shutil.which(name)
    if found is None:
        found = next((str(Path(d) / name) for d in SBIN_DIRS if os.access(Path(d) / name, os.X_OK)), None)
    if found is None:
        raise ClusterError(f"{name} is not installed (not in PATH nor in {', '.join(SBIN_DIRS)}): {INSTALL_HINT}.")
    return found


def proc_start(pid: int) -> str | None:
    """The process's start time (clock ticks since boot) from /proc, None when no such live process.

    Stored beside a pid, it tells our process from a later one that got the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in {"Z", "X"} else fields[19]  # a zombie has ended; field 22 of stat is starttime


def log_tail(path: Path, n_chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n_chars:]
    except OSError:
        return "(no log)"


@dataclass
class Process:
    """One process of the cluster: its role ("redis", "replica" or "nginx"), pid, port and log."""

    role: str
    pid: int
    port: int
    log: str
    started: str | None  # proc_start(pid) when started
    popen: subprocess.Popen | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return {"redis": "redis-server", "nginx": "nginx"}.get(self.role, f"replica :{self.port}")

    def alive(self) -> bool:
        if self.popen is not None:  # started by this process: the child can be reaped
            return self.popen.poll() is None
        now = proc_start(self.pid)
        if now is None and not Path("/proc").is_dir():  # no /proc: whether the pid exists at all
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return True
        return now is not None and now == self.started

    def send(self, sig: int) -> None:
        """Send `sig` to this process and its process group (each was started as its own session:
        a replica's training workers are in its group and go with it), only while it is still ours."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(self.pid) == self.pid:
                os.killpg(self.pid, sig)
            else:
                os.kill(self.pid, sig)

    def record(self) -> dict:
        return {"role": self.role, "pid": self.pid, "port": self.port, "log": self.log, "started": self.started}


def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)


def wait_ready(process: Process, ready: Callable[[], bool], timeout_s: float, extra_log: Path | None = None) -> None:
    def done() -> bool:
        if not process.alive():
            code = process.popen.returncode if process.popen else "?"
            tail = log_tail(Path(process.log)) + (log_tail(extra_log) if extra_log else "")
            raise ClusterError(f"{process.name} exited (code {code}) before it answered; its log:\n{tail}")
        return ready()

    if not wait_until(done, timeout_s):
        raise ClusterError(
            f"{process.name} did not answer within {timeout_s:.0f} s; its log ({process.log}):\n"
            f"{log_tail(Path(process.log))}"
        )
