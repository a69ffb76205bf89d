"""deploy/: what keeps the cluster's classes safe and its doors wide enough, on a real cluster.

Redis has a password that only the cluster's user can read (mode 0600 files, never on a command line,
never printed) and refuses a client without it, while the replicas, given it, share a live class;
Redis writes an append-only file in the run folder, so the classes outlive a killed redis-server and a
`stop` then `start` of the whole cluster; only the health check's answer names the replica; nginx
limits each client address, wide enough for a class of 200 behind one address, and refuses a flood.
Skipped, with the reason, where nginx or redis-server is not installed (scripts/install_servers.sh).
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import signal
import stat
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path

import pytest

from bench.common import run_async
from deploy.cluster import AOF_DIR, PASSWORD_FILE, REDIS_CONF, Cluster, start_cluster
from deploy.configs import Limits, render_nginx_config
from deploy.errors import ClusterError
from deploy.passwords import split_password
from deploy.probes import free_port, redis_ping
from deploy.processes import find_program

redis = pytest.importorskip("redis")
from redis.backoff import NoBackoff  # noqa: E402
from redis.retry import Retry  # noqa: E402

from tests import test_deploy  # noqa: E402

COOKIE = test_deploy.COOKIE
_servers_or_skip = test_deploy._servers_or_skip
cluster = test_deploy.cluster  # the fixture: a two-replica cluster of this module's own


def _password(cluster: Cluster) -> str:
    password = split_password(cluster.redis_url)[1]
    assert password is not None and re.fullmatch(r"[0-9a-f]{64}", password)
    return password


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _upgrade(url: str, cookie: str = "") -> http.client.HTTPConnection | int:
    """Open Streamlit's WebSocket through nginx as a browser does: the open connection when it was
    upgraded (101), else the status nginx answered."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
        "Origin": url,
    }
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    connection.request("GET", "/_stcore/stream", headers=headers)
    response = connection.getresponse()
    if response.status != 101:
        response.read()
        connection.close()
        return response.status
    return connection


def _get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# --------------------------------------------------------------------------- the password


def test_the_password_is_kept_in_files_only_its_user_reads(cluster: Cluster) -> None:
    password = _password(cluster)
    for name in (PASSWORD_FILE, REDIS_CONF):
        assert _mode(cluster.run_dir / name) == 0o600, name
    assert (cluster.run_dir / PASSWORD_FILE).read_text() == password + "\n"
    assert f'requirepass "{password}"' in (cluster.run_dir / REDIS_CONF).read_text()
    assert _mode(cluster.run_dir / AOF_DIR) == 0o700
    assert Cluster.load(cluster.run_dir).redis_url == cluster.redis_url  # `status` and `stop` read it back


def test_redis_refuses_a_client_without_the_password(cluster: Cluster) -> None:
    parts = urllib.parse.urlsplit(cluster.redis_url)
    once = Retry(NoBackoff(), 0)  # redis-py retries a refused AUTH (a ConnectionError) with backoff otherwise
    stranger = redis.Redis(host=parts.hostname, port=parts.port, retry=once)
    with pytest.raises(redis.exceptions.AuthenticationError):
        stranger.ping()
    with pytest.raises(redis.exceptions.AuthenticationError):
        stranger.flushall()
    wrong = redis.Redis(host=parts.hostname, port=parts.port, password="0" * 64, retry=once)
    with pytest.raises(redis.exceptions.AuthenticationError):
        wrong.ping()
    assert not redis_ping(f"redis://{parts.hostname}:{parts.port}/0")
    assert redis.Redis.from_url(cluster.redis_url).ping()


def test_the_password_is_on_no_command_line_and_in_no_log(cluster: Cluster) -> None:
    password = _password(cluster).encode()
    cmdlines = 0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue  # ended meanwhile
            cmdlines += 1
            assert password not in cmdline, f"pid {proc.name}: {cmdline[:200]!r}"
    assert cmdlines > 5
    redis_pid = next(p.pid for p in cluster.processes if p.role == "redis")
    assert b"redis-server" in Path(f"/proc/{redis_pid}/cmdline").read_bytes()  # the scan saw Redis too
    for path in [
        cluster.run_dir / "cluster.json",
        cluster.run_dir / "nginx.conf",
        *(cluster.run_dir / "logs").iterdir(),
    ]:
        assert password not in path.read_bytes(), path
    statuses = [f"{c.address} {c.detail}" for c in cluster.check()]
    assert all(c.ok for c in cluster.check()) and password.decode() not in " ".join(statuses)


