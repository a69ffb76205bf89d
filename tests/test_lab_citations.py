"""Jain & Wallace's sections come from one place (seq2seq.lab.papers.JAIN_WALLACE_SECTIONS), and every
mention of them in the lab's code, its docs and lessons 7 and 8 points at the right one.

Their paper (arXiv 1902.10186v3): §3 is "Datasets and Tasks"; the measures, Kendall's τ and the
"disconnect the computation graph" sentence are §4.1, permutation §4.2.1, adversarial attention
§4.2.2 with ε per setting (0.01 for text classification, 0.05 for question answering). The app's strings
format the section from the constant (no J&W section typed in a string the app shows); the docs and
lessons, which cannot format, are checked sentence by sentence: a sentence that cites a section of Jain &
Wallace and speaks of shuffling cites §4.2.1, of the adversarial search §4.2.2, of anything else §4.1.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from explorer.views import lab
from seq2seq.lab import adversarial, papers

ROOT = Path(__file__).resolve().parent.parent
SECTION = re.compile(r"(?:§|section )(\d+(?:\.\d+)*)")
OTHERS = re.compile(
    r"Wiegreffe|Pinter|Koehn|Knowles|Bahdanau|Luong|Sundararajan|Ding|Moradi|Och|Jacovi|Bishop|their §3\.1"
)


def lab_texts() -> list[Path]:
    """The lab's code, pages, docs and lessons: where Jain & Wallace are cited."""
    return [
        *sorted(p for p in (ROOT / "seq2seq" / "lab").glob("*.py") if p.name != "papers.py"),  # the one place
        *sorted((ROOT / "explorer" / "views").glob("lab*.py")),
        ROOT / "explorer" / "ui" / "lab" / "sections.py",
        ROOT / "app_pages" / "9_Lab.py",
        ROOT / "scripts" / "lab_results.py",
        ROOT / "docs" / "cli.md",
        ROOT / "docs" / "pages" / "lab.md",
        ROOT / "docs" / "performance.md",
        *sorted((ROOT / "lessons").glob("[78]-*.toml")),
    ]


def sentences(text: str) -> list[str]:
    """Sentences, roughly: split at . ; ! ? and blank lines, a section number's dots kept."""
    return re.split(r"(?<![§\d])[.;!?。；](?!\d)\s|\n\s*\n", text)


TOPICS = (
    ("permutation", ("permut", "shuffl", "打乱", "置换")),
    ("adversarial", ("adversar", "对抗")),
)


def expected(before: str, after: str) -> str:
    """The section a citation should name: the topic named last before it in its sentence (else first
    after it), the measures when neither names one."""
    low_before, low_after = before.lower(), after.lower()
    last = {topic: max(low_before.rfind(k) for k in keys) for topic, keys in TOPICS}
    topic = max(last, key=last.__getitem__)
    if last[topic] >= 0:
        return papers.section(topic)
    first = {topic: min((low_after.find(k) for k in keys if k in low_after), default=-1) for topic, keys in TOPICS}
    found = [t for t in first if first[t] >= 0]
    return papers.section(min(found, key=first.__getitem__)) if found else papers.section("measures")


def test_the_sections_are_the_papers():
    assert papers.JAIN_WALLACE_SECTIONS == {"measures": "§4.1", "permutation": "§4.2.1", "adversarial": "§4.2.2"}
    assert papers.JAIN_WALLACE_EPSILON == {"text classification": 0.01, "question answering": 0.05}
    assert adversarial.TVD_BOUND == papers.JAIN_WALLACE_EPSILON["question answering"]


@pytest.mark.parametrize("path", lab_texts(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_jain_wallace_section_is_the_right_one(path):
    wrong = []
    for sentence in sentences(path.read_text(encoding="utf-8")):
        if "Jain" not in sentence and "their" not in sentence and "该文" not in sentence:
            continue
        if OTHERS.search(sentence):
            continue
        for cited in SECTION.finditer(sentence):
            want = expected(sentence[: cited.start()], sentence[cited.end() :])
            if f"§{cited.group(1)}" != want:
                wrong.append(f"§{cited.group(1)} (expected {want}): {' '.join(sentence.split())[:140]}")
    assert not wrong, "\n".join(wrong)


def test_no_section_of_theirs_is_typed_in_a_string_the_app_shows():
    """The app's strings take the section from the constant: a literal '§4' in the Lab's code is a copy."""
    found = []
    for path in [*sorted((ROOT / "explorer").rglob("lab*.py")), ROOT / "app_pages" / "9_Lab.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if re.search(r"§\s?[34]", node.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:80]}")
    assert not found, "\n".join(found)


def test_the_page_says_the_sections_and_the_bound_from_the_constants():
    step = lab.explanation("step")
    assert "(their §4.2.1)" in step and "(their §4.2.2)" in step and "§4.1" in step
    assert "a total variation of 0.05 (their value for question answering; 0.01 for text classification)" in step
    assert "(their §4.2.1)" in lab.explanation("split")


def test_no_claim_from_slides_or_a_wrong_tolerance_survives():
    """Neither the 'JSD near 0.69 for most classifier instances' (slides, not the paper) nor IG's tolerance
    said as a bare |δ| ≤ 0.01 (it is max(0.01 nats, 1% of |f(x) − f(x′)|))."""
    for path in lab_texts():
        text = path.read_text(encoding="utf-8")
        assert "near 0.69" not in text, path
        for found in re.finditer(r"δ\|? ≤ (?:max\()?0\.01", text):
            assert "max(" in found.group(0), f"{path}: {text[found.start() - 40 : found.end() + 40]}"
