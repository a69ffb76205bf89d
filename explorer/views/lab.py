"""The Lab page's logic: is attention an explanation? Plain Python over seq2seq.lab, tested without Streamlit.

Three views, the open one in the URL as `view=step|split|scorers` (`lab_view`):

- **step**: one output token of the greedy decode of one sentence (`step` N is the N-th token, as
  the Decode page's "Current step"): attention beside three importances of the source tokens
  (seq2seq.lab.importance) with Kendall's tau between them (`step_lab`), and two perturbations of
  that step's attention, permuted (`permutation`) and adversarial (`adversarial`);
- **split**: one model over a whole test split, from the stored results (seq2seq.lab.results):
  tau per example (`tau_series`), the permutation effect and the uniform baseline (`summary_rows`);
- **scorers**: every scorer of a task: the scorer table (`table_rows`) and quality against source
  length (`length_series`).

Each view has its explanation and the papers' numbers (`EXPLANATIONS`, `PAPER_TAUS`), and every
number a plain-language reading (`tau_words`, `step_reading`, `split_reading`, `table_reading`).
Text returned here may quote tokens and sentences: escape it before Markdown. It is in the current
language (explorer.i18n): module constants are marked with N_ and translated where they are shown.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from babel.numbers import format_percent

from explorer import i18n
from explorer.i18n import N_, _, ngettext
from explorer.state import catalog

if TYPE_CHECKING:  # seq2seq.lab imports Captum and SciPy: only the functions that compute load them
    from seq2seq.lab.importance import StepImportance

VIEWS = ("step", "split", "scorers")
VIEW_LABELS = {
    "step": N_("This sentence, this step"),
    "split": N_("This model, a whole split"),
    "scorers": N_("All scorers"),
}
# seq2seq.lab.agreement.IMPORTANCES, named here so that the Decode page's link to the Lab imports no Captum.
IMPORTANCES = ("grad_x_input", "integrated_gradients", "leave_one_out")
IG_STEPS = 32  # integrated gradients' points (the bar in bench/ is set at 32)
PERMUTATION_SEEDS = 100
METHOD_LABELS = {  # translated where shown (`method_label`)
    "attention": N_("attention"),
    "grad_x_input": N_("gradient × input"),
    "integrated_gradients": N_("integrated gradients"),
    "leave_one_out": N_("leave-one-out"),
}
# Jain & Wallace (2019), Table 2 and section 3: on classifiers, not seq2seq models.
PAPER_TAUS = {"SST": 0.35, "IMDB": 0.44, "20News": 0.13}
PAPER_GRAD_LOO = (0.5, 0.66)
EXPLANATIONS = {
    "step": N_(
        '**Does attention explain this word?** Three other answers to "which source tokens made the '
        'model choose this token?", each computed on the model itself with the output so far held '
        "fixed: *gradient × input* (how fast the token's log-probability moves with each source "
        "embedding), *integrated gradients* (Sundararajan et al. 2017: the same, summed along a path "
        "from a source of padding) and *leave-one-out* (how much the log-probability drops when that "
        "token becomes `<unk>`). Kendall's τ compares two rankings of the source tokens: 1 the same "
        "order, 0 unrelated, −1 reversed. Jain & Wallace (2019, *Attention is not Explanation*) found "
        "τ(attention, gradients) of 0.35 on SST, 0.44 on IMDB and 0.13 on 20News classifiers, and "
        "0.5–0.66 between gradients and leave-one-out. **Permute** shuffles this step's attention "
        "(their §4.1); **Adversarial attention** searches for the attention farthest from the model's "
        "own that leaves the prediction within a total variation of 0.05 (their §4.2). To put a step's "
        "attention where you choose, use the Decode page's *Attention override* tab; how much of the rest of "
        "the output survives such an override (Moradi et al. 2019) is `lab --experiment override`."
    ),
    "split": N_(
        "**The same questions over a whole test split**, from results computed once and stored beside "
        "the models. *Agreement*: τ between attention and each importance at every greedy step, "
        "averaged per example (Jain & Wallace 2019, §3: 0.35 SST, 0.44 IMDB, 0.13 20News for "
        "attention and gradients; 0.5–0.66 for gradients and leave-one-out). *Permutation* (their "
        "§4.1): how far the output distribution moves when a step's attention is shuffled (total "
        "variation distance, 0 = unchanged, 1 = disjoint) and how often the chosen token changes; on "
        "many classifier instances they found it barely moved. *Uniform* (Wiegreffe & Pinter 2019, "
        "*Attention is not not Explanation*): the task's metric when every step attends to every "
        "source token equally; on several classification sets it lost little. Medians come with "
        "their 95% bootstrap intervals."
    ),
    "scorers": N_(
        "**One architecture, every scorer**, as Luong et al. (2015, Table 4) compared attention "
        "functions by perplexity and BLEU: here perplexity (teacher-forced), the task's metric, the "
        "alignment error rate against the gold alignments (reverse and dates: Och & Ney's AER, 0 = "
        "attention's argmax always on the right source token; Koehn & Knowles 2017 found attention "
        "often shifted by one from the alignment), the mean attention entropy (nats: 0 = all weight on "
        "one token) and the mean τ(attention, integrated gradients). The curves are Bahdanau et al.'s "
        "(2015) Fig. 2: quality against source length, where a model without attention (`none`) falls "
        "off on long inputs."
    ),
}
NONE_NOTE = N_(
    "This model has no attention (scorer `none`): the decoder reads only the encoder's final state. "
    "The three importances still say which source tokens mattered, and how much they agree with each "
    "other; there is no attention to compare them with, permute or replace."
)


# -- the view and the step ----------------------------------------------------------------------------
def lab_view(raw: str | None) -> tuple[str, tuple[str, ...]]:
    """The view a link names (`view=`), and a note when it names none of VIEWS (then "step")."""
    if raw is None or raw in VIEWS:
        return raw or "step", ()
    note = _("Unknown view {view}; showing 'step' (one of {views}).").format(
        view=repr(raw[:40]), views=", ".join(VIEWS)
    )
    return "step", (note,)


def lab_link(params: Mapping[str, str], view: str) -> dict[str, str]:
    """A share link's parameters (explorer.state.view.link_params(view, "lab")) with the lab's own view."""
    return {**params, "view": view}


def clamp_step(step: int, n: int) -> tuple[int, str | None]:
    """The output token the lab explains (1..n) for a view's step, and a note when a step past the end moved.

    Step N is the N-th output token (the Decode page's "Current step" at step N); step 0 (nothing
    produced yet) explains the first token, the one the model is about to choose.
    """
    if step > n:
        note = ngettext(
            "Step {step} is past the end of this output ({n} token): showing step {n}.",
            "Step {step} is past the end of this output ({n} tokens): showing step {n}.",
            n,
        )
        return n, note.format(step=step, n=n)
    return max(step, 1), None


@dataclass(frozen=True)
class GreedyOutput:
    """A sentence's greedy decode as the lab reads it: the tokens and their ids."""

    source_tokens: tuple[str, ...]
    target_tokens: tuple[str, ...]
    token_ids: tuple[int, ...]

    @property
    def num_steps(self) -> int:
        return len(self.token_ids)

    def prefix(self, step: int) -> tuple[int, ...]:
        """The ids produced before output token `step` (1..n): the prefix held fixed."""
        return self.token_ids[: step - 1]


