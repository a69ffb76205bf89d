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
        for field in ("row", "column", "setting", "compares", "label"):
            assert getattr(quote, field).strip(), (quote, field)
        assert bool(quote.table.strip()) != bool(quote.file.strip()), quote  # read in a table or in a file
        assert quote.statistic in papers.STATISTICS
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
        (_broken('table = "Table 9"\n', ""), r"quote 1: needs one of 'table' and 'file' .*, not neither"),
        (_broken('table = "Table 9"\n', 'table = "Table 9"\nfile = "out.csv"\n'), r"quote 1: .*not both"),
        (_broken("value = 0.5\n", 'value = 0.5\nstatistic = "tau_median"\n'), r"unknown 'statistic' 'tau_median'"),
        (_broken("value = 0.5\n", 'value = 1.5\nstatistic = "sig_frac"\n'), r"a 'sig_frac' is a share"),
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


# -- Jain & Wallace's published outputs (issue 64) --------------------------------------------------------
SHARED = ROOT.parent / "shared" / "data" / "papers" / "jain-wallace-2019"
# The rows of their CorrStats_kendalltau files, as their plotting code names them (the shared README), and
# the columns of those files as the shared kendall_tau.csv names them.
THEIR_ROWS = {"ag": "attention~leave_one_out", "al": "attention~gradient", "gl": "gradient~leave_one_out"}
THEIR_COLUMNS = {"mean": "tau_mean", "pval_sig": "sig_frac"}


def _their_rows() -> list[dict]:
    import csv

    path = SHARED / "kendall_tau.csv"
    if not path.is_file():
        pytest.skip(f"Jain & Wallace's result files are not here ({path}): the quoted figures cannot be checked")
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _from_files() -> tuple[papers.Quote, ...]:
    return tuple(q for q in papers.load(papers.PAPERS_FILE).quotes if q.file)


def test_papers_toml_quotes_at_least_six_of_jain_and_wallaces_figures():
    quoted = _from_files()
    assert len(quoted) >= 6
    assert {q.paper.key for q in quoted} == {"jain-wallace-2019"}
    assert {(q.compares, q.statistic) for q in quoted} >= {
        ("attention~gradient", "tau_mean"),
        ("attention~gradient", "sig_frac"),
        ("gradient~leave_one_out", "tau_mean"),
        ("gradient~leave_one_out", "sig_frac"),
    }
    for quote in quoted:  # their BiLSTM with additive (tanh) attention, said so in its setting
        assert quote.file.startswith("graph_outputs/CorrStats_kendalltau/") and quote.file.endswith("+lstm+tanh.csv")
        assert "BiLSTM" in quote.setting and "additive attention" in quote.setting
        assert ("share of test instances" in quote.setting) == (quote.statistic == "sig_frac")
        assert (quote.std is not None) == (quote.statistic == "tau_mean")


def _mismatches(quoted: tuple[papers.Quote, ...], rows: list[dict]) -> list[str]:
    """Every figure of an output file that is not the value of its file's row and column in the shared
    kendall_tau.csv (its std not that row's, its pair not the row's)."""
    wrong = []
    for quote in quoted:
        where = f"{quote.file}, row {quote.row}, {quote.column}"
        pair = THEIR_ROWS.get(quote.row)
        found = [r for r in rows if r["source_path"] == quote.file and r["pair"] == pair]
        if len(found) != 1:
            wrong.append(f"{where}: {len(found)} rows")
            continue
        (row,) = found
        if (row["encoder"], row["attention"]) != ("lstm", "tanh") or quote.compares != pair:
            wrong.append(f"{where}: {row['encoder']}+{row['attention']}, {pair}, quoted as {quote.compares}")
        if THEIR_COLUMNS.get(quote.column) != quote.statistic:
            wrong.append(f"{where}: column {quote.column!r} is not {quote.statistic!r}")
        elif quote.value != float(row[quote.statistic]):
            wrong.append(f"{where}: {quote.value} quoted, {row[quote.statistic]} in the file")
        if quote.statistic == "tau_mean" and quote.std != float(row["tau_std"]):
            wrong.append(f"{where}: std {quote.std} quoted, {row['tau_std']} in the file")
    return wrong


def test_every_quoted_figure_is_its_row_in_the_authors_outputs():
    """Each figure of an output file is the value of its file's row and column in the shared kendall_tau.csv
    (the authors' files gathered row by row), its std that row's; its pair is the row's."""
    quoted = _from_files()
    assert len(quoted) >= 6
    assert _mismatches(quoted, _their_rows()) == []


def test_a_figure_off_its_row_is_caught():
    rows = _their_rows()
    text = papers.PAPERS_FILE.read_text(encoding="utf-8")
    first = _from_files()[0]
    changed = text.replace(f"value = {first.value}\n", f"value = {first.value + 0.01:.4f}\n", 1)
    assert changed != text
    assert len(_mismatches(tuple(q for q in papers.parse(changed).quotes if q.file), rows)) == 1
    moved = text.replace('row = "al"', 'row = "gl"', 1)
    assert _mismatches(tuple(q for q in papers.parse(moved).quotes if q.file), rows)


