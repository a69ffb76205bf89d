"""The view's one owner: the session holds one `ViewState`, and everything that shows or changes it reads it
here and changes it through `propose` (or `open_link` for a link just opened).

Adapters, none with a copy of its own:
- a widget is drawn under `widget_key(session, page, field)` and told its value from the view before it is
  drawn (`fill`); its on_change proposes the new value (`take`);
- the URL: `open_link` reads it once per arrival at the page (a new session, another page, the browser's Back or
  Forward, a lesson's or a class's switch: `reopen`), atomically, before any widget is drawn; on every other run
  the URL is the page's own (explorer.state.link.publish writes the view back into the address bar), so a rerun
  that carries an older one (sent before the browser had the page's last URL) never reads as a link;
- lessons and classes open their views as links.

Dependent fields follow (DEPENDS): a new task brings its own example sentence, another input starts at step 0.
A scorer or model the new task lacks needs no rule: every change is checked as a link is (parse_query), which
keeps the scorer the task has and otherwise takes the task's default scorer, and the default model.

Why a widget's key carries a generation: a value the browser still holds for a widget (the old task's
scorer, the previous sentence) comes back with the next run and would be taken as the user's. Whenever
something other than the widget itself sets its field (a dependent field following, a link, a lesson, a
class), the field's generation moves, the widget is drawn under a new key, and the browser's old value
belongs to a widget that no longer exists. A widget whose options come from the view (Beam search's
hypotheses) is keyed by the values it depends on in the same way (`derived_key`).

Plain Python over a session mapping (st.session_state in the app, a dict in tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, fields, replace

from explorer.state import catalog, keys, link
from explorer.state.pages import BY_NAME
from explorer.state.view import ViewState, parse_query

VIEW = "_view"  # the session's view, a ViewState
GENERATIONS = "_view_generations"  # field -> how often something other than its own widget set it
DERIVED = "_view_derived"  # a derived widget's name -> (its generation, the values it was drawn for)
DRAWN = "_view_drawn"  # the fields some widget has shown in this session (only theirs have generations to move)
LINK_NOTES = "_view_link_notes"  # the view a link opened, with its notes (shown while the view is still it)
OWN = keys.VIEW_OWN  # page -> its own fields (explorer.state.pages: Page.own) -> value

# field -> (the fields whose change resets it, its value then, from the new view), followed in this order (a
# new sentence resets the reference, then the step). Another input starts the decode again at step 0; another
# scorer, model or decoding of the same input keeps the step (a class compares scorers at one step), and the
# page clamps it into the new output's range.
DEPENDS: dict[str, tuple[tuple[str, ...], Callable[[ViewState, Registry], object]]] = {
    "sentence": (("task",), lambda view, registry: registry.default_sentence(view.task)),
    "reference": (("task", "sentence"), lambda view, registry: ""),
    "step": (("task", "sentence", "reference"), lambda view, registry: 0),
}
VIEW_FIELDS = tuple(f.name for f in fields(ViewState) if f.name != "notes")


@dataclass(frozen=True)
class Registry:
    """What a view may name: task -> scorers, the task's example sentence, the task and scorer's other models
    (explorer.state.catalog in the app; plain data in tests)."""

    available: Callable[[], Mapping[str, Sequence[str]]] = catalog.available
    default_sentence: Callable[[str], str] = catalog.default_sentence
    other_models: Callable[[str, str], Sequence[str]] = catalog.other_models


REGISTRY = Registry()


def params_of(view: ViewState) -> dict[str, str]:
    """Every field of `view` as a link's parameter (an empty sentence included; no model: the default)."""
    values = {name: getattr(view, name) for name in VIEW_FIELDS}
    return {name: str(value) for name, value in values.items() if value != "" or name == "sentence"}


def validated(params: Mapping[str, str], registry: Registry = REGISTRY) -> ViewState:
    """`params` (a link's, or a view's with changes) checked against the registry, with a note per value refused."""
    available = {task: list(scorers) for task, scorers in registry.available().items()}
    sentences = {task: registry.default_sentence(task) for task in available}
    return parse_query(params, available, sentences, other_models=registry.other_models)


def view(session: Mapping, registry: Registry = REGISTRY) -> ViewState:
    """The session's view; the defaults (the first task, its default scorer and example) before any."""
    current = session.get(VIEW)
    return current if isinstance(current, ViewState) else validated({}, registry)


def generation(session: Mapping, field: str) -> int:
    return int((session.get(GENERATIONS) or {}).get(field, 0))


def widget_key(session: Mapping, page: str, field: str, name: str = "") -> str:
    """The key of `page`'s widget for `field` (called `name` when not the field's: Beam search's "width" is
    its `beam`): "beam_scorer", then "beam_scorer@1" once something other than the widget set the field."""
    n, base = generation(session, field), f"{page}_{name or field}"
    return base if n == 0 else f"{base}@{n}"


