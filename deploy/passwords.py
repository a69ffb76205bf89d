"""The Redis password: kept in files of mode 0600, carried in the Redis URL, never printed.

A URL with a password (redis://:PASSWORD@host:port/0) is split into the URL that may be shown or
stored (cluster.json) and the password, which lives only in the run folder's 0600 files.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

from .errors import ClusterError


def private_write(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600 from the first byte: a new file created 0600 (O_EXCL, so no
    one else's file or link is reused), then renamed over `path` (a reader sees the old or the new one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask only removes bits; this makes the mode exact
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def split_password(url: str) -> tuple[str, str | None]:
    """(`url` without its password, the password or None): the first is safe to print or to store."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url, None
    user = f"{parts.username}@" if parts.username else ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=user + host)), urllib.parse.unquote(parts.password)


def with_password(url: str, password: str | None) -> str:
    """`url` (without a password) with `password` put back in its user part."""
    if password is None:
        return url
    parts = urllib.parse.urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    netloc = f"{user}:{urllib.parse.quote(password, safe='')}@{host}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def redact(url: str) -> str:
    """`url` as it may be printed: its password, if any, as ***."""
    bare, password = split_password(url)
    return bare if password is None else with_password(bare, "***").replace("%2A%2A%2A", "***")


def read_password(run_dir: Path, name: object) -> str | None:
    """The password kept in the run folder (None when cluster.json names no password file)."""
    if not name:
        return None
    try:
        return (run_dir / str(name)).read_text().strip()
    except OSError as error:
        raise ClusterError(f"cannot read the Redis password {run_dir / str(name)}: {error.strerror}") from None
