"""Tests for seq2seq.tasks: splits, determinism, and exact gold alignments.

The date checks parse every source with regexes written here, independently of the
generator's templates, so a template bug cannot hide behind its own parser.
"""

from __future__ import annotations

import ast
import datetime
import random
import re
import string
import sys
from collections import Counter
from pathlib import Path

import pytest

from seq2seq.tasks import SPLITS, TASKS, Example, dates, get_task, reverse, split_of, translation

# --- common -------------------------------------------------------------------------


def test_split_of_golden_values() -> None:
    # Pinned: a change here would silently move examples between train and test.
    assert [split_of(k) for k in ("hello", "a", "g", "2018-05-09")] == [
        "train",
        "test",
        "valid",
        "valid",
    ]
    assert [split_of(k, valid_pct=30, test_pct=30) for k in ("hello", "world", "a")] == [
        "train",
        "valid",
        "test",
    ]


def test_split_of_proportions_and_edges() -> None:
    counts = Counter(split_of(f"key {i}") for i in range(10_000))
    assert 900 <= counts["valid"] <= 1100
    assert 900 <= counts["test"] <= 1100
    keys = [f"k{i}" for i in range(200)]
    assert {split_of(k, valid_pct=0, test_pct=0) for k in keys} == {"train"}
    assert {split_of(k, valid_pct=0, test_pct=100) for k in keys} == {"test"}
    assert {split_of(k, valid_pct=100, test_pct=0) for k in keys} == {"valid"}
    with pytest.raises(ValueError, match="valid_pct"):
        split_of("x", valid_pct=60, test_pct=50)


@pytest.mark.parametrize("name", TASKS)
def test_get_task(name: str) -> None:
    task = get_task(name)
    assert task.name == name
    assert len(task.probes) == 8
    assert len(set(task.probes)) == 8
    assert task.source_tokenizer in ("char", "sentencepiece", "zh-char")


def test_get_task_unknown() -> None:
    with pytest.raises(ValueError, match=r"unknown task 'nope'.*'reverse', 'dates', 'en-fr'"):
        get_task("nope")


@pytest.mark.parametrize("task", [reverse, dates])
def test_synthetic_deterministic(task) -> None:
    first = task.examples("valid", 300, seed=7)
    assert first == task.examples("valid", 300, seed=7)
    assert len(first) == 300
    assert len({e.source for e in first}) == 300
    assert task.examples("valid", 100, seed=7) == first[:100]
    assert task.examples("valid", 300, seed=8) != first
    assert task.examples("train", 0, seed=7) == []


@pytest.mark.parametrize("task", [reverse, dates])
def test_synthetic_splits_disjoint(task) -> None:
    by_split = {s: task.examples(s, 2000, seed=0) for s in SPLITS}
    for split, examples in by_split.items():
        assert len(examples) == 2000
        assert {split_of(e.source) for e in examples} == {split}
    sources = [{e.source for e in examples} for examples in by_split.values()]
    assert all(len(s) == 2000 for s in sources)
    assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])


@pytest.mark.parametrize("task", [reverse, dates])
def test_synthetic_bad_arguments(task) -> None:
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        task.examples("dev", 10, seed=0)
    with pytest.raises(ValueError, match="n must be >= 0"):
        task.examples("train", -1, seed=0)


# --- reverse ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reverse_examples() -> list[Example]:
    return reverse.examples("train", 5000, seed=0)


def test_reverse_examples(reverse_examples: list[Example]) -> None:
    lengths = Counter(len(e.source) for e in reverse_examples)
    assert set(lengths) == set(range(1, 31))
    chars = Counter("".join(e.source for e in reverse_examples))
    assert set(chars) == set(string.ascii_lowercase + " ")
    assert 0.12 < chars[" "] / sum(chars.values()) < 0.18
    for e in reverse_examples:
        assert e.source.strip()
        assert e.target == e.source[::-1]


def test_reverse_alignment(reverse_examples: list[Example]) -> None:
    assert reverse.example("abc").alignment == ((2, 3), (1, 2), (0, 1))
    for e in reverse_examples:
        assert e.alignment is not None
        assert len(e.alignment) == len(e.target)
        for char, (start, end) in zip(e.target, e.alignment, strict=True):
            assert e.source[start:end] == char


