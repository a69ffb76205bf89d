"""The papers' numbers the lab sets beside its own, read from one file: seq2seq/lab/papers.toml.

Why a file, and why checked: a number quoted from a paper must say where it was read (table, row,
column) and on what kind of model (its setting), or a page ends up showing a BiLSTM classifier's τ as if
it had been measured on one of these seq2seq models, and a number nobody can find in the paper survives
every edit. So every quoted number lives in papers.toml, and `load` refuses a file with an entry that
lacks any of those, or names a paper, setting or pair it does not know, with the file, the entry and
the key in its message. The app reads the entries (`quotes`) and never types a paper's number itself.

No torch, read-only: the entries are frozen dataclasses and tuples, loaded once per file.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from seq2seq.messages import N_

PAPERS_FILE = Path(__file__).with_name("papers.toml")

# The settings a quoted number may be measured in, as the pages say them (marked: the app translates
# them). A number from another kind of model or reduction needs its setting added here first.
SETTINGS = (
    N_("BiLSTM text classifier, per-class mean"),
    N_("BiLSTM text classifier, mean over the test set"),
    N_("BiLSTM question answering or inference model, mean over the test set"),
    N_("BiLSTM text classifier with additive attention, mean over the test set"),
    N_("BiLSTM text classifier with additive attention, share of test instances with a significant τ"),
    N_("BiLSTM question answering or inference model with additive attention, mean over the test set"),
    N_(
        "BiLSTM question answering or inference model with additive attention, share of test instances with a "
        "significant τ"
    ),
)

# What a quoted number is (`statistic`): the mean Kendall τ over the paper's test instances (with its
# standard deviation where given), or Jain & Wallace's "Sig. Frac.", the share of test instances whose τ is
# significant (their code: two-sided p ≤ 0.05, of either sign; one τ per instance, over its whole document).
STATISTICS = {"tau_mean": N_("mean τ"), "sig_frac": N_("Sig. Frac.")}

# What a quoted number compares, and the lab's pairs (seq2seq.lab.names.pairs) it may stand beside. Jain &
# Wallace's "gradient" is gradient × input: their Algorithm 1 and their code rank a token by |Σ g·x|, the
# gradient of the output with respect to the token's embedding times that embedding, summed over the
# embedding and taken absolute (their outputs' `XxE[X]`): the lab's gradient × input as Jain & Wallace's
# measures take it (seq2seq.lab.importance, "jain-wallace"), and integrated gradients, which sums gradient ×
# input along a path, the lab's other measure of that kind.
COMPARES = {
    "attention~gradient": ("attention~grad_x_input", "attention~integrated_gradients"),
    "attention~leave_one_out": ("attention~leave_one_out",),
    "gradient~leave_one_out": ("grad_x_input~leave_one_out",),
}

# Where in Jain & Wallace (2019; arXiv 1902.10186v3) each part of the lab is described: the one place the
# code, the pages and the docs take a section number from (tests/test_lab_citations.py holds every mention
# of their sections in the lab's files and lesson 7 to this). Section 3 is their "Datasets and Tasks".
JAIN_WALLACE_SECTIONS = {
    "measures": "§4.1",  # "Correlation Between Attention and Feature Importance Measures": tau, gradients, LOO,
    # and "we disconnect the computation graph at the attention module"
    "permutation": "§4.2.1",  # "Attention Permutation"
    "adversarial": "§4.2.2",  # "Adversarial Attention", with its epsilon per setting
}
# Jain & Wallace's epsilon, the TVD an adversarial row may move the output by: per setting, as their §4.2.2
# sets it. The lab's seq2seq steps take the question-answering value (seq2seq.lab.adversarial.TVD_BOUND).
JAIN_WALLACE_EPSILON = {"text classification": 0.01, "question answering": 0.05}


def section(topic: str) -> str:
    """Jain & Wallace's section for `topic` (a key of JAIN_WALLACE_SECTIONS): "§4.2.1"."""
    return JAIN_WALLACE_SECTIONS[topic]