def derived_key(session: MutableMapping, name: str, values: Iterable[object]) -> str:
    """The key of a widget whose options follow `values` (Beam search's hypothesis box follows the decode): a
    new key whenever they change, so its old choice never outlives them."""
    values = tuple(values)
    derived = dict(session.get(DERIVED) or {})
    n, seen = derived.get(name, (0, values))
    if seen != values:
        n += 1
    derived[name] = (n, values)
    session[DERIVED] = derived
    return name if n == 0 else f"{name}@{n}"


def _moved(session: MutableMapping, old: ViewState, new: ViewState, by: str | None, asked: Mapping) -> None:
    """Move the generation of every field `new` changed that widget `by` did not set to what it shows."""
    counts = dict(session.get(GENERATIONS) or {})
    drawn = session.get(DRAWN) or frozenset()
    for name in VIEW_FIELDS:
        if getattr(new, name) == getattr(old, name) or name not in drawn:
            continue  # unchanged, or no widget of it drawn yet: none holds an older value
        if name == by and getattr(new, name) == asked.get(name):
            continue  # its own widget shows it already
        counts[name] = counts.get(name, 0) + 1
    session[GENERATIONS] = counts


def _followed(old: ViewState, new: ViewState, given: set[str], registry: Registry) -> ViewState:
    """`new` with each field of DEPENDS that was not given reset when a field it depends on changed."""
    for name, (sources, value) in DEPENDS.items():
        if name not in given and any(getattr(new, source) != getattr(old, source) for source in sources):
            new = replace(new, **{name: value(new, registry)})
    return new


def propose(
    session: MutableMapping, changes: Mapping[str, object], by: str | None = None, registry: Registry = REGISTRY
) -> ViewState:
    """Change the view: `changes` (field -> value), the fields that depend on them following, all checked
    against the registry (a value refused takes its default). `by`: the field whose own widget proposed it
    (its key stays; every other field set moves its generation). Returns the new view."""
    old = view(session, registry)
    unknown = set(changes) - set(VIEW_FIELDS)
    if unknown:
        raise KeyError(f"no view field {sorted(unknown)}")
    new = _followed(old, replace(old, **changes), set(changes), registry)
    checked = replace(validated(params_of(new), registry), notes=())
    _moved(session, old, checked, by, changes)
    session[VIEW] = checked
    return checked


def take(session: MutableMapping, field: str, key: str, registry: Registry = REGISTRY) -> None:
    """A widget's on_change: propose the value widget `key` now holds for `field`, unless `key` is of an
    older generation than the field's: the browser sent it before it had the widget drawn anew (a teacher's
    Step, then a live panel's timed rerun carrying the old slider's value, took the step back)."""
    _, _, drawn = key.rpartition("@")
    if (int(drawn) if "@" in key else 0) != generation(session, field):
        return  # the view moved on since this widget was drawn: its value is not a change anyone made
    propose(session, {field: session.get(key)}, by=field, registry=registry)


def fill(
    session: MutableMapping, page: str, names: Iterable[str], registry: Registry = REGISTRY, called: str = ""
) -> dict[str, str]:
    """Before `page` draws its widgets for the fields `names`: tell each its value from the view. Returns
    field -> key (`called`: the one widget's name when not its field's, as `widget_key`)."""
    current = view(session, registry)
    session.setdefault(VIEW, current)
    mark_drawn(session, names)
    found = {}
    for name in names:
        key = widget_key(session, page, name, called)
        session[key] = getattr(current, name)
        found[name] = key
    return found


def mark_drawn(session: MutableMapping, names: Iterable[str]) -> None:
    """Widgets for the fields `names` are drawn: from now on a change of one by anything but its own widget moves
    its generation (and so the widget's key)."""
    session[DRAWN] = frozenset(session.get(DRAWN) or ()) | set(names)


def reopen(session: MutableMapping) -> None:
    """The page's URL is a link to read on its next `open_link`: the session arrived at the page (explorer.ui.frame:
    a new session, another page, the browser's Back or Forward), or a lesson's move or a class's teacher switched it
    to a view it wrote into the URL."""
    session.pop(keys.LINK_READ, None)


