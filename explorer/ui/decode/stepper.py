"""The Decode page's stepper: the one component that owns Step, Back, Play, Reset, the step slider and the keys.

It is sent the whole decode once per run and moves the step in the browser at once (ui/decode/stepper.js); the
step it shows comes back as its state value "step", which `_report` hands to the view's owner before the next
run (explorer.views.stepper.take_report). The rest of the page (the current step, top-k, Explain this cell,
What if, the URL, a teacher's class) follows the view on that run. The step is never drawn from the server
unless the server moved it itself: the component's key then changes and a new instance starts there.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import streamlit as st

from explorer.figures import common, svg_heatmap
from explorer.i18n import _, pgettext
from explorer.state import keys, owner
from explorer.ui.common import components
from explorer.views import decode as decode_view
from explorer.views import keyboard, spoken, stepper, words
from seq2seq.decoded import DecodedSentence

PRESENTATION_SCALE = 1.5
# The heatmap's aria-live region, which speaks each step (explorer.views.spoken).
ANNOUNCE_ID = "decode-step-announce"


def script() -> str:
    """The stepper's whole script: the drawing, then the component with its ids filled in."""
    component = (
        components.source("decode/stepper.js")
        .replace("__SVG_ID__", svg_heatmap.SVG_ID)
        .replace("__ANNOUNCE_ID__", ANNOUNCE_ID)
    )
    return components.source("decode/heatmap_draw.js") + components.source("common/focus_rules.js") + component


@functools.cache
def component():
    """Register the Decode stepper once per process (registering a name twice logs a warning)."""
    # isolate_styles=False: mounted in the page's own DOM, so the browser tests and the benchmark find
    # <svg id="decode-heatmap"> with a plain selector; its CSS names only its own classes (.ae-stepper…).
    return st.components.v2.component(
        svg_heatmap.COMPONENT_NAME, js=script(), css=components.source("decode/stepper.css"), isolate_styles=False
    )


# The step's panels follow a step that has rested this long (decode/rest.js): longer than a clicker's 300 ms between
# presses, so presses at that pace cost the stepper's report runs only (bench.step_stress).
REST_MS = 400
REST_NAME = "attention_explorer.step_rest"
REST_KEY = "decode_step_rest"


def rest_script() -> str:
    """The rest component's script (a listener and a timer per render)."""
    return components.rendered_anew("decode/rest.js")


@functools.cache
def rest_component():
    """Register the panels' rest component once per process (it draws nothing)."""
    return st.components.v2.component(REST_NAME, js=rest_script(), isolate_styles=False)


def follow_rest(step: int, n: int) -> None:
    """In the fragment of the step's panels, drawn at `step` of a decode of `n` steps: that fragment runs again once
    the page's stepper rests at another step (decode/rest.js), and that run takes the rested step as the stepper's
    report before it draws (`_rested`). The stepper's own report (`_report`, 120 ms after a press) usually came
    first; when the panels' run came first it drew the old step, and rest.js, which then asked once per step, never
    asked again: the panels (a teacher's revealed answers among them) stayed at the old step."""
    rested = functools.partial(_rested, stepper.key(st.session_state), n)
    rest_component()(data={"step": step, "rest_ms": REST_MS}, key=REST_KEY, on_rested_change=rested)


def _rested(key: str, n: int) -> None:
    """The rest component's trigger: the step the stepper drawn under `key` rests at becomes the view's (the same
    checks as its report: a stepper of an older generation, or a step out of 0..n, changes nothing)."""
    ss = st.session_state
    state = ss.get(REST_KEY)
    raw = state.get("rested") if isinstance(state, Mapping) else getattr(state, "rested", None)
    stepper.take_report(ss, key, raw, n)


