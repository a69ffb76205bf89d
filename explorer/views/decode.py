"""The Decode page's logic: its view in widgets and the URL, traces kept as plain data, step controls, exports.

The analyses of one step (explain a cell, what-if, attention override) are in
explorer.views.decode_analysis.

Everything here is plain Python over a session mapping (``st.session_state`` in the app, a dict
in tests) and a translator; app_pages/1_Decode.py only wires it to widgets. The page's view (task, scorer,
model, sentence, decoding, step, units) is its one owner's (explorer.state.owner), shared by every page:
the widgets show it and propose their changes to it, Step, Back, Play and Reset propose the step, and a
link opened becomes it at once (`open_link`). Other session keys (the example box, the trace kept for step
clicks, play) are named in explorer.state.keys.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, MutableMapping

from explorer.figures.common import shown_token
from explorer.i18n import N_, _, ngettext
from explorer.state import catalog, keys, link, owner
from explorer.state.view import ViewState, link_params
from seq2seq.decoded import DecodedSentence, DecodedStep, Sampling
from seq2seq.numbering import clamp_step, numbered, shown

# strategy -> its label, English marked for translation (shown as _(STRATEGY_LABELS[s]))
STRATEGY_LABELS = {"greedy": N_("greedy"), "sample": N_("sampling"), "beam": N_("beam search")}
# The tabs below the heatmap: name -> label (English, marked; shown as _(TABS[name])). A class's teacher
# publishes the open one's name beside the view (explorer.classrooms.follow.TAB_PARAM).
TABS = {
    "explain": N_("Explain this cell"),
    "whatif": N_("What if…"),
    "override": N_("Attention override"),
    "links": N_("Links"),
    "interactive": N_("Interactive heatmap"),
}
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


# -- the view: its one owner's (explorer.state.owner) ----------------------------------------------
# The Decode page's widgets are drawn under owner.widget_key(session, PAGE, field): "decode_task",
# "decode_step", … (a later generation "decode_step@3" once something other than the widget set it).
PAGE = "decode"
LINK_SHOWN = ("task", "scorer", "sentence")  # a link's notes show while the view still shows these as it set them


def open_link(session: MutableMapping, query: Mapping, registry: owner.Registry = owner.REGISTRY) -> bool:
    """A link opened since the page last wrote the URL becomes the view at once (owner.open_link); the step
    it asked for is kept for `past_end_note`. Returns whether a link was opened."""
    view, new = owner.open_link(session, PAGE, query, registry)
    if new:
        asked = _whole_number(link.flat(query).get("step"))
        session[keys.ASKED_STEP] = (asked, (view.task, view.scorer, view.sentence))
    return new


def _whole_number(raw: str | None) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def on_example(session: MutableMapping) -> None:
    """Callback of the example box: the example becomes the sentence, with the scorer it opens on
    (catalog.example_scorer, where the task has it) and that scorer's default model, from step 0."""
    example = session.get(keys.DECODE_EXAMPLE)
    if example:
        view = owner.view(session)
        changes: dict[str, object] = {"sentence": example, "step": 0}
        scorer = catalog.example_scorer(view.task, example)
        if scorer and scorer in catalog.available().get(view.task, ()):
            changes.update(scorer=scorer, model="")
        owner.propose(session, changes)
    session[keys.DECODE_EXAMPLE] = None


def current_view(session: Mapping) -> ViewState:
    """The view the page shows (its owner's)."""
    return owner.view(session)


def step_of(session: Mapping) -> int:
    return owner.view(session).step


def shared_link(session: Mapping) -> dict[str, str]:
    """The view's link parameters, for explorer.ui.common.sharing.publish."""
    return link_params(owner.view(session), PAGE)


def notes_to_show(session: Mapping) -> tuple[str, ...]:
    """Notes about a link's refused values, while the view still shows the task, scorer and sentence it set."""
    return owner.link_notes(session, LINK_SHOWN)


def past_end_note(session: Mapping, n: int) -> str | None:
    """A note when the link asked for a step past the end of this decode of `n` steps (the page then
    shows the last), while the view still comes from that link and stays on that last step."""
    asked, origin = session.get(keys.ASKED_STEP) or (None, None)
    view = owner.view(session)
    if asked is None or asked <= n or origin != tuple(getattr(view, f) for f in LINK_SHOWN) or view.step != n:
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


def get_trace(
    session: MutableMapping, translator, name: str, view: ViewState, reference: str = "", compute=compute_trace
) -> DecodedSentence:
    """The decoded sentence for this view, kept in the session: a step click reuses it. `compute` decodes (the
    Decode page passes the decode every session shares, explorer.ui.common.cached.shared_trace)."""
    key = trace_key(name, view, reference)
    cached = session.get(keys.TRACE)
    if cached and cached["key"] == key:
        return cached["data"]
    data = compute(translator, name, view, reference)
    session[keys.TRACE] = {"key": key, "data": data}
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
def _step(session: MutableMapping, step: int) -> None:
    owner.propose(session, {"step": step})  # not the slider's own change: it is drawn anew at this step


def fit_session_step(session: MutableMapping, n: int) -> int:
    """The view's step fitted to an output of `n` tokens (clamp_step), and kept."""
    step = clamp_step(step_of(session), n)
    if step != step_of(session):
        _step(session, step)
    return step


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
