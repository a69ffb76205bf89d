"""What a page shows a reader, as text, and how much of it is Chinese.

`page_texts(at)` collects every text element an AppTest run drew: titles, headers, Markdown,
captions, notes (info, warning, error, success, toast), widget labels and options, expander and tab
labels, metric labels, table headers, and the titles, axis titles, legend titles and trace names
of every plotly figure. `english_only(texts)` keeps those with no CJK character once the exceptions
are taken out: model and scorer names, task names, LaTeX, code spans, tokens (``</s>``), paper
references, numbers and punctuation. `assert_chinese(at)` asserts the issue's bar: at most 5% of a
page's texts are English-only. `english_sentences(texts)` is stricter: any English phrase left in a text,
Chinese around it or not (three English words in a row, or an English function word such as "and"),
once names, model ids, paper references and titles, addresses and code are taken out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from seq2seq.attention import SCORER_INFO
from seq2seq.registry import PRETRAINED_ENV, USER_MODELS_ENV
from seq2seq.scorers import SCORERS
from seq2seq.tasks import REGISTRY, TASKS

MAX_ENGLISH_SHARE = 0.05
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_EXEMPT = [
    re.compile(r"\$[^$]*\$"),  # LaTeX
    re.compile(r"`[^`]*`"),  # code spans: names, commands, tokens
    re.compile(r"https?://\S+"),
    re.compile(r"</?[a-z]+>"),  # special tokens
    re.compile(r"\b[\w-]+/[\w.-]+\b"),  # model names (zh-en/concat), paths
    # paper references: "Luong et al. 2015", "Bahdanau et al. (2015)", "Jain & Wallace (2019)"
    re.compile(r"[A-Z][\w-]+(?: (?:et al\.|&|and) [A-Z]?[\w-]*)?,? \(?\d{4}\)?"),
    re.compile(
        r"\b(?:"
        + "|".join(re.escape(s) for s in (*SCORERS, *TASKS, "lstm", "gru", "rnn", "LSTM", "GRU", "RNN"))
        + r")\b"
    ),
    re.compile(r"\b(?:BLEU|chrF|AER|TVD|JSD|PCA|IG|CSV|JSON|URL|CPU|GPU|SentencePiece|OpenCC|Captum|Kendall|τ)\b"),
    # the papers' data sets and authors' initials beside their numbers (the Lab's histogram marks)
    re.compile(r"\b(?:SST|IMDB|20News|J&(?:amp;)?W|W&(?:amp;)?P)\b"),
]


def _figure_texts(spec: str) -> list[str]:
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    texts = []

    def title(node) -> None:
        if isinstance(node, dict):
            node = node.get("text")
        if isinstance(node, str) and node:
            texts.append(node)

    title(layout.get("title"))
    for key, value in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
            title(value.get("title"))
    title(layout.get("legend", {}).get("title"))
    for annotation in layout.get("annotations", []) or []:
        title(annotation.get("text"))
    for trace in figure.get("data", []):
        if trace.get("showlegend", True) and isinstance(trace.get("name"), str):
            title(trace["name"])
    return texts


def page_texts(at: AppTest) -> list[str]:
    """Every text the last run of `at` drew (see the module docstring)."""
    texts: list[str] = []

    def visit(node) -> None:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind in ("title", "header", "subheader", "markdown", "caption", "text", "toast"):
            texts.append(str(node.value))
        elif kind in ("info", "warning", "error", "success", "exception"):
            texts.append(str(getattr(node, "value", "") or getattr(node, "message", "")))
        elif kind == "plotly_chart" and proto is not None:
            texts.extend(_figure_texts(proto.spec))
        elif kind in ("dataframe", "table") and hasattr(node, "value"):
            try:
                texts.extend(str(c) for c in node.value.columns)
            except Exception:  # noqa: BLE001 - a table without columns
                pass
        elif kind in ("expandable", "tab"):
            texts.append(str(getattr(node, "label", "") or ""))
        else:
            label = getattr(node, "label", None)
            if label is None and proto is not None:
                label = getattr(proto, "label", None)
            if isinstance(label, str):
                texts.append(label)
            if kind in ("selectbox", "radio", "multiselect", "select_slider") and proto is not None:
                options = getattr(node, "options", None) or []
                texts.extend(str(o) for o in options)
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    return [t.strip() for t in texts if t and t.strip()]


def residue(text: str) -> str:
    """`text` with the exceptions (names, LaTeX, tokens, references, numbers) taken out."""
    for pattern in _EXEMPT:
        text = pattern.sub(" ", text)
    return text


# Sentences are data, not interface: the tasks' examples and probes, shown as they are, and Decode's examples
# box's labels (an example with the scorer it opens on: "hello world · general").
SENTENCES = {s for task in REGISTRY.values() for s in (*task.example_sentences, task.default_sentence, *task.probes)}
SENTENCES |= {f"{s} · {scorer}" for task in REGISTRY.values() for s in task.example_sentences for scorer in SCORERS}


def counted(texts: Iterable[str]) -> list[str]:
    """The texts that say something in a language: Chinese, or words left once the exceptions and
    the tasks' sentences are out."""
    return [
        t for t in texts if CJK.search(t) or (t.strip("*") not in SENTENCES and re.search(r"[A-Za-z]{2,}", residue(t)))
    ]