def texts(following: bool = False, lesson: bool = False) -> dict[str, str]:
    """The controls' words in the current language (stepper.js keeps English only as a fallback). "status" is
    Markdown with one bold part, which the script draws bold; {step}, {n} and {text} are filled there. `lesson`:
    a lesson runs, and the legend leaves the clicker's keys to it."""
    return {
        "step": pgettext("button", "Step"),
        "back": _("Back"),
        "play": _("Play"),
        "pause": _("Pause"),
        "reset": _("Reset"),
        "slider": pgettext("slider", "Step"),
        "slider_help": _("Number of target tokens produced so far."),
        "legend": _(keyboard.DECODE_LESSON_LEGEND if lesson else keyboard.DECODE_LEGEND),
        "status": _("**Step {step} of {n}** · output so far:"),
        "empty": _("(nothing yet: the teacher steps)") if following else _("(nothing yet: press Step or Play)"),
        "reads": _("reads: {text}"),
    }


def render(
    data: DecodedSentence, translator, presentation: bool, merged: tuple[bool, bool] | None, following: bool = False
) -> int:
    """Draw the stepper for a decoded sentence at the view's step; returns that step. `merged`: the sides shown
    in words (explorer.views.words; the heatmap's rows are then words and follow the server), None: pieces.
    `following`: a live class's follower (explorer.ui.classes.student): no controls; the teacher's steps as the
    room's stream pushes them (explorer/ui/classes/follow.js), or the server's when it polls, reported like the
    page's own."""
    ss = st.session_state
    n, step = data.num_steps, decode_view.step_of(ss)
    owner.mark_drawn(ss, (stepper.FIELD,))  # from now on a move of the step by anything else changes its key
    key = stepper.key(ss)
    report = functools.partial(_report, key, n)
    mode = "follow" if following else "step"
    _mount(_payload(data, translator, step, presentation, merged, mode), key, step, report)
    return step


def show(data: DecodedSentence, translator, step: int, key: str) -> None:
    """The heatmap alone at `step`, drawn by the server (the home page's example, which has its own Step)."""
    _mount(_payload(data, translator, step, False, None, "show"), key)


def _mount(payload: dict, key: str, step: int | None = None, report=None) -> None:
    if report is None:
        component()(data=payload, key=key)
    else:
        component()(data=payload, key=key, default={stepper.FIELD: step}, on_step_change=report)


def in_lesson(session) -> bool:
    """Whether a lesson runs in this session (its clicker keys are then the lesson's Next and Back)."""
    return bool(owner.own(session, "lessons").get(keys.LESSON_PARAM))


def _payload(data: DecodedSentence, translator, step: int, presentation: bool, merged, mode: str) -> dict:
    n, lesson = data.num_steps, mode == "step" and in_lesson(st.session_state)
    heatmap = _heatmap(data, step, presentation, merged) if data.has_attention else None
    outputs = [decode_view.output_text(data, k, translator.target_tokenizer) for k in range(1, n + 1)]
    return stepper.payload(
        heatmap,
        step,
        n,
        [common.shown_token(token) for token in data.target_tokens],
        outputs,
        spoken.announcements(data),
        float(st.session_state.get(keys.DECODE_SPEED, decode_view.DEFAULT_SPEED)),
        texts(following=mode == "follow", lesson=lesson),
        trace=stepper.signature([data.source_tokens, data.target_tokens, [s.prob for s in data.steps]]),
        mode=mode,
        side=presentation,
        lesson=lesson,
    )


def _report(key: str, n: int) -> None:
    """The component's report (its state changed): the step it shows becomes the view's."""
    ss = st.session_state
    stepper.take_report(ss, key, stepper.reported(ss.get(key)), n)


def _heatmap(data: DecodedSentence, step: int, presentation: bool, merged: tuple[bool, bool] | None) -> dict:
    """svg_heatmap's payload at `step`: every row of the decode in pieces; in words, the rows up to the step."""
    scale = PRESENTATION_SCALE if presentation else 1.0
    if merged is None:
        return svg_heatmap.payload_from_trace(data, step, scale, fit=presentation)
    grid, rows = words.words_at_step(data.source_tokens, data.target_tokens, data.attention, step, *merged)
    source_titles, target_titles = grid.label_titles()
    return svg_heatmap.payload(
        grid.source_labels, grid.target_labels, grid.attention, None, rows, scale, data.source,
        cell_notes=grid.notes("\n"), source_titles=source_titles, target_titles=target_titles, follow=False,
        fit=presentation,
    )  # fmt: skip
