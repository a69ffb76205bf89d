"""Beam search page logic: the search tree as plain data, and a chosen hypothesis's attention."""

from __future__ import annotations

from collections.abc import Sequence

from explorer import i18n
from explorer.i18n import _
from explorer.state.view import LINK_NUMBERS
from seq2seq.beam import BeamNode, Hypothesis
from seq2seq.decoded import DecodedSentence
from seq2seq.decoding import Translator

# The slider's range is a link's: a link's width is clamped into it with its note (explorer.state.view).
MIN_WIDTH, MAX_WIDTH = int(LINK_NUMBERS["beam"].low), int(LINK_NUMBERS["beam"].high)


def beam_search(translator: Translator, sentence: str, width: int) -> DecodedSentence:
    """A beam search as plain data: its best hypothesis, all `hypotheses` (best first) and the whole `tree`.

    Raises InputError for a sentence the model cannot take, ValueError for a bad width.
    """
    width = int(width)
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"beam width must be {MIN_WIDTH}–{MAX_WIDTH}, got {width}")
    return translator.beam(sentence, width=width).plain(translator.name, states=False)


def path_nodes(tree: Sequence[BeamNode], node: int) -> list[int]:
    """Node ids from the root to `node`, both included."""
    parents = {n.id: n.parent for n in tree}
    path = []
    current: int | None = node
    while current is not None:
        path.append(current)
        current = parents.get(current)
    return list(reversed(path))


def kept_nodes(tree: Sequence[BeamNode], hypotheses: Sequence[Hypothesis]) -> frozenset[int]:
    """Nodes on the path of some final hypothesis; every other node was pruned."""
    kept: set[int] = set()
    for h in hypotheses:
        kept.update(path_nodes(tree, h.node))
    return frozenset(kept)


def hypothesis_label(rank: int, hypothesis: Hypothesis) -> str:
    """'1. 2018-05-09  (log p −0.012)' with a note when it never produced </s> (current language)."""
    text = hypothesis.text if hypothesis.text.strip() else _("(empty)")
    logprob = i18n.number(hypothesis.logprob, 3)
    if hypothesis.finished:
        label = _("{rank}. {text}  (log p {logprob})")
    else:
        label = _("{rank}. {text}  (log p {logprob}, cut at max length)")
    return label.format(rank=rank + 1, text=text, logprob=logprob)


def hypothesis_attention(translator: Translator, sentence: str, hypothesis: Hypothesis) -> DecodedSentence:
    """The hypothesis's tokens fed back step by step (choose=token_ids): its attention and tokens."""
    return translator.force_ids(sentence, hypothesis.token_ids).plain(translator.name, states=False)
