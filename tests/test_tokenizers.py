"""Tokenizers: any Unicode in, never an exception; round trips over their own vocabulary."""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seq2seq.decoding import Translator
from seq2seq.model import Seq2Seq
from seq2seq.tokenizers import (
    BOS,
    EOS,
    PAD,
    SPECIALS,
    UNK,
    CharTokenizer,
    SentencePieceTokenizer,
    tokenizer_from_config,
)
from tests.helpers import tiny_config

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = (
    "the a cat dog sat on mat and ran to my big red house tree over under with what is "
    "this that it was green blue small old new man woman child book table chair"
).split()


# -- characters --------------------------------------------------------------------------------------
def test_special_ids_are_shared():
    assert (PAD, UNK, BOS, EOS) == (0, 1, 2, 3)
    assert SPECIALS == ("<pad>", "<unk>", "<s>", "</s>")


@FAST
@given(st.text())
def test_char_round_trip_over_its_own_characters(text):
    tokenizer = CharTokenizer.fit([text])
    ids = tokenizer.encode(text)
    assert len(ids) == len(text)  # one id per code point
    assert UNK not in ids and all(len(SPECIALS) <= i < tokenizer.vocab_size for i in ids)
    assert tokenizer.decode(ids) == text


@FAST
@given(st.lists(st.text(), max_size=4), st.text())
def test_char_encode_never_raises_and_maps_unseen_to_unk(training, text):
    tokenizer = CharTokenizer.fit(training)
    seen = set("".join(training))
    ids = tokenizer.encode(text)
    assert len(ids) == len(text)
    for char, i in zip(text, ids, strict=True):
        assert (i == UNK) == (char not in seen)
    pieces = [tokenizer.piece(i) for i in ids]
    assert all(isinstance(p, str) and p for p in pieces)
    tokenizer.decode(ids)


def test_char_pieces_and_decode():
    tokenizer = CharTokenizer.fit(["ab c", "cab"])
    assert tokenizer.vocab_size == len(SPECIALS) + 4
    assert tokenizer.piece(tokenizer.encode(" ")[0]) == "␣"
    assert [tokenizer.piece(i) for i in range(4)] == list(SPECIALS)
    assert tokenizer.piece(tokenizer.vocab_size + 5) == "<unk>"
    ids = tokenizer.encode("a😀b")
    assert ids[1] == UNK
    assert tokenizer.decode([BOS, *ids, EOS, PAD]) == "a\ufffdb"


def test_char_config_round_trip(tmp_path):
    tokenizer = CharTokenizer.fit(["héllo wörld ж"])
    entry = tokenizer.save(tmp_path, "source")
    assert list(tmp_path.iterdir()) == []  # the vocabulary lives in config.json itself
    rebuilt = tokenizer_from_config(entry, tmp_path)
    assert rebuilt.chars == tokenizer.chars
    assert rebuilt.encode("wörld ж!") == tokenizer.encode("wörld ж!")


def test_unknown_tokenizer_kind():
    with pytest.raises(ValueError, match="unknown tokenizer kind"):
        tokenizer_from_config({"kind": "bpe"}, ".")


# -- SentencePiece ---------------------------------------------------------------------------------
def _corpus(n: int = 200) -> list[str]:
    rng = random.Random(0)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10))) for _ in range(n)]


@pytest.fixture(scope="module")
def sp() -> SentencePieceTokenizer:
    return SentencePieceTokenizer.train(_corpus(), vocab_size=100)


def test_sentencepiece_vocabulary(sp):
    assert 40 <= sp.vocab_size <= 100
    assert [sp.piece(i) for i in range(4)] == list(SPECIALS)
    assert sp.piece(-1) == sp.piece(sp.vocab_size) == "<unk>"


@FAST
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join))
def test_sentencepiece_round_trip_of_corpus_words(sp, sentence):
    ids = sp.encode(sentence)
    assert UNK not in ids
    assert sp.decode(ids) == sentence
    assert sp.decode([BOS, *ids, EOS, PAD]) == sentence


@FAST
@given(st.text())
def test_sentencepiece_never_raises(sp, text):
    ids = sp.encode(text)
    assert all(0 <= i < sp.vocab_size for i in ids)
    assert all(isinstance(sp.piece(i), str) for i in ids)
    assert isinstance(sp.decode(ids), str)


@pytest.mark.parametrize("char", ["😀", "ж", "€", "Z"])
def test_sentencepiece_unknown_characters_are_unk(sp, char):
    assert UNK in sp.encode(char)
    ids = sp.encode(f"the {char} cat")
    assert ids.count(UNK) == 1
    assert ids[:1] == sp.encode("the")
    assert ids[-1:] == sp.encode(" cat")[-1:]


def test_sentencepiece_save_and_load(sp, tmp_path):
    entry = sp.save(tmp_path, "source")
    assert entry == {"kind": "sentencepiece", "file": "source.model"}
    for loaded in (SentencePieceTokenizer.load(tmp_path / "source.model"), tokenizer_from_config(entry, tmp_path)):
        assert loaded.vocab_size == sp.vocab_size
        for sentence in _corpus(20) + ["the 😀 cat", "ж"]:
            assert loaded.encode(sentence) == sp.encode(sentence)
        assert [loaded.piece(i) for i in range(sp.vocab_size)] == [sp.piece(i) for i in range(sp.vocab_size)]


