"""deploy/: a real cluster, real servers. Two app replicas, one redis-server and nginx started by
deploy.cluster (the importable start_cluster, and the command line), asked through nginx: health, the
home page and its scripts, sticky sessions by cookie (one browser stays on one replica, fresh browsers
spread over both), Streamlit's WebSocket upgraded through nginx on the browser's own replica, and
stop ending every process. Skipped, with the reason, where nginx or redis-server is not installed
(scripts/install_servers.sh installs both)."""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from deploy.cluster import PASSWORD_FILE, Cluster, start_cluster
from deploy.configs import render_nginx_config
from deploy.errors import ClusterError
from deploy.probes import answered_by, free_port, redis_ping
from deploy.processes import INSTALL_HINT, find_program

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "ae_replica"


def _servers_or_skip() -> None:
    for program in ("nginx", "redis-server"):
        try:
            find_program(program)
        except ClusterError as error:
            pytest.skip(f"{error}")


def _started(start, tries: int = 3):
    """start(), again when a free port it picked was taken meanwhile (a browser's or client's outgoing
    connection can be given that very port between the pick and the replica's bind)."""
    for attempt in range(tries):
        try:
            return start()
        except ClusterError as error:
            if "is not available" not in str(error) or attempt == tries - 1:
                raise


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    _servers_or_skip()
    # No warm-up: the replicas load models on first use, and these tests open no model (2 s instead of 5 s).
    started = _started(lambda: start_cluster(2, free_port(), tmp_path_factory.mktemp("cluster"), warm_up=False,
                                             timeout_s=60))  # fmt: skip
    yield started
    started.stop()


def _replicas(cluster: Cluster) -> set[str]:
    """The replicas as nginx's access log names them: host:port."""
    return {urllib.parse.urlsplit(url).netloc for url in cluster.replica_urls}


def _browser() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    """A fresh cookie jar and an opener that keeps it, like a browser."""
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _get(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, Message, bytes]:
    with opener.open(url, timeout=10) as response:
        return response.status, response.headers, response.read()


def _health(opener: urllib.request.OpenerDirector, cluster: Cluster) -> tuple[Message, str]:
    """A health check through nginx: (its headers, the replica that answered, as the access log names it).
    The answer itself names no replica (issue 51: no X-Replica anywhere)."""
    marker = secrets.token_hex(8)
    status, headers, body = _get(opener, f"{cluster.url}/_stcore/health?probe={marker}")
    assert (status, body) == (200, b"ok")
    assert not [name for name in headers if name.lower() == "x-replica"]
    return headers, answered_by(cluster.access_log, marker)


def _sticky_set_cookies(headers: Message) -> list[str]:
    """The response's Set-Cookie headers for the sticky cookie (Streamlit sets its own _streamlit_xsrf too)."""
    return [value for value in headers.get_all("Set-Cookie", []) if value.startswith(f"{COOKIE}=")]


def _sticky_cookie(jar: http.cookiejar.CookieJar) -> str:
    values = [c.value for c in jar if c.name == COOKIE]
    assert len(values) == 1, f"cookies: {[c.name for c in jar]}"
    return values[0]


# --------------------------------------------------------------------------- through nginx


def test_health_answers_ok_through_nginx(cluster: Cluster) -> None:
    _headers, replica = _health(urllib.request.build_opener(), cluster)
    assert replica in _replicas(cluster)
    assert len(cluster.replica_urls) == 2 and len(_replicas(cluster)) == 2


