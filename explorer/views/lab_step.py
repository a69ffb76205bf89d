"""The Lab's step view: one output token of the greedy decode of one sentence, explained.

`step` N is the N-th output token, as the Decode page's "Current step". Attention beside three
importances of the source tokens (seq2seq.lab.importance, under either definition: signed or Jain &
Wallace's, seq2seq.lab.names.MEASURES), with Kendall's tau and its p-value between them (`step_lab`, `tau_rows`,
`step_reading`), and two perturbations of that step's attention: permuted (`permutation`, Jain & Wallace
2019 §4.2.1) and adversarial (`adversarial`, their §4.2.2), each with its reading. Integrated gradients run to
convergence; `method_notes` says how far from complete they are (δ, in nats) with the points they took,
and how leave-one-out took a token out; `saturated_warning` marks a saturated step (the chosen token's p
above lab_scales.SATURATED), where the local gradient is flat, and says whether integrated gradients and
leave-one-out, which are not local, still have something to rank.

seq2seq.lab imports Captum and SciPy: only the functions that compute load it. Readings may quote tokens:
escape them before Markdown. Text is in the current language (explorer.i18n).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from explorer import i18n
from explorer.i18n import N_, _, ngettext
from explorer.views import lab_scales
from explorer.views.lab_readings import (
    agreement_clause,
    loo_label,
    method_label,
    p_text,
    pair_label,
    paper_cells,
    paper_note,
    rounded,
    sentences,
    significant_digits,
    tau_words,
)
from seq2seq.lab.names import IMPORTANCES

if TYPE_CHECKING:
    from seq2seq.lab.importance import StepImportance

IG_STEPS = None  # integrated gradients to convergence (seq2seq.lab.integrated), the points it took shown
PERMUTATION_SEEDS = 100


def explained_step(step: int, n: int, probs: Sequence[float] = ()) -> tuple[int, str | None]:
    """The output token the lab explains (1..n) for a view's step, and a note when a step past the end moved.

    Step N is the N-th output token (the Decode page's "Current step" at step N). Step 0 (nothing
    produced yet, as a fresh page opens) explains `worth_reading(probs)`: the first token the model was
    not sure of, so that the page does not open on a saturated step (the first token when `probs` is empty).
    """
    if step > n:
        note = ngettext(
            "Step {step} is past the end of this output ({n} token): showing step {n}.",
            "Step {step} is past the end of this output ({n} tokens): showing step {n}.",
            n,
        )
        return n, note.format(step=step, n=n)
    if step < 1 and probs:
        return worth_reading(probs), None
    return max(step, 1), None


def worth_reading(probs: Sequence[float]) -> int:
    """The step (1..n) a fresh page opens on: the first whose chosen token has p at most lab_scales.SATURATED
    (its local gradient is not flat), else the least sure one (the first on a tie)."""
    for i, p in enumerate(probs, 1):
        if p <= lab_scales.SATURATED:
            return i
    return min(range(len(probs)), key=lambda i: probs[i]) + 1


@dataclass(frozen=True)
class GreedyOutput:
    """A sentence's greedy decode as the lab reads it: the tokens and their ids."""

    source_tokens: tuple[str, ...]
    target_tokens: tuple[str, ...]
    token_ids: tuple[int, ...]
    probs: tuple[float, ...] = ()  # p of each chosen token: which steps are saturated (`worth_reading`)

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
        probs=tuple(float(s.prob) for s in trace.steps),
    )


@dataclass(frozen=True)
class StepLab:
    """Output token `step` (1..n) of a greedy decode: its importances and the taus between them."""

    step: int
    importance: StepImportance
    taus: dict[str, float]  # "a~b" -> Kendall's tau (NaN when undefined), seq2seq.lab.names.pairs
    tau_p: dict[str, float] = field(default_factory=dict)  # "a~b" -> the tau's two-sided p-value (NaN: undefined)

    @property
    def has_attention(self) -> bool:
        return self.importance.attention is not None


