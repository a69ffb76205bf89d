"""Several replicas of the app behind nginx with sticky sessions, plus the one Redis they share.

    python -m deploy.cluster start --replicas 2 --port 8080 [--redis-port 6379 | --redis-url URL] [--run-dir deploy/run]
    python -m deploy.cluster status [--run-dir deploy/run]
    python -m deploy.cluster stop [--run-dir deploy/run]

`start` starts, in this order, each waited for until it answers:

1. redis-server on 127.0.0.1:REDIS_PORT, without persistence (classes are short-lived), unless
   --redis-url names a Redis that already runs;
2. N replicas of the app, what `make run` runs (`python -m explorer.ui.serve`, models loaded before
   the server answers), on 127.0.0.1, ports REPLICA_PORT … REPLICA_PORT+N-1, each with
   ATTENTION_EXPLORER_REDIS_URL set so that they share classes; ready when /_stcore/health says "ok";
3. nginx as the current user (no root with a port >= 1024): deploy/nginx.conf.template rendered into the
   run folder, which also holds nginx's pid file, temporary files and logs (`nginx -p RUN_DIR -c nginx.conf`).

It writes cluster.json and a pid file per process into the run folder and returns; the processes go on
in the background, each in a session of its own (closing the terminal does not stop them). `stop` ends
them (nginx first, Redis last); `status` asks every process, and the app through nginx.

Importable: `start_cluster(replicas, port, run_dir) -> Cluster`, with `.url`, `.replica_urls`,
`.redis_url` and `.stop()` (tests/test_deploy.py, benchmarks); `Cluster.load(run_dir)` for a running one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from explorer.ui.serve import local_command

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")
DEFAULT_RUN_DIR = ROOT / "deploy" / "run"
STATE_FILE = "cluster.json"
INSTALL_HINT = "sudo apt-get install nginx-light redis-server (or scripts/install_servers.sh)"
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")  # where Debian puts nginx, outside a user's PATH
STOP_ORDER = ("nginx", "replica", "redis")  # traffic stops first, the shared store last
POLL_S = 0.1


class ClusterError(RuntimeError):
    """A start, stop or status that cannot go on; the message says why and what to do."""


# --------------------------------------------------------------------------- small helpers


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


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int, address: str = "127.0.0.1") -> bool:
    """Whether a server already listens on (address, port): binding it the way servers do fails."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free for a server
        try:
            s.bind((address, port))
        except OSError:
            return True
    return False


def health(url: str, timeout_s: float = 2.0) -> tuple[bool, str]:
    """(GET url/_stcore/health answered "ok", the X-Replica header of the answer or the error)."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout_s) as response:
            ok = response.status == 200 and response.read().decode().strip() == "ok"
            return ok, response.headers.get("X-Replica", "")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
        return False, str(getattr(error, "reason", error))


def _resp(*args: str) -> bytes:
    """One Redis command in the Redis protocol (RESP)."""
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def redis_ping(url: str, timeout_s: float = 2.0) -> bool:
    """Whether the Redis at `url` (redis://[user:password@]host:port/db) answers PING (plain TCP only)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "redis":
        return True  # rediss:// (TLS) or a socket path: not ours to probe; the app says so if it fails
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout_s) as s:
            if parts.password:
                user = urllib.parse.unquote(parts.username or "default")
                s.sendall(_resp("AUTH", user, urllib.parse.unquote(parts.password)))
                if not s.recv(256).startswith(b"+OK"):
                    return False
            s.sendall(_resp("PING"))
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _proc_start(pid: int) -> str | None:
    """The process's start time (clock ticks since boot) from /proc, None when no such live process.

    Stored beside a pid, it tells our process from a later one that got the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in {"Z", "X"} else fields[19]  # a zombie has ended; field 22 of stat is starttime


def render_nginx_config(listen: str, replica_ports: Sequence[int], template: Path = TEMPLATE) -> str:
    """deploy/nginx.conf.template with nginx's listen address and one upstream server line per replica."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in replica_ports)
    text = template.read_text().replace("{{LISTEN}}", listen).replace("{{UPSTREAM_SERVERS}}", servers)
    left = sorted(set(re.findall(r"\{\{\w+\}\}", text)))
    if left:
        raise ClusterError(f"{template} has placeholders deploy/cluster.py does not fill: {', '.join(left)}")
    header = f"# Rendered from {template.name} by `python -m deploy.cluster start`: the next start overwrites it.\n"
    return header + text


def _log_tail(path: Path, n_chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n_chars:]
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- the cluster


