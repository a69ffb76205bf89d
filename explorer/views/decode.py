"""The Decode page's logic: view state, URL, traces kept as plain data, step controls, exports.

The analyses of one step (explain a cell, what-if, attention override) are in
explorer.views.decode_analysis.

Everything here is plain Python over a session mapping (``st.session_state`` in the app, a dict
in tests) and a translator; pages/1_Decode.py only wires it to widgets.

Session keys shared with other pages (the current view; written on every run of the Decode page):

    st.session_state["task"]      task name, e.g. "dates"
    st.session_state["scorer"]    scorer name, e.g. "general"
    st.session_state["sentence"]  the source sentence
    st.session_state["step"]      target tokens shown (0 = none yet; step N shows tokens 0..N-1)
    st.session_state["strategy"]  "greedy", "sample", "beam" or "forced" (a reference is set)
    st.session_state["beam"], ["temperature"], ["seed"]  the strategy's settings
    st.session_state["reference"]  the teacher-forcing reference ("" = none)
    st.session_state["model"]     a registry name when not the task and scorer's default, else ""
    st.session_state["presentation"]  the presentation-mode toggle (sidebar), a bool

The Decode page reads them back when it opens without a link, so it follows other pages too; the
Hidden states page decodes the way they say (view_defaults.SHARED_KEYS).
Its own widgets use the keys in ``K_*`` ("decode_…"); underscore keys are private caches.

Precedence when the page opens: a link (query parameters, validated by explorer.state.view), then
the shared keys above, then defaults (`view_defaults.default_sentence`, the sentence every page
opens on).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, MutableMapping, Sequence

from explorer.figures.common import position_labels
from explorer.state import catalog
from explorer.state import defaults as view_defaults
from explorer.state.view import ViewState, parse_query

# Shared keys (see the module docstring).
TASK = "task"
SCORER = "scorer"
SENTENCE = "sentence"
STEP = "step"
STRATEGY = "strategy"
MODEL = "model"
BEAM, TEMPERATURE, SEED, REFERENCE = "beam", "temperature", "seed", "reference"
PRESENTATION = "presentation"
# The Decode page's widgets.
K_TASK, K_SCORER, K_SENTENCE, K_EXAMPLE = "decode_task", "decode_scorer", "decode_sentence", "decode_example"
K_STRATEGY, K_BEAM, K_TEMPERATURE, K_SEED = "decode_strategy", "decode_beam", "decode_temperature", "decode_seed"
K_REFERENCE, K_STEP, K_SPEED = "decode_reference", "decode_step", "decode_speed"
K_MODEL = "decode_model"  # "" = the default model; the Model box (pickers.model_choice) keeps it valid
K_EXPLAIN_T, K_EXPLAIN_S = "decode_explain_target", "decode_explain_source"
K_WHATIF, K_OVERRIDE = "decode_whatif_choice", "decode_override_source"
# The open tab below the heatmap and whether the instant stepper is expanded: only what is open is
# rendered, so a page opens with one chart to draw (bench/app_speed's open measurements).
K_TABS, K_INSTANT = "decode_tabs", "decode_instant_open"
# Private state: the URL we last wrote, a link's notes and the step it asked for, the trace, play,
# the last what-if.
_URL, _NOTES, _TRACE = "_decode_url", "_decode_notes", "_decode_trace"
_ASKED_STEP = "_decode_asked_step"
_PLAYING, _WHATIF_RESULT = "_decode_playing", "_decode_whatif"

STRATEGY_LABELS = {"greedy": "greedy", "sample": "sampling", "beam": "beam search"}
DEFAULT_SPEED = 0.6  # seconds per step while playing
HEATMAP_FRAME_ROWS = 16  # the heatmap keeps room for this many rows (or the whole trace if shorter)
EMPTY_HINT = "Type a sentence in **Source sentence** to decode it, or pick an example."
NO_ATTENTION = (
    "This model has no attention: its decoder sees only the encoder's final state "
    "(Sutskever et al., 2014), so there is no alignment to draw. It still decodes step by step; "
    "switch the scorer to see attention."
)


# -- models and examples ----------------------------------------------------------------------
def example_sentences(task: str) -> tuple[str, ...]:
    """The task's probe sentences (fixed inputs for the app); () for an unknown task."""
    from seq2seq.tasks import get_task

    try:
        return tuple(get_task(task).PROBES)
    except (ValueError, KeyError, ImportError, AttributeError):
        return ()


def default_sentences(tasks: Sequence[str]) -> dict[str, str]:
    """task -> the sentence the page opens on: the same as every other page's."""
    return {task: view_defaults.default_sentence(task) for task in tasks}


