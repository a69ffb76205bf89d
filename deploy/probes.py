"""Asking the network: a free port, whether one is taken, the app's health check and Redis's PING.

Each question is one short connection on the loopback interface (or to the given URL), with a timeout;
none raises for a server that does not answer.
"""

from __future__ import annotations

import re
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ACCESS_LOGS: dict[str, Path] = {}  # a cluster's URL -> its nginx's access log (deploy.cluster registers its own)
# nginx's $upstream_addr: every replica tried, comma-separated; the last one answered
UPSTREAM = re.compile(r"upstream=([^\s,]+(?:, [^\s,]+)*)")


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


def health(url: str, timeout_s: float = 2.0, access_log: Path | None = None, cookie: str = "") -> tuple[bool, str]:
    """(GET url/_stcore/health answered "ok", which replica answered it or the error).

    No answer names a replica (nginx sends no X-Replica: the replicas' addresses stay inside). Behind
    nginx, pass its `access_log`: the check carries a random probe=… in its query, and the log line of
    that request names the replica (upstream=…); without one the replica is "". `cookie`: the Cookie
    header to send (a browser's sticky cookie, to learn its replica)."""
    marker = secrets.token_hex(8)
    request = urllib.request.Request(
        f"{url}/_stcore/health?probe={marker}", headers={"Cookie": cookie} if cookie else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            ok = response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
        return False, str(getattr(error, "reason", error))
    return ok, (answered_by(access_log, marker) if access_log is not None else "")


def answered_by(access_log: Path, marker: str, wait_s: float = 3.0) -> str:
    """The replica (host:port) that nginx's access log (deploy/nginx.conf.template's `cluster` format) names
    for the request whose line holds `marker`; "" when none does within `wait_s` (nginx writes a line as
    its request ends)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with access_log.open("rb") as log:
                log.seek(max(0, access_log.stat().st_size - 256 * 1024))
                for line in reversed(log.read().decode("utf-8", "replace").splitlines()):
                    if f"probe={marker}" in line:
                        found = UPSTREAM.search(line)
                        return found.group(1).split(",")[-1].strip() if found else ""
        except OSError:
            pass
        if time.monotonic() >= deadline:
            return ""
        time.sleep(0.05)


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
