"""What a class types first, checked on an en-fr model: three sentences as typed, lowercase and without a
final mark (issue 63: `i am tired` came out "Toutes les légumes !" on the released en-fr/concat).

`TYPED` holds each sentence with the French a right translation is (a regular expression matched against
the whole output, case kept: the models write a capital and the final mark as the corpus does; French
puts a space, plain or narrow no-break, before "?"). `typed_outputs` decodes them, greedily or with a
beam, and `right` says which are right. None of them is a corpus sentence in these forms: the corpus
writes "I am tired." with its capital and its stop (tests/test_en_fr_checks.py).
"""

from __future__ import annotations

import re

_QUESTION = "[ \u202f\u00a0]?\\?"  # " ?", narrow no-break or no-break space, or none
TYPED: tuple[tuple[str, str], ...] = (
    ("i am tired", r"Je suis (?:fatigué|fatiguée|crevé|crevée)\s?[.!]?"),
    ("where is the station", rf"Où (?:est|se trouve) la gare{_QUESTION}"),
    (
        "we are going to the beach tomorrow",
        r"(?:Nous (?:allons|irons)(?: aller)?|On va(?: aller)?) à la plage demain\s?[.!]?"
        r"|Demain,? (?:nous (?:allons|irons)(?: aller)?|on va(?: aller)?) à la plage\s?[.!]?",
    ),
)


def is_right(expected: str, output: str) -> bool:
    """Whether `output` is a right translation by `expected`, a pattern of `TYPED`."""
    return re.fullmatch(expected, output.strip()) is not None


def typed_outputs(translator, beam: int = 1) -> dict[str, str]:
    """Each sentence of `TYPED` -> the model's output, greedy (`beam` 1) or with a beam of `beam`."""
    sources = [source for source, _ in TYPED]
    outputs = translator.translate_batch(sources, beam=beam if beam > 1 else None, refused=[])
    return dict(zip(sources, outputs, strict=True))


def right(outputs: dict[str, str]) -> int:
    """How many of `typed_outputs`' outputs are right."""
    return sum(is_right(expected, outputs[source]) for source, expected in TYPED)
