"""Words, not pieces: SentencePiece pieces merged into words, on hand-made pieces and matrices.

The equations (explorer.views.words): W[j][i] = (1/|t_j|) Σ_{t ∈ t_j} Σ_{s ∈ s_i} A[t][s]; the values
below are worked out by hand.
"""

from __future__ import annotations

import json

import pytest

from explorer import i18n
from explorer.figures import heatmaps, svg_heatmap
from explorer.state.view import link_params, parse_query
from explorer.views import words

AVAILABLE = {"en-fr": ["general"], "reverse": ["general"]}
EXAMPLES = {"en-fr": "I am cold.", "reverse": "abc"}


def spans(pieces):
    return [(w.text, w.pieces, w.start, w.kind) for w in words.group(pieces)]


# -- grouping ------------------------------------------------------------------------------------
def test_words_start_at_the_marker_and_continue_without_it():
    assert spans(["▁Les", "▁enfants", "▁joue", "nt", "▁dehors", ".", "</s>"]) == [
        ("Les", ("▁Les",), 0, "word"),
        ("enfants", ("▁enfants",), 1, "word"),
        ("jouent", ("▁joue", "nt"), 2, "word"),
        ("dehors", ("▁dehors",), 4, "word"),
        (".", (".",), 5, "punct"),
        ("</s>", ("</s>",), 6, "special"),
    ]
    # three pieces, one word; the boundaries are exact: the next word starts at the next marker
    assert [w.text for w in words.group(["▁mal", "heure", "ux", "▁et", "▁triste"])] == ["malheureux", "et", "triste"]
    assert [list(w.indices) for w in words.group(["▁mal", "heure", "ux", "▁et"])] == [[0, 1, 2], [3]]


def test_punctuation_is_a_word_of_its_own_and_the_piece_after_it_starts_one():
    assert [w.text for w in words.group(["▁grand", "-", "mère", "▁est", "▁belle", "."])] == [
        "grand", "-", "mère", "est", "belle", ".",
    ]  # fmt: skip
    assert [w.text for w in words.group(["▁did", "n", "'", "t", "▁go"])] == ["didn", "'", "t", "go"]
    # with the marker before it, or several punctuation characters, still punctuation
    assert spans(["▁«", "▁Bon", "jour", "▁!?"]) == [
        ("«", ("▁«",), 0, "punct"),
        ("Bonjour", ("▁Bon", "jour"), 1, "word"),
        ("!?", ("▁!?",), 3, "punct"),
    ]


@pytest.mark.parametrize("piece", [".", ",", "'", "-", "«", "»", "…", "。", "，", "▁.", "!?", "%", "(", '"'])
def test_punctuation_is_unicode_category_p(piece):
    assert words.is_punctuation(piece)


@pytest.mark.parametrize("piece", ["▁", "", "a.", "▁a", "$", "+", "3", "é", "</s>"])
def test_letters_digits_symbols_and_the_bare_marker_are_not_punctuation(piece):
    assert not words.is_punctuation(piece)


def test_special_tokens_stay_alone_even_inside_a_word():
    assert spans(["▁caf", "<unk>", "s", "▁ok", "</s>"]) == [
        ("caf", ("▁caf",), 0, "word"),
        ("<unk>", ("<unk>",), 1, "special"),
        ("s", ("s",), 2, "word"),
        ("ok", ("▁ok",), 3, "word"),
        ("</s>", ("</s>",), 4, "special"),
    ]


def test_a_bare_marker_belongs_to_the_word_after_it():
    assert spans(["▁", "3", "0", "▁", "«", "▁x", "▁"]) == [
        ("30", ("▁", "3", "0"), 0, "word"),
        ("«", ("▁", "«"), 3, "punct"),
        ("x", ("▁x",), 5, "word"),
        ("▁", ("▁",), 6, "word"),  # last: a word of its own, its label the marker
    ]
    assert spans(["▁", "</s>"]) == [("▁", ("▁",), 0, "word"), ("</s>", ("</s>",), 1, "special")]


def test_a_first_piece_without_marker_starts_a_word_and_pieces_come_back_whole():
    pieces = ["ab", "c", "▁d", "'", "e", "f", "</s>"]
    found = words.group(pieces)
    assert [w.text for w in found] == ["abc", "d", "'", "ef", "</s>"]
    assert [p for w in found for p in w.pieces] == pieces
    assert words.group([]) == []


def test_singles_keep_one_word_per_character():
    assert [(w.text, w.start, w.kind) for w in words.singles(["我", "们", "</s>"])] == [
        ("我", 0, "word"), ("们", 1, "word"), ("</s>", 2, "special"),
    ]  # fmt: skip


