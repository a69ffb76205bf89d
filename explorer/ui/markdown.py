"""The one Markdown escaper: user text (a sentence, a link's value, a reference) shown as typed."""

from __future__ import annotations

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
