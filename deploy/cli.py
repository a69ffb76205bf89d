"""The command line, `python -m deploy start | status | stop` (deploy/__main__.py runs it; deploy/cluster.py,
the cluster itself, never imports it back): its options, and what each command prints. Exit status: 0 done
(or every check passed), 1 a check failed, 2 a ClusterError (the message says why), 130 interrupted."""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .cluster import DEFAULT_RUN_DIR, Cluster, start_cluster
from .configs import Limits
from .errors import ClusterError


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
        prog="python -m deploy",
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
            print(f"Check: python -m deploy status{where}")
            print(f"Stop:  python -m deploy stop{where}")
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
        print(f"deploy {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # start_cluster has stopped what it had started
        print(f"deploy {args.command}: interrupted", file=sys.stderr)
        return 130
