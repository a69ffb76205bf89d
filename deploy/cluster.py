"""Several replicas of the app behind nginx with sticky sessions, plus the one Redis they share.

    python -m deploy.cluster start --replicas 2 --port 8080 [--redis-port 6379 | --redis-url URL] [--run-dir deploy/run]
    python -m deploy.cluster status [--run-dir deploy/run]
    python -m deploy.cluster stop [--run-dir deploy/run]

`start` starts, in this order, each waited for until it answers:

1. redis-server on 127.0.0.1:REDIS_PORT, unless --redis-url names a Redis that already runs: with a
   password made afresh at each start (`requirepass`, kept in RUN_DIR/redis.password and in
   RUN_DIR/redis.conf, both mode 0600; never on a command line) and an append-only file in
   RUN_DIR/appendonlydir, which the next start from the same run folder loads: classes outlive a
   restart of Redis or of the whole cluster;
2. N replicas of the app, what `make run` runs (`python -m explorer.ui.serve`, models loaded before
   the server answers), on 127.0.0.1, ports REPLICA_PORT … REPLICA_PORT+N-1, each with
   ATTENTION_EXPLORER_REDIS_URL set (with the password) so that they share classes; ready when
   /_stcore/health says "ok";
3. nginx as the current user (no root with a port >= 1024): deploy/nginx.conf.template rendered into the
   run folder, which also holds nginx's pid file, temporary files and logs (`nginx -p RUN_DIR -c nginx.conf`),
   with per-address connection and request limits (`limits`).

It writes cluster.json and a pid file per process into the run folder and returns; the processes go on
in the background, each in a session of its own (closing the terminal does not stop them). `stop` ends
them (nginx first, Redis last); `status` asks every process, and the app through nginx.

Importable: `start_cluster(replicas, port, run_dir) -> Cluster`, with `.url`, `.replica_urls`,
`.redis_url` (with its password) and `.stop()` (tests/test_deploy.py, benchmarks); `Cluster.load(run_dir)`
for a running one. What is printed or written to cluster.json never holds the password (`redact`).

This module starts, checks and stops the whole; its parts: configs.py (nginx.conf and redis.conf),
processes.py (one process: its program, its pid, waiting for it), probes.py (ports, health, PING),
passwords.py (the Redis password's files and URLs), cli.py (the command line), errors.py (ClusterError).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from explorer.ui.serve import local_command

from .configs import Limits, redis_config, render_nginx_config
from .errors import ClusterError
from .passwords import private_write, read_password, redact, split_password, with_password
from .probes import ACCESS_LOGS, free_port, health, port_in_use, redis_ping
from .processes import Process, find_program, proc_start, wait_ready, wait_until

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUN_DIR = ROOT / "deploy" / "run"
STATE_FILE = "cluster.json"
STOP_ORDER = ("nginx", "replica", "redis")  # traffic stops first, the shared store last
PASSWORD_FILE = "redis.password"  # mode 0600: the Redis password, read back by `status`
REDIS_CONF = "redis.conf"  # mode 0600: it holds requirepass, which must not be on redis-server's command line
AOF_DIR = "appendonlydir"  # Redis 7's name for the folder of its append-only files


@dataclass
class Check:
    """One line of `status`: what was asked, whether it answered, and the detail."""

    name: str
    address: str
    ok: bool
    detail: str


@dataclass
class Cluster:
    """A running cluster: `url` (through nginx), `replica_urls` (direct), `redis_url`, and its processes."""

    run_dir: Path
    url: str
    listen: str
    replica_urls: list[str]
    redis_url: str
    processes: list[Process] = field(default_factory=list)
    _logs: list = field(default_factory=list, repr=False)  # log files this process opened for its children

    # ---- state on disk

    @property
    def redis_url_shown(self) -> str:
        """`redis_url` as it may be printed (no password)."""
        return redact(self.redis_url)

    def save(self) -> None:
        """cluster.json (no password: the URL's password lives in redis.password, mode 0600) and pid files."""
        bare, password = split_password(self.redis_url)
        if password is not None:
            private_write(self.run_dir / PASSWORD_FILE, password + "\n")
        state = {
            "url": self.url,
            "listen": self.listen,
            "replica_urls": self.replica_urls,
            "redis_url": bare,
            "redis_password_file": PASSWORD_FILE if password is not None else None,
            "processes": [p.record() for p in self.processes],
        }
        tmp = self.run_dir / f"{STATE_FILE}.tmp"
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        tmp.replace(self.run_dir / STATE_FILE)
        for p in self.processes:
            if p.role != "nginx":  # nginx writes its own nginx.pid
                (self.run_dir / f"{p.role if p.role == 'redis' else f'replica-{p.port}'}.pid").write_text(f"{p.pid}\n")

    @property
    def access_log(self) -> Path:
        """nginx's access log: the one place that names the replica of each request (deploy.probes.answered_by)."""
        return self.run_dir / "logs" / "access.log"

    @classmethod
    def load(cls, run_dir: Path | str) -> Cluster:
        run_dir = Path(run_dir).resolve()
        path = run_dir / STATE_FILE
        try:
            state = json.loads(path.read_text())
            processes = [
                Process(str(p["role"]), int(p["pid"]), int(p["port"]), str(p["log"]), p["started"])
                for p in state["processes"]
            ]
            password = read_password(run_dir, state.get("redis_password_file"))
            redis_url = with_password(str(state["redis_url"]), password)
            return cls(
                run_dir, str(state["url"]), str(state["listen"]), [str(u) for u in state["replica_urls"]],
                redis_url, processes,
            )  # fmt: skip
        except FileNotFoundError:
            raise ClusterError(f"no cluster was started with the run folder {run_dir} (no {STATE_FILE})") from None
        except (ValueError, KeyError, TypeError) as error:
            raise ClusterError(f"{path} is damaged ({error}); stop the processes by hand, then delete it") from None

    # ---- life

    def stop(self, timeout_s: float = 15.0) -> None:
        """End every process (nginx, then the replicas, then Redis): SIGTERM, SIGKILL after `timeout_s`."""
        for role in STOP_ORDER:
            group = [p for p in self.processes if p.role == role]
            for p in group:
                p.send(signal.SIGTERM)
            if not wait_until(lambda g=group: not any(p.alive() for p in g), timeout_s):
                for p in group:
                    p.send(signal.SIGKILL)
                wait_until(lambda g=group: not any(p.alive() for p in g), 5.0)
        for p in self.processes:
            if p.popen is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.popen.wait(timeout=1)
        for handle in self._logs:
            handle.close()
        self._logs.clear()
        for name in (STATE_FILE, "redis.pid", *(f"replica-{p.port}.pid" for p in self.processes)):
            (self.run_dir / name).unlink(missing_ok=True)

    def alive(self) -> list[Process]:
        return [p for p in self.processes if p.alive()]

    def check(self) -> list[Check]:
        """Redis answers PING, each replica its health check, and the app answers through nginx."""
        checks = []
        redis = next((p for p in self.processes if p.role == "redis"), None)
        redis_ok = redis_ping(self.redis_url)
        name = "redis-server" if redis else "redis (given)"
        checks.append(Check(name, self.redis_url_shown, redis_ok, "PONG" if redis_ok else "no answer"))
        for url in self.replica_urls:
            ok, detail = health(url)
            checks.append(Check("replica", url, ok, "ok" if ok else detail))
        ok, detail = health(self.url, access_log=self.access_log)
        checks.append(Check("nginx", self.url, ok, f"ok, answered by {detail}" if ok else detail))
        return checks

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _spawn(cluster: Cluster, role: str, port: int, cmd: list[str], log: Path, env: Mapping[str, str]) -> Process:
    handle = open(log, "ab")  # a file, not a pipe: an unread pipe fills up and blocks the server
    cluster._logs.append(handle)
    popen = subprocess.Popen(
        cmd, cwd=ROOT, env=dict(env), stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own session and process group: outlives this command, stopped as a group
    )  # fmt: skip
    process = Process(role, popen.pid, port, str(log), proc_start(popen.pid), popen)
    cluster.processes.append(process)
    return process


def _check_run_dir(run_dir: Path) -> None:
    """Refuse a run folder whose cluster still runs; forget one whose processes are all gone."""
    if not (run_dir / STATE_FILE).exists():
        return
    old = Cluster.load(run_dir)
    if old.alive():
        names = ", ".join(f"{p.name} (pid {p.pid})" for p in old.alive())
        raise ClusterError(
            f"a cluster started from {run_dir} still runs: {names}. "
            f"Stop it first: python -m deploy.cluster stop --run-dir {run_dir}"
        )
    (run_dir / STATE_FILE).unlink()


def _check_ports(ports: Sequence[tuple[str, int, str]]) -> None:
    busy = [f"{what} port {port}" for address, port, what in ports if port_in_use(port, address)]
    if busy:
        raise ClusterError(f"already in use: {', '.join(busy)}. Stop what listens there, or choose other ports.")


def start_cluster(
    replicas: int,
    port: int,
    run_dir: Path | str,
    redis_url: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    address: str = "127.0.0.1",
    replica_port: int | None = None,
    redis_port: int | None = None,
    warm_up: bool = True,
    timeout_s: float = 180.0,
    nginx: str = "nginx",
    redis_server: str = "redis-server",
    limits: Limits | None = None,
    say: Callable[[str], None] = lambda line: None,
) -> Cluster:
    """Start Redis (unless `redis_url`), `replicas` app replicas and nginx on `address`:`port`; wait until
    each answers. Replicas listen on 127.0.0.1 from `replica_port` on (None: free ports), Redis on
    `redis_port` (None: a free port) with a new password and the run folder's append-only file. `env` is
    added to the replicas' environment (os.environ); `limits` are nginx's per address (None: `Limits()`).
    On any failure everything started so far is stopped and ClusterError says why."""
    if replicas < 1:
        raise ClusterError("--replicas must be at least 1")
    nginx_path = find_program(nginx)
    redis_path = None if redis_url else find_program(redis_server)
    run_dir = Path(run_dir).resolve()
    _check_run_dir(run_dir)

    replica_ports = (
        [free_port() for _ in range(replicas)]
        if replica_port is None
        else list(range(replica_port, replica_port + replicas))
    )
    if redis_url is None:
        redis_port = free_port() if redis_port is None else redis_port
        # A new password each start: the classes are in the append-only file, not tied to it.
        password = secrets.token_hex(32)
        redis_url = with_password(f"redis://127.0.0.1:{redis_port}/0", password)
        if port_in_use(redis_port):
            raise ClusterError(
                f"port {redis_port} for redis-server is already in use (once installed, Debian's own redis-server "
                f"service listens on 6379). To use that Redis: --redis-url redis://127.0.0.1:{redis_port}/0; "
                "or choose another --redis-port."
            )
    elif not redis_ping(redis_url):
        raise ClusterError(
            f"no Redis answers at {redact(redis_url)} (--redis-url), or it refused the password; "
            "start it or correct the URL, or leave --redis-url out"
        )
    _check_ports([(address, port, "nginx"), *(("127.0.0.1", p, "replica") for p in replica_ports)])
    for sub in ("logs", "temp"):  # nothing is written before every check passed
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    (run_dir / ".gitignore").write_text("# written by deploy/cluster.py: nothing here belongs in git\n*\n")
    # The classes (members' names, answers) are nobody else's to read: Redis makes its files 0644.
    (run_dir / AOF_DIR).mkdir(mode=0o700, exist_ok=True)
    (run_dir / AOF_DIR).chmod(0o700)

    listen = f"{address}:{port}"
    local_host = "127.0.0.1" if address in {"0.0.0.0", "127.0.0.1"} else address
    cluster = Cluster(
        run_dir, f"http://{local_host}:{port}", listen, [f"http://127.0.0.1:{p}" for p in replica_ports], redis_url
    )
    logs = run_dir / "logs"
    try:
        if redis_path is not None:
            # The password goes in a 0600 file, never on redis-server's command line (anyone sees that in ps).
            private_write(run_dir / PASSWORD_FILE, password + "\n")
            private_write(run_dir / REDIS_CONF, redis_config(redis_port, run_dir, password))
            redis_cmd = [redis_path, str(run_dir / REDIS_CONF)]
            process = _spawn(cluster, "redis", redis_port, redis_cmd, logs / "redis.log", os.environ)
            # Loading a large append-only file takes a while: ready once it answers PING with the password.
            wait_ready(process, lambda: redis_ping(redis_url), timeout_s)
            say(f"redis-server   {cluster.redis_url_shown}   pid {process.pid}   (password: {run_dir / PASSWORD_FILE})")

        replica_env = {
            **os.environ,
            **(env or {}),
            "ATTENTION_EXPLORER_REDIS_URL": redis_url,
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
        started = [
            _spawn(cluster, "replica", p, local_command(p, warm_up=warm_up), logs / f"replica-{p}.log", replica_env)
            for p in replica_ports
        ]
        for process, url in zip(started, cluster.replica_urls, strict=True):
            wait_ready(process, lambda u=url: health(u)[0], timeout_s)
            say(f"replica        {url}   pid {process.pid}")

        (run_dir / "nginx.conf").write_text(render_nginx_config(listen, replica_ports, limits=limits))
        nginx_cmd = [nginx_path, "-p", f"{run_dir}/", "-c", "nginx.conf", "-e", "logs/error.log", "-g", "daemon off;"]
        process = _spawn(cluster, "nginx", port, nginx_cmd, logs / "nginx.out", os.environ)
        wait_ready(process, lambda: health(cluster.url)[0], timeout_s, extra_log=logs / "error.log")
        say(f"nginx          http://{listen}   pid {process.pid}   (config: {run_dir / 'nginx.conf'})")
        cluster.save()
        ACCESS_LOGS[cluster.url] = cluster.access_log  # which replica a browser reached (deploy.probes.health)
    except BaseException:
        cluster.stop(timeout_s=10.0)
        raise
    return cluster


if __name__ == "__main__":  # the command line is deploy/cli.py, run as `python -m deploy` (no import back)
    sys.exit("The command is `python -m deploy start | status | stop` (deploy/cli.py).")
