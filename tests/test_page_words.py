"""The "pieces / words" toggle on the shipped models (pretrained/): Decode, Compare and Beam
search show an en-fr sentence both ways, with the exact word labels; zh-en merges its target only; a
character task has no toggle; the toggle and its rule in Chinese.

"The teachers were unhappy." decodes (greedy, en-fr/general) as "Les professeurs étaient malheureux.":
source pieces ▁The ▁teacher s ▁were ▁unhappy . </s> (7 → 6 words), target pieces ▁Les ▁professeur s
▁étaient ▁mal heure ux . </s> (9 → 6 words).
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from explorer.figures import svg_heatmap
from explorer.state import keys
from tests.app_fixtures import PAGE_TIMEOUT, ROOT, ok, point_app_at, report_step, view_key

SENTENCE = "The teachers were unhappy."
# The pieces' labels as the page shows them by default: SentencePiece's "▁" written as the word-start dot "·"
SOURCE_PIECES = ["01 ·The", "02 ·teacher", "03 s", "04 ·were", "05 ·unhappy", "06 .", "07 </s>"]
TARGET_PIECES = ["01 ·Les", "02 ·professeur", "03 s", "04 ·étaient", "05 ·mal", "06 heure", "07 ux", "08 .", "09 </s>"]
SOURCE_WORDS = ["01 The", "02 teachers", "03 were", "04 unhappy", "05 .", "06 </s>"]
TARGET_WORDS = ["01 Les", "02 professeurs", "03 étaient", "04 malheureux", "05 .", "06 </s>"]


@pytest.fixture(autouse=True)
def shipped(monkeypatch):
    return point_app_at(monkeypatch, ROOT / "pretrained")


def open_page(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=PAGE_TIMEOUT)
    at.query_params.update(query)
    return ok(at.run())


def svg(at: AppTest) -> dict:
    """The Decode heatmap's data, its labels uncut (the axis cuts labels past 12 columns: "02 profess…")."""
    (stepper,) = [
        json.loads(el.proto.json)
        for el in at.get("bidi_component")
        if el.proto.component_name == svg_heatmap.COMPONENT_NAME
    ]
    found = stepper["heatmap"]  # the stepper's heatmap
    return {**found, "source": found["source_full"], "target": found["target_full"], "axis": found["target"]}


def plotly_heatmaps(at: AppTest) -> dict[str, dict]:
    """title -> the heatmap trace of every plotly heatmap on the page."""
    found = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        if spec["data"] and spec["data"][0]["type"] == "heatmap":
            found[(spec["layout"].get("title") or {}).get("text")] = spec["data"][0]
    return found


def unescaped(labels) -> list[str]:
    return [x.replace("&lt;", "<").replace("&gt;", ">") for x in labels]


def test_decode_shows_the_sentence_in_pieces_then_in_words():
    at = open_page("1_Decode.py", task="en-fr", scorer="general", sentence=SENTENCE, step="9")
    data = svg(at)
    assert (data["source"], data["target"], data["step"]) == (SOURCE_PIECES, TARGET_PIECES, 9)
    assert data["follow"] is True and data["cell_notes"] is None and "units" not in at.query_params
    toggle = at.segmented_control(key="decode_units")
    assert toggle.label == "Heatmap in" and toggle.value == "pieces" and toggle.options == ["pieces", "words"]

    ok(toggle.set_value("words").run())
    data = svg(at)
    assert (data["source"], data["target"], data["step"]) == (SOURCE_WORDS, TARGET_WORDS, 6)
    assert (
        at.query_params["units"] == "words" and at.session_state["_view"].units == "words"
    )  # the view every page shares
    assert data["axis"][1] == "02 professeurs"  # whole on the axis: nothing a class reads is cut
    assert data["follow"] is False  # a step adds a piece, not always a word row: the server draws it
    # the weights: teachers = ▁teacher + s (summed); malheureux = mean of ▁mal, heure, ux's rows
    pieces = at.session_state[keys.TRACE]["data"].attention
    want = sum(pieces[t][1] + pieces[t][2] for t in (4, 5, 6)) / 3
    assert data["attention"][3][1] == pytest.approx(want, abs=1e-4)
    assert [sum(row) for row in data["attention"]] == pytest.approx([1.0] * 6, abs=1e-3)
    assert data["target_hover"][3] == "04 malheureux\npieces: ▁mal + heure + ux"
    assert data["source_hover"][1] == "02 teachers\npieces: ▁teacher + s"
    lines = data["cell_notes"][3][1].split("\n")
    assert lines[0].startswith("source pieces: ▁teacher ") and " · s " in lines[0]
    assert lines[1].startswith("target pieces: ▁mal ") and " · heure " in lines[1] and " · ux " in lines[1]
    assert any(c.value.startswith("Words: a new word starts at a piece beginning with ▁") for c in at.caption)

    ok(at.segmented_control(key="decode_units").set_value("pieces").run())
    assert (svg(at)["source"], svg(at)["target"]) == (SOURCE_PIECES, TARGET_PIECES)
    assert "units" not in at.query_params