def greedy_output(translator, sentence: str) -> GreedyOutput:
    """The greedy decode of `sentence` (InputError for input the model cannot take)."""
    trace = translator.greedy(sentence)
    return GreedyOutput(
        source_tokens=tuple(trace.source_tokens),
        target_tokens=tuple(s.token for s in trace.steps),
        token_ids=tuple(s.token_id for s in trace.steps),
    )


@dataclass(frozen=True)
class StepLab:
    """Output token `step` (1..n) of a greedy decode: its importances and the taus between them."""

    step: int
    importance: StepImportance
    taus: dict[str, float]  # "a~b" -> Kendall's tau (NaN when undefined), seq2seq.lab.agreement.pairs

    @property
    def has_attention(self) -> bool:
        return self.importance.attention is not None


def step_lab(translator, sentence: str, step: int, ig_steps: int = IG_STEPS) -> StepLab:
    """The importances of output token `step` (1..n) of the greedy decode, with their taus."""
    from seq2seq.lab.agreement import step_agreement
    from seq2seq.lab.importance import step_importance

    output = greedy_output(translator, sentence)
    step, _moved = clamp_step(step, output.num_steps)
    token_id = output.token_ids[step - 1]
    imp = step_importance(translator, sentence, output.prefix(step), token_id=token_id, ig_steps=ig_steps)
    return StepLab(step=step, importance=imp, taus=step_agreement(imp))


def method_rows(imp: StepImportance) -> dict[str, list[float]]:
    """Method label -> one value per source token: attention (when the model has it), then the importances."""
    names = (("attention",) if imp.attention is not None else ()) + IMPORTANCES
    return {method_label(name): list(getattr(imp, name)) for name in names}


def method_label(name: str) -> str:
    """ "grad_x_input" -> "gradient × input", in the current language."""
    return _(METHOD_LABELS[name])


