"""The shipped models' lab results, stored beside them: `pretrained/lab/<task>.json`.

scripts/lab_results.py runs the lab's experiments (`seq2seq.lab.run.run`, what `python -m seq2seq lab`
runs) on every shipped model of a task and stores them here, so that the app opens with them at once;
tests/test_lab_results.py reruns them on the first few examples and checks the stored values. The
folder is found through the registry's root: `lab/` inside `seq2seq.registry.default_root()`
(pretrained/, or the folder $ATTENTION_EXPLORER_PRETRAINED names).

One file per task, plain JSON:

    {"format": 1, "task": "en-fr",
     "settings": {"split": "test", "n": {"agreement": 40, ...}, "ig_steps": None (to convergence),
                  "ig": {"adaptive", "start", "max", "panel_points", "atol", "rtol"}, "seeds": 100,
                  "data": {"file": "eng-fra.txt", "sha256": ...} or None, "threads": 1, "method": 2,
                  "measures": ["signed", "jain-wallace"], "sampling", "date": ..., "commit": ...},
     "by_model": {"en-fr/general": {"weights": sha256 of model.safetensors, "date", "commit", "seconds",
                                  "agreement": ..., "permutation": ..., "uniform": ..., "length": ...}, ...},
     "table": the scorer table}

A model that learns where to look (`seq2seq.scorers.learns_where_to_look`) also stores, where they apply
(`seq2seq.lab.names.WHERE_THEY_APPLY`): "adversarial" (every task), "alignment" (the tasks with gold
alignments) and "seed_variance" (when models of other seeds are found, `seq2seq.lab.seeds`); a model with
fixed attention (scorer `uniform`) stores only its length entry. These keys are optional to a reader.

Each experiment's entry is `stored_form(experiment, result)` of its `run` result: the summary with its
medians and 95% bootstrap intervals (length: its buckets; the table: its rows), and per example what
the summary is computed from, without the per-step detail: a record per example for agreement and
permutation (what the Lab page's histograms read), the outputs alone for uniform and length (their
sources are the task's, picked again the same way). Agreement's entry is that of the signed measures,
with "measures", "loo" ("deletion" or "unk") and "pairs" (the order of its examples' count lists), and
Jain & Wallace's whole entry beside it under
"jain-wallace"; its summary adds the significant shares, the saturated and unsaturated steps, the source
lengths and integrated gradients' convergence (`seq2seq.lab.agreement.split_summary`), its examples their
counts (`AGREEMENT_COUNTS`); permutation's summary adds "mean_tvd", "share_tvd_above_half" and "tvd" (the
steps' distribution). Adversarial keeps per example every step's JSD and TVD (each TVD within the
summary's "tvd_bound"), its summary the steps' spread ("mean_jsd", "jsd", "share_above_half", "histogram");
seed variance per example its mean JSD and identical output per seed (the steps' JSDs of the first
STEPS_KEPT), its summary per seed and pooled, with "adversarial" beside it; alignment per example its links
and each measure's argmax per link, its summary the AER of each measure ("aer").

`METHOD` says how the numbers are computed; a file of an older method (method 1: no "method" in its
settings) loads and reads as before, every field added since being optional to a reader, and `stale`
says it should be computed again. A model without attention (scorer `none`) has
no permutation or uniform entry (they change the attention). The table also carries "weights" (model
-> digest), "date" and "seconds".

`load(task)` never raises: (data, None) when the file is there and sound; (None, None) when there is
none; (None, note) when it cannot be used (unreadable, not JSON, not the layout above, larger than
MAX_BYTES), the note naming the file and the problem. `save` writes atomically, and only over a file
this module wrote (`check_ours`: a results file of that task, or the README it writes); anything else
at that name is refused with NotOursError and left as it is.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

from .names import MEASURES, MODEL_EXPERIMENTS, WHERE_THEY_APPLY

FOLDER = "lab"  # inside the registry's root
FORMAT = 1
# How the numbers are computed. 1: 32-point integrated gradients, gradient x input as a norm, leave-one-out
# by <unk>, the split's first sources. 2: integrated gradients to convergence with its delta per step,
# every measure signed and Jain & Wallace's beside them, leave-one-out by deletion where <unk> was never
# trained, sources stratified by length, p-values, saturated steps apart, the permutation's distribution.
# Files of an older method still load (every field added since is optional to a reader): `stale` says so.
METHOD = 2
# How agreement is computed within METHOD 2, stored in its entry ("version"): 1 (absent) Jain & Wallace's
# leave-one-out as |f(x) - f(x without s)|, every step in the means, every p < 0.05 significant; 2 their
# leave-one-out as the output distributions' TVD, steps ranking fewer than MIN_RANKED tokens and the taus
# of unconverged integrated gradients left out, only tau > 0 significant, beside its chance level.
# scripts/lab_results.py recomputes an agreement entry of another version alone.
# 3 (issue 64): integrated gradients' convergence judged against |f(x) - f(x')| (at most 5% of it), and the
# steps whose |f(x) - f(x')| is below the floor of a readable ranking (names.READABLE) left out of every tau
# with integrated gradients, counted apart ("ig_nothing", summary "ig"."nothing"); each step stores "ig_change".
AGREEMENT_VERSION = 3
MAX_BYTES = 8 * 2**20  # a task's file is a few hundred KB: megabytes more would be hostile or broken
# Settings that decide the numbers: a stored model is reused only when these are the same.
DECIDING = ("split", "n", "ig_steps", "seeds", "data", "method", "measures")


def folder(root: str | os.PathLike[str] | None = None) -> Path:
    """`lab/` inside `root`, by default the registry's root (`seq2seq.registry.default_root`)."""
    from seq2seq.registry import default_root

    return (Path(root) if root is not None else default_root()) / FOLDER