def test_decode_in_words_while_stepping_shows_the_word_being_written():
    at = open_page("1_Decode.py", task="en-fr", scorer="general", sentence=SENTENCE, step="6", units="words")
    assert at.segmented_control(key="decode_units").value == "words"
    data = svg(at)  # ▁mal heure shown, ux not yet: the row reads "malheure" and is the mean of two rows
    assert data["step"] == 4 and data["target"] == [
        "01 Les",
        "02 professeurs",
        "03 étaient",
        "04 malheure",
        "05 .",
        "06 </s>",
    ]
    pieces = at.session_state[keys.TRACE]["data"].attention
    assert data["attention"][3][0] == pytest.approx((pieces[4][0] + pieces[5][0]) / 2, abs=1e-4)
    assert report_step(at, 7)  # a Step in the browser: the words view's rows come from the server's run
    ok(at.run())
    assert svg(at)["step"] == 4 and svg(at)["target"][3] == "04 malheureux"
    assert report_step(at, 8)
    ok(at.run())
    assert svg(at)["step"] == 5 and at.query_params["step"] == "8" and at.query_params["units"] == "words"
    # the plotly tab follows the toggle
    at.session_state[keys.DECODE_TABS] = "Interactive heatmap"
    trace = plotly_heatmaps(ok(at.run()))[None]
    assert unescaped(trace["x"]) == SOURCE_WORDS and unescaped(trace["y"]) == TARGET_WORDS[:5]


def test_compare_shows_every_scorer_in_words():
    at = open_page("2_Compare.py", task="en-fr", sentence=SENTENCE)
    general = plotly_heatmaps(at)["general"]
    assert (unescaped(general["x"]), unescaped(general["y"])) == (SOURCE_PIECES, TARGET_PIECES)
    ok(at.segmented_control(key=view_key(at, "cmp", "units")).set_value("words").run())
    assert at.query_params["units"] == "words"
    found = plotly_heatmaps(at)
    general = found["general"]
    assert (unescaped(general["x"]), unescaped(general["y"])) == (SOURCE_WORDS, TARGET_WORDS)
    assert general["customdata"][3][1][2].startswith("source pieces: ▁teacher ")
    assert all(unescaped(trace["x"]) == SOURCE_WORDS for trace in found.values())  # the difference too
    assert any(c.value.startswith("Words: a new word starts") for c in at.caption)


def test_beam_search_shows_the_hypothesis_in_words():
    at = open_page("4_Beam_search.py", task="en-fr", scorer="general", sentence=SENTENCE, units="words")
    (trace,) = plotly_heatmaps(at).values()
    assert unescaped(trace["x"]) == SOURCE_WORDS and unescaped(trace["y"]) == TARGET_WORDS
    assert at.query_params["units"] == "words"
    ok(at.segmented_control(key=view_key(at, "beam", "units")).set_value("pieces").run())
    (trace,) = plotly_heatmaps(at).values()
    assert unescaped(trace["x"]) == SOURCE_PIECES and unescaped(trace["y"]) == TARGET_PIECES
    assert "units" not in at.query_params


def test_zh_en_merges_its_target_only():
    at = open_page("1_Decode.py", task="zh-en", scorer="concat", sentence="我明天去北京。", step="9", units="words")
    data = svg(at)
    assert data["source"] == ["01 我", "02 明", "03 天", "04 去", "05 北", "06 京", "07 。", "08 </s>"]
    # "I'll go to Beijing tomorrow.": the apostrophe is punctuation, kept apart like "."
    target = ["01 I", "02 '", "03 ll", "04 go", "05 to", "06 Beijing", "07 tomorrow", "08 .", "09 </s>"]
    assert data["target"] == target
    assert data["source_hover"] == data["source_full"] and data["target_hover"][0] == "01 I\npieces: ▁I"
    assert data["cell_notes"][0][0].startswith("target pieces: ▁I ") and "source pieces" not in data["cell_notes"][0][0]
    assert any(c.value.endswith("the source characters stay as they are. A target word's row is the mean of its "
                                "pieces' rows, so every row still sums to 1. Hover a cell for the pieces and their "
                                "own weights.") for c in at.caption)  # fmt: skip


def test_a_character_task_has_no_toggle_and_drops_units_from_its_link():
    at = open_page("1_Decode.py", task="reverse", scorer="general", sentence="abc", step="2", units="words")
    assert not [s for s in at.get("segmented_control") if s.key == "decode_units"]
    assert svg(at)["source"] == ["01 a", "02 b", "03 c", "04 </s>"] and "units" not in at.query_params
    at = open_page("4_Beam_search.py", task="dates", scorer="general", units="words")
    assert (
        not [s for s in at.get("segmented_control") if s.key == view_key(at, "beam", "units")]
        and "units" not in at.query_params
    )


def test_the_toggle_and_its_rule_in_chinese():
    at = open_page("1_Decode.py", lang="zh", task="en-fr", scorer="general", sentence=SENTENCE, step="9", units="words")
    toggle = at.segmented_control(key="decode_units")
    assert toggle.label == "热力图显示" and toggle.options == ["子词", "词"] and toggle.value == "words"
    assert svg(at)["target"] == TARGET_WORDS and svg(at)["target_hover"][3] == "04 malheureux\n子词：▁mal + heure + ux"
    assert svg(at)["cell_notes"][3][1].startswith("源子词：▁teacher ")
    assert any(c.value.startswith("单词：以 ▁（SentencePiece 的词首标记）开头的子词开始一个新单词") for c in at.caption)
    at = open_page("2_Compare.py", lang="zh", task="en-fr", sentence=SENTENCE, units="words")
    assert at.segmented_control(key=view_key(at, "cmp", "units")).options == ["子词", "词"]
    assert unescaped(plotly_heatmaps(at)["general"]["y"]) == TARGET_WORDS