def pair_label(pair: str) -> str:
    """ "attention~grad_x_input" -> "attention ~ gradient × input"."""
    a, b = pair.split("~")
    return f"{method_label(a)} ~ {method_label(b)}"


def tau_words(tau: float | None) -> str:
    """What two rankings with Kendall's tau `tau` do, as a verb phrase ("attention and X ...")."""
    # Translators: each of these follows "attention and gradient × input" (or similar) in a sentence,
    # and also stands alone in a table's "reading" column.
    if tau is None or not math.isfinite(tau):
        return _("cannot be compared (one gives every token the same value)")
    if tau >= 0.6:
        return _("rank the tokens much alike")
    if tau >= 0.3:
        return _("rank the tokens somewhat alike")
    if tau >= 0.1:
        return _("barely agree")
    if tau > -0.1:
        return _("do not agree: unrelated rankings")
    return _("rank the tokens in opposite orders")


PAPER_COLUMN = "Jain & Wallace 2019"  # the tables' column of the paper's numbers (a name: never translated)


def paper_value(pair: str) -> str:
    """What Jain & Wallace (2019) report for a pair's kind, on classifiers ("" for pairs they did not compare)."""
    a, b = pair.split("~")
    if a == "attention" and b in ("grad_x_input", "integrated_gradients"):
        values = _(", ").join(f"{name} {i18n.number(v, 2)}" for name, v in PAPER_TAUS.items())
        return _("{values} (with gradients)").format(values=values)
    if a == "grad_x_input" and b == "leave_one_out":
        return f"{PAPER_GRAD_LOO[0]}–{PAPER_GRAD_LOO[1]}"
    return ""


def _number(value: float | None, digits: int = 2) -> float | None:
    return round(float(value), digits) if value is not None and math.isfinite(float(value)) else None


def tau_rows(taus: Mapping[str, float]) -> list[dict]:
    """Table rows of a step's taus: the pair, tau, its reading, and Jain & Wallace's number beside it."""
    return [
        {
            _("pair"): pair_label(pair),
            "τ": _number(tau),
            _("reading"): tau_words(tau),
            PAPER_COLUMN: paper_value(pair),
        }
        for pair, tau in taus.items()
    ]


def top_token(tokens: Sequence[str], values: Sequence[float]) -> tuple[int, str]:
    """(position, token) of the largest value (the first on a tie)."""
    index = max(range(len(values)), key=lambda i: values[i])
    return index, tokens[index]


def step_reading(lab: StepLab) -> str:
    """What the step's numbers say, in words (quotes tokens: escape before Markdown)."""
    imp = lab.importance
    tokens = imp.source_tokens
    tops = {name: top_token(tokens, getattr(imp, name)) for name in IMPORTANCES}
    parts = [
        _("The model chose “{token}” (log-probability {logprob}).").format(
            token=imp.token, logprob=i18n.number(imp.logprob, 3)
        )
    ]
    if imp.attention is None:
        agree = sum(1 for name in IMPORTANCES[1:] if tops[name][0] == tops["grad_x_input"][0])
        parts.append(
            _(
                "Gradient × input puts “{token}” (position {position}) first; "
                "{agree} of the other two importances agree on it."
            ).format(token=tops["grad_x_input"][1], position=tops["grad_x_input"][0], agree=agree)
        )
        return _sentences(parts)
    position, token = top_token(tokens, imp.attention)
    agreeing = [name for name in IMPORTANCES if tops[name][0] == position]
    parts.append(
        _("Attention's heaviest source token is “{token}” (position {position}, weight {weight}).").format(
            token=token, position=position, weight=i18n.number(imp.attention[position], 2)
        )
    )
    if len(agreeing) == len(IMPORTANCES):
        parts.append(_("All three importances rank it first too: here attention points at what mattered."))
    elif agreeing:
        others = [name for name in IMPORTANCES if name not in agreeing]
        if len(agreeing) == 1:
            line = _("{first} also ranks it first; {second} and {third} do not.")
        else:
            line = _("{first} and {second} also rank it first; {third} does not.")
        first, second, third = (method_label(name) for name in (*agreeing, *others))
        parts.append(line.format(first=first[:1].upper() + first[1:], second=second, third=third))
    else:
        others = "; ".join(f"{method_label(name)} “{tops[name][1]}”" for name in IMPORTANCES)
        parts.append(
            _("No importance ranks it first ({others}): attention alone would mislead here.").format(others=others)
        )
    mean = _mean(lab.taus.get(f"attention~{name}") for name in IMPORTANCES)
    if mean is not None:
        parts.append(
            _(
                "Over all the source tokens, attention and the importances {agreement} (mean τ {mean}; "
                "Jain & Wallace's classifiers: 0.13–0.44)."
            ).format(agreement=tau_words(mean), mean=i18n.number(mean, 2))
        )
    return _sentences(parts)


