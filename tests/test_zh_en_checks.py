"""The zh-en checks' own rules (seq2seq/tasks/zh_en_checks.py): pieces into words, a name found as a whole
word, "Welcome to Beijing." recognised, and an output word's attention summed over its pieces."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from seq2seq.tasks import zh_en_checks as checks


def test_pieces_join_into_words_with_their_positions() -> None:
    pieces = ["▁Welcome", "▁to", "▁Bei", "jing", ".", "</s>"]
    assert checks.words_of(pieces) == [
        ("Welcome", [0]),
        ("to", [1]),
        ("Beijing", [2, 3]),
        (".", [4]),
        ("</s>", [5]),
    ]


@pytest.mark.parametrize(
    ("output", "expected", "hit"),
    [
        ("I live in Shanghai.", ("Shanghai",), True),
        ("I live in shanghai", ("Shanghai",), True),
        ("I live in Shanghaiese.", ("Shanghai",), False),  # a whole word, not a prefix
        ("We went to the Great Wall.", ("Great Wall",), True),
        ("I went to Xian.", ("Xi'an", "Xian"), True),
        ("I went to West West Germany.", ("Xi'an", "Xian"), False),
    ],
)
def test_a_name_is_right_only_as_a_whole_word(output: str, expected: tuple[str, ...], hit: bool) -> None:
    assert checks.NameCheck("句子", output, expected).hit is hit


@pytest.mark.parametrize(
    ("output", "right"),
    [
        ("Welcome to Beijing.", True),
        ("welcome to Beijing", True),
        ("Welcome to Beijing!", True),
        ("Welcome to New York.", False),
        ("Welcome to Beijing, my friend.", False),
        ("Welcome to be Beijing.", False),
    ],
)
def test_welcome_to_beijing_and_nothing_else(output: str, right: bool) -> None:
    assert checks.says_welcome_to_beijing(output) is right


class FakeTranslator:
    """A decode whose attention is known: "Beijing" is two pieces, one mostly on 北, one mostly on 京,
    京 the larger in sum."""

    def greedy(self, sentence: str) -> SimpleNamespace:
        return SimpleNamespace(
            has_attention=True,
            source_tokens=["欢", "迎", "来", "北", "京", "。", "</s>"],
            target_tokens=["▁Welcome", "▁to", "▁Bei", "jing", ".", "</s>"],
            attention=[
                [0.5, 0.5, 0, 0, 0, 0, 0],
                [0, 0, 1.0, 0, 0, 0, 0],
                [0, 0, 0, 0.6, 0.4, 0, 0],
                [0, 0, 0, 0.1, 0.9, 0, 0],
                [0, 0, 0, 0, 0, 1.0, 0],
                [0, 0, 0, 0, 0, 0, 1.0],
            ],
        )


def test_a_words_attention_is_summed_over_its_pieces() -> None:
    translator = FakeTranslator()
    assert checks.word_attention(translator, checks.WELCOME, "Beijing") == "京"  # 0.4 + 0.9 > 0.6 + 0.1
    assert checks.word_attention(translator, checks.WELCOME, "to") == "来"
    assert checks.word_attention(translator, checks.WELCOME, "Shanghai") is None


def test_a_model_without_attention_attends_to_nothing() -> None:
    translator = SimpleNamespace(greedy=lambda sentence: SimpleNamespace(has_attention=False))
    assert checks.word_attention(translator, checks.WELCOME, "Beijing") is None