def step_lab(
    translator, sentence: str, step: int, measures: str = "signed", ig_steps: int | None = IG_STEPS
) -> StepLab:
    """The importances of output token `step` (1..n) of the greedy decode under `measures` (MEASURES), with
    their taus and p-values (seq2seq.lab.agreement.step_kendall). Integrated gradients to convergence unless
    `ig_steps` fixes the points."""
    from seq2seq.lab.agreement import step_kendall
    from seq2seq.lab.importance import step_importance

    output = greedy_output(translator, sentence)
    step, _moved = explained_step(step, output.num_steps)
    token_id = output.token_ids[step - 1]
    imp = step_importance(
        translator, sentence, output.prefix(step), token_id=token_id, ig_steps=ig_steps, measures=measures
    )
    found = step_kendall(imp)
    return StepLab(
        step=step,
        importance=imp,
        taus={pair: tau for pair, (tau, _p) in found.items()},
        tau_p={pair: p for pair, (_tau, p) in found.items()},
    )


def method_rows(imp: StepImportance) -> dict[str, list[float]]:
    """Method label -> one value per source token: attention (when the model has it), then the importances."""
    names = (("attention",) if imp.attention is not None else ()) + IMPORTANCES
    return {method_label(name): list(getattr(imp, name)) for name in names}


def tau_rows(
    taus: Mapping[str, float], tau_p: Mapping[str, float] | None = None, below_floor: Sequence[str] = ()
) -> list[dict]:
    """Table rows of a step's taus: the pair, tau, its p-value (when `tau_p` is given), its reading, and the
    papers' numbers beside it where seq2seq/lab/papers.toml quotes any (explorer.views.lab_readings.paper_cells).
    A pair with an importance of `below_floor` (StepImportance.below_floor) reads "too small to read"."""
    cells = paper_cells(list(taus))
    rows = []
    for pair, tau in taus.items():
        row = {_("pair"): pair_label(pair), "τ": rounded(tau)}
        if tau_p is not None:
            row["p"] = p_text(tau_p.get(pair))
        unreadable = any(name in below_floor for name in pair.split("~"))
        reading = _(TOO_SMALL) if unreadable else tau_words(tau)
        rows.append(row | {_("reading"): reading, **cells[pair]})
    return rows


TOO_SMALL = N_("too small to read (below the floor of a readable ranking)")


def p_caption(tau_p: Mapping[str, float]) -> str:
    """Under the taus: what p is, with the significance level, and how many of the step's taus reach it."""
    defined = [p for p in tau_p.values() if p is not None and math.isfinite(p)]
    count = sum(1 for p in defined if lab_scales.significant(p))
    text = ngettext(
        "p: the chance of a τ at least this far from 0 between unrelated rankings (Kendall's test, two-sided); "
        "{count} of these {n} τ has p below {alpha} (significant).",
        "p: the chance of a τ at least this far from 0 between unrelated rankings (Kendall's test, two-sided); "
        "{count} of these {n} τ have p below {alpha} (significant).",
        count,
    )
    return text.format(count=count, n=len(defined), alpha=i18n.number(lab_scales.ALPHA, 2))


def delta_text(delta: float) -> str:
    """Integrated gradients' completeness gap δ as shown, with two significant digits (0.0031, 0.12)."""
    return significant_digits(delta)


def method_notes(imp: StepImportance) -> list[str]:
    """Under the methods' rows: which definitions, integrated gradients' δ = |Σ IG − (f(x) − f(x′))| in nats
    with the points it took, and how leave-one-out took a token out (plain text with <unk> and </s> in it:
    escape before Markdown)."""
    if imp.measures == "jain-wallace":
        sign = _(
            "Jain & Wallace's measures: every importance a magnitude (how much, not which way), the gradient "
            "with attention held fixed; </s> is drawn but left out of every τ."
        )
    else:
        sign = _(
            "Blue: the token raised the chosen token's log-probability; red: it lowered it. Attention is never "
            "negative; gradient × input, integrated gradients and leave-one-out are signed."
        )
    if imp.ig_converged:
        points = ngettext(
            "Integrated gradients: δ = |Σ IG − (f(x) − f(x′))| = {delta} nats with {points} point, converged.",
            "Integrated gradients: δ = |Σ IG − (f(x) − f(x′))| = {delta} nats with {points} points, converged.",
            imp.ig_points,
        )
    else:
        points = ngettext(
            "Integrated gradients: δ = |Σ IG − (f(x) − f(x′))| = {delta} nats with {points} point, "
            "not converged: the cap on points was reached.",
            "Integrated gradients: δ = |Σ IG − (f(x) − f(x′))| = {delta} nats with {points} points, "
            "not converged: the cap on points was reached.",
            imp.ig_points,
        )
    if imp.loo == "deletion" and imp.measures == "jain-wallace":
        loo = _(
            "{method}: each token removed and the rest re-encoded, and the change measured as the total variation "
            "between the whole output distributions, as Jain & Wallace define it."
        )
    elif imp.loo == "deletion":
        loo = _(
            "{method}: each token removed and the rest re-encoded (this model's <unk> was never trained, "
            "so replacing a token by it would ask about a vector the model never learned to read)."
        )
    else:
        loo = _("{method}: each token replaced by the model's <unk>, which its training taught it.")
    ig = points.format(delta=delta_text(imp.ig_delta), points=i18n.number(imp.ig_points))
    return [sign, ig, loo.format(method=loo_label(imp.loo))]


