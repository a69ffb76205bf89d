"""The Decode page's logic: its view in widgets and the URL, traces kept as plain data, step controls, exports.

The analyses of one step (explain a cell, what-if, attention override) are in
explorer.views.decode_analysis.

Everything here is plain Python over a session mapping (``st.session_state`` in the app, a dict
in tests) and a translator; app_pages/1_Decode.py only wires it to widgets. Session keys are named in
explorer.state.keys: the page's widgets (``keys.DECODE_*``) and the view it shares with every other
page (``keys.SHARED_KEYS``), written on every run; the Decode page reads those back when it opens
without a link, so it follows other pages too.

Precedence when the page opens: a link (validated by explorer.state.view.parse_query), then the
shared keys, then defaults (catalog.default_sentence, the sentence every page opens on).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, MutableMapping
from dataclasses import replace

from explorer.figures.common import shown_token
from explorer.i18n import N_, _, ngettext
from explorer.state import catalog, keys, link
from explorer.state.view import WORDS, ViewState, link_params, parse_query, shared_values
from seq2seq.decoded import DecodedSentence, DecodedStep, Sampling
from seq2seq.numbering import clamp_step, numbered, shown
from seq2seq.scorers import default_scorer

# strategy -> its label, English marked for translation (shown as _(STRATEGY_LABELS[s]))
STRATEGY_LABELS = {"greedy": N_("greedy"), "sample": N_("sampling"), "beam": N_("beam search")}
DEFAULT_SPEED = 0.6  # seconds per step while playing
HEATMAP_FRAME_ROWS = 16  # the heatmap keeps room for this many rows (or the whole trace if shorter)
# Shown as _(EMPTY_HINT) and _(NO_ATTENTION).
EMPTY_HINT = N_("Type a sentence in **Source sentence** to decode it, or pick an example.")
NO_ATTENTION = N_(
    "This model has no attention: its decoder sees only the encoder's final state "
    "(Sutskever et al., 2014), so there is no alignment to draw. It still decodes step by step; "
    "switch the scorer to see attention."
)


# -- models and examples ----------------------------------------------------------------------
def model_name(task: str, scorer: str, model: str = "") -> str | None:
    """Registry name of `model` if it is one of the task and scorer's models, else of their default."""
    entry = catalog.model_for(task, scorer, model)
    return entry.name if entry else None


# -- view state: link <-> widgets <-> shared keys ---------------------------------------------
def apply_view(session: MutableMapping, view: ViewState) -> None:
    """Put a validated view into the page's widgets (before they are drawn)."""
    session[keys.DECODE_TASK], session[keys.DECODE_SCORER] = view.task, view.scorer
    session[keys.DECODE_SENTENCE], session[keys.DECODE_STEP] = view.sentence, view.step
    session[keys.DECODE_STRATEGY], session[keys.DECODE_BEAM] = view.strategy, view.beam
    session[keys.DECODE_TEMPERATURE], session[keys.DECODE_SEED] = view.temperature, view.seed
    session[keys.DECODE_REFERENCE], session[keys.DECODE_MODEL] = view.reference, view.model
    session[keys.DECODE_UNITS] = view.units or "pieces"  # the toggle's values: "pieces", "words"


def sync_from_url(
    session: MutableMapping, query: Mapping, available: Mapping[str, list[str]], examples: Mapping[str, str]
) -> None:
    """Seed the widgets: from a link opened since we last wrote the URL, else the shared keys.

    Values the link gets wrong fall back to defaults; the link's view is kept in the session for
    `notes_to_show`. Widgets that already hold a value (a rerun) are left alone.
    """
    opened, new = link.opened_link(session, query, "decode")
    if new:
        view = parse_query(opened, available, examples, other_models=catalog.other_models)
        apply_view(session, view)
        session[keys.DECODE_LINK_VIEW] = view
        session[keys.ASKED_STEP] = (_whole_number(opened.get("step")), (view.task, view.scorer, view.sentence))
        return
    if keys.DECODE_TASK in session and session[keys.DECODE_TASK] in available:
        fix_scorer(session, available)
        return
    view = parse_query(shared_values(session), available, examples, other_models=catalog.other_models)
    apply_view(session, view)


def _whole_number(raw: str | None) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def fix_scorer(session: MutableMapping, available: Mapping[str, list[str]]) -> None:
    """Keep the scorer toggle on a scorer that exists for the chosen task."""
    scorers = available[session[keys.DECODE_TASK]]
    if session.get(keys.DECODE_SCORER) not in scorers:
        session[keys.DECODE_SCORER] = default_scorer(scorers)


def on_task_change(session: MutableMapping, available: Mapping[str, list[str]]) -> None:
    """Callback of the task box: the new task's example sentence, its scorer, step 0."""
    session[keys.DECODE_SENTENCE] = catalog.default_sentence(session[keys.DECODE_TASK])
    session[keys.DECODE_REFERENCE] = ""
    session[keys.DECODE_STEP] = 0
    fix_scorer(session, available)


