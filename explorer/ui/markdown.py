"""The one Markdown escaper: user text (a sentence, a link's value, a reference) shown as typed."""

from __future__ import annotations

import re

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


def authored_markdown(text: str) -> str:
    """A lesson author's Markdown for st.markdown: emphasis, code, lists and web links stay; HTML tags
    and links to anything but http(s), mailto and relative addresses are shown as the text they are.

    Streamlit would not render the HTML anyway (no unsafe_allow_html); escaping it keeps the page's
    bodies free of live markup, as tests/hostile.py checks.
    """
    parts, last = [], 0
    for code in _CODE_SPAN.finditer(text):
        parts += [_plain_part(text[last : code.start()]), code.group(0)]
        last = code.end()
    parts.append(_plain_part(text[last:]))
    return "".join(parts)