def _sentences(parts: Sequence[str]) -> str:
    """Whole sentences one after the other, as the current language writes them (a space between them in
    English, none in Chinese)."""
    text = parts[0] if parts else ""
    for sentence in parts[1:]:
        # Translators: two sentences of one paragraph, one after the other.
        text = _("{sentences} {sentence}").format(sentences=text, sentence=sentence)
    return text


def _mean(values) -> float | None:
    kept = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(kept) / len(kept) if kept else None


# -- perturbations of one step ---------------------------------------------------------------------------
def permutation(translator, sentence: str, step: int, n_seeds: int = PERMUTATION_SEEDS, k: int = 5) -> dict:
    """Output token `step`'s attention shuffled `n_seeds` times (seq2seq.lab.permutation.permute_step).

    Returns {"median_tvd", "fraction_changed", "n_seeds", "token", "source_tokens", "attention" (the model's row),
    "shown" (the shuffle whose TVD is closest to the median: "seed", "row", "tvd", "changed"),
    "before"/"after": the top `k` tokens (piece, probability) under the model's row and that shuffle}.
    InputError for a model without attention.
    """
    from seq2seq.lab.permutation import permutations, permute_step
    from seq2seq.lab.perturb import distribution_with, state_after, top_tokens

    output = greedy_output(translator, sentence)
    step, _moved = clamp_step(step, output.num_steps)
    prefix = output.prefix(step)
    result = permute_step(translator, sentence, prefix, n_seeds=n_seeds)
    median = statistics.median(result.tvd)
    index = min(range(len(result.tvd)), key=lambda i: abs(result.tvd[i] - median))
    seed = result.seeds[index]
    order = permutations(len(result.attention), 1, seed)[0].tolist()
    row = [result.attention[i] for i in order]
    state = state_after(translator, sentence, prefix)
    before = top_tokens(translator, distribution_with(translator, state, None), k)
    after = top_tokens(translator, distribution_with(translator, state, row), k)
    return {
        "median_tvd": result.median_tvd,
        "fraction_changed": result.fraction_changed,
        "n_seeds": len(result.seeds),
        "token": result.token,
        "source_tokens": list(output.source_tokens),
        "attention": list(result.attention),
        "shown": {"seed": seed, "row": row, "tvd": result.tvd[index], "changed": result.changed[index]},
        "before": [(piece, prob) for piece, _id, prob in before],
        "after": [(piece, prob) for piece, _id, prob in after],
    }


def permutation_reading(result: Mapping) -> str:
    """The permutation's numbers in words."""
    tvd, changed = result["median_tvd"], result["fraction_changed"]
    # Translators: the verdict comes after a colon, at the end of the reading's first sentence.
    if tvd < 0.05 and changed == 0:
        verdict = _("where the weight goes hardly matters at this step: attention is not what decides it")
    elif changed >= 0.5:
        verdict = _("where the weight goes decides this step: most shuffles change the token")
    else:
        verdict = _("where the weight goes matters, though the token often survives")
    reading = ngettext(
        "Median total variation {tvd} over {n} shuffle (0 = the same output distribution, "
        "1 = disjoint); {changed} of them change the chosen token: {verdict}. Jain & Wallace found "
        "small changes for many classifier instances; a model that copies or translates token by token "
        "should mind where its attention goes.",
        "Median total variation {tvd} over {n} shuffles (0 = the same output distribution, "
        "1 = disjoint); {changed} of them change the chosen token: {verdict}. Jain & Wallace found "
        "small changes for many classifier instances; a model that copies or translates token by token "
        "should mind where its attention goes.",
        result["n_seeds"],
    )
    return reading.format(
        tvd=i18n.number(tvd, 3), n=result["n_seeds"], changed=i18n.percent(changed, 0), verdict=verdict
    )


def adversarial(translator, sentence: str, step: int) -> dict:
    """The attention farthest from the model's own (JSD) within TVD 0.05 at output token `step`
    (seq2seq.lab.adversarial.adversarial_step), as JSON data, with "jsd_bits" added.
    InputError for a model without attention."""
    from seq2seq.lab.adversarial import adversarial_step

    output = greedy_output(translator, sentence)
    step, _moved = clamp_step(step, output.num_steps)
    result = adversarial_step(translator, sentence, output.prefix(step))
    return {**result.to_json(), "jsd_bits": result.jsd_bits}


