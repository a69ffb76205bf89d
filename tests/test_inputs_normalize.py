"""Unicode normalization of what users type: NFKC for the character tasks, NFC for subwords.

NFD "café" (e + a combining accent) and NFC "café" must read alike, and a full-width "９" like "9",
in the step API, every decoding strategy, the CLI and the pages (which say the text changed).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.state import keys
from explorer.ui.common.markdown import escape_markdown
from explorer.views import input_notes
from seq2seq import cli
from seq2seq.checkpoint import load_model
from seq2seq.tokenizers import CharTokenizer
from tests.app_fixtures import point_app_at

ROOT = Path(__file__).resolve().parents[1]
NFC_CAFE, NFD_CAFE = "café", unicodedata.normalize("NFD", "café")
FULL_WIDTH, PLAIN = "９ may 2018", "9 may 2018"


@pytest.fixture(scope="module")
def dates():
    return load_model("dates/general")


@pytest.fixture(scope="module")
def en_fr():
    return load_model("en-fr/general")


def test_the_two_cafes_differ_as_typed():
    assert NFD_CAFE != NFC_CAFE and len(NFD_CAFE) == 5 and len(NFC_CAFE) == 4


def test_tokenizers_name_their_rule(en_fr):
    chars = CharTokenizer("abc9")
    assert chars.normalize(FULL_WIDTH) == PLAIN  # NFKC folds the full-width digit
    assert chars.normalize("\ufb01") == "fi"  # and the ligature
    assert chars.normalize(NFD_CAFE) == NFC_CAFE
    subwords = en_fr.source_tokenizer
    assert subwords.normalize(NFD_CAFE) == NFC_CAFE  # NFC composes the accent
    assert subwords.normalize(FULL_WIDTH) == FULL_WIDTH  # and keeps compatibility forms as typed
    assert chars.normalize("a\ud800b") == "a\ud800b"  # a lone surrogate passes through, never raises


def test_nfd_and_nfc_cafe_give_the_same_ids(en_fr, dates):
    for translator in (en_fr, dates):
        assert translator.encode_source(NFD_CAFE) == translator.encode_source(NFC_CAFE)
        assert translator.normalize(NFD_CAFE) == NFC_CAFE
    assert en_fr.unknown_characters(NFD_CAFE) == en_fr.unknown_characters(NFC_CAFE) == []
    state = en_fr.start(f"Le {NFD_CAFE} est chaud.")
    assert state.source_text == f"Le {NFC_CAFE} est chaud."  # the state holds the text the model read


def test_full_width_date_reads_as_the_plain_one(dates):
    plain = dates.greedy(PLAIN)
    assert plain.output == "2018-05-09"
    for strategy in (
        lambda t: dates.greedy(t),
        lambda t: dates.beam(t, width=3),
        lambda t: dates.sample(t, temperature=0.7, seed=3),
        lambda t: dates.force(t, "2018-05-09"),
    ):
        typed, expected = strategy(FULL_WIDTH), strategy(PLAIN)
        assert typed.to_json() == expected.to_json()
        assert typed.source_text == PLAIN
    assert dates.translate_batch([FULL_WIDTH, PLAIN]) == ["2018-05-09", "2018-05-09"]
    assert dates.translate_batch([FULL_WIDTH], beam=2) == ["2018-05-09"]
    assert dates.unknown_characters(FULL_WIDTH) == []  # "９" is read as "9", which the model knows


def test_cli_decodes_the_normalized_text(capsys):
    outputs = []
    for text in (FULL_WIDTH, PLAIN):
        assert cli.main(["decode", "--model", "dates/general", "--json", text]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    assert outputs[0]["source"] == PLAIN and outputs[0]["output"] == "2018-05-09"


def test_input_notes_say_the_text_was_normalised(dates):
    notes = input_notes.input_notes(FULL_WIDTH, dates)
    assert notes == ["Your text was normalised to “9 may 2018”: the same text in the Unicode form the model reads."]
    assert input_notes.input_notes(PLAIN, dates) == []
    # beside the unknown-character note, normalised first
    notes = input_notes.input_notes("９ may 2018 €", dates)
    assert len(notes) == 2 and notes[0].startswith("Your text was normalised to “9 may 2018 €”")
    assert notes[1] == "Not in this model's vocabulary, decoded as the unknown token <unk>: '€'"


def test_decode_page_shows_the_normalisation_note(monkeypatch):
    point_app_at(monkeypatch, ROOT / "pretrained")
    at = AppTest.from_file(str(ROOT / "app_pages" / "1_Decode.py"), default_timeout=60)
    at.query_params.update(task="dates", scorer="general", sentence=FULL_WIDTH)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    note = "Your text was normalised to “9 may 2018”: the same text in the Unicode form the model reads."
    assert [w.value for w in at.warning] == [escape_markdown(note)]
    assert at.session_state[keys.TRACE]["data"].output == "2018-05-09"


@pytest.mark.parametrize("page", ["2_Compare.py", "3_Hidden_states.py", "4_Beam_search.py"])
def test_the_other_pages_show_the_normalisation_note(monkeypatch, page):
    point_app_at(monkeypatch, ROOT / "pretrained")
    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=60)
    at.query_params.update(task="dates", scorer="general", sentence=FULL_WIDTH)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    note = "Your text was normalised to “9 may 2018”: the same text in the Unicode form the model reads."
    assert escape_markdown(note) in [w.value for w in at.warning]
