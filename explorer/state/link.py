"""How a page's view enters from the URL and goes back into it, over a session mapping.

Every page writes its current view into the URL (`publish`), so the address bar is a share link, and
remembers the URL it wrote last (keys.page_url). A page reads its URL as a link only when the session arrives at
it (explorer.state.owner.open_link, `reopen`), so after the user moves a widget the page is not dragged back by
its own URL. Plain Python on mappings (``st.session_state`` and ``st.query_params`` in the app,
dicts in tests).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, MutableMapping, Sequence

from explorer.state import keys
from explorer.state.view import DEFAULT_COLORS, ViewState


def flat(query: Mapping, keep: Collection[str] = ()) -> dict[str, str]:
    """Query parameters as str -> str (a repeated key keeps its last value), the interface language and
    the heatmaps' colour scale left out: they are the user's, not part of any page's view
    (explorer.ui.shell.language and explorer.ui.shell.colors read them), and so is a running lesson's position unless
    `keep` names it (the Lessons page's parameters: explorer.state.params)."""
    result = {}
    for key, value in query.items():
        if key in keys.BESIDE_VIEW and key not in keep:
            continue
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        result[str(key)] = str(value)
    return result


def beside_view(session: Mapping) -> dict[str, str]:
    """The query parameters every page's URL carries beside its view: the language the user chose (if
    any), so a shared link opens in the sender's language, a colour scale other than the default, and the
    lesson running with its step (1-based), so a reloaded or shared page opens inside the lesson."""
    beside = {}
    if session.get(keys.LANGUAGE_CHOICE):
        beside[keys.LANG_PARAM] = session[keys.LANGUAGE_CHOICE]
    if session.get(keys.COLORS, DEFAULT_COLORS) != DEFAULT_COLORS:
        beside[keys.COLORS_PARAM] = session[keys.COLORS]
    running = (session.get(keys.VIEW_OWN) or {}).get("lessons") or {}
    if running.get(keys.LESSON_PARAM):
        beside[keys.LESSON_PARAM] = str(running[keys.LESSON_PARAM])
        beside[keys.AT_PARAM] = str(int(running.get(keys.AT_PARAM) or 0) + 1)
    return beside


def publish(session: MutableMapping, query_params, page: str, wanted: Mapping[str, str]) -> None:
    """Write `wanted` (explorer.state.view.link_params) into the URL when it differs, and remember
    it as the page's own URL; `beside_view` goes into the URL beside it (explorer.ui.common.sharing.publish calls
    this, then tells a class).

    `query_params` is st.query_params (anything with to_dict() and from_dict()).
    """
    wanted = dict(wanted)
    beside = beside_view(session)
    written = {**wanted, **beside}
    current = query_params.to_dict()
    if flat(current) != wanted or any(current.get(key) != beside.get(key) for key in keys.BESIDE_VIEW):
        query_params.from_dict(written)
    session[keys.page_url(page)] = wanted


def notes_to_show(view: ViewState, shown: Mapping[str, object]) -> tuple[str, ...]:
    """The link's notes while the widgets still show the link's view (`shown`: field -> widget value)."""
    return view.notes if all(getattr(view, field) == value for field, value in shown.items()) else ()


def track(session: MutableMapping, key: str, value, force: bool = False, options: Sequence | None = None) -> None:
    """Set widget `key` to `value` the first time, and again whenever `value` moves.

    Lets a widget follow a shared value (the Decode page's step, explain's target row) while the
    user can still move it: it is only overwritten when the shared value itself moves, when a new
    link is opened (`force`), or when the value it holds is no longer one of `options`.
    """
    seen = keys.tracked(key)
    stale = key not in session if options is None else session.get(key) not in options
    if force or stale or session.get(seen) != value:
        session[key] = value
        session[seen] = value
