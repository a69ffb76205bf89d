"""An example the app or its docs offer to show attention opens on a model that shows it (issue 54).

- Every example link of docs/pages/ that names a translation model (Decode, Beam search): each row of that
  model's attention looks at the source word its target word translates (the dictionary alignments of
  tests/test_home_example.py; a link's sentence must have one).
- The reverse task's examples (Home's "Start here" and Decode's examples box open them on the default
  scorer) and the Compare page's example link (its scorers A and B, dot and general, side by side): row t
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