def saturated_warning(imp: StepImportance) -> str | None:
    """A warning for a step whose rankings are not all to be read, None otherwise: a saturated step (the
    chosen token's p above lab_scales.SATURATED, StepImportance.saturated), and any importance below the floor
    of a readable ranking (seq2seq.lab.names.READABLE, StepImportance.below_floor). Quotes the token: escape
    before Markdown.

    What saturation flattens is the *local* slope: gradient × input is tiny there and its ranking says
    little. Integrated gradients and leave-one-out are not local: they share out f(x) − f(x′), the change
    from the all-padding source, and measure what removing a token does. So the warning says which: those
    whose values are above the floor are read as on any step; those below it are too small to read, and so is
    every τ with them (`floor_text`).
    """
    below = imp.below_floor
    if not imp.saturated and not below:
        return None
    parts = []
    if imp.saturated:
        p = math.exp(imp.logprob)
        shown = significant_digits(1 - p) if p < 1 else i18n.number(0.0, 0)
        parts.append(
            _(
                "Saturated step: the model is sure of “{token}” (p above {threshold}; 1 − p = {rest}). Its "
                "log-probability is nearly flat around this source, so gradient × input, a local slope, is tiny "
                "here and its ranking says little."
            ).format(token=imp.token, threshold=i18n.number(lab_scales.SATURATED, 2), rest=shown)
        )
    if below:
        parts.append(floor_text(imp))
    if not {"integrated_gradients", "leave_one_out"} & set(below):
        parts.append(
            _(
                "Integrated gradients and leave-one-out are not local: they share out the {change} nats between "
                "this source and a source of padding, and measure what removing each token does, so their "
                "rankings and τ are read here as on any step."
            ).format(change=i18n.number(abs(imp.change), 2))
        )
    return sentences(parts)


def _size_text(imp: StepImportance, name: str) -> str:
    """How large an importance is at this step, as the floor judges it (StepImportance.below_floor)."""
    if name == "integrated_gradients":
        return _("integrated gradients share out f(x) − f(x′) = {value} nats").format(
            value=significant_digits(abs(imp.change))
        )
    largest = max((abs(v) for v in getattr(imp, name)), default=0.0)
    return _("the largest {method} is {value}").format(method=method_label(name), value=significant_digits(largest))


def floor_text(imp: StepImportance) -> str:
    """Which importances are below the floor of a readable ranking at this step, with their sizes, and what
    follows: their rankings, and every τ with them, cannot be read ("" when none is)."""
    below = imp.below_floor
    if not below:
        return ""
    from seq2seq.lab.names import READABLE

    # Translators: between the sizes of the importances below the floor ("…; …").
    sizes = _("; ").join(_size_text(imp, name) for name in below)
    if len(below) == len(IMPORTANCES):
        return _(
            "Too small to read: {sizes}, all below the floor of {floor}. All three rankings here, and every τ "
            "in the table, cannot be read: at this step there is nothing to check attention against."
        ).format(sizes=sizes, floor=i18n.number(READABLE, 2))
    names = _(", ").join(method_label(name) for name in below)
    return _(
        "Too small to read: {sizes}, below the floor of {floor}. The ranking of {names}, and every τ with it, "
        "cannot be read here."
    ).format(sizes=sizes, floor=i18n.number(READABLE, 2), names=names)


def top_token(tokens: Sequence[str], values: Sequence[float]) -> tuple[int, str]:
    """(position, token) of the largest value (the first on a tie)."""
    index = max(range(len(values)), key=lambda i: values[i])
    return index, tokens[index]


