"""An error's message in the current language.

The library (seq2seq/) stays English-only. An error it raises for a user to read carries its English
template and values (``error.template``, ``error.params``: ``"at most {limit} tokens"``, ``{"limit": 32}``),
marked there with ``N_`` so the catalog has it; `message_of` translates the template and fills it in.
Any other error reads as ``str(error)``.
"""

from __future__ import annotations

from explorer.i18n import _


def message_of(error: BaseException) -> str:
    """The message of `error` for the user, translated when it carries a template."""
    template = getattr(error, "template", None)
    params = getattr(error, "params", None)
    if isinstance(template, str) and isinstance(params, dict):
        try:
            return _(template).format(**params)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English
            return str(error)
    return str(error)