def test_reverse_probes() -> None:
    for probe in reverse.PROBES:
        assert 1 <= len(probe) <= 30
        assert set(probe) <= set(string.ascii_lowercase + " ")


# --- dates --------------------------------------------------------------------------

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip

_MON = "(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_WD = "(?P<wd>" + "|".join(w for w in WEEKDAYS if len(w) > 3) + ")"
_WDA = "(?P<wd>" + "|".join(w for w in WEEKDAYS if len(w) == 3) + ")"
_D, _DD = r"(?P<d>[1-9]|[12]\d|3[01])", r"(?P<d>0[1-9]|[12]\d|3[01])"
_Y4, _Y2 = r"(?P<y>\d{4})", r"(?P<y>\d{2})"
_SFX = "(?P<sfx>st|nd|rd|th)"

# One regex per required form, matched against the lowercased source. The d and dd
# variants overlap for days >= 10, so coverage counts the unambiguous days below 10.
DATE_FORMS = {
    "9 may 2018": rf"{_D} {_MON} {_Y4}",
    "09 may 2018": rf"{_DD} {_MON} {_Y4}",
    "may 9, 2018": rf"{_MON} {_D}, {_Y4}",
    "may 9 2018": rf"{_MON} {_D} {_Y4}",
    "9th may 2018": rf"{_D}{_SFX} {_MON} {_Y4}",
    "9th of may 2018": rf"{_D}{_SFX} of {_MON} {_Y4}",
    "saturday 9 may 2018": rf"{_WD} {_D} {_MON} {_Y4}",
    "saturday, may 9, 2018": rf"{_WD}, {_MON} {_D}, {_Y4}",
    "sat 9 may 2018": rf"{_WDA} {_D} {_MON} {_Y4}",
    "9 may 18": rf"{_D} {_MON} {_Y2}",
    "2018-05-09": r"(?P<y>\d{4})-(?P<m>0[1-9]|1[0-2])-" + _DD,
    "09.05.2018": rf"{_DD}\.(?P<m>0[1-9]|1[0-2])\.{_Y4}",
    "9/5/2018": rf"{_D}/(?P<m>[1-9]|1[0-2])/{_Y4}",
}
DATE_REGEXES = {form: re.compile(pattern) for form, pattern in DATE_FORMS.items()}


def _year(text: str) -> int:
    """The year a year token stands for, with the 69 pivot for two digits."""
    if len(text) == 4:
        return int(text)
    assert len(text) == 2
    return (1900 if int(text) >= 69 else 2000) + int(text)


def _month(text: str) -> int:
    return int(text) if text.isdigit() else MONTHS[text.lower()]


def _parse(source: str) -> list[tuple[str, re.Match[str]]]:
    """Every (form, match) whose regex matches the whole lowercased source."""
    lowered = source.lower()
    return [(f, m) for f, r in DATE_REGEXES.items() if (m := r.fullmatch(lowered))]


@pytest.fixture(scope="module")
def date_examples() -> list[Example]:
    return dates.examples("train", 5000, seed=0)


def test_dates_parse_and_range(date_examples: list[Example]) -> None:
    years = set()
    for e in date_examples:
        target = datetime.date.fromisoformat(e.target)
        assert datetime.date(1900, 1, 1) <= target <= datetime.date(2099, 12, 31)
        years.add(target.year)
        matches = _parse(e.source)
        assert matches, e.source
        for _, m in matches:
            month = m["m"] if "m" in m.re.groupindex else m["mon"]
            assert (_year(m["y"]), _month(month), int(m["d"])) == (
                target.year,
                target.month,
                target.day,
            ), e.source
    assert min(years) < 1910 and max(years) > 2090


def test_dates_every_form_appears(date_examples: list[Example]) -> None:
    seen = Counter()
    for e in date_examples:
        for form, m in _parse(e.source):
            if form == "9 may 2018" and len(m["d"]) != 1:
                continue  # a two-digit day could be the padded form too
            if form == "09 may 2018" and not m["d"].startswith("0"):
                continue
            seen[form] += 1
    assert set(seen) == set(DATE_FORMS)
    assert min(seen.values()) >= 50


