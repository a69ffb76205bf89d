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
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
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
PASSWORD_FILE = "redis.password"  # mode 0600: the Redis password, read back by `status`
REDIS_CONF = "redis.conf"  # mode 0600: it holds requirepass, which must not be on redis-server's command line
AOF_DIR = "appendonlydir"  # Redis 7's name for the folder of its append-only files


@dataclass(frozen=True)
class Limits:
    """nginx's limits per client address ($binary_remote_addr), sized in deploy/README.md for a class of
    200 students behind one NAT address: open connections (a WebSocket counts for its whole life, an idle
    keep-alive connection not at all), and requests a second with the burst allowed on top of that rate."""

    connections: int = 2000
    requests_per_second: int = 200
    burst: int = 10000

    def __post_init__(self) -> None:
        for name in ("connections", "requests_per_second", "burst"):
            if getattr(self, name) < 1:
                raise ClusterError(f"the per-address limit {name} must be at least 1")


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


def private_write(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600 from the first byte: a new file created 0600 (O_EXCL, so no
    one else's file or link is reused), then renamed over `path` (a reader sees the old or the new one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask only removes bits; this makes the mode exact
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def split_password(url: str) -> tuple[str, str | None]:
    """(`url` without its password, the password or None): the first is safe to print or to store."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url, None
    user = f"{parts.username}@" if parts.username else ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=user + host)), urllib.parse.unquote(parts.password)


def with_password(url: str, password: str | None) -> str:
    """`url` (without a password) with `password` put back in its user part."""
    if password is None:
        return url
    parts = urllib.parse.urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    netloc = f"{user}:{urllib.parse.quote(password, safe='')}@{host}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def redact(url: str) -> str:
    """`url` as it may be printed: its password, if any, as ***."""
    bare, password = split_password(url)
    return bare if password is None else with_password(bare, "***").replace("%2A%2A%2A", "***")


def _quoted(value: str) -> str:
    """A value for redis.conf: in double quotes, with the escapes Redis's config parser reads."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def redis_config(port: int, run_dir: Path, password: str) -> str:
    """redis.conf for the cluster's own redis-server: loopback only, the password, the append-only file."""
    return "\n".join(
        [
            "# Written by `python -m deploy.cluster start` at each start (mode 0600: it holds the password).",
            f"port {port}",
            "bind 127.0.0.1",
            "protected-mode yes",
            "daemonize no",
            f"dir {_quoted(str(run_dir))}",
            f"pidfile {_quoted(str(run_dir / 'redis.pid'))}",
            f"requirepass {_quoted(password)}",
            # Every write goes to the append-only file before its reply is sent, and to the disk within a
            # second: a killed redis-server loses nothing acknowledged, a machine that loses power ~1 s.
            "appendonly yes",
            "appendfsync everysec",
            'save ""',  # no RDB snapshots besides the append-only file
            "",
        ]
    )


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
                password = urllib.parse.unquote(parts.password)
                user = urllib.parse.unquote(parts.username or "")
                s.sendall(_resp("AUTH", user, password) if user else _resp("AUTH", password))
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


def render_nginx_config(
    listen: str, replica_ports: Sequence[int], template: Path = TEMPLATE, limits: Limits | None = None
) -> str:
    """deploy/nginx.conf.template with nginx's listen address, one upstream server line per replica and
    the per-address limits."""
    limits = limits or Limits()
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in replica_ports)
    values = {
        "LISTEN": listen,
        "UPSTREAM_SERVERS": servers,
        "CONN_PER_ADDRESS": str(limits.connections),
        "REQUESTS_PER_SECOND": str(limits.requests_per_second),
        "REQUEST_BURST": str(limits.burst),
    }
    text = template.read_text()
    for name, value in values.items():
        text = text.replace(f"{{{{{name}}}}}", value)
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
            password = _read_password(run_dir, state.get("redis_password_file"))
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
        checks.append(Check(name, self.redis_url_shown, redis_ok, "PONG" if redis_ok else "no answer"))
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


def _read_password(run_dir: Path, name: object) -> str | None:
    """The password kept in the run folder (None when cluster.json names no password file)."""
    if not name:
        return None
    try:
        return (run_dir / str(name)).read_text().strip()
    except OSError as error:
        raise ClusterError(f"cannot read the Redis password {run_dir / str(name)}: {error.strerror}") from None


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
            _wait_ready(process, lambda: redis_ping(redis_url), timeout_s)
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
            _wait_ready(process, lambda u=url: health(u)[0], timeout_s)
            say(f"replica        {url}   pid {process.pid}")

        (run_dir / "nginx.conf").write_text(render_nginx_config(listen, replica_ports, limits=limits))
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
    redis.add_argument(
        "--redis-url-file", type=Path, help="the same, read from this file (a password stays out of `ps`)"
    )
    defaults = Limits()
    start.add_argument(
        "--max-connections-per-address", type=int, default=defaults.connections,
        help=f"nginx: open connections from one client address (default {defaults.connections})",
    )  # fmt: skip
    start.add_argument(
        "--requests-per-second", type=int, default=defaults.requests_per_second,
        help=f"nginx: sustained requests a second from one address (default {defaults.requests_per_second})",
    )  # fmt: skip
    start.add_argument(
        "--request-burst", type=int, default=defaults.burst,
        help=f"nginx: requests from one address beyond that rate, served at once (default {defaults.burst})",
    )  # fmt: skip
    start.add_argument("--no-warm-up", action="store_true", help="replicas load models on first use (faster start)")
    start.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for each process (180)")
    start.add_argument("--nginx", default="nginx", help="the nginx program (default: found in PATH or /usr/sbin)")
    start.add_argument("--redis-server", default="redis-server", help="the redis-server program")
    for name, text in (("stop", "stop everything `start` started"), ("status", "check every process and nginx")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR, help="the run folder (deploy/run)")
    start.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR, help="pids, logs, nginx.conf (deploy/run)")
    return parser


def _redis_url(args: argparse.Namespace) -> str | None:
    """--redis-url, or the first line of --redis-url-file, or None (start a redis-server)."""
    if args.redis_url_file is None:
        return args.redis_url
    try:
        lines = args.redis_url_file.read_text().split()
    except OSError as error:
        raise ClusterError(f"cannot read --redis-url-file {args.redis_url_file}: {error.strerror}") from None
    if not lines:
        raise ClusterError(f"--redis-url-file {args.redis_url_file} is empty")
    return lines[0]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "start":
            began = time.monotonic()
            limits = Limits(args.max_connections_per_address, args.requests_per_second, args.request_burst)
            cluster = start_cluster(
                args.replicas, args.port, args.run_dir, redis_url=_redis_url(args), address=args.address,
                replica_port=args.replica_port, redis_port=args.redis_port, warm_up=not args.no_warm_up,
                timeout_s=args.timeout, nginx=args.nginx, redis_server=args.redis_server, limits=limits, say=print,
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
