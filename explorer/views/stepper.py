"""The Decode stepper's data and its report, as plain Python (the component is explorer/ui/decode/stepper.js).

The step has one owner in the browser: the component draws every step from the whole decode it is sent, and
tells the server afterwards which step it shows. The server takes that report as the view's step
(`take_report`), the same way a widget proposes its own value (explorer.state.owner: the step's generation does
not move, so the component keeps its instance and its own step). When anything else moves the step (a link, a
lesson, a class, a new sentence), the generation moves, the component's key with it (`KEY_NAME`), and a new
instance starts at the server's step.

A report is a value from the browser: it counts only when it is a whole number of steps of this decode, sent by
the instance drawn for the step's current generation (an older one's report is a click on a view that has moved
on).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, MutableMapping, Sequence

from explorer.state import owner
from explorer.views import keyboard

PAGE = "decode"
FIELD = "step"
KEY_NAME = "stepper"  # its key: "decode_stepper", then "decode_stepper@<generation>"
MODES = ("step", "follow", "show")


def key(session: Mapping) -> str:
    """The stepper's key now (owner.widget_key: a new one each time something other than the stepper moved the step)."""
    return owner.widget_key(session, PAGE, FIELD, KEY_NAME)


def reported(state: object) -> object:
    """The step a component's state holds (a mapping, or Streamlit's result object with attributes), else None."""
    if isinstance(state, Mapping):
        return state.get(FIELD)
    return getattr(state, FIELD, None)


def take_report(session: MutableMapping, drawn_key: str, raw: object, n: int) -> bool:
    """The stepper drawn under `drawn_key` reports it shows step `raw` of a decode of `n` steps: the view's step
    becomes it. Refused (False, nothing changes) when `raw` is not a whole number within 0..n (booleans and
    numbers as text included) or the instance is of an older generation than the step's."""
    if drawn_key != key(session):
        return False  # the view moved on since this instance was drawn: its report is not a change anyone made
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= n:
        return False
    owner.propose(session, {FIELD: raw}, by=FIELD)
    return True


def signature(value: object) -> str:
    """A short digest of JSON data: what the component compares to know whether a drawing or a decode changed."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


# A teacher's step moves a whole hall's followers at once: each reports it after a random part of this, so their
# reports (one short run each) come spread out rather than in one burst beside the teacher's own page.
FOLLOW_SPREAD_MS = 1500


def payload(
    heatmap: dict | None,
    step: int,
    n: int,
    tokens: Sequence[str],
    outputs: Sequence[str],
    announce: Sequence[str],
    speed: float,
    texts: Mapping[str, str],
    trace: str,
    mode: str = "step",
    side: bool = False,
    lesson: bool = False,
) -> dict:
    """The component's data.

    heatmap: svg_heatmap.payload() at the server's step (None: a model without attention, only the controls and
    the output); tokens: the n output tokens as shown; outputs: the text the first k spell, k = 1..n; announce:
    what the aria-live region says at each step 0..n (explorer.views.spoken); speed: seconds per step while
    playing; texts: the controls' words, translated; side: the controls and the output beside the heatmap
    (presentation mode: the heatmap starts at the top of the frame); trace: the decode's identity (a new one
    starts at `step`); lesson: a lesson runs, whose Next and Back the clicker's PageDown and PageUp are
    (explorer.views.keyboard.stepper_keys);
    mode: "step" (the page's stepper), "follow" (a class's follower: the status and output without controls, the
    teacher's steps drawn as the room's stream pushes them, the step shown reported to the follower's session after
    a random part of FOLLOW_SPREAD_MS) or "show" (the heatmap alone at `step`: the home page's example).
    """
    if mode not in MODES:
        raise ValueError(f"unknown stepper mode {mode!r}; known: {MODES}")
    if len(tokens) != n or len(outputs) != n:
        raise ValueError(f"a decode of {n} steps needs {n} tokens and outputs, got {len(tokens)} and {len(outputs)}")
    drawing = None
    if heatmap is not None:  # the drawing without its step: a step the browser drew already redraws nothing
        drawing = signature({k: v for k, v in heatmap.items() if k != "step"})
    return {
        "heatmap": heatmap,
        "drawing": drawing,
        "follow": heatmap is None or heatmap.get("follow", True),
        "trace": trace,
        "step": int(step),
        "steps": int(n),
        "tokens": list(tokens),
        "outputs": list(outputs),
        "announce": list(announce),
        "speed": float(speed),
        "texts": dict(texts),
        # the keys and what a focused element keeps of them (explorer.views.keyboard)
        "focus": {selector: list(kept) for selector, kept in keyboard.STEPPER_FOCUS.items()},
        "keys": keyboard.stepper_keys(lesson),
        "mode": mode,
        "side": bool(side),
        "spread_ms": FOLLOW_SPREAD_MS if mode == "follow" else 0,
    }
