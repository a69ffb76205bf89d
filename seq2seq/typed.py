"""Sources as a class types them: lowercased, without the final punctuation, spaced and punctuated loosely.

Why. Tatoeba's sources are written with care: "I am tired.", "我爱你。". A class types "i am tired" and
欢迎来北京, and a model that only ever read the careful form answers those with nonsense (issue 63:
`en-fr/concat` fell from 35.8 to 12.3 BLEU on held-out sources lowercased and without the final
punctuation; 欢迎来北京 came out "Welcome." or "Ghai" on four of six zh-en models). This module makes
what the class types out of what the corpus says, for two uses:

- `as_typed` is the one deterministic form the "as typed" test metric decodes
  (`seq2seq.evaluate.evaluate_translation`): the source lowercased, without its final punctuation.
- `typed_variant` draws one variant of a training source with a `random.Random`: lowercased, the final
  punctuation dropped, a space missing or added, the punctuation's width switched (，。！？ and , . ! ?),
  each with its own probability. `with_typed` adds such a variant of a pair's source, the target as
  written, to a share of the training pairs (`train --typed-rate`), so that one model reads both
  forms. The same seed gives the same pairs, so a resumed run sees what it saw.

Plain Python: no torch, no tokenizer. The tokenizers normalise afterwards as for any source (NFKC
maps zh-en's full-width ！？，to ASCII; 。 and en-fr's NFC keep their widths).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

# The marks that end a sentence, in both widths (．and ｡ are the full- and half-width forms NFKC folds).
FINAL_PUNCTUATION = ".!?。！？．｡"
# Half-width punctuation and its full-width form, as a Chinese input method types it.
HALF_TO_FULL = {",": "，", ".": "。", "!": "！", "?": "？", ";": "；", ":": "："}
FULL_TO_HALF = {full: half for half, full in HALF_TO_FULL.items()}
_MARKS = set(HALF_TO_FULL) | set(FULL_TO_HALF)

# How often `typed_variant` makes each change (each drawn on its own).
LOWER_RATE = 0.75
DROP_FINAL_RATE = 0.75
SPACES_RATE = 0.25
WIDTH_RATE = 0.25


def without_final_punctuation(text: str) -> str:
    """`text` without the run of sentence-ending marks at its end (and the spaces around it):
    "Where is it?!" -> "Where is it", "我爱你。" -> "我爱你". A text with none is only stripped of
    trailing spaces."""
    return text.rstrip().rstrip(FINAL_PUNCTUATION).rstrip()


def as_typed(text: str) -> str:
    """What the "as typed" metric decodes: `text` lowercased, without its final punctuation."""
    return without_final_punctuation(text.lower())


def switch_widths(text: str) -> str:
    """Every punctuation mark of HALF_TO_FULL in the other width: full-width ones to half-width when
    the text has any, else half-width ones to full-width (a typist writes in one mode)."""
    table = FULL_TO_HALF if any(c in FULL_TO_HALF for c in text) else HALF_TO_FULL
    return "".join(table.get(c, c) for c in text)


def respace(text: str, rng: random.Random) -> str:
    """`text` with one space missing, one doubled, or one added where none was (`_may_part`: before a
    punctuation mark, or between two Chinese characters). Unchanged if there is no such place."""
    gaps = [i for i, c in enumerate(text) if c == " "]
    choice = rng.randrange(3)
    if gaps and choice < 2:
        i = rng.choice(gaps)
        return text[:i] + text[i + 1 :] if choice == 0 else text[:i] + " " + text[i:]
    places = [i for i in range(1, len(text)) if text[i - 1] != " " != text[i] and _may_part(text, i, bool(gaps))]
    if not places:
        return text
    i = rng.choice(places)
    return text[:i] + " " + text[i:]


def _may_part(text: str, i: int, spaced: bool) -> bool:
    """Whether `respace` may add a space before text[i]: before a punctuation mark, or in a text without
    spaces between two characters one of which is not ASCII (我爱你, 我叫Tom; never inside "Go")."""
    return text[i] in _MARKS or (not spaced and not (text[i - 1].isascii() and text[i].isascii()))


def typed_variant(text: str, rng: random.Random) -> str:
    """One way a class might type `text`, drawn with `rng`: each change of the module docstring with its
    own probability (LOWER_RATE ...). When none was drawn, or none changed anything, `as_typed(text)`."""
    variant = text
    if rng.random() < LOWER_RATE:
        variant = variant.lower()
    if rng.random() < DROP_FINAL_RATE:
        variant = without_final_punctuation(variant)
    if rng.random() < SPACES_RATE:
        variant = respace(variant, rng)
    if rng.random() < WIDTH_RATE:
        variant = switch_widths(variant)
    return variant if variant != text else as_typed(text)


def typed_random(seed: int, stream: str = "corpus") -> random.Random:
    """A stream `train --typed-rate` draws with, from the run's seed, apart from every other stream: one for
    the corpus's pairs (its key kept as it was, so a resumed run sees what it saw) and one for the
    `--dictionary` pairs (zh-en's names sentences: 李明是我的好朋友 is typed without its 。 too)."""
    return random.Random(f"typed:{seed}" if stream == "corpus" else f"typed-{stream}:{seed}")


def with_typed(pairs: Sequence[tuple[str, str]], rate: float, rng: random.Random) -> list[tuple[str, str]]:
    """`pairs`, then a (typed source, target as written) pair for each pair drawn with probability `rate`,
    in the pairs' order. A variant that is its source unchanged (nothing to lowercase, no final mark,
    no space) is not added: it would only count that pair twice."""
    added = []
    for source, target in pairs:
        if rng.random() < rate:
            variant = typed_variant(source, rng)
            if variant.strip() and variant != source:
                added.append((variant, target))
    return [*pairs, *added]