def on_example(session: MutableMapping) -> None:
    """Callback of the example box: copy the example into the sentence, switch to the scorer it opens on
    (catalog.example_scorer, where the task has it), start at step 0."""
    if session.get(keys.DECODE_EXAMPLE):
        session[keys.DECODE_SENTENCE] = session[keys.DECODE_EXAMPLE]
        session[keys.DECODE_STEP] = 0
        scorer = catalog.example_scorer(session.get(keys.DECODE_TASK, ""), session[keys.DECODE_EXAMPLE])
        if scorer and scorer in catalog.available().get(session.get(keys.DECODE_TASK, ""), ()):
            session[keys.DECODE_SCORER] = scorer
            session[keys.DECODE_MODEL] = ""
    session[keys.DECODE_EXAMPLE] = None


def on_sentence_change(session: MutableMapping) -> None:
    session[keys.DECODE_STEP] = 0


def current_view(session: Mapping) -> ViewState:
    """The view the widgets describe now."""
    return ViewState(
        task=session[keys.DECODE_TASK],
        scorer=session[keys.DECODE_SCORER],
        sentence=session.get(keys.DECODE_SENTENCE) or "",
        step=int(session.get(keys.DECODE_STEP, 0) or 0),
        strategy=session.get(keys.DECODE_STRATEGY) or "greedy",
        beam=int(session.get(keys.DECODE_BEAM, 3)),
        temperature=float(session.get(keys.DECODE_TEMPERATURE, 1.0)),
        seed=int(session.get(keys.DECODE_SEED, 0)),
        model=session.get(keys.DECODE_MODEL) or "",
        reference=reference_of(session),
        units=WORDS if session.get(keys.DECODE_UNITS) == WORDS else "",
    )


def keep_settings(session: MutableMapping, view: ViewState) -> bool:
    """In a step's fragment rerun, put back the settings of `view` (the last full run's) if they moved;
    keep the step. Returns whether anything was put back.

    Only the step can change in that rerun: every other field of the view is a widget outside the
    fragment, which a fragment rerun does not draw. Yet on a loaded server, a Step clicked while the page
    is still being drawn can reach the server without those widgets' values, and Streamlit then drops
    their keys (the sentence became "", the teacher's projected view and the class with it).
    """
    try:
        if replace(current_view(session), step=view.step) == view:
            return False
    except KeyError:  # the task's or scorer's key itself was dropped
        pass
    step = session.get(keys.DECODE_STEP, view.step)
    apply_view(session, view)
    session[keys.DECODE_STEP] = step
    return True


def reference_of(session: Mapping) -> str:
    return (session.get(keys.DECODE_REFERENCE) or "").strip()


def share(session: MutableMapping, view: ViewState) -> None:
    """Write `view` to the shared keys, which every other page opens on."""
    session[keys.TASK], session[keys.SCORER], session[keys.SENTENCE] = view.task, view.scorer, view.sentence
    session[keys.STEP], session[keys.MODEL] = view.step, view.model
    session[keys.STRATEGY] = "forced" if view.reference else view.strategy
    session[keys.BEAM], session[keys.TEMPERATURE], session[keys.SEED] = view.beam, view.temperature, view.seed
    session[keys.REFERENCE] = view.reference
    session[keys.UNITS] = view.units


def publish(session: MutableMapping, query_params) -> None:
    """Write the current view to the shared keys and to the URL (only when it changed).

    `query_params` is st.query_params (anything with to_dict() and from_dict()).
    """
    view = current_view(session)
    share(session, view)
    link.publish(session, query_params, "decode", link_params(view, "decode"))


def _shown(session: Mapping) -> dict[str, object]:
    """What the widgets show of the fields a link's notes are about."""
    return {
        "task": session.get(keys.DECODE_TASK),
        "scorer": session.get(keys.DECODE_SCORER),
        "sentence": session.get(keys.DECODE_SENTENCE),
    }


def notes_to_show(session: Mapping) -> tuple[str, ...]:
    """Notes about a link's refused values, while the view still comes from that link."""
    opened = session.get(keys.DECODE_LINK_VIEW)
    return link.notes_to_show(opened, _shown(session)) if opened is not None else ()


def past_end_note(session: Mapping, n: int) -> str | None:
    """A note when the link asked for a step past the end of this decode of `n` steps (the page then
    shows the last), while the view still comes from that link and stays on that last step."""
    asked, origin = session.get(keys.ASKED_STEP) or (None, None)
    view = tuple(_shown(session).values())
    if asked is None or asked <= n or origin != view or session.get(keys.DECODE_STEP) != n:
        return None
    return ngettext(
        "The link asked for step {asked}; this decode has {n} step, so it shows step {n}.",
        "The link asked for step {asked}; this decode has {n} steps, so it shows step {n}.",
        n,
    ).format(asked=asked, n=n)


# -- step notes ------------------------------------------------------------------------------
def step_note(row: DecodedStep, strategy: str) -> str:
    """How the current token was chosen: teacher forcing, the best beam path, sampling, or a what-if."""
    how = {"forced": N_("teacher forcing"), "beam": N_("best beam path"), "sample": N_("sampled")}.get(strategy, "")
    if not how and row.forced:
        how = N_("forced")
    values = {"position": shown(row.position), "token": shown_token(row.token), "prob": f"{row.prob:.4f}"}
    if how:
        return _("step {position}: {token}   p = {prob}   ({how})").format(how=_(how), **values)
    return _("step {position}: {token}   p = {prob}").format(**values)


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


