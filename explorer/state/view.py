"""The one view every page shows, parsed from a link with a note for every value refused, and written back.

A view is what a share link carries, and what a live class or a lesson step carries too: one
format, parsed by `parse_query`, serialised by `link_params`, held in a session by its one owner
(explorer.state.owner). Shareable links carry task, scorer, sentence, step and strategy (a teacher-forcing reference
too), and the model when it is not the task and scorer's default (another cell, or a model saved
from the Train page). Anything invalid falls back to a default and adds a note the page shows;
nothing from the URL is used as a path or as HTML: a model is only ever looked up by name among
the registered ones.

The simple fields are declared as data, each once: a number with its bound (LINK_NUMBERS), a word with
its values (LINK_CHOICES). A new one is its ViewState attribute and its entry there (docs/architecture.md,
"A new view field"); parse_query reads it by its kind, the owner checks it, the pages whose link_fields
name it keep it in their links.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from explorer.i18n import N_, _
from explorer.state.pages import PAGES
from seq2seq.messages import Message
from seq2seq.scorers import default_scorer

STRATEGIES = ("greedy", "sample", "beam")
WORDS = "words"  # units=words: subword pieces merged into words in the heatmaps (explorer.views.words)
MAX_SENTENCE_CHARS = 500  # longer URL values are refused before any tokenization


@dataclass(frozen=True)
class Bound:
    """A number a link may carry: whole or not, its range, and the value a missing or refused one takes."""

    whole: bool
    low: float
    high: float
    default: float


# Every number a link carries, bounded here once: parse_query clamps to these, a lesson's view is
# refused outside them (explorer.lessons).
LINK_NUMBERS = {
    "step": Bound(True, 0, 200, 0),  # target tokens shown
    "beam": Bound(True, 1, 10, 3),  # beam width
    "temperature": Bound(False, 0.05, 5.0, 1.0),
    "seed": Bound(True, 0, 2**31 - 1, 0),
}

# The note a refused choice gets when its Choice names none of its own: {name}, {value} (the value refused,
# cut to 40 characters), {values} (the choices, quoted) and {default} (the value used instead).
REFUSED_CHOICE = N_("Ignored {name}={value!r}: not one of {values}; using {default!r}.")


@dataclass(frozen=True)
class Choice:
    """A word a link may carry: its values, the one a missing or refused one takes, other spellings read as a
    value (`aliases`: "pieces" is units ""), and the note a refused value gets (a template marked N_, filled as
    REFUSED_CHOICE's is)."""

    values: tuple[str, ...]
    default: str
    aliases: Mapping[str, str] = field(default_factory=dict)
    refused: str = REFUSED_CHOICE

    def __post_init__(self) -> None:
        assert self.default in self.values and set(self.aliases.values()) <= set(self.values), self


# Every word a link carries, declared here once: parse_query reads each with its Choice (a refused value
# takes the default, with its note); a view field of this table needs no other code to be parsed, checked
# by the owner (explorer.state.owner.propose) and written into the links of the pages that keep it.
LINK_CHOICES = {
    "strategy": Choice(STRATEGIES, "greedy", refused=N_("Unknown strategy {value!r}; using greedy.")),
    "units": Choice(("", WORDS), "", {"pieces": ""}, N_("Unknown units {value!r}; showing pieces.")),
}


@dataclass(frozen=True)
class ViewState:
    task: str
    scorer: str
    sentence: str
    step: int = 0  # number of target tokens shown (0 = none yet)
    strategy: str = "greedy"
    beam: int = 3  # beam width
    temperature: float = 1.0
    seed: int = 0
    model: str = ""  # a registry name among the task and scorer's models; "" = their default
    reference: str = ""  # a target to teacher-force (it overrides the strategy); "" = none
    # The interface language is not part of a view: it is the user's, and rides beside any page's link
    # as lang= (explorer.state.link, explorer.ui.shell.language).
    units: str = ""  # "words": the heatmaps in words (explorer.views.words); "" = pieces, the default
    notes: tuple[str, ...] = field(default=(), compare=False)


def _parsed(raw: str, parse: Callable[[str], float], refused: str, default, name: str, notes: list[str]):
    """`raw` read by `parse`, or None with the note `refused` (a template) that `default` is used instead."""
    try:
        return parse(raw)
    except (TypeError, ValueError):
        notes.append(Message(refused, name=name, value=raw[:40], default=default))
        return None


def _int(raw: str | None, default: int, low: int, high: int, name: str, notes: list[str]) -> int:
    """A whole number from a link, clamped into low..high (with a note)."""
    refused = N_("Ignored {name}={value!r}: not a whole number; using {default}.")
    value = None if raw is None else _parsed(raw, int, refused, default, name, notes)
    if value is None:
        return default
    if not low <= value <= high:
        clamped = min(max(value, low), high)
        shown = value if abs(value) < 10**40 else f"{raw.strip()[:40]}…"  # a 4,000-digit seed stays one line
        notes.append(
            Message(
                N_("{name}={value} is outside {low}–{high}; using {used}."),
                name=name,
                value=shown,
                low=low,
                high=high,
                used=clamped,
            )
        )
        return clamped
    return value


def _float(raw: str | None, default: float, low: float, high: float, name: str, notes: list[str]) -> float:
    """A number from a link; outside low..high (NaN included) the default, with a note."""
    refused = N_("Ignored {name}={value!r}: not a number; using {default}.")
    value = None if raw is None else _parsed(raw, float, refused, default, name, notes)
    if value is None:
        return default
    if not (low <= value <= high):  # also refuses NaN
        notes.append(
            Message(
                N_("{name}={value} is outside {low}–{high}; using {used}."),
                name=name,
                value=raw[:40],
                low=low,
                high=high,
                used=default,
            )
        )
        return default
    return value


def _number(params: Mapping[str, str], name: str, notes: list[str], high: float | None = None) -> float:
    """The link's number `name` within its LINK_NUMBERS bound (`high` instead of the bound's when given;
    a note for each value refused)."""
    bound = LINK_NUMBERS[name]
    high = bound.high if high is None else high
    if bound.whole:
        return _int(params.get(name), int(bound.default), int(bound.low), int(high), name, notes)
    return _float(params.get(name), bound.default, bound.low, high, name, notes)


def _choice(params: Mapping[str, str], name: str, notes: list[str]) -> str:
    """The link's word `name` among its LINK_CHOICES values (an alias read as its value); a value that is none
    of them: the default, with the Choice's note."""
    choice, raw = LINK_CHOICES[name], params.get(name)
    if raw is None:
        return choice.default
    value = choice.aliases.get(raw, raw)
    if value in choice.values:
        return value
    shown = ", ".join(repr(v) for v in choice.values)
    notes.append(Message(choice.refused, name=name, value=raw[:40], values=shown, default=choice.default))
    return choice.default


def parse_query(
    params: Mapping[str, str],
    available: Mapping[str, list[str]],
    default_sentences: Mapping[str, str],
    max_step: int = int(LINK_NUMBERS["step"].high),
    other_models: Callable[[str, str], Sequence[str]] | None = None,
) -> ViewState:
    """Validate `params` against the models that exist.

    available: task -> its scorers (the registry); default_sentences: task -> an example;
    other_models(task, scorer): the names a link's `model` may take (catalog.other_models; None:
    only the default model exists).
    """
    notes: list[str] = []
    tasks = list(available)
    if not tasks:
        raise ValueError("no models are registered")
    task = params.get("task")
    if task is not None and task not in available:
        notes.append(Message(N_("Unknown task {task!r}; showing {shown!r}."), task=task[:40], shown=tasks[0]))
        task = None
    task = task or tasks[0]
    scorers = available[task]
    scorer = params.get("scorer")
    if scorer is not None and scorer not in scorers:
        fallback = default_scorer(scorers)
        notes.append(
            Message(
                N_("No {scorer!r} model for {task}; showing {shown!r}."), scorer=scorer[:40], task=task, shown=fallback
            )
        )
        scorer = fallback
    scorer = scorer or default_scorer(scorers)
    sentence = params.get("sentence")
    if sentence is None:
        sentence = default_sentences.get(task, "")
    elif len(sentence) > MAX_SENTENCE_CHARS:
        notes.append(
            Message(
                N_("The sentence in the link is longer than {limit} characters; it was cut."), limit=MAX_SENTENCE_CHARS
            )
        )
        sentence = sentence[:MAX_SENTENCE_CHARS]
    reference = params.get("reference", "")
    if len(reference) > MAX_SENTENCE_CHARS:
        notes.append(
            Message(
                N_("The reference in the link is longer than {limit} characters; it was cut."), limit=MAX_SENTENCE_CHARS
            )
        )
        reference = reference[:MAX_SENTENCE_CHARS]
    # The declared fields, each by its kind: the words (LINK_CHOICES), then the numbers (LINK_NUMBERS).
    words = {name: _choice(params, name, notes) for name in LINK_CHOICES}
    highs = {"step": max_step}  # the step's range is the decode's, when the caller knows it
    numbers = {name: _number(params, name, notes, highs.get(name)) for name in LINK_NUMBERS}
    view = ViewState(
        task=task, scorer=scorer, sentence=sentence, reference=reference, **words, **numbers, notes=tuple(notes)
    )
    return choose_model(view, params.get("model"), other_models(task, scorer) if other_models else ())


def choose_model(view: ViewState, raw: str | None, names: Sequence[str]) -> ViewState:
    """The view with model `raw` when it is one of `names` (the task and scorer's models other than
    their default), else with the default model and, for a name that is not, a note."""
    if raw is None or raw == "":
        return replace(view, model="")
    if raw in names:
        return replace(view, model=raw)
    note = Message(
        N_("No model {model!r} for {task} with {scorer}; showing the default model."),
        model=raw[:60],
        task=view.task,
        scorer=view.scorer,
    )
    return replace(view, model="", notes=(*view.notes, note))


# -- one link format for every page --------------------------------------------------------------
# The fields each page keeps in its link (explorer.state.pages: the pages declared once).
LINK_FIELDS = {page.name: page.link_fields for page in PAGES if page.link_fields}


def link_params(view: ViewState, page: str, leave_out: Sequence[str] = ()) -> dict[str, str]:
    """The query parameters of `page`'s share link for `view`: its LINK_FIELDS as strings.

    Left out: empty values (the default model, no reference), a strategy's settings it does not use
    (beam width unless beam search, temperature and seed unless sampling) on pages whose link has a
    strategy, and the fields in `leave_out`.
    """
    fields = [f for f in LINK_FIELDS[page] if f not in leave_out]
    if "strategy" in fields:
        unused = {"greedy": ("beam", "temperature", "seed"), "sample": ("beam",), "beam": ("temperature", "seed")}
        fields = [f for f in fields if f not in unused.get(view.strategy, ())]
    values = {f: getattr(view, f) for f in fields}
    return {f: str(v) for f, v in values.items() if v != ""}


def decoding_label(view: ViewState) -> str:
    """How `view` is decoded, in words (the reference quoted: escape it before Markdown)."""
    if view.reference:
        return _("teacher forcing of the reference “{reference}”").format(reference=view.reference)
    if view.strategy == "sample":
        return _("sampling (temperature {temperature}, seed {seed})").format(
            temperature=f"{view.temperature:g}", seed=view.seed
        )
    if view.strategy == "beam":
        return _("beam search (width {width}), its best hypothesis").format(width=view.beam)
    return _("greedy")


# -- the heatmaps' colour scale ------------------------------------------------------------------
# Not a field of the view either: like the language it is the viewer's (a washed-out projector or a
# colour-blind reader needs another scale than a laptop), and it rides beside any page's link as
# colors= (explorer.state.link), chosen in every page's sidebar (explorer.ui.shell.colors). Names as a
# link spells them; every attention heatmap draws its weights 0–1 on the one in force
# (explorer.figures.common.heatmap_colors).
COLOR_SCALES = ("blues", "cividis")
DEFAULT_COLORS = "blues"
# name -> its label (English, marked; shown as _(COLOR_LABELS[name])).
COLOR_LABELS = {"blues": N_("Blues"), "cividis": N_("Cividis (colour-blind safe)")}


def parse_colors(raw: object, fallback: str = DEFAULT_COLORS) -> tuple[str, Message | None]:
    """(the colour scale a link's ``colors=`` names, None), or (`fallback`, a note) for a value that names
    none of COLOR_SCALES. Read case-insensitively, spaces around ignored ("Cividis" is cividis)."""
    if isinstance(raw, str) and raw.strip().lower() in COLOR_SCALES:
        return raw.strip().lower(), None
    note = Message(N_("Unknown colour scale colors={value!r}; using {used}."), value=str(raw)[:40], used=fallback)
    return fallback, note
