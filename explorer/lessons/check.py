"""Checks a lesson against the app and its models: views open as links do, questions can be answered, claims hold.

`problems(lesson)` returns every problem as a `Problem` (file, line, message), so that
``python -m explorer.lessons check FILE…`` and the tests report the same thing. Models are looked up
by registry name only (`translator_for`); the claims run the model's own greedy decode.
"""

from __future__ import annotations

from collections.abc import Callable

from explorer.lessons import Claim, Lesson, Problem, Step
from explorer.lessons.measure import attention_row, exact_by_length, share_right
from explorer.state import catalog
from explorer.state.view import ViewState, parse_query
from seq2seq.registry import CheckpointError

Translators = Callable[[str], object]  # registry name -> a seq2seq.decoding.Translator


def _load(name: str):
    from seq2seq.checkpoint import load_model

    return load_model(name)


def step_view(step: Step) -> ViewState:
    """The step's view exactly as its share link would open it (with a note for each refused value)."""
    available = catalog.available()
    return parse_query(step.view, available, catalog.default_sentences(available), other_models=catalog.other_models)


def model_name(view: ViewState) -> str | None:
    """The registry name a decoding view runs."""
    entry = catalog.model_for(view.task, view.scorer, view.model)
    return entry.name if entry else None


def _claim_problem(claim: Claim, translator_for: Translators) -> str | None:
    """Why `claim` does not hold (or cannot be checked), None when it holds."""
    if claim.model not in {e.name for e in catalog.entries()}:
        return f"unknown model {claim.model!r}"
    translator = translator_for(claim.model)
    if claim.kind in ("output", "not_output", "attends"):
        trace = translator.greedy(claim.sentence)
        if claim.kind == "output" and trace.output != claim.expect:
            return f"{claim.model} writes {trace.output!r} for {claim.sentence!r}, not {claim.expect!r}"
        if claim.kind == "not_output" and trace.output == claim.expect:
            return f"{claim.model} does write {claim.expect!r} for {claim.sentence!r}"
        if claim.kind == "attends":
            if trace.attention is None:
                return f"{claim.model} has no attention"
            if claim.step >= len(trace.steps):
                steps = len(trace.steps)
                return f"{claim.model}'s output of {claim.sentence!r} has {steps} tokens, no position {claim.step}"
            row = trace.attention[claim.step]
            top = trace.source_tokens[max(range(len(row)), key=row.__getitem__)]
            if top.lstrip("▁") != claim.token.lstrip("▁"):
                token = trace.target_tokens[claim.step]
                return f"{claim.model}'s {token!r} (position {claim.step}) attends most to {top!r}, not {claim.token!r}"
        return None
    task = next(e.task for e in catalog.entries() if e.name == claim.model)
    measured = share_right(exact_by_length(translator, task), claim.min_len, claim.max_len)
    if measured is None:
        return f"no test example has {claim.min_len}–{claim.max_len} characters"
    share, examples = measured
    if not claim.at_least <= share <= claim.at_most:
        return (
            f"{claim.model}'s exact match on {examples} test examples of {claim.min_len}–{claim.max_len} "
            f"characters is {share:.1%}, not within {claim.at_least:.0%}–{claim.at_most:.0%}"
        )
    return None


def problems(lesson: Lesson, translator_for: Translators = _load, claims: bool = True) -> list[Problem]:
    """Every problem of `lesson` that needs the models: views a link would not open as written, attention
    questions without an answer, claims the models do not honour (`claims=False` skips those)."""
    found: list[Problem] = []
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
        if step.question is not None and step.question.kind == "attention":
            name = model_name(view)
            if step.page != "decode":
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
            for claim in step.claims:
                try:
                    why = _claim_problem(claim, translator)
                except (CheckpointError, ValueError) as error:
                    why = str(error)
                if why:
                    found.append(Problem(lesson.path, claim.line, f"step {number}: claim: {why}"))
    return found