def open_link(
    session: MutableMapping, page: str, query: Mapping[str, str], registry: Registry = REGISTRY
) -> tuple[ViewState, bool]:
    """(the view, whether a link was opened on this run). Call first thing in a run, before any widget.

    The URL is read once per arrival at `page` (`reopen`): a link someone opened becomes the view at once, the
    generation of every field it moves moved (of those a widget has shown), so no widget's older value can
    overwrite it. Fields the link leaves out keep the view's values when the link names the view's task (and its
    decoding when it names no strategy or reference), else their defaults. The link's notes stay with its view
    (`link_notes`). The URL the page wrote last is no link, and on every other run of the page the URL is the page's
    own and is not read: the page wrote it, and a rerun the browser asked for before it had the last one (a click
    while a run was writing the next step) carries an older one back.
    """
    if session.get(keys.LINK_READ) == page:
        return view(session, registry), False
    url = link.flat(query)
    if url == session.get(keys.page_url(page)):  # the URL the page wrote last: its own, no link
        session[keys.LINK_READ] = page
        return view(session, registry), False
    query = {name: value for name, value in url.items() if name not in BY_NAME[page].own}  # the page's own
    if query:
        base = params_of(view(session, registry))
        if "task" in query and query["task"] != base.get("task"):
            base = {}
        if "strategy" in query or "reference" in query:
            base = {name: value for name, value in base.items() if name not in (*keys.DECODING_KEYS,)}
        opened = validated({**base, **query}, registry)
        _moved(session, view(session, registry), opened, None, {})  # the widgets of the fields it moves: drawn anew
        session[VIEW] = replace(opened, notes=())
        session[LINK_NOTES] = opened
    # Read once, and only now: a run stopped before this line (a rerun the browser asked for meanwhile, e.g. the
    # tab's memory answering, on a busy machine while the registry is read) leaves the link unread, so the next
    # run opens it; marked read first, the next run took the link for the page's own URL and showed the default.
    session[keys.LINK_READ] = page
    return view(session, registry), bool(url)


# -- a page's own fields ------------------------------------------------------------------------------
# Beside the shared view, each page's own fields (explorer.state.pages, `Page.own`: the Lab's open view,
# the Timelapse's probe and epoch, the lesson shown, Models' card) live here too, under the same rules: a
# widget drawn under `own_key` and told its value first (`fill_own`), its change proposed (`take_own`),
# anything else that sets one (a link, a button, a lesson) moving its key (`propose_own`).
def _own_name(page: str, field: str) -> str:
    if field not in BY_NAME[page].own:
        raise KeyError(f"{page} has no own field {field!r} (explorer.state.pages: Page.own)")
    return f"{page}.{field}"  # its generation's name: no view field has a dot


def own(session: Mapping, page: str) -> dict[str, object]:
    """`page`'s own fields that have a value (a page gives the others their defaults)."""
    return dict((session.get(OWN) or {}).get(page) or {})


def own_key(session: Mapping, page: str, field: str) -> str:
    """The key of `page`'s widget for its own field `field`: "lab_view", then "lab_view@1" once something other
    than the widget set it."""
    n, base = generation(session, _own_name(page, field)), f"{page}_{field}"
    return base if n == 0 else f"{base}@{n}"


def propose_own(session: MutableMapping, page: str, changes: Mapping[str, object], by: str | None = None) -> dict:
    """Change `page`'s own fields (`by`: the field whose own widget proposed it, whose key stays). The page
    has checked the values (explorer.state.params for a link's). Returns the page's own fields now."""
    old = own(session, page)
    new = {**old, **changes}
    counts = dict(session.get(GENERATIONS) or {})
    drawn = session.get(DRAWN) or frozenset()
    for field, value in changes.items():
        name = _own_name(page, field)
        if field != by and name in drawn and old.get(field) != value:
            session.pop(own_key(session, page, field), None)  # the widget drawn before: gone with its value
            counts[name] = counts.get(name, 0) + 1
    session[GENERATIONS] = counts
    session[OWN] = {**(session.get(OWN) or {}), page: new}
    return new


def fill_own(session: MutableMapping, page: str, field: str, default: object) -> str:
    """Before `page` draws its widget for `field`: tell it the field's value (`default` when it has none, which
    the owner then holds). Returns the widget's key."""
    current = own(session, page)
    if field not in current:
        propose_own(session, page, {field: default})
        current = own(session, page)
    session[DRAWN] = frozenset(session.get(DRAWN) or ()) | {_own_name(page, field)}
    key = own_key(session, page, field)
    session[key] = current[field]
    return key


def take_own(session: MutableMapping, page: str, field: str, key: str) -> None:
    """A widget's on_change for `page`'s own `field` (as `take`: a widget of an older generation proposes
    nothing)."""
    if key != own_key(session, page, field):
        return
    propose_own(session, page, {field: session.get(key)}, by=field)


def link_notes(session: Mapping, shown: Iterable[str]) -> tuple[str, ...]:
    """The notes of the link last opened, while the view still shows its `shown` fields as the link set them."""
    opened = session.get(LINK_NOTES)
    if not isinstance(opened, ViewState):
        return ()
    current = view(session)
    return opened.notes if all(getattr(current, name) == getattr(opened, name) for name in shown) else ()