# -- merging -------------------------------------------------------------------------------------
SOURCE = ["▁the", "▁teach", "er", "s", ".", "</s>"]  # words: the | teachers | . | </s>
TARGET = ["▁les", "▁prof", "s", "</s>"]  # words: les | profs | </s>
A = [  # (4, 6), rows sum to 1
    [0.7, 0.1, 0.05, 0.05, 0.05, 0.05],
    [0.1, 0.4, 0.2, 0.1, 0.1, 0.1],
    [0.0, 0.2, 0.2, 0.4, 0.1, 0.1],
    [0.0, 0.0, 0.0, 0.0, 0.2, 0.8],
]


def test_a_source_word_spanning_pieces_has_their_summed_weight_and_target_rows_are_means():
    grid = words.grid(SOURCE, TARGET, A, True, True)
    assert grid.source_labels == ["the", "teachers", ".", "</s>"]
    assert grid.target_labels == ["les", "profs", "</s>"]
    expected = [
        [0.7, 0.2, 0.05, 0.05],  # one piece: teachers = 0.1 + 0.05 + 0.05
        [0.05, 0.75, 0.1, 0.1],  # profs = mean of ▁prof (0.1, 0.7, 0.1, 0.1) and s (0.0, 0.8, 0.1, 0.1)
        [0.0, 0.0, 0.2, 0.8],
    ]
    for row, want in zip(grid.attention, expected, strict=True):
        assert row == pytest.approx(want, abs=1e-12)
    assert [sum(row) for row in grid.attention] == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)


def test_rows_still_sum_to_one_on_a_random_matrix():
    import random

    rng = random.Random(7)
    source = ["▁a", "b", "▁c", ",", "▁d", "e", "f", "</s>"]
    target = ["▁x", "y", "z", "▁w", ".", "▁v", "</s>"]
    rows = []
    for _t in target:
        raw = [rng.random() for _s in source]
        rows.append([v / sum(raw) for v in raw])
    grid = words.grid(source, target, rows, True, True)
    assert (len(grid.target), len(grid.source)) == (5, 5)
    assert [sum(r) for r in grid.attention] == pytest.approx([1.0] * 5, abs=1e-12)
    # the merged matrix of one side is the other merge's too: source only, then target only
    only_source = words.grid(source, target, rows, True, False)
    assert only_source.target_labels == target and only_source.source_labels == ["ab", "c", ",", "def", "</s>"]
    assert [sum(r) for r in only_source.attention] == pytest.approx([1.0] * 7, abs=1e-12)


def test_characters_stay_as_they_are():
    rows = [[0.5, 0.5], [0.25, 0.75]]
    grid = words.grid(["a", "b"], ["c", "d"], rows, False, False)
    assert grid.attention == rows and grid.source_labels == ["a", "b"] and grid.target_labels == ["c", "d"]


def test_merge_refuses_words_that_do_not_cover_the_matrix():
    with pytest.raises(ValueError, match="span 3 pieces"):
        words.merge([[1.0]], words.singles(["a"]), words.singles(["x", "y", "z"]))
    with pytest.raises(ValueError, match="row 0 has 1 weights"):
        words.merge([[1.0]], words.singles(["a", "b"]), words.singles(["x"]))


def test_the_hover_gives_every_piece_its_own_weight():
    grid = words.grid(SOURCE, TARGET, A, True, True)
    source_weights, target_weights = words.cell_pieces(A, grid.source, grid.target, 1, 1)  # profs <- teachers
    # source pieces: mean over ▁prof and s of each column; they sum to the cell's 0.75
    assert [p for p, _w in source_weights] == ["▁teach", "er", "s"]
    assert [w for _p, w in source_weights] == pytest.approx([0.3, 0.2, 0.25], abs=1e-12)
    # target pieces: each row summed over the word's columns; their mean is 0.75
    assert target_weights == [("▁prof", pytest.approx(0.7)), ("s", pytest.approx(0.8))]
    with i18n.using("en"):
        assert grid.cell_lines(1, 1) == [
            "source pieces: ▁teach 0.300 · er 0.200 · s 0.250",
            "target pieces: ▁prof 0.700 · s 0.800",
        ]
        assert (
            grid.notes("<br>")[1][1]
            == "source pieces: ▁teach 0.300 · er 0.200 · s 0.250<br>target pieces: ▁prof 0.700 · s 0.800"
        )
        assert words.piece_titles(grid.source)[1] == "pieces: ▁teach + er + s"
        # zh-en: the source is characters, only the target's pieces are listed
        chars = words.grid(["我", "们", "</s>"], TARGET, [r[:3] for r in A], False, True)
        assert chars.cell_lines(1, 0) == ["target pieces: ▁prof 0.100 · s 0.000"]
    with i18n.using("zh"):
        assert grid.cell_lines(0, 0) == ["源子词：▁the 0.700", "目标子词：▁les 0.700"]


