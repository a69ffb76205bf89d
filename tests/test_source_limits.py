"""Source-length limits: location takes only the lengths it was trained on; every other scorer takes
sources up to MAX_SOURCE_TOKENS, with a note beyond the trained length."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.state import keys
from explorer.ui.common.markdown import escape_markdown
from explorer.views import input_notes
from seq2seq import cli
from seq2seq.checkpoint import load_model
from seq2seq.decoding import MAX_SOURCE_TOKENS, InputError
from seq2seq.registry import registry
from tests.app_fixtures import point_app_at

ROOT = Path(__file__).resolve().parents[1]
# Short words: 120 tokens fit in a link's 500 characters.
WORDS = "Where is the station ? I go to the bar , we eat an egg .".split()
TRAINED = 23  # en-fr: --max-len 24 ids, </s> included; config.json has no trained_source_len


@pytest.fixture(scope="module")
def general():
    return load_model("en-fr/general")


@pytest.fixture(scope="module")
def location():
    return load_model("en-fr/location")


def sentence_of(translator, tokens: int) -> str:
    """The first run of WORDS (repeated) that the model reads as exactly `tokens` source tokens."""
    words = WORDS * (tokens // len(WORDS) + 2)
    for n in range(1, len(words) + 1):
        text = " ".join(words[:n])
        if len(translator.source_tokenizer.encode(text)) == tokens:
            return text
    raise AssertionError(f"no run of WORDS is {tokens} tokens long")


def location_refusal(length: int) -> str:
    return (
        "location attention learns one weight per source position and this model was trained on sources "
        f"of at most {TRAINED} tokens; this one has {length}"
    )


def test_limits_of_the_shipped_models(general, location):
    assert general.trained_source_len == location.trained_source_len == TRAINED
    assert general.source_limit == MAX_SOURCE_TOKENS >= 100
    assert location.source_limit == TRAINED


def test_a_long_source_decodes_with_a_scorer_that_has_no_positions(general):
    text = sentence_of(general, 120)
    assert general.beyond_training(text)
    trace = general.greedy(text)
    assert len(trace.source_tokens) == 121  # </s> included
    assert len(trace.attention[0]) == 121 and sum(trace.attention[0]) == pytest.approx(1.0, abs=1e-5)
    assert general.translate_batch([text]) == [trace.output]
    with pytest.raises(InputError, match=f"takes at most {MAX_SOURCE_TOKENS}"):
        general.start(sentence_of(general, MAX_SOURCE_TOKENS + 1))


def test_location_takes_exactly_its_trained_lengths(location):
    location.greedy(sentence_of(location, TRAINED))
    assert not location.beyond_training(sentence_of(location, TRAINED))
    for length in (TRAINED + 1, 25):
        with pytest.raises(InputError) as refusal:
            location.start(sentence_of(location, length))
        assert str(refusal.value) == location_refusal(length)


def test_the_note_says_quality_drops_beyond_the_trained_length(general, location):
    text = sentence_of(general, 120)
    note = (
        f"This sentence is 120 tokens long and this model was trained on sources of at most {TRAINED} tokens: "
        "expect lower quality beyond that length."
    )
    assert input_notes.input_notes(text, general) == [note]
    assert input_notes.input_notes(sentence_of(general, TRAINED), general) == []
    assert input_notes.input_notes(text, location) == []  # refused, not noted: the refusal says why


def test_cli_decode_prints_the_refusal_in_one_line(location, capsys):
    text = sentence_of(location, 25)
    assert cli.main(["decode", "--model", "en-fr/location", text]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: {location_refusal(25)}\n"


def test_cli_translate_takes_any_line_up_to_the_bound(general, location, capsys, monkeypatch):
    lines = ["Where is the station ?", sentence_of(general, 120)]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))
    assert cli.main(["translate", "--model", "en-fr/general"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.splitlines() == general.translate_batch(lines)
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))
    assert cli.main(["translate", "--model", "en-fr/location"]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines()[1] == ""
    limit = f"over the model's limit of {TRAINED} source tokens"
    assert err == f"error: translate: line 2 is {limit}; its output line is empty\n"


def run_decode(monkeypatch, scorer: str, sentence: str) -> AppTest:
    point_app_at(monkeypatch, ROOT / "pretrained")
    at = AppTest.from_file(str(ROOT / "app_pages" / "1_Decode.py"), default_timeout=60)
    at.query_params.update(task="en-fr", scorer=scorer, sentence=sentence)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_decode_page_notes_a_source_beyond_the_trained_length(monkeypatch, general):
    text = sentence_of(general, 120)
    at = run_decode(monkeypatch, "general", text)
    (note,) = input_notes.input_notes(text, general)
    assert [w.value for w in at.warning] == [escape_markdown(note)]
    assert at.session_state[keys.TRACE]["data"].source_tokens[-1] == "</s>"


def test_decode_page_shows_the_location_refusal(monkeypatch, location):
    at = run_decode(monkeypatch, "location", sentence_of(location, 25))
    assert [e.value for e in at.error] == [escape_markdown(f"Cannot decode this input: {location_refusal(25)}")]


# -- every shipped location model --------------------------------------------------------------------------
LOCATION_MODELS = [e.name for e in registry(ROOT / "pretrained") if e.scorer == "location"]
# The longest training source of each, in tokens: reverse draws strings of 1-30 characters; the
# longest of the 50,000 training dates is 29 characters; en-fr's --max-len 24 counts </s>.
# zh-en's --max-len 32 counts </s> too.
TRAINED_LENGTHS = {"reverse/location": 30, "dates/location": 29, "en-fr/location": TRAINED, "zh-en/location": 31}


@pytest.mark.parametrize("name", LOCATION_MODELS)
def test_every_shipped_location_model_takes_exactly_its_trained_lengths(name):
    model = load_model(name)
    limit = model.source_limit
    assert limit == model.trained_source_len == TRAINED_LENGTHS.get(name, limit)
    if model.config.trained_source_len:  # retrained since the limit was recorded: no weight row left untrained
        rows = next(v.shape[0] for k, v in model.model.state_dict().items() if k.endswith("W_a.weight"))
        assert rows == limit + 1  # one row per position, </s> included
    text = "a" * limit if model.metadata["task"] != "en-fr" else sentence_of(model, limit)
    longer = "a" * (limit + 1) if model.metadata["task"] != "en-fr" else sentence_of(model, limit + 1)
    model.greedy(text)
    with pytest.raises(InputError, match=f"trained on sources of at most {limit} tokens; this one has {limit + 1}$"):
        model.start(longer)
    card = (ROOT / "pretrained" / name / "README.md").read_text()  # the card states the same length
    assert f"Sources: at most {limit} tokens, the longest this model saw in training." in card


# -- every other shipped model: long inputs are decoded, with the note ------------------------------------
OTHER_MODELS = [e.name for e in registry(ROOT / "pretrained") if e.scorer != "location"]


def long_text(model, tokens: int) -> str:
    """A source of exactly `tokens` tokens for `model`, whatever its task."""
    task = model.metadata["task"]
    if task == "en-fr":
        return sentence_of(model, tokens)
    unit = "我爱你。" if task == "zh-en" else "ab"  # one token a character
    text = (unit * tokens)[:tokens]
    assert len(model.source_tokenizer.encode(text)) == tokens
    return text


@pytest.mark.parametrize("name", OTHER_MODELS)
def test_every_other_shipped_model_takes_120_tokens_with_a_note(name):
    model = load_model(name)
    assert model.source_limit >= 100
    text = long_text(model, 120)
    state = model.start(text)
    assert len(state.source_tokens) == 121  # </s> included
    step = model.step(state)
    if step.attention is not None:
        assert len(step.attention) == 121 and sum(step.attention) == pytest.approx(1.0, abs=1e-5)
    (note,) = input_notes.input_notes(text, model)
    assert "expect lower quality beyond that length" in note


@pytest.mark.parametrize(("name", "limit"), [("zh-en/concat", MAX_SOURCE_TOKENS), ("zh-en/location", 31)])
def test_cli_translate_takes_zh_en_lines_up_to_the_bound(name, limit, capsys, monkeypatch):
    """zh-en as en-fr: `translate` decodes every line up to the model's bound and refuses the next length."""
    empty = "its output line is empty"
    model = load_model(name)
    assert model.source_limit == limit
    lines = ["我爱你。", long_text(model, limit), long_text(model, limit + 1)]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(line + "\n" for line in lines)))
    assert cli.main(["translate", "--model", name]) == 2
    out, err = capsys.readouterr()
    first, longest, refused = out.splitlines()
    assert first == "I love you." and longest and refused == ""
    assert err == f"error: translate: line 3 is over the model's limit of {limit} source tokens; {empty}\n"