def adversarial_reading(result: Mapping) -> str:
    """The adversarial search's numbers in words."""
    jsd, bits = result["jsd"], result["jsd_bits"]
    # Translators: the verdict comes after a colon, at the end of the reading's first sentence.
    if bits >= 0.5:
        verdict = _(
            "a very different attention gives (almost) the same prediction, so this step's attention is one "
            "explanation among many"
        )
    elif bits >= 0.15:
        verdict = _("a noticeably different attention gives (almost) the same prediction")
    else:
        verdict = _("no attention much different from the model's own keeps the prediction: the output pins it down")
    return _(
        "Jensen–Shannon divergence {jsd} nats ({share} of its maximum, ln 2) from the model's own row, "
        "with the output distribution within total variation {tvd} (bound {bound}): "
        "{verdict}. Jain & Wallace found such rows for most classifier instances, with divergences near the "
        "maximum."
    ).format(
        jsd=i18n.number(jsd, 3),
        share=i18n.number(bits, 2),
        tvd=i18n.number(result["tvd"], 3),
        bound=result["tvd_bound"],
        verdict=verdict,
    )


def top_pairs(top: Sequence[Sequence]) -> list[tuple[str, float]]:
    """(piece, id, prob) triples -> (piece, prob) pairs, most probable first (explorer.figures.bars.topk_bars)."""
    return [(str(item[0]), float(item[-1])) for item in top]


# -- stored results: one model over a split --------------------------------------------------------------
SPLIT_EXPERIMENTS = ("agreement", "permutation", "uniform", "length")


def experiment(results: Mapping | None, model: str, name: str) -> dict | None:
    """Experiment `name`'s stored result for registry name `model` (None when not stored)."""
    if not isinstance(results, Mapping):
        return None
    found = (results.get("by_model") or {}).get(model)
    value = found.get(name) if isinstance(found, Mapping) else None
    return value if isinstance(value, Mapping) else None


def scorer_table(results: Mapping | None) -> dict | None:
    """The task's stored scorer table (seq2seq.lab.table.scorer_table), or None."""
    value = results.get("table") if isinstance(results, Mapping) else None
    return value if isinstance(value, Mapping) and isinstance(value.get("rows"), list) else None


def compute_commands(model: str, task: str, needs_data: bool, experiments: Sequence[str]) -> str:
    """The commands that compute `experiments` of `model` ("table": the task's scorer table): the script
    that stores the shipped models' results, then the lab's own command, which prints them."""
    data = " --data PATH" if needs_data else ""
    comment = _("the shipped models, stored in pretrained/lab/")
    lines = [f"python scripts/lab_results.py --tasks {task}   # {comment}"]
    for name in experiments:
        which = f"--task {task}" if name == "table" else f"--model {model}"
        lines.append(f"python -m seq2seq lab {which} --experiment {name}{data}")
    return "\n".join(lines)


def settings_text(results: Mapping | None) -> str:
    """How the stored results were computed, in a line: the split, the examples, the settings, the date."""
    settings = results.get("settings") if isinstance(results, Mapping) else None
    if not isinstance(settings, Mapping):
        return _("Stored results.")
    parts = [_("Stored results on the {split} split").format(split=split_name(settings.get("split", "test")))]
    counts = settings.get("n")
    if isinstance(counts, Mapping):
        # Translators: ", " is what separates the items of a list.
        counted = _(", ").join(f"{experiment_name(k)} {v}" for k, v in counts.items())
        parts.append(_("examples: {counts}").format(counts=counted))
    if settings.get("ig_steps"):
        n = settings["ig_steps"]
        parts.append(
            ngettext("{n} integrated-gradients point", "{n} integrated-gradients points", _count(n)).format(n=n)
        )
    if settings.get("seeds"):
        n = settings["seeds"]
        parts.append(ngettext("{n} shuffle per step", "{n} shuffles per step", _count(n)).format(n=n))
    if settings.get("date"):
        parts.append(_("computed {date}").format(date=settings["date"]))
    text = str(parts[0])
    for part in parts[1:]:
        # Translators: the clauses of one line about how stored results were computed, one after the other.
        text = _("{clauses}; {clause}").format(clauses=text, clause=part)
    # Translators: the end of that line.
    return _("{clauses}.").format(clauses=text)


# The data splits (seq2seq.tasks.base.SPLITS) and the experiments (seq2seq.lab.results) as a line names them.
SPLIT_NAMES = {"train": N_("train"), "valid": N_("valid"), "test": N_("test")}
EXPERIMENT_NAMES = {
    "agreement": N_("agreement"),
    "permutation": N_("permutation"),
    "uniform": N_("uniform"),
    "length": N_("length"),
    "table": N_("table"),
}