# The lab's pairs that are the papers' own pairs under Jain & Wallace's measures (magnitudes, their gradient
# × input, leave-one-out as the output's total variation): where the Lab's table of their measures sets the
# figures of their published outputs beside its own (`Papers.outputs`).
THEIR_PAIRS = {
    "attention~grad_x_input": "attention~gradient",
    "attention~leave_one_out": "attention~leave_one_out",
    "grad_x_input~leave_one_out": "gradient~leave_one_out",
}

PAPER_KEYS = {"authors": list, "cite": str, "year": int, "title": str, "venue": str, "url": str}
QUOTE_KEYS = {
    "paper": str,
    "row": str,
    "column": str,
    "setting": str,
    "compares": str,
    "label": str,
    "value": float,
}
# Where a number was read: exactly one of `table` (a table, section or figure of the paper) and `file` (an
# output file the authors published, by its path in their repository).
SOURCE_KEYS = ("table", "file")
OPTIONAL_QUOTE_KEYS = {"table": str, "file": str, "statistic": str, "std": float}


class PapersError(ValueError):
    """papers.toml cannot be used: what is wrong, and where (the file, the entry, the key)."""


@dataclass(frozen=True)
class Paper:
    """A paper the lab quotes: `cite` is how a page names it ("Jain & Wallace 2019")."""

    key: str
    authors: tuple[str, ...]
    cite: str
    year: int
    title: str
    venue: str
    url: str


@dataclass(frozen=True)
class Quote:
    """One number read in a paper: where (table, row, column), on what (setting), beside which pairs."""

    paper: Paper
    table: str  # "Table 2", "§4.1", "Figure 3"; "" for a number read in an output file
    row: str
    column: str
    setting: str  # one of SETTINGS (English; the app translates it)
    compares: str  # a key of COMPARES
    label: str  # its short name on a histogram: a data set's name
    value: float
    std: float | None = None
    file: str = ""  # an output file of the authors' (its path in their repository); "" for a table's number
    statistic: str = "tau_mean"  # a key of STATISTICS

    @property
    def pairs(self) -> tuple[str, ...]:
        """The lab's pairs this number may stand beside."""
        return COMPARES[self.compares]


@dataclass(frozen=True)
class Papers:
    """Everything papers.toml holds: the papers by key, and the quoted numbers in the file's order."""

    papers: Mapping[str, Paper]  # read-only (a MappingProxyType)
    quotes: tuple[Quote, ...]

    def for_pair(self, pair: str) -> tuple[Quote, ...]:
        """The mean τ read in a paper's table that may stand beside the lab's pair `pair`
        ("attention~grad_x_input"), under either set of measures. The figures of an output file are
        under Jain & Wallace's measures only (`outputs`)."""
        return tuple(q for q in self.quotes if pair in q.pairs and not q.file and q.statistic == "tau_mean")

    def outputs(self, pair: str, statistic: str) -> tuple[Quote, ...]:
        """The figures (`statistic`: a key of STATISTICS) of the authors' output files for the lab's pair
        `pair` under Jain & Wallace's measures (THEIR_PAIRS), in the file's order; () for a pair not theirs."""
        theirs = THEIR_PAIRS.get(pair)
        return tuple(q for q in self.quotes if q.file and q.compares == theirs and q.statistic == statistic)


