"""Quantities typed into a lesson's prose: digits, number words (English and Chinese), and the one marker
that keeps a date or a citation as written.

Every quantity a lesson says about a model, the data or the interface is a placeholder filled from the
models (explorer.lessons.placeholders), so `typed` finds, in prose (outside code spans, fenced blocks
and placeholders):

- a decimal or a percentage (``0.71``, ``71%``, ``99.4 ％``), a whole number (``71``, ``50,000``);
- an English number word: ``two`` … ``twenty``, the tens, ``hundred``, ``thousand``, ``million``,
  ``twice``, ``thrice``, ``percent``, the ordinals ``second`` … ``twentieth``;
- in Chinese: ``百分`` (``百分之七十``, ``百分七十``), and a numeral before ``个``, ``次``, ``倍`` or ``遍``
  (``五个``, ``两次``; a lone ``一个`` is the article "a" and stays).

Left alone: a Markdown list's item number at the start of a line (``1. …``), a paper's section after
``§`` (``§3.5``), digits inside a word (``seq2seq``, ``h_t``), and the marker ``{=…}``: a date or a
citation written as is (``Bahdanau et al. {=2015, Table 1}``, ``{=May 2018}``). Its text may hold
years, a day beside a month, and the numbers of a ``§``, table, figure or equation, nothing else
(`marker_problem`). `fill_markers` writes the marker's text in.
"""

from __future__ import annotations

import re

# {=…}: a date or a citation written as is (no braces inside).
MARKER = re.compile(r"\{=([^{}]*)\}")
_WORDS = (
    "zero two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands "
    "million millions twice thrice percent dozen second third fourth fifth sixth seventh eighth ninth tenth "
    "eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
_DIGITS = r"(?<![\w§.,])\d+(?:[.,]\d+)*(?:\s*[%％])?(?![\w])|(?<![\w§])\.\d+|\d+\s*[%％]"
_EN = re.compile(rf"{_DIGITS}|\b(?:{'|'.join(_WORDS)})\b", re.IGNORECASE)
_ZH_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
# Chinese: digits (a numeral or a digit may sit right beside a Han character), 百分…, a numeral + 个/次/倍/遍
# (a numeral of two or more characters, or one that is not 一: 一个 is "a").
_ZH = re.compile(
    rf"(?<![A-Za-z_§.,])\d+(?:[.,]\d+)*(?:\s*[%％])?(?![A-Za-z_])|百分"
    rf"|(?:[{_ZH_NUMERAL}]{{2,}}|[{_ZH_NUMERAL.replace('一', '')}])(?=[个次倍遍])"
)
_LIST_ITEM = re.compile(r"^([ \t]*)\d+[.)](?=\s)", re.MULTILINE)
_MONTHS = (
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
).split()
# What a marker may hold: years; a day beside a month (May 9, 9 May, 5月9日); a citation's section, table,
# figure or equation number; "et al."; page numbers after p./pp.
_MARKER_ALLOWED = re.compile(
    r"\b1[0-9]{3}\b|\b20[0-9]{2}\b|\d{1,4}\s*年|\d{1,2}\s*[月日]"
    rf"|\b(?:{'|'.join(_MONTHS)})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:{'|'.join(_MONTHS)})\b"
    r"|(?:§|\bTable|\bFigure|\bFig\.|\bEq\.|\bSection|\bpp?\.|表|图|式|第)\s*\d+(?:[.–-]\d+)*[a-z]?",
    re.IGNORECASE,
)


def without_markers(text: str) -> str:
    """`text` with each {=…} marker blanked (its date or citation is not a measured quantity)."""
    return MARKER.sub(" ", text)


def markers(text: str) -> list[str]:
    """The {=…} markers of `text`, as written, in order."""
    return [m.group(0) for m in MARKER.finditer(text)]


def marker_problem(marker: str) -> str | None:
    """What is wrong with a {=…} marker: empty, or holding a number that is no year, day or citation."""
    inner = MARKER.fullmatch(marker).group(1)
    if not inner.strip():
        return f"{marker}: an empty marker"
    if re.search(r"\d", _MARKER_ALLOWED.sub(" ", inner)):
        return f"{marker}: a marker holds a date or a citation (years, days, §, table, figure), not a measured number"
    return None


def typed(prose: str, lang: str) -> list[str]:
    """The quantities typed into `prose` (code spans and placeholders already blanked), in `lang`'s words."""
    text = _LIST_ITEM.sub(lambda m: m.group(1), without_markers(prose))
    if lang.startswith("zh"):
        found = [m.group(0) for m in _ZH.finditer(text)]
        return found + [m.group(0) for m in _EN.finditer(text) if not m.group(0)[:1].isdigit()]
    return [m.group(0) for m in _EN.finditer(text)]


def fill_markers(text: str) -> str:
    """`text` with each {=…} marker replaced by its text (a date or a citation, as written)."""
    return MARKER.sub(lambda m: m.group(1), text)
