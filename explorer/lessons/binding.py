"""Numbers and claims tied to what the step shows: its view, and the models its prose names.

Without running a model, for each step and its view (as its share link opens it):

- a claim that names a model names one the class can see or read about: the view's own model, one the
  page shows beside it (Compare: the view's task's; Models: those of a task the texts name), or a
  model the step's texts name (`dot`, `reverse/dot`, `lstm-general`, or a bare scorer's name but
  none's: `named_models`), so that moving
  an output claim from `dates/dot` to `dates/location` (which may happen to agree) fails;
- a placeholder speaks of the model its sentence names: the nearest model named before it in the same
  sentence; with none before it, the view's model (a page without one: the first named after it). Two
  placeholders of different models swapped ("`none` {dot_share}, `dot` {none_share}") fail;
- a claim on the view's own decode (one without `model`) speaks of a row the page shows: its `step` (and
  each of a peaks claim's `steps`) is at most the view's `step` (rows 0…step−1 are drawn, row `step` is
  the next one, which an attention question asks about), so moving the view back fails;
- a view that shows one model shows one the step's texts name, when they name any (a view moved under
  another model's words fails);
- no claim is there twice (a claim moved onto another that happened to agree);
- a display_only claim is only shown: the sentence of its placeholder characterises no number
  ("very close", "far above", "most", 最, 接近, …: `CHARACTERISING`); a number that is characterised
  is held to a bound (explorer.lessons.rules).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from explorer.lessons.placeholders import CODE, PLACEHOLDER
from explorer.lessons.schema import Claim, Lesson, Problem, Step
from explorer.state import catalog
from explorer.state.view import ViewState

# A sentence ends at . ! ? (before a space or the end), at 。！？；; or at a blank line.
_SENTENCE = re.compile(r"(?<=[.!?])\s+|[。！？；;]|\n\s*\n")
# Words that say how large a number is: such a number needs a bound (not display_only).
CHARACTERISING = re.compile(
    r"\b(?:very|far|most|almost|nearly|close|closer|above|below|over|under|more|less|fewer|higher|lower|"
    r"barely|hardly|only|just|much|well|above|at least|at most|about|around|roughly|larger|smaller|"
    r"largest|smallest|highest|lowest|best|worst|near|tiny|huge|small|large|high|low)\b"
    r"|很|非常|远|最|几乎|接近|高于|低于|超过|不到|多于|少于|只有|仅|大约|左右|至少|至多|较|更",
    re.IGNORECASE,
)
_VIEW_PAGES = ("decode", "states", "beam", "timelapse")  # pages that show one model: the view's


def short_names(model: str, entries: list[catalog.Entry] | None = None) -> set[str]:
    """How prose names a registered model in a code span: `reverse/dot`, `dot`, and a variant's own
    name (`lstm-general`). entries: the catalog's, when the caller has read them already."""
    entry = next((e for e in (catalog.entries() if entries is None else entries) if e.name == model), None)
    names = {model, model.partition("/")[2]}
    if entry is not None:
        names.add(entry.scorer)
    return {n for n in names if n}


def _all_names() -> dict[str, str]:
    """Every code span that names a model -> the short name it stands for (one reading of the registry:
    a lesson's check asks this for every sentence)."""
    found: dict[str, str] = {}
    entries = catalog.entries()
    for entry in entries:
        for name in short_names(entry.name, entries):
            found[name] = name
    return found


