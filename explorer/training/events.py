"""What a training's process reports and how the page reads it: one JSON object a line in `events.jsonl`.

The worker appends events (seq2seq.train's step and epoch events, the race's, and its own "started",
"done" and "error"); the page reads the lines written since its last look (`read_new_events`) and
never fails on a broken one. An error event carries the error's marked template and values
(`error_fields`) so that the page says it in its own language (`error_of`); a done event carries what
`end_reason` reads, so that the page says again, in its language, why the run ended.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from explorer.i18n import N_, _
from explorer.training.settings import task_metric
from seq2seq.messages import Message

EVENTS_FILE = "events.jsonl"
EVENT_TYPES = ("started", "step", "epoch", "done", "error", "race", "passed")


def parse_events(lines: Iterable[str]) -> list[dict]:
    """The events in JSON lines; blank, broken and unknown lines are skipped (never raised on)."""
    events = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and event.get("type") in EVENT_TYPES:
            events.append(event)
    return events


def read_new_events(path: Path, offset: int) -> tuple[list[dict], int]:
    """Events of complete lines after byte `offset`, and the offset to read from next time.

    A line the worker is still writing (no newline yet) is left for the next call.
    """
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            chunk = f.read()
    except FileNotFoundError:
        return [], offset
    end = chunk.rfind(b"\n") + 1
    return parse_events(chunk[:end].decode("utf-8", errors="replace").splitlines()), offset + end


# What of a run's trainer_state.json and TrainConfig `end_reason` reads (the done event carries them).
END_STATE = ("early_stopped", "best", "best_epoch", "bad_epochs", "steps", "seconds", "epoch")
END_CONFIG = ("task", "patience", "max_steps", "max_seconds")


def metric_words(metric: str) -> str:
    """How a validation metric reads in a sentence: "exact match", "bleu"; translated in another language."""
    from explorer.state.catalog import metric_title

    return metric_title(metric, metric.replace("_", " "))


def end_reason(state: dict, config: dict) -> str:
    """Why a run that ended by itself ended, in words for the page (in the current language).

    `state` is the run's trainer_state.json (seq2seq.train), `config` its TrainConfig as a dict.
    A model that stops improving ends early (`patience` epochs without a better validation
    metric): a small one can end after a few epochs at 0% exact match, and the page says so
    rather than leaving "finished" after 6 of 30 epochs unexplained.
    """
    from explorer import i18n
    from explorer.i18n import ngettext
    from seq2seq.training_parts import METRIC_CEILING  # imports torch: not at this module's import

    metric = task_metric(config.get("task", ""))

    def as_metric(value: float) -> str:
        return i18n.number(100 * value, 1) + "%" if metric == "exact_match" else i18n.number(value, 1)

    label = metric_words(metric)
    best, best_epoch, patience = state.get("best", 0.0), state.get("best_epoch", 0), config.get("patience", 0)
    if state.get("early_stopped"):
        if best >= METRIC_CEILING[metric]:
            return _("reached the ceiling of validation {metric} ({best}) at epoch {epoch}").format(
                metric=label, best=as_metric(best), epoch=best_epoch
            )
        if state.get("bad_epochs", 0) >= patience:
            return ngettext(
                "stopped early: validation {metric} did not improve for {patience} epoch; "
                "the best epoch ({epoch}, {best}) is kept",
                "stopped early: validation {metric} did not improve for {patience} epochs; "
                "the best epoch ({epoch}, {best}) is kept",
                patience,
            ).format(metric=label, patience=patience, epoch=best_epoch, best=as_metric(best))
        return _("stopped on request; the best epoch ({epoch}, {best}) is kept").format(
            epoch=best_epoch, best=as_metric(best)
        )
    if config.get("max_steps") and state.get("steps", 0) >= config["max_steps"]:
        steps = config["max_steps"]
        return ngettext(
            "the step budget ({steps} step) is used up", "the step budget ({steps} steps) is used up", steps
        ).format(steps=i18n.number(steps))
    if config.get("max_seconds") and state.get("seconds", 0.0) >= config["max_seconds"]:
        minutes = config["max_seconds"] / 60
        return _("the time limit ({minutes} minutes) is reached").format(minutes=f"{minutes:g}")
    epochs = state.get("epoch", 0)
    return ngettext("all {epochs} epoch done", "all {epochs} epochs done", epochs).format(epochs=epochs)


def error_fields(error: BaseException) -> dict:
    """An error's marked template and values for the error event, if it has them (values that are not
    plain data, a path say, as their text)."""
    told = _as_data(error)
    if not isinstance(told, dict):
        return {}
    try:
        told = json.loads(json.dumps(told, default=str))
    except (TypeError, ValueError):
        return {}
    return {"kind": type(error).__name__, **told}


def _as_data(thing: object) -> object:
    """A marked message (an error, a Message) as {"template", "params"}, its values likewise; anything else as it is."""
    template, params = getattr(thing, "template", None), getattr(thing, "params", None)
    if not isinstance(template, str) or not isinstance(params, dict):
        return thing
    return {"template": template, "params": {key: _as_data(value) for key, value in params.items()}}


def _from_data(template: str, params: dict) -> Message:
    """The Message `_as_data` wrote down (KeyError, IndexError or ValueError when they do not fit)."""
    values = {
        key: _from_data(value["template"], value["params"])
        if isinstance(value, dict) and isinstance(value.get("template"), str) and isinstance(value.get("params"), dict)
        else value
        for key, value in params.items()
    }
    return Message(template, **values)


def error_of(event: dict) -> str:
    """The error an error event reports: its message, to be said in the page's language when it can be."""
    message = event.get("message")
    if not isinstance(message, str):
        return Message(N_("unknown error"))
    template, params, kind = event.get("template"), event.get("params"), event.get("kind")
    if isinstance(template, str) and isinstance(params, dict) and isinstance(kind, str):
        try:
            told = _from_data(template, params)
        except (KeyError, IndexError, ValueError):
            return message
        words = Message("{kind}: {message}", kind=kind, message=told)  # the type's name is code: not translated
        return words if words == message else message
    return message