def test_their_gradient_is_said_as_theirs_not_as_a_plain_gradient():
    """Their Algorithm 1 and code rank by |Σ g·x| (gradient × input summed over the embedding, absolute)."""
    text = (ROOT / "seq2seq" / "lab" / "papers.py").read_text(encoding="utf-8")
    assert "plain gradient" not in text.lower()
    assert "|Σ g·x|" in text and "summed over the" in text
    assert "|Σ g·x|" in papers.PAPERS_FILE.read_text(encoding="utf-8")


def _their_table() -> dict:
    from seq2seq.lab import results

    data, note = results.load("reverse")
    assert note is None, note
    return data["by_model"]["reverse/dot"]["agreement"]


def test_the_lab_shows_their_figures_beside_its_own_under_their_measures():
    agreement = _their_table()
    columns = lab_readings.their_columns()
    theirs = {row["pair"]: row for row in lab_split.agreement_rows(agreement["jain-wallace"])}
    found = papers.load()
    for pair, their_pair in papers.THEIR_PAIRS.items():
        row = theirs[lab_readings.pair_label(pair)]
        for statistic, column in columns.items():
            figures = [q for q in found.quotes if q.file and q.compares == their_pair and q.statistic == statistic]
            assert figures
            assert row[column] == "; ".join(f"{q.label} {lab_readings.quoted_value(q)}" for q in figures)
        assert "steps agreeing (τ > 0, p < 0.05)" in row  # the app's own share beside theirs
    assert theirs["attention ~ integrated gradients"][columns["sig_frac"]] == "–"  # not a pair of theirs
    signed = lab_split.agreement_rows(agreement)  # the signed measures are not theirs: no J&W column
    assert not set(columns.values()) & set(signed[0])
    assert lab_split.paper_marks(pairs(True)) == {}  # nor marks on the signed histograms


def test_the_two_definitions_stand_side_by_side_in_both_languages():
    entry = _their_table()["jain-wallace"]
    summary = entry["summary"]
    caption = lab_split.agreement_caption(entry)
    assert (
        "Sig. Frac.: the share of test instances whose τ is significant, a two-sided p ≤ 0.05 of either sign" in caption
    )
    assert (
        "Steps agreeing: the share of decoding steps whose τ is positive with p < 0.05, one τ per output step"
        in caption
    )
    assert "one prediction per instance" in caption and "at every output step" in caption
    assert f"here {summary['steps']} steps of {summary['examples']} sentences" in caption
    low, high = round(summary["source_lengths"]["p10"]), round(summary["source_lengths"]["p90"])
    assert f"whose sources have {low} to {high} tokens" in caption
    for quote in _from_files():
        assert quote.file.rpartition("/")[2] in caption and quote.label in caption
    assert "J&W" not in lab_split.agreement_caption(_their_table())  # the signed table's caption
    with i18n.using("zh"):
        chinese = lab_split.agreement_caption(entry)
        columns = lab_readings.their_columns()
    assert "双侧 p ≤ 0.05，正负皆可" in chinese and "每个实例只做一次预测" in chinese
    assert f"{summary['examples']} 个句子的 {summary['steps']} 步" in chinese
    assert "Sig. Frac." in columns["sig_frac"] and columns["tau_mean"].startswith("J&W：")


def test_the_lab_page_shows_the_j_and_w_columns_and_both_definitions(shipped):
    """The split view of reverse/dot, on the shipped results: the table of Jain & Wallace's measures has the
    J&W columns beside the lab's agreeing share, and the caption under it both definitions, in both languages."""
    from tests.test_lab_page import open_lab

    for lang, definition in [("en", "Sig. Frac.: the share of test instances"), ("zh", "Sig. Frac.：τ 显著的测试实例")]:
        at = open_lab({"task": "reverse", "scorer": "dot", "view": "split", "lang": lang})
        with i18n.using(lang):
            columns = list(lab_readings.their_columns().values())
        (theirs,) = [el.value for el in at.dataframe if columns[0] in el.value.columns]
        assert columns[1] in theirs.columns and len(theirs.columns) >= 7
        assert any(definition in el.value.replace("\\", "") for el in at.caption), lang  # markdown escapes out


def test_a_figure_of_their_outputs_is_cited_with_its_file_and_row():
    quote = _from_files()[0]
    said = lab_readings.citation(quote)
    assert said.startswith(f"Jain & Wallace 2019, published outputs {quote.file}, row {quote.row}, {quote.setting}")
    assert said.endswith(f"{quote.label}: {lab_readings.quoted_value(quote)}")
    assert lab_readings.paper_note(quote.compares) is None  # not beside the signed measures' readings