def step_reading(lab: StepLab) -> str:
    """What the step's numbers say, in words (quotes tokens: escape before Markdown)."""
    imp = lab.importance
    tokens = imp.source_tokens
    readable = [name for name in IMPORTANCES if name not in imp.below_floor]
    tops = {name: top_token(tokens, getattr(imp, name)) for name in readable}
    parts = [
        _("The model chose “{token}” (log-probability {logprob}).").format(
            token=imp.token, logprob=i18n.number(imp.logprob, 3)
        )
    ]
    if not readable:
        parts.append(
            _(
                "Every importance is below the floor of a readable ranking here: there is nothing to check "
                "attention against at this step."
            )
        )
        return sentences(parts)
    if 1 < len(readable) < len(IMPORTANCES):  # two of the three
        parts.append(
            _("Only {first} and {second} are large enough to read here.").format(
                first=method_label(readable[0]), second=method_label(readable[1])
            )
        )
    elif len(readable) == 1:
        parts.append(_("Only {method} is large enough to read here.").format(method=method_label(readable[0])))
    if imp.attention is None:
        first = readable[0]
        agree = sum(1 for name in readable[1:] if tops[name][0] == tops[first][0])
        if len(readable) == 1:
            line = _("{method} puts “{token}” (position {position}) first.")
        elif len(readable) == len(IMPORTANCES):
            line = _(
                "Gradient × input puts “{token}” (position {position}) first; "
                "{agree} of the other two importances agree on it."
            )
        else:
            line = ngettext(
                "{method} puts “{token}” (position {position}) first; {agree} of the other {others} importance "
                "agrees on it.",
                "{method} puts “{token}” (position {position}) first; {agree} of the other {others} importances "
                "agree on it.",
                len(readable) - 1,
            )
        parts.append(
            line.format(
                method=_capital(method_label(first)),
                token=tops[first][1],
                position=tops[first][0],
                agree=agree,
                others=len(readable) - 1,
            )
        )
        return sentences(parts)
    position, token = top_token(tokens, imp.attention)
    agreeing = [name for name in readable if tops[name][0] == position]
    parts.append(
        _("Attention's heaviest source token is “{token}” (position {position}, weight {weight}).").format(
            token=token, position=position, weight=i18n.number(imp.attention[position], 2)
        )
    )
    if len(agreeing) == len(readable):
        if len(readable) == len(IMPORTANCES):
            parts.append(_("All three importances rank it first too: here attention points at what mattered."))
        else:
            parts.append(_("The importances large enough to read rank it first too."))
    elif agreeing:
        others = [name for name in readable if name not in agreeing]
        if len(others) == 1 and len(agreeing) == 1:
            line = _("{first} also ranks it first; {second} does not.")
        elif len(agreeing) == 1:
            line = _("{first} also ranks it first; {second} and {third} do not.")
        else:
            line = _("{first} and {second} also rank it first; {third} does not.")
        first, second, *third = (method_label(name) for name in (*agreeing, *others))
        parts.append(line.format(first=_capital(first), second=second, third=third[0] if third else ""))
    else:
        others = "; ".join(f"{method_label(name)} “{tops[name][1]}”" for name in readable)
        parts.append(
            _("No importance ranks it first ({others}): attention alone would mislead here.").format(others=others)
        )
    agreement = agreement_clause({f"attention~{name}": lab.taus.get(f"attention~{name}") for name in readable})
    if agreement is not None:
        parts.append(_("Over all the source tokens, {agreement}.").format(agreement=agreement))
        note = paper_note("attention~gradient")
        if note:
            parts.append(note)
    return sentences(parts)


def _capital(text: str) -> str:
    """The first letter upper-case (English; Chinese is unchanged)."""
    return text[:1].upper() + text[1:]


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
    step, _moved = explained_step(step, output.num_steps)
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
    verdict = lab_scales.permutation_words(tvd, changed, "step")
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
    step, _moved = explained_step(step, output.num_steps)
    result = adversarial_step(translator, sentence, output.prefix(step))
    return {**result.to_json(), "jsd_bits": result.jsd_bits}


def adversarial_reading(result: Mapping) -> str:
    """The adversarial search's numbers in words."""
    jsd, bits = result["jsd"], result["jsd_bits"]
    verdict = lab_scales.ADVERSARIAL.words(bits)
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