def split_name(split: object) -> str:
    """A split's name in the current language ("test"); an unknown one as it is."""
    return _(SPLIT_NAMES[split]) if split in SPLIT_NAMES else str(split)


def experiment_name(name: object) -> str:
    """An experiment's name in the current language ("agreement"); an unknown one as it is."""
    return _(EXPERIMENT_NAMES[name]) if name in EXPERIMENT_NAMES else str(name)


def _count(value: object) -> int:
    """A stored count as ngettext takes it (a value that is not a whole number reads as many)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 2


def has_gold(task: str) -> bool:
    """Whether `task` has gold alignments (reverse, dates): the scorer table's AER column."""
    found = catalog.task_of(task)
    return bool(found and found.has_alignments)


def summary_text(entry: Mapping | None, digits: int = 2, percent: bool = False) -> str:
    """A stats.summary as "0.35 [0.30, 0.41] (n 50)"; "–" without a median."""
    if not isinstance(entry, Mapping) or entry.get("median") is None:
        return "–"

    def show(value) -> str:
        return i18n.percent(value, 0) if percent else i18n.number(value, digits)

    interval = f" [{show(entry['low'])}, {show(entry['high'])}]" if entry.get("low") is not None else ""
    return f"{show(entry['median'])}{interval} (n {entry.get('n', '?')})"


def tau_series(agreement: Mapping) -> dict[str, list[float]]:
    """Pair label -> each example's mean tau (undefined ones left out): the agreement histogram's data."""
    series: dict[str, list[float]] = {}
    for pair in agreement.get("summary", {}):
        if "~" not in pair:
            continue
        values = [e.get("tau", {}).get(pair) for e in agreement.get("per_example", [])]
        series[pair_label(pair)] = [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]
    return series


def paper_marks(pairs: Sequence[str]) -> dict[str, dict[str, float]]:
    """Pair label -> Jain & Wallace's numbers for that kind of pair (label -> tau), for the histograms."""
    marks: dict[str, dict[str, float]] = {}
    for pair in pairs:
        a, b = pair.split("~")
        if a == "attention" and b in ("grad_x_input", "integrated_gradients"):
            marks[pair_label(pair)] = {f"{name} {v}": v for name, v in PAPER_TAUS.items()}
        elif (a, b) == ("grad_x_input", "leave_one_out"):
            marks[pair_label(pair)] = {f"J&W {v}": v for v in PAPER_GRAD_LOO}
    return marks


def agreement_rows(agreement: Mapping) -> list[dict]:
    """One row per pair: the median of the examples' mean tau with its interval, a reading, the paper's number."""
    rows = []
    for pair, entry in agreement.get("summary", {}).items():
        if "~" not in pair or not isinstance(entry, Mapping):
            continue
        rows.append(
            {
                _("pair"): pair_label(pair),
                _("median τ [95% interval]"): summary_text(entry),
                _("reading"): tau_words(entry.get("median")),
                PAPER_COLUMN: paper_value(pair),
            }
        )
    return rows


def permutation_rows(permutation_result: Mapping) -> list[dict]:
    """The permutation's two summaries as table rows."""
    summary = permutation_result.get("summary", {})
    measure, median = _("measure"), _("median [95% interval]")
    return [
        {measure: _("median TVD per example"), median: summary_text(summary.get("median_tvd"), 3)},
        {
            measure: _("share of shuffles that change the token"),
            median: summary_text(summary.get("fraction_changed"), percent=True),
        },
    ]


def metric_value(name: str, value: float | None) -> str:
    """A task metric as the app shows it: exact match in %, BLEU as it is."""
    if value is None:
        return "–"
    if name == "bleu":
        return i18n.number(value, 1)
    return format_percent(value, format="#,##0.0%", locale=i18n.locale())


def uniform_rows(uniform: Mapping) -> list[dict]:
    """The model's metric with its own attention and with uniform attention."""
    summary = uniform.get("summary", uniform)
    metric = summary.get("metric", "")
    name = metric_name(metric)
    attention, examples = _("attention"), _("examples")
    return [
        {
            attention: _("the model's own"),
            name: metric_value(metric, summary.get("model")),
            examples: summary.get("n"),
        },
        {
            attention: _("uniform (1/S everywhere)"),
            name: metric_value(metric, summary.get("uniform")),
            examples: summary.get("n"),
        },
    ]


