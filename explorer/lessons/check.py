"""Checks a lesson against the app and its models: views open as links do, questions can be answered, claims hold.

Also: each step's claims and placeholders are tied to its view and the models its prose names
(explorer.lessons.binding), and a `not_output` expectation is one some view shows (explorer.lessons.reach).

`problems(lesson)` returns every problem as a `Problem` (file, line, message), so that
``python -m explorer.lessons check FILE…`` and the tests report the same thing. Models are looked up
by registry name only (`translator_for`); the claims run the model's own decoding.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from explorer.lessons import anchors, binding, controls, history, reach, texts, tokens, values
from explorer.lessons.measure import (
    attention_row,
    claim_importance,
    claim_trace,
    claim_view,
    exact_by_length,
    lab_value,
    model_name,
    share_right,
)
from explorer.lessons.schema import Claim, Lesson, Problem, Step
from explorer.state import catalog
from explorer.state.view import ViewState, decoding_label, parse_query
from seq2seq.lab import results
from seq2seq.registry import CheckpointError

Translators = Callable[[str], object]  # registry name -> a seq2seq.decoding.Translator


def _load(name: str):
    from seq2seq.checkpoint import load_model

    return load_model(name)


def lab_views() -> tuple[str, ...]:
    """The Lab page's views (`view=` in its link: explorer.views.lab.VIEWS)."""
    from explorer.views.lab import VIEWS

    return VIEWS


def step_view(step: Step) -> ViewState:
    """The step's view exactly as its share link would open it (with a note for each refused value)."""
    available = catalog.available()
    return parse_query(step.view, available, catalog.default_sentences(available), other_models=catalog.other_models)


def _how(claim: Claim) -> str:
    """How a claim's decode was made, in words ("" for plain greedy)."""
    if claim.prefix:
        return f" after forcing {' '.join(claim.prefix)}"
    return "" if claim.strategy == "greedy" else f", {decoding_label(claim_view(claim))}"


def _decode_problem(claim: Claim, translator) -> str | None:
    trace, how = claim_trace(translator, claim), _how(claim)
    if claim.kind == "output" and trace.output != claim.expect:
        return f"{claim.model} writes {trace.output!r} for {claim.sentence!r}{how}, not {claim.expect!r}"
    if claim.kind == "not_output" and trace.output == claim.expect:
        return f"{claim.model} does write {claim.expect!r} for {claim.sentence!r}{how}"
    if claim.kind != "attends":
        return None
    if trace.attention is None:
        return f"{claim.model} has no attention"
    if claim.step >= len(trace.steps):
        return (
            f"{claim.model}'s output of {claim.sentence!r}{how} has {len(trace.steps)} tokens, no position {claim.step}"
        )
    row = trace.attention[claim.step]
    top = max(range(len(row)), key=row.__getitem__)
    token = trace.target_tokens[claim.step]
    if claim.position >= 0 and top != claim.position:
        where = f"{claim.model}'s {token!r} (position {claim.step})"
        return f"{where} attends most to source position {top}, not {claim.position}"
    if claim.token and trace.source_tokens[top].lstrip("▁") != claim.token.lstrip("▁"):
        found = trace.source_tokens[top]
        return f"{claim.model}'s {token!r} (position {claim.step}) attends most to {found!r}, not {claim.token!r}"
    return None


def _within(claim: Claim, value: float, what: str, shown: str) -> str | None:
    if claim.at_least <= value <= claim.at_most:
        return None
    return f"{claim.model}'s {what} is {shown}, not within {claim.at_least:g}–{claim.at_most:g}"