def english_only(texts: Iterable[str]) -> list[str]:
    """The texts with words but no CJK character once the exceptions are out."""
    return [t for t in counted(texts) if not CJK.search(t)]


def assert_chinese(at: AppTest, share: float = MAX_ENGLISH_SHARE) -> float:
    """Assert that at most `share` of the page's counted texts are English-only; returns the share."""
    texts = counted(page_texts(at))
    english = english_only(texts)
    assert texts, "the page drew no text"
    measured = len(english) / len(texts)
    assert measured <= share, f"{len(english)} of {len(texts)} texts are English-only: {english[:40]}"
    return measured


# Papers' titles are names: they stay in English (the scorers' references, the Lab's papers).
PAPER_TITLES = sorted(
    {info["reference"].split("), ", 1)[1] for info in SCORER_INFO.values() if "), " in info.get("reference", "")}
    | {"Attention is not Explanation", "Attention is not not Explanation"},
    key=len,
    reverse=True,
)
_NAMES = [
    re.compile("|".join(re.escape(t) for t in PAPER_TITLES)),
    re.compile(r"[A-Z][\w-]+(?:,? [A-Z][\w-]+)*(?: and [A-Z][\w-]+)? \(\d{4}\)"),  # "Luong, Pham and Manning (2015)"
    re.compile(r"[A-Z][\w-]+ (?:et al\.|(?:&|and) [A-Z][\w-]+)(?: \(?\d{4}\)?)?"),  # "Moradi et al. 2019"
    re.compile(r"\bCC BY(?:-SA)? \d\.\d(?: [A-Z]{2})?\b"),  # a licence's name
    re.compile(r"\b[\w-]+(?:\.[\w-]+)+\b"),  # addresses and dotted names: tatoeba.org, explorer.lessons
    re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"),  # environment variables
    re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"),  # the code's names: embedding_size, max_len
]
_FUNCTION_WORDS = {
    "a", "an", "and", "the", "of", "from", "with", "is", "are", "to", "for", "by", "in", "on", "at", "or",
    "not", "no", "this", "that", "its", "it", "as", "be", "only", "each", "every", "press", "click",
}  # fmt: skip
_WORD = r"[A-Za-z][A-Za-z'’-]*[A-Za-z]"
_THREE_WORDS = re.compile(rf"{_WORD}(?:[ ,;:]+{_WORD}){{2,}}")


def english_phrases(text: str) -> list[str]:
    """The English phrases left in `text` once the exceptions are out: runs of three words or more, and
    English function words standing alone. Empty for a text of data (a task's sentence)."""
    if text.strip("*") in SENTENCES:
        return []
    text = re.sub(r"\\(.)", r"\1", text)  # Markdown's escapes (escape_markdown) read as the characters
    for pattern in _NAMES:
        text = pattern.sub(" ", text)
    text = residue(text)
    found = _THREE_WORDS.findall(text)
    found += [w for w in re.findall(_WORD, text) if w.lower() in _FUNCTION_WORDS and not any(w in f for f in found)]
    return found


def english_sentences(texts: Iterable[str]) -> dict[str, list[str]]:
    """text -> the English phrases left in it, for every text that has some."""
    return {text: found for text in texts if (found := english_phrases(text))}


@pytest.fixture(scope="module", autouse=True)
def fresh_caches():
    """Translators and results cached by another test's registry are not reused: these run on pretrained/."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


@pytest.fixture(autouse=True)
def shipped_models(monkeypatch, tmp_path):
    """The shipped models (what a class sees), and no saved model."""
    monkeypatch.delenv(PRETRAINED_ENV, raising=False)
    monkeypatch.setenv(USER_MODELS_ENV, str(tmp_path / "user_models"))