def model_name(task: str, scorer: str, model: str = "") -> str | None:
    """Registry name of `model` if it is one of the task and scorer's models, else of their default."""
    entry = catalog.model_for(task, scorer, model)
    return entry.name if entry else None


def default_scorer(scorers: Sequence[str]) -> str:
    return "general" if "general" in scorers else scorers[0]


# -- view state: URL <-> widgets <-> shared keys ----------------------------------------------
def _flat(query: Mapping) -> dict[str, str]:
    """Query parameters as str -> str (a repeated key keeps its last value)."""
    flat = {}
    for key, value in query.items():
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        flat[str(key)] = str(value)
    return flat


def apply_view(session: MutableMapping, view: ViewState) -> None:
    """Put a validated view into the page's widgets (before they are drawn)."""
    session[K_TASK], session[K_SCORER], session[K_SENTENCE] = view.task, view.scorer, view.sentence
    session[K_STRATEGY], session[K_BEAM] = view.strategy, view.beam
    session[K_TEMPERATURE], session[K_SEED] = view.temperature, view.seed
    session[K_REFERENCE], session[K_STEP] = view.reference, view.step
    session[K_MODEL] = view.model


def sync_from_url(
    session: MutableMapping, query: Mapping, available: Mapping[str, list[str]], examples: Mapping[str, str]
) -> None:
    """Seed the widgets: from a link opened since we last wrote the URL, else the shared keys.

    Values the link gets wrong fall back to defaults; their notes are kept in the session for
    `notes_to_show`. Widgets that already hold a value (a rerun) are left alone.
    """
    query = _flat(query)
    if query and query != session.get(_URL):
        view = parse_query(query, available, examples, other_models=catalog.other_models)
        apply_view(session, view)
        origin = (view.task, view.scorer, view.sentence)
        session[_NOTES] = (view.notes, origin)
        session[_ASKED_STEP] = (_whole_number(query.get("step")), origin)
        session[_URL] = query
        return
    if K_TASK in session and session[K_TASK] in available:
        fix_scorer(session, available)
        return
    shared = view_defaults.shared_values(session)
    apply_view(session, parse_query(shared, available, examples, other_models=catalog.other_models))


def _whole_number(raw: str | None) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def fix_scorer(session: MutableMapping, available: Mapping[str, list[str]]) -> None:
    """Keep the scorer toggle on a scorer that exists for the chosen task."""
    scorers = available[session[K_TASK]]
    if session.get(K_SCORER) not in scorers:
        session[K_SCORER] = default_scorer(scorers)


def on_task_change(session: MutableMapping, available: Mapping[str, list[str]]) -> None:
    """Callback of the task box: the new task's example sentence, its scorer, step 0."""
    task = session[K_TASK]
    session[K_SENTENCE] = view_defaults.default_sentence(task)
    session[K_REFERENCE] = ""
    session[K_STEP] = 0
    fix_scorer(session, available)


def on_example(session: MutableMapping) -> None:
    """Callback of the example box: copy the example into the sentence, start at step 0."""
    if session.get(K_EXAMPLE):
        session[K_SENTENCE] = session[K_EXAMPLE]
        session[K_STEP] = 0
    session[K_EXAMPLE] = None


def on_sentence_change(session: MutableMapping) -> None:
    session[K_STEP] = 0


def current_view(session: Mapping) -> ViewState:
    """The view the widgets describe now."""
    return ViewState(
        task=session[K_TASK],
        scorer=session[K_SCORER],
        sentence=session.get(K_SENTENCE) or "",
        step=int(session.get(K_STEP, 0) or 0),
        strategy=session.get(K_STRATEGY) or "greedy",
        beam=int(session.get(K_BEAM, 3)),
        temperature=float(session.get(K_TEMPERATURE, 1.0)),
        seed=int(session.get(K_SEED, 0)),
        model=session.get(K_MODEL) or "",
        reference=reference_of(session),
    )


def reference_of(session: Mapping) -> str:
    return (session.get(K_REFERENCE) or "").strip()


def view_query(view: ViewState) -> dict[str, str]:
    """The shareable link of a view: only the parameters that matter for its strategy."""
    query = {"task": view.task, "scorer": view.scorer, "sentence": view.sentence, "step": str(view.step)}
    if view.model:
        query["model"] = view.model
    return {**query, **view_defaults.decoding_params(view)}


