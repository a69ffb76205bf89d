"""The error every part of deploy/ raises when a start, stop or status cannot go on."""

from __future__ import annotations


class ClusterError(RuntimeError):
    """A start, stop or status that cannot go on; the message says why and what to do."""