def _typed(value, kind: type, where: str, key: str):
    """`value` as `kind`, or PapersError naming `where` and `key`. Integers count as floats; bools never do."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise PapersError(f"{where}: {key!r} must be {kind.__name__}, not {type(value).__name__} ({value!r})")
    if kind is float and not math.isfinite(value):
        raise PapersError(f"{where}: {key!r} must be a finite number, not {value!r}")
    if kind is str and not value.strip():
        raise PapersError(f"{where}: {key!r} is empty")
    return value


def _checked_keys(entry, required: dict, optional: dict, where: str) -> None:
    if not isinstance(entry, dict):
        raise PapersError(f"{where}: must be a table of keys, not {type(entry).__name__}")
    missing = [key for key in required if key not in entry]
    if missing:
        raise PapersError(f"{where}: missing {', '.join(repr(k) for k in missing)}")
    unknown = sorted(set(entry) - set(required) - set(optional))
    if unknown:
        raise PapersError(f"{where}: unknown key {', '.join(repr(k) for k in unknown)} (known: {', '.join(required)})")


def _paper(key: str, entry, name: str) -> Paper:
    where = f"{name}: paper {key!r}"
    _checked_keys(entry, PAPER_KEYS, {}, where)
    values = {k: _typed(entry[k], kind, where, k) for k, kind in PAPER_KEYS.items()}
    authors = tuple(_typed(a, str, where, "authors") for a in values.pop("authors"))
    if not authors:
        raise PapersError(f"{where}: 'authors' is empty")
    return Paper(key=key, authors=authors, **values)


def _quote(index: int, entry, papers: dict[str, Paper], name: str) -> Quote:
    where = f"{name}: quote {index}"
    _checked_keys(entry, QUOTE_KEYS, OPTIONAL_QUOTE_KEYS, where)
    sources = [k for k in SOURCE_KEYS if k in entry]
    if len(sources) != 1:
        said = "both" if sources else "neither"
        raise PapersError(f"{where}: needs one of 'table' and 'file' (where the number was read), not {said}")
    source = sources[0]
    values = {k: _typed(entry[k], str, where, k) for k in ("paper", source, "row")}
    where = f"{where} ({values['paper']}, {values[source]}, {values['row']})"  # the entry, as the file says it
    values |= {k: _typed(entry[k], kind, where, k) for k, kind in QUOTE_KEYS.items() if k not in values}
    std = _typed(entry["std"], float, where, "std") if "std" in entry else None
    if std is not None and std < 0:
        raise PapersError(f"{where}: 'std' must not be negative ({std})")
    statistic = _typed(entry.get("statistic", "tau_mean"), str, where, "statistic")
    if statistic not in STATISTICS:
        raise PapersError(f"{where}: unknown 'statistic' {statistic!r} (known: {', '.join(STATISTICS)})")
    if statistic == "sig_frac" and not 0 <= values["value"] <= 1:
        raise PapersError(f"{where}: a 'sig_frac' is a share, from 0 to 1, not {values['value']}")
    if values["paper"] not in papers:
        raise PapersError(f"{where}: no paper {values['paper']!r} (known: {', '.join(papers) or 'none'})")
    if values["setting"] not in SETTINGS:
        raise PapersError(f"{where}: unknown setting {values['setting']!r} (known: {'; '.join(SETTINGS)})")
    if values["compares"] not in COMPARES:
        raise PapersError(f"{where}: unknown 'compares' {values['compares']!r} (known: {', '.join(COMPARES)})")
    values.setdefault("table", "")
    return Quote(**{**values, "paper": papers[values["paper"]]}, std=std, statistic=statistic)


def parse(text: str, name: str = "papers.toml") -> Papers:
    """The papers and quoted numbers of a papers.toml text; PapersError for anything malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PapersError(f"{name}: not TOML: {error}") from error
    unknown = sorted(set(data) - {"papers", "quotes"})
    if unknown:
        raise PapersError(f"{name}: unknown table {', '.join(repr(k) for k in unknown)} (known: 'papers', 'quotes')")
    raw_papers, raw_quotes = data.get("papers", {}), data.get("quotes", [])
    if not isinstance(raw_papers, dict):
        raise PapersError(f"{name}: 'papers' must be tables ([papers.<key>])")
    if not isinstance(raw_quotes, list):
        raise PapersError(f"{name}: 'quotes' must be an array of tables ([[quotes]])")
    papers = {key: _paper(key, entry, name) for key, entry in raw_papers.items()}
    quotes = tuple(_quote(i, entry, papers, name) for i, entry in enumerate(raw_quotes, start=1))
    return Papers(papers=MappingProxyType(papers), quotes=quotes)


@functools.cache
def _load(path: Path) -> Papers:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PapersError(f"{path}: cannot be read: {error}") from error
    return parse(text, str(path))


def load(path: Path | None = None) -> Papers:
    """papers.toml (`PAPERS_FILE` unless `path` is given), read and checked once per file."""
    return _load(Path(path) if path is not None else PAPERS_FILE)