def publish(session: MutableMapping, query_params) -> None:
    """Write the current view to the shared keys and to the URL (only when it changed).

    `query_params` is st.query_params (anything with to_dict() and from_dict()).
    """
    view = current_view(session)
    reference = view.reference
    session[TASK], session[SCORER], session[SENTENCE] = view.task, view.scorer, view.sentence
    session[STEP], session[MODEL] = view.step, view.model
    session[STRATEGY] = "forced" if reference else view.strategy
    session[BEAM], session[TEMPERATURE], session[SEED] = view.beam, view.temperature, view.seed
    session[REFERENCE] = reference
    wanted = view_query(view)
    if _flat(query_params.to_dict()) != wanted:
        query_params.from_dict(wanted)
    session[_URL] = wanted


def notes_to_show(session: Mapping) -> tuple[str, ...]:
    """Notes about a link's refused values, while the view still comes from that link."""
    notes, origin = session.get(_NOTES) or ((), None)
    view = (session.get(K_TASK), session.get(K_SCORER), session.get(K_SENTENCE))
    return tuple(notes) if origin == view else ()


def past_end_note(session: Mapping, n: int) -> str | None:
    """A note when the link asked for a step past the end of this decode of `n` steps (the page then
    shows the last), while the view still comes from that link and stays on that last step."""
    asked, origin = session.get(_ASKED_STEP) or (None, None)
    view = (session.get(K_TASK), session.get(K_SCORER), session.get(K_SENTENCE))
    if asked is None or asked <= n or origin != view or session.get(K_STEP) != n:
        return None
    return f"The link asked for step {asked}; this decode has {n} steps, so it shows step {n}."


# -- input -------------------------------------------------------------------------------------
_PLAIN = set("/,;?%'\"")


def escape_markdown(text: str) -> str:
    """Backslash every ASCII punctuation mark so st.markdown shows `text` as typed.

    Covers HTML tags, links, emphasis, :color[...] directives, :emoji: codes and $math$; a few
    marks that never start markup (/ , ; ? % ' ") stay as they are, for readable sources.
    """
    return "".join(
        "\\" + c if c.isascii() and not c.isalnum() and not c.isspace() and c not in _PLAIN else c for c in text
    )


def step_note(row: dict, strategy: str) -> str:
    """How the current token was chosen: teacher forcing, the best beam path, sampling, or a what-if."""
    how = {"forced": "teacher forcing", "beam": "best beam path", "sample": "sampled"}.get(strategy, "")
    if not how and row["forced"]:
        how = "forced"
    return f"step {row['position']}: {row['token']}   p = {row['prob']:.4f}" + (f"   ({how})" if how else "")


# -- traces as plain data ----------------------------------------------------------------------
def trace_key(name: str, view: ViewState, reference: str) -> tuple:
    """What a trace depends on: model, sentence, strategy and its parameters."""
    params: tuple = ()
    if reference:
        params = ("forced", reference)
    elif view.strategy == "beam":
        params = ("beam", view.beam)
    elif view.strategy == "sample":
        params = ("sample", view.temperature, view.seed)
    else:
        params = ("greedy",)
    return (name, view.sentence, *params)


def trace_data(trace, name: str) -> dict:
    """A Trace as plain data: its JSON (with states) plus token ids for what-if and override."""
    return {
        "model": name,
        "trace": trace.to_json(states=True),
        "ids": [s.token_id for s in trace.steps],
        "topk_ids": [[i for _, i, _ in s.topk] for s in trace.steps],
    }


def decode(translator, view: ViewState, reference: str = ""):
    """The Trace of `view.sentence` decoded the way the view says, teacher-forcing `reference` when set.

    The Hidden states page decodes through it too, so both pages show the same tokens. Raises
    InputError for input the model cannot take.
    """
    if reference:
        return translator.force(view.sentence, reference)
    if view.strategy == "sample":
        return translator.sample(view.sentence, temperature=view.temperature, seed=view.seed)
    if view.strategy == "beam":
        return translator.beam(view.sentence, width=view.beam)
    return translator.greedy(view.sentence)


def compute_trace(translator, name: str, view: ViewState, reference: str = "") -> dict:
    """Decode once, the way the view says; raises InputError for input the model cannot take.

    A sampled trace keeps its temperature and seed: a what-if continues with them
    (decode_analysis.whatif).
    """
    data = trace_data(decode(translator, view, reference), name)
    if not reference and view.strategy == "sample":
        data["sampling"] = {"temperature": view.temperature, "seed": view.seed}
    return data


def get_trace(session: MutableMapping, translator, name: str, view: ViewState, reference: str = "") -> dict:
    """The trace for this view, computed once and kept in the session; a step click reuses it."""
    key = trace_key(name, view, reference)
    cached = session.get(_TRACE)
    if cached and cached["key"] == key:
        return cached["data"]
    data = compute_trace(translator, name, view, reference)
    session[_TRACE] = {"key": key, "data": data}
    session[_PLAYING] = False
    session.pop(_WHATIF_RESULT, None)
    return data


