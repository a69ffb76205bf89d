"""Where the Compare, Hidden states and Beam search pages take their first values from.

Order of precedence: the URL (validated by explorer.state.parse_query, with a note for every
value refused), then the view the Decode page left in st.session_state ("task", "scorer",
"sentence", "step"), then defaults. Plain Python on mappings, so it is tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from explorer import catalog
from explorer.state import ViewState, parse_query

SHARED_KEYS = ("task", "scorer", "sentence", "step")
DEFAULT_SENTENCES = {"reverse": "hello world", "dates": "Wednesday, May 9, 2018", "en-fr": "Where is the station?"}


def available() -> dict[str, list[str]]:
    """task -> scorers with a model (the registry), tasks without any left out."""
    return {task: scorers for task in catalog.tasks() if (scorers := catalog.scorers_for(task))}


def default_sentence(task: str) -> str:
    if task in DEFAULT_SENTENCES:
        return DEFAULT_SENTENCES[task]
    from seq2seq.tasks import get_task

    try:
        return get_task(task).PROBES[0]
    except ValueError:
        return ""


def initial_view(query: Mapping[str, str], session: Mapping, models: Mapping[str, list[str]]) -> ViewState:
    """The validated view: URL values over the Decode page's session values over defaults.

    Session values are ignored when the URL names another task (they describe another view).
    Raises ValueError when no model is registered.
    """
    shared: dict[str, str] = {}
    for key in SHARED_KEYS:
        value = session.get(key)
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            shared[key] = str(value)
    if "task" in query and query["task"] != shared.get("task"):
        shared = {}
    params = {**shared, **{k: str(v) for k, v in query.items()}}
    return parse_query(params, models, {task: default_sentence(task) for task in models})


def follow(state: MutableMapping, key: str, value) -> None:
    """Set widget `key` to `value` the first time, and again whenever `value` changes.

    Lets a page's own widget follow a shared value (the Decode page's step) while the user can
    still move it: the widget is only overwritten when the shared value itself moves.
    """
    seen = f"_followed_{key}"
    if key not in state or state.get(seen) != value:
        state[key] = value
        state[seen] = value


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")


def markdown_safe(text: str) -> str:
    """Backslash-escape Markdown punctuation: a note quoting a URL value shows as typed, never as a link."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)