def test_the_home_page_and_its_script_are_served(cluster: Cluster) -> None:
    opener, _ = _browser()
    status, headers, body = _get(opener, f"{cluster.url}/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    html = body.decode()
    assert '<div id="root"></div>' in html
    scripts = re.findall(r'<script[^>]*src="\.?/?(static/js/[^"]+\.js)"', html)
    assert scripts, "the home page names no script"
    status, headers, body = _get(opener, f"{cluster.url}/{scripts[0]}")
    assert status == 200 and "javascript" in headers["Content-Type"] and len(body) > 1000


def test_the_largest_script_comes_whole_to_a_slow_reader(cluster: Cluster) -> None:
    """A browser that reads slowly makes nginx hold a large answer; it must never reach it cut short (it
    once did: the workers, not root, could not write the run folder's temporary files)."""
    import streamlit

    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    largest = max(folder.glob("*.js"), key=lambda path: path.stat().st_size)  # Plotly's, about 4.7 MB
    host, port = urllib.parse.urlsplit(cluster.url).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.request("GET", f"/static/js/{largest.name}")
    response = connection.getresponse()
    assert response.status == 200
    first = response.read(64 * 1024)
    time.sleep(1.0)  # the reader stalls: what nginx could not pass on yet, it has to keep
    rest = response.read()
    connection.close()
    assert first + rest == largest.read_bytes()
    log = (cluster.run_dir / "logs" / "error.log").read_text()
    assert "Permission denied" not in log, log[-2000:]


def _logged_upstreams(cluster: Cluster, path: str) -> list[str]:
    """The replicas nginx's access log names for the GETs of `path`, in order (a WebSocket's line is
    written when it closes)."""
    pattern = re.compile(rf'"GET {re.escape(path)} HTTP/1\.1" \d+ \d+ upstream=(\S+)')
    return pattern.findall((cluster.run_dir / "logs" / "access.log").read_text())


def test_one_browser_stays_on_one_replica(cluster: Cluster) -> None:
    opener, jar = _browser()
    first, first_replica = _health(opener, cluster)  # the first request: no cookie yet
    cookie = _sticky_cookie(jar)
    assert re.fullmatch(r"[0-9a-f]{32}", cookie)
    assert _sticky_set_cookies(first) == [f"{COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax"]
    seen = []
    for _ in range(10):
        headers, replica = _health(opener, cluster)
        seen.append(replica)
        assert _sticky_set_cookies(headers) == [], "the cookie is set once, on the first visit"
    assert seen == [first_replica] * 10  # the first request and every later one: one replica
    assert _sticky_cookie(jar) == cookie


def test_fresh_browsers_reach_both_replicas(cluster: Cluster) -> None:
    """Behind one address (here 127.0.0.1, as a school behind one NAT), browsers still spread."""
    seen = set()
    for _ in range(20):
        opener, _ = _browser()
        seen.add(_health(opener, cluster)[1])
        if seen == _replicas(cluster):
            break
    assert seen == _replicas(cluster)


def test_a_malformed_cookie_is_replaced(cluster: Cluster) -> None:
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", f"{COOKIE}=../../etc")]
    _, headers, _ = _get(opener, f"{cluster.url}/_stcore/health")
    [set_cookie] = _sticky_set_cookies(headers)
    assert re.fullmatch(rf"{COOKIE}=[0-9a-f]{{32}}; Path=/; HttpOnly; SameSite=Lax", set_cookie)


def _upgrade(cluster: Cluster, cookie: str, origin: str) -> http.client.HTTPResponse:
    """A browser's WebSocket opening request for Streamlit's stream, sent through nginx."""
    parts = urllib.parse.urlsplit(cluster.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(
        "GET",
        "/_stcore/stream",
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
            "Origin": origin,
            "Cookie": f"{COOKIE}={cookie}",
        },
    )
    response = connection.getresponse()
    connection.close()
    return response


def test_the_websocket_upgrades_through_nginx_on_the_browsers_replica(cluster: Cluster) -> None:
    opener, jar = _browser()
    _get(opener, f"{cluster.url}/")
    replica = _health(opener, cluster)[1]
    before = len(_logged_upstreams(cluster, "/_stcore/stream"))
    response = _upgrade(cluster, _sticky_cookie(jar), origin=cluster.url)
    assert response.status == 101
    assert response.getheader("Upgrade", "").lower() == "websocket"
    assert response.getheader("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455's example
    assert response.getheader("X-Replica") is None  # no answer names a replica
    deadline = time.monotonic() + 10
    while len(logged := _logged_upstreams(cluster, "/_stcore/stream")) <= before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert logged[before:] == [replica]


def test_the_replica_still_checks_the_websockets_origin(cluster: Cluster) -> None:
    """nginx passes the Host with its port: a page of this server may connect, another site's page not."""
    opener, jar = _browser()
    _get(opener, f"{cluster.url}/")
    assert _upgrade(cluster, _sticky_cookie(jar), origin="http://elsewhere.example").status == 403


def test_every_replica_is_given_the_shared_redis(cluster: Cluster) -> None:
    assert redis_ping(cluster.redis_url)
    replicas = [p for p in cluster.processes if p.role == "replica"]
    assert len(replicas) == 2
    for process in replicas:
        environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
        assert f"ATTENTION_EXPLORER_REDIS_URL={cluster.redis_url}".encode() in environ


def test_a_running_run_folder_is_refused(cluster: Cluster) -> None:
    with pytest.raises(ClusterError, match="still runs"):
        start_cluster(1, free_port(), cluster.run_dir, warm_up=False)
    assert all(p.alive() for p in cluster.processes)


# --------------------------------------------------------------------------- the command line, start to stop


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy", *args], cwd=ROOT, capture_output=True, text=True, timeout=90)


def test_the_command_line_starts_checks_and_stops_a_cluster(tmp_path: Path) -> None:
    _servers_or_skip()
    run_dir = tmp_path / "run"
    port, replica_port, redis_port = free_port(), free_port(), free_port()
    started = _cli(
        "start", "--replicas", "1", "--port", str(port), "--address", "127.0.0.1", "--replica-port",
        str(replica_port), "--redis-port", str(redis_port), "--run-dir", str(run_dir), "--no-warm-up",
    )  # fmt: skip
    cluster = Cluster.load(run_dir) if (run_dir / "cluster.json").exists() else None
    try:
        assert started.returncode == 0, started.stderr
        assert cluster.url == f"http://127.0.0.1:{port}"
        assert cluster.replica_urls == [f"http://127.0.0.1:{replica_port}"]
        password = (run_dir / PASSWORD_FILE).read_text().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", password)
        assert cluster.redis_url == f"redis://:{password}@127.0.0.1:{redis_port}/0"
        assert password not in started.stdout + started.stderr
        assert password not in (run_dir / "cluster.json").read_text()
        assert sorted(p.role for p in cluster.processes) == ["nginx", "redis", "replica"]
        assert all(p.alive() for p in cluster.processes)  # they outlive the `start` command
        for p in cluster.processes:
            if p.role != "nginx":
                name = "redis" if p.role == "redis" else f"replica-{p.port}"
                assert (run_dir / f"{name}.pid").read_text() == f"{p.pid}\n"
        assert (run_dir / "nginx.pid").read_text().strip() == str(
            next(p.pid for p in cluster.processes if p.role == "nginx")
        )

        status = _cli("status", "--run-dir", str(run_dir))
        assert status.returncode == 0, status.stdout + status.stderr
        assert f"127.0.0.1:{port}" in status.stdout and f"answered by 127.0.0.1:{replica_port}" in status.stdout
        assert re.search(rf"redis://:\*\*\*@127\.0\.0\.1:{redis_port}/0 +ok: PONG", status.stdout), status.stdout
        assert password not in status.stdout + status.stderr

        stopped = _cli("stop", "--run-dir", str(run_dir))
        assert stopped.returncode == 0, stopped.stderr
        assert [p for p in cluster.processes if p.alive()] == []
        assert not (run_dir / "cluster.json").exists()
        assert _cli("status", "--run-dir", str(run_dir)).returncode == 2
    finally:
        if cluster is not None:
            cluster.stop()


# --------------------------------------------------------------------------- clear refusals


def test_a_missing_server_program_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ClusterError) as error:
        find_program("attention-explorer-no-such-server")
    assert "sudo apt-get install nginx-light redis-server" in str(error.value)
    with pytest.raises(ClusterError, match=re.escape(INSTALL_HINT)):
        start_cluster(1, free_port(), tmp_path / "run", nginx=str(tmp_path / "nginx"), warm_up=False)
    assert not (tmp_path / "run").exists()  # refused before anything was started or written


def test_a_busy_redis_port_names_the_way_out(tmp_path: Path) -> None:
    _servers_or_skip()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ClusterError, match=rf"--redis-url redis://127.0.0.1:{port}/0"):
            start_cluster(1, free_port(), tmp_path / "run", redis_port=port, warm_up=False)
    assert not (tmp_path / "run" / "cluster.json").exists()


def test_the_config_has_one_upstream_line_per_replica_and_no_placeholder() -> None:
    text = render_nginx_config("0.0.0.0:8080", [8501, 8502, 8503])
    assert "{{" not in text and "listen 0.0.0.0:8080;" in text
    servers = re.findall(r"^\s*server 127\.0\.0\.1:(\d+)\b", text, flags=re.M)
    assert servers == ["8501", "8502", "8503"]
    assert "hash $sticky consistent;" in text
