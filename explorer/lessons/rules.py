"""The rules a lesson's values follow beyond their type: a view's numbers within its link's bounds, a
claim's values within the command line's, each kind of claim with the keys it needs. Each rule says what
is wrong in words (None or [] when nothing is); `explorer.lessons.reader` puts the words on their line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from explorer.i18n import _
from explorer.lessons.schema import (
    CLAIM_NAME,
    CLAIM_NUMBERS,
    CLAIM_STRATEGIES,
    COUNTS,
    VIEW_CLAIM_KINDS,
)
from explorer.state.view import LINK_NUMBERS, MAX_SENTENCE_CHARS
from seq2seq.inputs import MAX_OUTPUT_TOKENS
from seq2seq.lab.names import IMPORTANCES, STORED_EXPERIMENTS, pairs

SHOWN_CHARS = 40  # of a value a problem repeats


def repeated(value) -> str:
    """A value a problem repeats: short (a hostile file's value can be long or nested deep)."""
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value) if not isinstance(value, int) or abs(value) < 10**SHOWN_CHARS else f"{str(value)[:9]}…"
        return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
    return type(value).__name__  # a list or a table: its kind, not its (possibly deep) contents


def number(value: float) -> str:
    """A bound as a reader writes it: whole numbers in full (a seed's 18446744073709551615), others short."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def view_numbers(view: Mapping[str, str]) -> list[str]:
    """What is wrong with a view's numbers, each against its link's bound (LINK_NUMBERS)."""
    found = []
    for name, bound in LINK_NUMBERS.items():
        if name not in view:
            continue
        try:
            value = int(view[name]) if bound.whole else float(view[name])
        except ValueError:  # also an integer too long to read
            found.append(
                (_("{key} must be a whole number") if bound.whole else _("{key} must be a number")).format(key=name)
            )
            continue
        if not bound.low <= value <= bound.high:  # NaN too
            found.append(
                _("{key} is from {low} to {high}, not {value}").format(
                    key=name, low=number(bound.low), high=number(bound.high), value=repeated(view[name])
                )
            )
    return found


_CLAIM_TEXT = (
    *("model", "sentence", "expect", "token", "metric", "strategy", "experiment", "statistic", "method"),
    *("name", "setting"),
)
_CLAIM_WHOLE = ("step", "position", "min_len", "max_len", "beam", "seed", "epoch")
_CLAIM_NEEDS = {
    "output": ("model", "sentence", "expect"),
    "not_output": ("model", "sentence", "expect"),
    "attends": ("model", "sentence"),
    "accuracy": ("model",),
    "metric": ("model", "metric"),
    "history": ("model", "sentence", "expect"),
    "lab": ("model", "experiment", "statistic"),
    "importance": ("model", "sentence", "method"),
    "tau": ("model", "sentence", "statistic"),
    "size": ("model", "sentence", "method"),
    "peaks": ("steps",),
    "weight": (),
    "score": (),
    "probability": (),
    "hypothesis": ("expect",),
    "config": ("model", "setting", "expect"),
    "count": ("model", "statistic"),
}
_CLAIM_LISTS = {"steps": int, "tokens": str, "positions": int}  # peaks: one entry per row
UNBOUNDED_KINDS = ("weight", "score", "probability", "hypothesis")  # no natural range: ±inf where not given
# The kinds that measure one number (explorer.lessons.values.VALUE_KINDS, named here without torch): each
# states the bound that makes its words true, or says it is display_only.
BOUNDED_KINDS = ("accuracy", "metric", "lab", "tau", "size", "weight", "score", "probability", "hypothesis", "count")


def claim_values(kind: str, values: dict) -> str | None:
    """What is wrong with a claim's values (None when nothing); turns `prefix` into a tuple."""
    for key in set(values) & set(_CLAIM_TEXT):
        if not isinstance(values[key], str):
            return _("{key} must be text").format(key=key)
    for key in set(values) & set(_CLAIM_WHOLE):
        if not isinstance(values[key], int) or isinstance(values[key], bool):
            return _("{key} must be a whole number").format(key=key)
    for key in set(values) & {"at_least", "at_most", "temperature"}:
        if not isinstance(values[key], int | float) or isinstance(values[key], bool):
            return _("{key} must be a number").format(key=key)
        if not math.isfinite(values[key]):
            return _("{key} must be a finite number").format(key=key)
    for key in sorted(set(values) & set(CLAIM_NUMBERS)):
        low, high = CLAIM_NUMBERS[key]
        if high is None and values[key] < low:
            return _("{key} is at least {low}, not {value}").format(
                key=key, low=number(low), value=repeated(values[key])
            )
        if high is not None and not low <= values[key] <= high:
            return _("{key} is from {low} to {high}, not {value}").format(
                key=key, low=number(low), high=number(high), value=repeated(values[key])
            )
    problem = _claim_lists(kind, values)
    if problem:
        return problem
    if "name" in values and not CLAIM_NAME.match(values["name"]):
        return _("name is lowercase letters, digits and _, starting with a letter")
    if len(values.get("sentence", "")) > MAX_SENTENCE_CHARS:
        return _("sentence is longer than {limit} characters").format(limit=MAX_SENTENCE_CHARS)
    if kind == "accuracy" and not all(0 <= values.get(k, 0) <= 1 for k in ("at_least", "at_most")):
        return _("at_least and at_most are shares from 0 to 1")
    if values.get("strategy", "greedy") not in CLAIM_STRATEGIES:
        return _("strategy is one of {values}").format(values=", ".join(CLAIM_STRATEGIES))
    prefix = values.get("prefix", [])
    if not isinstance(prefix, list) or not all(isinstance(p, str) for p in prefix):
        return _("prefix must be a list of target pieces")
    if len(prefix) >= MAX_OUTPUT_TOKENS:
        return _("prefix is longer than {limit} pieces").format(limit=MAX_OUTPUT_TOKENS - 1)
    values["prefix"] = tuple(prefix)
    if kind in ("importance", "size") and values.get("method", IMPORTANCES[0]) not in IMPORTANCES:
        return _("method is one of {values}").format(values=", ".join(IMPORTANCES))
    if kind == "count" and values.get("statistic", COUNTS[0]) not in COUNTS:
        return _("statistic is one of {values}").format(values=", ".join(COUNTS))
    if kind == "count" and values.get("statistic") in ("source_tokens", "output_tokens") and not values.get("sentence"):
        return _("a {kind} claim needs {keys}").format(kind=kind, keys="sentence")
    if kind == "tau" and values.get("statistic", pairs()[0]) not in pairs():
        return _("statistic is one of {values}").format(values=", ".join(pairs()))
    greedy = values.get("strategy", "greedy") == "greedy" and not values["prefix"]
    if kind in ("importance", "tau", "size") and not greedy:
        return _("a {kind} claim speaks of the greedy decode (the Lab's): no strategy or prefix").format(kind=kind)
    problem = _bound_problem(kind, values)
    if problem:
        return problem
    if values.get("display_only"):  # shown only: any value holds
        values["at_least"], values["at_most"] = -math.inf, math.inf
    if kind in (*UNBOUNDED_KINDS, "count"):
        values.setdefault("at_least", -math.inf)
        values.setdefault("at_most", math.inf)
    if kind in ("lab", "tau", "size"):
        if kind == "lab" and values.get("experiment", STORED_EXPERIMENTS[0]) not in STORED_EXPERIMENTS:
            return _("experiment is one of {values}").format(values=", ".join(STORED_EXPERIMENTS))
        if kind == "lab" and values.get("experiment") and values.get("statistic"):
            from explorer.views.lab_split import drawn  # every number a lesson says is one the screen shows

            if not drawn(values["experiment"], values["statistic"]):
                return _(
                    "the Lab does not show {experiment}'s {statistic} (explorer.views.lab_split.DRAWN_STATISTICS): "
                    "quote only what its page draws"
                ).format(experiment=values["experiment"], statistic=repeated(values["statistic"]))
        values.setdefault("at_least", -math.inf)
        values.setdefault("at_most", math.inf)
    missing = [key for key in _CLAIM_NEEDS[kind] if not values.get(key)]
    if kind in ("attends", "importance") and not values.get("token") and "position" not in values:
        missing.append(_("token or position"))
    if kind in VIEW_CLAIM_KINDS and values.get("model") and not values.get("sentence"):
        missing.append("sentence")
    if kind == "peaks" and not values.get("tokens") and not values.get("positions"):
        missing.append(_("tokens or positions"))
    return _("a {kind} claim needs {keys}").format(kind=kind, keys=", ".join(missing)) if missing else None


