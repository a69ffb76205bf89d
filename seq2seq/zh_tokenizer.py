"""A tokenizer for Chinese source text: one token per character, so a heatmap column is one readable character.

Normalisation (`normalize`, applied to the training data and inside every `encode`, so a user's input
goes through exactly what the training data went through):

1. Unicode NFKC. Full-width forms become ASCII (，！？：；（） -> ,!?:;(), ０-９ -> 0-9, Ａ -> A), so a
   sentence typed with either keyboard layout gives the same tokens; the ideographic full stop 。 and the
   enumeration comma 、 have no ASCII form and stay.
2. OpenCC ``t2s``: traditional characters become simplified ones (Tatoeba's Chinese mixes both; 愛 and 爱
   should be one token). OpenCC converts by phrase, so one-to-many cases (乾燥 -> 干燥, 乾隆 stays) are
   decided by their context.
3. Zero-width format characters (Unicode category Cf: zero-width space, joiners, byte-order mark) are
   removed; lone surrogates (undecodable input) become U+FFFD.

Segmentation of the normalised text:

- each CJK character, punctuation mark, symbol or emoji is one token (an emoji is usually <unk>);
- each digit is one token: numbers are open-ended (the corpus has about a hundred distinct ones, most
  seen once), a whole-number token never seen in training would be <unk>, while ten digits spell every
  number, as the English side writes it, so attention can copy them one by one;
- a run of Latin letters (A-Z, a-z, accented Latin) is one token when training saw that run at least
  `min_run_count` times (``Tom``, ``Mary``, ``CD``), and is spelled letter by letter otherwise, so a new
  name is still readable instead of one <unk>;
- whitespace is dropped (Chinese is written without spaces; a space only separates Latin words).

A character never seen in training maps to <unk>. Because a run falls back to its letters and every
letter of every run is in the vocabulary, a text contains <unk> exactly when one of its characters was
never seen: `Translator.unknown_characters`, which encodes one character at a time, lists exactly those.

Special ids are the shared ones of `seq2seq.tokenizers`: 0 <pad>, 1 <unk>, 2 <s>, 3 </s>; the fitted
vocabulary follows in sorted order, then the characters a fine-tuning added (`added`, in the order added:
seq2seq/source_characters.py), so that growing the vocabulary moves no old id.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from .specials import SPECIALS, UNK

KIND = "zh-char"
# Latin letters, with the Latin-1 and Latin Extended-A/B letters but not × (U+D7) and ÷ (U+F7).
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_TOKEN = re.compile(f"[{_LATIN}]+|\\S")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

_converter = None
_converter_lock = threading.Lock()


def _t2s():
    """The process's one OpenCC t2s converter, created on first use (loading its dictionaries takes a while).

    The lock only guards creation; OpenCC's maintainer states that one converter may be used by many
    threads at once (BYVoid/OpenCC issue #231, covered by its unit tests).
    """
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                try:
                    import opencc
                except ImportError as e:  # a clear message instead of a bare ModuleNotFoundError
                    raise ImportError("Chinese input needs OpenCC: pip install opencc==1.4.2") from e
                _converter = opencc.OpenCC("t2s")
    return _converter


def _unicode(text: str) -> str:
    """Steps 1 and 3 of the module docstring: what `normalize` gives OpenCC."""
    text = _LONE_SURROGATE.sub("\ufffd", text)  # OpenCC takes UTF-8, which cannot carry a lone surrogate
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def normalize(text: str) -> str:
    """NFKC, then traditional -> simplified (OpenCC t2s), without zero-width format characters."""
    text = _unicode(text)
    return _t2s().convert(text) if text else text


def conversions(text: str) -> list[tuple[str, str]]:
    """The (traditional, simplified) pieces OpenCC changed in `text`, each once, in order: 我愛你們 ->
    [("愛", "爱"), ("們", "们")]. Empty when only the Unicode form changed (，-> ,). For the CLI's note."""
    before = _unicode(text)
    after = _t2s().convert(before) if before else before
    pairs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        a, b = before[i1:i2], after[j1:j2]
        if op == "equal":
            continue
        for pair in zip(a, b, strict=True) if len(a) == len(b) else [(a, b)]:  # by character where it can
            if pair not in pairs:
                pairs.append(pair)
    return pairs


def split(text: str) -> list[str]:
    """The pieces of already normalised `text`: single characters and Latin-letter runs, no whitespace."""
    return _TOKEN.findall(text)


class ZhCharTokenizer:
    """Chinese characters, digits and marks one token each; frequent Latin words whole (module docstring)."""

    kind = KIND
    # What normalisation does beyond Unicode forms, in words (the pages' and the CLI's note).
    conversion = "traditional characters were converted to simplified"

    def __init__(self, tokens: Iterable[str], added: Sequence[str] = ()):
        """`tokens` in sorted order after the specials; `added` (a fine-tuning's new characters,
        seq2seq/source_characters.py) after them in the order given, so that no old id moves."""
        unique = sorted(set(tokens))
        if len(set(added)) != len(added) or set(added) & set(unique):
            raise ValueError("a zh-char vocabulary's added tokens are new and each given once")
        if not all(isinstance(t, str) and t and split(t) == [t] for t in [*unique, *added]):
            raise ValueError("a zh-char vocabulary holds single characters and Latin-letter runs only")
        self.fitted, self.added = tuple(unique), tuple(added)
        self.tokens = (*self.fitted, *self.added)
        self._ids = {t: i + len(SPECIALS) for i, t in enumerate(self.tokens)}
        self.vocab_size = len(SPECIALS) + len(self.tokens)

    @classmethod
    def fit(cls, texts: Iterable[str], min_run_count: int = 2) -> ZhCharTokenizer:
        """Vocabulary of the normalised `texts`: every character seen, and the Latin runs seen `min_run_count` times.

        Every letter of every run is kept as a token of its own, for spelling the runs left out.
        """
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(split(normalize(text)))
        vocabulary = {t for t, n in counts.items() if len(t) == 1 or n >= min_run_count}
        vocabulary.update(c for t in counts if len(t) > 1 for c in t)
        return cls(vocabulary)

    @classmethod
    def from_config(cls, entry: dict) -> ZhCharTokenizer:
        tokens, added = entry.get("tokens"), entry.get("added", [])
        if not isinstance(tokens, list) or not isinstance(added, list):
            raise ValueError("a zh-char tokenizer entry needs a list of tokens")
        return cls(tokens, added)

    def with_characters(self, characters: Iterable[str]) -> ZhCharTokenizer:
        """This vocabulary with one more id per character it lacks, appended after every old id in the
        order given (a repeat or a known character is skipped): each old id keeps its meaning."""
        new = [c for c in dict.fromkeys(characters) if c not in self._ids]
        return type(self)(self.fitted, [*self.added, *new])

    def normalize(self, text: str) -> str:
        """What every source goes through before tokenization (module docstring)."""
        return normalize(text)

    def conversions(self, text: str) -> list[tuple[str, str]]:
        """The (traditional, simplified) pieces normalisation converted in `text` (module function)."""
        return conversions(text)

    def pieces(self, text: str) -> list[str]:
        """The display pieces `encode` gives ids to: a run outside the vocabulary is spelled out."""
        out: list[str] = []
        for token in split(normalize(text)):
            if len(token) > 1 and token not in self._ids:
                out.extend(token)
            else:
                out.append(token)
        return out

    def encode(self, text: str) -> list[int]:
        return [self._ids.get(p, UNK) for p in self.pieces(text)]

    def decode(self, ids: Sequence[int]) -> str:
        """The pieces joined without spaces; specials are dropped except <unk>, shown as U+FFFD."""
        out = []
        for i in map(int, ids):
            if i == UNK:
                out.append("\ufffd")
            elif len(SPECIALS) <= i < self.vocab_size:
                out.append(self.tokens[i - len(SPECIALS)])
        return "".join(out)

    def piece(self, token_id: int) -> str:
        """Display form of one id: specials by name, the character or Latin run otherwise."""
        token_id = int(token_id)
        if 0 <= token_id < len(SPECIALS):
            return SPECIALS[token_id]
        if not len(SPECIALS) <= token_id < self.vocab_size:
            return SPECIALS[UNK]
        return self.tokens[token_id - len(SPECIALS)]

    def save(self, folder: Path, name: str) -> dict:
        """A few thousand characters: the vocabulary lives in config.json itself."""
        entry = {"kind": self.kind, "tokens": list(self.fitted)}
        if self.added:  # a fine-tuning's characters, after the sorted ones (absent otherwise: old files unchanged)
            entry["added"] = list(self.added)
        return entry