def compute_trace(translator, name: str, view: ViewState, reference: str = "") -> DecodedSentence:
    """Decode once, the way the view says, as plain data with its states; raises InputError for input
    the model cannot take.

    A sampled decode keeps its temperature and seed: a what-if continues with them
    (decode_analysis.whatif).
    """
    sampling = Sampling(view.temperature, view.seed) if not reference and view.strategy == "sample" else None
    return decode(translator, view, reference).plain(name, sampling=sampling)


def get_trace(session: MutableMapping, translator, name: str, view: ViewState, reference: str = "") -> DecodedSentence:
    """The decoded sentence for this view, computed once and kept in the session; a step click reuses it."""
    key = trace_key(name, view, reference)
    cached = session.get(keys.TRACE)
    if cached and cached["key"] == key:
        return cached["data"]
    data = compute_trace(translator, name, view, reference)
    session[keys.TRACE] = {"key": key, "data": data}
    session[keys.PLAYING] = False
    session.pop(keys.WHATIF_RESULT, None)
    return data


def output_text(data: DecodedSentence, step: int, tokenizer) -> str:
    """The first `step` output tokens as the text they spell: pieces joined as the tokenizer joins
    them ("▁Nous ▁iron s" reads "Nous irons"; characters "2 0 1 8" read "2018"), </s> dropped."""
    return tokenizer.decode(data.token_ids[:step])


def topk_rows(row: DecodedStep) -> list[dict]:
    """Table rows of a step's candidates: rank, token, probability, chosen."""
    return [
        {"rank": rank, "token": shown_token(piece), "probability": round(prob, 4), "chosen": piece == row.token}
        for rank, (piece, _id, prob) in enumerate(row.topk, start=1)
    ]


# -- step controls -----------------------------------------------------------------------------
def fit_session_step(session: MutableMapping, n: int) -> int:
    """The Decode page's step in `session`, fitted to an output of `n` tokens (clamp_step) and kept."""
    step = clamp_step(session.get(keys.DECODE_STEP, 0) or 0, n)
    session[keys.DECODE_STEP] = step
    return step


def step_forward(session: MutableMapping, n: int) -> None:
    _clicked(session)
    session[keys.DECODE_STEP] = min(int(session.get(keys.DECODE_STEP, 0)) + 1, n)


def step_back(session: MutableMapping) -> None:
    _clicked(session)
    session[keys.DECODE_STEP] = max(int(session.get(keys.DECODE_STEP, 0)) - 1, 0)


def reset(session: MutableMapping) -> None:
    _clicked(session)
    session[keys.DECODE_STEP] = 0
    session.pop(keys.WHATIF_RESULT, None)


def _clicked(session: MutableMapping) -> None:
    """Step, Back or Reset was pressed: play stops, and the click is counted (the heatmap, which moved
    in the browser at the click, is then drawn afresh from the server's step: components.heatmap)."""
    session[keys.PLAYING] = False
    session[keys.STEP_CLICKS] = session.get(keys.STEP_CLICKS, 0) + 1


def toggle_play(session: MutableMapping, n: int) -> None:
    """Play from here (from the start when at the end), or pause."""
    if session.get(keys.PLAYING):
        session[keys.PLAYING] = False
        return
    if int(session.get(keys.DECODE_STEP, 0)) >= n:
        session[keys.DECODE_STEP] = 0
    session[keys.PLAYING] = True


def playing(session: Mapping) -> bool:
    return bool(session.get(keys.PLAYING))


def tick(session: MutableMapping, n: int) -> bool:
    """While playing, advance one step; True when play has just reached the end (and stopped)."""
    if not session.get(keys.PLAYING):
        return False
    step = min(int(session.get(keys.DECODE_STEP, 0)) + 1, n)
    session[keys.DECODE_STEP] = step
    if step >= n:
        session[keys.PLAYING] = False
        return True
    return False


# -- exports -----------------------------------------------------------------------------------
def attention_csv(data: DecodedSentence) -> str:
    """The attention matrix as CSV: header = position-labelled source tokens, one row per target."""
    attention = data.attention
    if attention is None:
        raise ValueError("this model has no attention matrix")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # The raw tokens (SentencePiece's "▁" kept), whatever the page shows: an export is data.
    writer.writerow(["target", *numbered(data.source_tokens)])
    for label, row in zip(numbered(data.target_tokens), attention, strict=True):
        writer.writerow([label, *(repr(float(w)) for w in row)])
    return out.getvalue()


def trace_json(data: DecodedSentence) -> str:
    """The whole trace with its states (what `Trace.to_json(states=True)` gives, and the CLI prints)."""
    return json.dumps(data.to_json(states=True), ensure_ascii=False, indent=1)


def file_stem(view: ViewState) -> str:
    """A safe file name stem for downloads: task and scorer only, never the sentence."""
    return f"{view.task}-{view.scorer}".replace("/", "-")
