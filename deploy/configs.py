"""The servers' configuration files: nginx.conf rendered from deploy/nginx.conf.template (upstream
replicas, per-address limits) and the cluster's own redis.conf (loopback, password, append-only file)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from explorer.ui.server.headers import HEADERS

from .errors import ClusterError

TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")


@dataclass(frozen=True)
class Limits:
    """nginx's limits per client address ($binary_remote_addr), sized in deploy/README.md for a hall of
    2,000 students behind one NAT address: open connections (a WebSocket and a class's event stream count for
    their whole life, two per student, an idle keep-alive connection not at all), and requests a second with
    the burst allowed on top of that rate."""

    connections: int = 10000
    requests_per_second: int = 200
    burst: int = 20000

    def __post_init__(self) -> None:
        for name in ("connections", "requests_per_second", "burst"):
            if getattr(self, name) < 1:
                raise ClusterError(f"the per-address limit {name} must be at least 1")


def security_header_lines(headers: dict[str, str] = HEADERS) -> str:
    """nginx.conf's lines for the app's security headers (explorer.ui.server.headers, the one place they are
    written): the app's copy hidden, nginx's own added to every answer, its error pages included."""
    lines = []
    for name, value in headers.items():
        if not re.fullmatch(r"[A-Za-z-]+", name) or re.search(r'["$\\\x00-\x1f]', value):
            raise ClusterError(f"the header {name!r} cannot be written into nginx.conf as it is")
        lines += [f"        proxy_hide_header {name};", f'        add_header {name} "{value}" always;']
    return "\n".join(lines)


def render_nginx_config(
    listen: str, replica_ports: Sequence[int], template: Path = TEMPLATE, limits: Limits | None = None
) -> str:
    """deploy/nginx.conf.template with nginx's listen address, one upstream server line per replica, the
    per-address limits and the app's security headers."""
    limits = limits or Limits()
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in replica_ports)
    values = {
        "LISTEN": listen,
        "UPSTREAM_SERVERS": servers,
        "CONN_PER_ADDRESS": str(limits.connections),
        "REQUESTS_PER_SECOND": str(limits.requests_per_second),
        "REQUEST_BURST": str(limits.burst),
        "SECURITY_HEADERS": security_header_lines(),
    }
    text = template.read_text()
    for name, value in values.items():
        text = text.replace(f"{{{{{name}}}}}", value)
    left = sorted(set(re.findall(r"\{\{\w+\}\}", text)))
    if left:
        raise ClusterError(f"{template} has placeholders deploy/configs.py does not fill: {', '.join(left)}")
    header = f"# Rendered from {template.name} by `python -m deploy start`: the next start overwrites it.\n"
    return header + text


def _quoted(value: str) -> str:
    """A value for redis.conf: in double quotes, with the escapes Redis's config parser reads."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def redis_config(port: int, run_dir: Path, password: str) -> str:
    """redis.conf for the cluster's own redis-server: loopback only, the password, the append-only file."""
    return "\n".join(
        [
            "# Written by `python -m deploy start` at each start (mode 0600: it holds the password).",
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