def num_steps(data: dict) -> int:
    return len(data["trace"]["steps"])


def visible(data: dict, step: int) -> tuple[list[str], list[str], list[list[float]] | None]:
    """Source tokens, the first `step` target tokens and their attention rows (None without)."""
    trace = data["trace"]
    attention = trace["attention"]
    return trace["source_tokens"], trace["target_tokens"][:step], None if attention is None else attention[:step]


def output_text(data: dict, step: int, tokenizer) -> str:
    """The first `step` output tokens as the text they spell: pieces joined as the tokenizer joins
    them ("▁Nous ▁iron s" reads "Nous irons"; characters "2 0 1 8" read "2018"), </s> dropped."""
    return tokenizer.decode([s["id"] for s in data["trace"]["steps"][:step]])


def current(data: dict, step: int) -> dict | None:
    """The latest step shown (index step - 1) as a dict, None at step 0."""
    if step <= 0:
        return None
    trace = data["trace"]
    t = min(step, num_steps(data)) - 1
    row = dict(trace["steps"][t])
    row["position"] = t
    row["attention"] = None if trace["attention"] is None else trace["attention"][t]
    row["topk_ids"] = data["topk_ids"][t]
    return row


def topk_rows(row: dict) -> list[dict]:
    """Table rows of a step's candidates: rank, token, probability, chosen."""
    return [
        {"rank": rank, "token": piece, "probability": round(prob, 4), "chosen": piece == row["token"]}
        for rank, (piece, prob) in enumerate(row["topk"], start=1)
    ]


# -- step controls -----------------------------------------------------------------------------
def clamp_step(session: MutableMapping, n: int) -> int:
    step = min(max(int(session.get(K_STEP, 0) or 0), 0), n)
    session[K_STEP] = step
    return step


def step_forward(session: MutableMapping, n: int) -> None:
    session[_PLAYING] = False
    session[K_STEP] = min(int(session.get(K_STEP, 0)) + 1, n)


def step_back(session: MutableMapping) -> None:
    session[_PLAYING] = False
    session[K_STEP] = max(int(session.get(K_STEP, 0)) - 1, 0)


def reset(session: MutableMapping) -> None:
    session[_PLAYING] = False
    session[K_STEP] = 0
    session.pop(_WHATIF_RESULT, None)


def toggle_play(session: MutableMapping, n: int) -> None:
    """Play from here (from the start when at the end), or pause."""
    if session.get(_PLAYING):
        session[_PLAYING] = False
        return
    if int(session.get(K_STEP, 0)) >= n:
        session[K_STEP] = 0
    session[_PLAYING] = True


def playing(session: Mapping) -> bool:
    return bool(session.get(_PLAYING))


def tick(session: MutableMapping, n: int) -> bool:
    """While playing, advance one step; True when play has just reached the end (and stopped)."""
    if not session.get(_PLAYING):
        return False
    step = min(int(session.get(K_STEP, 0)) + 1, n)
    session[K_STEP] = step
    if step >= n:
        session[_PLAYING] = False
        return True
    return False


# -- widgets that follow the step ------------------------------------------------------------
def follow(session: MutableMapping, key: str, value, options: Sequence) -> None:
    """Set widget `key` to `value` when `value` moves (or the held value is no longer an option).

    A widget that follows the step (explain's target row) while the user can still move it.
    """
    seen = f"_followed_{key}"
    if session.get(key) not in options or session.get(seen) != value:
        session[key] = value
        session[seen] = value


# -- exports -----------------------------------------------------------------------------------
def attention_csv(data: dict) -> str:
    """The attention matrix as CSV: header = position-labelled source tokens, one row per target."""
    trace = data["trace"]
    if trace["attention"] is None:
        raise ValueError("this model has no attention matrix")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["target", *position_labels(trace["source_tokens"])])
    for label, row in zip(position_labels(trace["target_tokens"]), trace["attention"], strict=True):
        writer.writerow([label, *(repr(float(w)) for w in row)])
    return out.getvalue()


def trace_json(data: dict) -> str:
    """The whole trace (Trace.to_json(states=True)) as a JSON document."""
    return json.dumps(data["trace"], ensure_ascii=False, indent=1)


def file_stem(view: ViewState) -> str:
    """A safe file name stem for downloads: task and scorer only, never the sentence."""
    return f"{view.task}-{view.scorer}".replace("/", "-")
