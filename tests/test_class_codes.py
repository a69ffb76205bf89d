"""Join codes, teacher tokens and member ids (explorer/classrooms/codes.py)."""

from __future__ import annotations

import hashlib
import re

import pytest

from explorer.classrooms import codes


def test_the_alphabet_has_no_look_alikes():
    assert len(codes.ALPHABET) == len(set(codes.ALPHABET)) == 32
    assert not set("0O1I") & set(codes.ALPHABET)
    assert codes.ALPHABET == codes.ALPHABET.upper()
    assert codes.CODE_LENGTH == 6


def test_new_codes_are_codes_and_random():
    made = [codes.new_code() for _ in range(2000)]
    assert all(len(code) == 6 and set(code) <= set(codes.ALPHABET) for code in made)
    assert all(codes.normalise_code(code) == code for code in made)
    assert len(set(made)) >= 1995  # 2000 draws among 32**6 codes: a repeat is about one chance in 500
    assert set("".join(made)) == set(codes.ALPHABET)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ABCDEF", "ABCDEF"),
        ("abcdef", "ABCDEF"),
        ("abc-def", "ABCDEF"),
        ("  AB CD EF \n", "ABCDEF"),
        ("a-b-c-d-e-f", "ABCDEF"),
        ("XY2345", "XY2345"),
        ("ABCDE", None),  # too short
        ("ABCDEFG", None),  # too long
        ("ABCDE0", None),  # 0 is not in the alphabet
        ("ABCDEO", None),
        ("ABCDE1", None),
        ("ABCDEI", None),
        ("ABC_DE", None),
        ("ÄBCDEF", None),
        ("ＡＢＣＤＥＦ", None),  # full-width letters are not the code's letters
        ("", None),
        ("-" * 41 + "ABCDEF", None),  # longer than anything typed
        (None, None),
        (123456, None),
        (b"ABCDEF", None),
        (["ABCDEF"], None),
    ],
)
def test_normalise_code(raw, expected):
    assert codes.normalise_code(raw) == expected


def test_tokens_are_long_random_and_url_safe():
    tokens = {codes.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_token_hash_is_sha256_hex():
    assert codes.token_hash("secret") == hashlib.sha256(b"secret").hexdigest()
    assert codes.token_hash("secret") == "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
    assert codes.token_hash("\ud800") != codes.token_hash("")  # a lone surrogate hashes, never raises


def test_token_matches():
    token = codes.new_token()
    stored = codes.token_hash(token)
    assert codes.token_matches(token, stored) is True
    assert codes.token_matches(token + "x", stored) is False
    assert codes.token_matches("", stored) is False
    assert codes.token_matches(stored, stored) is False  # the hash is not the token
    for not_text in (None, 1, b"token", [token]):
        assert codes.token_matches(not_text, stored) is False
    assert codes.token_matches(token, None) is False


def test_member_ids():
    ids = {codes.new_member_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[0-9a-f]{32}", member) for member in ids)