@dataclass
class Process:
    """One process of the cluster: its role ("redis", "replica" or "nginx"), pid, port and log."""

    role: str
    pid: int
    port: int
    log: str
    started: str | None  # _proc_start(pid) when started
    popen: subprocess.Popen | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return {"redis": "redis-server", "nginx": "nginx"}.get(self.role, f"replica :{self.port}")

    def alive(self) -> bool:
        if self.popen is not None:  # started by this process: the child can be reaped
            return self.popen.poll() is None
        now = _proc_start(self.pid)
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

    def save(self) -> None:
        state = {
            "url": self.url,
            "listen": self.listen,
            "replica_urls": self.replica_urls,
            "redis_url": self.redis_url,
            "processes": [p.record() for p in self.processes],
        }
        tmp = self.run_dir / f"{STATE_FILE}.tmp"
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        tmp.replace(self.run_dir / STATE_FILE)
        for p in self.processes:
            if p.role != "nginx":  # nginx writes its own nginx.pid
                (self.run_dir / f"{p.role if p.role == 'redis' else f'replica-{p.port}'}.pid").write_text(f"{p.pid}\n")

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
            return cls(
                run_dir, str(state["url"]), str(state["listen"]), [str(u) for u in state["replica_urls"]],
                str(state["redis_url"]), processes,
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
            if not _wait_until(lambda g=group: not any(p.alive() for p in g), timeout_s):
                for p in group:
                    p.send(signal.SIGKILL)
                _wait_until(lambda g=group: not any(p.alive() for p in g), 5.0)
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
        checks.append(Check(name, self.redis_url, redis_ok, "PONG" if redis_ok else "no answer"))
        for url in self.replica_urls:
            ok, detail = health(url)
            checks.append(Check("replica", url, ok, "ok" if ok else detail))
        ok, detail = health(self.url)
        checks.append(Check("nginx", self.url, ok, f"ok, answered by {detail}" if ok else detail))
        return checks

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)


def _spawn(cluster: Cluster, role: str, port: int, cmd: list[str], log: Path, env: Mapping[str, str]) -> Process:
    handle = open(log, "ab")  # a file, not a pipe: an unread pipe fills up and blocks the server
    cluster._logs.append(handle)
    popen = subprocess.Popen(
        cmd, cwd=ROOT, env=dict(env), stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own session and process group: outlives this command, stopped as a group
    )  # fmt: skip
    process = Process(role, popen.pid, port, str(log), _proc_start(popen.pid), popen)
    cluster.processes.append(process)
    return process


def _wait_ready(process: Process, ready: Callable[[], bool], timeout_s: float, extra_log: Path | None = None) -> None:
    def done() -> bool:
        if not process.alive():
            code = process.popen.returncode if process.popen else "?"
            tail = _log_tail(Path(process.log)) + (_log_tail(extra_log) if extra_log else "")
            raise ClusterError(f"{process.name} exited (code {code}) before it answered; its log:\n{tail}")
        return ready()

    if not _wait_until(done, timeout_s):
        raise ClusterError(
            f"{process.name} did not answer within {timeout_s:.0f} s; its log ({process.log}):\n"
            f"{_log_tail(Path(process.log))}"
        )


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
    say: Callable[[str], None] = lambda line: None,
) -> Cluster:
    """Start Redis (unless `redis_url`), `replicas` app replicas and nginx on `address`:`port`; wait until
    each answers. Replicas listen on 127.0.0.1 from `replica_port` on (None: free ports), Redis on
    `redis_port` (None: a free port). `env` is added to the replicas' environment (os.environ). On any
    failure everything started so far is stopped and ClusterError says why."""
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
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        if port_in_use(redis_port):
            raise ClusterError(
                f"port {redis_port} for redis-server is already in use (once installed, Debian's own redis-server "
                f"service listens on 6379). To use that Redis: --redis-url redis://127.0.0.1:{redis_port}/0; "
                "or choose another --redis-port."
            )
    elif not redis_ping(redis_url):
        raise ClusterError(f"no Redis answers at {redis_url} (--redis-url); start it, or leave --redis-url out")
    _check_ports([(address, port, "nginx"), *(("127.0.0.1", p, "replica") for p in replica_ports)])
    for sub in ("logs", "temp"):  # nothing is written before every check passed
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    (run_dir / ".gitignore").write_text("# written by deploy/cluster.py: nothing here belongs in git\n*\n")

    listen = f"{address}:{port}"
    local_host = "127.0.0.1" if address in {"0.0.0.0", "127.0.0.1"} else address
    cluster = Cluster(
        run_dir, f"http://{local_host}:{port}", listen, [f"http://127.0.0.1:{p}" for p in replica_ports], redis_url
    )
    logs = run_dir / "logs"
    try:
        if redis_path is not None:
            redis_cmd = [
                redis_path, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(run_dir), "--pidfile", str(run_dir / "redis.pid"), "--daemonize", "no",
            ]  # fmt: skip
            process = _spawn(cluster, "redis", redis_port, redis_cmd, logs / "redis.log", os.environ)
            _wait_ready(process, lambda: redis_ping(redis_url), timeout_s)
            say(f"redis-server   {redis_url}   pid {process.pid}")

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
            _wait_ready(process, lambda u=url: health(u)[0], timeout_s)
            say(f"replica        {url}   pid {process.pid}")

        (run_dir / "nginx.conf").write_text(render_nginx_config(listen, replica_ports))
        nginx_cmd = [nginx_path, "-p", f"{run_dir}/", "-c", "nginx.conf", "-e", "logs/error.log", "-g", "daemon off;"]
        process = _spawn(cluster, "nginx", port, nginx_cmd, logs / "nginx.out", os.environ)
        _wait_ready(process, lambda: health(cluster.url)[0], timeout_s, extra_log=logs / "error.log")
        say(f"nginx          http://{listen}   pid {process.pid}   (config: {run_dir / 'nginx.conf'})")
        cluster.save()
    except BaseException:
        cluster.stop(timeout_s=10.0)
        raise
    return cluster


