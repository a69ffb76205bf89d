"""An error's message in the current language.

The library (seq2seq/) stays English-only. An error it raises for a user to read carries its English
template and values (``error.template``, ``error.params``: ``"at most {limit} tokens"``, ``{"limit": 32}``),
marked there with ``N_`` so the catalog has it; `message_of` translates the template and fills it in.
Any other error reads as ``str(error)``.
"""

from __future__ import annotations

from explorer.i18n import _


def message_of(error: object) -> str:
    """The message of `error` (an exception, or a seq2seq.messages.Message, which keeps its template) for
    the user, translated when it carries a template."""
    template = getattr(error, "template", None)
    params = getattr(error, "params", None)
    if isinstance(template, str) and isinstance(params, dict):
        # A value that is itself a marked message (a registry note inside an error) is translated too.
        values = {k: message_of(v) if isinstance(getattr(v, "params", None), dict) else v for k, v in params.items()}
        try:  # filled only when there are values, as seq2seq.messages.fill: a text without may hold braces
            return _(template).format(**values) if values else _(template)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English
            return str(error)
    return str(error)
