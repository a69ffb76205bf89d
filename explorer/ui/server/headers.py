"""What every answer of the app tells the browser about itself: the security headers, sent by the app itself.

`make run` (explorer.ui.serve) serves classes with no nginx in front, so the app cannot leave these to
nginx: `SecurityHeaders`, an ASGI middleware (st.App(middleware=...), app.py), puts `HEADERS` on every
HTTP answer, the pages, Streamlit's scripts, its health check, the class's event stream and every 404,
replacing any copy of them a route set. deploy/'s nginx sends the same values (deploy/configs.py writes
`HEADERS` into nginx.conf, so they are defined once, here) on its own answers too (a 429, a 502), and hides
the app's copies so that a browser reads each header once.

- Content-Security-Policy: scripts, styles, images, fonts, connections (the websocket, the class's event
  stream) and frames from this server only; nothing may frame the app but itself (frame-ancestors, and
  X-Frame-Options for older browsers). Streamlit's page has one inline script, its components load their
  scripts from blob: URLs and the charts evaluate code, hence 'unsafe-inline', 'unsafe-eval' and blob: for
  scripts; nothing from a user is ever HTML.
- X-Content-Type-Options: nosniff: a file is only ever what its type says.
- Referrer-Policy: same-origin: a class's page never tells another site where the student came from.

And no answer names the server's software: uvicorn (under Streamlit) says ``Server: uvicorn`` unless told
not to, and Streamlit makes uvicorn's configuration itself, so `quiet_server` (called by explorer.ui.serve
before the server starts) tells it; the middleware drops any ``Server`` header a route sets.
"""

from __future__ import annotations

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self' blob: data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_ENCODED = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()]
_REPLACED = {name for name, _ in _ENCODED} | {b"server"}
_STARTS = ("http.response.start", "websocket.http.response.start")  # an answer's status line and headers


class SecurityHeaders:
    """ASGI middleware: every HTTP answer (and a refused websocket's) carries `HEADERS`, and no Server header."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return

        async def headed(message):
            if message.get("type") in _STARTS:
                kept = [(k, v) for k, v in message.get("headers") or [] if bytes(k).lower() not in _REPLACED]
                message = {**message, "headers": kept + _ENCODED}
            await send(message)

        await self.app(scope, receive, headed)


def quiet_server() -> None:
    """Make the uvicorn that Streamlit starts send no ``Server: uvicorn`` header (idempotent).

    Streamlit builds uvicorn's Config from `starlette_server._get_uvicorn_config_kwargs()` when its server
    starts; uvicorn decides on the header when it loads the Config, before it imports the app, so the app
    cannot say it: this wraps that function to add ``server_header=False``. tests/test_headers.py starts the
    app as `make run` does and fails if a Streamlit upgrade moves this."""
    from streamlit.web.server.starlette import starlette_server as server

    original = server._get_uvicorn_config_kwargs
    if getattr(original, "quiet", False):
        return

    def kwargs() -> dict:
        return {**original(), "server_header": False}

    kwargs.quiet = True
    server._get_uvicorn_config_kwargs = kwargs
