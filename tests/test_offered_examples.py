"""An example the app or its docs offer to show attention opens on a model that shows it (issue 54).

- Every example link of docs/pages/ that names a translation model (Decode, Beam search): each row of that
  model's attention looks at the source word its target word translates (the dictionary alignments of
  tests/test_home_example.py; a link's sentence must have one).
- Every task's examples (Home's "Start here" and Decode's examples box open each on the scorer
  catalog.example_scorer names): each row peaks on the word it translates (en-fr, zh-en: a dictionary
  alignment written below), on its gold span (dates: the task's own rendering), on the mirror (reverse).
- The Compare page's example link (its scorers A and B, dot and general, side by side): row t
  looks at the character it copies, the mirror of t.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from explorer.state import catalog
from seq2seq.checkpoint import load_model
from seq2seq.scorers import default_scorer
from tests.test_home_example import ALIGNED, END, _word

DOCS = Path(__file__).resolve().parent.parent / "docs" / "pages"
LINK = re.compile(r"`/(Decode|Beam_search|Compare)\?([^`]+)`")


def doc_links() -> list[tuple[str, dict[str, str]]]:
    return [
        (m.group(1), dict(parse_qsl(m.group(2))))
        for f in sorted(DOCS.glob("*.md"))
        for m in LINK.finditer(f.read_text())
    ]


def _strongest(row) -> int:
    return max(range(len(row)), key=row.__getitem__)


def assert_reversed(name: str, sentence: str) -> None:
    trace = load_model(name).greedy(sentence)
    assert trace.output == sentence[::-1], name
    last = len(trace.source_tokens) - 2  # the last character before </s>
    for t in range(len(trace.target_tokens) - 1):  # the last row writes </s>
        assert _strongest(trace.attention[t]) == last - t, f"{name} {sentence!r}: row {t + 1}"


def test_the_docs_offer_examples_and_each_is_checked():
    pages = sorted(page for page, _query in doc_links())
    assert pages == ["Beam_search", "Compare", "Decode"]


@pytest.mark.parametrize(("page", "query"), doc_links(), ids=lambda v: v if isinstance(v, str) else v.get("sentence"))
def test_a_docs_example_link_opens_on_a_model_that_shows_it(page, query):
    task, sentence = query["task"], query["sentence"]
    if page == "Compare":  # every scorer side by side; A and B, the first two with attention, are compared
        assert task == "reverse"
        for scorer in ("dot", "general"):
            assert_reversed(catalog.model_for(task, scorer).name, sentence)
        return
    output, aligned = ALIGNED[sentence]
    trace = load_model(catalog.model_for(task, query["scorer"]).name).greedy(sentence)
    assert trace.output == output
    source = [_word(s) for s in trace.source_tokens]
    for t, piece in enumerate(trace.target_tokens):
        strongest = source[_strongest(trace.attention[t])]
        assert strongest in ({source[-2], END} if piece == END else {aligned[_word(piece)]}), (query, t, piece)


@pytest.mark.parametrize("sentence", catalog.task_examples("reverse"))
def test_the_reverse_examples_show_the_reversal_on_the_scorer_they_open_with(sentence):
    scorer = default_scorer(catalog.available()["reverse"])
    assert_reversed(catalog.model_for("reverse", scorer).name, sentence)


# Every example a task offers (Home's "Start here", Decode's examples box) opens on the scorer
# catalog.example_scorer names; on that scorer's shipped model each row must peak where the example says.
# sentence -> (the greedy output it must have, target word -> the source words it translates; a word of two
# characters, 喜欢 or 一只, may be looked at by either)
TRANSLATED = {
    "I am cold.": ("Je suis froid.", {"Je": {"I"}, "suis": {"am"}, "froid": {"cold"}, ".": {"."}}),
    "She has a red car.": (
        "Elle a une voiture rouge.",
        # the crossing: voiture looks at car, rouge at red
        {"Elle": {"She"}, "a": {"has"}, "une": {"a"}, "voiture": {"car"}, "rouge": {"red"}, ".": {"."}},
    ),
    "我爱你。": ("I love you.", {"I": {"我"}, "love": {"爱"}, "you": {"你"}, ".": {"。"}}),
    "我喜欢猫。": ("I like cats.", {"I": {"我"}, "like": {"喜", "欢"}, "cats": {"猫"}, ".": {"。"}}),
    "我有一只狗。": ("I have a dog.", {"I": {"我"}, "have": {"有"}, "a": {"一", "只"}, "dog": {"狗"}, ".": {"。"}}),
}
DATES = {"Wednesday, May 9, 2018": "2018-05-09", "31st of december 1999": "1999-12-31"}


def _date_gold(sentence: str, iso: str):
    """The gold alignment of a dates example: the task's own rendering of its date in the form that writes it."""
    import datetime
    import random

    from seq2seq.tasks import dates

    day = datetime.date.fromisoformat(iso)
    for form in dates.FORMS:
        for case in dates._CASES:
            for seed in range(4):  # the month's spelling (full or abbreviated) is drawn
                try:
                    example = dates.render(day, form, case, random.Random(seed))
                except ValueError:
                    continue
                if example.source == sentence:
                    return example
    raise AssertionError(f"{sentence!r} is in none of the dates task's forms")


OFFERED = [(task, sentence) for task in catalog.available() for sentence in catalog.task_examples(task)]


@pytest.mark.parametrize(("task", "sentence"), OFFERED, ids=lambda v: v)
def test_every_offered_example_opens_on_a_model_that_shows_it(task, sentence):
    scorer = catalog.example_scorer(task, sentence)
    name = catalog.model_for(task, scorer).name
    if task == "reverse":
        assert_reversed(name, sentence)
        return
    trace = load_model(name).greedy(sentence)
    if task == "dates":
        gold = _date_gold(sentence, DATES[sentence])
        assert trace.output == gold.target
        for t, span in enumerate(gold.alignment):
            if span is not None:
                assert span[0] <= _strongest(trace.attention[t]) < span[1], f"{name} {sentence!r}: row {t + 1}"
        return
    output, aligned = TRANSLATED[sentence]
    assert trace.output == output, name
    source = [_word(s) for s in trace.source_tokens]
    for t, piece in enumerate(trace.target_tokens):
        strongest = source[_strongest(trace.attention[t])]
        wanted = {source[-2], END} if piece == END else aligned[_word(piece)]
        assert strongest in wanted, f"{name} {sentence!r}: row {t + 1} {piece!r} looks at {strongest!r}"


def test_every_task_offers_examples_and_the_examples_box_offers_them_on_their_scorer():
    from explorer.state import keys, owner
    from explorer.views import decode as decode_view

    assert {task for task, _sentence in OFFERED} == set(catalog.available())
    assert catalog.example_scorer("en-fr", "She has a red car.") == "scaled_dot"
    session: dict = {}
    owner.propose(session, {"task": "en-fr", "scorer": "general"})
    session[keys.DECODE_EXAMPLE] = "She has a red car."
    decode_view.on_example(session)
    view = owner.view(session)
    assert (view.sentence, view.scorer, view.step) == ("She has a red car.", "scaled_dot", 0)
    assert catalog.task_examples("en-fr") == ("I am cold.", "She has a red car.")
