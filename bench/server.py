"""The app as the benchmarks start it: a Streamlit server (or a cluster) and its processes read from /proc.

`Server` starts `app.py` as `make run` does (python -m explorer.ui.serve: loopback, headless, no usage
stats) on a free port; `start_servers` starts one such server or, for several replicas, a cluster
(deploy.cluster: replicas, redis-server, nginx) and says which pids make up each part.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from explorer.ui.serve import local_command

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate `proc` if it still runs, killing it after 10 s without an answer."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc (no psutil needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, []))
    return pids


def rss_mb(pids: list[int]) -> float:
    """Summed VmRSS (/proc/PID/status) of `pids`, in MiB."""
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def cpu_seconds(pids: list[int]) -> float:
    """Summed user + system CPU time (/proc/PID/stat) of `pids`, in seconds."""
    ticks = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    """`streamlit run app.py` on a free loopback port; a context manager that stops it."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        log_dir: Path | None = None,
        script: str = "app.py",
        options: tuple[str, ...] = (),
        warm_up: bool = True,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir or tempfile.gettempdir()) / f"bench-streamlit-{self.port}.log"
        self.env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {})}
        self.script, self.options, self.warm_up = script, options, warm_up
        self.proc: subprocess.Popen | None = None
        self.start_seconds = 0.0

    def start(self, timeout_s: float = 300.0) -> float:
        """Start and wait for /_stcore/health; returns the seconds that took."""
        cmd = [*local_command(self.port, self.script, self.warm_up), *self.options]
        self._log = open(self.log_path, "w+b")  # a file, not a pipe: an unread pipe blocks the server
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        while time.perf_counter() - started < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            if healthy(self.url):
                self.start_seconds = time.perf_counter() - started
                return self.start_seconds
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy within {timeout_s:.0f} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def tree(self) -> list[int]:
        """The server's pid and its descendants'."""
        return process_tree(self.proc.pid) if self.proc is not None else []

    def rss_mb(self) -> float:
        """Resident memory of the server's process tree, in MiB."""
        return rss_mb(self.tree())

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        if getattr(self, "_log", None) is not None:
            self._log.close()

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Servers:
    """What runs the app: one server, or a cluster; the pids of its process groups for /proc."""

    url: str
    groups: dict[str, Callable[[], list[int]]]  # "app" (the app processes), and "redis", "nginx" for a cluster
    stop: Callable[[], None]
    replica_urls: list[str] = field(default_factory=list)

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(pids()) for name, pids in self.groups.items()}

    def rss_mb(self) -> float:
        return rss_mb(self.groups["app"]())


def start_servers(replicas: int, env: dict[str, str], run_dir: Path) -> Servers:
    """One `Server` (replicas == 1) or a cluster of `replicas` behind nginx with Redis, started and healthy."""
    if replicas == 1:
        server = Server(env, log_dir=run_dir)
        server.start(timeout_s=180)
        return Servers(server.url, {"app": server.tree}, server.stop, [server.url])
    from deploy.cluster import start_cluster

    cluster = start_cluster(replicas, free_port(), run_dir / "cluster", env=env, timeout_s=240)

    def pids(role: str) -> Callable[[], list[int]]:
        return lambda: [pid for p in cluster.processes if p.role == role for pid in process_tree(p.pid)]

    groups = {"app": pids("replica"), "redis": pids("redis"), "nginx": pids("nginx")}
    return Servers(cluster.url, groups, cluster.stop, list(cluster.replica_urls))
