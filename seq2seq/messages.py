"""The library's texts that the app shows its readers, marked so that the app can translate them.

The library itself is English-only: it never translates and imports nothing of the app. But the app
shows some of its texts (task labels, data credits, scorer descriptions, the messages of errors a
user causes), so they are marked here for the app's message catalogs:

- ``N_("Reverse a string")`` marks a string literal for extraction (Babel reads seq2seq/, babel.cfg)
  and returns it unchanged; the app translates it where it shows it (``explorer.i18n._``).
- An error a user reads is raised with its English template and values,
  ``raise InputError(N_("the source sentence is {length} tokens long; ..."), length=n, limit=m)``:
  ``str(error)`` is the English filled in, as the command line prints it, and ``error.template`` and
  ``error.params`` let the app translate it (``explorer.i18n.errors.message_of``).
- `Message` is the same for a text that is not raised: a ``str`` (the English filled in) that keeps
  its template and values.

A template is filled with ``str.format`` only when values are given, so a message without values
may hold braces.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark only"
    """Mark `message` for extraction into the app's catalogs; returns it unchanged."""
    return message


def fill(template: str, params: dict[str, object]) -> str:
    """`template` with `params` filled in (``str.format``), or `template` itself when there are none."""
    return template.format(**params) if params else template


class Message(str):
    """English text made from a marked template and its values, which it keeps (``template``, ``params``)."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, /, **params: object) -> Message:
        self = super().__new__(cls, fill(template, params))
        self.template = template
        self.params = params
        return self

    def __reduce__(self):  # pickled (a session copied) as its template and values, not re-filled from its text
        return (_message, (self.template, self.params))

    @classmethod
    def of(cls, error: BaseException) -> Message:
        """The message of `error`: its template and values when it has them, else its text as it is."""
        template, params = getattr(error, "template", None), getattr(error, "params", None)
        if isinstance(template, str) and isinstance(params, dict):
            return cls(template, **params)
        return cls(str(error))


def _message(template: str, params: dict[str, object]) -> Message:
    return Message(template, **params)


class Translatable:
    """Mixin for an exception whose message a user reads: raised with a marked template and its values.

    ``class InputError(Translatable, ValueError)``; ``InputError(N_("at most {limit}"), limit=32)``
    has the message ``"at most 32"``, ``template`` ``"at most {limit}"`` and ``params`` ``{"limit": 32}``.
    """

    template: str
    params: dict[str, object]

    def __init__(self, template: str, /, **params: object) -> None:
        super().__init__(fill(template, params))
        self.template = template
        self.params = params
