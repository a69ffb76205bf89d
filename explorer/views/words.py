"""Words, not pieces: SentencePiece pieces merged into words for the heatmaps.

A subword model reads and writes pieces ("▁Les ▁enfants ▁joue nt"), which a class reads as noise.
The "words" view merges them back into the words they spell and merges the attention with them.

Grouping (`group`), on one side's tokens in order:

- a piece that starts with SentencePiece's word-start marker "▁" (U+2581) starts a new word;
- a piece without it continues the word before it ("▁joue" + "nt" = "jouent");
- punctuation is a word of its own: a piece made only of Unicode punctuation characters (general
  category P…: . , ; : ! ? ' " « » ( ) - … 。 ，), with or without the marker, and the piece after it
  starts a new word ("▁does n ' t" = "doesn", "'", "t");
- special tokens (`seq2seq.specials.SPECIALS`: </s>, <unk>, <s>, <pad>) are words of their own too,
  and the piece after one starts a new word;
- a bare "▁" (the marker alone, which SentencePiece writes before a piece it has no "▁x" for)
  belongs to the word after it; at the end it is a word of its own.

A side that is not SentencePiece (characters: reverse, dates, zh-en's Chinese source) keeps one
"word" per token (`singles`).

Merging (`merge`), for attention A of shape (T, S) (T target pieces, S source pieces, every row
summing to 1), target words t_1..t_J and source words s_1..s_I (sets of piece indices):

    W[j][i] = (1 / |t_j|) · Σ_{t ∈ t_j} Σ_{s ∈ s_i} A[t][s]        W has shape (J, I)

A source word's weight is the SUM over its pieces (attention mass is additive over positions), a
target word's row is the MEAN of its pieces' rows (each piece is one decoding step): so each row of
W still sums to 1. The hover of a cell shows each piece's own weight (`cell_pieces`): source piece s
of s_i weighs (1 / |t_j|) Σ_{t ∈ t_j} A[t][s] (these sum to W[j][i]), target piece t of t_j weighs
Σ_{s ∈ s_i} A[t][s] (their mean is W[j][i]).

Plain Python, no Streamlit: the pages wire it (explorer.ui), the figures draw what it returns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from explorer.i18n import N_, _
from explorer.state.view import WORDS
from seq2seq.specials import SPECIALS

MARKER = "\u2581"  # SentencePiece's word-start marker "▁"
PIECES = "pieces"
UNITS = (PIECES, WORDS)  # the toggle's values; a link carries units=words, pieces is the default (units="")
UNIT_LABELS = {PIECES: N_("pieces"), WORDS: N_("words")}  # shown as _(UNIT_LABELS[u])
SUBWORD_KIND = "sentencepiece"  # seq2seq.tokenizers.SentencePieceTokenizer.kind: the side that merges


@dataclass(frozen=True)
class Word:
    """One word of a side: its text (the pieces joined, markers dropped) and the pieces it spans.

    `start` is the index of its first piece; it spans pieces start .. start + len(pieces) - 1.
    `kind`: "word", "punct" (punctuation) or "special" (</s>, <unk> …).
    """

    text: str
    pieces: tuple[str, ...]
    start: int
    kind: str = "word"

    @property
    def indices(self) -> range:
        return range(self.start, self.start + len(self.pieces))


def is_punctuation(piece: str) -> bool:
    """A piece made only of Unicode punctuation (category P…), with or without the leading "▁"."""
    body = piece[1:] if piece.startswith(MARKER) else piece
    return bool(body) and all(unicodedata.category(ch).startswith("P") for ch in body)


def is_special(piece: str) -> bool:
    return piece in SPECIALS


def _text(pieces: Sequence[str]) -> str:
    text = "".join(p[1:] if p.startswith(MARKER) else p for p in pieces)
    return text or MARKER  # a bare "▁" left alone keeps its marker as its label


def group(pieces: Sequence[str]) -> list[Word]:
    """The words of `pieces` (one side's SentencePiece tokens, in order), by the rules of the module's
    docstring; the words' pieces, joined in order, are `pieces` again."""
    spans: list[tuple[list[str], int, str]] = []  # (pieces, start, kind)
    open_word = False  # the last span is a word the next piece may continue
    pending: tuple[list[str], int] | None = None  # bare "▁" pieces waiting for the word they start
    for index, piece in enumerate(pieces):
        if is_special(piece):  # alone; a marker waiting before it becomes a word of its own
            if pending:
                spans.append((pending[0], pending[1], "word"))
                pending = None
            spans.append(([piece], index, "special"))
            open_word = False
        elif is_punctuation(piece):  # alone, with the marker waiting before it (it starts this word)
            spans.append(((pending[0] if pending else []) + [piece], pending[1] if pending else index, "punct"))
            pending, open_word = None, False
        elif piece == MARKER:
            pending = (pending[0] + [piece], pending[1]) if pending else ([piece], index)
        elif pending:
            spans.append((pending[0] + [piece], pending[1], "word"))
            pending, open_word = None, True
        elif piece.startswith(MARKER) or not open_word:
            spans.append(([piece], index, "word"))
            open_word = True
        else:
            spans[-1][0].append(piece)
    if pending:
        spans.append((pending[0], pending[1], "word"))
    words = []
    for span, start, kind in spans:
        text = span[-1] if kind == "special" else _text(span)
        words.append(Word(text, tuple(span), start, kind))
    return words


def singles(tokens: Sequence[str]) -> list[Word]:
    """One word per token: a side that is not merged (characters) keeps its columns or rows."""
    return [Word(tok, (tok,), i, "special" if is_special(tok) else "word") for i, tok in enumerate(tokens)]


def merge(attention: Sequence[Sequence[float]], source: Sequence[Word], target: Sequence[Word]) -> list[list[float]]:
    """W (J, I) from A (T, S): W[j][i] = mean over target pieces of t_j of the sum over source pieces of s_i.

    `source` and `target` must cover the S columns and T rows of `attention` exactly.
    """
    rows = [list(map(float, r)) for r in attention]
    _check(rows, source, target)
    merged = []
    for word in target:
        summed = [[sum(rows[t][s] for s in w.indices) for w in source] for t in word.indices]
        merged.append([sum(col) / len(summed) for col in zip(*summed, strict=True)] if source else [])
    return merged


def _check(rows: list[list[float]], source: Sequence[Word], target: Sequence[Word]) -> None:
    columns = sum(len(w.pieces) for w in source)
    if sum(len(w.pieces) for w in target) != len(rows):
        raise ValueError(
            f"the target words span {sum(len(w.pieces) for w in target)} pieces, attention has {len(rows)} rows"
        )
    for t, row in enumerate(rows):
        if len(row) != columns:
            raise ValueError(f"row {t} has {len(row)} weights but the source words span {columns} pieces")


def cell_pieces(
    attention: Sequence[Sequence[float]], source: Sequence[Word], target: Sequence[Word], j: int, i: int
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(source pieces of word i with their own weights, target pieces of word j with theirs) for cell (j, i).

    Source piece s: (1/|t_j|) Σ_{t ∈ t_j} A[t][s] (they sum to W[j][i]); target piece t: Σ_{s ∈ s_i} A[t][s]
    (their mean is W[j][i]).
    """
    tw, sw = target[j], source[i]
    source_weights = [
        (attention_piece, sum(float(attention[t][s]) for t in tw.indices) / len(tw.pieces))
        for attention_piece, s in zip(sw.pieces, sw.indices, strict=True)
    ]
    target_weights = [
        (piece, sum(float(attention[t][s]) for s in sw.indices)) for piece, t in zip(tw.pieces, tw.indices, strict=True)
    ]
    return source_weights, target_weights


@dataclass(frozen=True)
class WordGrid:
    """A heatmap in words: labels, the merged attention (J, I), and each word's pieces.

    `source`/`target`: the words (Word); `attention`: W of `merge`; `pieces_attention`: the (T, S)
    matrix it came from (for `cell_pieces`); `merged`: (source merged?, target merged?).
    """

    source: list[Word]
    target: list[Word]
    attention: list[list[float]]
    pieces_attention: list[list[float]]
    merged: tuple[bool, bool]

    @property
    def source_labels(self) -> list[str]:
        return [w.text for w in self.source]

    @property
    def target_labels(self) -> list[str]:
        return [w.text for w in self.target]

    def label_titles(self) -> tuple[list[str] | None, list[str] | None]:
        """Each merged side's label tooltips (its words' pieces, piece_titles); None for a side in pieces."""
        source, target = self.merged
        return (piece_titles(self.source) if source else None), (piece_titles(self.target) if target else None)

    def cell_lines(self, j: int, i: int) -> list[str]:
        """The hover's extra lines for cell (j, i): each merged side's pieces with their own weights."""
        source_weights, target_weights = cell_pieces(self.pieces_attention, self.source, self.target, j, i)
        lines = []
        if self.merged[0]:
            lines.append(_("source pieces: {pieces}").format(pieces=_listed(source_weights)))
        if self.merged[1]:
            lines.append(_("target pieces: {pieces}").format(pieces=_listed(target_weights)))
        return lines

    def notes(self, separator: str = "\n") -> list[list[str]]:
        """Every cell's extra lines joined by `separator` ("\\n" for SVG titles, "<br>" for plotly): (J, I)."""
        return [
            [separator.join(self.cell_lines(j, i)) for i in range(len(self.source))] for j in range(len(self.target))
        ]


def _listed(weights: Sequence[tuple[str, float]]) -> str:
    return " · ".join(f"{piece} {weight:.3f}" for piece, weight in weights)


def piece_titles(words: Sequence[Word]) -> list[str]:
    """A label's hover text: the word's pieces joined by " + " ("▁joue + nt"), for a word of several pieces."""
    return [_("pieces: {pieces}").format(pieces=" + ".join(w.pieces)) for w in words]


def grid(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    attention: Sequence[Sequence[float]],
    merge_source: bool,
    merge_target: bool,
) -> WordGrid:
    """The words view of a (T, S) attention matrix: each side grouped into words when it is SentencePiece
    (`merge_source`, `merge_target`), else kept token by token."""
    source = group(source_tokens) if merge_source else singles(source_tokens)
    target = group(target_tokens) if merge_target else singles(target_tokens)
    rows = [list(map(float, r)) for r in attention]
    return WordGrid(source, target, merge(rows, source, target), rows, (merge_source, merge_target))


def words_at_step(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    attention: Sequence[Sequence[float]],
    step: int,
    merge_source: bool,
    merge_target: bool,
) -> tuple[WordGrid, int]:
    """The words view of a whole decode while `step` target pieces are shown: (grid, word rows shown).

    The grid has a row for every word of the whole decode (the Decode heatmap keeps the frame of the
    whole decode): rows of the words whose pieces are all shown are their means; the row of a word
    still being written is the mean of its pieces shown so far, labelled with them ("▁joue" alone
    reads "joue" until "nt" comes); later rows are the whole words', hidden until their step.
    """
    step = min(max(int(step), 0), len(target_tokens))
    whole = grid(source_tokens, target_tokens, attention, merge_source, merge_target)
    if step == 0:
        return whole, 0
    shown = grid(source_tokens, target_tokens[:step], attention[:step], merge_source, merge_target)
    rows = len(shown.target)
    target = [*shown.target, *whole.target[rows:]]
    merged = [*shown.attention, *whole.attention[rows:]]
    # The piece-level matrix stays the whole decode's; the partial word's pieces index only shown rows.
    return WordGrid(whole.source, target, merged, whole.pieces_attention, whole.merged), rows


def subword_sides(source_kind: str, target_kind: str) -> tuple[bool, bool]:
    """(merge the source?, merge the target?): a side merges when its tokenizer is SentencePiece."""
    return source_kind == SUBWORD_KIND, target_kind == SUBWORD_KIND


def sides_of(translator) -> tuple[bool, bool]:
    """`subword_sides` of a translator's two tokenizers (seq2seq.decoding.Translator)."""
    return subword_sides(translator.source_tokenizer.kind, translator.target_tokenizer.kind)


def units_value(raw: str | None) -> str:
    """The view's units from a link or a widget: WORDS, or "" (pieces, the default, left out of links)."""
    return WORDS if raw == WORDS else ""


# The rule stated under a heatmap in words, by the sides merged: (source, target) -> the rule.
RULES = {
    (True, True): N_(
        "Words: a new word starts at a piece beginning with ▁ (SentencePiece's word-start marker); "
        "punctuation (a piece made only of punctuation characters) and </s>, <unk> stay words of their own. "
        "A source word's weight is the sum over its pieces; a target word's row is the mean of its pieces' "
        "rows, so every row still sums to 1. Hover a cell for the pieces and their own weights."
    ),
    (False, True): N_(
        "Words: target pieces are joined into words at ▁ (SentencePiece's word-start marker); punctuation "
        "(a piece made only of punctuation characters) and </s>, <unk> stay words of their own; the source "
        "characters stay as they are. A target word's row is the mean of its pieces' rows, so every row "
        "still sums to 1. Hover a cell for the pieces and their own weights."
    ),
    (True, False): N_(
        "Words: source pieces are joined into words at ▁ (SentencePiece's word-start marker); punctuation "
        "(a piece made only of punctuation characters) and </s>, <unk> stay words of their own; the target "
        "characters stay as they are. A source word's weight is the sum over its pieces, so every row still "
        "sums to 1. Hover a cell for the pieces and their own weights."
    ),
}


def rule(merged: tuple[bool, bool]) -> str:
    """The rule of the words view for the sides merged, in the current language ("" when none is)."""
    return _(RULES[merged]) if merged in RULES else ""