def test_while_stepping_a_word_being_written_is_the_mean_of_its_pieces_so_far():
    grid, rows = words.words_at_step(SOURCE, TARGET, A, 2, True, True)  # ▁les ▁prof shown, s not yet
    assert rows == 2
    assert grid.target_labels == ["les", "prof", "</s>"]  # the frame keeps every word of the decode
    assert grid.attention[1] == pytest.approx([0.1, 0.7, 0.1, 0.1], abs=1e-12)  # ▁prof's row alone
    assert grid.cell_lines(1, 1)[1] == "target pieces: ▁prof 0.700"
    grid, rows = words.words_at_step(SOURCE, TARGET, A, 3, True, True)
    assert rows == 2 and grid.target_labels[1] == "profs"
    assert grid.attention[1] == pytest.approx([0.05, 0.75, 0.1, 0.1], abs=1e-12)
    assert words.words_at_step(SOURCE, TARGET, A, 0, True, True)[1] == 0
    assert words.words_at_step(SOURCE, TARGET, A, 99, True, True)[1] == 3


def test_the_rule_names_the_sides_merged():
    with i18n.using("en"):
        assert "a target word's row is the mean of its pieces' rows" in words.rule((True, True))
        assert "A source word's weight is the sum over its pieces" in words.rule((True, True))
        assert "the source characters stay as they are" in words.rule((False, True))
        assert words.rule((False, False)) == ""
    with i18n.using("zh"):
        assert "源字符保持不变" in words.rule((False, True))


def test_only_sentencepiece_sides_merge():
    assert words.subword_sides("sentencepiece", "sentencepiece") == (True, True)
    assert words.subword_sides("zh-char", "sentencepiece") == (False, True)
    assert words.subword_sides("char", "char") == (False, False)


# -- the view and its link -----------------------------------------------------------------------
def test_units_words_rides_in_the_links_of_decode_compare_and_beam():
    view = parse_query({"task": "en-fr", "units": "words"}, AVAILABLE, EXAMPLES)
    assert view.units == "words" and not view.notes
    assert link_params(view, "decode")["units"] == "words"
    assert link_params(view, "compare") == {"task": "en-fr", "sentence": "I am cold.", "units": "words"}
    assert link_params(view, "beam")["units"] == "words"
    assert "units" not in link_params(view, "lab")
    pieces = parse_query({"task": "en-fr", "units": "pieces"}, AVAILABLE, EXAMPLES)
    assert pieces.units == "" and "units" not in link_params(pieces, "decode") and not pieces.notes
    with i18n.using("en"):
        odd = parse_query({"task": "en-fr", "units": "<b>letters</b>"}, AVAILABLE, EXAMPLES)
    assert odd.units == "" and odd.notes == ("Unknown units '<b>letters</b>'; showing pieces.",)


# -- the figures take the words view's hover -----------------------------------------------------
def test_the_svg_payload_carries_the_pieces_as_data():
    grid, rows = words.words_at_step(SOURCE, TARGET, A, 3, True, True)
    with i18n.using("en"):
        notes, titles = grid.notes("\n"), words.piece_titles(grid.target)
        data = svg_heatmap.payload(
            grid.source_labels, grid.target_labels, grid.attention, None, rows,
            cell_notes=notes, target_titles=titles, follow=False,
        )  # fmt: skip
    assert data["target"] == ["01 les", "02 profs", "03 </s>"]
    assert data["step"] == 2 and data["follow"] is False
    assert (
        data["cell_notes"][1][1]
        == "source pieces: ▁teach 0.300 · er 0.200 · s 0.250\ntarget pieces: ▁prof 0.700 · s 0.800"
    )
    assert data["target_hover"][1] == "02 profs\npieces: ▁prof + s"
    assert data["source_hover"] == data["source_full"]  # no titles given: the label alone
    json.dumps(data)  # plain data
    with pytest.raises(ValueError, match="shape"):
        svg_heatmap.payload(grid.source_labels, grid.target_labels, grid.attention, cell_notes=notes[:1])
    plain = svg_heatmap.payload(["a"], ["b"], [[1.0]])
    assert plain["cell_notes"] is None and plain["follow"] is True


def test_the_plotly_heatmap_adds_the_pieces_to_its_hover():
    grid = words.grid(SOURCE, TARGET, A, True, True)
    with i18n.using("en"):
        figure = heatmaps.attention_heatmap(
            grid.source_labels, grid.target_labels, grid.attention, cell_notes=grid.notes()
        )
    trace = figure.data[0]
    assert list(trace.x) == ["01 the", "02 teachers", "03 .", "04 &lt;/s&gt;"]
    assert trace.hovertemplate.endswith("<br>%{customdata[2]}<extra></extra>")
    assert (
        trace.customdata[1][1][2]
        == "source pieces: ▁teach 0.300 · er 0.200 · s 0.250<br>target pieces: ▁prof 0.700 · s 0.800"
    )
    with pytest.raises(ValueError, match="shape"):
        heatmaps.attention_heatmap(grid.source_labels, grid.target_labels, grid.attention, cell_notes=[["x"]])
