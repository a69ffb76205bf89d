"""A page's own query parameters, parsed and validated in one place: those beyond its view's link fields.

Each page declares the parameters it reads (explorer.state.pages, `Page.params`: Models' `model`, the
Lessons' `lesson` and `at`, the Lab's `view`, the Timelapse's `task`, `probe` and `epoch`); `parse`
reads those, and only those, from a query mapping (a repeated key keeps its last value, as
explorer.state.link.flat) and checks each against the values the page has (its `choices`: registered
model names, lesson ids, the Lab's views, a history's probes and epochs). A value is only ever looked
up among them, and the value returned is the page's own, never the URL's text: nothing from the URL
is joined into a path or shown as HTML. A value refused gives a safe default and a note (a
seq2seq.messages.Message, translated where shown, repeating at most SHOWN characters of it): never an
exception. Plain Python: no streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from explorer.i18n import N_
from explorer.state.link import flat
from explorer.state.pages import BY_NAME
from seq2seq.messages import Message

SHOWN = 40  # characters of a refused value a note repeats
Value = str | int


@dataclass(frozen=True)
class Parsed:
    """What a link says to a page: each parameter it names validly (or the default that replaces a value
    refused), as the page's own value; and a note for each value refused."""

    values: dict[str, Value]
    notes: tuple[Message, ...] = ()


def quoted(raw: str) -> str:
    """A refused value as a note repeats it: quoted, cut to SHOWN characters."""
    return repr(raw[:SHOWN] + "…" if len(raw) > SHOWN else raw)


def lookup(raw: str, choices: Collection) -> Value | None:
    """The one of `choices` (of a mapping, its keys) whose text is `raw`, or None."""
    return {str(choice): choice for choice in choices}.get(raw)


# -- each page's parameters -------------------------------------------------------------------------
Parser = Callable[[Mapping[str, str], Mapping[str, Collection]], Parsed]


def _models(raw: Mapping[str, str], choices: Mapping[str, Collection]) -> Parsed:
    """`model`: a registered model's name; another opens the first (choices: the registered names)."""
    names = list(choices["model"])
    if "model" not in raw or not names:
        return Parsed({})
    found = lookup(raw["model"], names)
    if found is not None:
        return Parsed({"model": found})
    note = Message(N_("The model named in the link is not registered; showing {name}."), name=names[0])
    return Parsed({"model": names[0]}, (note,))


def _lab(raw: Mapping[str, str], choices: Mapping[str, Collection]) -> Parsed:
    """`view`: one of the Lab's views (choices: explorer.views.lab.VIEWS); another opens the first."""
    views = list(choices["view"])
    if "view" not in raw:
        return Parsed({"view": views[0]})
    found = lookup(raw["view"], views)
    if found is not None:
        return Parsed({"view": found})
    note = Message(
        N_("Unknown view {view}; showing 'step' (one of {views})."),
        view=repr(raw["view"][:SHOWN]),
        views=", ".join(views),
    )
    return Parsed({"view": views[0]}, (note,))


TIMELAPSE_NOTES = {
    "task": N_("Ignored task={value}: no shipped models of that task have a timelapse."),
    "probe": N_("Ignored probe={value}: not one of this timelapse's probe sentences."),
    "epoch": N_("Ignored epoch={value}: not one of the epochs recorded ({first}–{last})."),
}


def _timelapse(raw: Mapping[str, str], choices: Mapping[str, Collection]) -> Parsed:
    """`task` (choices: the tasks with shipped histories), `probe` (its probe sentences) and `epoch` (its
    epochs, numbers): each parsed when its choices are given, as the page learns them. A value refused
    is ignored (the page keeps what it shows), with a note."""
    values: dict[str, Value] = {}
    notes = []
    for name in ("task", "probe", "epoch"):
        if name not in raw or name not in choices:
            continue
        known = list(choices[name])
        if not known and name != "task":  # nothing recorded: the page says so itself
            continue
        found = lookup(raw[name], known)
        if found is not None:
            values[name] = found
            continue
        ends = {"first": known[0], "last": known[-1]} if name == "epoch" else {}
        notes.append(Message(TIMELAPSE_NOTES[name], value=quoted(raw[name]), **ends))
    return Parsed(values, tuple(notes))


def _lessons(raw: Mapping[str, str], choices: Mapping[str, Collection]) -> Parsed:
    """`lesson` (choices: lesson id -> its number of steps) and `at`, its step from 1.

    An unknown lesson opens the list (no `lesson`); an `at` that is not a whole number opens step 1, one
    outside the lesson's steps the nearest (first or last) step."""
    raw_lesson, raw_at = raw.get("lesson"), raw.get("at")
    if raw_lesson is None or raw_lesson == "":
        if raw_at is None:
            return Parsed({})
        note = Message(
            N_("The link names step {step} but no lesson; here is the list of lessons."), step=quoted(raw_at)
        )
        return Parsed({}, (note,))
    lessons = choices["lesson"]
    lesson = lookup(raw_lesson, lessons)
    if lesson is None:
        note = Message(N_("There is no lesson {lesson}; here is the list of lessons."), lesson=quoted(raw_lesson))
        return Parsed({}, (note,))
    if raw_at is None or raw_at == "":
        return Parsed({"lesson": lesson, "at": 1})
    try:
        at = int(raw_at.strip())
    except ValueError:
        note = Message(N_("Ignored at={value}: not a step number; showing step 1."), value=quoted(raw_at))
        return Parsed({"lesson": lesson, "at": 1}, (note,))
    last = int(lessons[lesson])
    if 1 <= at <= last:
        return Parsed({"lesson": lesson, "at": at})
    nearest = 1 if at < 1 else last
    outside = N_("at={value} is outside the lesson's steps 1–{last}; showing step {nearest}.")
    value = at if abs(at) < 10**12 else quoted(raw_at)
    return Parsed({"lesson": lesson, "at": nearest}, (Message(outside, value=value, last=last, nearest=nearest),))


PARSERS: dict[str, Parser] = {"models": _models, "lab": _lab, "timelapse": _timelapse, "lessons": _lessons}


def parse(page: str, query: Mapping, **choices: Collection) -> Parsed:
    """The parameters `page` declares (explorer.state.pages) as `query` names them, each checked against
    its `choices` (keyword: the parameter's name; see each page's parser above for what it takes).

    `query`: st.query_params.to_dict(), a link (explorer.state.owner.open_link) or any str mapping; keys
    the page does not declare are not read. Raises ValueError only for a caller's mistake (a page without
    parameters, choices for a parameter it does not declare), never for what a URL holds.
    """
    declared = BY_NAME[page].params
    if page not in PARSERS or not set(choices) <= set(declared):
        raise ValueError(f"page {page!r} declares the parameters {declared}, not {sorted(choices)}")
    raw = {key: value for key, value in flat(query, keep=declared).items() if key in declared}
    return PARSERS[page](raw, choices)
