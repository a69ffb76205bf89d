"""A papers.toml of made-up numbers for the tests that draw the papers' numbers (seq2seq.lab.papers).

The shipped seq2seq/lab/papers.toml quotes only numbers read in the papers themselves, and may quote
none: the pages' paper columns, histogram marks and notes are tested on this file instead, pointed at
with `use_papers`. Its paper and numbers are invented, so that no test pins a real paper's value.
"""

from __future__ import annotations

from pathlib import Path

from seq2seq.lab import papers

QUOTED = """
[papers.example-2000]
authors = ["Ann Example", "Sam Sample"]
cite = "Example & Sample 2000"
year = 2000
title = "A Paper Made Up for the Tests"
venue = "Nowhere 2000"
url = "https://example.org/paper"

[[quotes]]
paper = "example-2000"
table = "Table 9"
row = "SETA"
column = "attention vs gradients, mean ± std"
setting = "BiLSTM text classifier, per-class mean"
compares = "attention~gradient"
label = "SETA"
value = 0.5
std = 0.15

[[quotes]]
paper = "example-2000"
table = "Table 9"
row = "SETB"
column = "gradients vs leave-one-out, mean"
setting = "BiLSTM text classifier, mean over the test set"
compares = "gradient~leave_one_out"
label = "SETB"
value = 0.25
"""

MARK_LABELS = ("SETA", "SETB")  # the histograms' marks: "SETA 0.50", "SETB 0.25"


def use_papers(monkeypatch, folder: Path, text: str = QUOTED) -> papers.Papers:
    """Point seq2seq.lab.papers at a file of `text` in `folder` for this test; returns what it holds."""
    path = folder / "papers.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(papers, "PAPERS_FILE", path)
    return papers.load()