def test_dates_weekdays_true(date_examples: list[Example]) -> None:
    checked = 0
    for e in date_examples:
        target = datetime.date.fromisoformat(e.target)
        for _, m in _parse(e.source):
            if "wd" in m.re.groupindex:
                assert WEEKDAYS[m["wd"]] == target.weekday(), e.source
                checked += 1
    assert checked > 500


def test_dates_ordinals(date_examples: list[Example]) -> None:
    expected = {1: "st", 2: "nd", 3: "rd", 4: "th", 11: "th", 12: "th", 13: "th"}
    expected |= {21: "st", 22: "nd", 23: "rd", 24: "th", 30: "th", 31: "st"}
    assert {d: dates.ordinal_suffix(d) for d in expected} == expected
    days = set()
    for e in date_examples:
        for _, m in _parse(e.source):
            if "sfx" in m.re.groupindex:
                assert m["sfx"] == dates.ordinal_suffix(int(m["d"])), e.source
                days.add(int(m["d"]))
    assert days == set(range(1, 32))


def test_dates_two_digit_years(date_examples: list[Example]) -> None:
    centuries = set()
    for e in date_examples:
        year = int(e.target[:4])
        start, end = e.alignment[0]
        if end - start == 2:
            assert 1969 <= year <= 2068, e.source
            assert _year(e.source[start:end]) == year
            centuries.add(year // 100)
    assert centuries == {19, 20}
    rng = random.Random(0)
    for year in (1900, 1968, 2069, 2099):
        with pytest.raises(ValueError, match="two-digit year"):
            dates.render(datetime.date(year, 1, 1), "d mon yy", "lower", rng)
    for year, yy in ((1969, "69"), (1999, "99"), (2000, "00"), (2068, "68")):
        example = dates.render(datetime.date(year, 1, 1), "d mon yy", "lower", rng)
        assert example.source.endswith(" " + yy) and example.target == f"{year}-01-01"


def test_dates_cases_and_spellings(date_examples: list[Example]) -> None:
    cases = Counter()
    words = set()
    for e in date_examples:
        if e.source == e.source.upper() and any(c.isalpha() for c in e.source):
            cases["upper"] += 1
        elif e.source != e.source.lower():
            cases["title"] += 1
            for word in re.findall(r"[A-Za-z]+", e.source):
                is_name = word.lower() in MONTHS or word.lower() in WEEKDAYS
                assert word == (word.capitalize() if is_name else word.lower()), e.source
        words |= {w.lower() for w in re.findall(r"[A-Za-z]+", e.source)}
    assert cases["upper"] > 500 and cases["title"] > 500
    assert set(MONTHS) | set(WEEKDAYS) <= words


def test_dates_alignment_spans(date_examples: list[Example]) -> None:
    for e in date_examples:
        target = datetime.date.fromisoformat(e.target)
        al = e.alignment
        assert al is not None and len(al) == len(e.target) == 10
        assert al[4] is None and al[7] is None
        assert len(set(al[0:4])) == len(set(al[5:7])) == len(set(al[8:10])) == 1
        (ys, ye), (ms, me), (ds, de) = al[0], al[5], al[8]
        assert _year(e.source[ys:ye]) == target.year, e.source
        assert _month(e.source[ms:me]) == target.month, e.source
        assert int(e.source[ds:de]) == target.day, e.source
        assert e.source[ds:de].isdigit()
        # And the spans are exactly where the independent regexes found the fields.
        for _, m in _parse(e.source):
            month_group = "m" if "m" in m.re.groupindex else "mon"
            assert (m.span("y"), m.span(month_group), m.span("d")) == (al[0], al[5], al[8])


def test_dates_probes() -> None:
    for probe in dates.PROBES:
        matches = _parse(probe)
        assert matches, probe
        for _, m in matches:
            month = m["m"] if "m" in m.re.groupindex else m["mon"]
            day = datetime.date(_year(m["y"]), _month(month), int(m["d"]))
            if "wd" in m.re.groupindex:
                assert WEEKDAYS[m["wd"]] == day.weekday(), probe


# Hand-checked gold alignments: the source spans below were counted by hand, character by
# character (index: 0-based, end exclusive), not read back from the generator.
#   "wednesday, may 9, 2018": wednesday = 0..9, ", " = 9..11, may = 11..14, " " = 14, 9 = 15..16,
#                             ", " = 16..18, 2018 = 18..22 (May 9, 2018 was a Wednesday)
#   "9/5/2018" (day first):   9 = 0..1, "/" = 1, 5 = 2..3, "/" = 3, 2018 = 4..8
#   "9 may 18" (two digits):  9 = 0..1, may = 2..5, 18 = 6..8 (18 -> 2018)
#   "9 MAY 69" (upper):       9 = 0..1, MAY = 2..5, 69 = 6..8 (69 -> 1969: the pivot)
#   "9th of May 2018":        9 = 0..1 (the day span leaves out "th" = 1..3), " of " = 3..7,
#                             May = 7..10, 2018 = 11..15
# Target "YYYY-MM-DD": each year digit comes from the whole year token, each month digit from the
# month name or number, each day digit from the day number, and the two "-" from nothing.
HAND_CHECKED = [
    # (date, form, case, source, year span, month span, day span)
    ((2018, 5, 9), "weekday, mon d, yyyy", "lower", "wednesday, may 9, 2018", (18, 22), (11, 14), (15, 16)),
    ((2018, 5, 9), "d/m/yyyy", "lower", "9/5/2018", (4, 8), (2, 3), (0, 1)),
    ((2018, 5, 9), "d mon yy", "lower", "9 may 18", (6, 8), (2, 5), (0, 1)),
    ((1969, 5, 9), "d mon yy", "upper", "9 MAY 69", (6, 8), (2, 5), (0, 1)),
    ((2018, 5, 9), "dth of mon yyyy", "title", "9th of May 2018", (11, 15), (7, 10), (0, 1)),
]


@pytest.mark.parametrize(
    ("ymd", "form", "case", "source", "year", "month", "day"), HAND_CHECKED, ids=[h[3] for h in HAND_CHECKED]
)
def test_dates_hand_checked_gold_alignment(ymd, form, case, source, year, month, day) -> None:
    assert form in dates.FORMS  # a form the generator draws
    example = dates.render(datetime.date(*ymd), form, case, random.Random(0))  # "may" has one spelling
    target = "{:04d}-{:02d}-{:02d}".format(*ymd)
    assert example == Example(
        source=source,
        target=target,
        alignment=(year, year, year, year, None, month, month, None, day, day),
    )
    # What each span holds, spelled out: the fields themselves, nothing around them.
    fields = {"wednesday, may 9, 2018": ("2018", "may", "9"), "9/5/2018": ("2018", "5", "9")}
    fields |= {"9 may 18": ("18", "may", "9"), "9 MAY 69": ("69", "MAY", "9"), "9th of May 2018": ("2018", "May", "9")}
    assert tuple(source[a:b] for a, b in (year, month, day)) == fields[source]


# --- en-fr --------------------------------------------------------------------------

# Many English sentences so that every split gets some; several have 2-3 translations.
PAIRS = [(f"Sentence {i}.", f"Phrase {i}.") for i in range(60)]
PAIRS += [(f"Sentence {i}.", f"Autre phrase {i} !") for i in range(0, 60, 3)]
PAIRS += [(f"Sentence {i}.", f"Troisième {i} ?") for i in range(0, 60, 9)]


def _write_corpus(path: Path) -> Path:
    lines = []
    for i, (en, fr) in enumerate(PAIRS):
        extra = "\tCC-BY 2.0 (France) Attribution: tatoeba.org #1 (CK)" if i % 2 else ""
        lines.append(f"{en}\t{fr}{extra}")
        if i % 10 == 0:  # noise that must be skipped
            lines += ["", "no tab here", "\tonly french", "only english\t", "   "]
    path.write_text("\r\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_en_fr_load_partitions_by_english(tmp_path: Path) -> None:
    corpus = _write_corpus(tmp_path / "eng-fra.txt")
    by_split = {s: translation.load(corpus, s) for s in SPLITS}
    assert all(by_split.values())
    for split, examples in by_split.items():
        expected = [Example(en, fr) for en, fr in PAIRS if split_of(en) == split]
        assert examples == expected
        assert all(e.alignment is None for e in examples)
    english = [{e.source for e in examples} for examples in by_split.values()]
    assert sum(map(len, english)) == len({en for en, _ in PAIRS})


def test_en_fr_references(tmp_path: Path) -> None:
    corpus = _write_corpus(tmp_path / "eng-fra.txt")
    refs = {s: translation.references(str(corpus), s) for s in SPLITS}
    merged = refs["train"] | refs["valid"] | refs["test"]
    assert sum(map(len, refs.values())) == len(merged) == 60
    assert merged["Sentence 0."] == ["Phrase 0.", "Autre phrase 0 !", "Troisième 0 ?"]
    assert merged["Sentence 3."] == ["Phrase 3.", "Autre phrase 3 !"]
    assert merged["Sentence 1."] == ["Phrase 1."]
    for split, split_refs in refs.items():
        assert {split_of(en) for en in split_refs} <= {split}


def test_en_fr_keeps_case_and_punctuation(tmp_path: Path) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("Hi!\tSalut\u202f!\nHi!\tCoucou !\n", encoding="utf-8")
    (split,) = {split_of("Hi!")}
    assert translation.references(corpus, split) == {"Hi!": ["Salut\u202f!", "Coucou !"]}


def test_en_fr_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        translation.load(missing, "train")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\nno tab\n\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(str(empty.resolve())) + ".*no valid lines"):
        translation.references(empty, "train")
    with pytest.raises(ValueError, match="unknown split"):
        translation.load(_write_corpus(tmp_path / "ok.txt"), "dev")


def test_en_fr_reads_edited_file_again(tmp_path: Path) -> None:
    corpus = tmp_path / "c.txt"
    corpus.write_text("A.\tUn.\n", encoding="utf-8")
    before = translation.read_pairs(corpus)
    corpus.write_text("A.\tUn.\nB.\tDeux.\n", encoding="utf-8")
    assert (before, translation.read_pairs(corpus)) == (
        (("A.", "Un."),),
        (("A.", "Un."), ("B.", "Deux.")),
    )


REAL_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "eng-fra.txt"


@pytest.mark.skipif(not REAL_CORPUS.is_file(), reason="real Tatoeba corpus not present")
def test_en_fr_real_corpus() -> None:
    pairs = translation.read_pairs(REAL_CORPUS)
    sizes = {s: len(translation.load(REAL_CORPUS, s)) for s in SPLITS}
    assert sum(sizes.values()) == len(pairs) > 100_000
    assert sizes["train"] > 7 * sizes["test"]
    refs = translation.references(REAL_CORPUS, "test")
    assert sum(map(len, refs.values())) == sizes["test"]


# --- the Task records -----------------------------------------------------------------


def test_every_task_is_one_module_registered_once():
    from seq2seq import tasks

    assert tasks.TASKS[:4] == ("reverse", "dates", "en-fr", "zh-en")  # registration order is display order
    assert [t.name for t in tasks.all_tasks()] == list(tasks.TASKS)
    for task in tasks.all_tasks():
        assert isinstance(task, tasks.Task) and get_task(task.name) is task
        assert task.label and task.default_sentence and task.example_sentences and len(task.probes) == 8
        assert task.metric.name in ("exact_match", "bleu") and set(task.train_page) >= {"train_size", "max_len"}
        assert task.shipped.options and all(isinstance(o, str) for o in task.shipped.options)
        assert task.needs_data == (task.data_file is not None) == bool(task.credit)
    shipped = [get_task(name) for name in ("reverse", "dates", "en-fr", "zh-en")]
    assert [t.needs_data for t in shipped] == [False, False, True, True]
    assert [t.has_alignments for t in shipped] == [True, True, False, False]
    assert tasks.DEFAULT_TASK in tasks.TASKS and tasks.TRAIN_PAGE_TASK in tasks.TASKS
    with pytest.raises(ValueError, match="either generate or corpus"):
        tasks.Task(**{**vars(reverse.TASK), "corpus": translation.TASK.corpus})


def test_a_generated_task_gives_pairs_and_references_a_corpus_task_reads_them(tmp_path: Path) -> None:
    task = get_task("dates")
    pairs = task.split_pairs("valid", 5, 0)
    assert pairs == [(e.source, e.target) for e in dates.examples("valid", 5, 0)]
    assert task.split_references("valid", 5, 0) == {s: [t] for s, t in pairs}
    corpus = tmp_path / "eng-fra.txt"
    corpus.write_text("".join(f"Sentence {i}.\tPhrase {i}.\nSentence {i}.\tAutre {i}.\n" for i in range(200)))
    en_fr = get_task("en-fr")
    refs = en_fr.split_references("valid", 3, 0, str(corpus))
    assert len(refs) == 3 and all(len(targets) == 2 for targets in refs.values())
    assert len(en_fr.split_pairs("train", 0, 0, str(corpus))) == 2 * sum(
        split_of(f"Sentence {i}.") == "train" for i in range(200)
    )
    with pytest.raises(ValueError, match=r"the en-fr task needs --data PATH \(a Tatoeba file: English<TAB>French\)"):
        en_fr.split_pairs("train", 0, 0)
    with pytest.raises(ValueError, match="reads its examples from a file"):
        en_fr.examples("test", 3, 0)


def test_gold_alignments_come_from_the_task() -> None:
    assert get_task("reverse").gold_for("ab c") == reverse.example("ab c")  # every string has its gold
    known = get_task("dates").gold_examples(3)
    assert known == dates.examples("test", 3, 0)
    assert get_task("dates").gold_for(known[1].source, known) == known[1]
    assert get_task("dates").gold_for("9 may 2018") is None  # a typed date could be read several ways
    assert get_task("en-fr").gold_for("I am cold.") is None and get_task("en-fr").gold_examples(3) == []
    assert get_task("reverse").gold_for("   ") is None


def _quoted_task_names(path: Path) -> list[tuple[int, str]]:
    """(line, name) wherever a string literal of `path` (docstrings left out) is exactly a task's name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }  # fmt: skip
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in TASKS and id(node) not in docstrings
    ]


def _own_module() -> dict[str, set[str]]:
    """Where a task's name may be written: the module that builds the task (each registered task's, found
    among the modules the registration imported), the registration, and example views for the docs'
    screenshots (like the tests, they show particular tasks)."""
    from seq2seq.tasks import REGISTRY

    own = {"seq2seq/tasks/__init__.py": set(TASKS), "scripts/screenshots.py": set(TASKS)}
    for name, module in list(sys.modules.items()):
        task = getattr(module, "TASK", None) if name.startswith("seq2seq.tasks.") else None
        if task is not None and REGISTRY.get(task.name) is task:
            own[f"seq2seq/tasks/{name.rpartition('.')[2]}.py"] = {task.name}
    return own


def test_no_code_decides_by_a_task_name_outside_that_task():
    """Callers ask the Task; a task's name appears only in its own module and in the registration."""
    root = Path(__file__).resolve().parent.parent
    folders = ("seq2seq", "explorer", "scripts", "app_pages")
    paths = [root / "app.py", *(path for folder in folders for path in (root / folder).rglob("*.py"))]
    found, own_module = [], _own_module()
    assert own_module["seq2seq/tasks/reverse.py"] == {"reverse"}  # found by the registry, not listed here
    for path in sorted(paths):
        relative = path.relative_to(root).as_posix()
        for line, name in _quoted_task_names(path):
            if name not in own_module.get(relative, set()):
                found.append(f"{relative}:{line}: {name!r}")
    assert not found, "task names outside their task: " + ", ".join(found)


def test_a_task_checks_its_own_probes_and_sentences():
    from dataclasses import replace

    from seq2seq.tasks.base import PROBES

    reverse = get_task("reverse")
    assert len(reverse.probes) == PROBES
    for probes in (reverse.probes[:-1], (*reverse.probes[:-1], reverse.probes[0]), (*reverse.probes[:-1], " ")):
        with pytest.raises(ValueError, match=f"give {PROBES} distinct, non-empty probes"):
            replace(reverse, probes=probes)
    with pytest.raises(ValueError, match="default sentence"):
        replace(reverse, default_sentence=" ")