def path(task: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The file of `task`'s results; ValueError for a name that is not a known task (never a path)."""
    from seq2seq.tasks import TASKS

    if task not in TASKS:
        raise ValueError(f"no task named {task!r} (known: {', '.join(TASKS)})")
    return folder(root) / f"{task}.json"


def load(task: str, root: str | os.PathLike[str] | None = None) -> tuple[dict | None, str | None]:
    """(the stored results of `task`, None); (None, None) when none are stored; (None, note) when the
    file cannot be used, the note naming it and the problem. Never raises."""
    try:
        where = path(task, root)
    except ValueError as error:
        return None, str(error)
    try:
        if not where.exists() and not where.is_symlink():
            return None, None
        base = where.parent.resolve()
        real = where.resolve()
        if not real.is_relative_to(base):
            return None, f"{where}: a link leading outside {where.parent} (to {real}); not read"
        if not real.is_file():
            return None, f"{where}: not a file"
        size = real.stat().st_size
        if size > MAX_BYTES:
            return (
                None,
                f"{where}: {size / 2**20:.1f} MB, more than the {MAX_BYTES // 2**20} MB a results file may hold",
            )
        with open(real, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        return None, f"{where}: not valid JSON ({error})"
    except OSError as error:
        return None, f"{where}: cannot be read ({error.strerror or error})"
    except RecursionError:
        return None, f"{where}: nested too deeply to be read"
    problem = layout_problem(task, data)
    if problem:
        return None, f"{where}: {problem}"
    return data, None


class NotOursError(ValueError):
    """A file `save` or `write_readme` would replace was not written by them: refused, left untouched."""


def _why_not_ours(where: Path, task: str | None) -> str | None:
    """Why the file at `where` is not one this module wrote (None: it is, or there is none).

    Ours: a plain file holding a JSON object with "format" and "task" `task` (any format version:
    an older one is ours to replace), or for `task` None the README, which starts with its title.
    """
    if not os.path.lexists(where):
        return None
    if where.is_symlink() or not where.is_file():
        return "not a plain file"
    try:
        with open(where, "rb") as handle:
            head = handle.read(MAX_BYTES + 1)
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if task is None:
        return None if head.startswith(README_TITLE.encode()) else f"does not start with {README_TITLE.strip()!r}"
    try:
        data = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "not lab results in JSON"
    if not isinstance(data, dict) or "format" not in data or data.get("task") != task:
        return f"not the lab results of {task}"
    return None


def check_ours(where: Path, task: str | None) -> None:
    """NotOursError naming `where` unless writing it replaces nothing but this module's own file."""
    why = _why_not_ours(where, task)
    if why is not None:
        raise NotOursError(
            f"{where} exists and was not written by the lab results ({why}); move it away, then run again"
        )


def check_writable(task: str, root: str | os.PathLike[str] | None = None) -> None:
    """NotOursError unless `task`'s results file and the README may be written (before any work)."""
    check_ours(path(task, root), task)
    check_ours(folder(root) / README, None)


def write_atomically(where: Path, text: str) -> None:
    """`text` into `where`: a fresh temporary file beside it (never an existing one), then a rename."""
    handle, tmp = tempfile.mkstemp(prefix=f".{where.name}.tmp-", dir=where.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would make the stored file private
        os.replace(tmp, where)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def layout_problem(task: str, data: object) -> str | None:
    """What is wrong with `data` as the results of `task` (the module docstring's layout); None if nothing."""
    if not isinstance(data, dict):
        return "expected a JSON object"
    if data.get("format") != FORMAT:
        return f"format {data.get('format')!r}, expected {FORMAT}"
    if data.get("task") != task:
        return f"the results of task {data.get('task')!r}, not {task!r}"
    if not isinstance(data.get("settings"), dict):
        return 'no "settings" object'
    models = data.get("by_model")
    if not isinstance(models, dict) or not all(isinstance(m, dict) for m in models.values()):
        return 'expected "by_model": {name: {experiment: result}}'
    for name, entry in models.items():
        if not name.startswith(f"{task}/"):
            return f"model {name!r} is not a {task} model"
        for experiment in (*MODEL_EXPERIMENTS, *WHERE_THEY_APPLY):
            if experiment not in entry:
                continue
            stored = entry[experiment]
            if not isinstance(stored, dict):
                return f"{name}: {experiment} is not an object"
            for key, kind in _SHAPES.items():
                if key in stored and not isinstance(stored[key], kind):
                    return f"{name}: {experiment}'s {key!r} is not {_KIND_NAMES[kind]}"
    table = data.get("table")
    if table is not None:
        if not isinstance(table, dict):
            return '"table" is not an object'
        rows = table.get("rows", [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("model"), str) for r in rows):
            return 'the table\'s "rows" are not a list of {"model": ..., ...}'
    return None


# The layout of an experiment's entry: what the page and the tests read, checked on load.
_SHAPES = {"summary": dict, "per_example": list, "buckets": list, "outputs": dict | list, "refused": list}
_KIND_NAMES = {dict: "an object", list: "a list", dict | list: "an object or a list"}


def save(task: str, data: dict, root: str | os.PathLike[str] | None = None) -> Path:
    """Write `data` as `task`'s results atomically (a temporary file beside it, then a rename); returns the path.

    NaN and infinities are written as null. Each model's experiments and the table's rows take a line
    each (`dumps`), so that a diff says which changed. NotOursError for a file there it did not write.
    """
    where = path(task, root)
    where.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(data)
    check_ours(where, task)
    write_atomically(where, text + "\n")
    return where


def dumps(data: dict) -> str:
    """`data` as JSON text: the top-level keys, each model's experiments and each table row on a line of
    their own, everything inside them compact. NaN and infinities become null."""
    from .stats import jsonable

    def flat(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    def block(mapping: dict, indent: str, inner) -> str:
        if not mapping:
            return "{}"
        items = [f"{indent}  {flat(key)}: {inner(value)}" for key, value in mapping.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"

    data = jsonable(data)
    lines = []
    for key, value in data.items():
        if key == "by_model" and isinstance(value, dict):
            text = block(
                value, "  ", lambda entry: block(entry, "    ", flat) if isinstance(entry, dict) else flat(entry)
            )
        elif key == "table" and isinstance(value, dict) and isinstance(value.get("rows"), list):
            rows = ",\n".join(f"      {flat(row)}" for row in value["rows"])
            rest = ", ".join(f"{flat(k)}: {flat(v)}" for k, v in value.items() if k != "rows")
            text = "{" + rest + (", " if rest else "") + '"rows": [\n' + rows + "\n  ]}"
        else:
            text = flat(value)
        lines.append(f"  {flat(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"


# -- what is stored of a result -------------------------------------------------------------------------
def _keep(entry: dict, keys: tuple[str, ...]) -> dict:
    return {key: entry[key] for key in keys if key in entry}


def stored_form(experiment: str, result: dict) -> dict:
    """What is stored of `seq2seq.lab.run.run(experiment, ...)`'s result: its summary (or buckets, rows)
    whole, and per example what the summary is computed from (the per-step detail left out).

    agreement and permutation keep a record per example, source included (the Lab page's histograms);
    uniform and length keep only the outputs, in the order of their sources, which the task gives
    again (uniform: `Task.split_references(split, n, 0, data)`; length:
    `seq2seq.lab.length.length_sources`) and which are not stored: {"outputs": {"model": [...],
    "uniform": [...]}} and {"outputs": [...], "refused": [indices of the sources the model refused]}.
    The reproduction test compares a rerun's `stored_form` with the stored one, example by example.
    """
    from .stats import jsonable

    head = _keep(result, ("n", "split", "skipped"))
    if experiment == "agreement":  # what `agreement.split_summary` is recomputed from: its example counts
        examples = [
            {**_keep(e, ("source", "output", "tau", "length", *AGREEMENT_COUNTS)), "steps": len(e["steps"])}
            for e in result["per_example"]
        ]
        others = {  # the other definitions, computed beside the first (`agreement`'s measures)
            name: stored_form(experiment, {**head, **result[name]})
            for name in MEASURES
            if isinstance(result.get(name), dict)
        }
        kept = {**head, "version": AGREEMENT_VERSION, **_keep(result, ("measures", "loo", "pairs"))}
        kept["summary"] = result["summary"]
        kept["per_example"] = examples
        return jsonable(kept | others)
    if experiment == "permutation":
        kept = ("source", "output", "median_tvd", "fraction_changed", "mean_tvd", "above_half", "max_tvd", "histogram")
        examples = [{**_keep(e, kept), "steps": len(e["steps"])} for e in result["per_example"]]
        return jsonable({**head, "summary": result["summary"], "per_example": examples})
    if experiment == "uniform":  # the sources: the split's first n (`Task.split_references`, seed 0)
        keys = ("model", "uniform", *(["trained_uniform"] if "trained_uniform" in result["summary"] else []))
        outputs = {key: [e[key] for e in result["per_example"]] for key in keys}
        return jsonable({**head, "summary": result["summary"], "outputs": outputs})
    if experiment == "adversarial":  # every step's JSD, TVD and p(y_t) (the summary's spread is recomputed from them)
        examples = [
            {**_keep(e, ("source", "output", "median_jsd")), "jsd": [s["jsd"] for s in e["steps"]]}
            | {"tvd": [s["tvd"] for s in e["steps"]]}
            | {"p": [s["p"] for s in e["steps"]]}
            for e in result["per_example"]
        ]
        return jsonable({**head, "summary": result["summary"], "per_example": examples})
    if experiment == "seed_variance":  # per example its means; the steps' JSDs of the first few only
        examples = [
            {**_keep(e, ("source", "output", "mean_jsd", "identical")), "steps": len(e["positions"])}
            | ({"jsd": e["jsd"]} if i < STEPS_KEPT else {})
            for i, e in enumerate(result["per_example"])
        ]
        return jsonable({**head, "summary": result["summary"], "per_example": examples})
    if experiment == "alignment":  # the gold is the task's (`Task.gold_for`); the argmaxes give every AER again
        examples = [_keep(e, ("source", "links", "argmax", "attention_on_eos")) for e in result["per_example"]]
        return jsonable({**head, "summary": result["summary"], "per_example": examples})
    if experiment == "length":  # the sources: `seq2seq.lab.length.length_sources`
        examples = result["per_example"]
        keys = ("metric", "unit", "width", "trained_source_tokens", "buckets")
        outputs = [e["output"] for e in examples]
        refused = [i for i, e in enumerate(examples) if e["refused"]]
        return jsonable({**head, **_keep(result, keys), "outputs": outputs, "refused": refused})
    if experiment == "table":
        keys = ("task", "split", "n", "metric", "ig_steps", "measures")
        rows = [
            {
                **{k: v for k, v in row.items() if k != "per_example"},
                "per_example": [_keep(e, TABLE_EXAMPLE) for e in row["per_example"]],
            }
            for row in result["rows"]
        ]
        return jsonable({**_keep(result, keys), "rows": rows})
    stored = (*MODEL_EXPERIMENTS, *WHERE_THEY_APPLY)
    raise ValueError(f"no stored form for the {experiment!r} experiment (stored: {stored} and the table)")


# Seed variance keeps the steps' JSDs of its first examples only (a few for the page to show; all of them would
# be thousands of numbers per model): its steps' spread is stored in its summary.
STEPS_KEPT = 3


# What an agreement example keeps of its steps (`seq2seq.lab.agreement.example_counts`), and a table row's
# examples of theirs (`seq2seq.lab.table.model_row`): absent from results stored before METHOD 2.
AGREEMENT_COUNTS = (
    "significant",
    "defined",
    "chance",
    "short",
    "saturated",
    "unsaturated",
    "ig_points",
    "ig_points_max",
    "ig_unconverged",
    "ig_nothing",  # since AGREEMENT_VERSION 3
    "ig_delta_max",
)
TABLE_EXAMPLE = (
    "source",
    "output",
    "nll",
    "tokens",
    "tau",
    "tau_steps",
    "significant",
    "steps",
    "saturated",
    "tau_unsaturated",
    "unsaturated_steps",
    "ig_unconverged",
)


def weights_digest(folder_path: str | os.PathLike[str]) -> str:
    """The first 16 hex digits of the SHA-256 of a model folder's model.safetensors: which weights a
    stored result was computed on (a retrained model's results are stale)."""
    from seq2seq.checkpoint import WEIGHTS_FILE

    digest = hashlib.sha256()
    with open(Path(folder_path) / WEIGHTS_FILE, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def file_digest(file: str | os.PathLike[str]) -> str:
    """The full SHA-256 of a data file (the corpus the results were computed on)."""
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def recorded_seconds(data: dict) -> float:
    """The seconds a task's stored results took to compute, as the file records them: its models' and its
    table's, summed (what `scripts/lab_results.py --jobs` orders by and `bench.lab_speed --refresh` reports)."""
    records = [*(data.get("by_model") or {}).values(), data.get("table") or {}]
    return sum(float(r.get("seconds", 0.0)) for r in records if isinstance(r, dict))


def method_of(data: dict) -> int:
    """The method a results file was computed with (`METHOD`; a file that does not say is of method 1)."""
    method = (data.get("settings") or {}).get("method", 1)
    return method if isinstance(method, int) and not isinstance(method, bool) else 1


def stale(data: dict) -> bool:
    """Whether a results file was computed by an older method than this code's (rerun scripts/lab_results.py)."""
    return method_of(data) != METHOD


def same_settings(a: dict, b: dict) -> bool:
    """Whether two results' settings give the same numbers (`DECIDING`: not the date or the commit).

    The examples per experiment ("n") are compared on the experiments both name: an experiment added
    since leaves the others' stored numbers valid (scripts/lab_results.py computes only what is missing).
    """
    na, nb = a.get("n"), b.get("n")
    if isinstance(na, dict) and isinstance(nb, dict):
        if any(na[key] != nb[key] for key in set(na) & set(nb)):
            return False
    elif na != nb:
        return False
    return all(a.get(key) == b.get(key) for key in DECIDING if key != "n")


def finite(value) -> bool:
    """A number that is neither None, NaN nor infinite."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# -- the README of the lab folder (written by seq2seq.lab.results_readme) ---------------------------------
README = "README.md"  # in the lab folder, written by scripts/lab_results.py from the JSON files
README_TITLE = "# Attention lab results\n"  # its first line: how a README it wrote is told from another
