"""The papers' numbers: seq2seq/lab/papers.toml, its loader, and the rule that nothing else types them.

Every quoted number has its paper, table, row, column, setting and value; a malformed file is refused
with a message naming the file, the entry and the key; the entries are read-only. No number the app
used to quote, nor any the file quotes, is typed in explorer/, app_pages/, lesson 7 or the Lab's docs:
the pages say them from the file (explorer.views.lab_readings), labelled with their setting.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from explorer import i18n
from explorer.views import lab_readings, lab_split
from seq2seq.lab import papers
from seq2seq.lab.names import pairs
from tests.papers_fixtures import QUOTED, use_papers

ROOT = Path(__file__).resolve().parent.parent
# What the Lab quoted from Jain & Wallace (2019) before the file: not to be typed again anywhere.
FORMER = ("0.35", "0.44", "0.13", "0.66")
PAPER_WORDS = re.compile(r"Jain|Wallace|Wiegreffe|Pinter|SST|IMDB|20News|classifier")


# -- the shipped file ------------------------------------------------------------------------------------
def test_the_shipped_file_loads_and_every_entry_is_complete():
    found = papers.load(papers.PAPERS_FILE)
    assert {"jain-wallace-2019", "wiegreffe-pinter-2019"} <= set(found.papers)
    for paper in found.papers.values():
        assert paper.authors and paper.cite and paper.title and paper.venue and paper.url.startswith("https://")
    for quote in found.quotes:
        for field in ("table", "row", "column", "setting", "compares", "label"):
            assert getattr(quote, field).strip(), (quote, field)
        assert quote.paper in found.papers.values() and quote.setting in papers.SETTINGS
        assert quote.pairs and set(quote.pairs) <= set(pairs(True))


def test_every_pair_it_may_stand_beside_is_a_lab_pair():
    for compared in papers.COMPARES.values():
        assert set(compared) <= set(pairs(True))


def test_the_entries_are_read_only(monkeypatch, tmp_path):
    found = use_papers(monkeypatch, tmp_path)
    quote = found.quotes[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        quote.value = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        found.papers["x"] = quote.paper  # type: ignore[index]
    assert found.for_pair("attention~grad_x_input") == (quote,)
    assert found.for_pair("attention~integrated_gradients") == (quote,)
    assert [q.label for q in found.for_pair("grad_x_input~leave_one_out")] == ["SETB"]
    assert found.for_pair("integrated_gradients~leave_one_out") == ()
    assert (quote.std, found.quotes[1].std) == (0.15, None)


# -- a malformed file -------------------------------------------------------------------------------------
def _broken(old: str, new: str) -> str:
    assert old in QUOTED
    return QUOTED.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_broken('row = "SETA"\n', ""), r"quote 1: missing 'row'"),
        (_broken('setting = "BiLSTM text classifier, per-class mean"\n', ""), r"quote 1: missing 'setting'"),
        (_broken('table = "Table 9"\n', ""), r"quote 1: missing 'table'"),
        (_broken("value = 0.5\n", ""), r"quote 1: missing 'value'"),
        (_broken("value = 0.5", 'value = "0.5"'), r"quote 1 \(example-2000, Table 9, SETA\): 'value' must be float"),
        (_broken("value = 0.5", "value = nan"), r"'value' must be a finite number"),
        (_broken("std = 0.15", "std = -0.15"), r"'std' must not be negative"),
        (_broken("std = 0.15", "stdev = 0.15"), r"quote 1: unknown key 'stdev'"),
        (_broken('paper = "example-2000"', 'paper = "nobody-1999"'), r"no paper 'nobody-1999'"),
        (_broken("per-class mean", "per-class median"), r"unknown setting 'BiLSTM text classifier, per-class median'"),
        (_broken('compares = "attention~gradient"', 'compares = "attention~x"'), r"unknown 'compares' 'attention~x'"),
        (_broken('row = "SETA"', 'row = " "'), r"'row' is empty"),
        (_broken('cite = "Example & Sample 2000"\n', ""), r"paper 'example-2000': missing 'cite'"),
        (_broken("year = 2000", 'year = "2000"'), r"paper 'example-2000': 'year' must be int"),
        (QUOTED + "\n[extra]\nx = 1\n", r"unknown table 'extra'"),
        ("[[quotes]\n", r"not TOML"),
        ("papers = 3\n", r"'papers' must be tables"),
        ("quotes = 3\n", r"'quotes' must be an array of tables"),
    ],
)
def test_a_malformed_file_is_refused_with_where_and_what(monkeypatch, tmp_path, text, message):
    with pytest.raises(papers.PapersError, match=message) as error:
        use_papers(monkeypatch, tmp_path, text)
    assert str(tmp_path / "papers.toml") in str(error.value)  # the file it is about


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(papers.PapersError, match="cannot be read"):
        papers.load(tmp_path / "nowhere.toml")


def test_an_empty_file_quotes_nothing(monkeypatch, tmp_path):
    found = use_papers(monkeypatch, tmp_path, "")
    assert found.quotes == () and dict(found.papers) == {}
    assert lab_readings.paper_value("attention~grad_x_input") == ""
    assert lab_readings.paper_note("attention~gradient") is None
    assert lab_split.paper_marks(pairs(True)) == {}


# -- the pages say them from the file, with their setting ----------------------------------------------
def test_the_pages_say_a_number_with_its_paper_table_setting_and_row(monkeypatch, tmp_path):
    use_papers(monkeypatch, tmp_path)
    expected = "Example & Sample 2000, Table 9, BiLSTM text classifier, per-class mean, SETA: 0.50 ± 0.15"
    assert lab_readings.paper_value("attention~grad_x_input") == expected
    assert lab_readings.paper_value("grad_x_input~leave_one_out").endswith("mean over the test set, SETB: 0.25")
    assert lab_readings.paper_note("attention~gradient") == f"Reported in papers, on other kinds of model: {expected}."
    cells = lab_readings.paper_cells(["attention~grad_x_input", "integrated_gradients~leave_one_out"])
    assert cells["integrated_gradients~leave_one_out"] == {"reported in papers, on their models": "–"}
    marks = lab_split.paper_marks(pairs(True))
    assert marks == {
        "attention ~ gradient × input": {"SETA 0.50": 0.5},
        "attention ~ integrated gradients": {"SETA 0.50": 0.5},
        "gradient × input ~ leave-one-out": {"SETB 0.25": 0.25},
    }
    assert lab_split.histogram_caption(marks).endswith("(the table below says which).")
    with i18n.using("zh"):
        cell = lab_readings.paper_value("attention~grad_x_input")
        assert cell.startswith("Example & Sample 2000，Table 9，BiLSTM 文本分类器，按类别的均值，SETA：0.50")
        assert lab_readings.paper_column() != "reported in papers, on their models"


def test_without_a_quoted_number_no_paper_column_and_no_marks(monkeypatch, tmp_path):
    use_papers(monkeypatch, tmp_path, QUOTED.split("[[quotes]]")[0])
    assert lab_readings.paper_cells(list(pairs(True))) == {pair: {} for pair in pairs(True)}
    assert lab_split.histogram_caption({}) == "Each example's mean τ over its steps. Red: our median."


# -- nothing else types them -----------------------------------------------------------------------------
def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module, with its line (an implicit concatenation is one string)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _typed(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", text) is not None


def _values() -> set[str]:
    quoted = papers.load(papers.PAPERS_FILE).quotes
    return set(FORMER) | {f"{v:.2f}" for q in quoted for v in (q.value, q.std) if v is not None}


def test_no_paper_number_is_typed_in_the_app():
    """The app's strings that speak of a paper or its data sets carry none of the papers' numbers, and no
    data set of theirs is named anywhere in explorer/ but through the file."""
    found = []
    files = [*(ROOT / "explorer").rglob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"]
    for path in files:
        for line, text in _strings(path):
            if PAPER_WORDS.search(text) and any(_typed(v, text) for v in _values()):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text[:80]}")
            if re.search(r"\b(SST|IMDB|20News)\b", text):
                found.append(f"{path.relative_to(ROOT)}:{line}: names a paper's data set: {text[:80]}")
            if "0.5–0.66" in text:
                found.append(f"{path.relative_to(ROOT)}:{line}: {text[:80]}")
    assert not found, "\n".join(found)


def test_no_paper_number_is_typed_in_lessons_7_and_8_or_the_docs():
    files = [*(ROOT / "lessons").glob("[78]-is-attention-an-explanation*.toml"), *(ROOT / "docs").rglob("*.md")]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PAPER_WORDS.search(line) and (any(_typed(v, line) for v in _values()) or "0.5–0.66" in line)
    ]
    assert not found, "\n".join(found)
