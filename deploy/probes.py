"""Asking the network: a free port, whether one is taken, the app's health check and Redis's PING.

Each question is one short connection on the loopback interface (or to the given URL), with a timeout;
none raises for a server that does not answer.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request


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
                password = urllib.parse.unquote(parts.password)
                user = urllib.parse.unquote(parts.username or "")
                s.sendall(_resp("AUTH", user, password) if user else _resp("AUTH", password))
                if not s.recv(256).startswith(b"+OK"):
                    return False
            s.sendall(_resp("PING"))
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False