def split_reading(experiments: Mapping[str, Mapping | None]) -> list[str]:
    """What a model's stored numbers say, one sentence per experiment that is stored."""
    lines = []
    agreement = experiments.get("agreement")
    if agreement:
        medians = {
            p: e.get("median") for p, e in agreement.get("summary", {}).items() if "~" in p and isinstance(e, Mapping)
        }
        with_attention = [m for p, m in medians.items() if p.startswith("attention~") and m is not None]
        if with_attention:
            mean = sum(with_attention) / len(with_attention)
            lines.append(
                _(
                    "Agreement: on a typical example attention and the importances {agreement} "
                    "(medians τ {low} to {high}; Jain & Wallace's classifiers "
                    "0.13–0.44 for attention and gradients)."
                ).format(
                    agreement=tau_words(mean),
                    low=i18n.number(min(with_attention), 2),
                    high=i18n.number(max(with_attention), 2),
                )
            )
        loo = medians.get("grad_x_input~leave_one_out")
        if loo is not None:
            lines.append(
                _(
                    "The importances among themselves: gradient × input and leave-one-out {agreement} "
                    "(median τ {tau}; Jain & Wallace 0.5–0.66)."
                ).format(agreement=tau_words(loo), tau=i18n.number(loo, 2))
            )
    permutation_result = experiments.get("permutation")
    if permutation_result:
        summary = permutation_result.get("summary", {})
        tvd, changed = (summary.get(k, {}).get("median") for k in ("median_tvd", "fraction_changed"))
        if tvd is not None and changed is not None:
            if changed >= 0.2 or tvd >= 0.2:
                line = _(
                    "Permutation: shuffling a step's attention moves the output distribution by a median "
                    "{tvd} in total variation and changes the token in {changed} of shuffles on a typical "
                    "example: where attention goes matters to this model."
                )
            else:
                line = _(
                    "Permutation: shuffling a step's attention moves the output distribution by a median "
                    "{tvd} in total variation and changes the token in {changed} of shuffles on a typical "
                    "example: this model hardly minds where its attention goes."
                )
            lines.append(line.format(tvd=i18n.number(tvd, 2), changed=i18n.percent(changed, 0)))
    uniform = experiments.get("uniform")
    if uniform:
        summary = uniform.get("summary", uniform)
        name, own, flat = summary.get("metric", ""), summary.get("model"), summary.get("uniform")
        if own is not None and flat is not None:
            lost = own - flat
            scale = 1 if name == "bleu" else 100
            if name == "bleu":
                amount = _("{lost} BLEU").format(lost=i18n.number(lost * scale, 1))
            else:
                amount = _("{lost} points").format(lost=i18n.number(lost * scale, 1))
            if lost * scale >= 5:
                line = _(
                    "Uniform attention: {own} with its own attention, {flat} with uniform weights, {amount} lost: "
                    "attention carries what the model needs (Wiegreffe & Pinter found classifiers that lost little)."
                )
            else:
                line = _(
                    "Uniform attention: {own} with its own attention, {flat} with uniform weights, {amount} lost: "
                    "the model hardly needs its attention's shape here."
                )
            lines.append(line.format(own=metric_value(name, own), flat=metric_value(name, flat), amount=amount))
    return lines


# -- stored results: every scorer of a task --------------------------------------------------------------
def table_rows(table: Mapping, gold: bool) -> list[dict]:
    """The scorer table's rows as the page shows them; `gold`: with the AER column (reverse, dates)."""
    metric = table.get("metric", "")
    rows = []
    for row in table.get("rows", []):
        shown = {
            _("model"): row.get("model"),
            _("cell"): row.get("cell"),
            _("perplexity"): _number(row.get("perplexity"), 3),
            metric_label(metric): _number(_scaled(metric, row.get(metric)), 2),
        }
        if gold:
            shown["AER"] = _number(row.get("aer"), 3)
        shown |= {
            _("entropy (nats)"): _number(row.get("entropy"), 3),
            _("mean τ(attention, IG)"): _number(row.get("tau"), 3),
            _("median τ [95% interval]"): summary_text(row.get("tau_summary")),
        }
        rows.append(shown)
    return rows


METRIC_NAMES = {"exact_match": N_("exact match")}
METRIC_LABELS = {"exact_match": N_("exact match %")}  # the same as seq2seq.metrics' labels


def metric_name(metric: str) -> str:
    """ "exact_match" -> "exact match", "bleu" -> "BLEU" (in the current language)."""
    if metric == "bleu":
        return "BLEU"
    return _(METRIC_NAMES[metric]) if metric in METRIC_NAMES else metric.replace("_", " ")


def metric_label(metric: str) -> str:
    """A metric's column header: "exact match %" (a fraction shown in %), "BLEU" (in the current language)."""
    if metric == "bleu":
        return "BLEU"
    return _(METRIC_LABELS[metric]) if metric in METRIC_LABELS else metric_name(metric) + " %"


