"""The numbers a lesson's claims measure, and the claim kinds that speak of rows, weights and probabilities.

A claim with a `name` gives its number to the step's texts: the placeholder ``{name}`` shows it
(explorer.lessons.placeholders). `claim_value` measures it, with the same code the pages draw with
(the Decode page's decode, the Beam search page's search, the Models page's card, the Lab's stored
results), and both the checker and the player call it, so the text says what the page shows.

`resolve` gives a claim of VIEW_CLAIM_KINDS that names no model the step's own view: its model,
sentence and decoding. `problem` says why a claim of the kinds defined here does not hold.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable

from explorer.lessons.measure import claim_trace, model_name
from explorer.lessons.schema import VIEW_CLAIM_KINDS, Claim
from explorer.state import catalog
from explorer.state.view import ViewState

END = "</s>"  # the end mark a decode writes last and a source ends with (not a word of either)
Translators = Callable[[str], object]  # registry name -> a seq2seq.decoding.Translator
# The kinds whose claim measures one number (shown by a placeholder, held within at_least..at_most).
# A config claim's number is its setting's (hidden_size 128), held to `expect`.
VALUE_KINDS = (
    *("accuracy", "metric", "lab", "tau", "size", "weight", "score", "probability", "hypothesis", "count"),
    "config",
)
# The kinds this module checks (explorer.lessons.check hands them over).
KINDS = ("peaks", "weight", "score", "probability", "hypothesis", "config", "count", "size")


def resolve(claim: Claim, view: ViewState | None) -> Claim:
    """`claim`, or for a claim of VIEW_CLAIM_KINDS without a model, the claim on the step's view: its
    model, its sentence (unless the claim names one) and its decoding (strategy, beam, temperature, seed)."""
    if claim.model or claim.kind not in VIEW_CLAIM_KINDS or view is None:
        return claim
    name = model_name(view)
    if name is None:
        return claim
    return dataclasses.replace(
        claim,
        model=name,
        sentence=claim.sentence or view.sentence,
        strategy=view.strategy,
        beam=view.beam,
        temperature=view.temperature,
        seed=view.seed,
    )


def _bare(token: str) -> str:
    """A token as a claim names it: SentencePiece's word mark ▁ ignored."""
    return token.lstrip("▁")


def _trace(claim: Claim, translator):
    trace = claim_trace(translator, claim)
    if claim.kind in ("peaks", "weight", "score") and trace.attention is None:
        raise ValueError(f"{claim.model} has no attention")
    return trace


def _row(trace, claim: Claim, step: int) -> list[float]:
    """Attention row `step` of `trace`; ValueError when the output is shorter."""
    if step >= len(trace.steps):
        raise ValueError(
            f"{claim.model}'s output of {claim.sentence!r} has {len(trace.steps)} tokens, no position {step}"
        )
    return list(trace.attention[step])


def _source_position(trace, claim: Claim, token: str, position: int) -> int:
    """The source position a claim names: `position`, else the first source token that is `token`."""
    if position >= 0:
        if position >= len(trace.source_tokens):
            raise ValueError(f"{claim.sentence!r} has {len(trace.source_tokens)} source tokens, no position {position}")
        return position
    found = [i for i, t in enumerate(trace.source_tokens) if _bare(t) == _bare(token)]
    if not found:
        raise ValueError(f"{claim.sentence!r} has no source token {token!r}")
    return found[0]


def weight(claim: Claim, translator) -> float:
    """The weight row `claim.step` puts on `claim.token` / `claim.position`, or its largest weight."""
    trace = _trace(claim, translator)
    row = _row(trace, claim, claim.step)
    if not claim.token and claim.position < 0:
        return max(row)
    return row[_source_position(trace, claim, claim.token, claim.position)]


def score(claim: Claim, translator) -> float:
    """The raw score (before the softmax) row `claim.step` gives `claim.token` / `claim.position`, or its largest."""
    trace = _trace(claim, translator)
    _row(trace, claim, claim.step)  # the output is long enough
    row = list(trace.steps[claim.step].scores)
    if not claim.token and claim.position < 0:
        return max(row)
    return row[_source_position(trace, claim, claim.token, claim.position)]


def probability(claim: Claim, translator) -> float:
    """The probability of the target piece `claim.token` at output position `claim.step` (among the
    candidates the Current step panel lists), or of the piece written there."""
    trace = _trace(claim, translator)
    if claim.step >= len(trace.steps):
        raise ValueError(
            f"{claim.model}'s output of {claim.sentence!r} has {len(trace.steps)} tokens, no position {claim.step}"
        )
    step = trace.steps[claim.step]
    if not claim.token:
        return float(step.prob)
    for piece, _id, prob in step.topk:
        if piece == claim.token:
            return float(prob)
    listed = ", ".join(repr(p) for p, _i, _p in step.topk)
    raise ValueError(f"{claim.token!r} is not among {claim.model}'s candidates at position {claim.step} ({listed})")


def hypothesis(claim: Claim, translator) -> float:
    """The log-probability of the finished hypothesis `claim.expect` of a beam search of width `claim.beam`,
    as the Beam search page lists it."""
    from explorer.views.beam import beam_search

    found = beam_search(translator, claim.sentence, claim.beam).hypotheses
    for item in found:
        if item.text == claim.expect and item.finished:
            return float(item.logprob)
    texts = ", ".join(repr(h.text) for h in found)
    raise ValueError(
        f"beam {claim.beam} of {claim.sentence!r} by {claim.model} has no hypothesis {claim.expect!r} ({texts})"
    )


