"""Where the Compare, Hidden states and Beam search pages take their first values from, and their links.

Order of precedence: a link (the URL's query parameters, validated by explorer.state.view.parse_query,
with a note for every value refused), then the view the Decode page left in st.session_state
(SHARED_KEYS: "task", "scorer", "sentence", "step", "model" and its decoding: "strategy", "beam",
"temperature", "seed", "reference"), then defaults. The Hidden states page decodes the way that
view says, so its highlighted step is the token the Decode page shows.

Each page also writes its current view back into the URL (`publish`), so the address bar is a
shareable link. The page remembers the URL it wrote last (session key "_<page>_url"): only a URL
that differs from it is a link someone opened, so after the user moves a widget the page is not
dragged back by its own URL. Plain Python on mappings, so it is tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from explorer.state import catalog
from explorer.state.view import STRATEGIES, ViewState, parse_query

# How a view is decoded; the Decode page writes "strategy" = "forced" while a reference is set.
DECODING_KEYS = ("strategy", "beam", "temperature", "seed", "reference")
SHARED_KEYS = ("task", "scorer", "sentence", "step", "model", *DECODING_KEYS)
# The query parameters each page keeps in its link (Compare shows every scorer, so no scorer).
PAGE_PARAMS = {
    "compare": ("task", "sentence"),
    "states": ("task", "scorer", "model", "sentence", "step", *DECODING_KEYS),
    "beam": ("task", "scorer", "model", "sentence", "beam"),
}


def available() -> dict[str, list[str]]:
    """task -> scorers with a model (the registry), tasks without any left out."""
    return {task: scorers for task in catalog.tasks() if (scorers := catalog.scorers_for(task))}


def default_sentence(task: str) -> str:
    """The sentence every page opens on for `task`: the task says (catalog.default_sentence); "" if unknown."""
    return catalog.default_sentence(task)


def initial_view(query: Mapping[str, str], session: Mapping, models: Mapping[str, list[str]]) -> ViewState:
    """The validated view: URL values over the Decode page's session values over defaults.

    Session values are ignored when the URL names another task (they describe another view), and
    the session's decoding when the URL names a strategy or a reference (it says how to decode).
    Raises ValueError when no model is registered.
    """
    shared = shared_values(session)
    if "task" in query and query["task"] != shared.get("task"):
        shared = {}
    if "strategy" in query or "reference" in query:  # the link says how to decode: none of the session's
        shared = {key: value for key, value in shared.items() if key not in DECODING_KEYS}
    params = {**shared, **{k: str(v) for k, v in query.items()}}
    examples = {task: default_sentence(task) for task in models}
    return parse_query(params, models, examples, other_models=catalog.other_models)


def shared_values(session: Mapping) -> dict[str, str]:
    """The view the Decode page left in the session (SHARED_KEYS), as the query parameters of a link.

    Its strategy "forced" is no strategy of a link: there the reference alone says teacher forcing
    (a reference left over from an earlier forced decode is dropped).
    """
    shared: dict[str, str] = {}
    for key in SHARED_KEYS:
        value = session.get(key)
        if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
            shared[key] = str(value)
    strategy = shared.pop("strategy", None)
    if strategy in STRATEGIES:
        shared["strategy"] = strategy
    if strategy != "forced":
        shared.pop("reference", None)
    return shared


def decoding_params(view: ViewState) -> dict[str, str]:
    """The link parameters of a view's decoding, only those its strategy uses (the reference when set)."""
    params = {"strategy": view.strategy}
    if view.strategy == "beam":
        params["beam"] = str(view.beam)
    if view.strategy == "sample":
        params["temperature"] = str(view.temperature)
        params["seed"] = str(view.seed)
    if view.reference:
        params["reference"] = view.reference
    return params


def decoding_label(view: ViewState) -> str:
    """How `view` is decoded, in words (the reference quoted: escape it before Markdown)."""
    if view.reference:
        return f"teacher forcing of the reference “{view.reference}”"
    if view.strategy == "sample":
        return f"sampling (temperature {view.temperature:g}, seed {view.seed})"
    if view.strategy == "beam":
        return f"beam search (width {view.beam}), its best hypothesis"
    return "greedy"


def input_notes(sentence: str, *translators) -> list[str]:
    """The notes every page that decodes `sentence` shows beside it (plain text: escape before Markdown).

    In order: the text was Unicode-normalised (what the models read differs from what was typed),
    characters some model does not know (unknown_note), and a sentence longer than any source a
    model was trained on but within what it takes (quality drops there). Empty when none applies.
    """
    notes = []
    normalised = normalization_note(sentence, *translators)
    if normalised:
        notes.append(normalised)
    unknown = unknown_note(sentence, *translators)
    if unknown:
        notes.append(unknown)
    beyond = beyond_training_note(sentence, *translators)
    if beyond:
        notes.append(beyond)
    return notes