def test_the_replicas_share_a_class_through_the_password(cluster: Cluster) -> None:
    """A teacher on one replica starts a class; a student on the other replica follows it live."""
    from bench.class_follow import connect, first_get, open_teacher

    async def follow() -> None:
        teacher, code = await open_teacher(cluster.url, "25 may 1921", "concat", timeout_s=60)
        follower = None
        try:
            for _ in range(30):  # fresh browsers until one lands on the other replica
                replica, cookie = await asyncio.to_thread(first_get, cluster.url)
                if replica and replica != teacher.replica:
                    follower = await connect(cluster.url, f"room={code}", "", cookie, replica)
                    break
            assert follower is not None, "every fresh browser landed on the teacher's replica"
            await follower.open()
            assert await follower.until(follower.live, 30), follower.alerts[-3:]
            assert follower.exceptions == [] and teacher.exceptions == []
        finally:
            if follower is not None:
                await follower.close()
            await teacher.close()
        assert redis.Redis.from_url(cluster.redis_url).exists(f"ae:room:{code}")

    run_async(follow())  # in a thread of its own: a browser test may have left this thread's loop running


# --------------------------------------------------------------------------- headers


CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src 'self' blob: data:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


def _headers_of(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Message]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_no_answer_names_a_replica_and_every_answer_carries_the_security_headers(cluster: Cluster) -> None:
    replicas = {urllib.parse.urlsplit(u).netloc for u in cluster.replica_urls}
    with urllib.request.urlopen(f"{cluster.url}/", timeout=10) as response:
        html = response.read().decode()
    script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', html).group(1)
    paths = ["/", f"/{script}", "/_stcore/health", "/_stcore/host-config", "/api/class-events?code=bad", "/nowhere"]
    for path in paths:
        status, headers = _headers_of(f"{cluster.url}{path}")
        assert status in (200, 400, 404), (path, status)
        assert not [name for name in headers if name.lower() == "x-replica"], path
        # Once each: the app sends them too (explorer.ui.server.headers), and nginx hides its copies.
        assert headers.get_all("Content-Security-Policy") == [CSP], path
        assert headers.get_all("X-Frame-Options") == ["SAMEORIGIN"], path
        assert headers.get_all("X-Content-Type-Options") == ["nosniff"], path
        assert headers.get_all("Referrer-Policy") == ["same-origin"], path
        assert headers.get_all("Server") in (None, ["nginx"]), path  # no software's version, no uvicorn
    # `status` still says which replica answered: nginx's access log names it, no header does.
    [through_nginx] = [c for c in cluster.check() if c.name == "nginx"]
    assert through_nginx.ok and through_nginx.detail.removeprefix("ok, answered by ") in replicas


def test_a_body_larger_than_the_app_takes_is_refused_by_nginx(cluster: Cluster) -> None:
    """The app uploads nothing: 64 KiB is the most nginx passes on; more gets 413 before any replica."""
    status, _ = _headers_of(f"{cluster.url}/_stcore/upload_file/x/y", "PUT", b"x" * (64 * 1024 + 1))
    assert status == 413
    text = render_nginx_config("0.0.0.0:8080", [8501])
    assert "client_max_body_size 64k;" in text and "X-Replica" not in text


def test_nginx_passes_the_clients_address_on() -> None:
    text = render_nginx_config("0.0.0.0:8080", [8501])
    for location in re.findall(r"location [^{]+\{[^}]+\}", text):
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in location, location
        assert "proxy_set_header X-Real-IP $remote_addr;" in location, location


# --------------------------------------------------------------------------- limits per address


def test_the_limits_are_in_the_nginx_config() -> None:
    default = render_nginx_config("0.0.0.0:8080", [8501])
    assert re.search(r"limit_conn_zone \$binary_remote_addr zone=(\w+):10m;", default)
    assert "limit_conn per_address_connections 10000;" in default  # two per student of a hall of 2,000, and loading
    assert "rate=200r/s;" in default
    assert "limit_req  zone=per_address_requests burst=20000 nodelay;" in default
    assert "limit_req_status  429;" in default and "limit_conn_status 429;" in default
    custom = render_nginx_config("0.0.0.0:8080", [8501], limits=Limits(30, 7, 90))
    assert "limit_conn per_address_connections 30;" in custom
    assert "rate=7r/s;" in custom and "burst=90 nodelay;" in custom
    with pytest.raises(ClusterError, match="at least 1"):
        Limits(0, 1, 1)


