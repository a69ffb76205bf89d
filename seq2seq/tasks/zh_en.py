"""Chinese to English translation over a Tatoeba-format file (task ``"zh-en"``).

Each line is ``English<TAB>Chinese`` (manythings.org's ``cmn-eng.txt``), UTF-8; further
tab-separated columns (attribution) are ignored, and blank or malformed lines are skipped.
The Chinese side is normalised on reading with the source tokenizer's own function
(`seq2seq.zh_tokenizer.normalize`: NFKC, traditional -> simplified with OpenCC), the same one
every typed sentence goes through, so 愛 and 爱 are one sentence and one token.

The split is decided by the normalised Chinese sentence, so all its English translations land
in one split (the test split is multi-reference) and a sentence written once in traditional and
once in simplified characters cannot be in training and test at once. There is no gold
alignment, so ``Example.alignment`` is ``None``.

Source: one token per Chinese character (`seq2seq.zh_tokenizer`); target: SentencePiece trained
on the English side only (its vocabulary size is ``--vocab-size``).
"""

from __future__ import annotations

import os

from seq2seq.tasks import Example, tatoeba

NAME = "zh-en"
TOKENIZER = "zh-char"  # the source's; the target is TARGET_TOKENIZER
TARGET_TOKENIZER = "sentencepiece"
METRIC = "bleu"  # the validation metric that drives early stopping (train) and the headline (evaluate)
NEEDS_DATA = True  # reads a corpus given with --data (reverse and dates generate theirs)
DATA_FORMAT = "a Tatoeba file, English<TAB>Chinese per line (manythings.org's cmn-eng.txt)"
DATA_FILE = "cmn-eng.txt"  # its usual name, e.g. ../shared/data/cmn-eng.txt

# For the app (explorer/catalog.py asks for these): the task's name as a reader sees it, the sentence
# pages open on ("love" should attend to 爱), the home page's examples, and the data's credit line.
LABEL = "Chinese → English"
DEFAULT_SENTENCE = "我爱你。"
EXAMPLES: tuple[str, ...] = ("我爱你。", "我明天去北京。", "他在图书馆看书。")
CREDIT = "Chinese–English pairs from www.manythings.org/anki and tatoeba.org (CC BY 2.0 FR)"

# Fixed inputs recorded after every epoch (the timelapse): short and everyday, in simplified
# characters (what normalisation makes of any input). 我明天去北京。 and 他在图书馆看书。 put a time or
# a place before the verb, where English puts it after ("I'm going to Beijing tomorrow."), so their
# attention cannot be a diagonal.
PROBES: tuple[str, ...] = (
    "我爱你。",
    "谢谢你。",
    "我很饿。",
    "他是我的朋友。",
    "我明天去北京。",
    "他在图书馆看书。",
    "这本书很有意思。",
    "你叫什么名字？",
)


def _parse_line(line: str) -> tuple[str, str] | None:
    """Return ``(chinese, english)`` from one line, the Chinese normalised; None if blank or malformed."""
    from seq2seq.zh_tokenizer import normalize

    pair = tatoeba.columns(line)
    if pair is None:
        return None
    english, chinese = pair[0], normalize(pair[1]).strip()
    return (chinese, english) if chinese else None


def read_pairs(path: str | os.PathLike[str]) -> tuple[tuple[str, str], ...]:
    """Return every valid ``(chinese, english)`` pair of the file at ``path``, in order, the Chinese normalised.

    Raises FileNotFoundError if there is no such file, ValueError if it has no valid line.
    """
    return tatoeba.read_pairs(path, _parse_line, NAME, DATA_FORMAT)


def load(path: str | os.PathLike[str], split: str) -> list[Example]:
    """Return one Example (Chinese source, English target) per pair of ``split``."""
    return tatoeba.examples(read_pairs(path), split)


def references(path: str | os.PathLike[str], split: str) -> dict[str, list[str]]:
    """Map each (normalised) Chinese sentence of ``split`` to all its English translations, in file order."""
    return tatoeba.references(read_pairs(path), split)


def build_tokenizers(train: list[tuple[str, str]], vocab_size: int):
    """Characters of the Chinese side; SentencePiece (``vocab_size`` pieces) of the English side only."""
    from seq2seq.tokenizers import SentencePieceTokenizer
    from seq2seq.zh_tokenizer import ZhCharTokenizer

    source = ZhCharTokenizer.fit(zh for zh, _ in train)
    target = SentencePieceTokenizer.train((en for _, en in train), vocab_size=vocab_size)
    return source, target