def claim_value(claim: Claim, translator_for: Translators) -> float:
    """The number `claim` measures (VALUE_KINDS); ValueError when it cannot be measured."""
    from explorer.lessons.measure import claim_importance, exact_by_length, lab_value, share_right

    entry = next((e for e in catalog.entries() if e.name == claim.model), None)
    if entry is None:
        raise ValueError(f"unknown model {claim.model!r}")
    if claim.kind == "metric":
        value = entry.test.get(claim.metric)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{claim.model}'s card has no test {claim.metric!r}")
        return float(value)
    if claim.kind == "lab":
        from seq2seq.lab import results

        data, note = results.load(entry.task)
        if data is None:
            raise ValueError(note or f"no stored lab results for {entry.task}")
        return lab_value(data, claim.model, claim.experiment, claim.statistic)
    if claim.kind == "count" and claim.statistic == "epochs":
        from explorer.views import timelapse

        epochs = [r.get("epoch") for r in timelapse.model_history(claim.model) if isinstance(r.get("epoch"), int)]
        if not epochs:
            raise ValueError(f"{claim.model} has no training record")
        return float(max(epochs))
    translator = translator_for(claim.model)
    if claim.kind == "config":
        setting = getattr(translator.config, claim.setting, None)
        if isinstance(setting, bool) or not isinstance(setting, int | float):
            raise ValueError(f"{claim.model}'s {claim.setting} is not a number")
        return float(setting)
    if claim.kind == "count":
        return _count(claim, translator, entry.task)
    if claim.kind == "accuracy":
        measured = share_right(exact_by_length(translator, entry.task), claim.min_len, claim.max_len)
        if measured is None:
            raise ValueError(f"no test example has {claim.min_len}–{claim.max_len} characters")
        return measured[0]
    if claim.kind == "tau":
        from seq2seq.lab.agreement import step_agreement

        return float(step_agreement(claim_importance(translator, claim))[claim.statistic])
    if claim.kind == "size":  # what the Lab's floor of a readable ranking judges (seq2seq.lab.names.READABLE)
        return float(claim_importance(translator, claim).size(claim.method))
    measures = {"weight": weight, "score": score, "probability": probability, "hypothesis": hypothesis}
    if claim.kind not in measures:
        raise ValueError(f"a {claim.kind} claim measures no number")
    return measures[claim.kind](claim, translator)


def _count(claim: Claim, translator, task: str) -> float:
    """A count claim's number (explorer.lessons.schema.COUNTS): tokens of the sentence or of its decode,
    test examples of min_len..max_len characters. Tokens are counted without the end mark </s>."""
    from explorer.lessons.measure import exact_by_length, share_right

    if claim.statistic in ("source_tokens", "output_tokens"):  # the end mark </s> is not counted
        trace = claim_trace(translator, claim)
        tokens = trace.source_tokens if claim.statistic == "source_tokens" else trace.target_tokens
        return float(sum(token != END for token in tokens))
    measured = share_right(exact_by_length(translator, task), claim.min_len, claim.max_len)
    if measured is None:
        raise ValueError(f"no test example has {claim.min_len}–{claim.max_len} characters")
    return float(measured[1])


def _peaks_problem(claim: Claim, translator) -> str | None:
    """The first row of `claim.steps` whose largest weight is not on its token (or position)."""
    trace = _trace(claim, translator)
    for i, step in enumerate(claim.steps):
        row = _row(trace, claim, step)
        top = max(range(len(row)), key=row.__getitem__)
        found, written = trace.source_tokens[top], trace.target_tokens[step]
        where = f"{claim.model}'s row {step} ({written!r}) of {claim.sentence!r}"
        if claim.positions and top != claim.positions[i]:
            return f"{where} peaks on source position {top} ({found!r}), not {claim.positions[i]}"
        if claim.tokens and _bare(found) != _bare(claim.tokens[i]):
            return f"{where} peaks on {found!r} (position {top}), not {claim.tokens[i]!r}"
    return None


def _config_problem(claim: Claim, translator) -> str | None:
    """Whether the model's configuration `setting` is `expect` (JSON's spelling: true, 128, gru)."""
    config = translator.config
    if not hasattr(config, claim.setting):
        return f"{claim.model}'s configuration has no {claim.setting!r}"
    value = getattr(config, claim.setting)
    shown = value if isinstance(value, str) else json.dumps(value)
    return None if shown == claim.expect else f"{claim.model}'s {claim.setting} is {shown}, not {claim.expect}"


def problem(claim: Claim, translator_for: Translators) -> str | None:
    """Why a claim of KINDS does not hold, None when it holds (ValueError: it cannot be measured)."""
    translator = translator_for(claim.model)
    if claim.kind == "peaks":
        return _peaks_problem(claim, translator)
    if claim.kind == "config":
        return _config_problem(claim, translator)
    value = claim_value(claim, translator_for)
    if claim.at_least <= value <= claim.at_most:
        return None
    return f"{claim.model}'s {claim.kind} is {value:.4g}, not within {claim.at_least:g}–{claim.at_most:g}"


def bounded(value: float) -> bool:
    """A number a placeholder can show (a finite one)."""
    return math.isfinite(value)
