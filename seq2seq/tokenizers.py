"""Tokenizers behind one interface: characters, and SentencePiece subwords.

Both reserve the same special ids, so the model never needs to know which one it got:
0 = <pad>, 1 = <unk>, 2 = <s> (start), 3 = </s> (end).
Any Unicode input is accepted; a character the vocabulary lacks becomes <unk>, nothing raises.

Each tokenizer also names the Unicode normalization of what a user types (`normalize`): the same
text can arrive as different code points (NFD "café" is "cafe" + a combining accent, a full-width
"９" is not "9"). The character tokenizers use NFKC, which also folds compatibility forms
(full-width digits, ligatures, no-break spaces) into the characters the synthetic tasks were
trained on; the SentencePiece tokenizers use NFC, which only composes accents and keeps every
character as written. `Translator.encode_source` applies it to every source before encoding;
`encode` itself never normalizes (training data is encoded as stored).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from .specials import BOS, EOS, PAD, SPECIALS, UNK  # noqa: F401 (callers import the ids from here too)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Tokenizer(Protocol):
    """What the model and the app need from a tokenizer."""

    kind: str
    vocab_size: int
    conversion: str  # what `normalize` converts besides Unicode forms, in words ("" for nothing)

    def normalize(self, text: str) -> str: ...
    def conversions(self, text: str) -> list[tuple[str, str]]: ...
    def encode(self, text: str) -> list[int]: ...
    def decode(self, ids: Sequence[int]) -> str: ...
    def piece(self, token_id: int) -> str: ...
    def save(self, folder: Path, name: str) -> dict: ...


class CharTokenizer:
    """One id per Unicode code point seen in training text; the rest map to <unk>."""

    kind = "char"
    normalization = "NFKC"  # full-width digits, ligatures and no-break spaces become plain characters
    conversion = ""  # normalize converts no character into another

    def __init__(self, chars: str):
        unique = sorted(set(chars))
        self.chars = "".join(unique)
        self._ids = {c: i + len(SPECIALS) for i, c in enumerate(unique)}
        self.vocab_size = len(SPECIALS) + len(unique)

    @classmethod
    def fit(cls, texts: Iterable[str]) -> CharTokenizer:
        seen: set[str] = set()
        for text in texts:
            seen.update(text)
        return cls("".join(seen))

    def normalize(self, text: str) -> str:
        """The text as the model should read it: Unicode NFKC ("９ may" -> "9 may", NFD "café" -> NFC)."""
        return unicodedata.normalize(self.normalization, text)

    def conversions(self, text: str) -> list[tuple[str, str]]:
        """Characters `normalize` replaces by others (zh-char: traditional -> simplified): none here."""
        return []

    def encode(self, text: str) -> list[int]:
        return [self._ids.get(c, UNK) for c in text]

    def decode(self, ids: Sequence[int]) -> str:
        """Text of the ids; specials are dropped except <unk>, shown as U+FFFD."""
        out = []
        for i in ids:
            if i == UNK:
                out.append("\ufffd")
            elif i >= len(SPECIALS) and i < self.vocab_size:
                out.append(self.chars[i - len(SPECIALS)])
        return "".join(out)

    def piece(self, token_id: int) -> str:
        """Display form of one id: specials by name, a space as '␣' so it stays visible."""
        if token_id < len(SPECIALS):
            return SPECIALS[token_id]
        if token_id >= self.vocab_size:
            return SPECIALS[UNK]
        char = self.chars[token_id - len(SPECIALS)]
        return "␣" if char == " " else char

    def save(self, folder: Path, name: str) -> dict:
        """The vocabulary is small: it lives in config.json itself."""
        return {"kind": self.kind, "chars": self.chars}


class SentencePieceTokenizer:
    """Subword units from a SentencePiece model (unigram by default), identity normalization."""

    kind = "sentencepiece"
    normalization = "NFC"  # compose accents only: compatibility forms stay as typed (identity model rule)
    conversion = ""  # normalize converts no character into another

    def __init__(self, model_proto: bytes):
        import sentencepiece as spm  # imported here: no work at import time of the package

        self._proto = model_proto
        self._sp = spm.SentencePieceProcessor(model_proto=model_proto)
        self.vocab_size = self._sp.get_piece_size()

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int, model_type: str = "unigram") -> SentencePieceTokenizer:
        import io

        import sentencepiece as spm

        buffer = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(texts),
            model_writer=buffer,
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=1.0,
            # Keep case, punctuation and spacing as written: the app shows what the user typed.
            normalization_rule_name="identity",
            remove_extra_whitespaces=False,
            pad_id=PAD,
            unk_id=UNK,
            bos_id=BOS,
            eos_id=EOS,
            hard_vocab_limit=False,
            minloglevel=2,
        )
        return cls(buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> SentencePieceTokenizer:
        return cls(Path(path).read_bytes())

    def with_words(self, words: Iterable[str]) -> SentencePieceTokenizer:
        """This vocabulary with one more piece per word ("▁Beijing"), appended after the old pieces so that
        every old id keeps its meaning (seq2seq/name_pieces.py). A new piece scores as the likeliest old
        one, so a word is one piece wherever it is written; a word already a piece is skipped."""
        from sentencepiece import sentencepiece_model_pb2 as model_pb2  # a protobuf message, never a pickle

        proto = model_pb2.ModelProto()
        proto.ParseFromString(self._proto)
        known = {piece.piece for piece in proto.pieces}
        normal = model_pb2.ModelProto.SentencePiece.NORMAL
        likeliest = max(piece.score for piece in proto.pieces if piece.type == normal)
        for word in words:
            if "▁" + word not in known:
                known.add("▁" + word)
                proto.pieces.add(piece="▁" + word, score=likeliest, type=normal)
        return type(self)(proto.SerializeToString())

    def normalize(self, text: str) -> str:
        """The text as the model should read it: Unicode NFC (NFD "café" -> "café"); subclasses may add more."""
        return unicodedata.normalize(self.normalization, text)

    def conversions(self, text: str) -> list[tuple[str, str]]:
        """Characters `normalize` replaces by others (zh-char: traditional -> simplified): none here."""
        return []

    def encode(self, text: str) -> list[int]:
        # SentencePiece takes UTF-8, which cannot carry a lone surrogate (what Python makes of
        # undecodable argv or stdin bytes): such a character becomes U+FFFD, unknown to the model,
        # so it maps to <unk> as in the character tokenizer instead of raising.
        return list(self._sp.encode(_LONE_SURROGATE.sub("\ufffd", text)))

    def decode(self, ids: Sequence[int]) -> str:
        keep = [int(i) for i in ids if int(i) not in (PAD, BOS, EOS) and 0 <= int(i) < self.vocab_size]
        return self._sp.decode(keep)

    def piece(self, token_id: int) -> str:
        if not 0 <= token_id < self.vocab_size:
            return SPECIALS[UNK]
        if token_id < len(SPECIALS):
            return SPECIALS[token_id]
        return self._sp.id_to_piece(int(token_id))

    def save(self, folder: Path, name: str) -> dict:
        """Writes `<name>.model` (a protobuf, not a pickle) and returns its config entry."""
        filename = f"{name}.model"
        (Path(folder) / filename).write_bytes(self._proto)
        return {"kind": self.kind, "file": filename}


def tokenizer_from_config(entry: dict, folder: Path) -> Tokenizer:
    """Rebuild a tokenizer from its config.json entry; files are only read inside `folder`."""
    kind = entry.get("kind")
    if kind == "char":
        return CharTokenizer(entry["chars"])
    if kind == "sentencepiece":
        filename = Path(entry["file"]).name  # never follow a path out of the checkpoint folder
        return SentencePieceTokenizer.load(Path(folder) / filename)
    if kind == "zh-char":  # Chinese characters (seq2seq/zh_tokenizer.py), imported here: it imports opencc lazily
        from .zh_tokenizer import ZhCharTokenizer

        return ZhCharTokenizer.from_config(entry)
    raise ValueError(f"unknown tokenizer kind {kind!r}")
