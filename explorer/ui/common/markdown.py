"""The one Markdown escaper: user text (a sentence, a link's value, a reference) shown as typed."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

# Marks that never start markup, left as they are for readable sources.
_PLAIN = set("/,;?%'\"")


def escape_markdown(text: str) -> str:
    """Backslash every ASCII punctuation mark so st.markdown (and st.info, st.caption, …) shows `text` as typed.

    Covers HTML tags, links, emphasis, :color[...] directives, :emoji: codes and $math$; the few marks
    in _PLAIN (/ , ; ? % ' ") stay as they are.
    """
    return "".join(
        "\\" + c if c.isascii() and not c.isalnum() and not c.isspace() and c not in _PLAIN else c for c in text
    )


# -- Markdown written by a lesson's author: kept as Markdown, never HTML or a script link ---------
# Code spans (and fences, which start with a run of backticks too) are shown literally by any
# Markdown renderer, so only the text between them is changed.
_CODE_SPAN = re.compile(r"(`+)[\s\S]*?(?<!`)\1(?!`)")
_ANGLE = re.compile(r"(\\*)<")
_INLINE_LINK = re.compile(r"(\\*)\]\(\s*(\\?<)?\s*([^\s)]*)")
_LINK_DEFINITION = re.compile(r"^( {0,3})\[([^\]\n]+)\]:[ \t]*(\\?<)?[ \t]*(\S*)", re.M)
_SAFE_TARGET = re.compile(r"^(https?://|mailto:|#|\.{0,2}/)|^[^:&]*$", re.I)
# Images a lesson shows from elsewhere make every reader's browser ask that address for them (and
# tell it who reads the lesson, and when): off unless the server's administrator allows them.
REMOTE_IMAGES_ENV = "ATTENTION_EXPLORER_LESSON_REMOTE_IMAGES"
_IMAGE_OPENER = re.compile(r"(\\*)!\[")
_IMAGE_TARGET = re.compile(r"\(\s*(\S*)")  # an inline image's address, up to the first space
# In an address: a scheme (https:), or a backslash or entity that a browser or Markdown may turn into one, or "//".
_ELSEWHERE = re.compile(r"[:&\\<]")


def _escape_odd(match: re.Match, mark: str) -> str:
    """The mark with one more backslash when it is not escaped already (an even run before it)."""
    slashes = match.group(1)
    return slashes + ("\\" if len(slashes) % 2 == 0 else "") + mark


def _plain_part(text: str) -> str:
    text = _ANGLE.sub(lambda m: _escape_odd(m, "<"), text)  # no tag, comment or autolink: shown as text

    def inline(match: re.Match) -> str:
        if _SAFE_TARGET.match(match.group(3)):
            return match.group(0)
        return _escape_odd(match, "]") + match.group(0)[len(match.group(1)) + 1 :]

    text = _INLINE_LINK.sub(inline, text)

    def definition(match: re.Match) -> str:
        if _SAFE_TARGET.match(match.group(4)):
            return match.group(0)
        return match.group(1) + "\\" + match.group(0)[len(match.group(1)) :]

    return _LINK_DEFINITION.sub(definition, text)


def remote_images_allowed(env: Mapping[str, str] = os.environ) -> bool:
    """Whether lessons may show images from other servers: $ATTENTION_EXPLORER_LESSON_REMOTE_IMAGES=1."""
    return env.get(REMOTE_IMAGES_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _local(address: str) -> bool:
    """Whether an image's address is a path on the app's own server, not an address elsewhere
    (https://…, //host/…, or a backslash or entity a browser could read as either)."""
    return bool(address) and not address.startswith("//") and not _ELSEWHERE.search(address)


def _closing_bracket(text: str, start: int) -> int | None:
    """The index of the `]` that closes the `[` at `start` (brackets nest, backslashes escape), else None."""
    depth, at = 0, start
    while at < len(text):
        if text[at] == "\\":
            at += 2
            continue
        depth += {"[": 1, "]": -1}.get(text[at], 0)
        if depth == 0:
            return at
        at += 1
    return None


def _local_images_only(text: str) -> str:
    """`text` with the `!` of every image escaped but inline images of a local path: the others show
    as the link (to the image's address) or the text they would be, and no browser fetches them.

    An image needs an unescaped `![`, so escaping its `!` is enough; a reference image
    (`![alt][ref]`) is never kept, as its address may be defined anywhere in the text."""
    parts, last = [], 0
    for opener in _IMAGE_OPENER.finditer(text):
        if len(opener.group(1)) % 2:  # the `!` is escaped already
            continue
        bang = opener.end() - 2
        close = _closing_bracket(text, bang + 1)
        target = _IMAGE_TARGET.match(text, close + 1) if close is not None else None
        if target is not None and _local(target.group(1)):
            continue
        parts += [text[last:bang], "\\"]
        last = bang
    parts.append(text[last:])
    return "".join(parts)


def authored_markdown(text: str, remote_images: bool | None = None) -> str:
    """A lesson author's Markdown for st.markdown: emphasis, code, lists and web links stay; HTML tags
    and links to anything but http(s), mailto and relative addresses are shown as the text they are.
    Images stay only when their address is on the app's own server, unless `remote_images` (by
    default $ATTENTION_EXPLORER_LESSON_REMOTE_IMAGES) allows images from anywhere.

    Streamlit would not render the HTML anyway (no unsafe_allow_html); escaping it keeps the page's
    bodies free of live markup, as tests/hostile.py checks.
    """
    remote = remote_images_allowed() if remote_images is None else remote_images
    parts, last = [], 0
    for code in _CODE_SPAN.finditer(text):
        parts += [_authored_part(text[last : code.start()], remote), code.group(0)]
        last = code.end()
    parts.append(_authored_part(text[last:], remote))
    return "".join(parts)


def _authored_part(text: str, remote_images: bool) -> str:
    """A stretch of an author's Markdown outside code spans, made safe (see authored_markdown)."""
    text = _plain_part(text)
    return text if remote_images else _local_images_only(text)
