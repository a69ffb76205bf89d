"""The lab folder's README (pretrained/lab/README.md): the Markdown tables of the stored lab results.

Written by scripts/lab_results.py (`write_readme`) from the JSON files beside it,
never typed: per task, the experiments per model (agreement, permutation, uniform attention), the
significance and saturation of the taus, adversarial attention beside seed variance, the alignment error
rates of attention and the importances, quality by length, and the scorer table. A table of an experiment
no model of the task stores is left out.
"""

from __future__ import annotations

import os
from pathlib import Path

from .names import SATURATED
from .results import README, README_TITLE, check_ours, finite, folder, load, method_of, write_atomically


def _ig_rule(ig: dict) -> str:
    """Integrated gradients' tolerance as the stored settings say it was run: "max(0.01 nats, 1% of |f(x) −
    f(x′)|)", and since issue 64 "…, and at most 5% of it" (`seq2seq.lab.integrated.tolerance`)."""
    rule = f"max({ig.get('atol')} nats, {_number(100 * (ig.get('rtol') or 0), 0)}% of |f(x) − f(x′)|)"
    if ig.get("share") is not None:
        rule += f", and at most {_number(100 * ig['share'], 0)}% of it"
    return rule


def _number(value, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if finite(value) else "–"


def _median(entry: dict | None, digits: int = 2) -> str:
    """ "median [low, high]" of a `stats.summary`."""
    if not isinstance(entry, dict) or not finite(entry.get("median")):
        return "–"
    return f"{entry['median']:.{digits}f} [{_number(entry.get('low'), digits)}, {_number(entry.get('high'), digits)}]"


def markdown(task: str, data: dict) -> str:
    """The Markdown tables of one task's stored results: the experiments per model, quality by length, the
    scorer table. Written from the numbers, never typed."""
    settings, models = data["settings"], data["by_model"]
    n = settings.get("n", {})
    lines = [f"## {task}", ""]
    corpus = settings.get("data") or {}
    where = f" of {corpus['file']}" if corpus.get("file") else ""
    if method_of(data) == 1:
        lines.append(
            f"The {settings.get('split', 'test')} split{where}; agreement over the first {n.get('agreement')} sources "
            f"({settings.get('ig_steps')}-point integrated gradients), permutation over {n.get('permutation')} "
            f"({settings.get('seeds')} shuffles per step), uniform over {n.get('uniform')}, length over "
            f"{n.get('length')}, the scorer table over {n.get('table')}. Medians over the examples with their 95% "
            "bootstrap intervals."
        )
        if corpus:
            lines[-1] += " " + _short_sources(task, models)
    else:
        ig = settings.get("ig") or {}
        lines.append(
            f"The {settings.get('split', 'test')} split{where}; agreement over {n.get('agreement')} sources drawn "
            f"across source lengths (integrated gradients to convergence: {ig.get('start')} to {ig.get('max')} "
            f"points, until |δ| ≤ {_ig_rule(ig)}), "
            f"permutation over {n.get('permutation')} ({settings.get('seeds')} shuffles per step), uniform over "
            f"{n.get('uniform')}, length over {n.get('length')}, the scorer table over {n.get('table')}. Medians "
            "over the examples with their 95% bootstrap intervals; the signed measures (docs/cli.md, \"The lab's "
            'measures"). A step that ranks fewer than three tokens enters no τ, and one whose integrated '
            "gradients did not converge"
            + (
                f", or had nothing to attribute (|f(x) − f(x′)| below {ig.get('floor')} nats),"
                if ig.get("floor") is not None
                else ""
            )
            + " enters no τ with IG ("
            + ("each" if ig.get("floor") is not None else "both")
            + " counted in the next table)."
        )
    lines += [
        "",
        "| model | τ(attention, G×I) | τ(attention, IG) | τ(attention, LOO) | τ(IG, LOO) | "
        "permuted: median TVD | permuted: token changed | uniform attention |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in models.items():
        agreement = (entry.get("agreement") or {}).get("summary", {})
        permutation = (entry.get("permutation") or {}).get("summary", {})
        uniform = (entry.get("uniform") or {}).get("summary")
        digits = 1 if uniform and uniform.get("metric") == "bleu" else 3
        change = f"{_number(uniform['model'], digits)} → {_number(uniform['uniform'], digits)}" if uniform else "–"
        if uniform and "trained_uniform" in uniform:  # Wiegreffe & Pinter's baseline, trained with 1/S
            change += f" (trained uniform: {_number(uniform['trained_uniform'], digits)})"
        lines.append(
            f"| {name} | {_median(agreement.get('attention~grad_x_input'))} | "
            f"{_median(agreement.get('attention~integrated_gradients'))} | "
            f"{_median(agreement.get('attention~leave_one_out'))} | "
            f"{_median(agreement.get('integrated_gradients~leave_one_out'))} | "
            f"{_median(permutation.get('median_tvd'))} | {_median(permutation.get('fraction_changed'))} | {change} |"
        )
    if method_of(data) != 1:
        lines += _significance(models)
    lines += _adversarial(models, n) + _alignment(models, n)
    ranges: list[tuple[int, int]] = []
    for entry in models.values():
        for bucket in (entry.get("length") or {}).get("buckets", []):
            if tuple(bucket["range"]) not in ranges:
                ranges.append(tuple(bucket["range"]))
    if ranges:
        first = next(e["length"] for e in models.values() if e.get("length"))
        metric, unit = first.get("metric"), first.get("unit")
        digits = 1 if metric == "bleu" else 2
        lines += ["", f"{metric} by source length ({unit}):", ""]
        lines.append("| model | " + " | ".join(f"{lo}-{hi}" for lo, hi in ranges) + " |")
        lines.append("|---|" + "---|" * len(ranges))
        for name, entry in models.items():
            by_range = {tuple(b["range"]): b for b in (entry.get("length") or {}).get("buckets", [])}
            cells = [_number(by_range[r]["value"], digits) if r in by_range else "–" for r in ranges]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    table = data.get("table")
    if table and table.get("rows"):
        metric = table.get("metric")
        digits = 1 if metric == "bleu" else 3
        lines += ["", f"The scorer table ({table.get('n')} examples):", ""]
        lines.append(f"| model | cell | perplexity | {metric} | AER | entropy | τ(attention, IG) |")
        lines.append("|---|---|---|---|---|---|---|")
        for row in table["rows"]:
            lines.append(
                f"| {row['model']} | {row['cell']} | {_number(row.get('perplexity'), 3)} | "
                f"{_number(row.get(metric), digits)} | {_number(row.get('aer'))} | {_number(row.get('entropy'))} | "
                f"{_median(row.get('tau_summary'))} |"
            )
    return "\n".join(lines) + "\n"


def _share(value) -> str:
    return f"{100 * value:.0f}%" if finite(value) else "–"


def _share_chance(shares: dict, chances: dict, pair: str) -> str:
    """ "55% (chance 2.1%)": the share of steps agreeing at p < 0.05 beside its chance level (`_share` alone
    for a file stored before the chance level was)."""
    share, chance = (shares or {}).get(pair), (chances or {}).get(pair)
    return f"{_share(share)} (chance {100 * chance:.1f}%)" if finite(chance) else _share(share)


def _significance(models: dict) -> list[str]:
    """Method 2's second table: per model, how many steps the taus stand on, how many agree significantly
    beside chance, which steps were left out, the saturated ones, and the permutation's mean effect; Jain &
    Wallace's measures beside the signed ones."""
    lines = [
        "",
        "Steps, agreement and saturation (p(token) > 0.99, where gradient × input, a local slope, is flat; "
        "integrated gradients and leave-one-out are not local). Agreeing: the share of steps whose τ is positive "
        "with p < 0.05, pooled over every step of every example (not independent, not corrected for testing many "
        "steps), beside its chance level from the exact null distribution at each step's number of ranked tokens. "
        "J&W: Jain & Wallace's measures (|gradient| with attention detached; leave-one-out by deletion as the TVD "
        "between the whole output distributions, their Algorithm 1; </s> not ranked). Short: steps ranking fewer "
        "than three tokens; IG unconverged: steps left out of every τ with IG.",
        "",
        "| model | steps | saturated | LOO | agreeing: τ(attention, IG) | J&W τ(attention, gradient) | "
        "J&W agreeing | J&W τ(attention, LOO) | short | IG unconverged | permuted: mean TVD | permuted: TVD > 0.5 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in models.items():
        agreement = entry.get("agreement") or {}
        summary = agreement.get("summary", {})
        jw = (agreement.get("jain-wallace") or {}).get("summary", {})
        permutation = (entry.get("permutation") or {}).get("summary", {})
        ig = "attention~integrated_gradients"
        lines.append(
            f"| {name} | {summary.get('steps', '–')} | {_share((summary.get('saturated') or {}).get('share'))} | "
            f"{agreement.get('loo', '–')} | "
            f"{_share_chance(summary.get('significant_share'), summary.get('significant_chance'), ig)} | "
            f"{_median(jw.get('attention~grad_x_input'))} | "
            f"{_share_chance(jw.get('significant_share'), jw.get('significant_chance'), 'attention~grad_x_input')} | "
            f"{_median(jw.get('attention~leave_one_out'))} | {summary.get('short', '–')} | "
            f"{(summary.get('ig') or {}).get('unconverged', '–')} | {_number(permutation.get('mean_tvd'))} | "
            f"{_share(permutation.get('share_tvd_above_half'))} |"
        )
    return lines


def _adversarial(models: dict, n: dict) -> list[str]:
    """Adversarial attention per model (Jain & Wallace 2019, §4.2.2), its saturated steps apart, and, beside it,
    another seed's attention (Wiegreffe & Pinter 2019, variance over seeds): both as JSD from the model's own
    rows, in nats (ln 2 = 0.693 at most)."""
    rows = [(name, e.get("adversarial"), e.get("seed_variance")) for name, e in models.items()]
    rows = [row for row in rows if row[1] or row[2]]
    if not rows:
        return []
    bound = next((a["summary"].get("tvd_bound") for _, a, _ in rows if a), None)
    lines = [
        "",
        f"Adversarial attention (over {n.get('adversarial')} sources, every greedy step): the largest JSD from the "
        f"model's own row reached while the output moves by TVD ≤ {_number(bound, 2)}; seed variance (over "
        f"{n.get('seed_variance')} sources): the JSD between the model's row and a model of another seed's, "
        "teacher-forced on the model's output, per step (mean, median) and the median over the sources of each "
        "source's mean JSD (what the Lab's sentence quotes). JSD in nats (at most ln 2 = 0.693); > ½ ln 2: the "
        "share of steps "
        f"above 0.5 bits; saturated: the share of the searched steps where p(token) > {SATURATED}, others: the "
        "mean JSD reached on the rest; further: the share of the same steps whose adversarial JSD exceeds every "
        "seed's. The bound is Jain & Wallace's ε for question answering (0.01 for text classification).",
        "",
        "| model | steps | adversarial: mean JSD | median [p25, p75] | p90 | > ½ ln 2 | saturated | others: mean JSD "
        "| seeds | seed: mean JSD | seed: median per step | seed: median of sentence means | seed: > ½ ln 2 | "
        "same output | further |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, adversarial, seeds in rows:
        a = (adversarial or {}).get("summary", {})
        s = (seeds or {}).get("summary", {})
        spread, seed_spread = a.get("jsd") or {}, s.get("jsd") or {}
        saturated, others = a.get("saturated") or {}, a.get("unsaturated") or {}
        quartiles = (
            f"{_number(spread.get('p50'))} [{_number(spread.get('p25'))}, {_number(spread.get('p75'))}]"
            if spread
            else "–"
        )
        lines.append(
            f"| {name} | {a.get('steps', '–')} | {_number(a.get('mean_jsd'))} | {quartiles} | "
            f"{_number(spread.get('p90'))} | {_share(a.get('share_above_half'))} | "
            f"{_share(saturated.get('share'))} | {_number(others.get('mean_jsd'))} | "
            f"{s.get('n_seeds', '–')} | "
            f"{_number(seed_spread.get('mean'))} | {_number(seed_spread.get('p50'))} | "
            f"{_number((s.get('median_jsd') or {}).get('median'))} | "
            f"{_share(s.get('share_above_half'))} | {_share(s.get('identical_outputs'))} | "
            f"{_share((s.get('adversarial') or {}).get('further'))} |"
        )
    return lines


def _alignment(models: dict, n: dict) -> list[str]:
    """The alignment error rate of attention's argmax and of each importance's (Ding et al. 2019)."""
    rows = [(name, e["alignment"]["summary"]) for name, e in models.items() if e.get("alignment")]
    if not rows:
        return []
    return [
        "",
        f"Word alignment from the importances (Ding et al. 2019), over {n.get('alignment')} sources teacher-forced "
        "on their gold targets: the alignment error rate (Och & Ney 2003; lower is better) of each step's argmax "
        "under attention and under each signed importance (</s> left out of the importances' argmax).",
        "",
        "| model | steps | AER: attention | AER: G×I | AER: IG | AER: LOO | attention on </s> |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {name} | {s.get('steps', '–')} | {_number(s['aer'].get('attention'))} | "
            f"{_number(s['aer'].get('grad_x_input'))} | {_number(s['aer'].get('integrated_gradients'))} | "
            f"{_number(s['aer'].get('leave_one_out'))} | {s.get('attention_on_eos', '–')} |"
            for name, s in rows
        ),
    ]


def _short_sources(task: str, models: dict) -> str:
    """How long the agreement and permutation sources of a corpus task are: its first ones in file order."""
    from .length import length_unit, source_length

    sources = {
        e["source"]
        for entry in models.values()
        for experiment in ("agreement", "permutation")
        for e in (entry.get(experiment) or {}).get("per_example", [])
    }
    if not sources:
        return ""
    lengths = [source_length(task, s) for s in sources]
    return (
        "Agreement and permutation take the split's first sources in file order; the file runs from short "
        f"sentences to long ones, so these have {min(lengths)}–{max(lengths)} {length_unit(task)}."
    )


def readme_text(root: str | os.PathLike[str] | None = None) -> str:
    """pretrained/lab/README.md as `write_readme` writes it, from the stored files (a task without one is left out)."""
    from seq2seq.tasks import TASKS

    parts = [
        README_TITLE
        + "\nWritten by `scripts/lab_results.py` from the JSON files beside this one (do not edit: rerun it). "
        "τ is Kendall's tau between attention and an importance at each output step, averaged over the "
        "steps of an example (G×I: gradient × input, IG: integrated gradients, LOO: leave-one-out); "
        "permuted: the total variation distance between the output distributions with the model's own and "
        "shuffled attention, and the share of shuffles that change the chosen token; uniform attention: the "
        "task's metric with the model's own attention → with uniform weights at every step, swapped in at "
        "inference (1/S over every source position, </s> included), and beside it the task's model trained with "
        "uniform attention (Wiegreffe & Pinter's baseline; theirs spreads the weight over the real tokens only). "
        "docs/cli.md (`lab`) says how each is computed.\n"
    ]
    stored = [(task, data) for task in TASKS for data in [load(task, root)[0]] if data is not None]
    parts.append(commits_line([data for _task, data in stored]))
    parts += [markdown(task, data) for task, data in stored]
    return "\n".join(parts)


def commits(data: dict) -> list[str]:
    """The commit each record of one task's stored results names: its settings' and every model's."""
    found = [data.get("settings", {}).get("commit", "")]
    found += [entry.get("commit", "") for entry in data.get("by_model", {}).values()]
    return found


def commits_line(stored: list[dict]) -> str:
    """Which commit the stored results were computed at: one line, naming every commit the records name (a record
    computed in a checkout with uncommitted changes says so: "+changes"; one outside a checkout names none)."""
    named = [c for data in stored for c in commits(data)]
    distinct = sorted(set(named), key=named.index)
    if len(distinct) == 1 and distinct[0]:
        return f"Every record ({len(named)}) was computed at commit `{distinct[0]}`.\n"
    counts = ", ".join(f"`{c or 'no commit'}` ({named.count(c)})" for c in distinct)
    return f"The records ({len(named)}) name {len(distinct)} commits: {counts}.\n"


def write_readme(root: str | os.PathLike[str] | None = None) -> Path:
    """Write the lab folder's README.md (`readme_text`); NotOursError for a README there it did not write."""
    where = folder(root) / README
    where.parent.mkdir(parents=True, exist_ok=True)
    check_ours(where, None)
    write_atomically(where, readme_text(root))
    return where
