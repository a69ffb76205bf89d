"""What `python -m seq2seq lab` runs and prints: every experiment of the lab on a split, as one result.

seq2seq/cli.py parses and checks the options (`lab` in `build_parser`, `cmd_lab`) and calls `run`;
this module picks the examples, runs the experiment with a progress callback in the form the
experiment takes, and turns the result into a plain-text table (`format_result`) or JSON data
(`jsonable`).

Examples come from the task's split, `n` drawn across its source lengths (`seq2seq.lab.sample`: the
split's sources the model can take, cut into `n` strata of length, one drawn from each), not its first or
shortest; "skipped" counts the sources of the pool the model cannot take (`location` beyond its trained
length). `sources=` runs given sources instead (a stored result's, rerun). The length experiment, uniform
and the table pick their own (`seq2seq.lab.length`, `seq2seq.lab.uniform`, `seq2seq.lab.table`).

Agreement and the table take `measures` ("signed" or "jain-wallace", `seq2seq.lab.importance`) and
`ig_steps` (None: integrated gradients to convergence, `seq2seq.lab.integrated`; a number: that many
points); their results say which ("measures", "loo", every step's "ig_points" and "ig_delta").

Every result carries "interrupted": an experiment stopped by Ctrl-C returns the examples it finished.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence

from seq2seq.messages import N_

from .names import EXPERIMENTS, READS_LEARNED_ATTENTION
from .names import NEEDS_ATTENTION as NEEDS_ATTENTION  # re-exported: seq2seq/cli.py reads it here
from .stats import jsonable as jsonable  # re-exported: seq2seq/cli.py and the tests read it here

# Examples when --n is not given: what each takes in about a minute or two on two cores.
DEFAULT_N = {
    "agreement": 50,
    "permutation": 100,
    "adversarial": 10,
    "seed_variance": 50,
    "uniform": 200,
    "length": 200,
    "override": 50,
    "alignment": 20,
    "table": 200,
}
MAX_N = 10_000  # the most examples one run takes (--n)
MAX_SEEDS = 1000  # permutation: the most shuffles per step (--seeds)


def sources_for(task_name: str, split: str, n: int, data: str | None = None, translator=None) -> tuple[list[str], int]:
    """(`n` of the split's sources stratified by length, how many the model refused) (`seq2seq.lab.sample`)."""
    from .sample import length_sample

    takes = None if translator is None else (lambda source: _takes(translator, source))
    return length_sample(task_name, split, n, data, takes)


def _takes(translator, source: str) -> bool:
    from seq2seq.decoding import InputError

    try:
        translator.encode_source(source)
    except InputError:
        return False
    return True


def _counting(bar) -> Callable[[Iterable], Iterator]:
    """A `progress` that wraps the sources and ticks `bar` after each one (permutation, adversarial)."""

    def wrap(items: Iterable) -> Iterator:
        for item in items:
            yield item
            bar.update(1)

    return wrap


def run(
    experiment: str,
    translator=None,
    task_name: str | None = None,
    split: str = "test",
    n: int | None = None,
    data: str | None = None,
    ig_steps: int | None = None,
    seeds: int = 100,
    bar: Callable[[int, str], object] | None = None,
    device: str = "cpu",
    measures: str | Sequence[str] = "signed",
    sources: Sequence[str] | None = None,
    seed_runs: str | None = None,
    adversarial: dict | None = None,
) -> dict:
    """Run `experiment` on `translator` (the table: on `task_name`'s models) over `n` of the split's sources.

    `bar(total, unit)` makes a progress bar with an `update(k)` method (tqdm); None: no bar.
    `sources`: these sources instead of a sample (agreement, permutation, adversarial, override).
    `measures`: agreement's definitions, one or several (the first's result, the others' under their
    names); the table takes one (the first).
    `seed_runs`: seed_variance also looks for unreleased seed models there (runs/seeds/, `seq2seq.lab.seeds`);
    `adversarial`: seed_variance compares with this adversarial result of the same model (else with the
    stored one's summary, when the task's stored results have it). InputError (the command line's one-line
    error) for alignment on a task without gold alignments, seed_variance on a model without seed models,
    and either on a model that does not learn where to look.
    Returns the experiment's own result with "experiment", "model" or "task", "split", "n" and
    "interrupted" added (`format_result` prints it).
    """
    n = n or DEFAULT_N[experiment]
    head: dict = {"experiment": experiment, "split": split, "n": n}
    if experiment == "table":
        from .table import scorer_table, table_work

        total = table_work(task_name, split, n, data)
        progress = bar(total, "example").update if bar and total else None
        result = scorer_table(
            task_name,
            n=n,
            data=data,
            ig_steps=ig_steps,
            progress=progress,
            split=split,
            device=device,
            measures=measures if isinstance(measures, str) else measures[0],
        )
        return {**head, **result}
    task_name = task_name or translator.metadata.get("task", "")
    head |= {"model": translator.name, "scorer": translator.scorer, "task": task_name}
    if experiment == "length":
        from .length import quality_by_length

        return {**head, **quality_by_length(translator, task_name, split=split, n=n, data=data), "interrupted": False}
    if experiment == "uniform":
        from .uniform import uniform_quality

        tick = bar(n, "example") if bar else None
        result = uniform_quality(
            translator, task_name, split, n, data, progress=_counting(tick) if tick else None, seed=0
        )
        per_example, interrupted = result.pop("per_example"), result.pop("interrupted")
        return {**head, "per_example": per_example, "summary": result, "interrupted": interrupted}

    if experiment in READS_LEARNED_ATTENTION:
        _check_learned(experiment, translator, task_name)
    siblings = _seed_models(translator, seed_runs, device) if experiment == "seed_variance" else None
    if sources is None:
        sources, head["skipped"] = sources_for(task_name, split, n, data, translator)
    else:
        given = list(sources)
        sources = [s for s in given if _takes(translator, s)]
        head["skipped"] = len(given) - len(sources)
    tick = bar(len(sources), "example") if bar else None
    if experiment == "agreement":
        from .agreement import agreement

        result = agreement(
            translator, sources, ig_steps=ig_steps, progress=tick.update if tick else None, measures=measures
        )
    elif experiment == "permutation":
        from .permutation import permutation

        result = permutation(translator, sources, n_seeds=seeds, progress=_counting(tick) if tick else None)
    elif experiment == "adversarial":
        from .adversarial import adversarial

        result = adversarial(translator, sources, progress=_counting(tick) if tick else None)
    elif experiment == "seed_variance":
        from .seed_variance import seed_variance

        result = seed_variance(translator, siblings, sources, adversarial, progress=_counting(tick) if tick else None)
        if adversarial is None:
            _stored_adversarial(result, translator.name, task_name)
    elif experiment == "alignment":
        from .alignment import alignment

        golds = _gold_examples(task_name, split, n, sources)
        result = alignment(translator, golds, ig_steps=ig_steps, progress=tick.update if tick else None)
    elif experiment == "override":
        from .override import override_split

        result = override_split(translator, sources, progress=_counting(tick) if tick else None)
    else:
        raise ValueError(f"unknown experiment {experiment!r}; expected one of {EXPERIMENTS}")
    interrupted = bool(result.get("interrupted") or result.get("summary", {}).get("interrupted"))
    return {**head, **result, "interrupted": interrupted}


def _check_learned(experiment: str, translator, task_name: str) -> None:
    """InputError unless `translator` learns where to look and, for alignment, its task has gold alignments."""
    from seq2seq.decoding import InputError
    from seq2seq.scorers import learns_where_to_look
    from seq2seq.tasks import get_task

    if not learns_where_to_look(translator.scorer):
        template = (
            N_(
                "the {experiment} experiment reads the attention a model learned, and {model} has none (scorer"
                " 'none'): choose a model that learns where to look"
            )
            if translator.scorer == "none"
            else N_(
                "the {experiment} experiment reads the attention a model learned, and {model}'s is fixed"
                " (scorer {scorer}): choose a model that learns where to look"
            )
        )
        raise InputError(template, experiment=experiment, model=translator.name, scorer=translator.scorer)
    if experiment == "alignment" and not get_task(task_name).has_alignments:
        raise InputError(
            N_(
                "the alignment experiment needs gold alignments, and the {task} task has none"
                " (reverse and dates have them)"
            ),
            task=task_name,
        )


def _seed_models(translator, seed_runs: str | None, device: str) -> list:
    """[(name, Translator)] of `translator`'s seed siblings (`seq2seq.lab.seeds`); InputError when none loads."""
    from seq2seq.decoding import InputError
    from seq2seq.registry import default_root

    from .seeds import SEEDS_FOLDER, load_seed_models, seed_folders

    loaded, notes = load_seed_models(seed_folders(translator.name, seed_runs), device)
    if not loaded:
        where = default_root() / SEEDS_FOLDER
        raise InputError(
            N_(
                "the seed_variance experiment compares {model} with models of other seeds, and none was found"
                " in {where}{also}{why}"
            ),
            model=translator.name,
            where=where,
            also=f" ({seed_runs})" if seed_runs else "",
            why=f" ({'; '.join(notes)})" if notes else "",
        )
    return [(model.name, found) for model, found in loaded]


def _stored_adversarial(result: dict, name: str, task_name: str) -> None:
    """The stored adversarial summary of model `name` beside a seed variance result, when there is one."""
    from . import results

    data, _ = results.load(task_name)
    stored = ((data or {}).get("by_model", {}).get(name) or {}).get("adversarial")
    if isinstance(stored, dict) and isinstance(stored.get("summary"), dict):
        result["summary"]["adversarial_stored"] = stored["summary"]


def _gold_examples(task_name: str, split: str, n: int, sources: Sequence[str]) -> list:
    """The gold examples (`seq2seq.tasks.base.Example` with alignments) of `sources`, from the split's pool."""
    from seq2seq.tasks import get_task

    from .sample import POOL

    task = get_task(task_name)
    known = task.examples(split, max(POOL, n), 0)
    golds = (task.gold_for(source, known) for source in sources)
    return [gold for gold in golds if gold is not None and gold.alignment is not None]


# -- output ------------------------------------------------------------------------------------------------
def _number(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _interval(entry: dict, digits: int = 3) -> str:
    if entry.get("low") is None:
        return "-"
    return f"[{_number(entry['low'], digits)}, {_number(entry['high'], digits)}]"


def _is_summary(value) -> bool:
    return isinstance(value, dict) and {"n", "median", "low", "high"} <= set(value)


def summary_rows(summary: dict, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(name, n, median, 95% interval) of every `stats.summary` in `summary`; other scalars as (name, "", value, "").

    A nested object of such values (the significant shares by pair, the saturated steps, a distribution)
    gives its rows with its key in front, "saturated.share".
    """
    rows = []
    for key, value in summary.items():
        if key == "interrupted":
            continue
        name = f"{prefix}{key}"
        if _is_summary(value):
            rows.append((name, str(value["n"]), _number(value["median"]), _interval(value)))
        elif isinstance(value, int | float | str | bool) or value is None:
            rows.append((name, "", _number(value), ""))
        elif isinstance(value, dict):
            rows += summary_rows(value, f"{name}.")
    return rows


def format_result(result: dict) -> str:
    """The plain-text table `lab` prints for a result of `run`."""
    from seq2seq.tables import format_table

    experiment = result["experiment"]
    if experiment == "table":
        return _format_table(result)
    if experiment == "length":
        digits = 1 if result["metric"] == "bleu" else 3
        rows = [
            (
                f"{b['range'][0]}-{b['range'][1]}",
                str(b["n"]),
                _number(b["value"], digits),
                _interval(b, digits),
                str(b["refused"]),
            )
            for b in result["buckets"]
        ]
        title = f"{result['model']}: {result['metric']} by source length in {result['unit']} ({result['split']} split)"
        return title + "\n" + format_table(("length", "n", result["metric"], "95% interval", "refused"), rows)
    summary = result.get("summary", result)
    title = (
        f"{result['model']}: {experiment} over {len(result.get('per_example', []))} examples ({result['split']} split)"
    )
    if "measures" in result:
        title += f"; {result['measures']} measures, leave-one-out by {result['loo']}"
    text = title + "\n" + format_table(("measure", "n", "median", "95% interval"), summary_rows(summary))
    for name, other in result.items():  # agreement's other definitions, computed beside the first
        if name != result.get("measures") and isinstance(other, dict) and other.get("measures") == name:
            head = f"{name} measures, leave-one-out by {other['loo']}"
            text += (
                "\n\n"
                + head
                + "\n"
                + format_table(("measure", "n", "median", "95% interval"), summary_rows(other["summary"]))
            )
    return text


def _format_table(result: dict) -> str:
    from seq2seq.tables import format_table

    metric = result["metric"]
    header = ("model", "cell", "perplexity", metric, "AER", "entropy", "tau(attn, IG)", "median tau [95%]", "p<0.05")
    rows = []
    for row in result["rows"]:
        summary = row["tau_summary"]
        median = "-" if summary["median"] is None else f"{_number(summary['median'])} {_interval(summary)}"
        rows.append(
            (
                row["model"],
                row["cell"],
                _number(row["perplexity"], 4),
                _number(row[metric], 1 if metric == "bleu" else 3),
                _number(row["aer"]),
                _number(row["entropy"]),
                _number(row["tau"]),
                median,
                _number(row.get("significant_share")),
            )
        )
    title = f"{result['task']}: every scorer over {result['n']} {result['split']} examples"
    title += f" ({result.get('measures', 'signed')} measures)"
    notes = [
        f"{row['model']}: tau over the first {row['tau_examples']} of {len(row['per_example'])} sources (interrupted)"
        for row in result["rows"]
        if row["interrupted"]
    ]
    notes += [
        f"{row['model']}: {row['refused']} examples too long for the model, left out"
        for row in result["rows"]
        if row["refused"]
    ]
    return "\n".join([title, format_table(header, rows), *notes])
