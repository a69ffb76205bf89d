"""What a page shows a reader, as text, and how much of it is Chinese.

`page_texts(at)` collects every text element an AppTest run drew: titles, headers, Markdown,
captions, notes (info, warning, error, success, toast), widget labels and options, expander and tab
labels, metric labels, table headers, and the titles, axis titles, legend titles and trace names
of every plotly figure. `english_only(texts)` keeps those with no CJK character once the exceptions
are taken out: model and scorer names, task names, LaTeX, code spans, tokens (``</s>``), paper
references, numbers and punctuation. `assert_chinese(at)` asserts the issue's bar: at most 5% of a
page's texts are English-only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from streamlit.testing.v1 import AppTest

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


# Sentences are data, not interface: the tasks' examples and probes, shown as they are.
SENTENCES = {s for task in REGISTRY.values() for s in (*task.example_sentences, task.default_sentence, *task.probes)}


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
