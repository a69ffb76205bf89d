"""One connection attempt per page: the app's own address written into the page Streamlit serves.

Opened at a page's address (``/Decode``), Streamlit's frontend does not know where the server's root is, so
it tries the page's address first: ``/Decode/_stcore/health`` and ``/Decode/_stcore/host-config``, two 404s
in the console of every page but Home (streamlit/streamlit#7074), then the root. The frontend reads the
server's address from ``window.__streamlit.BACKEND_BASE_URL`` when a page sets it before the frontend
starts; `install` makes the launcher (explorer.ui.serve) put that one line into every index.html Streamlit
sends: the origin the browser used, and the server's ``server.baseUrlPath``.

The line is static: the base path comes from Streamlit's own configuration, the origin from the browser.
Nothing from a request goes into it.
"""

from __future__ import annotations

import json

MARKER = b"<head>"


def base_script(base_url_path: str) -> bytes:
    """The <script> that tells Streamlit's frontend where the server is: the page's origin and `base_url_path`."""
    path = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return (
        "<script>window.__streamlit = Object.assign({}, window.__streamlit, "
        f"{{BACKEND_BASE_URL: window.location.origin + {json.dumps(path)}}});</script>"
    ).encode()


def injected(html: bytes, script: bytes) -> bytes:
    """`html` with `script` right after its <head> (unchanged when it has none)."""
    return html.replace(MARKER, MARKER + script, 1) if MARKER in html else html


def with_base(app, script: bytes):
    """An ASGI app that serves what `app` serves, with `script` written into every HTML page it answers."""

    async def serve(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict | None = None
        body: list[bytes] = []

        async def capture(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                if not html or message.get("status") != 200:
                    await send(message)
                    return
                start = message
                return
            if start is None:  # not HTML: passed through as it comes
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = injected(b"".join(body), script)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(page)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": page})

        await app(scope, receive, capture)

    return serve


def install() -> None:
    """Wrap Streamlit's static files (its index.html among them) so every page carries `base_script`."""
    from streamlit import config
    from streamlit.web.server.starlette import starlette_static_routes as routes

    original = routes.create_streamlit_static_handler
    if getattr(original, "with_backend_base", False):
        return

    def handler(directory: str, base_url: str | None):
        script = base_script(config.get_option("server.baseUrlPath") or base_url or "")
        return with_base(original(directory=directory, base_url=base_url), script)

    handler.with_backend_base = True
    routes.create_streamlit_static_handler = handler