def _claim_problem(claim: Claim, translator_for: Translators) -> str | None:
    """Why `claim` does not hold (or cannot be checked), None when it holds."""
    entry = next((e for e in catalog.entries() if e.name == claim.model), None)
    if entry is None:
        return f"unknown model {claim.model!r}" if claim.model else "no model: the step's view runs none"
    if claim.kind in values.KINDS:
        return values.problem(claim, translator_for)
    if claim.kind == "metric":
        value = entry.test.get(claim.metric)
        if not isinstance(value, int | float):
            return f"{claim.model}'s card has no test {claim.metric!r}"
        return _within(claim, value, f"test {claim.metric}", f"{value:.4g}")
    if claim.kind == "history":
        return _history_problem(claim)
    if claim.kind == "lab":
        return _lab_problem(claim, entry.task)
    translator = translator_for(claim.model)
    if claim.kind in ("importance", "tau"):
        return _importance_problem(claim, translator)
    if claim.kind != "accuracy":
        return _decode_problem(claim, translator)
    measured = share_right(exact_by_length(translator, entry.task), claim.min_len, claim.max_len)
    if measured is None:
        return f"no test example has {claim.min_len}–{claim.max_len} characters"
    share, examples = measured
    what = f"exact match on {examples} test examples of {claim.min_len}–{claim.max_len} characters"
    return _within(claim, share, what, f"{share:.1%}")


def _importance_problem(claim: Claim, translator) -> str | None:
    """importance: the top source token of `claim.method` at the step; tau: the step's tau of a pair."""
    from seq2seq.lab.agreement import step_agreement

    imp = claim_importance(translator, claim)
    where = f"{claim.model}'s {imp.token!r} (position {claim.step})"
    # A ranking below the floor of a readable one (seq2seq.lab.names.READABLE) is noise: no claim may read it.
    named = claim.statistic.split("~") if claim.kind == "tau" else [claim.method]
    unreadable = [name for name in named if name in imp.below_floor]
    if unreadable:
        sizes = ", ".join(f"{name} {imp.size(name):.2g}" for name in unreadable)
        return (
            f"{where}: {', '.join(unreadable)} is below the floor of a readable ranking here ({sizes}; "
            f"seq2seq.lab.names.READABLE): the Lab says it cannot be read, so no claim may read it"
        )
    if claim.kind == "tau":
        if imp.attention is None and claim.statistic.startswith("attention"):
            return f"{claim.model} has no attention"
        tau = step_agreement(imp)[claim.statistic]
        if not math.isfinite(tau):
            return f"{where}: tau {claim.statistic} is undefined (a constant vector)"
        if claim.at_least <= tau <= claim.at_most:
            return None
        return f"{where}: tau {claim.statistic} is {tau:.3f}, not within {claim.at_least:g}–{claim.at_most:g}"
    values = getattr(imp, claim.method)
    top = max(range(len(values)), key=values.__getitem__)
    if claim.position >= 0 and top != claim.position:
        return f"{where}: the largest {claim.method} is at source position {top}, not {claim.position}"
    found = imp.source_tokens[top]
    if claim.token and found.lstrip("▁") != claim.token.lstrip("▁"):
        return f"{where}: the largest {claim.method} is on {found!r}, not {claim.token!r}"
    return None


def _lab_problem(claim: Claim, task: str) -> str | None:
    """Whether the stored lab results (scripts/lab_results.py) put the claim's statistic within its bounds."""
    data, note = results.load(task)
    if data is None:
        return note or f"no stored lab results for {task} (run scripts/lab_results.py --tasks {task})"
    try:
        value = lab_value(data, claim.model, claim.experiment, claim.statistic)
    except ValueError as error:
        return str(error)
    if claim.at_least <= value <= claim.at_most:
        return None
    return (
        f"{claim.model}'s stored {claim.experiment} {claim.statistic} is {value:.4g}, "
        f"not within {claim.at_least:g}–{claim.at_most:g}"
    )


def _history_problem(claim: Claim) -> str | None:
    """Whether the model's probes.json (the Timelapse's record) has `expect` for the probe after `epoch`."""
    from explorer.views import timelapse

    records = timelapse.model_history(claim.model)
    record = next((r for r in records if r.get("epoch") == claim.epoch), None)
    if record is None:
        return f"{claim.model}'s training history has no epoch {claim.epoch}"
    probe = timelapse.probe_for(record, claim.sentence)
    if probe is None:
        return f"{claim.model}'s history has no probe {claim.sentence!r}"
    if probe.get("output") != claim.expect:
        wrote = probe.get("output")
        return f"after epoch {claim.epoch} {claim.model} wrote {wrote!r} for {claim.sentence!r}, not {claim.expect!r}"
    return None