def _scaled(metric: str, value) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return float(value) * (1 if metric == "bleu" else 100)


def table_reading(table: Mapping, gold: bool) -> list[str]:
    """The table's best rows in words."""
    metric = table.get("metric", "")
    rows = [r for r in table.get("rows", []) if r.get("scorer") != "none"]
    lines = []
    scored = [r for r in table.get("rows", []) if r.get("perplexity") is not None]
    if scored:
        best = min(scored, key=lambda r: r["perplexity"])
        lines.append(
            _("Lowest perplexity: {model} ({perplexity}).").format(
                model=best["model"], perplexity=i18n.number(best["perplexity"], 3)
            )
        )
    with_metric = [r for r in table.get("rows", []) if r.get(metric) is not None]
    if with_metric:
        top = max(r[metric] for r in with_metric)
        best = _(", ").join(r["model"] for r in with_metric if r[metric] == top)
        lines.append(
            _("Best {metric} ({value}): {models}.").format(
                metric=metric_name(metric), value=metric_value(metric, top), models=best
            )
        )
    if gold:
        aligned = [r for r in rows if r.get("aer") is not None]
        if aligned:
            best = min(aligned, key=lambda r: r["aer"])
            tau = best.get("tau")
            aer = i18n.number(best["aer"], 3)
            if best["aer"] < 0.1 and tau is not None and tau < 0.3:
                line = _(
                    "Attention closest to the gold alignment: {model} (AER {aer}), yet its attention and "
                    "integrated gradients {agreement} (mean τ {tau}): sitting on the aligned token is not the "
                    "same as being what the prediction rests on."
                ).format(model=best["model"], aer=aer, agreement=tau_words(tau), tau=i18n.number(tau, 2))
            else:
                line = _("Attention closest to the gold alignment: {model} (AER {aer}).").format(
                    model=best["model"], aer=aer
                )
            lines.append(line)
    taus = [r for r in rows if r.get("tau") is not None]
    if taus:
        best = max(taus, key=lambda r: r["tau"])
        lines.append(
            _(
                "Attention agrees most with integrated gradients in {model} (mean τ {tau}; "
                "Jain & Wallace's classifiers 0.13–0.44 for attention and gradients)."
            ).format(model=best["model"], tau=i18n.number(best["tau"], 2))
        )
    return lines


def refused_notes(results: Mapping | None, models: Sequence[str]) -> list[str]:
    """A line per model whose stored length experiment refused sources (too long for it): their gaps."""
    notes = []
    for model in models:
        found = experiment(results, model, "length") or {}
        refused = sum(b.get("refused") or 0 for b in found.get("buckets") or [] if isinstance(b, Mapping))
        if refused:
            note = ngettext(
                "{model} refused {n} source longer than it takes (a location "
                "scorer learns one weight per trained position): no point where a bucket had nothing else.",
                "{model} refused {n} sources longer than it takes (a location "
                "scorer learns one weight per trained position): no point where a bucket had nothing else.",
                refused,
            )
            notes.append(note.format(model=model, n=refused))
    return notes


def length_series(results: Mapping | None, task: str, models: Sequence[str]) -> tuple[dict[str, dict], dict]:
    """Model -> {"x" (each bucket's longest length), "y", "low", "high"} of the stored length experiments
    of `models` (exact match in %, BLEU as it is), and what they share: {"metric", "unit", and "trained",
    the longest training source, where the curves go past it}."""
    series: dict[str, dict] = {}
    shared: dict = {}
    for model in models:
        found = experiment(results, model, "length")
        buckets = found.get("buckets") if found else None
        if not buckets:
            continue
        scale = 1 if found.get("metric") == "bleu" else 100

        def scaled(key: str, buckets=buckets, scale=scale) -> list[float | None]:
            return [b.get(key) * scale if isinstance(b.get(key), int | float) else None for b in buckets]

        x = [b["range"][1] for b in buckets]
        series[model] = {"x": x, "y": scaled("value"), "low": scaled("low"), "high": scaled("high")}
        shared.setdefault("metric", found.get("metric", ""))
        shared.setdefault("unit", found.get("unit", ""))
        if isinstance(found.get("trained_source_tokens"), int) and goes_past_training(task):
            shared.setdefault("trained", found["trained_source_tokens"])
    return series, shared


def goes_past_training(task: str) -> bool:
    """Whether the task's length experiment adds sources longer than training (reverse's 31–50)."""
    found = catalog.task_of(task)
    return found is not None and found.longer_than_training is not None