def beyond_training_note(sentence: str, *translators) -> str | None:
    """A note when `sentence` is longer than some model's training sources, yet within its limit, or None."""
    longer = [t for t in translators if t.beyond_training(sentence)]
    taken = [t for t in longer if _source_tokens(t, sentence) <= t.source_limit]  # longer ones are refused
    if not taken:
        return None
    trained = min(t.trained_source_len for t in taken)
    length = max(_source_tokens(t, sentence) for t in taken)
    whose = "this model was" if len(translators) == 1 else "some of these models were"
    return (
        f"This sentence is {length} tokens long and {whose} trained on sources of at most {trained} tokens: "
        "expect lower quality beyond that length."
    )


def _source_tokens(translator, sentence: str) -> int:
    """Number of source tokens the model reads for `sentence` (</s> not counted)."""
    return len(translator.source_tokenizer.encode(translator.normalize(sentence)))


def unknown_note(sentence: str, *translators) -> str | None:
    """A note listing the characters of `sentence` some of `translators` do not know (they become
    <unk>), or None. Every page that decodes a typed sentence shows it."""
    unknown: list[str] = []
    for translator in translators:
        unknown += [c for c in translator.unknown_characters(sentence) if c not in unknown]
    if not unknown:
        return None
    listed = ", ".join(repr(c) for c in unknown)
    whose = "this model's" if len(translators) == 1 else "these models'"
    return f"Not in {whose} vocabulary, decoded as the unknown token <unk>: {listed}"


def normalization_note(sentence: str, *translators) -> str | None:
    """A note when the models read `sentence` otherwise than typed (Translator.normalize), or None.

    Where a model's normalisation converts characters (zh-en: traditional to simplified), the note says
    so and lists them ("愛 → 爱"); otherwise it gives the normalised text.
    """
    for translator in translators:
        normalized = translator.normalize(sentence)
        if normalized == sentence:
            continue
        tokenizer = translator.source_tokenizer  # a converting one (zh-en) lists what it converted
        pairs = tokenizer.conversions(sentence) if hasattr(tokenizer, "conversions") else []
        if pairs:
            listed = ", ".join(f"{a} → {b}" for a, b in pairs)
            said = tokenizer.conversion[:1].upper() + tokenizer.conversion[1:]
            return f"{said}, as in training: {listed}. Your text was normalised to “{normalized}”."
        return f"Your text was normalised to “{normalized}”: the same text in the Unicode form the model reads."
    return None


def follow(state: MutableMapping, key: str, value, force: bool = False) -> None:
    """Set widget `key` to `value` the first time, and again whenever `value` changes (always with `force`).

    Lets a page's own widget follow a shared value (the Decode page's step) while the user can
    still move it: the widget is only overwritten when the shared value itself moves, or when a
    new link is opened (`force`).
    """
    seen = f"_followed_{key}"
    if force or key not in state or state.get(seen) != value:
        state[key] = value
        state[seen] = value


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")


def markdown_safe(text: str) -> str:
    """Backslash-escape Markdown punctuation: a note quoting a URL value shows as typed, never as a link."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in text)


# -- shareable links ------------------------------------------------------------------------------
def flat(query: Mapping) -> dict[str, str]:
    """Query parameters as str -> str (a repeated key keeps its last value)."""
    result = {}
    for key, value in query.items():
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        result[str(key)] = str(value)
    return result


def opened_link(state: MutableMapping, query: Mapping, page: str) -> tuple[dict[str, str], bool]:
    """(the link the page's view comes from, whether it was opened on this run).

    A URL other than the one the page wrote last is a link just opened: it is kept in the session
    and returned on later runs too, while the URL is the page's own. An empty URL is no link: the
    page follows the Decode page's session keys and defaults again.
    """
    query = flat(query)
    if query == state.get(f"_{page}_url"):
        return dict(state.get(f"_{page}_link") or {}), False
    state[f"_{page}_link"] = query
    return query, bool(query)


def page_query(page: str, **values) -> dict[str, str]:
    """The shareable link of a page's view: its PAGE_PARAMS as strings, empty values left out."""
    return {key: str(values[key]) for key in PAGE_PARAMS[page] if values.get(key) not in (None, "")}


def publish(state: MutableMapping, query_params, page: str, wanted: Mapping[str, str]) -> None:
    """Write `wanted` into the URL when it differs from it, and remember it as the page's own URL.

    `query_params` is st.query_params (anything with to_dict() and from_dict()).
    """
    wanted = dict(wanted)
    if flat(query_params.to_dict()) != wanted:
        query_params.from_dict(wanted)
    state[f"_{page}_url"] = wanted


def notes_to_show(view: ViewState, shown: Mapping[str, object]) -> tuple[str, ...]:
    """The link's notes while the widgets still show the link's view (`shown`: field -> widget value)."""
    return view.notes if all(getattr(view, field) == value for field, value in shown.items()) else ()