def test_unknown_characters_are_reported_for_both_tokenizers(sp):
    """Translator.unknown_characters warns the user about characters the model cannot read."""
    chars = CharTokenizer.fit(["the cat"])
    torch.manual_seed(0)
    translator = Translator(Seq2Seq(tiny_config(vocab_size=chars.vocab_size)), chars, chars)
    assert translator.unknown_characters("the ж cat😀 ж") == ["ж", "😀"]
    assert translator.unknown_characters("the cat") == []

    torch.manual_seed(0)
    translator = Translator(Seq2Seq(tiny_config(vocab_size=sp.vocab_size)), sp, sp)
    assert translator.unknown_characters("the cat") == []
    assert translator.unknown_characters("the ж cat😀 ж") == ["ж", "😀"]


# -- SentencePiece on the en-fr corpus: property tests over what the model knows -------------------
# The shipped settings (SentencePieceTokenizer.train): identity normalization (no NFKC, case and
# accents kept) and remove_extra_whitespaces=False, so spaces survive exactly: leading, trailing and
# runs of them. Encoding prefixes "▁" (the dummy prefix) and turns each space into "▁"; decoding
# undoes both. The one normalization left: U+2581 "▁" typed in the input *is* SentencePiece's
# whitespace symbol, so it comes back as a space. Other whitespace (tab, newline, no-break space)
# is not a piece: it is unknown like any other character the corpus lacks.
SPACE_SYMBOL = "\u2581"
UNK_SURFACE = " \u2047 "  # how decode writes one <unk>: " ⁇ "


@pytest.fixture(scope="module")
def sp_fr() -> SentencePieceTokenizer:
    from tests.train_fixtures import en_fr_lines

    texts = [text for line in en_fr_lines() for text in line.split("\t")[:2]]
    return SentencePieceTokenizer.train(texts, vocab_size=150)


@pytest.fixture(scope="module")
def known(sp_fr) -> str:
    """The characters of the model's pieces (specials aside), without its whitespace symbol."""
    chars = {c for i in range(len(SPECIALS), sp_fr.vocab_size) for c in sp_fr.piece(i)}
    return "".join(sorted(chars - {SPACE_SYMBOL}))


def test_sentencepiece_knows_every_character_of_its_corpus(known):
    """character_coverage=1.0: every character of the training text is a piece (spaces are "▁")."""
    from tests.train_fixtures import en_fr_lines

    corpus = "".join(text for line in en_fr_lines() for text in line.split("\t")[:2])
    assert set(known) == set(corpus) - {" "}
    assert {"é", "à", "Ç", "'", "!"} <= set(known)


SP_PROPERTY = settings(max_examples=300, deadline=None)  # fixtures are module-scoped: drawn per example


@SP_PROPERTY
@given(data=st.data())
def test_sentencepiece_round_trip_over_its_known_characters(sp_fr, known, data):
    text = data.draw(st.text(alphabet=st.sampled_from(known + " "), max_size=60))
    ids = sp_fr.encode(text)
    assert UNK not in ids and all(len(SPECIALS) <= i < sp_fr.vocab_size for i in ids)
    assert sp_fr.decode(ids) == text  # exact: spaces included, nothing normalized
    assert sp_fr.decode([BOS, *ids, EOS, PAD]) == text


def _expected_decode(text: str, known: str) -> tuple[str, int]:
    """decode(encode(text)): "▁" read as a space, each maximal run of unknown characters one " ⁇ "."""
    out, runs, in_run = [], 0, False
    for char in text:
        if char in known or char in (" ", SPACE_SYMBOL):
            out.append(" " if char == SPACE_SYMBOL else char)
            in_run = False
        elif not in_run:
            out.append(UNK_SURFACE)
            runs, in_run = runs + 1, True
    return "".join(out), runs


@SP_PROPERTY
@given(data=st.data())
def test_sentencepiece_maps_unknown_characters_to_unk(sp_fr, known, data):
    """Arbitrary Unicode (lone surrogates aside: below) never raises; each run of unknown characters is one <unk>."""
    alphabet = st.one_of(
        st.characters(exclude_categories=("Cs",)), st.sampled_from(known + " " + SPACE_SYMBOL + "\t\n\u00a0")
    )
    text = data.draw(st.text(alphabet=alphabet, max_size=40))
    ids = sp_fr.encode(text)
    assert all(0 <= i < sp_fr.vocab_size for i in ids)
    expected, runs = _expected_decode(text, known)
    assert ids.count(UNK) == runs
    assert sp_fr.decode(ids) == expected
    assert all(isinstance(sp_fr.piece(i), str) for i in ids)


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\udcff9 may"])
def test_sentencepiece_lone_surrogates_are_unk(sp_fr, text):
    ids = sp_fr.encode(text)
    assert UNK in ids