# --------------------------------------------------------------------------- command line


def _this_host() -> str:
    """This machine's address as other machines on its network likely reach it (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the interface of the default route
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.cluster",
        description="Several app replicas behind nginx with sticky sessions, plus one Redis (deploy/README.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start Redis, the replicas and nginx; return once all answer")
    start.add_argument("--replicas", type=int, default=2, help="app processes (one per core; default 2)")
    start.add_argument("--port", type=int, default=8080, help="nginx's port, what browsers open (default 8080)")
    start.add_argument("--address", default="0.0.0.0", help="nginx's address (default 0.0.0.0: every interface)")
    start.add_argument(
        "--replica-port", type=int, default=8501, help="first replica's port on 127.0.0.1, then +1 each (8501)"
    )
    redis = start.add_mutually_exclusive_group()
    redis.add_argument("--redis-port", type=int, default=6379, help="port of the redis-server started (6379)")
    redis.add_argument("--redis-url", help="use this running Redis (redis://host:port/0) instead of starting one")
    start.add_argument("--no-warm-up", action="store_true", help="replicas load models on first use (faster start)")
    start.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for each process (180)")
    start.add_argument("--nginx", default="nginx", help="the nginx program (default: found in PATH or /usr/sbin)")
    start.add_argument("--redis-server", default="redis-server", help="the redis-server program")
    for name, text in (("stop", "stop everything `start` started"), ("status", "check every process and nginx")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR, help="the run folder (deploy/run)")
    start.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR, help="pids, logs, nginx.conf (deploy/run)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "start":
            began = time.monotonic()
            cluster = start_cluster(
                args.replicas, args.port, args.run_dir, redis_url=args.redis_url, address=args.address,
                replica_port=args.replica_port, redis_port=args.redis_port, warm_up=not args.no_warm_up,
                timeout_s=args.timeout, nginx=args.nginx, redis_server=args.redis_server, say=print,
            )  # fmt: skip
            host = _this_host() if args.address == "0.0.0.0" else args.address
            print(f"Started in {time.monotonic() - began:.1f} s. Open http://{host}:{args.port} (here: {cluster.url}).")
            where = "" if Path(args.run_dir).resolve() == DEFAULT_RUN_DIR else f" --run-dir {args.run_dir}"
            print(f"Check: python -m deploy.cluster status{where}")
            print(f"Stop:  python -m deploy.cluster stop{where}")
            print(f"Logs:  {cluster.run_dir / 'logs'}")
            return 0
        cluster = Cluster.load(args.run_dir)
        if args.command == "stop":
            running = cluster.alive()
            cluster.stop()
            print(f"Stopped {len(running)} processes: " + ", ".join(f"{p.name} (pid {p.pid})" for p in running))
            return 0
        checks = cluster.check()
        for p in cluster.processes:
            print(f"{p.name:<15} pid {p.pid:<8} {'running' if p.alive() else 'NOT RUNNING'}")
        for c in checks:
            print(f"{c.name:<15} {c.address:<28} {'ok' if c.ok else 'FAILED'}: {c.detail}")
        return 0 if all(c.ok for c in checks) and all(p.alive() for p in cluster.processes) else 1
    except ClusterError as error:
        print(f"deploy.cluster {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # start_cluster has stopped what it had started
        print(f"deploy.cluster {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
