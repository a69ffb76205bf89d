"""Home's live example, in each language, is the first thing a class sees: every row of its heatmap must
look at the right word. For each language the test takes the example Home opens on (task, scorer and
sentence, as explorer.views.home chooses them from the shipped registry), decodes it with that model and
checks row by row that the strongest column is the source word the target word translates (a dictionary
alignment written below; the end token may look at the final stop or at </s>)."""

from __future__ import annotations

import pytest

from explorer.state import catalog
from explorer.views import home
from seq2seq.checkpoint import load_model

END = "</s>"
# sentence -> (the greedy output it must have, target word -> the source word it translates)
ALIGNED = {
    "I am tired.": ("Je suis fatigué.", {"Je": "I", "suis": "am", "fatigué": "tired", ".": "."}),
    "我爱你。": ("I love you.", {"I": "我", "love": "爱", "you": "你", ".": "。"}),
}


def _word(piece: str) -> str:
    return piece.removeprefix("\u2581")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_homes_example_looks_at_the_right_word_in_every_row(lang):
    available = catalog.available()
    chosen = home.first_example(
        lang,
        available,
        catalog.default_sentences(available),
        catalog.first_screens(available),
        catalog.first_screen_scorers(available),
    )
    assert chosen is not None
    task, scorer, sentence = chosen
    assert (task, lang) in {("en-fr", "en"), ("zh-en", "zh")}
    output, aligned = ALIGNED[sentence]
    trace = load_model(catalog.model_for(task, scorer).name).greedy(sentence)
    assert trace.output == output
    source = [_word(s) for s in trace.source_tokens]
    for t, piece in enumerate(trace.target_tokens):
        row = trace.attention[t]
        strongest = source[max(range(len(row)), key=row.__getitem__)]
        wanted = {source[-2], END} if piece == END else {aligned[_word(piece)]}
        assert strongest in wanted, f"{task}/{scorer} {sentence!r}: row {t + 1} {piece!r} looks at {strongest!r}"


def test_the_english_example_is_not_one_a_default_model_gets_wrong():
    """Why en-fr names its scorer: under the default (general) "Je" looks at "you" in "I love you." and at
    "am" in "I am tired."; the named scorer is among the shipped ones."""
    assert catalog.first_screen_scorers(["en-fr", "zh-en"]) == {"en-fr": "scaled_dot", "zh-en": "scaled_dot"}
    trace = load_model(catalog.model_for("en-fr", "general").name).greedy("I am tired.")
    row = trace.attention[0]
    assert _word(trace.source_tokens[max(range(len(row)), key=row.__getitem__)]) == "am"
