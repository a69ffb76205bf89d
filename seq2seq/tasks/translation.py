"""English to French translation over a Tatoeba-format file (task ``"en-fr"``).

Each line is ``English<TAB>French``, UTF-8; further tab-separated columns (attribution)
are ignored, and blank or malformed lines are skipped. Case and punctuation are kept.
The split is decided by the English sentence, so all its translations land in the same
split: otherwise a test sentence could have been seen in training with another French.
There is no gold alignment, so ``Example.alignment`` is ``None``.
"""

from __future__ import annotations

import os

from seq2seq.tasks import Example, tatoeba

NAME = "en-fr"
TOKENIZER = "sentencepiece"  # one model for both sides
METRIC = "bleu"  # the validation metric that drives early stopping (train) and the headline (evaluate)
NEEDS_DATA = True  # reads a corpus given with --data (reverse and dates generate theirs)
DATA_FORMAT = "a Tatoeba file: English<TAB>French"
DATA_FILE = "eng-fra.txt"  # its usual name, e.g. ../shared/data/eng-fra.txt
LABEL = "English → French"
DEFAULT_SENTENCE = "Where is the station?"
EXAMPLES: tuple[str, ...] = ("I am cold.", "She is reading a book.")
CREDIT = "English–French pairs from www.manythings.org/anki and tatoeba.org (CC BY 2.0 FR)"

PROBES: tuple[str, ...] = (
    "I am cold.",
    "Thank you very much.",
    "Where is the station?",
    "She is reading a book.",
    "He doesn't like coffee.",
    "They have two children.",
    "We will go to the beach tomorrow.",
    "I have never seen such a beautiful city.",
)


def _parse_line(line: str) -> tuple[str, str] | None:
    """``(english, french)`` from one line, or None if it is blank or malformed."""
    return tatoeba.columns(line)


def read_pairs(path: str | os.PathLike[str]) -> tuple[tuple[str, str], ...]:
    """Return every valid ``(english, french)`` pair of the file at ``path``, in order.

    Raises FileNotFoundError if there is no such file, ValueError if it has no valid line.
    """
    return tatoeba.read_pairs(path, _parse_line, NAME, "a Tatoeba file, English<TAB>French per line")


def load(path: str | os.PathLike[str], split: str) -> list[Example]:
    """Return one Example per pair of ``split`` (``"train"``, ``"valid"``, ``"test"``)."""
    return tatoeba.examples(read_pairs(path), split)


def references(path: str | os.PathLike[str], split: str) -> dict[str, list[str]]:
    """Map each English sentence of ``split`` to all its French translations, in file order.

    For multi-reference BLEU: Tatoeba often has several good translations of a sentence.
    """
    return tatoeba.references(read_pairs(path), split)


def build_tokenizers(train: list[tuple[str, str]], vocab_size: int):
    """One SentencePiece model (``vocab_size`` pieces) over both sides of the training pairs, shared."""
    from seq2seq.tokenizers import SentencePieceTokenizer

    shared = SentencePieceTokenizer.train((text for pair in train for text in pair), vocab_size=vocab_size)
    return shared, shared
