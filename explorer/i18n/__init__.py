"""The interface's languages: gettext message catalogs (Babel) and locale-aware numbers.

Every string a user reads is written in English where it is used and marked for translation:

- ``_("Step")`` translates now, into the current language;
- ``ngettext("{n} answer", "{n} answers", n).format(n=n)`` picks the plural form of the language;
- ``pgettext("button", "Step")`` translates a message as meant in a context, where one English word
  needs two translations (the Step button 单步, the step slider 步数);
- ``N_("...")`` only marks a string written at import time (a module constant); the code that shows
  it translates it with ``_(CONSTANT)`` then.

Placeholders are named braces filled after translation (``_("Cannot load {name}").format(name=...)``),
so a translator can move them. The catalogs are ``explorer/locale/<lang>/LC_MESSAGES/messages.po``,
read with Babel and compiled in memory on first use (no .mo file is kept); ``python -m explorer.i18n``
extracts the messages and checks a catalog (docs/development.md, "Adding a language").

The current language is per browser session. The Streamlit layer installs a reader of the session's
choice with `set_language_source` (explorer.ui.shell.language); `using(lang)` sets it for a block (tests,
scripts), and anything else reads English. This module imports no streamlit: every layer may use it.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

from explorer.i18n.setting import ContextSetting

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
SOURCE = "en"  # the language the code is written in


def _languages() -> dict[str, str]:
    """English, then every language with a catalog (``locale/<code>/LC_MESSAGES/messages.po``): code ->
    its name in itself, from Babel's locale data ("zh" -> "中文"). A new catalog is a new language."""
    found = {SOURCE: "English"}
    for path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        code = path.parents[1].name
        try:
            found[code] = Locale.parse(code).get_language_name(code) or code
        except (UnknownLocaleError, ValueError):  # a folder Babel has no data for: named by its code
            found[code] = code
    return found


# Every language of the interface: code (the URL's lang=, the folder's name, the Babel locale that
# formats its numbers and dates) -> its name in itself (the switch shows these).
LANGUAGES: dict[str, str] = _languages()

# The current language: `using(lang)`'s for a block (this thread and context only), else the source's that
# `set_language_source` installed, else English; a code not in LANGUAGES (read when asked) reads as English.
_LANGUAGE = ContextSetting("explorer_language", allowed=lambda: LANGUAGES, default=SOURCE)
set_language_source, using, current = _LANGUAGE.install, _LANGUAGE.using, _LANGUAGE.current


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark only"
    """Mark `message` for extraction without translating it (it is translated where it is shown)."""
    return message


def catalog_path(lang: str) -> Path:
    """Where the catalog of `lang` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of `lang` (fuzzy entries left out); English and a missing catalog translate nothing."""
    path = catalog_path(lang)
    if lang == SOURCE or not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def _(message: str) -> str:
    """`message` in the current language (itself when the catalog has no translation)."""
    return translations(current()).gettext(message)


def pgettext(context: str, message: str) -> str:
    """`message` as meant in `context` (a catalog entry with that msgctxt), in the current language."""
    return translations(current()).pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for count `n` in the current language (its placeholders still to fill)."""
    return translations(current()).ngettext(singular, plural, n)


def in_current_language(function: Callable) -> Callable:
    """`function`, always run in the language current now. For a widget's ``format_func``: Streamlit's
    test harness calls it again outside the page's run, where no session says the language."""
    lang = current()

    def bound(*args, **kwargs):
        with using(lang):
            return function(*args, **kwargs)

    return bound


# -- choosing a language ------------------------------------------------------------------------
def parse_language(raw: object) -> str | None:
    """The language a URL's or a store's `lang` value names (``"zh"``, ``"zh-CN"``, ``"en"``), or None."""
    if not isinstance(raw, str) or len(raw) > 35:
        return None
    code = raw.strip().replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def from_browser(locale: object) -> str:
    """The interface language for a browser's preferred locale (``"zh-CN"`` -> ``"zh"``); English otherwise."""
    return parse_language(locale) or SOURCE


# -- numbers, percentages and dates (Babel, in the current language's locale) -------------------
def locale() -> Locale:
    """The Babel locale of the current language."""
    try:
        return Locale.parse(current())
    except (UnknownLocaleError, ValueError):  # a catalog Babel has no locale data for
        return Locale.parse(SOURCE)


def number(value: float, digits: int = 0) -> str:
    """`value` with grouping and `digits` decimals (``12,345.6``), as the current language writes it."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=locale())


SHARE_DIGITS = 10  # the most decimals `share_digits` adds to keep a share off 0% and 100%


def share_digits(value: float, digits: int) -> int:
    """The decimals (at least `digits`) a share `value` (0.995) needs as a percentage so that it reads 0% or
    100% only when it is exactly so: 0.995 at 0 decimals is "99.5%", never "100%"; 0.004 is "0.4%"."""
    try:
        exact = Decimal(str(value)) * 100
    except (InvalidOperation, ValueError):
        return digits
    if not exact.is_finite():
        return digits
    while digits < SHARE_DIGITS:
        shown = abs(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN))
        if not ((shown == 0 and exact != 0) or (shown == 100 and abs(exact) != 100)):
            break
        digits += 1
    return digits


def percent(value: float, digits: int = 1) -> str:
    """`value` (a fraction: 0.5 -> 50%) as a percentage with up to `digits` decimals, more where fewer would
    round a share that is not exactly 0 or 1 to 0% or 100% (`share_digits`: 0.995 -> "99.5%")."""
    digits = share_digits(value, digits)
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "") + "%"
    return format_percent(value, format=pattern, locale=locale())


def date(value) -> str:
    """A date (or datetime) in the current language's medium form (``Nov 23, 2026`` / ``2026年11月23日``)."""
    from babel.dates import format_date

    return format_date(value, format="medium", locale=locale())


# -- what tests and tools ask of a message ------------------------------------------------------
_PLACEHOLDER = re.compile(r"{(\w*)[^{}]*}")


def placeholders(message: str) -> set[str]:
    """The named brace placeholders of a message (``{name}``, ``{n:,}`` -> {"name", "n"})."""
    return set(_PLACEHOLDER.findall(message.replace("{{", "").replace("}}", "")))
