"""The security headers without nginx (issue 65): `make run` answered with none of them, and `Server: uvicorn`.

The app is started as `make run` starts it (explorer.ui.serve, bench.server.Server) and every kind of path
is read: the page, a page's address, Streamlit's script, its health check and host config, the class's
event stream, a path that does not exist. Each answer carries each header of explorer.ui.server.headers once, and
no Server header. nginx.conf carries the same values (written in from explorer.ui.server.headers).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from bench.server import Server
from deploy.configs import render_nginx_config, security_header_lines
from deploy.errors import ClusterError
from explorer.ui.server.headers import CSP, HEADERS, SecurityHeaders
from tests.async_run import run as run_async

# The values nginx sent before the app did (deploy/nginx.conf.template at issue 65): the app keeps them.
EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' "
        "'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src "
        "'self' blob: data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _answer(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_values_are_the_ones_nginx_sent():
    assert HEADERS == EXPECTED and CSP == EXPECTED["Content-Security-Policy"]


def test_make_run_sends_the_security_headers_on_every_path_and_names_no_server():
    with Server(warm_up=False) as server:
        status, _, html = _answer(f"{server.url}/")
        script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', html.decode()).group(1)
        paths = [
            "/", "/Decode", f"/{script}", "/_stcore/health", "/_stcore/host-config",
            "/api/class-events?code=bad", "/api/class-events?code=ABC234&member=" + "a" * 32, "/nowhere",
        ]  # fmt: skip
        for path in paths:
            status, headers, _ = _answer(f"{server.url}{path}")
            assert status in (200, 400, 403, 404), (path, status)  # 403: a stream without an issued member id
            for name, value in EXPECTED.items():
                assert headers.get_all(name) == [value], (path, name)
            assert headers.get_all("Server") is None, path
            # a page gives the browser a member id of the server's, in a cookie no script of the page can read
            cookies = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("ae_member=")]
            if path in ("/", "/Decode", "/nowhere"):  # (Streamlit answers an unknown path with its page)
                assert len(cookies) == 1 and cookies[0].startswith("ae_member=") and "HttpOnly" in cookies[0], path
            else:
                assert cookies == [], path


def test_the_middleware_replaces_a_routes_own_copies_and_its_server_header():
    async def route(scope, receive, send):
        await send({
            "type": "http.response.start", "status": 200,
            "headers": [(b"x-frame-options", b"ALLOWALL"), (b"server", b"x/1.0"), (b"content-type", b"text/plain")],
        })  # fmt: skip
        await send({"type": "http.response.body", "body": b"ok"})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    run_async(SecurityHeaders(route)({"type": "http", "path": "/x"}, receive, send))
    headers = sent[0]["headers"]
    names = [name for name, _ in headers]
    assert (b"content-type", b"text/plain") in headers and b"server" not in names
    assert names.count(b"x-frame-options") == 1 and (b"x-frame-options", b"SAMEORIGIN") in headers
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}


def test_nginx_writes_the_same_values_and_hides_the_apps_copies():
    text = render_nginx_config("0.0.0.0:8080", [8501])
    for name, value in EXPECTED.items():
        assert f"proxy_hide_header {name};" in text
        assert f'add_header {name} "{value}" always;' in text
    assert "server_tokens off;" in text


@pytest.mark.parametrize("headers", [{"X-Test": 'a"b'}, {"X-Test": "$host"}, {"X Test": "a"}, {"X-Test": "a\nb"}])
def test_a_value_nginx_would_read_otherwise_is_refused(headers):
    with pytest.raises(ClusterError):
        security_header_lines(headers)
