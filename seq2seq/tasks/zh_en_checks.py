"""What a class types first, checked on a zh-en model: the seeds' sentences and our names. BLEU does
not see them, a class does: a teacher's first example coming out as "Welcome to New York." loses the room.

- `seed_outputs`: the greedy output of each of `SEEDS` (欢迎来北京。 → "Welcome to Beijing.").
- `name_hits`: for each `HELD_OUT` sentence (a city, a country, an HSK noun), the greedy output and
  whether it contains one of the sentence's English words (case-insensitive, whole words).
- `person_hits`, `landmark_hits`: the same for the held-out person names (`zh_person_names.NAME_CHECKS`:
  李明是我的好朋友。 must write "Li Ming", a name never trained on) and the schools' and landmarks' check
  sentences (`zh_landmarks.LANDMARK_CHECKS`), reported apart.
- `split_hits`: every kind of names check of a split, "test" (the above and `zh_en.COMMON_PLACES`, 海边 that
  must stay "the beach") or "valid" (`zh_en_validation`: other sentences of the same kinds, to choose on).
- `word_attention`: the source character an output word attends to most, its rows summed over the
  word's pieces: for "Beijing" in 欢迎来北京。, 北 or 京 is right.

None of these sentences is trained on (`seq2seq.tasks.zh_en.is_held_out`). scripts/zh_names.py prints
them for a set of models; tests/test_zh_seeds.py holds the shipped models to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seq2seq.tasks import zh_en_validation as validation
from seq2seq.tasks.zh_en import COMMON_PLACES, HELD_OUT, SEEDS
from seq2seq.tasks.zh_landmarks import LANDMARK_CHECKS
from seq2seq.tasks.zh_person_names import NAME_CHECKS
from seq2seq.typed import as_typed

WELCOME = SEEDS[0]  # 欢迎来北京。, the decoder diagram's example
# 我爱学习。's right translations (the final stop required, as the corpus writes it)
LEARNING_WORDS = ("I love learning", "I love studying", "I love to study", "I love to learn")
LEARNING = re.compile("(?:" + "|".join(map(re.escape, LEARNING_WORDS)) + r")\.", re.IGNORECASE)
WELCOME_WORD = "Beijing"
WELCOME_CHARACTERS = ("北", "京")


@dataclass(frozen=True)
class NameCheck:
    source: str
    output: str
    expected: tuple[str, ...]  # any one of these words makes it right

    @property
    def hit(self) -> bool:
        return any(re.search(rf"\b{re.escape(word)}\b", self.output, re.IGNORECASE) for word in self.expected)


# The names checks of each split, by kind (sentence, the English words any one of which a right output holds):
# "test" reports a release, "valid" is what a choice is made on (seq2seq/tasks/zh_en_validation.py).
SPLITS: dict[str, dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "test": {
        "first sentences": tuple(zip(SEEDS, (("Welcome to Beijing",), ("I love you",), LEARNING_WORDS), strict=True)),
        "people": tuple((zh, (name,)) for zh, name in NAME_CHECKS),
        "landmarks": LANDMARK_CHECKS,
        "places": HELD_OUT,
        "common places": COMMON_PLACES,
    },
    "valid": validation.KINDS,
}


def seed_outputs(translator, typed: bool = False) -> dict[str, str]:
    """Each seed sentence -> the model's greedy output; `typed`: of the seed as a class types it (欢迎来北京,
    `seq2seq.typed.as_typed`), still keyed by the seed."""
    return {seed: translator.greedy(as_typed(seed) if typed else seed).output for seed in SEEDS}


def split_hits(translator, split: str, typed: bool = False) -> dict[str, list[NameCheck]]:
    """Each kind of `SPLITS[split]` -> its checks with the model's greedy outputs; `typed`: of each sentence as a
    class types it (without its 。)."""
    return {kind: hits(translator, checks, typed) for kind, checks in SPLITS[split].items()}


def hits(translator, checks, typed: bool = False) -> list[NameCheck]:
    """Each (sentence, words) of `checks` with the model's greedy output (of the sentence as typed with `typed`)."""
    return [NameCheck(zh, translator.greedy(as_typed(zh) if typed else zh).output, words) for zh, words in checks]


def name_hits(translator) -> list[NameCheck]:
    """Each held-out sentence with the model's greedy output and the words a right translation holds."""
    return hits(translator, SPLITS["test"]["places"])


def person_hits(translator) -> list[NameCheck]:
    """Each held-out person's check sentence with the model's greedy output and the name it must write."""
    return hits(translator, SPLITS["test"]["people"])


def landmark_hits(translator) -> list[NameCheck]:
    """Each school's or landmark's check sentence with the model's greedy output and its English names."""
    return hits(translator, SPLITS["test"]["landmarks"])


def words_of(pieces: list[str]) -> list[tuple[str, list[int]]]:
    """SentencePiece pieces ("▁Bei", "jing", ".") -> words with the positions of their pieces; a piece
    without "▁" continues the word before it (punctuation and </s> are words of their own)."""
    words: list[tuple[str, list[int]]] = []
    for position, piece in enumerate(pieces):
        text = piece.lstrip("▁")
        starts = piece.startswith("▁") or not words or not text[:1].isalnum() or not words[-1][0][-1:].isalnum()
        if starts:
            words.append((text, [position]))
        else:
            words[-1] = (words[-1][0] + text, [*words[-1][1], position])
    return words


def word_attention(translator, sentence: str, word: str) -> str | None:
    """The source token `word` (an output word of the greedy decode of `sentence`) attends to most, its
    attention rows summed over its pieces: argmax_s Σ_{t ∈ word} α_{t,s}. None when the output has no
    such word or the model has no attention."""
    trace = translator.greedy(sentence)
    if not trace.has_attention:
        return None
    for text, positions in words_of(list(trace.target_tokens)):
        if text.lower() == word.lower():
            rows = [trace.attention[t] for t in positions]
            totals = [sum(row[s] for row in rows) for s in range(len(trace.source_tokens))]
            return trace.source_tokens[max(range(len(totals)), key=totals.__getitem__)]
    return None


def seeds_right(outputs: dict[str, str]) -> int:
    """How many of the seeds' outputs (`seed_outputs`) are right: "Welcome to Beijing.", "I love you.",
    "I love learning." (or studying, to study, to learn)."""
    welcome, love, learning = (outputs[seed] for seed in SEEDS)
    return says_welcome_to_beijing(welcome) + (love == "I love you.") + bool(LEARNING.fullmatch(learning))


def says_welcome_to_beijing(output: str) -> bool:
    """欢迎来北京。's right translations: "Welcome to Beijing." (the final stop optional)."""
    return re.fullmatch(r"welcome to beijing\s*[.!]?", output.strip(), re.IGNORECASE) is not None