def test_a_class_of_200_behind_one_address_fits(cluster: Cluster) -> None:
    """200 WebSockets open at once from 127.0.0.1, and meanwhile 200 requests at once: none refused."""
    with ThreadPoolExecutor(50) as pool:
        opened = list(pool.map(lambda _: _upgrade(cluster.url), range(200)))
        try:
            refused = [o for o in opened if isinstance(o, int)]
            assert refused == [], f"{len(refused)} of 200 WebSockets refused: {sorted(set(refused))}"
            statuses = list(pool.map(lambda _: _get_status(f"{cluster.url}/_stcore/health"), range(200)))
            assert statuses == [200] * 200, sorted(set(statuses))
        finally:
            for connection in opened:
                if not isinstance(connection, int):
                    connection.close()


def test_a_flood_beyond_the_limits_is_refused(tmp_path: Path) -> None:
    _servers_or_skip()
    limits = Limits(connections=20, requests_per_second=10, burst=20)
    with start_cluster(1, free_port(), tmp_path / "run", warm_up=False, timeout_s=60, limits=limits) as small:
        time.sleep(limits.burst / limits.requests_per_second)  # the start's own health checks drained
        opened = [_upgrade(small.url) for _ in range(30)]
        try:
            upgraded = [o for o in opened if not isinstance(o, int)]
            assert len(upgraded) == 20 and {o for o in opened if isinstance(o, int)} == {429}
        finally:
            for connection in opened:
                if not isinstance(connection, int):
                    connection.close()
        time.sleep(limits.burst / limits.requests_per_second)
        started = time.monotonic()
        statuses = [_get_status(f"{small.url}/_stcore/health") for _ in range(100)]
        # nginx lets through its burst, then its rate for as long as the requests took: a busy machine sends the
        # hundred more slowly, and more of them pass (on a quiet one they take about a second: 70 or more refused).
        passed = limits.burst + limits.requests_per_second * (time.monotonic() - started)
        assert limits.burst <= statuses.count(200) <= passed + 1, statuses
        assert statuses.count(429) == 100 - statuses.count(200), statuses


# --------------------------------------------------------------------------- persistence


def _redis_dead(pid: int, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[1][:3]:
            return True
        time.sleep(0.05)
    return False


def test_classes_survive_a_killed_redis_and_a_restarted_cluster(tmp_path: Path) -> None:
    _servers_or_skip()
    run_dir = tmp_path / "run"
    first = start_cluster(1, free_port(), run_dir, warm_up=False, timeout_s=60)
    by_hand = None
    try:
        store = redis.Redis.from_url(first.redis_url)
        store.hset("ae:room:SURVIV", mapping={"teacher": "hash", "step": "3"})
        files = list((run_dir / AOF_DIR).iterdir())
        assert any(f.name.endswith(".aof") for f in files), files
        assert all(_mode(f) & 0o077 == 0 or _mode(run_dir / AOF_DIR) == 0o700 for f in files)

        # redis-server killed outright, started again by hand from the run folder's config
        redis_process = next(p for p in first.processes if p.role == "redis")
        os.kill(redis_process.pid, signal.SIGKILL)
        assert _redis_dead(redis_process.pid)
        assert not redis_ping(first.redis_url)
        by_hand = subprocess.Popen(
            [find_program("redis-server"), str(run_dir / REDIS_CONF)], stdout=subprocess.DEVNULL, cwd=run_dir
        )
        deadline = time.monotonic() + 15
        while not redis_ping(first.redis_url) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.hgetall("ae:room:SURVIV") == {b"teacher": b"hash", b"step": b"3"}
        by_hand.terminate()
        by_hand.wait(10)
        by_hand = None

        # the whole cluster stopped and started again from the same run folder: a new password, same classes
        first.stop()
        old_url = first.redis_url
        redis_port = urllib.parse.urlsplit(old_url).port  # `start` takes --redis-port 6379 each time
        second = start_cluster(1, free_port(), run_dir, redis_port=redis_port, warm_up=False, timeout_s=60)
        with second:
            assert second.redis_url != old_url and not redis_ping(old_url)
            with pytest.raises(redis.exceptions.AuthenticationError):
                redis.Redis.from_url(old_url, retry=Retry(NoBackoff(), 0)).ping()
            assert redis.Redis.from_url(second.redis_url).hget("ae:room:SURVIV", "step") == b"3"
    finally:
        if by_hand is not None:
            by_hand.kill()
            by_hand.wait(10)
        first.stop()