def problems(lesson: Lesson, translator_for: Translators = _load, claims: bool = True) -> list[Problem]:
    """Every problem of `lesson` that needs the models: views a link would not open as written, attention
    questions without an answer, claims the models do not honour (`claims=False` skips those)."""
    found: list[Problem] = texts.problems(lesson)  # typed numbers, placeholders, languages: no model needed
    found += controls.problems(lesson)  # a control the text names is on the step's page
    cache: dict[str, object] = {}

    def translator(name: str):
        if name not in cache:
            cache[name] = translator_for(name)
        return cache[name]

    for number, step in enumerate(lesson.steps, start=1):
        try:
            view = step_view(step)
        except (ValueError, CheckpointError) as error:  # no model registered, a broken registry
            found.append(Problem(lesson.path, step.line, f"step {number}: {error}"))
            continue
        for note in view.notes:
            found.append(Problem(lesson.path, step.line, f"step {number}: view: {note}"))
        found += binding.problems(lesson, number, step, view)  # claims and placeholders tied to the view
        # quantity words held by bounds, code-span numbers the app's own, claims on the step the view shows
        found += anchors.problems(lesson, number, step, view, model_name(view))
        found += tokens.problems(lesson, number, step, view, translator)  # tokens named: placeholders of the view
        found += history.problems(lesson, number, step)  # outputs of the Timelapse's record: placeholders of claims
        if step.question is not None and step.question.kind == "attention":
            name = model_name(view)
            if view.strategy != "greedy" or view.reference:
                message = (
                    f"step {number}: an attention question is asked of a greedy decode (its answer is the greedy row)"
                )
                found.append(Problem(lesson.path, step.line, message))
            elif step.page != "decode":
                found.append(
                    Problem(lesson.path, step.line, f'step {number}: an attention question needs page = "decode"')
                )
            elif name is None or attention_row(translator(name), view) is None:
                found.append(
                    Problem(
                        lesson.path,
                        step.line,
                        f"step {number}: {name} has no attention row at step {view.step} to ask about",
                    )
                )
        if step.page == "lab" and step.view.get("view") not in (None, *lab_views()):
            message = f"step {number}: view: the Lab has no view {step.view['view']!r}; one of {', '.join(lab_views())}"
            found.append(Problem(lesson.path, step.line, message))
        if step.figure is not None:
            missing = [s for s in step.figure.scorers if catalog.model_for(step.figure.task, s) is None]
            if catalog.task_of(step.figure.task) is None or catalog.task_of(step.figure.task).generate is None:
                found.append(
                    Problem(lesson.path, step.line, f"step {number}: figure: {step.figure.task!r} is no generated task")
                )
            elif missing:
                found.append(
                    Problem(
                        lesson.path,
                        step.line,
                        f"step {number}: figure: no {step.figure.task} model for {', '.join(missing)}",
                    )
                )
        if claims:
            question = step.question
            keyed = question is not None and question.key == "holds"
            # a question keyed "holds": the claims of its wrong options must fail (each says what the model does not)
            wrong = {o.claim: o for o in question.options if not o.correct and o.claim} if keyed else {}
            for claim in step.claims:
                if claim.name and claim.name in wrong:
                    try:
                        holds = _claim_problem(values.resolve(claim, view), translator) is None
                    except (CheckpointError, ValueError):
                        holds = False
                    if holds:
                        text = wrong[claim.name].text
                        said = f"the claim {{{claim.name}}} of the wrong option {text!r} holds: a wrong key?"
                        message = f"step {number}: {said}"
                        found.append(Problem(lesson.path, claim.line, message))
                    continue
                try:
                    why = _claim_problem(values.resolve(claim, view), translator)
                    if not why and claim.kind == "not_output" and not reach.reachable(claim, translator):
                        why = (
                            f"no model of the task writes {claim.expect!r} for {claim.sentence!r} (greedy, beam "
                            f"{', '.join(map(str, reach.BEAMS))}, samples, training record): a typo?"
                        )
                except (CheckpointError, ValueError) as error:
                    why = str(error)
                if why:
                    found.append(Problem(lesson.path, claim.line, f"step {number}: claim: {why}"))
    return found