def _bound_problem(kind: str, values: dict) -> str | None:
    """A claim that measures a number and states no bound (its words would be unchecked), unless it is
    display_only; display_only on a claim with a bound or one that measures nothing."""
    if "display_only" in values and not isinstance(values["display_only"], bool):
        return _("display_only must be true or false")
    bounded = "at_least" in values or "at_most" in values
    if values.get("display_only"):
        if kind not in BOUNDED_KINDS:
            return _("display_only belongs to a claim that measures a number")
        if bounded:
            return _("a display_only claim has no at_least or at_most: its number is only shown")
    elif kind in BOUNDED_KINDS and not bounded:
        return _(
            "a {kind} claim needs at_least, at_most or both (the bound that makes its words true), "
            "or display_only = true"
        ).format(kind=kind)
    return None


def _claim_lists(kind: str, values: dict) -> str | None:
    """What is wrong with a peaks claim's lists (each of its kind, as long as `steps`, each number within
    its bound); turns them into tuples."""
    for key, kind_of in _CLAIM_LISTS.items():
        if key not in values:
            continue
        found = values[key]
        if not isinstance(found, list) or not all(isinstance(v, kind_of) and not isinstance(v, bool) for v in found):
            return _("{key} must be a list of {what}").format(
                key=key, what=_("whole numbers") if kind_of is int else _("tokens")
            )
        low, high = CLAIM_NUMBERS["step" if key == "steps" else "position"] if kind_of is int else (0, None)
        if kind_of is int and not all(low <= v <= high for v in found):
            return _("{key} holds numbers from {low} to {high}").format(key=key, low=number(low), high=number(high))
        values[key] = tuple(found)
    for key in ("tokens", "positions"):
        if key in values and len(values[key]) != len(values.get("steps", ())):
            return _("{key} has one entry for each of steps").format(key=key)
    if kind != "peaks" and set(values) & set(_CLAIM_LISTS):
        return _("steps, tokens and positions belong to a peaks claim")
    return None
