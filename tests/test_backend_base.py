"""explorer.ui.server.backend_base: every HTML page Streamlit serves tells its frontend where the server is, so a
page opened at its own address (/Decode) makes no 404 probe at /Decode/_stcore/health first."""

from __future__ import annotations

from explorer.ui.server import backend_base
from tests.async_run import run as run_async


def _served(app, content_type: bytes, body: bytes, status: int = 200) -> tuple[dict, bytes]:
    async def inner(scope, receive, send):
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        half = len(body) // 2  # in two parts, as a file is streamed
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:]})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    run_async(app(inner)({"type": "http", "path": "/Decode"}, None, send))
    start = sent[0]
    return dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_the_base_is_written_right_after_head_with_the_length_it_now_has():
    script = backend_base.base_script("")
    assert script == (
        b"<script>window.__streamlit = Object.assign({}, window.__streamlit, "
        b'{BACKEND_BASE_URL: window.location.origin + ""});</script>'
    )
    assert b'origin + "/explorer"' in backend_base.base_script("/explorer/")  # server.baseUrlPath
    page = b'<!DOCTYPE html><html lang="en"><head><title>x</title></head></html>'
    headers, body = _served(lambda inner: backend_base.with_base(inner, script), b"text/html; charset=utf-8", page)
    assert body == page.replace(b"<head>", b"<head>" + script) and headers[b"content-length"] == str(len(body)).encode()


def test_other_files_and_other_answers_pass_unchanged():
    script = backend_base.base_script("")
    wrap = lambda inner: backend_base.with_base(inner, script)  # noqa: E731
    assert _served(wrap, b"application/javascript", b"<head>code")[1] == b"<head>code"
    assert _served(wrap, b"text/html", b"<head>gone", status=404)[1] == b"<head>gone"
    assert backend_base.injected(b"<p>no head</p>", script) == b"<p>no head</p>"