def shown_models(step: Step, view: ViewState | None, texts: list[str]) -> set[str]:
    """The models the step's page shows beside its view's own: on Compare every shipped model of the view's
    task (catalog.variants' default of each scorer), on Timelapse their records; on Models every model of a
    task the texts name."""
    if view is None:
        return set()
    if step.page in ("compare", "timelapse"):  # Timelapse: every shipped model's record of the task
        return {e.name for e in (catalog.model_for(view.task, s) for s in catalog.scorers_for(view.task)) if e}
    if step.page == "models":
        named = {t for t in catalog.tasks() if any(re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", x) for x in texts)}
        return {e.name for e in catalog.entries() if e.task in named}
    return set()


def view_model(step: Step, view: ViewState | None) -> str | None:
    """The one model the step's page shows: its view's (when the view names a scorer or a model), else None."""
    if view is None or step.page not in _VIEW_PAGES or not {"scorer", "model"} & set(step.view):
        return None
    entry = catalog.model_for(view.task, view.scorer, view.model)
    return entry.name if entry else None


def _texts(step: Step) -> Iterator[str]:
    """Every text of the step, in every language."""
    parts = [(step, ("title", "text", "teacher"))]
    if step.question is not None:
        parts.append((step.question, ("prompt", "explain")))
        parts += [(o, ("text", "explain")) for o in step.question.options]
    for part, names in parts:
        for name in names:
            yield getattr(part, name) or ""
        yield from (text for _key, text in part.translated)


def named_models(text: str, names: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """(offset, name) of each model `text` names: in a code span (`none`, `dot`, `reverse/dot`), or as a
    bare word (location, location's; every name but none, which is also an English word).
    names: `_all_names()`, when the caller has it already."""
    names = _all_names() if names is None else names
    found = [(m.start(), m.group(0).strip("`")) for m in CODE.finditer(text) if m.group(0).strip("`") in names]
    bare = sorted((n for n in names if n != "none" and "/" not in n), key=len, reverse=True)
    pattern = re.compile(rf"(?<![\w`/-])({'|'.join(map(re.escape, bare))})(?![\w`/-])", re.ASCII)
    found += [(m.start(), m.group(1)) for m in pattern.finditer(CODE.sub(lambda m: " " * len(m.group(0)), text))]
    return sorted(found)


def _sentences(text: str) -> Iterator[tuple[int, str]]:
    """(offset, sentence) of each sentence of `text` (code spans kept whole: a `.` inside one ends nothing)."""
    blanked = CODE.sub(lambda m: "x" * len(m.group(0)), text)
    start = 0
    for match in _SENTENCE.finditer(blanked):
        yield start, text[start : match.start()]
        start = match.end()
    yield start, text[start:]


def _placeholder_problems(
    step: Step, number: int, own: str | None, claims: dict[str, Claim], all_names: dict[str, str]
) -> list[str]:
    said = []
    for text in _texts(step):
        for _start, sentence in _sentences(text):
            names = named_models(sentence, all_names)
            for match in PLACEHOLDER.finditer(CODE.sub(lambda m: " " * len(m.group(0)), sentence)):
                claim = claims.get(match.group(1).partition(".")[0])
                if claim is None:
                    continue  # a view setting or an unknown name (explorer.lessons.texts says so)
                model = claim.model or own
                before = [n for at, n in names if at < match.start()]
                after = [n for at, n in names if at > match.start()]
                spoken = before[-1] if before else None if own else after[0] if after else None
                if spoken is None and own is not None and model != own:
                    said.append(
                        f"step {number}: {match.group(0)} measures {model}, but its sentence names no model "
                        f"and the view shows {own}: name `{model.partition('/')[2]}` in the sentence"
                    )
                elif spoken is not None and model and spoken not in short_names(model):
                    said.append(
                        f"step {number}: {match.group(0)} measures {model}, but its sentence names `{spoken}` before it"
                    )
                if claim.display_only and CHARACTERISING.search(sentence):
                    word = CHARACTERISING.search(sentence).group(0)
                    said.append(
                        f"step {number}: {match.group(0)} is display_only, but its sentence says {word!r}: "
                        "give the claim the bound that makes the words true"
                    )
    return said


def problems(lesson: Lesson, number: int, step: Step, view: ViewState | None) -> list[Problem]:
    """Every way step `number`'s claims and placeholders are not tied to its view or its prose."""
    own = view_model(step, view)
    texts = list(_texts(step))
    all_names = _all_names()
    named = {name for text in texts for _at, name in named_models(text, all_names)}
    shown = shown_models(step, view, texts)
    found: list[Problem] = []
    if own is not None and named and not short_names(own) & named:  # a view moved under another step's words
        said = ", ".join(f"`{n}`" for n in sorted(named))
        found.append(
            Problem(lesson.path, step.line, f"step {number}: the view shows {own}, its texts name only {said}")
        )
    seen: set[Claim] = set()
    for claim in step.claims:
        if dataclasses.replace(claim, line=0) in seen:
            found.append(
                Problem(lesson.path, claim.line, f"step {number}: claim: the same claim twice (a moved claim?)")
            )
        seen.add(dataclasses.replace(claim, line=0))
        if claim.model and claim.model != own and claim.model not in shown and not short_names(claim.model) & named:
            found.append(
                Problem(
                    lesson.path,
                    claim.line,
                    f"step {number}: claim: {claim.model} is not the view's model ({own or 'none'}) and the "
                    f"step's text does not name it (`{claim.model.partition('/')[2]}`)",
                )
            )
        rows = claim.steps if claim.kind == "peaks" else (claim.step,)
        on_view = not claim.model and view is not None and step.page == "decode" and own is not None
        if on_view and any(row > view.step for row in rows):
            found.append(
                Problem(
                    lesson.path,
                    claim.line,
                    f"step {number}: claim: row {max(rows)} of the view's decode is not on the page "
                    f"(its view draws {view.step} rows and asks about the next)",
                )
            )
    named_claims = {c.name: c for c in step.claims if c.name}
    found += [
        Problem(lesson.path, step.line, m) for m in _placeholder_problems(step, number, own, named_claims, all_names)
    ]
    return found
